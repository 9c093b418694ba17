package store

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// TestClaimsUseIndexes guards against claims that scan whole tables: they
// run for every message, and the tables keep history.
func TestClaimsUseIndexes(t *testing.T) {
	s := openTest(t)
	waitingList, _ := s.typedRows(3, make([]any, 3), "TEXT")
	customers, _ := s.customersQuery(make([]any, 9))
	threeIDs, _ := s.in(make([]any, 3))
	accepted, _ := s.rows(acceptedRow, 3, make([]any, 3*len(acceptedRow.types)))
	leased, _ := s.rows(leasedRow, 3, make([]any, 3*len(leasedRow.types)))
	replies, _ := s.rows(outgoingRow, 3, make([]any, 3*len(outgoingRow.types)))
	for name, q := range map[string]string{
		// Each row asks whether its line has an unclaimed row ahead.
		"an accepted group":        acceptInsert(accepted, false),
		"an accepted group leased": acceptInsert(leased, true),
		"a batch's replies":        outgoingInsert(replies),
		"inbox claim": `SELECT i.id FROM inbox i WHERE i.state = 'pending' AND i.waits = 0 AND i.id >= 1 AND i.next_attempt_at <= 1
			AND (i.claimed_until IS NULL OR i.claimed_until < 1)
			AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.state = 'pending' AND e.conversation_key = i.conversation_key AND e.id < i.id)
			ORDER BY i.id LIMIT 4`,
		"outbox claim": `SELECT o.id FROM outbox o WHERE o.state = 'pending' AND o.waits = 0 AND o.next_attempt_at <= 1
			AND (o.claimed_until IS NULL OR o.claimed_until < 1)
			AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.state = 'pending' AND e.chat_key = o.chat_key AND e.id < o.id)
			ORDER BY (o.created_at - o.priority * 60000), o.id LIMIT 4`,
		"look over waiting events":   inboxLines.staleHeadsQuery(),
		"look over waiting messages": outboxLines.staleHeadsQuery(),
		"customers of a batch":       customers,
		"their recent messages":      recentMessagesQuery(threeIDs, false),
		"messages waiting in chats":  waitingQuery(waitingList),
	} {
		var rows []struct {
			ID, Parent, NotUsed int
			Detail              string
		}
		// A plan does not depend on the values: every parameter is 1.
		if err := s.r.SelectContext(context.Background(), &rows, "EXPLAIN QUERY PLAN "+strings.ReplaceAll(q, "?", "1")); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Detail == "SCAN lines" {
				continue // the look's own list of lines, built from an index
			}
			if strings.HasSuffix(r.Detail, "VALUES CLAUSE") {
				continue // the statement's own list of values
			}
			if strings.HasPrefix(q, "INSERT") && r.Parent == 0 {
				// An insert's own steps are its VALUES; the others at the
				// top are SQLite's checks of the rows whose foreign keys
				// name the table, which run only while a violation is
				// outstanding (OP_FkIfZero).
				continue
			}
			if (strings.HasPrefix(r.Detail, "SCAN ") && !strings.Contains(r.Detail, "USING") && !strings.Contains(r.Detail, "CONSTANT ROW")) || strings.Contains(r.Detail, "TEMP B-TREE") {
				t.Errorf("%s: plan step %q scans or sorts instead of using an index", name, r.Detail)
			}
		}
		// A queued row's line is looked up by key, not walked for.
		if strings.HasPrefix(name, "an accepted group") && !planUses(rows, "inbox_pending (conversation_key=?)") {
			t.Errorf("%s: plan %+v does not look its line up in inbox_pending", name, rows)
		}
		if name == "a batch's replies" && !planUses(rows, "outbox_pending (chat_key=?)") {
			t.Errorf("%s: plan %+v does not look its line up in outbox_pending", name, rows)
		}
		// The sender's claim walks only the messages that wait for no
		// other: not a team chat's whole queue of notices.
		if name == "outbox claim" && (len(rows) == 0 || !strings.Contains(rows[0].Detail, "outbox_claim_heads")) {
			t.Errorf("%s: plan %+v does not walk outbox_claim_heads", name, rows)
		}
		// A team chat's queue is read up to its first unheld message, not
		// whole: an EXISTS per chat asked.
		if name == "messages waiting in chats" && !planUses(rows, "EXISTS") {
			t.Errorf("%s: plan %+v does not stop at each chat's first message", name, rows)
		}
		// Event claims likewise walk only the events first in line.
		if name == "inbox claim" && (len(rows) == 0 || !strings.Contains(rows[0].Detail, "inbox_claim_heads")) {
			t.Errorf("%s: plan %+v does not walk inbox_claim_heads", name, rows)
		}
		// From line to line through the index of waiting rows, not every
		// pending one.
		for look, index := range map[string]string{"look over waiting events": "inbox_waiting", "look over waiting messages": "outbox_waiting"} {
			if name == look && !planUses(rows, index) {
				t.Errorf("%s: plan %+v does not use %s", name, rows, index)
			}
		}
	}
}

// TestPostgresLookupsUseIndexes: on tables big enough for reading them
// whole to cost more than an index, PostgreSQL plans the batch's customer
// lookups, their recent message counts and the look over waiting messages
// through indexes. These three were a third of PostgreSQL's time in a load
// run (pg_stat_statements; the README's performance section): there the
// statistics lagged tables growing by thousands of rows a second, which
// this test does not reproduce. It keeps them index-driven when the
// statistics are right, the looks over waiting rows on their indexes, and
// an event claim's walk on the events first in line.
func TestPostgresLookupsUseIndexes(t *testing.T) {
	s := openPostgresTest(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO customers (platform, bot, external_id, first_seen_at, last_seen_at)
			SELECT 'telegram', 'shop', g::text, 0, 0 FROM generate_series(1, 50000) g`,
		`INSERT INTO conversations (conversation_key, platform, bot, chat_id, customer_id, started_at, last_customer_at)
			SELECT 'telegram/shop/' || external_id, 'telegram', 'shop', external_id, id, 0, 0 FROM customers`,
		`INSERT INTO messages (conversation_id, direction, kind, created_at)
			SELECT c.id, 'in', 'text', g * 1000 FROM conversations c, generate_series(1, 4) g WHERE c.id <= 5000`,
		`ANALYZE messages`,
		// Messages newer than the statistics know of, as in any busy
		// hour: the planner thinks none are that recent.
		`INSERT INTO messages (conversation_id, direction, kind, created_at)
			SELECT c.id, 'in', 'text', 100000 + g FROM conversations c, generate_series(1, 4) g WHERE c.id <= 5000`,
		`INSERT INTO outbox (platform, bot, chat_id, chat_key, action, text, state, next_attempt_at, created_at, waits)
			SELECT 'telegram', 'shop', (g % 500)::text, 'telegram/shop/' || (g % 500), 'reply', 'x',
				CASE WHEN g > 19000 THEN 'pending' ELSE 'sent' END, 0, g, CASE WHEN g > 19500 THEN 1 ELSE 0 END
			FROM generate_series(1, 20000) g`,
		// A backlog: 200 conversations, each with one event first in line
		// and the rest waiting behind it.
		`INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at, state, waits)
			SELECT 'telegram', 'shop', g::text, 'telegram/shop/' || (g % 200), 'message', '{}', g,
				CASE WHEN g > 10000 THEN 'pending' ELSE 'done' END, CASE WHEN g > 10200 THEN 1 ELSE 0 END
			FROM generate_series(1, 30000) g`,
		`ANALYZE customers`, `ANALYZE conversations`, `ANALYZE outbox`, `ANALYZE inbox`,
	} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// A batch's worth of customers.
	var keys, ids []any
	for i := range 64 {
		keys = append(keys, "telegram", "shop", strconv.Itoa(i*70+1))
		ids = append(ids, i*70+1)
	}
	customers, keys := s.customersQuery(keys)
	inIDs, ids := s.in(ids)
	for _, tt := range []struct {
		name, query string
		args        []any
		want        string // in the plan, when reading no table whole is not enough
	}{
		{"customers of a batch", customers, keys, ""},
		{"their recent messages", recentMessagesQuery(inIDs, true), append([]any{100003, 50000}, ids...), "conversation_id = c.id"},
		{"the look over waiting messages", outboxLines.staleHeadsQuery(), nil, "outbox_waiting"},
		{"the look over waiting events", inboxLines.staleHeadsQuery(), nil, "inbox_waiting"},
		{"an event claim's walk", `SELECT i.id FROM inbox i WHERE i.state = 'pending' AND i.waits = 0 AND i.id >= 1 AND i.next_attempt_at <= 1
			AND (i.claimed_until IS NULL OR i.claimed_until < 1)
			AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.state = 'pending' AND e.conversation_key = i.conversation_key AND e.id < i.id)
			ORDER BY i.id LIMIT 64 FOR NO KEY UPDATE SKIP LOCKED`, nil, "inbox_claim_heads"},
	} {
		var plan []string
		if err := s.w.SelectContext(ctx, &plan, s.pg("EXPLAIN "+tt.query), tt.args...); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "Seq Scan") {
			t.Errorf("%s: reads a table whole:\n%s", tt.name, text)
		}
		if !strings.Contains(text, tt.want) {
			t.Errorf("%s: the plan does not have %q:\n%s", tt.name, tt.want, text)
		}
	}
}

func planUses(rows []struct {
	ID, Parent, NotUsed int
	Detail              string
}, index string) bool {
	for _, r := range rows {
		if strings.Contains(r.Detail, index) {
			return true
		}
	}
	return false
}

// onOneConnection opens a PostgreSQL store for a test and one connection
// of it, so that what the test prepares and sets stays in one session; run
// executes a statement there.
func onOneConnection(t *testing.T) (*Store, *sqlx.Conn, func(string)) {
	t.Helper()
	s := openPostgresTest(t)
	conn, err := s.w.Connx(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	run := func(q string) {
		t.Helper()
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return s, conn, run
}

// statisticsScenario is a state the queues' statistics can be in when a
// statement is planned: before runs first, after brings the backlog the
// statistics do not know of.
type statisticsScenario struct {
	name          string
	before, after []string
	// plannedEmpty: the tables were empty when planned. A plan made then
	// and kept reads them whole (nothing is cheaper than reading nothing),
	// whatever the statement, until the next ANALYZE replaces it: the
	// autovacuum's, after 50 rows. Only statements planned at each call
	// are checked in that state.
	plannedEmpty bool
}

// staleStatistics are the states of the statistics that gave the queues'
// statements bad plans (see TestClaimPlansIgnoreStaleStatistics), each
// followed by a backlog of 1,000 pending rows in 300 lines per queue, over
// 20,000 finished ones.
func staleStatistics() []statisticsScenario {
	backlog := []string{
		// 300 conversations with 1,000 pending events, the first 100 in
		// line already claimed; and the outbox's counterpart.
		`INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at, state, waits, claimed_until)
			SELECT 'telegram', 'shop', 'b' || g, 'telegram/shop/b' || (g % 300), 'message', '{}', g, 'pending',
				CASE WHEN g > 300 THEN 1 ELSE 0 END, CASE WHEN g <= 100 THEN 9000000 END
			FROM generate_series(1, 1000) g`,
		`INSERT INTO outbox (platform, bot, chat_id, chat_key, action, text, state, next_attempt_at, created_at, waits)
			SELECT 'telegram', 'shop', (g % 300)::text, 'telegram/shop/b' || (g % 300), 'reply', 'x', 'pending', 0, 500000 + g,
				CASE WHEN g > 300 THEN 1 ELSE 0 END
			FROM generate_series(1, 1000) g`,
	}
	// After an outage: 3,000 lines ten rows deep on each queue.
	bigBacklog := []string{
		`INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at, state, waits)
			SELECT 'telegram', 'shop', 'bb' || g, 'telegram/shop/b' || (g % 3000), 'message', '{}', g, 'pending',
				CASE WHEN g > 3000 THEN 1 ELSE 0 END
			FROM generate_series(1, 30000) g`,
		`INSERT INTO outbox (platform, bot, chat_id, chat_key, action, text, state, next_attempt_at, created_at, waits)
			SELECT 'telegram', 'shop', (g % 3000)::text, 'telegram/shop/b' || (g % 3000), 'reply', 'x', 'pending', 0, 500000 + g,
				CASE WHEN g > 3000 THEN 1 ELSE 0 END
			FROM generate_series(1, 30000) g`,
	}
	history := []string{
		`INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at, state)
			SELECT 'telegram', 'shop', 'h' || g, 'telegram/shop/h' || (g % 3000), 'message', '{}', g,
				CASE WHEN g % 4000 = 0 THEN 'pending' ELSE 'done' END
			FROM generate_series(1, 20000) g`,
		`INSERT INTO outbox (platform, bot, chat_id, chat_key, action, text, state, next_attempt_at, created_at)
			SELECT 'telegram', 'shop', (g % 3000)::text, 'telegram/shop/h' || (g % 3000), 'reply', 'x',
				CASE WHEN g % 4000 = 0 THEN 'pending' ELSE 'sent' END, 0, g
			FROM generate_series(1, 20000) g`,
	}
	return []statisticsScenario{
		// A new deployment: the queues never analyzed, one row each.
		{"planned on new queues", []string{
			`INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at) VALUES ('telegram', 'shop', 'n', 'telegram/shop/n', 'message', '{}', 0)`,
			`INSERT INTO outbox (platform, bot, chat_id, chat_key, action, text, next_attempt_at, created_at) VALUES ('telegram', 'shop', 'n', 'telegram/shop/n', 'reply', 'x', 0, 0)`,
		}, append(history, backlog...), false},
		{"analyzed when few were pending", append(history, `ANALYZE inbox`, `ANALYZE outbox`), backlog, false},
		// A deployment whose queues were always drained when analyzed:
		// the statistics say nothing is pending, and the pending rows'
		// indexes hold nothing but the backlog.
		{"analyzed with nothing pending", []string{
			`INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at, state)
				SELECT 'telegram', 'shop', 'd' || g, 'telegram/shop/d' || (g % 3000), 'message', '{}', g, 'done'
				FROM generate_series(1, 50000) g`,
			`INSERT INTO outbox (platform, bot, chat_id, chat_key, action, text, state, next_attempt_at, created_at)
				SELECT 'telegram', 'shop', (g % 3000)::text, 'telegram/shop/d' || (g % 3000), 'reply', 'x', 'sent', 0, g
				FROM generate_series(1, 50000) g`,
			`ANALYZE inbox`, `ANALYZE outbox`}, bigBacklog, false},
		{"analyzed while empty", []string{`ANALYZE inbox`, `ANALYZE outbox`}, append(history, backlog...), true},
		// A burst that drained: the pending rows' indexes have pages, and
		// the statistics say none of them is pending.
		{"analyzed after a burst drained", append(history,
			`UPDATE inbox SET state = 'done' WHERE state = 'pending'`, `UPDATE outbox SET state = 'sent' WHERE state = 'pending'`,
			`ANALYZE inbox`, `ANALYZE outbox`), backlog, false},
	}
}

// The claims run for every batch while the queues go from empty to a
// backlog in seconds, and the statistics lag. Whatever they say, a
// claim's check that a candidate is first in its line must look the line
// up by key, and its update must not walk the table per candidate: plans
// that did made single claims take seconds with three replicas. The
// statements are planned at each call (plannedEachCall; the look has no
// arguments, which pgx sends unprepared), as EXPLAIN EXECUTE under
// force_custom_plan plans them here, with the statistics as the scenario
// left them and the backlog there.
func TestClaimPlansIgnoreStaleStatistics(t *testing.T) {
	now := int64(1_000_000)
	for _, tt := range staleStatistics() {
		t.Run(tt.name, func(t *testing.T) {
			s, conn, run := onOneConnection(t)
			ctx := context.Background()
			for _, q := range tt.before {
				run(q)
			}
			run(`SET plan_cache_mode = force_custom_plan`)
			outboxQuery, _ := s.claimDue("owner", time.UnixMilli(now), time.UnixMilli(2*now), 64)
			ids, _ := s.in(make([]any, 3)) // padded to four: the fourth is NULL below
			// Each statement, its arguments, and how it must look a line up.
			claims := []struct{ name, query, args, lookup string }{
				{"event claim", s.claimEventsQuery(),
					`(0, 1000000, 1000000, 64, 5, 'owner', 5, 2000000, 5, 'cause', 5, 5, 1000000)`, "conversation_key = i.conversation_key"},
				{"message claim", outboxQuery, `(-10000000, 1000000, 1000000, 64, 'owner', 2000000, 1000000)`, "chat_key = o.chat_key"},
				// What runs with every batch applied, and once a second.
				{"events marked done", markDoneQuery(ids), `(1, 5, 6, 7, NULL)`, "conversation_key = inbox.conversation_key"},
				{"events let go after those done", inboxLines.unparkNextQuery(ids), `(5, 6, 7, NULL)`, "conversation_key = done.conversation_key"},
				{"messages let go after those sent", outboxLines.unparkNextQuery(ids), `(5, 6, 7, NULL)`, "chat_key = done.chat_key"},
				{"the look over waiting events", inboxLines.staleHeadsQuery(), ``, "conversation_key = lines.k"},
				{"the look over waiting messages", outboxLines.staleHeadsQuery(), ``, "chat_key = lines.k"},
				// What the senders ask whenever they go idle.
				{"when the next message is due", s.nextDueQuery(), ``, "chat_key = o.chat_key"},
			}
			for _, q := range tt.after {
				run(q)
			}
			for i, c := range claims {
				run(`PREPARE claim` + strconv.Itoa(i) + ` AS ` + s.pg(c.query))
				var plan []string
				if err := conn.SelectContext(ctx, &plan, `EXPLAIN EXECUTE claim`+strconv.Itoa(i)+c.args); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				text := strings.Join(plan, "\n")
				byKey := strings.Contains(text, "Index Cond: ("+c.lookup+")") || strings.Contains(text, "Index Cond: (("+c.lookup+")")
				if strings.Contains(text, "Join Filter") || !byKey {
					t.Errorf("%s: does not look each line up by key:\n%s", c.name, text)
				}
				// Nor walks rows in id order, filtering on the line.
				if strings.Contains(text, "Filter: ("+c.lookup+")") || strings.Contains(text, "Filter: (("+c.lookup+")") {
					t.Errorf("%s: walks rows to find a line's:\n%s", c.name, text)
				}
				// A claim's update never reads the pending rows once per
				// candidate.
				if strings.Contains(text, "Semi Join") || strings.Contains(text, "Seq Scan") {
					t.Errorf("%s: walks the table:\n%s", c.name, text)
				}
				// Nor, for a claim, reads every pending row once: it
				// looks its candidates up by id.
				if strings.HasSuffix(c.name, " claim") && !strings.Contains(text, "Index Cond: (id = ANY") {
					t.Errorf("%s: does not look its candidates up by id:\n%s", c.name, text)
				}
			}
			// The claims' mark walks the index the claims walk, from the
			// mark: not every pending event.
			var plan []string
			if err := conn.SelectContext(ctx, &plan, s.pg(`EXPLAIN `+inboxMarkQuery), 0); err != nil {
				t.Fatal(err)
			}
			if text := strings.Join(plan, "\n"); !strings.Contains(text, "inbox_claim_heads") || strings.Contains(text, "Seq Scan") {
				t.Errorf("the event claims' mark does not walk inbox_claim_heads:\n%s", text)
			}
			// The messages' mark reads its index from the mark.
			plan = nil
			if err := conn.SelectContext(ctx, &plan, s.pg(`EXPLAIN `+outboxMarkQuery), 0); err != nil {
				t.Fatal(err)
			}
			if text := strings.Join(plan, "\n"); !strings.Contains(text, "outbox_claim ") || strings.Contains(text, "Seq Scan") {
				t.Errorf("the message claims' mark does not read outbox_claim:\n%s", text)
			}
		})
	}
}

// Queueing a row asks whether its line has an unclaimed row ahead of it
// (queueLines.waitsValue): an event accepted, a reply queued. The answer
// must come from a look at that line by key. PostgreSQL may instead run
// the question once per statement as a hashed subplan that reads every
// pending row of the queue, which costs nothing while the queue is short
// and the statistics say so, and then every webhook group and every batch
// reads the whole backlog: after an outage of the Bot API, tens of
// thousands of messages. Checked with the statistics in each stale state,
// for a few rows (VALUES) and for many (arrays), planned with the values
// (custom) and planned before the backlog came and kept (generic).
func TestQueueingLooksItsLineUp(t *testing.T) {
	accepted := func(n int) []any {
		var args []any
		for i := range n {
			key := "telegram/shop/b" + strconv.Itoa(i*7)
			args = append(args, "telegram", "shop", "q"+strconv.Itoa(i), key, "message", "{}", []byte("{}"), int64(i), key)
		}
		return args
	}
	outgoing := func(n int) []any {
		var args []any
		for i := range n {
			key := "telegram/shop/b" + strconv.Itoa(i*7)
			args = append(args, nil, nil, nil, nil, "telegram", "shop", strconv.Itoa(i*7), key, "", "",
				"faq", "reply", "x", int64(0), int64(600000), "", int64(0), 0, "", "", "", "", "", "", key)
		}
		return args
	}
	for _, tt := range staleStatistics() {
		t.Run(tt.name, func(t *testing.T) {
			s, conn, run := onOneConnection(t)
			ctx := context.Background()
			type statement struct {
				name, query, lookup string
				args                []any
			}
			var statements []statement
			for _, n := range []int{3, arrayRows + 2} {
				rows, args := s.rows(acceptedRow, n, accepted(n))
				statements = append(statements, statement{"an accepted group of " + strconv.Itoa(n), acceptInsert(rows, false), "conversation_key", args})
				rows, args = s.rows(outgoingRow, n, outgoing(n))
				statements = append(statements, statement{"a batch's " + strconv.Itoa(n) + " replies", outgoingInsert(rows), "chat_key", args})
			}
			explain := func(name, lookup, query string, args ...any) {
				t.Helper()
				var plan []string
				if err := conn.SelectContext(ctx, &plan, query, args...); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				text := strings.Join(plan, "\n")
				if strings.Contains(text, "hashed SubPlan") || strings.Contains(text, "Seq Scan") {
					t.Errorf("%s: reads the queue whole:\n%s", name, text)
				}
				if !strings.Contains(text, "Index Cond: ("+lookup+" = ") && !strings.Contains(text, "Index Cond: (("+lookup+" = ") {
					t.Errorf("%s: does not look its line up by key:\n%s", name, text)
				}
			}
			for _, q := range tt.before {
				run(q)
			}
			// Generic plans are made before the backlog comes, and kept.
			run(`SET plan_cache_mode = force_generic_plan`)
			generic := make([]string, len(statements))
			for i, st := range statements {
				run(`PREPARE queue` + strconv.Itoa(i) + ` AS ` + s.pg(st.query))
				generic[i] = `EXPLAIN EXECUTE queue` + strconv.Itoa(i) + `(` + strings.TrimSuffix(strings.Repeat("NULL, ", len(st.args)), ", ") + `)`
				run(generic[i])
			}
			for _, q := range tt.after {
				run(q)
			}
			for i, st := range statements {
				explain(st.name+", planned with its values", st.lookup, s.pg("EXPLAIN "+st.query), st.args...)
				if !tt.plannedEmpty {
					explain(st.name+", its plan kept", st.lookup, generic[i])
				}
			}
		})
	}
}

// A batch's customers, and the customers an agent is shown on a handoff,
// are looked up key by key in the unique index, whatever the statistics
// know: written as "(platform, bot, external_id) IN (…)", PostgreSQL read
// every customer of the bot and filtered them by id (2,700 buffers a
// lookup with 3,700 customers in a load run whose tables had never been
// analyzed).
func TestCustomerLookupsProbeEachKey(t *testing.T) {
	s := openPostgresTest(t)
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO customers (platform, bot, external_id, first_seen_at, last_seen_at)
		SELECT 'telegram', 'shop', g::text, 0, 0 FROM generate_series(1, 20000) g`); err != nil {
		t.Fatal(err)
	}
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			if _, err := s.w.ExecContext(ctx, `ANALYZE customers`); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range []int{1, 2, 5, arrayRows + 3} {
			var keys []any
			for i := range n {
				keys = append(keys, "telegram", "shop", strconv.Itoa(i*97+1))
			}
			batch, batchArgs := s.customersQuery(keys)
			context, contextArgs := s.customerContextQuery(keys)
			for name, q := range map[string]struct {
				query string
				args  []any
			}{"a batch's customers": {batch, batchArgs}, "the customers shown to agents": {context, contextArgs}} {
				var plan []string
				if err := s.w.SelectContext(ctx, &plan, s.pg("EXPLAIN "+q.query), q.args...); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				text := strings.Join(plan, "\n")
				if !strings.Contains(text, "Index Cond: ((platform = ") || !strings.Contains(text, "AND (external_id = ") ||
					strings.Contains(text, "Filter:") || strings.Contains(text, "Seq Scan on customers") {
					t.Errorf("%s, %d keys, analyzed %v: does not look each key up:\n%s", name, n, analyzed, text)
				}
			}
		}
	}
}
