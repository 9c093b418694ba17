package store

import (
	"context"
	"time"
)

// Erasure is one customer forgotten (Forget), named by
// chat.ErasureSubject, and its place in the log.
type Erasure struct {
	ID      int64  `db:"id"`
	Subject string `db:"subject"`
}

// erasureLife is how long the erasure log keeps a row: every process that
// holds copies reads it far more often.
const erasureLife = time.Hour

// ErasuresAfter lists the erasures logged after the one with id after,
// oldest first, at most limit; after 0 lists from the start of the log.
func (s *Store) ErasuresAfter(ctx context.Context, after int64, limit int) ([]Erasure, error) {
	var out []Erasure
	if err := s.readSel(ctx, &out, `SELECT id, subject FROM erasures WHERE id > ? ORDER BY id LIMIT ?`, after, limit); err != nil {
		return nil, unavailable("read erasures", err)
	}
	return out, nil
}

// LastErasure is the id of the newest erasure logged (0 when none): a
// process that starts holds no copies yet, so it reads only what follows.
func (s *Store) LastErasure(ctx context.Context) (int64, error) {
	var id int64
	if err := s.readGet(ctx, &id, `SELECT COALESCE(MAX(id), 0) FROM erasures`); err != nil {
		return 0, unavailable("read erasures", err)
	}
	return id, nil
}
