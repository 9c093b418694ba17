package store

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestPruneKeepsWhatRetentionKeeps: a conversation from 100 days ago goes,
// one from 8 days ago stays (its payload dropped after a week), and a retry
// of its update is still recognized.
func TestPruneKeepsWhatRetentionKeeps(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		old, recent := t0.Add(-100*24*time.Hour), t0.Add(-8*24*time.Hour)
		for _, c := range []struct {
			id, chat string
			at       time.Time
		}{{"1", "10", old}, {"2", "20", recent}} {
			s.Now = func() time.Time { return c.at }
			ev := event(c.id, c.chat, "hello")
			ev.Time = c.at
			mustAccept(t, s, ev)
			ie := claimOne(t, s, c.at)
			err := s.ProcessEvent(ctx, ie, c.at, 24*time.Hour, func(chat.State) (chat.Plan, error) {
				return chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "r", Text: "hi"}}}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := s.ClaimOutgoing(ctx, "w", c.at, time.Minute, 1)
			if err != nil || len(msgs) != 1 {
				t.Fatal(err)
			}
			if err := s.MarkSent(ctx, msgs[0].ID, "p", c.at); err != nil {
				t.Fatal(err)
			}
		}
		// Spikes: one ended long ago goes, one open since then stays.
		for i, kind := range []chat.SpikeKind{chat.SpikeRule, chat.SpikeType} {
			if ok, err := s.StartSpike(ctx, chat.Spike{Kind: kind, Name: "x", Team: "support", Count: 30}, nil, old); err != nil || !ok {
				t.Fatalf("start spike %d: %v, %v", i, ok, err)
			}
		}
		if ok, err := s.EndSpike(ctx, 1, old.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("end spike: %v, %v", ok, err)
		}
		s.Now = func() time.Time { return t0 }
		if _, err := s.Prune(ctx, t0, Retention{Payloads: 7 * 24 * time.Hour, History: time.Hour}); err == nil {
			t.Fatal("a history retention shorter than the platforms' retries was accepted")
		}
		got, err := s.Prune(ctx, t0, Retention{Payloads: 7 * 24 * time.Hour, History: 90 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if got.Events != 1 || got.Messages != 2 || got.Sends != 1 || got.Conversations != 1 || got.Customers != 1 || got.Payloads != 2 || got.Spikes != 1 {
			t.Fatalf("pruned %+v", got)
		}
		for table, want := range map[string]int{"inbox": 1, "decisions": 1, "messages": 2, "outbox": 1, "conversations": 1, "customers": 1, "spikes": 1} {
			if n := countRows(t, s, table); n != want {
				t.Errorf("%s: %d rows left, want %d", table, n, want)
			}
		}
		var raw int
		if err := s.readGet(ctx, &raw, `SELECT COUNT(*) FROM inbox WHERE raw IS NOT NULL`); err != nil || raw != 0 {
			t.Errorf("payloads kept: %d, %v", raw, err)
		}
		mustAccept(t, s, event("2", "20", "hello")) // Telegram retrying a kept update
		if evs, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 5, chat.SetAside{}); err != nil || len(evs) != 0 {
			t.Fatalf("a retry of a kept event became new work: %d, %v", len(evs), err)
		}
		again, err := s.Prune(ctx, t0, Retention{Payloads: 7 * 24 * time.Hour, History: 90 * 24 * time.Hour})
		if err != nil || again != (Pruned{}) {
			t.Fatalf("a second prune removed %+v, %v", again, err)
		}
	})
}
