package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

type outboxRow struct {
	ID          int64  `db:"id"`
	Platform    string `db:"platform"`
	Bot         string `db:"bot"`
	ChatID      string `db:"chat_id"`
	ChatKey     string `db:"chat_key"`
	ThreadID    string `db:"thread_id"`
	ReplyTo     string `db:"reply_to"`
	Rule        string `db:"rule"`
	Action      string `db:"action"`
	Text        string `db:"text"`
	Attempts    int    `db:"attempts"`
	CreatedAt   int64  `db:"created_at"`
	WindowUntil int64  `db:"window_until"`
	Buttons     string `db:"buttons"`
	HandoffID   *int64 `db:"handoff_id"`
	CallbackID  string `db:"callback_id"`
	TopicKey    string `db:"topic_key"`
	TopicName   string `db:"topic_name"`
	EditID      string `db:"edit_message_id"`
	LastError   string `db:"last_error"`
	Media       string `db:"media"`
	AlbumKey    string `db:"album_key"`
	// ClaimedUntil is read back by claims only (claimedColumns).
	ClaimedUntil *int64 `db:"claimed_until"`
}

// maxPriorityBonus is how far ahead of its age the most urgent message
// sorts (priority 3, a minute each; see migration 00006), in ms.
const maxPriorityBonus = 3 * 60000

// ClaimOutgoing leases up to limit messages that are due to owner until
// now+lease. Only the oldest unsent message of each chat is eligible, so a
// chat's messages go out one at a time, in order, even across retries. It
// is one statement, as ClaimEvents is.
func (s *Store) ClaimOutgoing(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]chat.Outgoing, error) {
	// As in ClaimEvents: start past the messages already sent. The claim
	// order is age with up to maxPriorityBonus for urgency, so a message
	// queued later can sort up to that much before the oldest pending one,
	// and the mark stays that far behind it.
	if err := s.refreshOutboxMark(ctx, now); err != nil {
		return nil, unavailable("claim outgoing", err)
	}
	// The outbox's mark counts waiting messages too: one let go here is
	// above it already.
	if _, err := s.unparkStale(ctx, outboxLines, &s.outboxUnparkAt, now); err != nil {
		return nil, unavailable("claim outgoing", err)
	}
	var rows []claimedRow
	query, args := s.claimDue(owner, now, now.Add(lease), limit)
	if err := s.autoSel(ctx, partClaimSends, &rows, query, s.plannedEachCall(args...)...); err != nil {
		return nil, unavailable("claim outgoing", err)
	}
	return inClaimOrder(rows)
}

// refreshOutboxMark moves the mark claims start from (see ClaimOutgoing).
func (s *Store) refreshOutboxMark(ctx context.Context, now time.Time) error {
	return s.refreshMark(ctx, &s.outboxLow, &s.outboxMarkAt, &s.outboxRecountAt, now, outboxMarkQuery, math.MinInt64, maxPriorityBonus, nil)
}

// outboxMarkQuery is where the claims of messages start: the least claim
// order of a pending message at or above the last mark. It reads
// outbox_claim, whose condition on PostgreSQL names waits so that no
// lookup by chat can take it for its own (migration 23): every row's
// waits is 0 or 1.
const outboxMarkQuery = `SELECT MIN(created_at - priority * 60000) FROM outbox
		WHERE state = 'pending' AND waits >= 0 AND (created_at - priority * 60000) >= ?`

// claimedRow is a claimed message and where it sorts in the claim order.
type claimedRow struct {
	outboxRow
	SortKey int64 `db:"sort_key"`
}

// claimDue is the statement that leases to owner, until until, up to limit
// messages due at now, the oldest (less their urgency bonus) first; only
// the oldest unsent message of each chat is eligible. It walks only the
// messages that do not wait behind another (waits = 0): those that do
// cannot be eligible. Its plan depends on how many are pending: run alone,
// it goes with plannedEachCall; in a script, after planEachCall.
func (s *Store) claimDue(owner string, now, until time.Time, limit int) (string, []any) {
	return `WITH candidates AS MATERIALIZED (
			SELECT o.id FROM outbox o
			WHERE o.state = 'pending' AND o.waits = 0 AND (o.created_at - o.priority * 60000) >= ? AND o.next_attempt_at <= ?
			  AND (o.claimed_until IS NULL OR o.claimed_until < ?)
			  AND ` + s.firstInLine("outbox", "o", "chat_key") + `
			ORDER BY (o.created_at - o.priority * 60000), o.id LIMIT ?` + s.skipLocked() + `)
		UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1 WHERE ` + s.chosenCandidates() + `
		AND (claimed_until IS NULL OR claimed_until < ?)
		RETURNING ` + claimedColumns + `, created_at - priority * 60000 AS sort_key`,
		[]any{s.outboxLow.Load(), ms(now), ms(now), limit, owner, ms(until), ms(now)}
}

// inClaimOrder turns claimed rows into messages in the claim's order
// (RETURNING keeps none).
func inClaimOrder(rows []claimedRow) ([]chat.Outgoing, error) {
	slices.SortFunc(rows, func(a, b claimedRow) int {
		return cmp.Or(cmp.Compare(a.SortKey, b.SortKey), cmp.Compare(a.ID, b.ID))
	})
	claimed := make([]outboxRow, len(rows))
	for i, r := range rows {
		claimed[i] = r.outboxRow
	}
	return outgoing(claimed)
}

// claimedColumns are what a claim reads back of an outbox row: a notice
// for a forum topic that exists already goes into it; an incident's edit
// names the message it edits; the last error tells the sender how the
// previous attempt ended.
const claimedColumns = `id, platform, bot, chat_id, chat_key,
			COALESCE(NULLIF(thread_id, ''), (SELECT t.thread_id FROM team_topics t WHERE outbox.topic_key <> '' AND t.platform = outbox.platform
				AND t.bot = outbox.bot AND t.chat_id = outbox.chat_id AND t.conversation_key = outbox.topic_key), '') AS thread_id,
			reply_to, rule, action, text, attempts, created_at, window_until, buttons, handoff_id, callback_id, topic_key, topic_name,
			last_error, media, album_key, claimed_until,
			CASE WHEN action = 'incident_edit' THEN COALESCE((SELECT i.message_id FROM incidents i WHERE i.id = outbox.incident_id), '') ELSE '' END AS edit_message_id`

// outgoing turns claimed rows into messages to send.
func outgoing(rows []outboxRow) ([]chat.Outgoing, error) {
	out := make([]chat.Outgoing, len(rows))
	for i, r := range rows {
		out[i] = chat.Outgoing{
			ID: r.ID, Platform: chat.Platform(r.Platform), Bot: r.Bot, ChatID: r.ChatID, Line: r.ChatKey, ThreadID: r.ThreadID,
			ReplyTo: r.ReplyTo, Rule: r.Rule, Action: chat.ActionType(r.Action), Text: r.Text,
			Attempts: r.Attempts, CreatedAt: fromMS(r.CreatedAt),
		}
		if r.WindowUntil > 0 {
			out[i].WindowUntil = fromMS(r.WindowUntil)
		}
		if r.Buttons != "" {
			if err := json.Unmarshal([]byte(r.Buttons), &out[i].Buttons); err != nil {
				return nil, fmt.Errorf("claim outgoing: buttons of %d: %w", r.ID, err)
			}
		}
		if r.HandoffID != nil {
			out[i].HandoffID = *r.HandoffID
		}
		out[i].CallbackID, out[i].TopicKey, out[i].TopicName = r.CallbackID, r.TopicKey, r.TopicName
		out[i].EditMessageID = r.EditID
		out[i].LastError = r.LastError
		media, err := decodeMedia(r.Media)
		if err != nil {
			return nil, fmt.Errorf("claim outgoing: media of %d: %w", r.ID, err)
		}
		out[i].Media, out[i].AlbumKey = media, r.AlbumKey
		if r.ClaimedUntil != nil {
			out[i].LeasedUntil = fromMS(*r.ClaimedUntil)
		}
	}
	return out, nil
}

// RenewLease extends to until the lease of a message owner holds, only if
// its lease is still the one that handed it out (leased, as
// chat.Outgoing.LeasedUntil has it): false means another sender may hold
// it now, or it is no longer pending, and it must not be sent.
func (s *Store) RenewLease(ctx context.Context, id int64, owner string, leased, until time.Time) (bool, error) {
	var renewed bool
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE outbox SET claimed_until = ?
			WHERE id = ? AND state = 'pending' AND claimed_by = ? AND claimed_until = ?`, ms(until), id, owner, ms(leased))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		renewed = n == 1
		return err
	})
	return renewed, unavailable("renew lease", err)
}

// MarkSentBatch records successful sends in one transaction of four
// statements, however many there are: each is marked sent, added to its
// conversation's history, remembered as a handoff's team-chat message
// (agents answer by replying to it) and as an incident's notification
// (later updates edit it).
func (s *Store) MarkSentBatch(ctx context.Context, sent []chat.SentMessage) error {
	_, err := s.MarkSentAndClaimNext(ctx, sent, chat.SendClaim{}, time.Time{})
	return err
}

// MarkSentAndClaimNext is MarkSentBatch, and in the same transaction leases
// to next's owner the message now first in the chat of each message sent
// with ClaimNext, if it is due and nobody holds it: a chat's queue (a team
// chat's notices) moves on with no claim of the sender's own, which would
// look through every message waiting. Then, with next.More, it claims as
// ClaimOutgoing does, up to More messages: the slots these sends free are
// filled without a transaction of their own. The messages next in their
// chats come first, then the others in claim order.
func (s *Store) MarkSentAndClaimNext(ctx context.Context, sent []chat.SentMessage, next chat.SendClaim, now time.Time) ([]chat.Outgoing, error) {
	if len(sent) == 0 {
		return nil, nil
	}
	var claimed []outboxRow
	var more []claimedRow
	if next.More > 0 {
		if err := s.refreshOutboxMark(ctx, now); err != nil {
			return nil, unavailable("mark sent", err)
		}
	}
	values := make([]any, 0, 3*len(sent))
	ids := make([]any, 0, len(sent))
	var after []any
	for _, m := range sent {
		values = append(values, m.ID, m.PlatformMessageID, ms(m.At))
		ids = append(ids, m.ID)
		if m.ClaimNext {
			after = append(after, m.ID)
		}
	}
	// Typed once in the first row, which names the columns: PostgreSQL
	// takes the rows' types from it.
	rows, values := s.typedRows(len(sent), values, "BIGINT", "TEXT", "BIGINT")
	in, padded := s.in(ids)
	r := sentRecord{rows: rows, values: values, in: in, ids: padded, after: after}
	var err error
	if s.postgres {
		err = s.markSentScript(ctx, r, next, now, &claimed, &more)
	} else {
		err = s.inTxAs(ctx, partSent, func(ctx context.Context, tx *sqlx.Tx) error {
			return s.markSentTx(ctx, tx, r, next, now, &claimed, &more)
		})
	}
	if err != nil {
		return nil, unavailable("mark sent", err)
	}
	slices.SortFunc(claimed, func(a, b outboxRow) int { return cmp.Compare(a.ID, b.ID) })
	heads, err := outgoing(claimed)
	if err != nil {
		return nil, err
	}
	rest, err := inClaimOrder(more)
	return append(heads, rest...), err
}

// sentRecord is what MarkSentAndClaimNext writes: the rows of values
// (id, platform id, time) for sentUpdateQuery, the sent messages' ids as
// a list in, and after, those whose chat's next message to lease.
type sentRecord struct {
	rows   string
	values []any
	in     string
	ids    []any
	after  []any
}

// sentUpdateQuery marks the messages of rows sent.
func sentUpdateQuery(rows string) string {
	return `WITH v (id, pmid, at) AS (` + rows + `)
			UPDATE outbox SET state = 'sent', platform_message_id = v.pmid, sent_at = v.at,
				claimed_by = NULL, claimed_until = NULL, last_error = ''
			FROM v WHERE outbox.id = v.id`
}

// What each message sent asks for besides: a line in its conversation's
// history, a notice's place in its handoff's thread, an incident's latest
// notification. Each takes the sent messages' ids as the list in.
func sentHistoryQuery(in string) string {
	return `INSERT INTO messages (conversation_id, direction, outbox_id, kind, text, platform_message_id, created_at, media)
				SELECT conversation_id, 'out', id, action, text, platform_message_id, sent_at, media FROM outbox
				WHERE id IN (` + in + `) AND conversation_id IS NOT NULL ORDER BY id`
}

func sentThreadQuery(in string) string {
	return `INSERT INTO handoff_messages (handoff_id, platform, bot, chat_id, message_id)
				SELECT handoff_id, platform, bot, chat_id, platform_message_id FROM outbox
				WHERE id IN (` + in + `) AND handoff_id IS NOT NULL AND action = 'notice' AND platform_message_id <> ''
				ON CONFLICT DO NOTHING`
}

// sentIncidentQuery takes the list twice. The incident's latest
// notification (or its stand-in, when the first could not be edited) is
// the one to edit next; its updates to customers are not.
func sentIncidentQuery(in string) string {
	return `UPDATE incidents SET message_id = (SELECT o.platform_message_id FROM outbox o
					WHERE o.incident_id = incidents.id AND o.id IN (` + in + `) AND o.platform <> 'webhook' AND o.platform_message_id <> ''
					AND o.action <> 'incident_update' ORDER BY o.id DESC LIMIT 1)
				WHERE id IN (SELECT incident_id FROM outbox WHERE id IN (` + in + `) AND incident_id IS NOT NULL
					AND platform <> 'webhook' AND platform_message_id <> '' AND action <> 'incident_update')`
}

// claimHeadsQuery leases the message now first in the chat of each sent
// one of the list in; its arguments are the owner, the lease's end, the
// list, the most to lease, and now twice.
func claimHeadsQuery(in string) string {
	return `UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
				WHERE id IN (SELECT head FROM (SELECT DISTINCT (SELECT h.id FROM outbox h WHERE h.state = 'pending' AND h.chat_key = done.chat_key
						ORDER BY h.id LIMIT 1) AS head FROM outbox done WHERE done.id IN (` + in + `)) heads WHERE head IS NOT NULL LIMIT ?)
				  AND state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
				RETURNING ` + claimedColumns
}

// markSentTx is MarkSentAndClaimNext's transaction on SQLite, where a
// statement is a call, not a round trip: statements with nothing to do
// are not run.
func (s *Store) markSentTx(ctx context.Context, tx *sqlx.Tx, r sentRecord, next chat.SendClaim, now time.Time, claimed *[]outboxRow, more *[]claimedRow) error {
	var kinds []struct {
		ID           int64 `db:"id"`
		Conversation bool  `db:"conversation"`
		Handoff      bool  `db:"handoff"`
		Incident     bool  `db:"incident"`
		Next         bool  `db:"next"`
	}
	if err := s.sel(ctx, tx, &kinds, sentUpdateQuery(r.rows)+`
			RETURNING outbox.id, `+nextPendingMessage+` AS next, conversation_id IS NOT NULL AS conversation,
				handoff_id IS NOT NULL AND action = 'notice' AND platform_message_id <> '' AS handoff,
				incident_id IS NOT NULL AND platform <> 'webhook' AND platform_message_id <> '' AND action <> 'incident_update' AS incident`,
		r.values...); err != nil {
		return err
	}
	var history, thread, incident bool
	var followed []any
	for _, k := range kinds {
		history, thread, incident = history || k.Conversation, thread || k.Handoff, incident || k.Incident
		if k.Next {
			followed = append(followed, k.ID)
		}
	}
	// Only a chat with a message behind the one sent has one to let go:
	// most replies are their chat's only message, and the statement was
	// one in four of a write of sends.
	if err := s.unparkNext(ctx, tx, outboxLines, followed); err != nil {
		return err
	}
	for _, st := range []struct {
		needed bool
		query  string
		args   []any
	}{
		{history, sentHistoryQuery(r.in), r.ids},
		{thread, sentThreadQuery(r.in), r.ids},
		{incident, sentIncidentQuery(r.in), append(append([]any{}, r.ids...), r.ids...)},
	} {
		if !st.needed {
			continue
		}
		if _, err := s.exec(ctx, tx, st.query, st.args...); err != nil {
			return err
		}
	}
	*claimed, *more = (*claimed)[:0], (*more)[:0]
	if next.Max > 0 && len(r.after) > 0 {
		in, after := s.in(r.after)
		if err := s.sel(ctx, tx, claimed, claimHeadsQuery(in), append(append([]any{next.Owner, ms(next.Until)}, after...), next.Max, ms(now), ms(now))...); err != nil {
			return err
		}
	}
	if next.More <= 0 {
		return nil
	}
	// The sender's claim, made here: the chats of the sends just recorded
	// are claimable again in this transaction already.
	query, args := s.claimDue(next.Owner, now, next.Until, next.More)
	return s.sel(ctx, tx, more, query, s.plannedEachCall(args...)...)
}

// markSentScript is MarkSentAndClaimNext on PostgreSQL: one script, so
// one round trip. Each statement runs whether or not it has anything to
// do: which ones do is known only from the first one's rows, and asking
// would cost the round trip the script saves.
func (s *Store) markSentScript(ctx context.Context, r sentRecord, next chat.SendClaim, now time.Time, claimed *[]outboxRow, more *[]claimedRow) error {
	var sc script
	sc.exec(sentUpdateQuery(r.rows), r.values...)
	sc.exec(sentHistoryQuery(r.in), r.ids...)
	sc.exec(sentThreadQuery(r.in), r.ids...)
	sc.exec(sentIncidentQuery(r.in), append(append([]any{}, r.ids...), r.ids...)...)
	sc.planEachCall()
	sc.exec(outboxLines.unparkNextQuery(r.in), r.ids...)
	if next.Max > 0 && len(r.after) > 0 {
		in, after := s.in(r.after)
		scriptSel(&sc, claimed, claimHeadsQuery(in), append(append([]any{next.Owner, ms(next.Until)}, after...), next.Max, ms(now), ms(now))...)
	}
	if next.More > 0 {
		query, args := s.claimDue(next.Owner, now, next.Until, next.More)
		scriptSel(&sc, more, query, args...)
	}
	return s.runScript(ctx, &sc)
}

// nextPendingMessage, in a RETURNING of an update of outbox rows, says
// whether the row's chat has a later message pending.
const nextPendingMessage = `EXISTS (SELECT 1 FROM outbox e WHERE e.state = 'pending' AND e.chat_key = outbox.chat_key
				AND e.id > outbox.id)`

// RetryOutgoing puts a message whose send failed back in line, due at next.
// It stays at the head of its chat, so later messages wait for it.
func (s *Store) RetryOutgoing(ctx context.Context, id int64, next time.Time, cause string) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := s.exec(ctx, tx, `UPDATE outbox SET next_attempt_at = ?, last_error = ?, claimed_by = NULL, claimed_until = NULL
			WHERE id = ? AND state = 'pending'`, ms(next), cause, id)
		return err
	})
	return unavailable("retry outgoing", err)
}

// FailOutgoing gives up on a message for good. When the customer cannot be
// reached (blocked the bot, chat gone), the customer is marked with the
// reason so nothing more is planned for them until they write again. Only
// a message to the customer's own chat says that: a refused team notice
// is the team chat's problem, not the customer's.
func (s *Store) FailOutgoing(ctx context.Context, id int64, cause string, customerBlocked bool) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := s.exec(ctx, tx, `UPDATE outbox SET state = 'failed', last_error = ?, claimed_by = NULL, claimed_until = NULL
			WHERE id = ?`, cause, id); err != nil {
			return err
		}
		if err := s.unparkNext(ctx, tx, outboxLines, []any{id}); err != nil {
			return err
		}
		if err := s.releaseReservations(ctx, tx, id); err != nil {
			return err
		}
		if !customerBlocked {
			return nil
		}
		_, err := s.exec(ctx, tx, `UPDATE customers SET blocked = 1, unreachable_reason = ? WHERE id = (
			SELECT c.customer_id FROM outbox o JOIN conversations c ON c.id = o.conversation_id
			WHERE o.id = ? AND o.chat_id = c.chat_id AND o.platform = c.platform AND o.bot = c.bot)`, cause, id)
		return err
	})
	return unavailable("fail outgoing", err)
}

// NextDue is when the earliest claimable message becomes due, so the sender
// can sleep until then; ok is false when nothing is waiting. Messages queued
// behind another in their chat, and messages in flight, do not count: they
// are not claimable whatever their time.
func (s *Store) NextDue(ctx context.Context) (due time.Time, ok bool, err error) {
	var v *int64
	if err := s.readGet(ctx, &v, s.nextDueQuery()); err != nil {
		return time.Time{}, false, unavailable("next due", err)
	}
	if v == nil {
		return time.Time{}, false, nil
	}
	return fromMS(*v), true, nil
}

// nextDueQuery is NextDue's statement. Its check that a message is first
// in its chat is a probe by chat (firstInLine), as the claims' is: as an
// anti join, on statistics that believed nothing pending, it read every
// pending message for each one waiting for nobody (8,700 buffers with 60
// of them during an outage of the Bot API), and the senders ask this
// whenever they go idle.
func (s *Store) nextDueQuery() string {
	return `SELECT MIN(o.next_attempt_at) FROM outbox o
		WHERE o.state = 'pending' AND o.waits = 0 AND o.claimed_until IS NULL
		  AND ` + s.firstInLine("outbox", "o", "chat_key")
}

// Waiting picks, of the given chats (outbox lines), those with a message
// waiting that nobody holds: queued behind the one in flight, it becomes
// claimable when that one is done.
func (s *Store) Waiting(ctx context.Context, lines []string) ([]string, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	rows, args := s.typedRows(len(lines), anyOf(lines), "TEXT")
	var waiting []string
	if err := s.readSel(ctx, &waiting, waitingQuery(rows), args...); err != nil {
		return nil, unavailable("waiting messages", err)
	}
	return waiting, nil
}

// waitingQuery asks, chat by chat, for the first unheld pending message:
// a team chat can have thousands pending, and reading all of them for
// each chat asked (as "SELECT DISTINCT chat_key … WHERE chat_key IN (…)"
// did) took 5 % of the service's CPU at --rate max. A chat asked twice is
// answered twice.
func waitingQuery(rows string) string {
	return `WITH asked (chat_key) AS (` + rows + `)
		SELECT chat_key FROM asked WHERE EXISTS (SELECT 1 FROM outbox o
			WHERE o.state = 'pending' AND o.chat_key = asked.chat_key AND o.claimed_until IS NULL)`
}

// releaseReservations frees the guard keys a message held, so a message
// that was never delivered does not block the next attempt at it.
func (s *Store) releaseReservations(ctx context.Context, tx *sqlx.Tx, outboxID int64) error {
	_, err := s.exec(ctx, tx, `DELETE FROM guard_reservations
		WHERE scope = (SELECT scope FROM outbox WHERE id = ?) AND outbox_id = ?`, outboxID, outboxID)
	return err
}

// DeferOutgoing hands a claimed message back to be sent at until, without
// counting the claim as an attempt: waiting for a rate-limit slot is not a
// failure.
func (s *Store) DeferOutgoing(ctx context.Context, id int64, until time.Time) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := s.exec(ctx, tx, `UPDATE outbox SET next_attempt_at = ?, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, claimed_by = NULL, claimed_until = NULL
			WHERE id = ? AND state = 'pending'`, ms(until), id)
		return err
	})
	return unavailable("defer outgoing", err)
}

// SaveTopic remembers the forum topic of a customer conversation in a team
// chat, so later notices and agents' messages in it find each other.
func (s *Store) SaveTopic(ctx context.Context, out chat.Outgoing, threadID string, now time.Time) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO team_topics (platform, bot, chat_id, conversation_key, thread_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, bot, chat_id, conversation_key) DO UPDATE SET
			thread_id = excluded.thread_id, created_at = excluded.created_at`,
			string(out.Platform), out.Bot, out.ChatID, out.TopicKey, threadID, ms(now))
		return err
	})
	return unavailable("save topic", err)
}

// ForgetTopic drops a topic that was deleted in the team chat; the next
// notice opens a new one.
func (s *Store) ForgetTopic(ctx context.Context, out chat.Outgoing) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := s.exec(ctx, tx, `DELETE FROM team_topics WHERE platform = ? AND bot = ? AND chat_id = ? AND conversation_key = ?`,
			string(out.Platform), out.Bot, out.ChatID, out.TopicKey)
		return err
	})
	return unavailable("forget topic", err)
}
