package chat

import "time"

// RouteReason says why a handoff went to its team (internal/handoff.Choose).
type RouteReason string

const (
	RouteNamed    RouteReason = "named"    // the rule named the team
	RouteOpen     RouteReason = "open"     // a team speaking the customer's language, open now
	RouteClosed   RouteReason = "closed"   // a team speaking it, closed now: it waits for the opening
	RouteFallback RouteReason = "fallback" // no team speaks it: the fallback team
	RoutePlatform RouteReason = "platform" // the team that takes every customer of the platform (the sandbox)
)

// Route is how a new handoff was routed, kept with it for reports and for
// its overflow timer.
type Route struct {
	Language string // the customer's language as routed ("zh" for zh-hans and zh-hant)
	Reason   RouteReason
	// OutOfHours says the team was closed when the handoff was made: the
	// customer was told when a person will answer, and the SLA clock
	// starts at the opening.
	OutOfHours bool
	// OverflowAt is when the handoff, still unclaimed, is offered to
	// OverflowTeam too (once); zero: never.
	OverflowAt   time.Time
	OverflowTeam string
}

// OverflowHandoff is a waiting handoff whose overflow time has passed.
type OverflowHandoff struct {
	ID       int64
	Team     string // its team, which has not claimed it
	To       string // the overflow team, told once
	Priority string
	Created  time.Time
	DueAt    time.Time
	Customer string // display name
	Key      string // the conversation's key (forum topic)
}

// PublicLink carries a question asked in a public group or channel, which
// would have started a handoff there, to a private chat: the customer
// opens it (Telegram: /start TOKEN from a t.me link; Discord: a button in
// a direct message) and the handoff starts in private with the question.
// The token is random: it says nothing about the customer. It works once,
// until Expires, and only for the customer who asked.
type PublicLink struct {
	Token      string
	Platform   Platform
	Bot        string
	CustomerID string // the platform's id of the customer who asked
	// The handoff the question would have started, and the text the
	// customer gets with it.
	Rule, Team, Priority, Reply string
	Question                    string // what the customer asked in public
	Language                    string
	Created, Expires            time.Time
	Used                        bool
}

// LinkStartPrefix is the data of the button that opens a public question's
// link in a Discord direct message ("start:TOKEN"); on Telegram the link
// is the text of /start itself.
const LinkStartPrefix = "start:"
