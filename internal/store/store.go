// Package store keeps frontdesk's durable state (inbox, customers,
// conversations, history, decisions, outbox) and is the only package that
// speaks SQL. It runs on SQLite through a pure-Go driver, with one writer
// connection and a pool of readers.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

//go:embed migrations
var migrations embed.FS

// Store is frontdesk's database.
type Store struct {
	// w is the only connection that writes: SQLite allows one writer, and
	// one connection with immediate transactions avoids SQLITE_BUSY storms.
	w *sqlx.DB
	r *sqlx.DB
	// lax, on PostgreSQL, are connections whose commits do not wait for
	// the WAL flush, for claims of events (see leaseSel); nil on SQLite.
	lax *sqlx.DB
	// ckpt, on SQLite, is the checkpointer's connection (see checkpointLoop).
	ckpt *sqlx.DB
	// Now is the store's clock, for the times it records on its own.
	Now func() time.Time

	postgres        bool      // the dialect: PostgreSQL, else SQLite
	pgQueries       sync.Map  // query as written → as PostgreSQL takes it
	stmts           stmtCache // the writer's
	readStmts       stmtCache // the readers'
	path            string    // the SQLite file; "" on PostgreSQL
	lock            *os.File  // held by TakeOver while the store is open
	stats           stats
	inboxLow        atomic.Int64 // no claimable event has a smaller id (see ClaimEvents)
	outboxLow       atomic.Int64 // no pending or future message sorts before it (see ClaimOutgoing)
	inboxMarkAt     atomic.Int64 // when inboxLow was last refreshed, ms
	outboxMarkAt    atomic.Int64 // when outboxLow was last refreshed, ms
	inboxRecountAt  atomic.Int64 // when inboxLow was last counted from the bottom, ms
	outboxRecountAt atomic.Int64 // when outboxLow was last counted from the bottom, ms
	outboxUnparkAt  atomic.Int64 // when waiting messages were last looked over (unparkStale), ms
	inboxUnparkAt   atomic.Int64 // when waiting events were last looked over (unparkStale), ms
	inboxSettled    settledMarks // PostgreSQL: which inbox ids are surely visible (see inboxCeiling)
	// wal, on SQLite with durable accepts, is the write-ahead log the
	// accept loop flushes after each group commit; nil otherwise.
	wal *walFile
	// skipGuardState leaves out the guard's reads, only so a benchmark can
	// measure what the guard costs.
	skipGuardState bool

	// turns orders the use of SQLite's writer; nil on PostgreSQL, whose
	// writers do not wait for each other.
	turns *writerTurns

	accepts chan acceptReq
	// acceptLeases hands events leased at accept to the pipeline (SQLite).
	acceptLeases acceptLeases
	// txs queues SQLite's write transactions for the combiner, which
	// closes combinerDone when it exits; nil on PostgreSQL.
	txs          chan *txReq
	combinerDone chan struct{}
	stop         chan struct{}
	writerDone   chan struct{} // closed when the group-commit writer has exited
	wg           sync.WaitGroup
	closed       sync.Once
}

// busyTimeoutMS is how long a SQLite connection waits for a lock another
// process holds (a CLI command against a running service's database).
const busyTimeoutMS = 10000

// Options tune Open. The zero value is the production default.
type Options struct {
	// AcceptSynchronous is how durable SQLite makes inbox inserts before
	// Accept returns: FULL (the default with the default Synchronous)
	// makes every update Telegram was told 200 for survive a power cut.
	// The insert commits like everything else and the write-ahead log is
	// flushed after the writer is handed on (see walFile), which group
	// commit makes cheap. The only other value is Synchronous's own.
	AcceptSynchronous string
	// Synchronous is the pragma for everything else (decisions, sends):
	// NORMAL (default) in WAL mode survives any process crash and loses at
	// most the last moments of bookkeeping in a power cut, which the inbox
	// replays. Tests set OFF.
	Synchronous string
	Readers     int
}

// readerCacheKiB is each reading connection's page cache. SQLite's
// default, 2 MiB a connection, cost the four readers 12-17 MB of resident
// memory under load (cmd/frontdesk-load --customers 100000: 98-103 MB
// against 85-86 MB with this) for no speed: what readers look at under
// load is the batch's few recent rows, and the kernel's page cache holds
// the rest.
const readerCacheKiB = 512

// OpenSQLite opens (creating if needed) the SQLite database at path and
// brings its schema up to date.
func OpenSQLite(ctx context.Context, path string, opt Options) (*Store, error) {
	if opt.AcceptSynchronous == "" {
		opt.AcceptSynchronous = "FULL"
		if opt.Synchronous != "" {
			opt.AcceptSynchronous = opt.Synchronous
		}
	}
	if opt.Synchronous == "" {
		opt.Synchronous = "NORMAL"
	}
	if opt.Readers <= 0 {
		opt.Readers = 4
	}
	var wal *walFile
	switch {
	case strings.EqualFold(opt.AcceptSynchronous, opt.Synchronous):
	case strings.EqualFold(opt.AcceptSynchronous, "FULL") && strings.EqualFold(opt.Synchronous, "NORMAL"):
		wal = newWALFile(path)
	default:
		return nil, fmt.Errorf("open %s: accepts at synchronous=%s with the rest at %s: want FULL with NORMAL, or both the same",
			path, opt.AcceptSynchronous, opt.Synchronous)
	}
	// temp_store(MEMORY) keeps statement journals in memory. To undo one
	// multi-row statement alone, SQLite saves the pages it changes; past
	// 64 KiB it spilled them to a temporary file, at two write calls a page
	// (about 6 % of the CPU in a profile at --rate max).
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMS) + ")&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)"
	w, err := sqlx.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_pragma=synchronous("+opt.Synchronous+")&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w: %w", path, chat.ErrUnavailable, err)
	}
	if err := migrate(ctx, w.DB); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sqlx.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=cache_size(-"+strconv.Itoa(readerCacheKiB)+")")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(opt.Readers)
	// Every reader stays open: a new SQLite connection reads and parses the
	// whole schema again before its first query, and database/sql would
	// close all but two between bursts.
	r.SetMaxIdleConns(opt.Readers)
	r.SetConnMaxIdleTime(0)
	s := &Store{w: w, r: r, path: path, Now: time.Now, turns: &writerTurns{}, wal: wal, accepts: make(chan acceptReq, 1024), stop: make(chan struct{}), writerDone: make(chan struct{}),
		txs: make(chan *txReq, maxCombined), combinerDone: make(chan struct{})}
	ckpt, err := sqlx.Open("sqlite", base+"&_pragma=synchronous("+opt.Synchronous+")")
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open %s for checkpoints: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	s.ckpt = ckpt
	s.wg.Add(3)
	go s.acceptLoop()
	go s.combineLoop()
	go s.checkpointLoop(ckpt, checkpointEvery, walRestartAt)
	return s, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations/sqlite")
	if err != nil {
		return err
	}
	return applyMigrations(ctx, goose.DialectSQLite3, db, fsys)
}

func applyMigrations(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) error {
	p, err := goose.NewProvider(dialect, db, fsys, append([]goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}, opts...)...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Close stops the group-commit writer (answering what it holds) and closes
// the database.
func (s *Store) Close() error {
	s.closed.Do(func() { close(s.stop) })
	s.wg.Wait()
	if s.wal != nil {
		s.wal.close() // the accept loop, its only user, has returned
	}
	s.closeStmts()
	var laxErr, ckptErr error
	if s.lax != nil {
		laxErr = s.lax.Close()
	}
	if s.ckpt != nil {
		ckptErr = s.ckpt.Close()
	}
	return errors.Join(s.w.Close(), s.r.Close(), laxErr, ckptErr, s.releaseLock())
}

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.readGet(ctx, &one, "SELECT 1"); err != nil {
		return fmt.Errorf("%w: %w", chat.ErrUnavailable, err)
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nullMS is a moment for a nullable column: NULL for the zero time.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

// fromNullMS reads a nullable moment: the zero time for NULL.
func fromNullMS(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return fromMS(*v)
}

// unavailable marks database errors so callers answer "try again" (HTTP 503).
func unavailable(op string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("%s: %w: %w", op, chat.ErrUnavailable, err)
}

// inTx runs fn in a write transaction and returns once it is committed
// or rolled back. fn must use the ctx it is given: on SQLite it runs on the
// combiner's goroutine, in a commit shared with other transactions (see
// combine), and cancelling the caller's ctx does not cut it short.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return s.inTxAs(ctx, partOther, fn)
}

// inTxAs is inTx for work whose time on SQLite's writer counts as part.
func (s *Store) inTxAs(ctx context.Context, part writerPart, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	if s.txs != nil {
		return s.combine(ctx, &txReq{fn: fn, part: part})
	}
	return s.runTx(s.w.BeginTxx(ctx, nil))(func(tx *sqlx.Tx) error { return fn(ctx, tx) })
}

// writerTurn waits for SQLite's writer (see writerTurns); fast is for
// webhooks' group commits. endTurn gives it back.
func (s *Store) writerTurn(ctx context.Context, fast bool) error {
	if s.turns == nil {
		return nil
	}
	waited, err := s.turns.acquire(ctx, fast)
	s.turns.waited.Add(int64(waited))
	return err
}

func (s *Store) endTurn() {
	if s.turns != nil {
		s.turns.release()
	}
}

// runTx runs fn in a transaction just begun: commit if it succeeds,
// roll back if it fails.
func (s *Store) runTx(tx *sqlx.Tx, err error) func(fn func(tx *sqlx.Tx) error) error {
	s.stats.statements.Add(1) // BEGIN
	return func(fn func(tx *sqlx.Tx) error) error {
		if err != nil {
			return err
		}
		s.stats.statements.Add(1) // COMMIT or ROLLBACK
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		s.stats.commits.Add(1)
		return tx.Commit()
	}
}

// Work counts the database work done since the store was opened.
type Work struct {
	// Statements counts round trips to the database: a statement, a
	// multi-row statement, BEGIN, COMMIT and ROLLBACK each count once, and
	// so does a script on PostgreSQL (several statements sent at once).
	Statements uint64
	// Commits counts write transactions committed (or tried), a writing
	// script's included.
	Commits uint64
	// WriterHeld and WriterWaited are, on SQLite, how long the one writer
	// was held, and waited for by everything that used it; zero on
	// PostgreSQL, whose writers do not wait for each other.
	WriterHeld, WriterWaited time.Duration
	// WriterParts is, on SQLite, WriterHeld by what the writer did, keyed
	// by part: accept (webhooks' group commits), apply (decided events'
	// effects), sent (sends recorded), claim_events and claim_sends (each
	// claim with its own commit), commit (combined transactions' commits),
	// checkpoint (the writer's share of checkpoints) and other (what those
	// leave of WriterHeld: the rest, the turns' own overhead included). Nil
	// on PostgreSQL.
	WriterParts map[string]time.Duration
}

type stats struct{ statements, commits atomic.Uint64 }

// Work reads the counters, for metrics and the load tool.
func (s *Store) Work() Work {
	w := Work{Statements: s.stats.statements.Load(), Commits: s.stats.commits.Load()}
	if s.turns != nil {
		w.WriterParts = make(map[string]time.Duration, numWriterParts)
		named := time.Duration(0)
		for p := partOther + 1; p < numWriterParts; p++ {
			d := time.Duration(s.turns.spent[p].Load())
			w.WriterParts[writerPartNames[p]] = d
			named += d
		}
		// Held is read after the parts, so it holds them all (see
		// heldSoFar); other is what they leave of it.
		w.WriterHeld, w.WriterWaited = s.turns.heldSoFar(), time.Duration(s.turns.waited.Load())
		w.WriterParts[writerPartNames[partOther]] = w.WriterHeld - named
	}
	return w
}
