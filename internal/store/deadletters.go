package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// DeadLetter is a message given up for good: after send_attempts
// temporary failures, or a permanent refusal (chat not found, blocked).
type DeadLetter struct {
	ID        int64     `json:"id" db:"id"`
	Platform  string    `json:"platform" db:"platform"`
	Bot       string    `json:"bot" db:"bot"`
	ChatID    string    `json:"chat_id" db:"chat_id"`
	Action    string    `json:"action" db:"action"`
	Rule      string    `json:"rule" db:"rule"`
	Attempts  int       `json:"attempts" db:"attempts"`
	LastError string    `json:"last_error" db:"last_error"`
	CreatedAt time.Time `json:"created_at" db:"-"`
}

// DeadLetters lists the newest messages given up, newest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	var rows []struct {
		DeadLetter
		Created int64 `db:"created_at"`
	}
	err := s.readSel(ctx, &rows, `SELECT id, platform, bot, chat_id, action, rule, attempts, last_error, created_at
		FROM outbox WHERE state = 'failed' ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, unavailable("dead letters", err)
	}
	out := make([]DeadLetter, len(rows))
	for i, r := range rows {
		out[i] = r.DeadLetter
		out[i].CreatedAt = fromMS(r.Created)
	}
	return out, nil
}

// RetryDeadLetters puts given-up messages back in line to be sent at
// once, with their attempts counted afresh: the ids given, or all when ids
// is empty. A message goes back to its place in its chat's order, so
// later messages to that chat wait for it. It returns how many were
// requeued.
func (s *Store) RetryDeadLetters(ctx context.Context, ids []int64, now time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		q, args := `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, last_error = '' WHERE state = 'failed'`, []any{ms(now)}
		if len(ids) > 0 {
			var err error
			q, args, err = sqlx.In(q+` AND id IN (?)`, ms(now), ids)
			if err != nil {
				return err
			}
		}
		res, err := s.exec(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, unavailable("retry dead letters", err)
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
