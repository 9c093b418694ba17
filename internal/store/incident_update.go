package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// IncidentOf finds the incident an agent's /incident is about: the one whose
// team notification they replied to, or the one under which the
// conversation they replied to (or wrote in the forum topic of) is filed.
// 0 when there is none; chat.ErrNotYet when they replied to one of our
// messages that is still being recorded (try again shortly).
func (s *Store) IncidentOf(ctx context.Context, ie chat.InboxEvent, now time.Time) (int64, error) {
	ev := ie.Event
	var id int64
	lookups := []struct {
		on    bool
		query string
		args  []any
	}{
		{ev.ReplyTo != "", `SELECT id FROM incidents WHERE message_id = ? AND EXISTS (SELECT 1 FROM outbox o
			WHERE o.incident_id = incidents.id AND o.platform = ? AND o.bot = ? AND o.chat_id = ?) ORDER BY id DESC LIMIT 1`,
			[]any{ev.ReplyTo, string(ev.Platform), ev.Bot, ev.ChatID}},
		{ev.ReplyTo != "", `SELECT h.incident_id FROM handoff_messages m JOIN handoffs h ON h.id = m.handoff_id
			WHERE m.platform = ? AND m.bot = ? AND m.chat_id = ? AND m.message_id = ? AND h.incident_id IS NOT NULL`,
			[]any{string(ev.Platform), ev.Bot, ev.ChatID, ev.ReplyTo}},
		{ev.ThreadID != "", `SELECT h.incident_id FROM team_topics t JOIN conversations c ON c.conversation_key = t.conversation_key
			JOIN handoffs h ON h.conversation_id = c.id
			WHERE t.platform = ? AND t.bot = ? AND t.chat_id = ? AND t.thread_id = ? AND h.incident_id IS NOT NULL ORDER BY h.id DESC LIMIT 1`,
			[]any{string(ev.Platform), ev.Bot, ev.ChatID, ev.ThreadID}},
	}
	for _, l := range lookups {
		if !l.on {
			continue
		}
		err := s.readGet(ctx, &id, l.query, l.args...)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, unavailable("find incident", err)
		}
	}
	if ev.ReplyTo != "" && ev.ReplyToBot && now.Sub(ie.ReceivedAt) < notYetWindow {
		// As in LoadAgentState: most likely the notification whose
		// sending is still being recorded.
		return 0, fmt.Errorf("reply to message %s: %w", ev.ReplyTo, chat.ErrNotYet)
	}
	return 0, nil
}

// IncidentAudience reads the customers filed under an incident, as an
// update to them is decided at now (handoff.Announcement.To): each
// conversation once, with its customer's language, blocks, last message
// and messages queued in the hour before now.
func (s *Store) IncidentAudience(ctx context.Context, incidentID int64, now time.Time) ([]chat.IncidentCustomer, error) {
	var rows []struct {
		ConversationID int64  `db:"id"`
		Platform       string `db:"platform"`
		Bot            string `db:"bot"`
		ChatID         string `db:"chat_id"`
		CustomerID     string `db:"customer"`
		Language       string `db:"language"`
		LastMessageAt  int64  `db:"last_customer_at"`
		Blocked        bool   `db:"blocked"`
	}
	if err := s.readSel(ctx, &rows, `SELECT c.id, c.platform, c.bot, c.chat_id, COALESCE(cu.external_id, '') AS customer,
			COALESCE(cu.language, '') AS language, COALESCE(c.last_customer_at, 0) AS last_customer_at,
			(COALESCE(cu.blocked, 0) <> 0 OR COALESCE(cu.blocked_by_team, 0) <> 0) AS blocked
		FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE c.id IN (SELECT conversation_id FROM handoffs WHERE incident_id = ?)
		ORDER BY c.id`, incidentID); err != nil {
		return nil, unavailable("read incident audience", err)
	}
	out := make([]chat.IncidentCustomer, len(rows))
	scopes := make([]any, len(rows))
	for i, r := range rows {
		p := chat.Platform(r.Platform)
		out[i] = chat.IncidentCustomer{ConversationID: r.ConversationID, Platform: p, Bot: r.Bot, ChatID: r.ChatID,
			Scope: chat.CustomerScope(p, r.Bot, r.CustomerID, r.ChatID), Language: r.Language,
			LastMessageAt: fromMS(r.LastMessageAt), Blocked: r.Blocked}
		scopes[i] = out[i].Scope
	}
	sent, err := s.sentLastHour(ctx, scopes, now)
	if err != nil {
		return nil, unavailable("read incident audience", err)
	}
	for i := range out {
		out[i].SentLastHour = sent[out[i].Scope]
	}
	return out, nil
}

// ApplyIncident writes what an agent's /incident does, decided on ch.Read
// (and an update on the incident's audience as read), in one transaction
// with marking the event done: the owner, the status, the incident closed
// with its handoffs, the update's messages to its customers as given, the
// edit of its team notification, and what the team chat is told (plan).
// An incident that changed since it was read (another agent's change, or a
// customer filed under it since) is chat.ErrConflict: read it and decide
// again.
func (s *Store) ApplyIncident(ctx context.Context, ie chat.InboxEvent, ch chat.IncidentChange, plan chat.AgentPlan, now time.Time) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := s.markEventDone(ctx, tx, ie.ID, now); err != nil {
			return err
		}
		if ch.Take || ch.Update != nil || ch.Status != "" {
			owner := ch.Read.Owner
			if ch.Take {
				owner = ch.Agent
			}
			status, updates := ch.Read.Status, ch.Read.Updates
			if ch.Status != "" {
				status = ch.Status
			}
			if ch.Update != nil {
				updates++
			}
			// The handoffs counted: an update was decided on its audience
			// as read.
			res, err := s.exec(ctx, tx, `UPDATE incidents SET owner_id = ?, owner = ?, status = ?, updates = ?
				WHERE id = ? AND state = 'open' AND owner_id = ? AND updates = ? AND handoffs = ?`,
				owner.ID, owner.Name, status, updates, ch.ID, ch.Read.Owner.ID, ch.Read.Updates, ch.Read.Handoffs)
			if err := changed(res, err); err != nil {
				return err
			}
		}
		if ch.Update != nil {
			if err := s.queueIncidentUpdate(ctx, tx, ie, ch.ID, ch.Update.Messages, now); err != nil {
				return err
			}
		}
		if ch.Resolve {
			if err := s.resolveIncident(ctx, tx, ch.ID, ch.Read.Handoffs, now); err != nil {
				return err
			}
		}
		if ch.Notice != nil {
			p := &processing{s: s, tx: tx, ctx: ctx, ev: ie, now: now}
			if err := p.editIncidentNotice(*ch.Notice, ch.ID); err != nil {
				return err
			}
		}
		return s.queueAgentReplies(ctx, tx, ie, plan, 0, now)
	})
	if err != nil && !errors.Is(err, chat.ErrAlreadyDone) && !errors.Is(err, chat.ErrConflict) {
		err = unavailable("apply incident", err)
	}
	return err
}

// queueIncidentUpdate queues an update's messages, one to each customer,
// as decided.
func (s *Store) queueIncidentUpdate(ctx context.Context, tx *sqlx.Tx, ie chat.InboxEvent, incidentID int64, messages []chat.IncidentMessage, now time.Time) error {
	msgs := make([]newOutgoing, len(messages))
	for i, m := range messages {
		msgs[i] = newOutgoing{
			conversationID: m.To.ConversationID, inboxID: ie.ID, incidentID: incidentID, platform: m.To.Platform, bot: m.To.Bot,
			chatID: m.To.ChatID, action: chat.ActionIncidentUpdate, text: m.Text, due: now, created: now, scope: m.To.Scope,
			windowUntil: m.WindowUntil, priority: 3,
		}
	}
	if _, err := s.queueOutgoing(ctx, tx, msgs); err != nil {
		return fmt.Errorf("queue incident update: %w", err)
	}
	return nil
}
