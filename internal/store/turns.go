package store

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// writerTurns hands SQLite's one writer connection out in turns, between
// webhooks' group commits (fast) and the combiner, which runs everything
// else (see combine). Group commits go first, since every poster waits for
// them and the combiner's transactions grow while they do; but never twice
// in a row while the combiner waits, so neither side starves. Left to
// itself, database/sql hands a freed connection to a random waiter.
//
// It also keeps the time the writer was held (release counts it) and
// waited for (its callers count that: the combiner counts each of its
// transactions' wait from when it was queued). SQLite has one writer, so
// the share of time it is held says how close a replica is to the most it
// can write, and the waits are what that costs in latency.
type writerTurns struct {
	mu       sync.Mutex
	busy     bool
	lastFast bool
	fast     []chan struct{} // waiting group commits, first come first served
	slow     []chan struct{} // waiting pipeline work, likewise

	// heldSince is when the writer was handed to its holder (guarded by
	// mu, and set at the handover, so a turn's held time covers every
	// part its holder spends in it).
	heldSince    time.Time
	held, waited atomic.Int64 // nanoseconds, over all turns ended
	// spent is the held time by what it went to (nanoseconds): the
	// turn's holder adds each part of its work as it finishes it.
	spent [numWriterParts]atomic.Int64
}

// writerPart is what a turn of SQLite's writer was spent on. The writer is
// where SQLite's throughput stops, so the shares of these say what a
// faster replica has to cut (see Work.WriterParts).
type writerPart int

const (
	partOther       writerPart = iota // everything else: agents' actions, timers, pruning, the turns' own overhead
	partAccept                        // webhooks' group commits: insert, lease at accept, commit
	partApply                         // the effects of decided events, up to their commit
	partSent                          // sends recorded, and the chats' next messages leased
	partClaimEvents                   // the event claims (each its own transaction)
	partClaimSends                    // the senders' claims (likewise)
	partCommit                        // the commit of combined transactions: their pages written to the log
	partCheckpoint                    // the writer's share of the checkpoints (see checkpointLoop)
	numWriterParts
)

// writerPartNames are the parts' names on /metrics.
var writerPartNames = [numWriterParts]string{"other", "accept", "apply", "sent", "claim_events", "claim_sends", "commit", "checkpoint"}

// spend adds d to what part took; only the turn's holder calls it. A nil
// w (PostgreSQL, whose writers do not take turns) keeps nothing, and other
// is never kept: it is what the named parts leave of the held time.
func (w *writerTurns) spend(part writerPart, d time.Duration) {
	if w != nil && part != partOther {
		w.spent[part].Add(int64(d))
	}
}

// acquire waits for the writer, and says how long; fast is a group commit
// of webhooks. Its caller counts the wait (see Store.writerTurn).
func (w *writerTurns) acquire(ctx context.Context, fast bool) (time.Duration, error) {
	w.mu.Lock()
	if !w.busy {
		w.busy, w.lastFast = true, fast
		w.heldSince = time.Now()
		w.mu.Unlock()
		return 0, nil
	}
	asked := time.Now()
	turn := make(chan struct{})
	if fast {
		w.fast = append(w.fast, turn)
	} else {
		w.slow = append(w.slow, turn)
	}
	w.mu.Unlock()
	select {
	case <-turn:
		// release set heldSince before it closed turn, and only this
		// holder's own release writes it again.
		return w.heldSince.Sub(asked), nil
	case <-ctx.Done():
		w.mu.Lock()
		select {
		case <-turn:
			// Handed over meanwhile: pass it on.
			w.mu.Unlock()
			w.release()
		default:
			w.fast = slices.DeleteFunc(w.fast, func(c chan struct{}) bool { return c == turn })
			w.slow = slices.DeleteFunc(w.slow, func(c chan struct{}) bool { return c == turn })
			w.mu.Unlock()
		}
		return 0, ctx.Err()
	}
}

// release hands the writer to the next in turn.
func (w *writerTurns) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	w.held.Add(int64(now.Sub(w.heldSince)))
	var next chan struct{}
	switch {
	case len(w.fast) > 0 && (!w.lastFast || len(w.slow) == 0):
		next, w.fast, w.lastFast = w.fast[0], w.fast[1:], true
	case len(w.slow) > 0:
		next, w.slow, w.lastFast = w.slow[0], w.slow[1:], false
	default:
		w.busy = false
		return
	}
	w.heldSince = now
	close(next)
}

// heldSoFar is the time the writer has been held, the turn under way
// included. Read after the parts, it is never less than their sum: each
// part was spent inside a turn that either has ended (and is in held) or
// is under way (and counted here up to now).
func (w *writerTurns) heldSoFar() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	held := time.Duration(w.held.Load())
	if w.busy {
		held += time.Since(w.heldSince)
	}
	return held
}
