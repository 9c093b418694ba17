package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestGroupCommitIsolatesABadEvent: one event the database (or the encoder)
// refuses fails alone; the events committed in the same group are stored.
// Before, one update with a date past year 9999 made 107 good ones 503.
func TestGroupCommitIsolatesABadEvent(t *testing.T) {
	bad := event("3", "30", "from the far future")
	bad.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // JSON cannot encode it
	tests := []struct {
		name    string
		batch   []chat.Event
		wantErr []bool
		rows    int
	}{
		{"a bad event among good ones", []chat.Event{event("1", "10", "a"), event("2", "20", "b"), bad, event("4", "40", "d")},
			[]bool{false, false, true, false}, 3},
		{"good events only: one commit", []chat.Event{event("1", "10", "a"), event("2", "20", "b")}, []bool{false, false}, 2},
		{"a bad event alone", []chat.Event{bad}, []bool{true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *Store) {
				batch := make([]acceptReq, len(tt.batch))
				for i, ev := range tt.batch {
					batch[i] = acceptReq{ctx: context.Background(), ev: storable(ev), done: make(chan error, 1)}
				}
				s.commitGroup(batch)
				for i, req := range batch {
					err := <-req.done
					if (err != nil) != tt.wantErr[i] {
						t.Errorf("event %s: %v, want error %v", tt.batch[i].ExternalID, err, tt.wantErr[i])
					}
					if err != nil && !errors.Is(err, chat.ErrUnavailable) {
						t.Errorf("event %s: %v does not wrap chat.ErrUnavailable", tt.batch[i].ExternalID, err)
					}
				}
				if n := countRows(t, s, "inbox"); n != tt.rows {
					t.Errorf("%d inbox rows, want %d", n, tt.rows)
				}
			})
		})
	}
}
