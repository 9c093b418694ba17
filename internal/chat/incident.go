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

// IncidentUpdate is one message to each customer of an incident, once each,
// written set-based however many they are. The store writes it as given:
// no customer outside the platform's window, none who blocked the bot or
// was blocked, none who had PerHour messages in the last hour.
type IncidentUpdate struct {
	// Texts by the customer's language; "" is for every other language.
	Texts map[string]string
	// Reach is, per platform, how long after the customer's last message
	// the bot may still write (the window less its margin); customers of
	// platforms not named are not written to.
	Reach map[Platform]time.Duration
	// PerHour is the guard's hourly limit of messages to one customer.
	PerHour int
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
