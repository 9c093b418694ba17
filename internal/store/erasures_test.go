package store

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Forget logs an erasure for holders of copies outside the database; a
// dry run logs none; the log keeps rows for erasureLife.
func TestForgetLogsAnErasure(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		start, err := s.LastErasure(ctx)
		if err != nil || start != 0 {
			t.Fatalf("LastErasure on an empty log = %d, %v", start, err)
		}
		if _, err := s.ForgetDryRun(ctx, chat.Telegram, "shop", "10", t0); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ErasuresAfter(ctx, 0, 10); err != nil || len(got) != 0 {
			t.Fatalf("after a dry run, erasures %+v, %v", got, err)
		}
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "10", t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.ErasuresAfter(ctx, 0, 10)
		if err != nil || len(got) != 1 || got[0].Subject != chat.ErasureSubject(chat.Telegram, "shop", "10") {
			t.Fatalf("erasures %+v, %v; want one naming telegram/shop/10", got, err)
		}
		if last, err := s.LastErasure(ctx); err != nil || last != got[0].ID {
			t.Fatalf("LastErasure = %d, %v; want %d", last, err, got[0].ID)
		}
		if later, err := s.ErasuresAfter(ctx, got[0].ID, 10); err != nil || len(later) != 0 {
			t.Fatalf("erasures after the last: %+v, %v", later, err)
		}
		r := Retention{Payloads: 7 * 24 * time.Hour, History: 90 * 24 * time.Hour}
		if _, err := s.Prune(ctx, t0.Add(erasureLife-time.Minute), r); err != nil {
			t.Fatal(err)
		}
		if kept, _ := s.ErasuresAfter(ctx, 0, 10); len(kept) != 1 {
			t.Fatalf("pruned before its life was over: %+v", kept)
		}
		if _, err := s.Prune(ctx, t0.Add(erasureLife+time.Minute), r); err != nil {
			t.Fatal(err)
		}
		if kept, _ := s.ErasuresAfter(ctx, 0, 10); len(kept) != 0 {
			t.Fatalf("kept past its life: %+v", kept)
		}
	})
}
