package store

import (
	"context"
	"time"
)

// FailedEvent is an inbox event set aside, as an operator sees it: where it
// came from and why it was not processed. The event itself (the customer's
// text and name) is left out.
type FailedEvent struct {
	ID         int64     `json:"id" db:"id"`
	Platform   string    `json:"platform" db:"platform"`
	Bot        string    `json:"bot" db:"bot"`
	Chat       string    `json:"chat" db:"conversation_key"`
	Kind       string    `json:"kind" db:"kind"`
	Attempts   int       `json:"attempts" db:"attempts"`
	LastError  string    `json:"last_error" db:"last_error"`
	ReceivedAt time.Time `json:"received_at" db:"-"`
}

// FailedEvents lists the newest events set aside (their processing failed
// or never finished the configured number of times), newest first.
func (s *Store) FailedEvents(ctx context.Context, limit int) ([]FailedEvent, error) {
	var rows []struct {
		FailedEvent
		Received int64 `db:"received_at"`
	}
	err := s.readSel(ctx, &rows, `SELECT id, platform, bot, conversation_key, kind, attempts,
		COALESCE(last_error, '') AS last_error, received_at
		FROM inbox WHERE state = 'failed' ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, unavailable("failed events", err)
	}
	out := make([]FailedEvent, len(rows))
	for i, r := range rows {
		out[i] = r.FailedEvent
		out[i].ReceivedAt = fromMS(r.Received)
	}
	return out, nil
}

// RetryFailedEvents puts events set aside back in line to be processed at
// once, with their attempts counted afresh: the ids given, or all when ids
// is empty. An event keeps its place in its conversation's order, so its
// conversation's later events still waiting wait for it. It returns the
// ids requeued (a caller names those asked for that were not); a running
// service finds them within markRecountEvery.
func (s *Store) RetryFailedEvents(ctx context.Context, ids []int64, now time.Time) ([]int64, error) {
	requeued, err := s.requeue(ctx, `UPDATE inbox SET state = 'pending', waits = 0, attempts = 0, next_attempt_at = ?, last_error = '',
		claimed_by = NULL, claimed_until = NULL WHERE state = 'failed'`, ids, now, &s.inboxRecountAt)
	return requeued, unavailable("retry failed events", err)
}
