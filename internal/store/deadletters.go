package store

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
)

// OutboxEntry is one message in the outbox as an operator sees it: where
// it goes and why it has not gone yet. The text is left out, as it may
// hold personal data.
type OutboxEntry struct {
	ID          int64     `json:"id" db:"id"`
	State       string    `json:"state" db:"state"`
	Platform    string    `json:"platform" db:"platform"`
	Bot         string    `json:"bot" db:"bot"`
	ChatID      string    `json:"chat_id" db:"chat_id"`
	Action      string    `json:"action" db:"action"`
	Rule        string    `json:"rule" db:"rule"`
	Attempts    int       `json:"attempts" db:"attempts"`
	LastError   string    `json:"last_error" db:"last_error"`
	CreatedAt   time.Time `json:"created_at" db:"-"`
	NextAttempt time.Time `json:"next_attempt_at,omitzero" db:"-"`
}

// Outbox states an operator can list.
const (
	OutboxPending = "pending" // waiting to be sent, perhaps after failures
	OutboxFailed  = "failed"  // given up: the dead letters
)

// DeadLetters lists the newest messages given up for good (after
// send_attempts temporary failures, or a permanent refusal such as chat
// not found or blocked), newest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]OutboxEntry, error) {
	return s.OutboxEntries(ctx, OutboxFailed, limit)
}

// OutboxEntries lists messages in one state: the given-up ones newest
// first, the pending ones in the order they will be tried.
func (s *Store) OutboxEntries(ctx context.Context, state string, limit int) ([]OutboxEntry, error) {
	order := "id DESC"
	switch state {
	case OutboxFailed:
	case OutboxPending:
		order = "next_attempt_at, id"
	default:
		return nil, fmt.Errorf("outbox entries: unknown state %q (want %s or %s)", state, OutboxPending, OutboxFailed)
	}
	var rows []struct {
		OutboxEntry
		Created int64 `db:"created_at"`
		Next    int64 `db:"next_attempt_at"`
	}
	err := s.readSel(ctx, &rows, `SELECT id, state, platform, bot, chat_id, action, rule, attempts, last_error, created_at, next_attempt_at
		FROM outbox WHERE state = ? ORDER BY `+order+` LIMIT ?`, state, limit)
	if err != nil {
		return nil, unavailable("outbox entries", err)
	}
	out := make([]OutboxEntry, len(rows))
	for i, r := range rows {
		out[i] = r.OutboxEntry
		out[i].CreatedAt = fromMS(r.Created)
		if state == OutboxPending {
			out[i].NextAttempt = fromMS(r.Next)
		}
	}
	return out, nil
}

// RetryDeadLetters puts given-up messages back in line to be sent at
// once, with their attempts counted afresh: the ids given, or all when ids
// is empty. A message goes back to its place in its chat's order, so
// later messages to that chat wait for it. It returns the ids requeued, so
// a caller can name those asked for that were not (no such id, or not
// given up).
func (s *Store) RetryDeadLetters(ctx context.Context, ids []int64, now time.Time) ([]int64, error) {
	requeued, err := s.requeue(ctx, `UPDATE outbox SET state = 'pending', waits = 0, attempts = 0, next_attempt_at = ?, last_error = '' WHERE state = 'failed'`,
		ids, now, &s.outboxRecountAt)
	return requeued, unavailable("retry dead letters", err)
}

// requeue runs update (a statement setting rows of state 'failed' back to
// pending, its one placeholder the next attempt's time) on the ids given,
// or on all when ids is empty, and returns the ids it requeued, sorted.
// They sort below this process's claim mark, so recountAt is reset for
// the mark to be counted again.
func (s *Store) requeue(ctx context.Context, update string, ids []int64, now time.Time, recountAt *atomic.Int64) ([]int64, error) {
	var requeued []int64
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		q, args := update, []any{ms(now)}
		if len(ids) > 0 {
			var err error
			q, args, err = sqlx.In(q+` AND id IN (?)`, ms(now), ids)
			if err != nil {
				return err
			}
		}
		requeued = nil // a retried transaction starts over
		return s.sel(ctx, tx, &requeued, q+` RETURNING id`, args...)
	})
	if err == nil && len(requeued) > 0 {
		recountAt.Store(0)
	}
	slices.Sort(requeued)
	return requeued, err
}

// OutboxDepth is what waits to be sent, for metrics.
type OutboxDepth struct {
	Pending, Failed int
	OldestPending   time.Duration // age of the oldest message waiting; 0 when none
}

// Depth measures the outbox through its partial indexes, cheaply enough
// for every metrics scrape.
func (s *Store) Depth(ctx context.Context, now time.Time) (OutboxDepth, error) {
	var r struct {
		Pending int    `db:"pending"`
		Failed  int    `db:"failed"`
		Oldest  *int64 `db:"oldest"`
	}
	err := s.readGet(ctx, &r, `SELECT
			(SELECT COUNT(*) FROM outbox WHERE state = 'pending') AS pending,
			(SELECT COUNT(*) FROM outbox WHERE state = 'failed') AS failed,
			(SELECT MIN(created_at) FROM outbox WHERE state = 'pending') AS oldest`)
	if err != nil {
		return OutboxDepth{}, unavailable("outbox depth", err)
	}
	d := OutboxDepth{Pending: r.Pending, Failed: r.Failed}
	if r.Oldest != nil {
		d.OldestPending = max(now.Sub(fromMS(*r.Oldest)), 0)
	}
	return d, nil
}
