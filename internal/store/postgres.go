package store

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // and registers the "pgx" driver
	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// OpenPostgres connects to PostgreSQL (dsn as pgx takes it:
// postgres://user@host:5432/db?sslmode=disable) and brings the schema up
// to date. Several replicas may start at once: an advisory lock lets one
// of them migrate while the others wait.
func OpenPostgres(ctx context.Context, dsn string, opt Options) (*Store, error) {
	db, err := sqlx.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if opt.Readers <= 0 {
		opt.Readers = 16
	}
	db.SetMaxOpenConns(opt.Readers)
	db.SetMaxIdleConns(opt.Readers)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w: %w", chat.ErrUnavailable, err)
	}
	fsys, err := fs.Sub(migrations, "migrations/postgres")
	if err != nil {
		db.Close()
		return nil, err
	}
	// Waiting replicas look again every second, for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := applyMigrations(ctx, goose.DialectPostgres, db.DB, fsys, goose.WithSessionLocker(locker)); err != nil {
		db.Close()
		return nil, err
	}
	lax, err := openLax(dsn)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{w: db, r: db, lax: lax, Now: time.Now, postgres: true, accepts: make(chan acceptReq, 1024), stop: make(chan struct{}), writerDone: make(chan struct{})}
	s.wg.Add(2)
	go s.acceptLoop()
	go s.tableStatsLoop()
	return s, nil
}

// openLax opens the pool of connections whose commits return before
// PostgreSQL has flushed them to disk (synchronous_commit off, for this
// session only): see leaseSel for what may use it. The event loop claims
// one batch at a time, so two connections are plenty.
func openLax(dsn string) (*sqlx.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	cfg.RuntimeParams["synchronous_commit"] = "off"
	lax := sqlx.NewDb(stdlib.OpenDB(*cfg), "pgx")
	lax.SetMaxOpenConns(2)
	lax.SetMaxIdleConns(2)
	lax.SetConnMaxIdleTime(5 * time.Minute)
	return lax, nil
}

// pgFuncs are the few SQLite spellings PostgreSQL spells differently.
var pgFuncs = strings.NewReplacer(
	"group_concat(key, char(10))", "string_agg(key, chr(10))",
)

// pg turns a query written for SQLite into PostgreSQL's: $n placeholders
// and its function names. The result is cached per query text.
func (s *Store) pg(query string) string {
	if q, ok := s.pgQueries.Load(query); ok {
		return q.(string)
	}
	q := s.w.Rebind(pgFuncs.Replace(query))
	s.pgQueries.Store(query, q)
	return q
}
