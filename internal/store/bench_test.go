package store

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
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

// BenchmarkWritePath measures what the store spends on one customer
// message along the pipeline's path, in batches as under load: accepted
// (webhooks at once share a group commit), claimed with its batch, its
// state loaded, a reply applied, the reply claimed and recorded sent. One
// op is one message; statements and commits per message are reported as
// the load tool reports them. It is the store's part of the load tool's
// figure without the HTTP, the deciding and the noise of a whole machine
// shared with a generator, so a change to the schema or the statements
// shows here within a few per cent. Syncing is as served (NORMAL).
func BenchmarkWritePath(b *testing.B) {
	for _, batch := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s, err := OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "b.db"), Options{Synchronous: "NORMAL"})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
			s.Now = func() time.Time { return now }
			var wg sync.WaitGroup
			errs := make(chan error, batch)
			b.ReportAllocs()
			b.ResetTimer()
			before, cpuBefore := s.Work(), processCPU(b)
			for done := 0; done < b.N; done += batch {
				n := min(batch, b.N-done)
				now = now.Add(time.Second)
				for i := range n {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						customer := fmt.Sprint(i % 1000) // returning customers, as in production
						errs <- s.Accept(ctx, chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(i), Kind: chat.KindText,
							ChatID: customer, ChatType: chat.ChatPrivate, MessageID: fmt.Sprint(i), Text: "where is my order?", Time: now,
							Customer: chat.Customer{ID: customer, Name: "Ann"}, Raw: []byte(`{"update_id":1}`)})
					}(done + i)
				}
				wg.Wait()
				for range n {
					if err := <-errs; err != nil {
						b.Fatal(err)
					}
				}
				evs, err := s.ClaimEvents(ctx, "b", now, time.Minute, n, chat.SetAside{})
				if err != nil || len(evs) != n {
					b.Fatalf("claim: %v, %d of %d events", err, len(evs), n)
				}
				states, err := s.LoadStates(ctx, evs, now, 24*time.Hour)
				if err != nil {
					b.Fatal(err)
				}
				fx := make([]chat.Effects, n)
				for i, ie := range evs {
					fx[i] = chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "content/"+ie.CustomerScope()+"/"+ie.ExternalID, now)}
				}
				if _, err := s.Apply(ctx, fx, now); err != nil {
					b.Fatal(err)
				}
				out, err := s.ClaimOutgoing(ctx, "b", now, time.Minute, n)
				if err != nil || len(out) != n {
					b.Fatalf("claim sends: %v, %d of %d", err, len(out), n)
				}
				sent := make([]chat.SentMessage, len(out))
				for i, o := range out {
					sent[i] = chat.SentMessage{ID: o.ID, PlatformMessageID: fmt.Sprint(o.ID), At: now}
				}
				if err := s.MarkSentBatch(ctx, sent); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			work := s.Work()
			// The CPU the process spent, not the time that passed: what a
			// message costs the machine, without the waits for the writer
			// and the goroutines' scheduling, which vary more.
			b.ReportMetric(float64(processCPU(b)-cpuBefore)/float64(b.N), "cpu-ns/msg")
			b.ReportMetric(float64(work.Statements-before.Statements)/float64(b.N), "statements/msg")
			b.ReportMetric(float64(work.Commits-before.Commits)/float64(b.N), "commits/msg")
		})
	}
}

// processCPU is the CPU time the process has used (user and system).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
