package chat

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
)
