package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The work queues (inbox, outbox) can go from empty to tens of thousands of
// pending rows in seconds: a burst, or a fresh deployment. Until
// PostgreSQL's statistics say so, the planner believes the tables tiny and
// claims by sorting every pending row instead of walking the claim index
// in order and stopping early: measured 84 ms per claim with 30,000
// pending rows, against 0.3 ms once analyzed, which slowed the whole
// pipeline tenfold. Autovacuum analyzes only after its naptime (a minute
// by default) and a share of the table; the store does not wait for it.
//
// The same holds for every table a batch reads. A prepared statement's
// generic plan, made while a table was small, stays until the table is
// analyzed: in a load run on a database with autovacuum off, each batch
// locked its conversations by reading all 3,700 of them, and counted its
// customers' recent messages the same way, with plans made in the run's
// first seconds. So the store looks at all of its tables.

// tableStatsEvery is how often the store looks whether its tables changed
// enough to need fresh statistics.
const tableStatsEvery = 5 * time.Second

func (s *Store) tableStatsLoop() {
	defer s.wg.Done()
	t := time.NewTicker(tableStatsEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			// An error here (say, the database is away) costs nothing
			// but slower claims; the next tick tries again.
			_, _ = s.analyzeStaleTables(ctx)
			cancel()
		}
	}
}

// analyzeStaleTables analyzes the store's tables where more than a
// thousand rows, and a fifth of the table, changed since the last analyze
// (autovacuum's own threshold is 50 rows and a tenth: where it runs, it
// mostly gets there first). ANALYZE samples a bounded number of rows, so
// it stays cheap on a big table. It returns the tables analyzed.
//
// One replica at a time does it: they all look every few seconds, and
// with three replicas under load each analyzed the same tables at once,
// waiting for each other (17 runs of ANALYZE inbox in 25 s, 590 ms each).
// The replica that holds the lock analyzes; the others skip, and find
// the statistics fresh at their next look.
func (s *Store) analyzeStaleTables(ctx context.Context) ([]string, error) {
	var stale []string
	if err := s.r.SelectContext(ctx, &stale, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND relname <> 'goose_db_version'
		  AND n_mod_since_analyze > GREATEST(1000, n_live_tup / 5)
		ORDER BY relname`); err != nil {
		return nil, unavailable("table statistics", err)
	}
	if len(stale) == 0 {
		return nil, nil
	}
	tx, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		return nil, unavailable("analyze", err)
	}
	defer tx.Rollback()
	var ours bool
	// Per schema: each schema is another deployment's tables.
	if err := tx.GetContext(ctx, &ours, `SELECT pg_try_advisory_xact_lock(hashtext('frontdesk analyze ' || current_schema()))`); err != nil {
		return nil, unavailable("analyze", err)
	}
	if !ours {
		return nil, nil
	}
	for _, table := range stale {
		// The names come from the catalog, quoted to be safe anyway.
		if _, err := tx.ExecContext(ctx, "ANALYZE "+pgx.Identifier{table}.Sanitize()); err != nil {
			return nil, unavailable("analyze "+table, err)
		}
	}
	return stale, unavailable("analyze", tx.Commit())
}
