package chat

import "time"

// ActionIncidentUpdate is an outbox row carrying an incident's status update
// or resolution to one of its customers.
const ActionIncidentUpdate ActionType = "incident_update"

// IncidentChange is what an agent's /incident take, update or resolve does
// to an incident, as decided on Read (handoff.IncidentAct); the store
// writes it only while the incident is still as read, else
// ErrConflict.
type IncidentChange struct {
	ID   int64
	Read IncidentRead
	// Take makes Agent the owner.
	Take  bool
	Agent Agent
	// Status, when set, is the incident's new status; Update, when set,
	// carries it to every customer filed under the incident.
	Status string
	Update *IncidentUpdate
	// Resolve closes the incident and its open handoffs (as "Resolve all").
	Resolve bool
	// Notice is the new text of the incident's team notification (owner
	// and status shown), edited in place; nil leaves it.
	Notice *Notice
}

// IncidentUpdate is an incident's status carried to its customers, as
// decided (handoff.Announcement.To) on its audience as read: one message to
// each customer who may be written to, and the count of the others. The
// store writes the messages as given, while the incident still counts the
// handoffs it had when read (else ErrConflict: a customer joined, read the
// audience and decide again).
type IncidentUpdate struct {
	Messages []IncidentMessage
	Sent     IncidentSent
}

// IncidentMessage is an update's message to one customer of the incident.
type IncidentMessage struct {
	To   IncidentCustomer
	Text string
	// WindowUntil is when the platform stops taking the bot's messages to
	// them; the sender drops the message if it is still queued then.
	WindowUntil time.Time
}

// IncidentCustomer is one customer filed under an incident, as an update
// to them is decided: where to write, in which language, and what the
// window, blocks and hourly limit say.
type IncidentCustomer struct {
	ConversationID int64
	Platform       Platform
	Bot            string
	ChatID         string
	// Scope is the customer as the guard counts them (Event.CustomerScope).
	Scope    string
	Language string // as their platform gives it ("ru-RU"); "" unknown
	// LastMessageAt is the customer's last message, which opened the
	// platform's window for the bot's replies.
	LastMessageAt time.Time
	// Blocked: they blocked the bot, or the team blocked them.
	Blocked bool
	// SentLastHour counts the messages queued to them in the hour before
	// the update (failed ones aside), for the guard's hourly limit.
	SentLastHour int
}

// IncidentSent counts what an update did: Sent customers were queued a
// message; the others were skipped, each for one reason. In the team's
// confirmation "{sent}", "{outside_window}" and "{skipped}" (blocked or
// over the hourly limit) stand for them.
type IncidentSent struct {
	Customers     int // filed under the incident
	Sent          int
	OutsideWindow int
	Skipped       int
}
