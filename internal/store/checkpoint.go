package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

// SQLite copies its write-ahead log back into the database file in
// checkpoints. Left to itself it does so inside the COMMIT that takes the
// log past 1,000 pages, while that transaction still holds the one writer:
// every other write then waits for the copy and for two flushes to disk.
// At --rate max a tenth of the combined commits took over 5 ms, and those
// held the writer for more than half of all the time commits took.
//
// So the writer never checkpoints on its own (wal_autocheckpoint 0), and a
// connection of the checkpointer's own copies the log while the writer
// goes on: a PASSIVE checkpoint takes no lock a writer needs. It cannot
// start the log over, though. Only a writer does, at a transaction that
// finds every page of the log copied, and under a steady stream of commits
// the background copy is never quite done. So once the log holds
// walRestartAt pages, the writer takes a turn to copy what is left (little:
// the background ones copied the rest) and start the log over (RESTART).
// Neither kind waits for readers: a reader still on an old page holds the
// log back until the next look, as it held SQLite's own checkpoints back.
//
// Durability is unchanged: a checkpoint at synchronous NORMAL flushes the
// log before copying and the database file before the log may be started
// over, whichever connection runs it (see walFile).
var (
	// checkpointEvery is how often the background checkpoint runs, if
	// anything was committed since the last one. Tests shorten it.
	checkpointEvery = 100 * time.Millisecond
	// walRestartAt is the log's length, in pages (4 KiB each), past which
	// the writer finishes a checkpoint. Tests shorten it.
	walRestartAt = 4096
)

// walState is what PRAGMA wal_checkpoint reports: whether it was kept
// from finishing, the pages in the log, and the pages of it copied.
type walState struct {
	Busy   int `db:"busy"`
	Log    int `db:"log"`
	Copied int `db:"checkpointed"`
}

// checkpointLoop copies the log into the database in the background until
// the store closes, and has the writer finish when the log grows long.
func (s *Store) checkpointLoop(ckpt *sqlx.DB, every time.Duration, restartAt int) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		c := s.stats.commits.Load()
		if c == seen {
			continue // nothing written since the last look
		}
		seen = c
		// A failure is tried again at the next tick; the log only grows
		// meanwhile.
		_ = s.checkpoint(context.Background(), ckpt, restartAt)
	}
}

// checkpoint copies the log into the database beside the writer and, once
// the log holds restartAt pages or more, has the writer finish the copy and
// start the log over.
func (s *Store) checkpoint(ctx context.Context, ckpt *sqlx.DB, restartAt int) error {
	var st walState
	err := ckpt.GetContext(ctx, &st, `PRAGMA wal_checkpoint(PASSIVE)`)
	if err == nil && st.Log < restartAt {
		return nil
	}
	// Even when the background copy failed: the writer's bounds the log.
	return errors.Join(err, s.finishCheckpoint(ctx))
}

// finishCheckpoint copies, in a turn of the writer, what the background
// checkpoints left of the log, and starts the log over.
func (s *Store) finishCheckpoint(ctx context.Context) error {
	if err := s.writerTurn(ctx, false); err != nil {
		return err
	}
	defer s.endTurn()
	start := time.Now()
	defer func() { s.turns.spend(partCheckpoint, time.Since(start)) }()
	// RESTART starts the log over at once, rather than at the writer's next
	// transaction, and never waits here: with no busy timeout it gives up
	// when a reader still reads an old page, and the next look tries again.
	s.stats.statements.Add(3)
	if _, err := s.w.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		return err
	}
	var st walState
	err := s.w.GetContext(ctx, &st, `PRAGMA wal_checkpoint(RESTART)`)
	_, rerr := s.w.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.Itoa(busyTimeoutMS))
	return errors.Join(err, rerr)
}
