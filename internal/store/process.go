package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Apply writes the effects of a batch of decided events in one
// transaction, as given: it decides nothing. Each event's effects are
// written only if its snapshot still holds, checked in the same statement
// that marks the event done; the answer for each event is nil,
// chat.ErrAlreadyDone (another worker finished it first: drop the result)
// or chat.ErrConflict (decide it again on fresh state), or the failure of
// that event alone. One event whose writes fail costs only itself: the
// transaction is rolled back and the batch written again without it. err
// is for the batch as a whole (the database is unavailable).
func (s *Store) Apply(ctx context.Context, batch []chat.Effects, now time.Time) (results []error, err error) {
	results = make([]error, len(batch))
	todo := make([]int, len(batch))
	for i := range todo {
		todo[i] = i
	}
	// A failure that follows the batch from event to event is the
	// database's, not an event's: give up after a few.
	for excluded := 0; len(todo) > 0; excluded++ {
		failed := -1
		var cause error
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			for _, i := range todo {
				results[i] = nil
				p := &processing{s: s, tx: tx, ctx: ctx, ev: batch[i].Event, now: now, basis: batch[i].Basis}
				var late *lateConflict
				switch err := p.apply(batch[i].Plan); {
				case err == nil:
				case errors.As(err, &late):
					// Found after some of its writes: they go with the
					// rollback, and the event is decided again.
					failed, cause = i, err
					return err
				case errors.Is(err, chat.ErrAlreadyDone), errors.Is(err, chat.ErrConflict):
					// Nothing of it was written: the check comes first.
					results[i] = err
				default:
					failed, cause = i, err
					return err
				}
			}
			return nil
		})
		if err == nil {
			return results, nil
		}
		if failed < 0 || excluded >= maxExcluded || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, unavailable("apply effects", err)
		}
		results[failed] = fmt.Errorf("apply event %d: %w", batch[failed].Event.ID, cause)
		if late := (*lateConflict)(nil); errors.As(cause, &late) {
			results[failed], excluded = chat.ErrConflict, excluded-1 // the database is fine
		}
		todo = slices.DeleteFunc(todo, func(i int) bool { return i == failed })
	}
	return results, nil
}

// lateConflict is a conflict found after some of an event's effects were
// written (an incident's count moved): the batch is written again without
// the event, which is decided again.
type lateConflict struct{}

func (*lateConflict) Error() string { return "state changed since it was read" }
func (*lateConflict) Unwrap() error { return chat.ErrConflict }

// maxExcluded is how many events one Apply sets aside as failing before it
// blames the database instead.
const maxExcluded = 3

// markEventDone marks a claimed event done; chat.ErrAlreadyDone means
// another worker finished it first (its claim had expired).
func (s *Store) markEventDone(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	res, err := s.exec(ctx, tx, `UPDATE inbox SET state = 'done', done_at = ?, claimed_by = NULL, claimed_until = NULL
		WHERE id = ? AND state = 'pending'`, ms(now), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return chat.ErrAlreadyDone
	}
	return nil
}

// decideError keeps the decide function's own failures apart from database
// failures, which callers treat as "try again".
type decideError struct{ err error }

func (e *decideError) Error() string { return "decide: " + e.err.Error() }
func (e *decideError) Unwrap() error { return e.err }

type processing struct {
	s     *Store
	tx    *sqlx.Tx
	ctx   context.Context
	ev    chat.InboxEvent
	now   time.Time
	basis chat.State // the snapshot the plan was decided on

	customerID int64 // 0 when the event has no customer
}

type conversationRow struct {
	ID               int64  `db:"id"`
	Key              string `db:"conversation_key"`
	Status           string `db:"status"`
	StartedAt        int64  `db:"started_at"`
	LastCustomerAt   int64  `db:"last_customer_at"`
	CustomerMessages int    `db:"customer_messages"`
	LastAlbum        string `db:"last_album"`
	BurstSends       int    `db:"burst_sends"`
}

// queueNotice puts a message to a team chat in the outbox, tied to the
// handoff; "{handoff}" in its buttons' data becomes the handoff's id.
func (p *processing) queueNotice(n chat.Notice, handoffID int64, prio int) error {
	return p.queueNoticeFor(n, handoffID, 0, "notice", prio)
}

// queueNoticeFor queues a team-chat message of a handoff or an incident;
// "{handoff}" and "{incident}" in its buttons' data (and in a webhook
// event's JSON) become their ids.
func (p *processing) queueNoticeFor(n chat.Notice, handoffID, incidentID int64, action string, prio int) error {
	ids := strings.NewReplacer("{handoff}", strconv.FormatInt(handoffID, 10), "{incident}", strconv.FormatInt(incidentID, 10))
	buttons, err := encodeButtons(n.Buttons, ids)
	if err != nil {
		return err
	}
	text := n.Text
	if n.Platform == chat.Webhook {
		text = ids.Replace(text)
	}
	_, err = p.s.exec(p.ctx, p.tx, `INSERT INTO outbox (inbox_id, platform, bot, chat_id, chat_key, rule, action, text,
		next_attempt_at, created_at, priority, buttons, handoff_id, incident_id, topic_key, topic_name)
		VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullID(p.ev.ID), string(n.Platform), n.Bot, n.ChatID, chat.ChatKey(n.Platform, n.Bot, n.ChatID), action, text,
		ms(p.now), ms(p.now), prio, buttons, nullID(handoffID), nullID(incidentID), n.TopicKey, n.TopicName)
	return err
}

// scope is the customer as the guard keys it.
func (p *processing) scope() string { return p.ev.CustomerScope() }

// markDone marks the event done if its snapshot still holds: still
// pending (no other worker finished it), and its conversation as it was
// read (no agent resolved it, no other event opened one meanwhile). It is
// the first write of every event, so a conflict leaves nothing to undo.
func (p *processing) markDone() error {
	q := `UPDATE inbox SET state = 'done', done_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ? AND state = 'pending'`
	args := []any{ms(p.now), p.ev.ID}
	switch b := p.basis.Conversation.Basis; {
	case p.ev.ChatID == "":
	case b.ID != 0:
		q += ` AND EXISTS (SELECT 1 FROM conversations WHERE id = ? AND closed_at IS NULL AND status = ?)`
		args = append(args, b.ID, string(b.Status))
	default:
		q += ` AND NOT EXISTS (SELECT 1 FROM conversations WHERE conversation_key = ? AND closed_at IS NULL)`
		args = append(args, p.ev.ConversationKey())
	}
	res, err := p.s.exec(p.ctx, p.tx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		return nil
	}
	var state string
	if err := p.s.get(p.ctx, p.tx, &state, `SELECT state FROM inbox WHERE id = ?`, p.ev.ID); err != nil {
		return err
	}
	if state == "pending" {
		return chat.ErrConflict
	}
	return chat.ErrAlreadyDone
}

func (p *processing) apply(plan chat.Plan) error {
	if err := p.markDone(); err != nil {
		return err
	}
	if err := p.saveCustomer(); err != nil {
		return fmt.Errorf("save customer: %w", err)
	}
	convID, err := p.saveConversation(plan)
	if err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	ev := p.ev.Event
	if convID != 0 {
		at := ev.Time
		if at.IsZero() {
			at = p.ev.ReceivedAt
		}
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO messages (conversation_id, direction, inbox_id, kind, text, platform_message_id, created_at)
			VALUES (?, 'in', ?, ?, ?, ?, ?)`, convID, p.ev.ID, string(ev.Kind), ev.Text, ev.MessageID, ms(at)); err != nil {
			return fmt.Errorf("save message: %w", err)
		}
	}
	var decisionID int64
	err = p.s.get(p.ctx, p.tx, &decisionID, `INSERT INTO decisions (inbox_id, conversation_id, outcome, language, trace, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, p.ev.ID, nullID(convID), string(plan.Outcome), plan.Language, nullString(string(plan.Trace)), ms(p.now))
	if err != nil {
		return fmt.Errorf("save decision: %w", err)
	}
	sent := 0
	for _, snd := range plan.Sends {
		buttons, err := encodeButtons(snd.Buttons, strings.NewReplacer())
		if err != nil {
			return fmt.Errorf("queue reply: %w", err)
		}
		to := snd.To
		var outboxID int64
		err = p.s.get(p.ctx, p.tx, &outboxID, `INSERT INTO outbox (conversation_id, inbox_id, platform, bot, chat_id, chat_key, thread_id, reply_to,
			rule, action, text, next_attempt_at, created_at, scope, window_until, priority, callback_id, buttons)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			nullID(convID), p.ev.ID, string(ev.Platform), ev.Bot, to.ChatID, chat.ChatKey(ev.Platform, ev.Bot, to.ChatID), to.ThreadID, to.ReplyTo,
			snd.Rule, string(snd.Type), snd.Text, ms(p.now), ms(p.now), p.scope(), msOrZero(snd.WindowUntil), priority(snd.Priority), to.CallbackID, buttons)
		if err != nil {
			return fmt.Errorf("queue reply: %w", err)
		}
		if reason, err := p.reserve(snd, outboxID); err != nil {
			return fmt.Errorf("reserve: %w", err)
		} else if reason != "" {
			// Another worker took a key between our read and now: this
			// send is theirs to make.
			if _, err := p.s.exec(p.ctx, p.tx, `DELETE FROM outbox WHERE id = ?`, outboxID); err != nil {
				return fmt.Errorf("reserve: %w", err)
			}
			if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, suppressed) VALUES (?, ?, ?, ?)`,
				decisionID, snd.Rule, string(snd.Type), reason); err != nil {
				return fmt.Errorf("save decision: %w", err)
			}
			if to.CallbackID != "" {
				// The interaction it was to answer still needs its answer.
				plan.CallbackAnswers = append(plan.CallbackAnswers, to.CallbackID)
			}
			continue
		}
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, outbox_id) VALUES (?, ?, ?, ?)`,
			decisionID, snd.Rule, string(snd.Type), outboxID); err != nil {
			return fmt.Errorf("save decision: %w", err)
		}
		sent++
	}
	for _, id := range plan.CallbackAnswers {
		// Answers do not queue behind the chat's messages: platforms want
		// them within seconds.
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO outbox (inbox_id, platform, bot, chat_id, chat_key, action, text, next_attempt_at, created_at, priority, callback_id)
			VALUES (?, ?, ?, ?, ?, 'callback_answer', '', ?, ?, 3, ?)`, p.ev.ID, string(ev.Platform), ev.Bot, ev.ChatID,
			"callback/"+id, ms(p.now), ms(p.now), id); err != nil {
			return fmt.Errorf("answer button: %w", err)
		}
	}
	var handoffID int64
	prio := 0
	switch {
	case plan.Handoff != nil:
		if handoffID, err = p.openHandoff(convID, plan.Handoff, plan.HandoffDue); err != nil {
			return fmt.Errorf("open handoff: %w", err)
		}
		prio = priority(plan.Handoff.Priority)
	case p.basis.Conversation.Handoff != nil:
		// The customer writes while people own the conversation: their
		// messages go to the team chat, tied to the same handoff.
		handoffID = p.basis.Conversation.Handoff.ID
		if ev.Kind.Decidable() {
			if _, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET last_activity_at = ? WHERE id = ?`, ms(p.now), handoffID); err != nil {
				return fmt.Errorf("handoff activity: %w", err)
			}
		}
	}
	if handoffID != 0 {
		for _, n := range plan.Notices {
			if err := p.queueNotice(n, handoffID, prio); err != nil {
				return fmt.Errorf("queue notice: %w", err)
			}
		}
		if plan.Incident != nil && plan.Handoff != nil {
			if err := p.fileUnderIncident(*plan.Incident, handoffID); err != nil {
				return fmt.Errorf("incident: %w", err)
			}
		}
	}
	if err := p.saveBurst(convID, sent, plan.ContinuesBurst); err != nil {
		return fmt.Errorf("save burst: %w", err)
	}
	for _, a := range plan.Recorded {
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, detail) VALUES (?, ?, ?, ?)`,
			decisionID, a.Rule, string(a.Type), strings.Join(a.Tags, ",")); err != nil {
			return fmt.Errorf("save decision: %w", err)
		}
	}
	for _, sup := range plan.Suppressed {
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, suppressed) VALUES (?, ?, ?, ?)`,
			decisionID, sup.Rule, "", sup.Reason); err != nil {
			return fmt.Errorf("save decision: %w", err)
		}
	}
	return nil
}

// reserve takes a send's keys for outboxID in one statement. A key is free
// when nobody holds it or its holder expired; the conditional upsert makes
// taking it atomic. If any key is held, the ones just taken are given back
// and the held key's reason is returned.
func (p *processing) reserve(snd chat.Send, outboxID int64) (reason string, err error) {
	if len(snd.Reservations) == 0 {
		return "", nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO guard_reservations (key, scope, outbox_id, expires_at, created_at) VALUES `)
	args := make([]any, 0, 5*len(snd.Reservations)+1)
	for i, r := range snd.Reservations {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, r.Key, p.scope(), outboxID, ms(r.Expires), ms(p.now))
	}
	q.WriteString(` ON CONFLICT (key) DO UPDATE SET scope = excluded.scope, outbox_id = excluded.outbox_id,
		expires_at = excluded.expires_at, created_at = excluded.created_at
		WHERE guard_reservations.expires_at <= ? RETURNING key`)
	args = append(args, ms(p.now))
	var taken []string
	if err := p.s.sel(p.ctx, p.tx, &taken, q.String(), args...); err != nil {
		return "", err
	}
	if len(taken) == len(snd.Reservations) {
		return "", nil
	}
	got := map[string]bool{}
	for _, k := range taken {
		got[k] = true
	}
	for _, r := range snd.Reservations {
		if !got[r.Key] {
			reason = r.Reason
			break
		}
	}
	_, err = p.s.exec(p.ctx, p.tx, `DELETE FROM guard_reservations WHERE scope = ? AND outbox_id = ?`, p.scope(), outboxID)
	return reason, err
}

// saveBurst remembers the message for burst detection: a burst's sends
// accumulate, a new message that is not part of one starts at zero.
func (p *processing) saveBurst(convID int64, sent int, inBurst bool) error {
	ev := p.ev.Event
	if convID == 0 || !ev.Kind.Decidable() {
		return nil
	}
	set := `burst_sends = ?, last_album = ?`
	if inBurst {
		set = `burst_sends = burst_sends + ?, last_album = ?`
	}
	_, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET `+set+` WHERE id = ?`, sent, ev.AlbumID, convID)
	return err
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// priority orders sends under a burst: urgent handoffs first, each level
// worth a minute of waiting (see migration 00006), so nothing starves.
func priority(p string) int {
	switch p {
	case "critical":
		return 3
	case "high":
		return 2
	case "medium":
		return 1
	}
	return 0
}

func (p *processing) saveCustomer() error {
	ev := p.ev.Event
	if ev.Customer.ID == "" {
		return nil
	}
	blocked := -1 // keep
	switch ev.Kind {
	case chat.KindBlocked:
		blocked = 1
	case chat.KindUnblocked:
		blocked = 0
	default:
		if ev.Kind.Decidable() {
			// Writing again proves the customer can be reached again.
			blocked = 0
		}
	}
	return p.s.get(p.ctx, p.tx, &p.customerID, `INSERT INTO customers (platform, bot, external_id, name, username, language, blocked, first_seen_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, bot, external_id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE customers.name END,
			username = CASE WHEN excluded.username <> '' THEN excluded.username ELSE customers.username END,
			language = CASE WHEN excluded.language <> '' THEN excluded.language ELSE customers.language END,
			blocked = CASE WHEN ? < 0 THEN customers.blocked ELSE excluded.blocked END,
			unreachable_reason = CASE WHEN ? < 0 THEN customers.unreachable_reason WHEN ? = 1 THEN 'blocked the bot' ELSE '' END,
			last_seen_at = excluded.last_seen_at
		RETURNING id`,
		string(ev.Platform), ev.Bot, ev.Customer.ID, ev.Customer.Name, ev.Customer.Username, ev.Customer.Language,
		max(blocked, 0), ms(p.now), ms(p.now), blocked, blocked, blocked)
}

func (p *processing) saveConversation(plan chat.Plan) (int64, error) {
	ev := p.ev.Event
	if ev.ChatID == "" {
		return 0, nil
	}
	customerMsg := ev.Kind.Decidable()
	open := p.basis.Conversation.Basis // the open row, if any; markDone checked it is unchanged
	if !p.basis.Conversation.New {
		status := string(open.Status)
		if plan.Handoff != nil {
			status = string(chat.StatusWaitingForHuman)
		}
		set := `status = ?`
		args := []any{status}
		if customerMsg {
			set += `, last_customer_at = ?, customer_messages = customer_messages + 1`
			args = append(args, ms(p.now))
		}
		args = append(args, open.ID)
		_, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET `+set+` WHERE id = ?`, args...)
		return open.ID, err
	}
	if !customerMsg && open.ID != 0 {
		// An edit or a block does not reopen an idle conversation; file it with the old one.
		return open.ID, nil
	}
	if open.ID != 0 {
		if _, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET closed_at = ? WHERE id = ?`, ms(p.now), open.ID); err != nil {
			return 0, err
		}
	}
	status := chat.StatusBot
	if plan.Handoff != nil {
		status = chat.StatusWaitingForHuman
	}
	count := 0
	if customerMsg {
		count = 1
	}
	var id int64
	err := p.s.get(p.ctx, p.tx, &id, `INSERT INTO conversations (conversation_key, platform, bot, chat_id, chat_type, customer_id, status,
		started_at, last_customer_at, customer_messages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ev.ConversationKey(), string(ev.Platform), ev.Bot, ev.ChatID, string(ev.ChatType), nullID(p.customerID), string(status),
		ms(p.now), ms(p.now), count)
	return id, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
