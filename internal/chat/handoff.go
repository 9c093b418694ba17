package chat

import "strings"

// HandoffState is where a handoff is in its life: waiting for a person,
// claimed by one, or closed one of three ways.
type HandoffState string

const (
	HandoffWaiting       HandoffState = "waiting"
	HandoffClaimed       HandoffState = "claimed"
	HandoffResolved      HandoffState = "resolved"        // an agent resolved it, or it timed out idle, or its incident was resolved
	HandoffReturnedToBot HandoffState = "returned_to_bot" // an agent gave it back without resolving
)

// Open reports whether people still own the conversation.
func (s HandoffState) Open() bool { return s == HandoffWaiting || s == HandoffClaimed }

// Priority is a handoff's urgency (DOMAIN.md D15).
type Priority string

// Priority levels, most urgent first.
const (
	PriorityCritical Priority = "critical"
	PriorityHigh     Priority = "high"
	PriorityMedium   Priority = "medium"
	PriorityLow      Priority = "low"
)

// Priorities lists the levels, most urgent first.
var Priorities = []Priority{PriorityCritical, PriorityHigh, PriorityMedium, PriorityLow}

// Label is how agents write a priority: P1 (critical) to P4 (low).
func (p Priority) Label() string {
	for i, q := range Priorities {
		if q == p {
			return "P" + string(rune('1'+i))
		}
	}
	return "P4"
}

// ParsePriority reads a priority as agents and rules write it: P1..P4
// (any case) or its name (critical, high, medium, low).
func ParsePriority(s string) (Priority, bool) {
	for i, q := range Priorities {
		if strings.EqualFold(s, string(q)) || strings.EqualFold(s, "P"+string(rune('1'+i))) {
			return q, true
		}
	}
	return "", false
}

// Raise is the priority one step more urgent (critical stays critical):
// what /escalate and a customer's "not solved" do. An unknown priority
// counts as low.
func (p Priority) Raise() Priority {
	for i, q := range Priorities {
		if q == p {
			return Priorities[max(i-1, 0)]
		}
	}
	return PriorityMedium
}

// Rank orders sends under a burst: urgent handoffs first, each level worth
// a minute of waiting in the outbox (see the store's claim order), so
// nothing starves. An unknown priority ranks as low.
func (p Priority) Rank() int {
	switch p {
	case PriorityCritical:
		return 3
	case PriorityHigh:
		return 2
	case PriorityMedium:
		return 1
	}
	return 0
}

// What an outbox row does besides the rules' actions (reply, ack, handoff).
const (
	ActionNotice         ActionType = "notice"          // a message to a team chat
	ActionRelay          ActionType = "relay"           // an agent's message to the customer
	ActionCallbackAnswer ActionType = "callback_answer" // the answer to a button press or slash command
	ActionIncidentEdit   ActionType = "incident_edit"   // an edit of an incident's notification
	ActionCustomerNotice ActionType = "customer_notice" // a notice to the customer: a person joined, closed, feedback questions (issue 20)
)

// Agent is a person acting in a team chat. ID is their platform account
// (AgentID) and is what ownership is decided on; Name is shown to people
// and decides nothing, since two people may share one.
type Agent struct {
	ID   string
	Name string
}

// AgentID is the account of a platform's user, as Agent.ID holds it. The
// platform is part of it because a team's chats may be on different
// platforms, whose user ids are separate spaces.
func AgentID(p Platform, userID string) string {
	if userID == "" {
		return ""
	}
	return string(p) + ":" + userID
}

// Known says whether the agent's account is known: claims made before
// agents were identified by account have only a name.
func (a Agent) Known() bool { return a.ID != "" }

// Is says whether a and b are the same account; names do not count.
func (a Agent) Is(b Agent) bool { return a.ID != "" && a.ID == b.ID }

// InPerson stands as the owner of a handoff that someone of the brand took
// by answering the customer in their chat in person: no account, so any
// agent of the team may still answer or claim it.
var InPerson = Agent{Name: "someone in the customer's chat, in person"}
