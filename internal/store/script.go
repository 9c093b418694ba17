package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL every statement is a round trip, and at the rates one
// replica sees on its own (a batch of one or two events, a send recorded
// at a time) the round trips, not the statements' work, were most of the
// CPU: a write and a read system call, a wake-up of the process on each
// side, for each of about 25 statements per message (at 60 messages a
// second, 10.8 ms of CPU per reply, a fifth of the replica's in network
// system calls and as much in the Go scheduler).
//
// A script is several statements sent to PostgreSQL as one simple-protocol
// message. PostgreSQL runs such a message as one transaction (one fails,
// none of it is kept) and answers all of it at once: one round trip and
// one commit, where BEGIN, the statements and COMMIT were as many round
// trips each. The arguments are written into the text by pgx (its simple
// protocol's quoting), and every statement is planned with its values, as
// plannedEachCall asks of the claims.
type script struct {
	batch pgx.Batch
	reads []func(pgx.Rows) error // per statement queued; nil for one whose rows are not read
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

// openScripts opens the connections scripts run on: their own, because
// pgx sends a batch in the protocol its connection is configured with.
// Records of sends come from one goroutine per replica and the event
// loop's workers load their batches' state, so a few are enough.
func openScripts(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// runScript sends sc and reads its answers: one round trip, one
// transaction. Its queries are written as the others are (s.pg turns
// them into PostgreSQL's).
func (s *Store) runScript(ctx context.Context, sc *script) error {
	for _, q := range sc.batch.QueuedQueries {
		q.SQL = s.pg(q.SQL)
	}
	conn, err := s.scripts.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	s.stats.statements.Add(1)
	s.stats.commits.Add(1)
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

// withoutExecMode drops the mode plannedEachCall puts before a statement's
// arguments: a script's statements are planned with their values anyway.
func withoutExecMode(args []any) []any {
	if len(args) > 0 {
		if _, ok := args[0].(pgx.QueryExecMode); ok {
			return args[1:]
		}
	}
	return args
}
