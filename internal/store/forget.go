package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ErrNoSuchCustomer means Forget found nobody to forget.
var ErrNoSuchCustomer = errors.New("no such customer")

// Forgotten counts what Forget erased, or what ForgetDryRun would erase.
type Forgotten struct {
	Conversations int64 `json:"conversations"`
	Messages      int64 `json:"messages"`
	// Events counts stored events emptied: the customer's own and the
	// agents' events about them (replies, notes, button presses), whose
	// payloads quote the notifications.
	Events int64 `json:"events"`
	Sends  int64 `json:"sends"`
	// Cancelled counts messages to or about them that were still waiting
	// to be sent, or given up for good: emptied, they can never be sent,
	// so they are cancelled rather than left for a retry.
	Cancelled int64 `json:"cancelled"`
	// Pending events still waiting to be processed are left alone: run
	// forget again once they are done.
	Pending int64 `json:"pending"`
	// Tables counts the rows touched (emptied, cancelled or deleted) per
	// table; no personal data, so a dry run can show it.
	Tables map[string]int64 `json:"tables"`
}

// Forget erases a customer's personal data (DOMAIN.md D22): their name,
// username and language, the texts of their conversations (theirs, the
// bot's and the agents', which may quote them), the stored events and
// payloads (theirs and the agents' events about them), the reasons and
// details in the decisions' traces (expr errors quote the message), and the
// notices agents got about them. Sends still waiting, and dead letters, are cancelled; open
// handoffs are closed (reason "forgotten"). The records stay, so counts
// and reports keep adding up, but nothing in them identifies or quotes the
// person. Their platform id is unlinked: if they write again, they are a
// new customer.
func (s *Store) Forget(ctx context.Context, p chat.Platform, bot, externalID string, now time.Time) (Forgotten, error) {
	return s.forget(ctx, p, bot, externalID, now, false)
}

// ForgetDryRun counts what Forget would touch and changes nothing: the
// same statements run in a transaction that is rolled back, so the counts
// are exactly Forget's.
func (s *Store) ForgetDryRun(ctx context.Context, p chat.Platform, bot, externalID string, now time.Time) (Forgotten, error) {
	return s.forget(ctx, p, bot, externalID, now, true)
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

func (s *Store) forget(ctx context.Context, p chat.Platform, bot, externalID string, now time.Time, dryRun bool) (Forgotten, error) {
	var out Forgotten
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		// A retried transaction starts counting again.
		out = Forgotten{Tables: map[string]int64{}}
		f := &forgetting{s: s, ctx: ctx, tx: tx, out: &out, now: now}
		if err := f.run(p, bot, externalID); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		// Copies outside the database (a running sandbox) learn of it here.
		_, err := s.exec(ctx, tx, `INSERT INTO erasures (subject, at) VALUES (?, ?)`, chat.ErasureSubject(p, bot, externalID), ms(now))
		return err
	})
	switch {
	case errors.Is(err, errDryRun):
		return out, nil
	case errors.Is(err, ErrNoSuchCustomer):
		return out, fmt.Errorf("forget %s/%s/%s: %w", p, bot, externalID, err)
	case err != nil:
		return out, unavailable("forget", err)
	}
	return out, nil
}

// forgetting is one Forget in its transaction.
type forgetting struct {
	s   *Store
	ctx context.Context
	tx  *sqlx.Tx
	out *Forgotten
	now time.Time
}

// forgottenConv is a conversation of the customer being forgotten.
type forgottenConv struct {
	ID       int64  `db:"id"`
	Key      string `db:"conversation_key"`
	Platform string `db:"platform"`
	Bot      string `db:"bot"`
	ChatID   string `db:"chat_id"`
	ChatType string `db:"chat_type"`
}

// idChunk bounds the ids in one IN list, well below SQLite's and
// PostgreSQL's limits on parameters.
const idChunk = 500

// touch runs a write that erases, cancels or deletes, and counts its rows
// for table and into. Each statement's condition leaves out the rows an
// earlier one handled, so no row is counted twice.
func (f *forgetting) touch(table string, into *int64, query string, args ...any) error {
	res, err := f.s.exec(f.ctx, f.tx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	f.out.Tables[table] += n
	if into != nil {
		*into += n
	}
	return nil
}

// unlink runs a write that only replaces their platform id in rows
// already counted.
func (f *forgetting) unlink(table, query string, args ...any) error {
	if _, err := f.s.exec(f.ctx, f.tx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	return nil
}

// touchIDs runs a write once per chunk of ids: query has one "(IN)" where
// the list goes, after the leading args.
func (f *forgetting) touchIDs(table string, into *int64, query string, ids []int64, leading ...any) error {
	for chunk := range slices.Chunk(ids, idChunk) {
		args := append(slices.Clone(leading), anyOf(chunk)...)
		if err := f.touch(table, into, strings.Replace(query, "(IN)", "("+placeholders(len(chunk), 1)+")", 1), args...); err != nil {
			return err
		}
	}
	return nil
}

// selectIDs collects the ids a query finds for each chunk of ids.
func (f *forgetting) selectIDs(query string, ids []int64) ([]int64, error) {
	var got []int64
	for chunk := range slices.Chunk(ids, idChunk) {
		var part []int64
		if err := f.s.sel(f.ctx, f.tx, &part, strings.Replace(query, "(IN)", "("+placeholders(len(chunk), 1)+")", 1), anyOf(chunk)...); err != nil {
			return nil, err
		}
		got = append(got, part...)
	}
	return got, nil
}

func (f *forgetting) run(p chat.Platform, bot, externalID string) error {
	s, ctx, tx := f.s, f.ctx, f.tx
	var customerID int64
	err := s.get(ctx, tx, &customerID, `SELECT id FROM customers WHERE platform = ? AND bot = ? AND external_id = ?`, string(p), bot, externalID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoSuchCustomer
	}
	if err != nil {
		return err
	}
	forgottenCustomer := "forgotten/" + strconv.FormatInt(customerID, 10)
	var convs []forgottenConv
	if err := s.sel(ctx, tx, &convs, `SELECT id, conversation_key, platform, bot, chat_id, chat_type FROM conversations WHERE customer_id = ?`, customerID); err != nil {
		return err
	}
	convIDs := make([]int64, len(convs))
	for i, c := range convs {
		convIDs[i] = c.ID
	}
	handoffIDs, err := f.selectIDs(`SELECT id FROM handoffs WHERE conversation_id IN (IN)`, convIDs)
	if err != nil {
		return err
	}
	events, err := f.events(convs, convIDs, handoffIDs)
	if err != nil {
		return err
	}

	// Their events first: emptied, and unlinked from their platform id.
	pending := map[int64]bool{}
	for _, c := range convs {
		var ids []int64
		if err := s.sel(ctx, tx, &ids, `SELECT id FROM inbox WHERE conversation_key = ? AND state = 'pending'`, c.Key); err != nil {
			return err
		}
		for _, id := range ids {
			pending[id] = true
		}
		if err := f.touch("inbox", &f.out.Events, `UPDATE inbox SET event = '{}', raw = NULL, last_error = NULL, conversation_key = ?
			WHERE conversation_key = ? AND state <> 'pending'`, "forgotten/"+strconv.FormatInt(c.ID, 10), c.Key); err != nil {
			return err
		}
	}
	// Then every other event about them: agents' replies, notes and
	// button presses, whose payloads quote the notification.
	waiting, err := f.selectIDs(`SELECT id FROM inbox WHERE id IN (IN) AND state = 'pending'`, events)
	if err != nil {
		return err
	}
	for _, id := range waiting {
		pending[id] = true
	}
	f.out.Pending = int64(len(pending))
	if err := f.touchIDs("inbox", &f.out.Events, `UPDATE inbox SET event = '{}', raw = NULL, last_error = NULL
		WHERE id IN (IN) AND state <> 'pending' AND (event <> '{}' OR raw IS NOT NULL OR last_error IS NOT NULL)`, events); err != nil {
		return err
	}
	if err := f.traces(convIDs, events); err != nil {
		return err
	}
	if err := f.touchIDs("messages", &f.out.Messages, `UPDATE messages SET text = '', media = '' WHERE conversation_id IN (IN) AND (text <> '' OR media <> '')`, convIDs); err != nil {
		return err
	}
	// Their ratings stay in the figures; what they wrote with one goes.
	if err := f.touchIDs("feedback", nil, `UPDATE feedback SET comment = '' WHERE conversation_id IN (IN) AND comment <> ''`, convIDs); err != nil {
		return err
	}
	if err := f.sends(customerID, p, bot, externalID, convs, convIDs, handoffIDs, events); err != nil {
		return err
	}
	// A handoff of a conversation that no longer names anyone has nobody
	// to answer: it is closed, so no reminder goes to the team about it.
	if err := f.touchIDs("handoffs", nil, `UPDATE handoffs SET state = 'resolved', closed_reason = 'forgotten', closed_at = ?
		WHERE id IN (IN) AND state IN ('waiting', 'claimed')`, handoffIDs, ms(f.now)); err != nil {
		return err
	}
	for _, c := range convs {
		if err := f.touch("conversations", &f.out.Conversations, `UPDATE conversations SET conversation_key = ?, chat_id = '', status = 'bot',
			last_album = '', collecting = NULL, closed_at = COALESCE(closed_at, ?) WHERE id = ?`, "forgotten/"+strconv.FormatInt(c.ID, 10), ms(f.now), c.ID); err != nil {
			return err
		}
		if err := f.touch("team_topics", nil, `DELETE FROM team_topics WHERE conversation_key = ?`, c.Key); err != nil {
			return err
		}
	}
	if err := f.touch("customer_attrs", nil, `DELETE FROM customer_attrs WHERE customer_id = ?`, customerID); err != nil {
		return err
	}
	scope := string(p) + "/" + bot + "/" + externalID
	if err := f.touch("guard_reservations", nil, `DELETE FROM guard_reservations WHERE scope = ?`, scope); err != nil {
		return err
	}
	// Questions asked in public, kept for a private chat.
	if err := f.touch("public_links", nil, `DELETE FROM public_links WHERE platform = ? AND bot = ? AND customer_id = ?`, string(p), bot, externalID); err != nil {
		return err
	}
	return f.touch("customers", nil, `UPDATE customers SET name = '', username = '', language = '', unreachable_reason = '', external_id = ?
		WHERE id = ?`, forgottenCustomer, customerID)
}

// traceStepKept is what of a decision's trace step is kept for a forgotten
// customer: the rules and keyword groups, which reports count. Reasons and
// details are dropped, since they quote the message (an expr error names
// the text it failed on; a typo match shows the word as written), and so
// is any field added later, until someone decides it is safe.
type traceStepKept struct {
	Rule    string  `json:"rule"`
	Matched bool    `json:"matched"`
	Keyword string  `json:"keyword,omitempty"`
	Group   string  `json:"group,omitempty"`
	Match   string  `json:"match,omitempty"`
	Score   float64 `json:"score,omitempty"`
}

// traces redacts the traces of the decisions on their events.
func (f *forgetting) traces(convIDs, events []int64) error {
	var rows []struct {
		ID    int64  `db:"id"`
		Trace string `db:"trace"`
	}
	for _, by := range []struct {
		where string
		ids   []int64
	}{{`conversation_id`, convIDs}, {`inbox_id`, events}} {
		for chunk := range slices.Chunk(by.ids, idChunk) {
			var part []struct {
				ID    int64  `db:"id"`
				Trace string `db:"trace"`
			}
			if err := f.s.sel(f.ctx, f.tx, &part, `SELECT id, trace FROM decisions WHERE `+by.where+` IN (`+placeholders(len(chunk), 1)+`)
				AND trace IS NOT NULL`, anyOf(chunk)...); err != nil {
				return fmt.Errorf("decisions: %w", err)
			}
			rows = append(rows, part...)
		}
	}
	done := map[int64]bool{}
	for _, r := range rows {
		if done[r.ID] {
			continue
		}
		done[r.ID] = true
		var steps []traceStepKept
		var kept any // NULL when the trace is not a list of steps
		if err := json.Unmarshal([]byte(r.Trace), &steps); err == nil {
			b, err := json.Marshal(steps)
			if err != nil {
				return fmt.Errorf("decision %d: %w", r.ID, err)
			}
			if string(b) == r.Trace {
				continue // nothing in it but what is kept
			}
			kept = string(b)
		}
		if err := f.touch("decisions", nil, `UPDATE decisions SET trace = ? WHERE id = ?`, kept, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// events finds the stored events about the customer besides their own
// (which are found by conversation key): those that wrote into their
// conversations (agents' notes), queued sends of their handoffs (agents'
// replies, claims, closes), and agents' messages in the team chats that
// answer a notification of their handoffs or were written in their forum
// topic, even those that changed nothing.
func (f *forgetting) events(convs []forgottenConv, convIDs, handoffIDs []int64) ([]int64, error) {
	s, ctx, tx := f.s, f.ctx, f.tx
	var ids []int64
	for _, q := range []struct {
		query string
		ids   []int64
	}{
		{`SELECT inbox_id FROM messages WHERE conversation_id IN (IN) AND inbox_id IS NOT NULL`, convIDs},
		{`SELECT inbox_id FROM decisions WHERE conversation_id IN (IN)`, convIDs},
		{`SELECT inbox_id FROM outbox WHERE conversation_id IN (IN) AND inbox_id IS NOT NULL`, convIDs},
		{`SELECT inbox_id FROM outbox WHERE handoff_id IN (IN) AND inbox_id IS NOT NULL`, handoffIDs},
	} {
		got, err := f.selectIDs(q.query, q.ids)
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
	}

	// The team-chat messages that stand for them: notifications of their
	// handoffs (agents reply to them, press their buttons) and their topics.
	type teamChat struct{ platform, bot, chatID string }
	replies := map[teamChat]map[string]bool{}
	threads := map[teamChat]map[string]bool{}
	since := int64(-1)
	add := func(into map[teamChat]map[string]bool, c teamChat, id string, at int64) {
		if into[c] == nil {
			into[c] = map[string]bool{}
		}
		into[c][id] = true
		if since < 0 || at < since {
			since = at
		}
	}
	for chunk := range slices.Chunk(handoffIDs, idChunk) {
		var rows []struct {
			Platform  string `db:"platform"`
			Bot       string `db:"bot"`
			ChatID    string `db:"chat_id"`
			MessageID string `db:"message_id"`
			CreatedAt int64  `db:"created_at"`
		}
		if err := s.sel(ctx, tx, &rows, `SELECT m.platform, m.bot, m.chat_id, m.message_id, h.created_at
			FROM handoff_messages m JOIN handoffs h ON h.id = m.handoff_id WHERE m.handoff_id IN (`+placeholders(len(chunk), 1)+`)`,
			anyOf(chunk)...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			add(replies, teamChat{r.Platform, r.Bot, r.ChatID}, r.MessageID, r.CreatedAt)
		}
	}
	for _, c := range convs {
		var rows []struct {
			Platform  string `db:"platform"`
			Bot       string `db:"bot"`
			ChatID    string `db:"chat_id"`
			ThreadID  string `db:"thread_id"`
			CreatedAt int64  `db:"created_at"`
		}
		if err := s.sel(ctx, tx, &rows, `SELECT platform, bot, chat_id, thread_id, created_at FROM team_topics WHERE conversation_key = ?`, c.Key); err != nil {
			return nil, err
		}
		for _, r := range rows {
			add(threads, teamChat{r.Platform, r.Bot, r.ChatID}, r.ThreadID, r.CreatedAt)
		}
	}
	chats := map[teamChat]bool{}
	for c := range replies {
		chats[c] = true
	}
	for c := range threads {
		chats[c] = true
	}
	for c := range chats {
		// An agent's event is keyed by the team chat and the agent; only
		// those since the first notification can be about the customer.
		prefix := chat.ChatKey(chat.Platform(c.platform), c.bot, c.chatID)
		var rows []struct {
			ID    int64  `db:"id"`
			Event string `db:"event"`
		}
		if err := s.sel(ctx, tx, &rows, `SELECT id, event FROM inbox WHERE platform = ? AND bot = ? AND received_at >= ?
			AND (conversation_key = ? OR substr(conversation_key, 1, ?) = ?)`,
			c.platform, c.bot, since, prefix, len(prefix)+1, prefix+"/"); err != nil {
			return nil, err
		}
		for _, r := range rows {
			var ev chat.Event
			if err := json.Unmarshal([]byte(r.Event), &ev); err != nil {
				continue // emptied already, or not an event: nothing of theirs to find in it
			}
			if ev.ChatID != c.chatID {
				continue
			}
			// A command through the HTTP API names its handoff: even one
			// that changed nothing (the handoff closed) quotes the reply.
			if (ev.ReplyTo != "" && replies[c][ev.ReplyTo]) || (ev.ThreadID != "" && threads[c][ev.ThreadID]) ||
				(ev.HandoffID != 0 && slices.Contains(handoffIDs, ev.HandoffID)) {
				ids = append(ids, r.ID)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// sends empties what was sent to them or about them (replies, agents'
// relays, team notifications with their buttons and topic names) and
// cancels what was not sent yet or was given up: emptied, it must not go
// out later.
func (f *forgetting) sends(customerID int64, p chat.Platform, bot, externalID string, convs []forgottenConv, convIDs, handoffIDs, events []int64) error {
	forgottenCustomer := "forgotten/" + strconv.FormatInt(customerID, 10)
	scope := string(p) + "/" + bot + "/" + externalID
	const cancel = `UPDATE outbox SET state = 'cancelled', text = '', buttons = '', topic_name = '', topic_key = '', last_error = '', media = '',
		claimed_by = NULL, claimed_until = NULL WHERE state IN ('pending', 'failed') AND `
	const empty = `UPDATE outbox SET text = '', buttons = '', topic_name = '', topic_key = '', last_error = '', media = ''
		WHERE state NOT IN ('pending', 'failed') AND (text <> '' OR buttons <> '' OR topic_name <> '' OR topic_key <> '' OR last_error <> '' OR media <> '') AND `
	for _, by := range []struct {
		where string
		ids   []int64
	}{
		{`conversation_id IN (IN)`, convIDs},
		{`handoff_id IN (IN)`, handoffIDs},
		{`inbox_id IN (IN)`, events},
	} {
		if err := f.touchIDs("outbox", &f.out.Cancelled, cancel+by.where, by.ids); err != nil {
			return err
		}
		if err := f.touchIDs("outbox", &f.out.Sends, empty+by.where, by.ids); err != nil {
			return err
		}
	}
	if err := f.touch("outbox", &f.out.Cancelled, cancel+`scope = ?`, scope); err != nil {
		return err
	}
	if err := f.touch("outbox", &f.out.Sends, empty+`scope = ?`, scope); err != nil {
		return err
	}
	if err := f.unlink("outbox", `UPDATE outbox SET scope = ? WHERE scope = ?`, forgottenCustomer, scope); err != nil {
		return err
	}
	// In a private chat the chat id is their platform id.
	for _, c := range convs {
		if c.ChatType != string(chat.ChatPrivate) || c.ChatID == "" {
			continue
		}
		if err := f.unlink("outbox", `UPDATE outbox SET chat_id = '', chat_key = ? WHERE chat_key = ?`,
			forgottenCustomer, chat.ChatKey(chat.Platform(c.Platform), c.Bot, c.ChatID)); err != nil {
			return err
		}
	}
	return nil
}
