package chat

import (
	"context"
	"io"
	"time"
)

// ActionType names what a rule asks the bot to do.
type ActionType string

const (
	ActionReply   ActionType = "reply"   // an FAQ answer
	ActionAck     ActionType = "ack"     // an acknowledgement of receipt
	ActionHandoff ActionType = "handoff" // hand the conversation to a human; Text tells the customer so
	ActionTag     ActionType = "tag"     // label the message for reports; sends nothing
	ActionIgnore  ActionType = "ignore"  // spam: record, do not answer
)

// Sends reports whether the action produces a message to the customer.
func (t ActionType) Sends() bool {
	return t == ActionReply || t == ActionAck || t == ActionHandoff || t == ActionAsk
}

// Action is one thing the bot decided to do for an event.
type Action struct {
	Type     ActionType `json:"type"`
	Rule     string     `json:"rule"`
	Text     string     `json:"text,omitempty"`
	Priority string     `json:"priority,omitempty"` // handoff only
	Team     string     `json:"team,omitempty"`     // handoff only
	// Snippets are suggested to the agents on a handoff's notice, by
	// name (handoff only).
	Snippets []string `json:"snippets,omitempty"`
	Tags     []string `json:"tags,omitempty"` // tag only
	// Cooldown overrides the guard's rule cooldown for this rule's sends;
	// zero keeps the default, a negative value turns it off.
	Cooldown time.Duration `json:"-"`
	// AllowWhileHuman lets this send through while a human owns the
	// conversation (an out-of-hours note, say).
	AllowWhileHuman bool `json:"-"`
	// Buttons go under the message: other rules' answers, one press away.
	Buttons [][]Button `json:"buttons,omitempty"`
	// Once names something a customer gets at most once, for good (the
	// conversation's one rating question): its guard key never expires
	// while the conversation matters.
	Once string `json:"-"`
	// Private: written in a public channel, the customer gets this in a
	// direct message instead (DOMAIN.md D12; Discord).
	Private bool `json:"private,omitempty"`
	// Incidents are the incidents (by cause) the rule's when asks about;
	// while one is open, the answer carries its latest status.
	Incidents []string `json:"-"`
}

// ConversationStatus says who is answering a conversation.
type ConversationStatus string

const (
	StatusBot             ConversationStatus = "bot"
	StatusWaitingForHuman ConversationStatus = "waiting_for_human"
)

// Conversation is what the rules and the pipeline know about the conversation
// an event belongs to, before the event is applied.
type Conversation struct {
	ID      int64
	New     bool // no earlier customer message, or the last one is older than the idle period
	Status  ConversationStatus
	Started time.Time
	// LastCustomerAt, LastAlbum and BurstSends describe the customer's
	// previous message, for recognizing bursts: messages in quick
	// succession (or one album) are answered as one.
	LastCustomerAt time.Time
	LastAlbum      string
	BurstSends     int
	// PersonAt is when a person of the brand last wrote in the chat in
	// person (KindPersonReply); it outlives the idle period, which only
	// the customer's messages measure.
	PersonAt time.Time
	// Handoff is the open handoff, when Status is waiting_for_human.
	Handoff *OpenHandoff
	// CustomerMessages counts the customer's earlier messages in this conversation.
	CustomerMessages int
	// Collecting is the handoff waiting for details, when the bot is
	// asking for them (see Collection).
	Collecting *Collection
	// Basis is the open conversation the snapshot was read from, even when
	// the conversation starts anew after an idle period. The store applies
	// a decision only while it is unchanged.
	Basis ConversationBasis
}

// ConversationBasis identifies the stored conversation a decision was made
// on: ID 0 means none was open.
type ConversationBasis struct {
	ID     int64
	Status ConversationStatus
}

// CustomerState is what the store knows about a customer before the event.
type CustomerState struct {
	New     bool // never seen before
	Blocked bool // the customer blocked the bot
	// BlockedByTeam: agents blocked the customer (/block); their messages
	// are stored, never answered nor relayed.
	BlockedByTeam bool
	// Messages the customer sent before this one, over recent windows, so
	// rules can spot floods (customer.messages_1h > 20).
	Messages1h  int
	Messages24h int
	// SentLastHour counts the bot's messages to the customer in the last hour.
	SentLastHour int
	// Reserved holds the guard keys currently taken for this customer.
	Reserved map[string]bool
	// Attrs are the customer's attributes, such as the details asked
	// before a handoff (customer.attrs.order in rules).
	Attrs map[string]string
}

// State is the context an event is decided in: a snapshot the store loaded
// before deciding, so deciding reads no database and can run anywhere
// (the workers, frontdesk try, a table test).
type State struct {
	Customer     CustomerState
	Conversation Conversation
	// Incidents are the open incidents, which rules can see.
	Incidents []Incident
	// Offered are, for a button press, the bot's messages with buttons in
	// the press's chat (see Event.PressedChats) as the outbox has them: the
	// message the press names (Event.ReplyTo), and any whose send is not
	// recorded yet. Anyone can post a press with any data, so only a press
	// of one of these buttons is genuine.
	Offered []Offer
	// Details holds what only a handoff needs. The store loads it for the
	// events whose first decision opened a handoff, and they are decided
	// again with it; Details.Loaded tells the two passes apart.
	Details Details
	// Feedback is what a feedback press or a rating's comment is decided
	// on (issue 20): loaded for button presses, and for any message of a
	// conversation that awaits a comment.
	Feedback FeedbackState
	// Link is the public question an event in a private chat opens
	// (/start TOKEN), as stored; nil for every other event.
	Link *PublicLink
}

// Offer is a message the bot sent with buttons.
type Offer struct {
	// MessageID is the platform's id of the message; empty while its send
	// is not recorded yet: the platform may have it, and the customer may
	// be pressing already.
	MessageID string
	Buttons   []Button
}

// Details is the part of a snapshot that only a handoff reads: it costs
// queries, and most messages never hand off.
type Details struct {
	Loaded bool
	// Context is who the customer is and the conversation's last messages
	// (oldest first), for the agents' notification (D20).
	Context CustomerContext
	// RecentHandoffs counts, per team and cause, the handoffs of the
	// incident window (leaving out those before the cause's last incident
	// closed), to spot an incident.
	RecentHandoffs map[TeamCause]int
}

// DetailsWanted says what of Details to load for a decision.
type DetailsWanted struct {
	HistoryLines int         // the conversation's last messages, with the customer's context
	Causes       []TeamCause // count these causes' recent handoffs
	Since        time.Time   // from then on
	// CountUpTo stops counting there: only whether a cause reached the
	// incident threshold matters, and counting more costs more the more
	// handoffs there are. Zero counts all.
	CountUpTo int
}

// TeamCause keys handoff counts: a team and the rule that handed off.
type TeamCause struct{ Team, Cause string }

// NeedsDetails reports whether a decision made without Details must be made
// again with them: it opens a handoff, whose notice quotes the history and
// which may start an incident.
func (p Plan) NeedsDetails(st State) bool {
	return p.Handoff != nil && !st.Details.Loaded
}

// Suppression records a planned send that was not made, and why.
type Suppression struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// Reasons a planned send is suppressed. They are stored with the decision so
// that "why didn't the bot answer?" has an answer.
const (
	ReasonDuplicateContent      = "duplicate_content"       // the same text went to the customer within the cooldown
	ReasonRuleCooldown          = "rule_cooldown"           // the same rule answered the customer within its cooldown
	ReasonAckAlreadySent        = "ack_already_sent"        // the conversation was acknowledged already
	ReasonPerMessageCap         = "per_message_cap"         // enough bot messages for this customer message (or burst)
	ReasonPerHourCap            = "per_hour_cap"            // enough bot messages to this customer this hour
	ReasonWindowClosed          = "window_closed"           // past the platform's interaction window
	ReasonHumanOwnsConversation = "human_owns_conversation" // a person is answering
	ReasonCustomerBlocked       = "customer_blocked"        // the customer blocked the bot
	ReasonFromBot               = "from_bot"                // never answer a bot
	ReasonCSATAsked             = "csat_already_asked"      // the conversation was asked for a rating already
)

// Outgoing is one message to send, as stored in the outbox.
type Outgoing struct {
	ID       int64
	Platform Platform
	Bot      string
	ChatID   string
	// Line is the queue the message waits in (its chat; a button's answer
	// has one of its own): a line's messages go one at a time, in order.
	Line      string
	ThreadID  string
	ReplyTo   string // platform message id this answers, if any
	Text      string
	Rule      string
	Action    ActionType
	Attempts  int
	CreatedAt time.Time
	// WindowUntil is the last moment the platform lets the bot send this;
	// zero means no limit.
	WindowUntil time.Time
	// Buttons are inline buttons under the message, row by row.
	Buttons [][]Button
	// HandoffID ties a message in a team chat to its handoff, so agents'
	// replies to it reach the right customer.
	HandoffID int64
	// CallbackID, when set, makes this an answer to a button press (Text is
	// shown to the agent who pressed it) instead of a message.
	CallbackID string
	// TopicKey and TopicName: see Notice. ThreadID is filled in from the
	// stored topic when there is one.
	TopicKey  string
	TopicName string
	// EditMessageID, when set, makes this an edit of that message (an
	// incident's notification, updated as handoffs join it).
	EditMessageID string
	// LastError is why the previous attempt failed (empty on the first):
	// the sender keeps its own marks in it across processes.
	LastError string
	// LeasedUntil is when the claim that handed the message out runs out:
	// after it another sender may claim it and send it too.
	LeasedUntil time.Time
	// Media go with the message, Text being their caption; AlbumKey
	// groups the outbox rows of one album, sent together.
	Media    []Media
	AlbumKey string
	// Open streams the bytes of a media item the platform cannot send by
	// reference (another platform's or bot's file); set by the sender's
	// caller, never stored.
	Open MediaOpener
}

// MediaOpener opens a media item's bytes for uploading; the caller closes
// the reader. It fails with ErrMediaTooLarge past the size limit.
type MediaOpener func(ctx context.Context, m Media) (io.ReadCloser, error)

// Button is an inline button: what it says, and the data it sends back.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data"`
	// URL, when set, makes a button that opens a link (a t.me deep link)
	// instead of sending Data back.
	URL string `json:"url,omitempty"`
}

// FromPerson reports whether a message to the customer of this kind (an out
// message's action, or the event it was) was written by a person: an
// agent's relay, or someone of the brand answering in person.
func FromPerson(kind string) bool {
	return kind == string(ActionRelay) || kind == string(KindPersonReply)
}

// HistoryEntry is one message of a conversation, in or out.
type HistoryEntry struct {
	Direction string // "in" from the customer, "out" to them
	Kind      string // the event kind for "in", the action for "out"
	Text      string
	At        time.Time
	Media     []Media // what the message carried, Text being their caption
}
