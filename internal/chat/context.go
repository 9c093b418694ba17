package chat

import "time"

// CustomerContext is who a customer is, as agents see it on a handoff's
// notice and with /history: the customer's record, what came before this
// conversation, and its last messages. The store loads it for many
// conversations at once (it never decides what to show of it).
type CustomerContext struct {
	Name     string
	Username string
	Platform Platform
	Language string
	// FirstSeen is when the customer first wrote; zero for a customer not
	// stored yet (their first message is the one handed off).
	FirstSeen time.Time
	// Conversations and Handoffs count the customer's earlier ones, this
	// conversation and its handoff left out.
	Conversations int
	Handoffs      int
	// LastCSAT is the customer's latest satisfaction score (1-5); 0 when
	// they never gave one.
	LastCSAT int
	// Tags are the rules' tags on the customer's messages, each once, in
	// the order they were first given.
	Tags []string
	// Blocked says agents blocked the customer: their messages are stored,
	// never answered or relayed.
	Blocked bool
	// Messages are the conversation's last messages, oldest first.
	Messages []HistoryEntry
}

// ContextKey names a conversation whose customer's context to load: the
// customer (platform, bot and platform id) and, once stored, the
// conversation (0 while it is not: its first message hands off).
type ContextKey struct {
	Platform       Platform
	Bot            string
	CustomerID     string
	ConversationID int64
}
