package chat

import (
	"encoding/json"
	"time"
)

// Outcome summarizes what happened to an event, for history and reports.
type Outcome string

const (
	OutcomeAnswered     Outcome = "answered"     // an FAQ reply was planned
	OutcomeHandedOff    Outcome = "handed_off"   // handed to a human
	OutcomeAcknowledged Outcome = "acknowledged" // only an acknowledgement
	OutcomeIgnored      Outcome = "ignored"      // a rule said to ignore it (spam): recorded, not answered
	OutcomeSuppressed   Outcome = "suppressed"   // rules matched but every send was suppressed
	OutcomeUnanswered   Outcome = "unanswered"   // no rule matched
	OutcomeRecorded     Outcome = "recorded"     // not a message the rules decide on (edits, blocks, service messages), or one decided again on release
	OutcomeBlocked      Outcome = "blocked"      // the team blocked the customer (/block): stored, never answered nor relayed
)

// Plan is the pipeline's verdict on one event, written by the store in the
// same transaction that marks the event done.
type Plan struct {
	Language   string
	Sends      []Send   // each becomes an outbox row, in this order
	Recorded   []Action // tags and ignores: kept with the decision, nothing sent
	Suppressed []Suppression
	Handoff    *Action // set when the conversation goes to a human
	// HandoffDue is when a person should first answer (from the priority
	// matrix and the team's business hours); zero means at once.
	HandoffDue time.Time
	// Notices go to agents' team chats (handoff notifications); they are not
	// messages to the customer, so the frequency guard does not apply.
	// "{handoff}" in a button's data stands for the handoff's id.
	Notices []Notice
	// Incident, when set, files the handoff under an incident (D17): its
	// notice replaces the handoff's own.
	Incident *IncidentPlan
	// ContinuesBurst says the event belongs to the customer's previous
	// burst of messages, whose sends it adds to.
	ContinuesBurst bool
	// CallbackAnswers end a button press's spinner or a slash command's
	// "thinking…", by their platform ids, with nothing to say or a short
	// notice for the person who pressed.
	CallbackAnswers []CallbackAnswer
	Outcome         Outcome
	Trace           json.RawMessage
	// Insight is the message's type and sentiment, kept with the decision
	// for reports; TypeReason says why it has that type (for try).
	Insight    Insight
	TypeReason string
	// ReadAs is the text the rules read, when it is not the message as
	// written (Russian in Latin letters, read in Cyrillic), and ReadFrom
	// how it was read; for try.
	ReadAs, ReadFrom string
	// Feedback is the customer's answer to a feedback button or their
	// rating's comment, stored per handoff, team, agent and rule.
	Feedback *Feedback
	// Reopen gives a closed handoff back to its team ("not solved"); the
	// Notices then tell the team, tied to it.
	Reopen *Reopen
	// Repeats says the event repeats a customer's message already in the
	// history (one released as not spam): no message row is added for it.
	Repeats bool
	// PersonAt, when set, says a person of the brand wrote in the chat
	// then, in person (KindPersonReply): the event is kept as a message to
	// the customer, and the conversation remembers the moment, so the bot
	// keeps quiet for a while after it (guard.Config.PersonQuiet).
	PersonAt time.Time
	// ClaimInPerson takes the open handoff, still waiting, for the person
	// who answered in the chat (chat.InPerson, its owner unknown), so its
	// reminders and escalations stop (handoff.PersonAnswered).
	ClaimInPerson bool
	// CancelsClose says the customer wrote while a timed close (/close in
	// 10m) was pending on the open handoff: it no longer closes.
	CancelsClose bool
	// Collect changes the conversation's collection of details before a
	// handoff; nil leaves it as it is. Attrs are customer attributes to
	// set (the details collected), and DetailsAsked how many details the
	// handoff asked for first, for reports.
	Collect      *CollectChange
	Attrs        []Attr
	DetailsAsked int
	// Route is how the new handoff was routed (with Handoff).
	Route Route
	// NewLink stores a public question's link to a private chat, offered
	// instead of a handoff in a public chat; UseLink spends the link this
	// event opened (a conflict when it was spent meanwhile).
	NewLink *PublicLink
	UseLink string
}

// Send is a planned message that passed the frequency guard, with the
// reservations that keep it from being sent again too soon.
type Send struct {
	Action
	Reservations []Reservation
	// WindowUntil is the last moment the platform lets the bot send it
	// (the interaction window, less a safety margin); zero means no limit.
	WindowUntil time.Time
	// Where it goes, decided with the rest (Address): the event's chat
	// by default, a direct message for private answers, quoting the
	// customer in groups.
	To Address
}

// CallbackAnswer answers a button press or a slash command: ID is the
// platform's id of it (Event.CallbackID), Text what the person who pressed
// is shown, if anything (Telegram: a toast; Discord: a private follow-up).
type CallbackAnswer struct {
	ID   string
	Text string
}

// Address is where a message to a customer goes and how it is placed.
type Address struct {
	ChatID   string
	ThreadID string
	ReplyTo  string // platform message id to quote
	// CallbackID makes the message the answer of a Discord interaction
	// ("thinking…" replaced by it).
	CallbackID string
}

// Effects is everything deciding one event produced: the snapshot it was
// decided on (the store applies it only while that still holds) and the
// plan. The store turns it into rows as given and decides nothing.
type Effects struct {
	Event InboxEvent
	Basis State
	Plan  Plan
}

// Reservation claims a key (same content to a customer, same rule, the
// conversation's acknowledgement) until it expires. Keys are unique in the
// store, so two workers can never both send what one key covers.
type Reservation struct {
	Key     string
	Reason  string // the suppression reason when the key is already taken
	Expires time.Time
}

// Notice is a message to a team chat.
type Notice struct {
	Platform Platform
	Bot      string
	ChatID   string
	Text     string
	Buttons  [][]Button
	// TopicKey names the customer conversation a notice is about. Where
	// the team chat is a forum, notices with the same key go to one topic,
	// created under TopicName with the first of them.
	TopicKey  string
	TopicName string
	// Media go with the notice (Text is their caption): a customer's
	// photo reaches the agents as a photo. After holds it back until
	// then: an album's parts, which arrive one by one, are sent as one.
	Media []Media
	After time.Time
}

// OpenHandoff is what a decision needs to know of a conversation's open
// handoff.
type OpenHandoff struct {
	ID    int64
	Team  string
	State HandoffState // waiting or claimed; "" when the conversation is back with the bot
	// ClaimedBy is the owner of a claimed handoff; its ID is empty for a
	// claim made before agents were identified by account.
	ClaimedBy  Agent
	IncidentID int64 // the incident it is filed under, if any
	// Priority, CreatedAt, DueAt and Answered (an agent has written to
	// the customer) are set where an agent acts on it, for response-time
	// metrics.
	Priority  string
	CreatedAt time.Time
	DueAt     time.Time
	Answered  bool
	// ClosesAt is when a timed close (/close in 10m) closes it; zero when
	// none is pending. StepsDone counts the reminders and escalations
	// made, so /escalate goes to the tier after them.
	ClosesAt  time.Time
	StepsDone int
	// OverflowTeam was offered the unclaimed handoff too (overflow); its
	// agents may claim and answer it. "" until then.
	OverflowTeam string
}

// Incident groups handoffs with one cause (the rule that handed off) in
// one team (D17).
type Incident struct {
	ID       int64
	Team     string
	Cause    string
	Handoffs int // filed under it so far
	Started  time.Time
	// Owner took it; Status is the latest update posted to its customers
	// ("" before the first); Updates counts them.
	Owner   Agent
	Status  string
	Updates int
}

// IncidentRead is an incident as an agent's "Resolve all" reads it: whose
// it is, and whether it is still open.
type IncidentRead struct {
	Team     string // "" when there is no such incident
	Open     bool
	Handoffs int // filed under it
	// Owner took it (/incident take); Status is the latest update posted
	// to its customers, Updates how many were; Notice the text of its
	// team notification as last queued, which its edits start from.
	Owner   Agent
	Status  string
	Updates int
	Notice  string
}

// IncidentPlan files a new handoff under an incident: an open one (ID set),
// or a new one that also takes in the cause's recent waiting handoffs.
// Notice is the incident's notification; for an open incident it replaces
// the text of the one already posted.
type IncidentPlan struct {
	ID    int64
	Team  string
	Cause string
	Since time.Time // a new incident takes in waiting handoffs of the cause from then on
	// Handoffs is how many handoffs of the cause a new incident counts,
	// or how many an open one counted when this was decided: its notice
	// says one more, so it is filed only while that still holds.
	Handoffs int
	// Updates is how many status updates the open incident had when this
	// was decided (its customers' status note came from the latest): it
	// is filed only while that still holds.
	Updates int
	Notice  Notice
	// Webhook are the same event for team webhooks; "{incident}" in them
	// becomes the incident's id.
	Webhook []Notice
}

// IdleHandoff is a claimed handoff in which nobody has written for a while.
type IdleHandoff struct {
	ID              int64
	Team            string
	State           HandoffState // as read: what the lifecycle table decides on
	ClaimedBy       Agent
	LastActivity    time.Time
	Customer        string // display name
	ConversationKey string
}

// AgentCommand is what an agent asked for in a team chat.
type AgentCommand string

const (
	AgentRelay   AgentCommand = "relay"   // text for the customer
	AgentClaim   AgentCommand = "claim"   // take the conversation
	AgentResolve AgentCommand = "resolve" // done; back to the bot
	AgentBot     AgentCommand = "bot"     // back to the bot without resolving
	AgentNote    AgentCommand = "note"    // internal, never sent to the customer

	// The commands below run a support desk from the team chat (issue 19).
	// They are declared here, once, so the store, reports and the platforms'
	// command menus name them alike.
	AgentClose    AgentCommand = "close"    // /close [in 10m]: resolve now, or at a time cancelled if the customer writes
	AgentReopen   AgentCommand = "reopen"   // take a closed conversation back from the bot
	AgentTransfer AgentCommand = "transfer" // /transfer TEAM|@agent
	AgentEscalate AgentCommand = "escalate" // raise the priority one step and notify the next escalation chat
	AgentPriority AgentCommand = "priority" // /priority P1..P4
	AgentHistory  AgentCommand = "history"  // /history [n]: the conversation so far, in the team chat only
	AgentBlock    AgentCommand = "block"    // the customer's messages are stored, never answered or relayed
	AgentUnblock  AgentCommand = "unblock"
	AgentSnippets AgentCommand = "snippets" // list the snippets
	AgentIncident AgentCommand = "incident" // /incident take|update TEXT|resolve TEXT
	AgentTag      AgentCommand = "tag"      // /tag WORD…: label the handoff (also the API's tags)
)

// AgentState is the context of an agent's event: the handoff it concerns.
type AgentState struct {
	// Handoff is the open handoff; its State is empty when the
	// conversation the agent wrote about is back with the bot.
	Handoff OpenHandoff
	// ConversationKey names the customer conversation (its forum topic's key).
	ConversationKey string
	// Customer chat of the handoff's conversation.
	Platform Platform
	Bot      string
	ChatID   string
	ThreadID string
	// LastCustomerAt opens the platform's interaction window.
	LastCustomerAt time.Time
	// BlockedBot says the customer blocked the bot (Telegram's 403 or
	// its blocked update): notices to them are not sent. Reserved are the
	// guard's keys taken for the customer, Rated that the conversation has
	// a rating already, Spam that its messages were ignored as spam.
	BlockedBot bool
	Reserved   map[string]bool
	Rated      bool
	Spam       bool
	// ConversationID is the stored conversation; CustomerScope the
	// customer as the guard counts them (see Event.CustomerScope).
	ConversationID int64
	CustomerScope  string
	// Language is the conversation's language, and CustomerName and
	// CustomerUsername who the customer is: they pick and fill the text of
	// a snippet an agent sends.
	Language         string
	CustomerName     string
	CustomerUsername string
	// Closed is, when no handoff of the conversation is open, its last
	// one (what /reopen takes back); ID 0 when there is none.
	Closed OpenHandoff
	// CustomerID is the stored customer, and CustomerBlocked whether the
	// team blocked them (/block).
	CustomerID      int64
	CustomerBlocked bool
	// Tags are the handoff's (or, closed, its last one's) labels.
	Tags []string
	// Context is who the customer is and the conversation's last
	// messages, loaded only for /history (nil otherwise).
	Context *CustomerContext
	// CustomerAttrs are what the customer told before the handoff
	// (collect:), for {{order}} in a snippet.
	CustomerAttrs map[string]string
}

// AgentPlan is what an agent's event does.
type AgentPlan struct {
	Command AgentCommand
	Agent   Agent
	// Claim makes Agent the handoff's owner: the first answer or a claim
	// of a waiting handoff, or a claim of one whose owner is not known by
	// account.
	Claim bool
	Text  string // relay or note text
	// Media an agent relays to the customer (Text is their caption);
	// After holds an album's part back until the rest is in (see Notice).
	Media []Media
	After time.Time
	// WindowUntil bounds a relay like any send to the customer.
	WindowUntil time.Time
	// MoveTo gives the handoff to another team with a claim: an overflow
	// team's agent took it, so the customer's next messages go there.
	MoveTo string
	// Notices go back to the team chat (confirmations); CallbackAnswer
	// answers a button press.
	Notices        []Notice
	CallbackAnswer string
	// Effects of the issue-19 commands, applied by the store as given
	// (handoff.Move decides them):
	//   close: ClosesAt zero resolves now; set, the handoff closes then
	//   reopen: the closed handoff (AgentState.Closed) is claimed by Agent
	//   transfer: Team set moves it there, waiting, due at DueAt; Assign
	//     set makes that agent its owner
	//   escalate/priority: Priority and DueAt; StepsDone for escalate
	//   block/unblock: the customer (AgentState.CustomerID)
	Priority  Priority
	DueAt     time.Time
	Team      string
	Assign    Agent
	ClosesAt  time.Time
	StepsDone int
	// Tags are the handoff's labels after a /tag: what it had and the new.
	Tags []string
	// AgentTeam is the team whose chat the agent wrote in: the store
	// remembers who works there, for /transfer @agent.
	AgentTeam string
	// ToCustomer are notices to the customer that answer the agent's
	// action (claimed, closed, was it solved?), guarded like any send
	// but for the per-message cap; they go before a relay in the chat.
	ToCustomer []Send
}

// TimedClose is a handoff whose timed close (/close in 10m) is due.
type TimedClose struct {
	ID              int64
	Team            string
	State           HandoffState
	ClaimedBy       Agent
	ClosesAt        time.Time
	Customer        string // display name
	ConversationKey string
	Priority        string
	CreatedAt       time.Time
}

// DueHandoff is a waiting handoff whose first-response time has passed.
type DueHandoff struct {
	ID        int64
	Team      string
	Priority  string
	DueAt     time.Time
	StepsDone int    // reminders and escalations already made
	Customer  string // display name
}

// Place says where each reply goes, and which button presses or slash
// commands are answered without a message: in a group the reply quotes the
// customer so it is clear whom the bot answers; a private answer asked in a
// public Discord channel goes to the customer's direct messages (D12;
// Telegram bots cannot open a chat with someone who never wrote to them,
// so there it stays where it was asked); a Discord slash command was
// answered "thinking…", and its first reply replaces that.
func (plan *Plan) Place(ev Event) {
	interaction := ""
	if ev.Platform == Discord && ev.Kind == KindCommand && ev.CallbackID != "" {
		interaction = ev.CallbackID
	}
	for i := range plan.Sends {
		to := Address{ChatID: ev.ChatID, ThreadID: ev.ThreadID, CallbackID: interaction}
		if ev.ChatType != ChatPrivate {
			to.ReplyTo = ev.MessageID
		}
		if plan.Sends[i].Private && ev.ChatType != ChatPrivate && ev.Platform == Discord && ev.Customer.ID != "" {
			to = Address{ChatID: DirectMessagePrefix + ev.Customer.ID}
		}
		if to.CallbackID != "" {
			interaction = ""
		}
		plan.Sends[i].To = to
	}
	if ev.Platform == Telegram && ev.Kind == KindCallback && ev.CallbackID != "" {
		// Telegram shows a spinner until the press is answered, whatever
		// the bot says in the chat.
		if !plan.answers(ev.CallbackID) {
			plan.CallbackAnswers = append(plan.CallbackAnswers, CallbackAnswer{ID: ev.CallbackID})
		}
	}
	if interaction != "" {
		// Nothing to say: take the "thinking…" away rather than leave it
		// until Discord reports that the application did not respond.
		plan.CallbackAnswers = append(plan.CallbackAnswers, CallbackAnswer{ID: interaction})
	}
}

// answers reports whether the plan answers the press or command id already.
func (plan *Plan) answers(id string) bool {
	for _, a := range plan.CallbackAnswers {
		if a.ID == id {
			return true
		}
	}
	return false
}

// SentMessage is a send the platform accepted, to be recorded.
type SentMessage struct {
	ID                int64 // the outbox row
	PlatformMessageID string
	At                time.Time
	// ClaimNext asks for the message now first in its chat to be leased
	// with the record (one is known to wait behind it).
	ClaimNext bool
}

// SendClaim asks the store, while it applies a batch, to lease the replies
// it queues to the sender that will deliver them at once (Owner, until
// Until, at most Max of them): they need no claim of their own. A reply
// behind an earlier unsent one in its chat is left for the sender's claim,
// to keep the chat's order.
//
// Recording sends (MarkSentAndClaimNext) takes More as well: after the
// messages next in their chats, up to More of any other messages due, as
// the sender's own claim would, for the slots those sends free.
type SendClaim struct {
	Owner string
	Until time.Time
	Max   int
	More  int
	// Events, when its Owner is set, asks applying a batch to lease the
	// events next in the batch's conversations as well.
	Events EventClaim
}

// EventClaim asks the store, while it marks a batch's events done, to
// lease to Owner, until Until, the events that come next in those
// conversations: the worker decides them next, with no claim of its own,
// which at a backlog was a writer turn (or a transaction on PostgreSQL)
// for every batch and, on PostgreSQL, a walk past every event other
// replicas hold. Only an event a claim would hand out is leased: due,
// nobody's, and tried fewer than Aside.Attempts times.
type EventClaim struct {
	Owner string
	Until time.Time
	Aside SetAside
}

// Leased is what applying a batch leased to the caller's sender (Sends,
// in order), and the chats (outbox lines) of the messages it queued and
// could not lease: behind an unsent one, not due yet, or past the claim's
// Max.
type Leased struct {
	Sends   []Outgoing
	Waiting []string
	// EventsWaiting says one of the batch's conversations had its next
	// event waiting when the batch was marked done and not leased in
	// Events: claim events again.
	EventsWaiting bool
	// Events are the conversations' next events leased to the claim's
	// Events.Owner, in id order.
	Events []InboxEvent
}
