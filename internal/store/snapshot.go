package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// LoadStates reads what deciding a batch of claimed events needs, one
// snapshot per event, with a few set-based queries on the readers: no write
// transaction is open while the events are decided. A snapshot may be out
// of date by the time its effects are applied; Apply checks that it still
// holds and answers chat.ErrConflict when it does not.
//
// The queries go in two rounds (see reads): what the events' own keys
// find (customers, conversations, guard, incidents, buttons offered), then
// what those rows' ids find (recent messages, attributes, handoffs,
// feedback). On PostgreSQL each round is one round trip.
//
// conversationIdle is how long a conversation may be silent before the
// customer's next message opens a new one.
func (s *Store) LoadStates(ctx context.Context, events []chat.InboxEvent, now time.Time, conversationIdle time.Duration) ([]chat.State, error) {
	states := make([]chat.State, len(events))
	if len(events) == 0 {
		return states, nil
	}
	l := loader{s: s, now: now}
	first := s.newReads(ctx)
	steps := []loadStep{l.customers(first, events, states), l.conversations(first, events, states, conversationIdle)}
	if !s.skipGuardState {
		steps = append(steps, l.guard(first, events, states))
	}
	steps = append(steps, l.incidents(first, states), l.offered(first, events, states))
	if err := first.run(); err != nil {
		return nil, unavailable("load state", err)
	}
	second := s.newReads(ctx)
	var fill []func()
	for _, step := range steps {
		fill = append(fill, step(second))
	}
	// After the conversations' step: it reads them by the ids it found.
	fill = append(fill, l.feedback(second, events, states))
	if err := second.run(); err != nil {
		return nil, unavailable("load state", err)
	}
	// In the loaders' order: a customer's snapshot is written whole
	// before the guard adds to it.
	for _, f := range fill {
		f()
	}
	return states, nil
}

// loadStep is a loader's part after the first round of reads has run: it
// adds its queries of the second round, and returns what fills the
// snapshots once that round has run.
type loadStep func(second *reads) (fill func())

// filled is the step of a loader that needs no second round.
func filled(fill func()) loadStep {
	return func(*reads) func() { return fill }
}

type loader struct {
	s   *Store
	now time.Time
}

// placeholders writes n groups of width question marks: "(?, ?), (?, ?)".
func placeholders(n, width int) string {
	group := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	if width == 1 {
		group = "?"
	}
	return strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}

func (l *loader) customers(first *reads, events []chat.InboxEvent, states []chat.State) loadStep {
	type key struct{ platform, bot, id string }
	var args []any
	seen := map[key]bool{}
	for i, ie := range events {
		states[i].Customer.New = true
		k := key{string(ie.Platform), ie.Bot, ie.Customer.ID}
		if k.id == "" || seen[k] {
			continue
		}
		seen[k] = true
		args = append(args, k.platform, k.bot, k.id)
	}
	if len(args) == 0 {
		return filled(func() {})
	}
	var rows []struct {
		ID       int64  `db:"id"`
		Platform string `db:"platform"`
		Bot      string `db:"bot"`
		External string `db:"external_id"`
		Blocked  bool   `db:"blocked"`
		ByTeam   bool   `db:"blocked_by_team"`
	}
	query, args := l.s.customersQuery(args)
	readInto(first, &rows, query, args...)
	return func(second *reads) func() {
		type counts struct {
			id      int64
			blocked bool
			byTeam  bool
			h1, h24 int
		}
		found := make(map[key]*counts, len(rows))
		byID := make(map[int64]*counts, len(rows))
		ids := make([]any, 0, len(rows))
		for _, r := range rows {
			c := &counts{id: r.ID, blocked: r.Blocked, byTeam: r.ByTeam}
			found[key{r.Platform, r.Bot, r.External}] = c
			byID[r.ID] = c
			ids = append(ids, r.ID)
		}
		var recent []struct {
			Customer int64 `db:"customer_id"`
			H1       int   `db:"h1"`
			H24      int   `db:"h24"`
		}
		var attrRows []attrRow
		if len(ids) > 0 {
			// The customer's recent messages, across conversations, so
			// rules can spot floods.
			in, listed := l.s.in(ids)
			readInto(second, &recent, recentMessagesQuery(in, l.s.postgres),
				append([]any{ms(l.now.Add(-time.Hour)), ms(l.now.Add(-24 * time.Hour))}, listed...)...)
			query, args := l.s.attrsQuery(ids)
			readInto(second, &attrRows, query, args...)
		}
		return func() {
			for _, c := range recent {
				byID[c.Customer].h1, byID[c.Customer].h24 = c.H1, c.H24
			}
			attrs := attrsByCustomer(attrRows)
			for i, ie := range events {
				c := found[key{string(ie.Platform), ie.Bot, ie.Customer.ID}]
				if c == nil || ie.Customer.ID == "" {
					continue
				}
				// A customer who writes has unblocked the bot, whatever an
				// earlier refused send recorded.
				states[i].Customer = chat.CustomerState{New: false, Blocked: c.blocked && !ie.Kind.Decidable(), BlockedByTeam: c.byTeam, Messages1h: c.h1, Messages24h: c.h24,
					Attrs: attrs[c.id]}
			}
		}
	}
}

// customersQuery finds a batch's customers by (platform, bot, external
// id), the keys given three values each.
func (s *Store) customersQuery(keys []any) (string, []any) {
	return s.customersByKey(`c.id, c.platform, c.bot, c.external_id, c.blocked <> 0 AS blocked, c.blocked_by_team <> 0 AS blocked_by_team`, keys)
}

// customersByKey selects columns of the customers (c) whose (platform,
// bot, external id) are among keys, three values each. On PostgreSQL the
// keys are joined as a table: "(platform, bot, external_id) IN (…)" became
// a walk of the bot's every customer filtered by id, 17 ms a batch with
// 15,000 customers, whenever the statistics did not say that every
// customer has the same platform and bot. SQLite looks each key up in the
// unique index either way; with 100,000 customers it answered about 5 %
// more replies a second with this query and the next in their first
// spelling.
func (s *Store) customersByKey(columns string, keys []any) (string, []any) {
	if !s.postgres {
		in, keys := s.tuplesIn(3, keys)
		return `SELECT ` + columns + ` FROM customers c WHERE (c.platform, c.bot, c.external_id) IN (` + in + `)`, keys
	}
	rows, keys := s.typedRows(len(keys)/3, keys, "TEXT", "TEXT", "TEXT")
	return `WITH k (platform, bot, external_id) AS (` + rows + `)
		SELECT ` + columns + ` FROM k JOIN customers c ON c.platform = k.platform AND c.bot = k.bot AND c.external_id = k.external_id`, keys
}

// recentMessagesQuery counts the incoming messages of the customers of the
// list in (see Store.in); its arguments are the times 1 h and 24 h ago,
// then the list's. On
// PostgreSQL it counts conversation by conversation in the index of
// incoming messages by time: joined, the planner drove the join from every
// incoming message of the last day (its statistics did not know of the
// minutes-old ones), 40-80 ms a batch with the load tool's 17,000. SQLite
// plans the join from the conversations, and runs it faster than the
// subqueries.
func recentMessagesQuery(in string, postgres bool) string {
	if !postgres {
		return `SELECT c.customer_id, COALESCE(SUM(CASE WHEN m.created_at >= ? THEN 1 ELSE 0 END), 0) AS h1, COUNT(*) AS h24
			FROM conversations c JOIN messages m ON m.conversation_id = c.id
			WHERE m.created_at >= ? AND c.customer_id IN (` + in + `) AND m.direction = 'in'
			GROUP BY c.customer_id`
	}
	recent := `(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in' AND m.created_at >= ?)`
	return `SELECT c.customer_id, CAST(SUM(` + recent + `) AS BIGINT) AS h1, CAST(SUM(` + recent + `) AS BIGINT) AS h24
		FROM conversations c WHERE c.customer_id IN (` + in + `)
		GROUP BY c.customer_id`
}

func (l *loader) conversations(first *reads, events []chat.InboxEvent, states []chat.State, idle time.Duration) loadStep {
	keys := make([]any, 0, len(events))
	for _, ie := range events {
		if ie.ChatID != "" {
			keys = append(keys, ie.ConversationKey())
		}
	}
	var rows []conversationRow
	if len(keys) > 0 {
		in, keys := l.s.in(keys)
		readInto(first, &rows, `SELECT id, conversation_key, status, started_at, last_customer_at, customer_messages, last_album, burst_sends, collecting, person_at
			FROM conversations WHERE conversation_key IN (`+in+`) AND closed_at IS NULL`, keys...)
	}
	// The snapshots' conversations are filled before the second round:
	// the feedback's queries take their ids.
	return func(second *reads) func() {
		byKey := make(map[string]conversationRow, len(rows))
		for _, r := range rows {
			byKey[r.Key] = r
		}
		var waiting []any
		for i, ie := range events {
			if ie.ChatID == "" {
				continue
			}
			c, ok := byKey[ie.ConversationKey()]
			if !ok || l.now.Sub(fromMS(c.LastCustomerAt)) >= idle {
				states[i].Conversation = chat.Conversation{New: true, Status: chat.StatusBot, Started: l.now}
				if ok {
					states[i].Conversation.Basis = chat.ConversationBasis{ID: c.ID, Status: chat.ConversationStatus(c.Status)}
					states[i].Conversation.PersonAt = fromNullMS(c.PersonAt)
				}
				continue
			}
			states[i].Conversation = chat.Conversation{
				ID:               c.ID,
				Status:           chat.ConversationStatus(c.Status),
				Started:          fromMS(c.StartedAt),
				CustomerMessages: c.CustomerMessages,
				LastCustomerAt:   fromMS(c.LastCustomerAt),
				LastAlbum:        c.LastAlbum,
				BurstSends:       c.BurstSends,
				Collecting:       decodeCollection(c.Collecting),
				PersonAt:         fromNullMS(c.PersonAt),
				Basis:            chat.ConversationBasis{ID: c.ID, Status: chat.ConversationStatus(c.Status)},
			}
			if c.Status == string(chat.StatusWaitingForHuman) {
				waiting = append(waiting, c.ID)
			}
		}
		if len(waiting) == 0 {
			return func() {}
		}
		var hs []struct {
			ID           int64  `db:"id"`
			Conversation int64  `db:"conversation_id"`
			Team         string `db:"team"`
			State        string `db:"state"`
			ClaimedBy    string `db:"claimed_by"`
			ClaimedByID  string `db:"claimed_by_id"`
			IncidentID   *int64 `db:"incident_id"`
			ClosesAt     *int64 `db:"closes_at"`
		}
		in, waiting := l.s.in(waiting)
		readInto(second, &hs, `SELECT id, conversation_id, team, state, claimed_by, claimed_by_id, incident_id, closes_at FROM handoffs
			WHERE conversation_id IN (`+in+`) AND state IN ('waiting', 'claimed')`, waiting...)
		return func() {
			open := make(map[int64]chat.OpenHandoff, len(hs))
			for _, h := range hs {
				oh := chat.OpenHandoff{ID: h.ID, Team: h.Team, State: chat.HandoffState(h.State), ClaimedBy: chat.Agent{ID: h.ClaimedByID, Name: h.ClaimedBy}}
				if h.IncidentID != nil {
					oh.IncidentID = *h.IncidentID
				}
				if h.ClosesAt != nil {
					oh.ClosesAt = fromMS(*h.ClosesAt)
				}
				open[h.Conversation] = oh
			}
			for i := range states {
				c := &states[i].Conversation
				if h, ok := open[c.ID]; ok && !c.New {
					c.Handoff = &h
				}
			}
		}
	}
}

// guard reads what the frequency guard decides from: the keys taken for
// each customer and how many messages the bot sent them in the last hour.
// The keys' uniqueness is the backstop when they change before Apply.
func (l *loader) guard(first *reads, events []chat.InboxEvent, states []chat.State) loadStep {
	var scopes []any
	seen := map[string]bool{}
	for _, ie := range events {
		if ie.ChatID == "" {
			continue
		}
		if sc := ie.CustomerScope(); !seen[sc] {
			seen[sc] = true
			scopes = append(scopes, sc)
		}
	}
	var keys []struct {
		Scope string `db:"scope"`
		Key   string `db:"key"`
	}
	var sent [][]scopeCount
	if len(scopes) > 0 {
		in, padded := l.s.in(scopes)
		readInto(first, &keys, `SELECT scope, key FROM guard_reservations WHERE scope IN (`+in+`) AND expires_at > ?`,
			append(append([]any{}, padded...), ms(l.now))...)
		// Each chunk's rows have their own slice, made before any is
		// handed out: the script keeps the pointers until it runs.
		qs := l.s.sentLastHourQueries(scopes, l.now)
		sent = make([][]scopeCount, len(qs))
		for i, q := range qs {
			readInto(first, &sent[i], q.query, q.args...)
		}
	}
	return filled(func() {
		reserved := map[string][]string{}
		for _, k := range keys {
			reserved[k.Scope] = append(reserved[k.Scope], k.Key)
		}
		sentBy := map[string]int{}
		for _, chunk := range sent {
			for _, n := range chunk {
				sentBy[n.Scope] = n.N
			}
		}
		for i, ie := range events {
			states[i].Customer.Reserved = map[string]bool{}
			if ie.ChatID == "" {
				continue
			}
			sc := ie.CustomerScope()
			states[i].Customer.SentLastHour = sentBy[sc]
			for _, k := range reserved[sc] {
				states[i].Customer.Reserved[k] = true
			}
		}
	})
}

// sentLastHour counts, per guard scope (chat.CustomerScope), the messages
// queued to the customer in the hour before now, failed ones aside: what
// the guard's hourly limit counts.
func (s *Store) sentLastHour(ctx context.Context, scopes []any, now time.Time) (map[string]int, error) {
	sentBy := map[string]int{}
	for _, q := range s.sentLastHourQueries(scopes, now) {
		var sent []scopeCount
		if err := s.readSel(ctx, &sent, q.query, q.args...); err != nil {
			return nil, err
		}
		for _, n := range sent {
			sentBy[n.Scope] = n.N
		}
	}
	return sentBy, nil
}

// scopeCount is a count of one guard scope's messages.
type scopeCount struct {
	Scope string `db:"scope"`
	N     int    `db:"n"`
}

// query is a statement and its arguments.
type query struct {
	query string
	args  []any
}

// sentLastHourQueries are sentLastHour's statements: scopes go 1,000 to
// one, under either database's limit on bound values.
func (s *Store) sentLastHourQueries(scopes []any, now time.Time) []query {
	var qs []query
	for len(scopes) > 0 {
		chunk := scopes[:min(len(scopes), 1000)]
		scopes = scopes[len(chunk):]
		in, chunk := s.in(chunk)
		qs = append(qs, query{`SELECT scope, COUNT(*) AS n FROM outbox WHERE scope IN (` + in + `)
			AND created_at > ? AND state <> 'failed' GROUP BY scope`, append(append([]any{}, chunk...), ms(now.Add(-time.Hour)))})
	}
	return qs
}

// incidents reads the open incidents, which rules may mention. There are
// few, and the partial index holds only open ones.
func (l *loader) incidents(first *reads, states []chat.State) loadStep {
	var rows []struct {
		ID       int64  `db:"id"`
		Team     string `db:"team"`
		Cause    string `db:"cause"`
		Handoffs int    `db:"handoffs"`
		Started  int64  `db:"started_at"`
		OwnerID  string `db:"owner_id"`
		Owner    string `db:"owner"`
		Status   string `db:"status"`
		Updates  int    `db:"updates"`
	}
	readInto(first, &rows, `SELECT id, team, cause, handoffs, started_at, owner_id, owner, status, updates
		FROM incidents WHERE state = 'open'`)
	return filled(func() {
		if len(rows) == 0 {
			return
		}
		open := make([]chat.Incident, len(rows))
		for i, r := range rows {
			open[i] = chat.Incident{ID: r.ID, Team: r.Team, Cause: r.Cause, Handoffs: r.Handoffs, Started: fromMS(r.Started),
				Owner: chat.Agent{ID: r.OwnerID, Name: r.Owner}, Status: r.Status, Updates: r.Updates}
		}
		for i := range states {
			states[i].Incidents = open
		}
	})
}

// offered reads, for each button press, the bot's messages with buttons
// in the chats the message pressed may be in (Event.PressedChats): the
// one the press names (Event.ReplyTo), and those that may have been sent
// but are not recorded yet (their platform id unknown). The outbox keeps
// every message's buttons and, once sent, its platform id, so messages
// sent before this was read are covered too. Whether a press is genuine is
// for deciding to say.
func (l *loader) offered(first *reads, events []chat.InboxEvent, states []chat.State) loadStep {
	var chats []any
	messages := []any{""}
	seenChat, seenMessage := map[string]bool{}, map[string]bool{"": true}
	for _, ie := range events {
		if ie.Kind != chat.KindCallback || ie.ReplyTo == "" {
			continue
		}
		for _, k := range ie.PressedChats() {
			if !seenChat[k] {
				seenChat[k] = true
				chats = append(chats, k)
			}
		}
		if !seenMessage[ie.ReplyTo] {
			seenMessage[ie.ReplyTo] = true
			messages = append(messages, ie.ReplyTo)
		}
	}
	if len(chats) == 0 {
		return filled(func() {})
	}
	var rows []offeredRow
	// Two lists rather than a list of pairs: SQLite searches the index
	// with the former and scans it with the latter. The few rows of other
	// pairs this also reads are never looked up. A row without a platform
	// id may have been sent when it has been tried; one never tried has
	// not.
	inChats, chats := l.s.in(chats)
	inMessages, messages := l.s.in(messages)
	readInto(first, &rows, `SELECT chat_key, platform_message_id, buttons FROM outbox
		WHERE chat_key IN (`+inChats+`) AND platform_message_id IN (`+inMessages+`)
		AND buttons <> '' AND (platform_message_id <> '' OR (state = 'pending' AND attempts > 0))
		ORDER BY id`, append(chats, messages...)...)
	return filled(func() { fillOffered(events, states, rows) })
}

// fillOffered adds to the snapshots of button presses the messages with
// buttons read for them.
func fillOffered(events []chat.InboxEvent, states []chat.State, rows []offeredRow) {
	type key struct{ chatKey, messageID string }
	offers := make(map[key][]chat.Offer, len(rows))
	for _, r := range rows {
		var grid [][]chat.Button
		if json.Unmarshal([]byte(r.Buttons), &grid) != nil {
			// A row that cannot be read offers nothing: its presses are
			// refused, rather than every batch holding one failing.
			continue
		}
		k := key{r.ChatKey, r.MessageID}
		offers[k] = append(offers[k], chat.Offer{MessageID: r.MessageID, Buttons: slices.Concat(grid...)})
	}
	for i, ie := range events {
		if ie.Kind != chat.KindCallback || ie.ReplyTo == "" {
			continue
		}
		for _, k := range ie.PressedChats() {
			states[i].Offered = append(states[i].Offered, offers[key{k, ie.ReplyTo}]...)
			states[i].Offered = append(states[i].Offered, offers[key{k, ""}]...)
		}
	}
}

// offeredRow is a message with buttons, for a press to be checked against.
type offeredRow struct {
	ChatKey   string `db:"chat_key"`
	MessageID string `db:"platform_message_id"`
	Buttons   string `db:"buttons"`
}

// LoadDetails adds to the snapshots of events (states[i] is events[i]'s)
// what a handoff needs: who the customer is with the conversation's last
// messages (chat.CustomerContext), and, for each team and cause asked
// about, the handoffs since a moment that no resolved incident took care
// of (up to want.CountUpTo). The contexts of all of them are read
// together; causes are few (one per team and rule handing off).
func (s *Store) LoadDetails(ctx context.Context, events []chat.InboxEvent, states []*chat.State, want chat.DetailsWanted) error {
	keys := make([]chat.ContextKey, len(events))
	for i, ie := range events {
		keys[i] = chat.ContextKey{Platform: ie.Platform, Bot: ie.Bot, CustomerID: ie.Customer.ID}
		if c := states[i].Conversation; !c.New {
			keys[i].ConversationID = c.ID
		}
	}
	contexts, err := s.customerContexts(ctx, keys, want.HistoryLines)
	if err != nil {
		return unavailable("load history", err)
	}
	recent := map[chat.TeamCause]int{}
	for i := range states {
		states[i].Details = chat.Details{Loaded: true, Context: contexts[i], RecentHandoffs: recent}
	}
	upTo := want.CountUpTo
	if upTo <= 0 {
		upTo = math.MaxInt32
	}
	for _, tc := range want.Causes {
		var n int
		if err := s.readGet(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM handoffs WHERE team = ? AND rule = ? AND created_at >= ?
			AND created_at >= COALESCE((SELECT MAX(closed_at) FROM incidents WHERE team = ? AND cause = ?), 0) LIMIT ?) AS recent`,
			tc.Team, tc.Cause, ms(want.Since), tc.Team, tc.Cause, upTo); err != nil {
			return unavailable("count handoffs", fmt.Errorf("%s/%s: %w", tc.Team, tc.Cause, err))
		}
		recent[tc] = n
	}
	return nil
}
