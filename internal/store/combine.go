package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// SQLite has one writer, so its write transactions queue for it (see
// writerTurns). At moderate rates most of them are small (a claim, a batch
// of one or two decisions, a few sends recorded) and each paid for a
// commit and a turn of its own: about one commit per customer message at
// 1,000 messages a second, with the writer busy two thirds of the time.
// The combiner runs the transactions that queued while the writer was
// busy in one commit, each in a savepoint of its own, so a transaction
// that fails is undone alone and the others commit. Nothing returns
// before the commit that holds its work.
//
// The transactions run on the combiner's goroutine with their callers'
// contexts stripped of cancellation: a statement cancelled half way makes
// SQLite roll back the whole transaction, everyone's work in it.

// txReq is one caller's write transaction, queued for the combiner.
type txReq struct {
	ctx context.Context
	fn  func(ctx context.Context, tx *sqlx.Tx) error
	// query, when fn is nil: one statement whose rows go to dest, which
	// needs no transaction of its own when it runs alone (a claim).
	query string
	args  []any
	dest  any
	// part is what its time on the writer counts as (see writerPart).
	part writerPart

	queued time.Time
	state  atomic.Int32 // reqQueued, then reqTaken or reqAbandoned
	err    error        // the outcome, set before done is closed
	done   chan struct{}
}

const (
	reqQueued    int32 = iota
	reqTaken           // the combiner runs it; its caller waits for the outcome
	reqAbandoned       // its caller gave up before it ran; it never will
)

// maxCombined bounds the transactions in one commit, and with them how
// long a webhooks' group commit may wait for the writer.
const maxCombined = 32

// errTxLost marks a failure that ended the combined transaction itself
// (not one caller's part of it): everything that ran in it is undone.
var errTxLost = errors.New("the combined transaction was lost")

// combine queues a transaction for the combiner and waits for its commit.
func (s *Store) combine(ctx context.Context, req *txReq) error {
	req.ctx, req.done, req.queued = ctx, make(chan struct{}), time.Now()
	select {
	case s.txs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return errStoreClosed
	}
	select {
	case <-req.done:
		return req.err
	case <-ctx.Done():
		if req.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return ctx.Err()
		}
		// Running already: its work commits or not with the others, and
		// the caller must know which.
		<-req.done
		return req.err
	case <-s.combinerDone:
		// The combiner exited while this request sat in the queue.
		select {
		case <-req.done:
			return req.err
		default:
			return errStoreClosed
		}
	}
}

var errStoreClosed = fmt.Errorf("write: %w: store closed", chat.ErrUnavailable)

// combineLoop runs the queued transactions, those that queued together in
// one commit.
func (s *Store) combineLoop() {
	defer s.wg.Done()
	defer close(s.combinerDone)
	batch := make([]*txReq, 0, maxCombined)
	for {
		select {
		case req := <-s.txs:
			batch = append(batch[:0], req)
		case <-s.stop:
			for {
				select {
				case req := <-s.txs:
					req.finish(errStoreClosed)
				default:
					return
				}
			}
		}
		// Its own wait for the writer is counted as each transaction's,
		// from when it was queued.
		_, _ = s.turns.acquire(context.Background(), false)
		// Whoever queued while this waited for the writer goes in the
		// same commit.
	fill:
		for len(batch) < maxCombined {
			select {
			case req := <-s.txs:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		live, start := batch[:0], time.Now()
		for _, req := range batch {
			if req.state.CompareAndSwap(reqQueued, reqTaken) {
				s.turns.waited.Add(int64(start.Sub(req.queued)))
				live = append(live, req)
			}
		}
		for len(live) > 0 {
			live = s.commitCombined(live)
		}
		s.preparePending(context.Background())
		s.endTurn()
		clear(batch)
	}
}

func (r *txReq) finish(err error) {
	r.err = err
	close(r.done)
}

// commitCombined runs reqs in one transaction and commits it, answering
// each. When the transaction itself is lost half way, the requests not yet
// run are returned, to run in a new one.
func (s *Store) commitCombined(reqs []*txReq) (notRun []*txReq) {
	if len(reqs) == 1 && reqs[0].fn == nil {
		// A lone statement is its own transaction.
		req := reqs[0]
		s.stats.statements.Add(1)
		s.stats.commits.Add(1)
		start := time.Now()
		err := s.selWriter(context.WithoutCancel(req.ctx), req.dest, req.query, req.args...)
		s.turns.spend(req.part, time.Since(start)) // its commit included
		req.finish(err)
		return nil
	}
	ctx := context.Background()
	tx, err := s.w.BeginTxx(ctx, nil)
	s.stats.statements.Add(1) // BEGIN
	if err != nil {
		for _, req := range reqs {
			req.finish(err)
		}
		return nil
	}
	alone := len(reqs) == 1
	ran := make([]*txReq, 0, len(reqs))
	for i, req := range reqs {
		start := time.Now()
		err := s.runPart(tx, req, alone)
		s.turns.spend(req.part, time.Since(start))
		switch {
		case err == nil:
			ran = append(ran, req)
			continue
		case alone:
			s.stats.statements.Add(1) // ROLLBACK
			tx.Rollback()
			req.finish(err)
			return nil
		case errors.Is(err, errTxLost):
			tx.Rollback()
			for _, r := range ran {
				r.finish(fmt.Errorf("write: %w: %w", chat.ErrUnavailable, err))
			}
			req.finish(err)
			return reqs[i+1:]
		default:
			req.finish(err) // undone alone
		}
	}
	s.stats.statements.Add(1) // COMMIT
	s.stats.commits.Add(1)
	start := time.Now()
	err = tx.Commit()
	s.turns.spend(partCommit, time.Since(start))
	for _, req := range ran {
		req.finish(err)
	}
	return nil
}

// runPart runs one request in the combined transaction: in a savepoint of
// its own unless it is alone there, so that its failure undoes its work
// and nobody else's. A failure that ends the transaction (a savepoint that
// cannot be rolled back to or released, a panic) is errTxLost: the
// statements that follow would otherwise each commit on their own.
func (s *Store) runPart(tx *sqlx.Tx, req *txReq, alone bool) (err error) {
	ctx := context.WithoutCancel(req.ctx)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panic: %v", errTxLost, r)
		}
	}()
	run := req.fn
	if run == nil {
		run = func(ctx context.Context, tx *sqlx.Tx) error { return s.sel(ctx, tx, req.dest, req.query, req.args...) }
	}
	if alone {
		return run(ctx, tx)
	}
	if _, err := s.exec(ctx, tx, "SAVEPOINT part"); err != nil {
		return fmt.Errorf("%w: %w", errTxLost, err)
	}
	if err := run(ctx, tx); err != nil {
		if _, rerr := s.exec(ctx, tx, "ROLLBACK TO part"); rerr != nil {
			return fmt.Errorf("%w: %w (undoing it: %w)", errTxLost, err, rerr)
		}
		if _, rerr := s.exec(ctx, tx, "RELEASE part"); rerr != nil {
			return fmt.Errorf("%w: %w (undoing it: %w)", errTxLost, err, rerr)
		}
		return err
	}
	if _, err := s.exec(ctx, tx, "RELEASE part"); err != nil {
		return fmt.Errorf("%w: %w", errTxLost, err)
	}
	return nil
}
