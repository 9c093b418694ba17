package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// hangingDecider never finishes deciding the text "poison", as a rule
// whose cost is out of bounds or a crash in deciding would; the test
// treats the pipeline that met it as dead.
type hangingDecider struct {
	rules   *rules.Rules
	entered chan struct{} // told each time the poison is met
	release chan struct{} // closed when the test ends
}

func (d *hangingDecider) Decide(ev chat.Event, st chat.State, now time.Time) rules.Decision {
	if ev.Text == "poison" {
		d.entered <- struct{}{}
		<-d.release
		panic("released at the end of the test")
	}
	return d.rules.Decide(ev, st, now)
}

// guardRulesOnSQLite opens a fresh SQLite store and parses guardRules,
// for tests that run a whole pipeline.
func guardRulesOnSQLite(t *testing.T) (*store.Store, *rules.Rules) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "p.db"), store.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := rules.Parse("rules.yaml", []byte(guardRules))
	if err != nil {
		t.Fatal(err)
	}
	return st, r
}

// recordingSender records the chats replies went to.
type recordingSender struct {
	mu    sync.Mutex
	chats []string
}

func (s *recordingSender) Send(_ context.Context, out chat.Outgoing) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats = append(s.chats, out.ChatID)
	return fmt.Sprint(len(s.chats)), nil
}

func (s *recordingSender) sent() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[string]int{}
	for _, c := range s.chats {
		n[c]++
	}
	return n
}

// TestPoisonEventIsSetAsideAfterItsAttempts: an event whose deciding never
// finishes is met by three processes in turn, each of which dies with it
// (its claim abandoned; the next starts after the lease). The fourth sets
// it aside with the reason, and every other customer is answered, the
// ones that shared the first batch with it included, without their
// attempts running out; the poisoned customer's next message is answered
// too.
func TestPoisonEventIsSetAsideAfterItsAttempts(t *testing.T) {
	ctx := context.Background()
	st, r := guardRulesOnSQLite(t)
	d := &hangingDecider{rules: r, entered: make(chan struct{}, 8), release: make(chan struct{})}
	t.Cleanup(func() { close(d.release) })
	var clock atomic.Int64
	clock.Store(t0.UnixMilli())
	now := func() time.Time { return time.UnixMilli(clock.Load()).UTC() }
	st.Now = now

	for i, m := range []struct{ customer, text string }{
		{"p", "poison"}, {"a", "refund"}, {"b", "shipping"}, {"p", "refund"},
	} {
		ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(i + 1), Kind: chat.KindText,
			ChatID: m.customer, ChatType: chat.ChatPrivate, Text: m.text, Time: t0, MessageID: fmt.Sprint(i + 1),
			Customer: chat.Customer{ID: m.customer, Name: m.customer, Language: "en"}}
		if err := st.Accept(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	sender := &recordingSender{}
	const attempts = 3
	cfg := Config{EventAttempts: attempts, Lease: time.Minute, PollInterval: 5 * time.Millisecond}
	start := func() *Pipeline {
		p := New(cfg, st, d, map[string]Sender{SenderKey(chat.Telegram, "shop"): sender}, now, slog.New(slog.NewTextHandler(io.Discard, nil)))
		p.Start()
		return p
	}
	for i := range attempts {
		p := start()
		select {
		case <-d.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("process %d never met the poison event", i+1)
		}
		if i > 0 {
			// From the second process on, the other customers' events
			// are tried alone, beside the poison: let their replies be
			// sent and recorded first, as this process cannot be made to
			// die all at once.
			waitFor(t, "a and b answered and recorded", func() bool {
				got := sender.sent()
				pending, err := st.OutboxEntries(ctx, store.OutboxPending, 10)
				return err == nil && len(pending) == 0 && got["a"] == 1 && got["b"] == 1
			})
		}
		// It dies: it claims nothing more and gives nothing back.
		close(p.stop)
		clock.Add((2 * time.Minute).Milliseconds())
	}
	p := start()
	defer p.Stop(ctx)
	waitFor(t, "p's second message answered", func() bool { return sender.sent()["p"] >= 1 })
	select {
	case <-d.entered:
		t.Error("the poison event was handed out after its attempts were spent")
	default:
	}
	failed, err := st.FailedEvents(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("set aside after %d attempts: processing never finished", attempts)
	if len(failed) != 1 || failed[0].ID != 1 || failed[0].Attempts != attempts || failed[0].LastError != want {
		t.Fatalf("failed events: %+v; want event 1 alone, %d attempts, %q", failed, attempts, want)
	}
	if got := sender.sent(); got["a"] != 1 || got["b"] != 1 || got["p"] != 1 {
		t.Errorf("replies by chat: %v; want one each", got)
	}
}

// waitFor waits up to 10 s for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
