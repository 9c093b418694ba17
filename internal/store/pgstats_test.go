package store

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// TestQueueStatisticsKeepClaimsFast: after a burst fills the inbox, the
// store refreshes PostgreSQL's statistics, and the claim then walks the
// index in order instead of sorting every pending row.
func TestQueueStatisticsKeepClaimsFast(t *testing.T) {
	s, err := OpenPostgres(context.Background(), storetest.PostgresDSN(t), Options{Readers: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	// The statistics of a small inbox, then a burst of 20,000 events in a
	// few milliseconds: the planner's picture of the table is now wrong.
	if _, err := s.w.ExecContext(ctx, "ANALYZE inbox"); err != nil {
		t.Fatal(err)
	}
	const burst = 20000
	if _, err := s.w.ExecContext(ctx, `INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at)
		SELECT 'telegram', 'shop', g::text, 'telegram/shop/' || (g % 2000), 'text', '{}', 0 FROM generate_series(1, $1) g`, burst); err != nil {
		t.Fatal(err)
	}
	plan := func() string {
		t.Helper()
		var lines []string
		if err := s.r.SelectContext(ctx, &lines, `EXPLAIN SELECT i.id FROM inbox i
			WHERE i.state = 'pending' AND i.id >= 1 AND i.next_attempt_at <= 5 AND (i.claimed_until IS NULL OR i.claimed_until < 5)
			  AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.state = 'pending' AND e.conversation_key = i.conversation_key AND e.id < i.id)
			ORDER BY i.id LIMIT 4`); err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, "\n")
	}
	t.Logf("the claim's plan right after the burst:\n%s", plan())
	// The store's own loop notices and analyzes, well within autovacuum's
	// minute.
	waitForAnalyze(t, s, "inbox", burst/2)
	if p := plan(); regexpSort.MatchString(p) {
		t.Fatalf("the claim still sorts every pending row:\n%s", p)
	}
	if again, err := s.analyzeStaleTables(ctx); err != nil || len(again) != 0 {
		t.Fatalf("analyzed again without changes: %v, %v", again, err)
	}
}

// waitForAnalyze waits, up to a few of the store's looks, for table to be
// analyzed by the store with at least tuples rows.
func waitForAnalyze(t *testing.T, s *Store, table string, tuples float64) {
	t.Helper()
	deadline := time.Now().Add(4 * tableStatsEvery)
	for {
		var believed float64
		if err := s.r.GetContext(context.Background(), &believed, `SELECT reltuples FROM pg_class WHERE oid = CAST($1 AS regclass)`, table); err != nil {
			t.Fatal(err)
		}
		if believed >= tuples {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after it grew, PostgreSQL still believes %s holds %v rows", 4*tableStatsEvery, table, believed)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// regexpSort finds a plan that sorts the candidates rather than reading
// them in index order.
var regexpSort = regexp.MustCompile(`Sort  \(`)

// TestOneReplicaAnalyzesAtATime: while one replica analyzes the queues,
// the others, finding them stale too, skip rather than analyze them again
// (waiting for the first); once it is done they may.
func TestOneReplicaAnalyzesAtATime(t *testing.T) {
	replicas := openPostgresReplicas(t, 2)
	first, second := replicas[0], replicas[1]
	ctx := context.Background()
	analyzed := func() int {
		t.Helper()
		var n int
		if err := second.r.GetContext(ctx, &n, `SELECT analyze_count FROM pg_stat_user_tables
			WHERE schemaname = current_schema() AND relname = 'inbox'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Another replica is analyzing: it holds the lock (so the stores' own
	// loops skip as well).
	busy, err := first.w.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Rollback()
	if _, err := busy.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('frontdesk analyze ' || current_schema()))`); err != nil {
		t.Fatal(err)
	}
	before := analyzed()
	if _, err := first.w.ExecContext(ctx, `INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at)
		SELECT 'telegram', 'shop', g::text, 'telegram/shop/' || g, 'text', '{}', 0 FROM generate_series(1, 5000) g`); err != nil {
		t.Fatal(err)
	}
	// The counts of changed rows reach pg_stat_user_tables a moment after
	// the commit.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var n int
		if err := second.r.GetContext(ctx, &n, `SELECT COUNT(*) FROM pg_stat_user_tables
			WHERE schemaname = current_schema() AND relname = 'inbox' AND n_mod_since_analyze > 1000`); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the inbox never looked stale")
		}
	}
	if got, err := second.analyzeStaleTables(ctx); err != nil || len(got) != 0 {
		t.Fatalf("while another replica analyzes: analyzed %v (%v), want none", got, err)
	}
	if n := analyzed(); n != before {
		t.Fatalf("the inbox was analyzed %d times while another replica held the lock", n-before)
	}
	busy.Rollback()
	got, err := second.analyzeStaleTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Now it does, unless a store's own loop got there first: that one held
	// the lock, and its analyze reaches pg_stat_user_tables a moment later.
	if !slices.Contains(got, "inbox") {
		for deadline := time.Now().Add(10 * time.Second); analyzed() == before; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("once the other is done: analyzed %v, and nobody analyzed the inbox", got)
			}
		}
	}
}

// TestGrownTablesAreAnalyzed: a lookup prepared while the conversations
// were few keeps a generic plan that reads them all (reading a small table
// whole is cheaper than an index). Once the table has grown, the store
// analyzes it without waiting for autovacuum (off on some servers, and a
// minute behind at best), and the plan is made again on an index.
func TestGrownTablesAreAnalyzed(t *testing.T) {
	s, conn, run := onOneConnection(t)
	ctx := context.Background()
	// A deployment's first conversations, analyzed.
	grow := func(from, to int) {
		t.Helper()
		for _, q := range []string{
			`INSERT INTO customers (platform, bot, external_id, first_seen_at, last_seen_at)
				SELECT 'telegram', 'shop', g::text, 0, 0 FROM generate_series($1::int, $2::int) g`,
			`INSERT INTO conversations (conversation_key, platform, bot, chat_id, customer_id, started_at, last_customer_at)
				SELECT 'telegram/shop/' || external_id, 'telegram', 'shop', external_id, id, 0, 0 FROM customers
				WHERE CAST(external_id AS INTEGER) BETWEEN $1 AND $2`,
		} {
			if _, err := s.w.ExecContext(ctx, q, from, to); err != nil {
				t.Fatal(err)
			}
		}
	}
	grow(1, 10)
	for _, q := range []string{
		`ANALYZE conversations`,
		`SET plan_cache_mode = force_generic_plan`,
		`PREPARE lookup AS SELECT id FROM conversations WHERE conversation_key IN ($1, $2) AND closed_at IS NULL`,
	} {
		run(q)
	}
	plan := func() string {
		t.Helper()
		var lines []string
		if err := conn.SelectContext(ctx, &lines, `EXPLAIN EXECUTE lookup('telegram/shop/5', 'telegram/shop/7')`); err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, "\n")
	}
	if p := plan(); !strings.Contains(p, "Seq Scan") {
		t.Fatalf("planned on ten conversations without reading them whole; the test shows nothing:\n%s", p)
	}
	grow(11, 20000)
	waitForAnalyze(t, s, "conversations", 10000)
	if p := plan(); strings.Contains(p, "Seq Scan") || !strings.Contains(p, "Index") {
		t.Fatalf("the lookup still reads every conversation:\n%s", p)
	}
}
