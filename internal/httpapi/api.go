package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// API is what /api/v1, the HTTP API for helpdesks and CRMs, serves. Reads
// answer from the database; writes become an agent's events in the team
// chat (Act), decided by the same handoff lifecycle as one typed there.
type API struct {
	// Token finds the live token stored under this hash; found is false
	// for an unknown or revoked one.
	Token func(ctx context.Context, hash string) (t chat.APIToken, found bool, err error)
	// Handoffs lists handoffs, newest first.
	Handoffs func(ctx context.Context, q HandoffQuery) (any, error)
	// Handoff reads one handoff with its conversation's messages.
	Handoff func(ctx context.Context, id int64) (h any, found bool, err error)
	// Act puts an agent's command on a handoff in line; found is false
	// when there is no such handoff. Whether it may be done (who owns the
	// conversation, the platform's window) is decided when it is
	// processed, and the team chat is told, as for a command typed there.
	Act func(ctx context.Context, a Action) (found bool, err error)
	// Customer reads a customer and their conversations; Export is
	// everything stored about them (as `frontdesk export`); Forget erases
	// their personal data (as `frontdesk forget`).
	Customer func(ctx context.Context, c CustomerID) (v any, found bool, err error)
	Export   func(ctx context.Context, c CustomerID) (v any, found bool, err error)
	Forget   func(ctx context.Context, c CustomerID) (v any, found bool, err error)
	// Rate limits the requests of each token; nil uses DefaultAPIRate.
	Rate *AuthFailureLimit
}

// DefaultAPIRate allows each token 100 requests at once, then 10 a second.
var DefaultAPIRate = AuthFailureLimit{Burst: 100, Every: 100 * time.Millisecond}

// HandoffQuery narrows GET /api/v1/handoffs; zero fields do not narrow.
type HandoffQuery struct {
	State    chat.HandoffState
	Team     string
	Priority string
	Since    time.Time // opened at or after
	Until    time.Time // opened before
	Limit    int
}

// Action is an agent's command on a handoff made through the API.
type Action struct {
	Token     string // the token's name; the agent's account is api:<name>
	Agent     string
	Command   chat.AgentCommand
	HandoffID int64
	Text      string
	// Target is where a transfer goes: a team's name, or an agent as the
	// handoff's team knows them ("@bob", "Bob").
	Target string
	// Key is the request's Idempotency-Key: the same key of the same
	// token is the same command, however often it is posted.
	Key string
}

// CustomerID names a customer as `frontdesk forget --customer` does.
type CustomerID struct {
	Platform   chat.Platform
	Bot        string
	ExternalID string
}

// ErrCannot, wrapped in an error of the API's functions, means the request
// cannot be done as things are configured (no team chat takes the
// handoff's team): 409, with the error's text, which names no secret.
var ErrCannot = errors.New("cannot be done")

// adminTokenName is the name the shared admin_token acts under.
const adminTokenName = "admin_token"

// Bounds of what a client sends.
const (
	maxAPIBody       = 64 << 10
	maxAgentName     = 100
	maxReplyText     = 4096 // Telegram's limit for one message
	maxIdempotentKey = 200
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument is the OpenAPI 3.1 description of /api/v1.
func OpenAPIDocument() []byte { return openAPIDocument }

// mountAPI serves /api/v1. Every route but the document needs a token;
// each needs a scope.
func mountAPI(r *gin.Engine, api *API, adminToken string, guard *tokenGuard, log *slog.Logger) {
	rate := api.Rate
	if rate == nil {
		rate = &DefaultAPIRate
	}
	limiter := newFailureLimiter(*rate, time.Now)
	v1 := r.Group("/api/v1")
	v1.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPIDocument) })
	g := v1.Group("", apiAuth(api, adminToken, guard, limiter, log))
	read, agent, admin := need(chat.ScopeRead), need(chat.ScopeAgent), need(chat.ScopeAdmin)
	g.GET("/handoffs", read, func(c *gin.Context) {
		q, ok := handoffQuery(c)
		if !ok {
			return
		}
		list, err := api.Handoffs(c.Request.Context(), q)
		if err != nil {
			apiFailed(c, log, "handoffs", err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok", "handoffs": list})
	})
	g.GET("/handoffs/:id", read, func(c *gin.Context) {
		id, ok := handoffID(c)
		if !ok {
			return
		}
		h, found, err := api.Handoff(c.Request.Context(), id)
		if answered(c, log, "handoff", found, err) {
			c.JSON(http.StatusOK, gin.H{"status": "ok", "handoff": h})
		}
	})
	for _, cmd := range []struct {
		path    string
		command chat.AgentCommand
	}{{"claim", chat.AgentClaim}, {"resolve", chat.AgentResolve}, {"reply", chat.AgentRelay}, {"transfer", chat.AgentTransfer}, {"tags", chat.AgentTag}} {
		g.POST("/handoffs/:id/"+cmd.path, agent, func(c *gin.Context) { act(c, api, cmd.command, log) })
	}
	customer := func(what string, fn func(context.Context, CustomerID) (any, bool, error)) gin.HandlerFunc {
		return func(c *gin.Context) {
			id, ok := customerID(c)
			if !ok {
				return
			}
			v, found, err := fn(c.Request.Context(), id)
			if answered(c, log, what, found, err) {
				c.JSON(http.StatusOK, gin.H{"status": "ok", what: v})
			}
		}
	}
	g.GET("/customers/:id", read, customer("customer", api.Customer))
	g.GET("/customers/:id/export", admin, customer("export", api.Export))
	g.DELETE("/customers/:id", admin, customer("forgotten", api.Forget))
	g.POST("/customers/:id/forget", admin, customer("forgotten", api.Forget))
}

// apiAuth admits a request with a live API token, or the shared admin
// token (as scope admin), and spends one of the token's requests. A
// missing, unknown or revoked token is 401, and counts against the
// client's address as a guess would; a token over its rate is 429.
func apiAuth(api *API, adminToken string, guard *tokenGuard, limiter *failureLimiter, log *slog.Logger) gin.HandlerFunc {
	var adminSum [sha256.Size]byte
	if adminToken != "" {
		adminSum = sha256.Sum256([]byte(adminToken))
	}
	return func(c *gin.Context) {
		scheme, got, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		got = strings.TrimSpace(got)
		var tok chat.APIToken
		found := false
		if strings.EqualFold(scheme, "Bearer") && got != "" {
			sum := sha256.Sum256([]byte(got))
			if adminToken != "" && subtle.ConstantTimeCompare(sum[:], adminSum[:]) == 1 {
				tok, found = chat.APIToken{Name: adminTokenName, Scope: chat.ScopeAdmin}, true
			} else {
				var err error
				// Looked up by the hash of a 256-bit secret: nothing
				// about the secret can be learnt from how long it takes.
				hash := HashAPIToken(got)
				tok, found, err = api.Token(c.Request.Context(), hash)
				if err != nil {
					apiFailed(c, log, "token", err)
					c.Abort()
					return
				}
				// And compared again here, in constant time, so that no
				// looser equality of some database's collation admits.
				found = found && subtle.ConstantTimeCompare([]byte(tok.Hash), []byte(hash)) == 1
			}
		}
		if !found {
			limited := guard.refuse(c, func() {
				c.Header("WWW-Authenticate", "Bearer")
				c.AbortWithStatusJSON(http.StatusUnauthorized, apiError("missing, unknown or revoked bearer token"))
			})
			log.WarnContext(c.Request.Context(), "api: request without a valid token", "path", c.Request.URL.Path,
				"remote", c.ClientIP(), "throttled", limited)
			return
		}
		if wait := limiter.take(tok.Name); wait > 0 {
			c.Header("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
			c.AbortWithStatusJSON(http.StatusTooManyRequests, apiError("too many requests with this token"))
			return
		}
		c.Set(tokenKey, tok)
		c.Next()
	}
}

const tokenKey = "frontdesk.api_token"

// need refuses a token whose scope does not allow the route: 403.
func need(scope chat.Scope) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok := c.MustGet(tokenKey).(chat.APIToken)
		if !tok.Scope.Allows(scope) {
			c.AbortWithStatusJSON(http.StatusForbidden, apiError("token "+tok.Name+" has scope "+string(tok.Scope)+"; this needs "+string(scope)))
			return
		}
		c.Next()
	}
}

// act puts an agent's command in line and answers 202: it is decided, in
// the conversation's order, by the same lifecycle as a command in the team
// chat, which is told what came of it.
func act(c *gin.Context, api *API, cmd chat.AgentCommand, log *slog.Logger) {
	id, ok := handoffID(c)
	if !ok {
		return
	}
	var body struct {
		Agent   string   `json:"agent"`
		Text    string   `json:"text"`
		Team    string   `json:"team"`     // transfer: to this team
		ToAgent string   `json:"to_agent"` // transfer: to this agent
		Tags    []string `json:"tags"`     // tags: labels added
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxAPIBody)
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		c.JSON(http.StatusBadRequest, apiError(`want a JSON body like {"agent": "Dana", "text": "…"}: `+err.Error()))
		return
	}
	body.Agent, body.Text = strings.TrimSpace(body.Agent), strings.TrimSpace(body.Text)
	body.Team, body.ToAgent = strings.TrimSpace(body.Team), strings.TrimSpace(body.ToAgent)
	var problems []string
	if body.Agent == "" || utf8.RuneCountInString(body.Agent) > maxAgentName {
		problems = append(problems, "agent: the agent's name, 1 to 100 characters, is required")
	}
	switch {
	case cmd == chat.AgentRelay && (body.Text == "" || utf8.RuneCountInString(body.Text) > maxReplyText):
		problems = append(problems, "text: what the customer is sent, 1 to 4096 characters, is required")
	case cmd != chat.AgentRelay && body.Text != "":
		problems = append(problems, "text: only a reply has a text")
	}
	switch {
	case cmd == chat.AgentTransfer && (body.Team == "") == (body.ToAgent == ""):
		problems = append(problems, "team or to_agent: a transfer names one team or one agent")
	case cmd == chat.AgentTransfer && utf8.RuneCountInString(body.Team+body.ToAgent) > maxAgentName:
		problems = append(problems, "team or to_agent: at most 100 characters")
	case cmd != chat.AgentTransfer && (body.Team != "" || body.ToAgent != ""):
		problems = append(problems, "team, to_agent: only a transfer names them")
	}
	target := body.Team + body.ToAgent
	switch {
	case cmd == chat.AgentTag && !validTags(body.Tags):
		problems = append(problems, "tags: 1 to 10 words of letters, digits, - and _, each at most 32 characters")
	case cmd == chat.AgentTag:
		target = strings.Join(body.Tags, " ")
	case body.Tags != nil:
		problems = append(problems, "tags: only /tags takes them")
	}
	key := c.GetHeader("Idempotency-Key")
	if len(key) > maxIdempotentKey || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		problems = append(problems, "Idempotency-Key: at most 200 printable ASCII characters")
	}
	if len(problems) > 0 {
		c.JSON(http.StatusBadRequest, gin.H{"status": "error", "errors": problems})
		return
	}
	if key == "" {
		// Without a key a retried request is a second command.
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		key = "auto-" + base64.RawURLEncoding.EncodeToString(b)
	}
	tok := c.MustGet(tokenKey).(chat.APIToken)
	found, err := api.Act(c.Request.Context(), Action{Token: tok.Name, Agent: body.Agent, Command: cmd, HandoffID: id, Text: body.Text,
		Target: target, Key: key})
	if answered(c, log, "handoff", found, err) {
		c.JSON(http.StatusAccepted, gin.H{"status": "accepted", "handoff_id": id, "command": apiCommandName(cmd), "idempotency_key": key})
	}
}

// validTags says whether tags are words a handoff may be labelled with
// (as handoff.ParseTags reads them).
func validTags(tags []string) bool {
	if len(tags) == 0 || len(tags) > 10 {
		return false
	}
	for _, t := range tags {
		if t == "" || utf8.RuneCountInString(t) > 32 || strings.ContainsFunc(t, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
		}) {
			return false
		}
	}
	return true
}

func apiCommandName(cmd chat.AgentCommand) string {
	if cmd == chat.AgentRelay {
		return "reply"
	}
	return string(cmd)
}

// handoffQuery reads the list's filters: state, team, priority, since and
// until (RFC 3339), limit.
func handoffQuery(c *gin.Context) (HandoffQuery, bool) {
	q := HandoffQuery{State: chat.HandoffState(c.Query("state")), Team: c.Query("team"), Priority: c.Query("priority")}
	var problems []string
	switch q.State {
	case "", chat.HandoffWaiting, chat.HandoffClaimed, chat.HandoffResolved, chat.HandoffReturnedToBot:
	default:
		problems = append(problems, "state: one of waiting, claimed, resolved, returned_to_bot")
	}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		if v := c.Query(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				problems = append(problems, f.name+": a time like 2026-12-01T00:00:00Z")
			}
			*f.to = t
		}
	}
	n, err := strconv.Atoi(c.DefaultQuery("limit", "100"))
	if err != nil || n < 1 || n > 1000 {
		problems = append(problems, "limit: 1 to 1000")
	}
	q.Limit = n
	if len(problems) > 0 {
		c.JSON(http.StatusBadRequest, gin.H{"status": "error", "errors": problems})
		return q, false
	}
	return q, true
}

func handoffID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		c.JSON(http.StatusBadRequest, apiError("handoff id: a positive number"))
		return 0, false
	}
	return id, true
}

// customerID reads platform/bot/external_id, path-escaped as one segment.
func customerID(c *gin.Context) (CustomerID, bool) {
	parts := strings.SplitN(c.Param("id"), "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		c.JSON(http.StatusBadRequest, apiError("customer id: platform/bot/external_id, path-escaped, e.g. telegram%2Fshop%2F4242"))
		return CustomerID{}, false
	}
	return CustomerID{Platform: chat.Platform(parts[0]), Bot: parts[1], ExternalID: parts[2]}, true
}

// answered answers a failed or empty lookup and reports whether the
// caller should answer the success.
func answered(c *gin.Context, log *slog.Logger, what string, found bool, err error) bool {
	switch {
	case err != nil:
		apiFailed(c, log, what, err)
		return false
	case !found:
		c.JSON(http.StatusNotFound, apiError("no such "+what))
		return false
	}
	return true
}

// apiFailed maps an error to its status: ErrCannot is 409, the database
// unreachable is 503 (try again); anything else is 500. The cause goes to
// the log.
func apiFailed(c *gin.Context, log *slog.Logger, what string, err error) {
	status, msg := http.StatusInternalServerError, what+": internal error"
	switch {
	case errors.Is(err, ErrCannot):
		status, msg = http.StatusConflict, err.Error()
	case errors.Is(err, chat.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, what+": database unavailable, try again"
	}
	log.ErrorContext(c.Request.Context(), "api: "+what+" failed", "err", err)
	c.JSON(status, apiError(msg))
}

func apiError(msg string) gin.H { return gin.H{"status": "error", "errors": []string{msg}} }
