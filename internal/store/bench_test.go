package store

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
)

// BenchmarkProcessEvent measures deciding one customer message end to end in
// the store (accept, claim, one transaction), with and without the
// frequency guard: its reads, its check and its reservations. The
// difference is what the guard costs per decision. Syncing is off: both
// variants make the same fsyncs, whose noise would otherwise swamp the
// difference.
func BenchmarkProcessEvent(b *testing.B) {
	for _, withGuard := range []bool{false, true} {
		name := "guard=off"
		if withGuard {
			name = "guard=on"
		}
		b.Run(name, func(b *testing.B) {
			s, err := OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "b.db"), Options{Synchronous: "OFF"})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.skipGuardState = !withGuard
			g := guard.New(guard.Config{})
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
			s.Now = func() time.Time { return now }
			planned := []chat.Action{
				{Type: chat.ActionAck, Rule: "ack", Text: "Thanks, we got your message."},
				{Type: chat.ActionReply, Rule: "refund", Text: "Refunds take 3-5 business days."},
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now = now.Add(time.Second)
				customer := fmt.Sprint(i % 1000) // returning customers, as in production
				ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(i), Kind: chat.KindText,
					ChatID: customer, ChatType: chat.ChatPrivate, Text: "refund", Time: now,
					Customer: chat.Customer{ID: customer, Name: "Ann"}}
				if err := s.Accept(ctx, ev); err != nil {
					b.Fatal(err)
				}
				evs, err := s.ClaimEvents(ctx, "b", now, time.Minute, 1, chat.SetAside{})
				if err != nil || len(evs) != 1 {
					b.Fatalf("claim: %v %d", err, len(evs))
				}
				err = s.ProcessEvent(ctx, evs[0], now, 24*time.Hour, func(st chat.State) (chat.Plan, error) {
					if !withGuard {
						sends := make([]chat.Send, len(planned))
						for i, a := range planned {
							sends[i] = chat.Send{Action: a}
						}
						return chat.Plan{Sends: sends}, nil
					}
					sends, suppressed := g.Check(ev, st, planned, now)
					return chat.Plan{Sends: sends, Suppressed: suppressed}, nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAccept measures durable ingest in the store: an event committed
// to the inbox, as a webhook waits for it, with the default (durable)
// syncing. One caller at a time pays a commit each; many at once share
// commits (group commit), which is what a busy webhook sees.
func BenchmarkAccept(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			s, err := OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "b.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			var next atomic.Int64
			b.SetParallelism(max(callers/runtime.GOMAXPROCS(0), 1))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					customer := fmt.Sprint(i % 1000)
					ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(i), Kind: chat.KindText,
						ChatID: customer, ChatType: chat.ChatPrivate, Text: "where is my order?", Time: time.Now(),
						Customer: chat.Customer{ID: customer, Name: "Ann"}, Raw: []byte(`{"update_id":1}`)}
					if err := s.Accept(ctx, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
