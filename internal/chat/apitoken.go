package chat

import "time"

// Scope is what an API token may do. Scopes are ordered: each allows what
// the ones below it do.
type Scope string

const (
	// ScopeRead reads handoffs, conversations and customers.
	ScopeRead Scope = "read"
	// ScopeAgent also acts on handoffs as an agent: claim, reply, resolve.
	ScopeAgent Scope = "agent"
	// ScopeAdmin also exports and forgets customers' personal data.
	ScopeAdmin Scope = "admin"
)

var scopeRank = map[Scope]int{ScopeRead: 1, ScopeAgent: 2, ScopeAdmin: 3}

// Valid reports whether s is one of the scopes.
func (s Scope) Valid() bool { return scopeRank[s] > 0 }

// Allows reports whether a token of scope s may do what needs scope need.
func (s Scope) Allows(need Scope) bool { return s.Valid() && scopeRank[s] >= scopeRank[need] }

// APIToken is a named token of the HTTP API as stored: its secret only as
// a hash, so a copy of the database opens nothing.
type APIToken struct {
	Name      string     `json:"name"`
	Scope     Scope      `json:"scope"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// APIAgentID is the agent account of an API token: what the handoff
// lifecycle decides ownership on when a helpdesk acts through the API.
func APIAgentID(tokenName string) string { return "api:" + tokenName }
