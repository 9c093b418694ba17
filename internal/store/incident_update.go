package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// ApplyIncident writes what an agent's /incident does, decided on ch.Read,
// in one transaction with marking the event done: the owner, the status,
// the incident closed with its handoffs, one message to each of its
// customers (set-based, however many they are), the edit of its team
// notification; then what the team chat is told (plan), with the counts of
// the update filled in. An incident that changed since it was read is
// chat.ErrConflict: read it and decide again.
func (s *Store) ApplyIncident(ctx context.Context, ie chat.InboxEvent, ch chat.IncidentChange, plan chat.AgentPlan, now time.Time) (chat.IncidentSent, error) {
	var sent chat.IncidentSent
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		sent = chat.IncidentSent{}
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
			res, err := s.exec(ctx, tx, `UPDATE incidents SET owner_id = ?, owner = ?, status = ?, updates = ?
				WHERE id = ? AND state = 'open' AND owner_id = ? AND updates = ?`,
				owner.ID, owner.Name, status, updates, ch.ID, ch.Read.Owner.ID, ch.Read.Updates)
			if err := changed(res, err); err != nil {
				return err
			}
		}
		if ch.Update != nil {
			var err error
			if sent, err = s.queueIncidentUpdate(ctx, tx, ie, ch.ID, *ch.Update, now); err != nil {
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
		counts := strings.NewReplacer("{incident}", strconv.FormatInt(ch.ID, 10), "{sent}", strconv.Itoa(sent.Sent),
			"{outside_window}", strconv.Itoa(sent.OutsideWindow), "{skipped}", strconv.Itoa(sent.Skipped))
		plan.CallbackAnswer = counts.Replace(plan.CallbackAnswer)
		plan.Notices = slices.Clone(plan.Notices)
		for i, n := range plan.Notices {
			plan.Notices[i].Text = counts.Replace(n.Text)
		}
		return s.queueAgentReplies(ctx, tx, ie, plan, 0, now)
	})
	if err != nil && !errors.Is(err, chat.ErrAlreadyDone) && !errors.Is(err, chat.ErrConflict) {
		err = unavailable("apply incident", err)
	}
	return sent, err
}

// queueIncidentUpdate queues one message to each customer filed under the
// incident: those whose platform's window (u.Reach) is still open, who
// neither blocked the bot nor were blocked, and who had fewer than
// u.PerHour messages in the last hour. It counts the others.
func (s *Store) queueIncidentUpdate(ctx context.Context, tx *sqlx.Tx, ie chat.InboxEvent, incidentID int64, u chat.IncidentUpdate, now time.Time) (chat.IncidentSent, error) {
	var sent chat.IncidentSent
	if err := s.get(ctx, tx, &sent.Customers, `SELECT COUNT(DISTINCT conversation_id) FROM handoffs WHERE incident_id = ?`, incidentID); err != nil {
		return sent, err
	}
	if sent.Customers == 0 || len(u.Reach) == 0 {
		sent.OutsideWindow = sent.Customers
		return sent, nil
	}
	// The platforms' reach as a table, typed in its first row for
	// PostgreSQL.
	platforms := make([]chat.Platform, 0, len(u.Reach))
	for p := range u.Reach {
		platforms = append(platforms, p)
	}
	slices.Sort(platforms)
	reach := make([]any, 0, 2*len(platforms))
	for _, p := range platforms {
		reach = append(reach, string(p), u.Reach[p].Milliseconds())
	}
	reachRows := "(CAST(? AS TEXT), CAST(? AS BIGINT))" + strings.Repeat(", (?, ?)", len(platforms)-1)
	with := `WITH w (platform, reach) AS (VALUES ` + reachRows + `),
		a AS (SELECT DISTINCT conversation_id AS id FROM handoffs WHERE incident_id = ?) `
	// The customer's language as their platform gives it (pt-br → pt).
	langs := make([]string, 0, len(u.Texts))
	for l := range u.Texts {
		if l != "" {
			langs = append(langs, l)
		}
	}
	slices.Sort(langs)
	text, textArgs := "CASE LOWER(SUBSTR(COALESCE(cu.language, ''), 1, 2))", []any{}
	for _, l := range langs {
		text += " WHEN CAST(? AS TEXT) THEN CAST(? AS TEXT)"
		textArgs = append(textArgs, l, u.Texts[l])
	}
	text += " ELSE CAST(? AS TEXT) END"
	if len(langs) == 0 {
		text = "CAST(? AS TEXT)" // one text for every language
	}
	textArgs = append(textArgs, u.Texts[""])
	const scope = `c.platform || '/' || c.bot || '/' || COALESCE(cu.external_id, 'chat:' || c.chat_id)`
	args := append(append([]any{}, reach...), incidentID)
	args = append(args, textArgs...)
	args = append(args, ms(now), ms(now.Add(-time.Hour)), u.PerHour)
	var to []struct {
		ConversationID int64  `db:"id"`
		Platform       string `db:"platform"`
		Bot            string `db:"bot"`
		ChatID         string `db:"chat_id"`
		Text           string `db:"text"`
		Scope          string `db:"scope"`
		WindowUntil    int64  `db:"window_until"`
	}
	if err := s.sel(ctx, tx, &to, with+`SELECT c.id, c.platform, c.bot, c.chat_id, `+text+` AS text, `+scope+` AS scope,
			c.last_customer_at + w.reach AS window_until
		FROM a JOIN conversations c ON c.id = a.id JOIN w ON w.platform = c.platform LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE c.last_customer_at + w.reach >= ? AND COALESCE(cu.blocked, 0) = 0 AND COALESCE(cu.blocked_by_team, 0) = 0
			AND (SELECT COUNT(*) FROM outbox o WHERE o.scope = `+scope+` AND o.created_at > ? AND o.state <> 'failed') < ?
		ORDER BY c.id`, args...); err != nil {
		return sent, fmt.Errorf("queue incident update: %w", err)
	}
	msgs := make([]newOutgoing, len(to))
	for i, r := range to {
		msgs[i] = newOutgoing{
			conversationID: r.ConversationID, inboxID: ie.ID, incidentID: incidentID, platform: chat.Platform(r.Platform), bot: r.Bot,
			chatID: r.ChatID, action: chat.ActionIncidentUpdate, text: r.Text, due: now, created: now, scope: r.Scope,
			windowUntil: fromMS(r.WindowUntil), priority: 3,
		}
	}
	if _, err := s.queueOutgoing(ctx, tx, msgs); err != nil {
		return sent, fmt.Errorf("queue incident update: %w", err)
	}
	sent.Sent = len(to)
	var inWindow int
	if err := s.get(ctx, tx, &inWindow, with+`SELECT COUNT(*) FROM a JOIN conversations c ON c.id = a.id JOIN w ON w.platform = c.platform
		WHERE c.last_customer_at + w.reach >= ?`, append(append(append([]any{}, reach...), incidentID), ms(now))...); err != nil {
		return sent, err
	}
	sent.OutsideWindow = sent.Customers - inWindow
	sent.Skipped = inWindow - sent.Sent
	return sent, nil
}
