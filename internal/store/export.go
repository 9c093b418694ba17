package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// CustomerExport is everything stored about one customer, for their
// access request (GDPR art. 15): `frontdesk export` prints it as JSON, and
// an HTTP API can serve the same value. Times are UTC.
type CustomerExport struct {
	ExportedAt    time.Time              `json:"exported_at"`
	Customer      ExportedCustomer       `json:"customer"`
	Conversations []ExportedConversation `json:"conversations"`
}

// ExportedCustomer is the customer's record.
type ExportedCustomer struct {
	Platform          string    `json:"platform"`
	Bot               string    `json:"bot"`
	ID                string    `json:"id"` // their id on the platform
	Name              string    `json:"name"`
	Username          string    `json:"username"`
	Language          string    `json:"language"`
	Blocked           bool      `json:"blocked"` // they blocked the bot
	UnreachableReason string    `json:"unreachable_reason,omitempty"`
	FirstSeen         time.Time `json:"first_seen"`
	LastSeen          time.Time `json:"last_seen"`
	// Attrs are what they told before a handoff (collect: in the rules).
	Attrs map[string]string `json:"attrs,omitempty"`
}

// ExportedConversation is one conversation with everything in it.
type ExportedConversation struct {
	ID        int64              `json:"id"`
	ChatID    string             `json:"chat_id"`
	ChatType  string             `json:"chat_type"`
	Status    string             `json:"status"` // bot, waiting_for_human
	StartedAt time.Time          `json:"started_at"`
	ClosedAt  *time.Time         `json:"closed_at,omitempty"`
	Messages  []ExportedMessage  `json:"messages"`
	Decisions []ExportedDecision `json:"decisions"`
	Handoffs  []ExportedHandoff  `json:"handoffs"`
	Sends     []ExportedSend     `json:"sends"`
	// Feedback is what they answered: was it solved, their ratings with
	// comments, 👍/👎 on the bot's answers.
	Feedback []ExportedFeedback `json:"feedback"`
}

// ExportedFeedback is one answer to a feedback question (chat.Feedback):
// kind solved (value 1 yes, 0 no), rating (1–5, with the comment they
// wrote) or helpful (1 👍, 0 👎, for rule).
type ExportedFeedback struct {
	Kind      string    `json:"kind"`
	HandoffID int64     `json:"handoff_id,omitempty"`
	Rule      string    `json:"rule,omitempty"`
	Value     int       `json:"value"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
}

// Who wrote a message.
const (
	FromCustomer = "customer"
	FromBot      = "bot"
	FromAgent    = "agent"
)

// ExportedMessage is a message of the conversation: theirs, the bot's, an
// agent's reply, or an agent's internal note about them.
type ExportedMessage struct {
	From string    `json:"from"` // customer, bot, agent
	Kind string    `json:"kind"` // theirs: text, photo, …; ours: reply, relay, note, …
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	// Media are what the message carried (Text is then their caption):
	// kind, type, size, name, the platform's file id.
	Media []chat.Media `json:"media,omitempty"`
}

// ExportedDecision is what the bot decided on one of their messages, and
// by which rules.
type ExportedDecision struct {
	At       time.Time        `json:"at"`
	Outcome  string           `json:"outcome"`
	Language string           `json:"language,omitempty"`
	Actions  []ExportedAction `json:"actions"`
}

// ExportedAction is one rule's part in a decision.
type ExportedAction struct {
	Rule       string `json:"rule"`
	Action     string `json:"action"`
	Suppressed string `json:"suppressed,omitempty"` // why it was held back
}

// ExportedHandoff is a hand-over of the conversation to a person.
type ExportedHandoff struct {
	ID              int64      `json:"id"`
	State           string     `json:"state"`
	Priority        string     `json:"priority"`
	Team            string     `json:"team"`
	Rule            string     `json:"rule"`
	ClaimedBy       string     `json:"claimed_by,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	ClaimedAt       *time.Time `json:"claimed_at,omitempty"`
	FirstResponseAt *time.Time `json:"first_response_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	ClosedReason    string     `json:"closed_reason,omitempty"`
}

// ExportedSend is a message sent, or to be sent, in the conversation.
type ExportedSend struct {
	ID        int64      `json:"id"`
	Action    string     `json:"action"` // reply, relay, …
	Rule      string     `json:"rule,omitempty"`
	Text      string     `json:"text"`
	State     string     `json:"state"` // pending, sent, failed, cancelled
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// ExportCustomer reads everything stored about one customer, named as
// Forget names them. No CSAT is stored, so none is exported.
func (s *Store) ExportCustomer(ctx context.Context, p chat.Platform, bot, externalID string, now time.Time) (CustomerExport, error) {
	out, err := s.exportCustomer(ctx, p, bot, externalID, now)
	switch {
	case errors.Is(err, ErrNoSuchCustomer):
		return CustomerExport{}, fmt.Errorf("export %s/%s/%s: %w", p, bot, externalID, err)
	case err != nil:
		return CustomerExport{}, unavailable("export", err)
	}
	return out, nil
}

func (s *Store) exportCustomer(ctx context.Context, p chat.Platform, bot, externalID string, now time.Time) (CustomerExport, error) {
	var c struct {
		ID          int64  `db:"id"`
		Name        string `db:"name"`
		Username    string `db:"username"`
		Language    string `db:"language"`
		Blocked     bool   `db:"blocked"`
		Unreachable string `db:"unreachable_reason"`
		FirstSeen   int64  `db:"first_seen_at"`
		LastSeen    int64  `db:"last_seen_at"`
	}
	err := s.readGet(ctx, &c, `SELECT id, name, username, language, blocked <> 0 AS blocked, unreachable_reason, first_seen_at, last_seen_at
		FROM customers WHERE platform = ? AND bot = ? AND external_id = ?`, string(p), bot, externalID)
	if errors.Is(err, sql.ErrNoRows) {
		return CustomerExport{}, ErrNoSuchCustomer
	}
	if err != nil {
		return CustomerExport{}, fmt.Errorf("customer: %w", err)
	}
	out := CustomerExport{
		ExportedAt: now.UTC(),
		Customer: ExportedCustomer{Platform: string(p), Bot: bot, ID: externalID, Name: c.Name, Username: c.Username, Language: c.Language,
			Blocked: c.Blocked, UnreachableReason: c.Unreachable, FirstSeen: fromMS(c.FirstSeen), LastSeen: fromMS(c.LastSeen)},
		Conversations: []ExportedConversation{},
	}
	attrs, err := s.customerAttrs(ctx, []any{c.ID})
	if err != nil {
		return CustomerExport{}, fmt.Errorf("customer attributes: %w", err)
	}
	out.Customer.Attrs = attrs[c.ID]
	var convs []struct {
		ID        int64  `db:"id"`
		ChatID    string `db:"chat_id"`
		ChatType  string `db:"chat_type"`
		Status    string `db:"status"`
		StartedAt int64  `db:"started_at"`
		ClosedAt  *int64 `db:"closed_at"`
	}
	if err := s.readSel(ctx, &convs, `SELECT id, chat_id, chat_type, status, started_at, closed_at FROM conversations
		WHERE customer_id = ? ORDER BY id`, c.ID); err != nil {
		return CustomerExport{}, fmt.Errorf("conversations: %w", err)
	}
	for _, cv := range convs {
		conv := ExportedConversation{ID: cv.ID, ChatID: cv.ChatID, ChatType: cv.ChatType, Status: cv.Status,
			StartedAt: fromMS(cv.StartedAt), ClosedAt: fromMSPtr(cv.ClosedAt)}
		if err := s.exportConversation(ctx, &conv); err != nil {
			return CustomerExport{}, fmt.Errorf("conversation %d: %w", cv.ID, err)
		}
		out.Conversations = append(out.Conversations, conv)
	}
	return out, nil
}

// exportConversation fills in a conversation's messages, decisions,
// handoffs and sends.
func (s *Store) exportConversation(ctx context.Context, conv *ExportedConversation) error {
	var msgs []struct {
		Direction string `db:"direction"`
		Kind      string `db:"kind"`
		Text      string `db:"text"`
		At        int64  `db:"created_at"`
		Media     string `db:"media"`
	}
	if err := s.readSel(ctx, &msgs, `SELECT direction, kind, text, created_at, media FROM messages WHERE conversation_id = ? ORDER BY id`, conv.ID); err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	conv.Messages = make([]ExportedMessage, 0, len(msgs))
	for _, m := range msgs {
		media, err := decodeMedia(m.Media)
		if err != nil {
			return fmt.Errorf("messages: %w", err)
		}
		conv.Messages = append(conv.Messages, ExportedMessage{From: messageFrom(m.Direction, m.Kind), Kind: m.Kind, Text: m.Text, At: fromMS(m.At), Media: media})
	}

	var decisions []struct {
		ID       int64  `db:"id"`
		Outcome  string `db:"outcome"`
		Language string `db:"language"`
		At       int64  `db:"created_at"`
	}
	if err := s.readSel(ctx, &decisions, `SELECT id, outcome, language, created_at FROM decisions WHERE conversation_id = ? ORDER BY id`, conv.ID); err != nil {
		return fmt.Errorf("decisions: %w", err)
	}
	var actions []struct {
		Decision   int64  `db:"decision_id"`
		Rule       string `db:"rule"`
		Action     string `db:"action"`
		Suppressed string `db:"suppressed"`
	}
	if err := s.readSel(ctx, &actions, `SELECT a.decision_id, a.rule, a.action, a.suppressed FROM decision_actions a
		JOIN decisions d ON d.id = a.decision_id WHERE d.conversation_id = ? ORDER BY a.id`, conv.ID); err != nil {
		return fmt.Errorf("decision actions: %w", err)
	}
	byDecision := map[int64][]ExportedAction{}
	for _, a := range actions {
		byDecision[a.Decision] = append(byDecision[a.Decision], ExportedAction{Rule: a.Rule, Action: a.Action, Suppressed: a.Suppressed})
	}
	conv.Decisions = make([]ExportedDecision, 0, len(decisions))
	for _, d := range decisions {
		acts := byDecision[d.ID]
		if acts == nil {
			acts = []ExportedAction{}
		}
		conv.Decisions = append(conv.Decisions, ExportedDecision{At: fromMS(d.At), Outcome: d.Outcome, Language: d.Language, Actions: acts})
	}

	var handoffs []struct {
		ID            int64  `db:"id"`
		State         string `db:"state"`
		Priority      string `db:"priority"`
		Team          string `db:"team"`
		Rule          string `db:"rule"`
		ClaimedBy     string `db:"claimed_by"`
		CreatedAt     int64  `db:"created_at"`
		ClaimedAt     *int64 `db:"claimed_at"`
		FirstResponse *int64 `db:"first_response_at"`
		ClosedAt      *int64 `db:"closed_at"`
		ClosedReason  string `db:"closed_reason"`
	}
	if err := s.readSel(ctx, &handoffs, `SELECT id, state, priority, team, rule, claimed_by, created_at, claimed_at, first_response_at,
		closed_at, closed_reason FROM handoffs WHERE conversation_id = ? ORDER BY id`, conv.ID); err != nil {
		return fmt.Errorf("handoffs: %w", err)
	}
	conv.Handoffs = make([]ExportedHandoff, 0, len(handoffs))
	for _, h := range handoffs {
		conv.Handoffs = append(conv.Handoffs, ExportedHandoff{ID: h.ID, State: h.State, Priority: h.Priority, Team: h.Team, Rule: h.Rule,
			ClaimedBy: h.ClaimedBy, CreatedAt: fromMS(h.CreatedAt), ClaimedAt: fromMSPtr(h.ClaimedAt), FirstResponseAt: fromMSPtr(h.FirstResponse),
			ClosedAt: fromMSPtr(h.ClosedAt), ClosedReason: h.ClosedReason})
	}

	var sends []struct {
		ID        int64  `db:"id"`
		Action    string `db:"action"`
		Rule      string `db:"rule"`
		Text      string `db:"text"`
		State     string `db:"state"`
		CreatedAt int64  `db:"created_at"`
		SentAt    *int64 `db:"sent_at"`
	}
	if err := s.readSel(ctx, &sends, `SELECT id, action, rule, text, state, created_at, sent_at FROM outbox
		WHERE conversation_id = ? ORDER BY id`, conv.ID); err != nil {
		return fmt.Errorf("sends: %w", err)
	}
	conv.Sends = make([]ExportedSend, 0, len(sends))
	for _, o := range sends {
		conv.Sends = append(conv.Sends, ExportedSend{ID: o.ID, Action: o.Action, Rule: o.Rule, Text: o.Text, State: o.State,
			CreatedAt: fromMS(o.CreatedAt), SentAt: fromMSPtr(o.SentAt)})
	}

	var feedback []struct {
		Kind      string  `db:"kind"`
		HandoffID int64   `db:"handoff_id"`
		Rule      string  `db:"rule"`
		Value     int     `db:"value"`
		Comment   *string `db:"comment"`
		At        int64   `db:"created_at"`
	}
	if err := s.readSel(ctx, &feedback, `SELECT kind, handoff_id, rule, value, comment, created_at FROM feedback
		WHERE conversation_id = ? ORDER BY id`, conv.ID); err != nil {
		return fmt.Errorf("feedback: %w", err)
	}
	conv.Feedback = make([]ExportedFeedback, 0, len(feedback))
	for _, f := range feedback {
		e := ExportedFeedback{Kind: f.Kind, HandoffID: f.HandoffID, Rule: f.Rule, Value: f.Value, At: fromMS(f.At)}
		if f.Comment != nil {
			e.Comment = *f.Comment
		}
		conv.Feedback = append(conv.Feedback, e)
	}
	return nil
}

// messageFrom names who wrote a stored message: the customer wrote what
// came in; of what went out, relays and notes are agents', the rest the
// bot's.
func messageFrom(direction, kind string) string {
	switch {
	case direction == "in":
		return FromCustomer
	case direction == "note", chat.FromPerson(kind):
		return FromAgent
	}
	return FromBot
}

func fromMSPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMS(*v)
	return &t
}
