package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL every statement is a round trip: a write and a read
// system call and a wake-up of a process on each side. Recording sends was
// up to eight of them (BEGIN, the update, the line in the history, the let
// go of the chat's next message, the claims, COMMIT), for every batch of
// sends: most of a replica's statements when the platform is slow and
// sends are recorded a few at a time.
//
// A script is several statements sent to PostgreSQL at once, as one pgx
// batch: one pipeline of prepared statements and one Sync, which
// PostgreSQL runs as one implicit transaction (one fails, none of it is
// kept) and answers at once. One round trip and one commit.
type script struct {
	batch pgx.Batch
	reads []func(pgx.Rows) error // per statement queued; nil for one whose rows are not read
	// custom is set once the statements queued from here on are planned
	// with their values (planEachCall).
	custom bool
	// readOnly scripts only read: they commit nothing worth counting.
	readOnly bool
}

// planEachCall has the statements queued after it planned at each call
// with their values, as plannedEachCall has a lone statement planned: the
// claims and the statements that let a line go walk whole tables with a
// plan made once for any value on stale statistics (see
// TestClaimPlansIgnoreStaleStatistics). Those before it keep the plan
// PostgreSQL keeps for a prepared statement, which for a statement of a
// few rows by id is cheaper than planning it every time (at --rate max,
// planning all of them every time cost 7 % more CPU per reply).
//
// The setting is the session's, and transactional: runScript sets it back
// at the script's end, and a script that fails takes it back with the
// rest.
func (sc *script) planEachCall() {
	if !sc.custom {
		sc.exec(`SET plan_cache_mode = force_custom_plan`)
		sc.custom = true
	}
}

// exec queues a statement whose rows, if any, are not read.
func (sc *script) exec(query string, args ...any) {
	sc.batch.Queue(query, args...)
	sc.reads = append(sc.reads, nil)
}

// scriptSel queues a statement whose rows go to dest, matched to T's
// fields by their db tags as sqlx matches them.
func scriptSel[T any](sc *script, dest *[]T, query string, args ...any) {
	sc.batch.Queue(query, args...)
	sc.reads = append(sc.reads, func(rows pgx.Rows) error {
		got, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[T])
		*dest = got
		return err
	})
}

// runScript sends sc and reads its answers: one round trip, one
// transaction. Its queries are written as the others are (s.pg turns
// them into PostgreSQL's).
func (s *Store) runScript(ctx context.Context, sc *script) error {
	if sc.custom {
		sc.exec(`RESET plan_cache_mode`)
	}
	for _, q := range sc.batch.QueuedQueries {
		q.SQL = s.pg(q.SQL)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	s.stats.statements.Add(1)
	if !sc.readOnly {
		s.stats.commits.Add(1)
	}
	return conn.Raw(func(driverConn any) error {
		results := driverConn.(*stdlib.Conn).Conn().SendBatch(ctx, &sc.batch)
		for i, read := range sc.reads {
			if read == nil {
				if _, err := results.Exec(); err != nil {
					results.Close()
					return fmt.Errorf("statement %d of %d: %w", i+1, len(sc.reads), err)
				}
				continue
			}
			rows, err := results.Query()
			if err == nil {
				err = read(rows)
			}
			if err != nil {
				results.Close()
				return fmt.Errorf("statement %d of %d: %w", i+1, len(sc.reads), err)
			}
		}
		return results.Close()
	})
}

// reads are queries that do not depend on each other's rows. On
// PostgreSQL they go as one script when run is called: one round trip
// where each was one (loading a batch's state was seven to nine). On
// SQLite, where a query is a call, each runs as it is added.
type reads struct {
	s   *Store
	ctx context.Context
	sc  script
	err error // SQLite: the first query's that failed; the rest are not run
}

func (s *Store) newReads(ctx context.Context) *reads {
	r := &reads{s: s, ctx: ctx}
	r.sc.readOnly = true
	return r
}

// readInto adds a query whose rows go to dest once r has run.
func readInto[T any](r *reads, dest *[]T, query string, args ...any) {
	if r.s.postgres {
		scriptSel(&r.sc, dest, query, args...)
		return
	}
	if r.err == nil {
		r.err = r.s.readSel(r.ctx, dest, query, args...)
	}
}

// run runs the queries added (on SQLite, reports how they went).
func (r *reads) run() error {
	if r.err != nil || len(r.sc.reads) == 0 {
		return r.err
	}
	return r.s.runScript(r.ctx, &r.sc)
}
