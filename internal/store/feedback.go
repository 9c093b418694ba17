package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// feedback reads what a customer's feedback is decided on (issue 20): for
// every message of a conversation, whether a rating awaits its comment;
// for button presses, the conversation's latest handoff, whether its
// "solved?" was answered and the conversation rated, its language, and
// whether it had spam.
func (l *loader) feedback(second *reads, events []chat.InboxEvent, states []chat.State) (fill func()) {
	var all, pressed []any
	seen, seenPress := map[int64]bool{}, map[int64]bool{}
	for i, ie := range events {
		id := snapshotConversation(states[i])
		if id == 0 || !ie.Kind.Decidable() {
			continue
		}
		if !seen[id] {
			seen[id] = true
			all = append(all, id)
		}
		if ie.Kind == chat.KindCallback && !seenPress[id] {
			seenPress[id] = true
			pressed = append(pressed, id)
		}
	}
	if len(all) == 0 {
		return func() {}
	}
	var waiting []struct {
		ID           int64 `db:"id"`
		Conversation int64 `db:"conversation_id"`
	}
	in, padded := l.s.in(all)
	readInto(second, &waiting, `SELECT id, conversation_id FROM feedback
		WHERE conversation_id IN (`+in+`) AND kind = 'rating' AND comment IS NULL AND comment_until > ?`,
		append(append([]any{}, padded...), ms(l.now))...)
	var hs []latestHandoff
	if len(pressed) > 0 {
		in, pressed := l.s.in(pressed)
		readInto(second, &hs, `SELECT h.id, h.conversation_id, h.team, h.state, h.priority, h.claimed_by, h.claimed_by_id,
				EXISTS (SELECT 1 FROM feedback f WHERE f.conversation_id = h.conversation_id AND f.kind = 'solved' AND f.handoff_id = h.id
					AND f.created_at >= COALESCE(h.closed_at, 0)) AS solved,
				EXISTS (SELECT 1 FROM feedback f WHERE f.conversation_id = h.conversation_id AND f.kind = 'rating') AS rated,
				EXISTS (SELECT 1 FROM decisions d WHERE d.conversation_id = h.conversation_id AND (d.outcome = 'ignored' OR d.msg_type = 'spam')) AS spam,
				COALESCE((SELECT d.language FROM decisions d WHERE d.conversation_id = h.conversation_id AND d.language <> '' ORDER BY d.id DESC LIMIT 1), '') AS language
			FROM handoffs h WHERE h.id IN (SELECT MAX(id) FROM handoffs WHERE conversation_id IN (`+in+`) GROUP BY conversation_id)`,
			pressed...)
	}
	return func() {
		comment := make(map[int64]int64, len(waiting))
		for _, w := range waiting {
			comment[w.Conversation] = w.ID
		}
		fillFeedback(events, states, comment, hs)
	}
}

// fillFeedback adds to the snapshots what their conversations' feedback
// is decided on: the rating awaiting its comment, and for a press the
// latest handoff.
func fillFeedback(events []chat.InboxEvent, states []chat.State, comment map[int64]int64, hs []latestHandoff) {
	byConv := make(map[int64]latestHandoff, len(hs))
	for _, h := range hs {
		byConv[h.Conversation] = h
	}
	for i, ie := range events {
		id := snapshotConversation(states[i])
		if id == 0 {
			continue
		}
		fs := &states[i].Feedback
		fs.CommentFor = comment[id]
		if h, ok := byConv[id]; ok && ie.Kind == chat.KindCallback {
			fs.Handoff = chat.OpenHandoff{ID: h.ID, Team: h.Team, State: chat.HandoffState(h.State), Priority: h.Priority,
				ClaimedBy: chat.Agent{ID: h.ClaimedByID, Name: h.ClaimedBy}}
			fs.Solved, fs.Rated, fs.Spam, fs.Language = h.Solved, h.Rated, h.Spam, h.Language
		}
	}
}

// snapshotConversation is the id of the conversation a snapshot's event is in:
// the open one, or the one it may close and replace.
func snapshotConversation(st chat.State) int64 {
	if c := st.Conversation; c.ID != 0 {
		return c.ID
	}
	return st.Conversation.Basis.ID
}

// latestHandoff is a conversation's latest handoff, as a press on its
// feedback buttons is decided on.
type latestHandoff struct {
	ID           int64  `db:"id"`
	Conversation int64  `db:"conversation_id"`
	Team         string `db:"team"`
	State        string `db:"state"`
	Priority     string `db:"priority"`
	ClaimedBy    string `db:"claimed_by"`
	ClaimedByID  string `db:"claimed_by_id"`
	Solved       bool   `db:"solved"`
	Rated        bool   `db:"rated"`
	Spam         bool   `db:"spam"`
	Language     string `db:"language"`
}

// feedbackEffects stores a customer's feedback: an answer about a handoff
// is filed under the handoff's conversation, team, owner and rule as they
// are; a rule's 👍/👎 under the event's conversation. A second answer of
// the same kind stores nothing (the unique index; "solved?" answered
// again after a reopened handoff closed again replaces the first), a comment fills the
// rating it answers once. A reopened handoff goes back to waiting with its
// new priority and due time while no other handoff of the conversation is
// open (else chat.ErrConflict: decide again), and the conversation waits
// for a person.
func (p *processing) feedbackEffects(plan chat.Plan, convID int64) error {
	if f := plan.Feedback; f != nil {
		var err error
		switch f.Kind {
		case chat.FeedbackSolved, chat.FeedbackRating:
			_, err = p.s.exec(p.ctx, p.tx, `INSERT INTO feedback (conversation_id, handoff_id, kind, rule, team, agent_id, agent, value, comment_until, created_at)
				SELECT h.conversation_id, h.id, ?, h.rule, h.team, h.claimed_by_id, h.claimed_by, ?, ?, ? FROM handoffs h WHERE h.id = ?
				ON CONFLICT (conversation_id, kind, handoff_id, rule) DO `+onAgain(f.Kind),
				string(f.Kind), f.Value, msOrZero(f.CommentUntil), ms(p.now), f.HandoffID)
		case chat.FeedbackHelpful:
			if convID == 0 {
				return nil
			}
			_, err = p.s.exec(p.ctx, p.tx, `INSERT INTO feedback (conversation_id, kind, rule, value, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (conversation_id, kind, handoff_id, rule) DO NOTHING`, convID, string(f.Kind), f.Rule, f.Value, ms(p.now))
		case chat.FeedbackComment:
			_, err = p.s.exec(p.ctx, p.tx, `UPDATE feedback SET comment = ?, comment_until = 0 WHERE id = ? AND comment IS NULL`,
				f.Comment, f.CommentOf)
		}
		if err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
	}
	if r := plan.Reopen; r != nil {
		res, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET state = 'waiting', priority = ?, due_at = ?, closed_at = NULL,
				claimed_by = '', claimed_by_id = '', claimed_at = NULL, steps_done = 0, last_activity_at = ?
			WHERE id = ? AND state IN ('resolved', 'returned_to_bot') AND NOT EXISTS (
				SELECT 1 FROM handoffs o WHERE o.conversation_id = handoffs.conversation_id AND o.state IN ('waiting', 'claimed'))`,
			string(r.Priority), ms(r.DueAt), ms(p.now), r.HandoffID)
		if err := changedOr(res, err, &lateConflict{}); err != nil {
			return fmt.Errorf("reopen handoff: %w", err)
		}
		if _, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET status = ? WHERE id = (SELECT conversation_id FROM handoffs WHERE id = ?)`,
			string(chat.StatusWaitingForHuman), r.HandoffID); err != nil {
			return fmt.Errorf("reopen handoff: %w", err)
		}
	}
	return nil
}

// onAgain is what a second answer of a kind about one handoff does: "was
// it solved?" is asked again when a reopened handoff closes again, and the
// last answer stands; a rating stays the first one given.
func onAgain(kind chat.FeedbackKind) string {
	if kind == chat.FeedbackSolved {
		return `UPDATE SET value = excluded.value, team = excluded.team, agent_id = excluded.agent_id, agent = excluded.agent,
			created_at = excluded.created_at`
	}
	return `NOTHING`
}

// queueCustomerNotices queues the notices an agent's action sends the
// customer, each with its guard keys: one whose key another send holds by
// now is not queued (that send was first).
func (s *Store) queueCustomerNotices(ctx context.Context, tx *sqlx.Tx, ie chat.InboxEvent, st chat.AgentState, sends []chat.Send, now time.Time) error {
	for _, snd := range sends {
		buttons, err := encodeButtons(snd.Buttons, strings.NewReplacer())
		if err != nil {
			return err
		}
		queued, err := s.queueOutgoing(ctx, tx, []newOutgoing{{
			conversationID: st.ConversationID, inboxID: ie.ID, platform: st.Platform, bot: st.Bot, chatID: snd.To.ChatID,
			threadID: snd.To.ThreadID, rule: snd.Rule, action: snd.Type, text: snd.Text, due: now, created: now,
			scope: st.CustomerScope, windowUntil: snd.WindowUntil, priority: 3, buttons: buttons,
		}})
		if err != nil {
			return err
		}
		id := queued[0]
		held := true
		for _, r := range snd.Reservations {
			var taken []string
			if err := s.sel(ctx, tx, &taken, `INSERT INTO guard_reservations (key, scope, outbox_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET scope = excluded.scope, outbox_id = excluded.outbox_id,
					expires_at = excluded.expires_at, created_at = excluded.created_at
				WHERE guard_reservations.expires_at <= ? RETURNING key`, r.Key, st.CustomerScope, id, ms(r.Expires), ms(now), ms(now)); err != nil {
				return err
			}
			if len(taken) == 0 {
				held = false
				break
			}
		}
		if held {
			continue
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM guard_reservations WHERE outbox_id = ?`, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

// reservedFor reads the guard keys taken for a customer.
func (s *Store) reservedFor(ctx context.Context, scope string, now time.Time) (map[string]bool, error) {
	var keys []string
	if err := s.readSel(ctx, &keys, `SELECT key FROM guard_reservations WHERE scope = ? AND expires_at > ?`, scope, ms(now)); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, nil
}
