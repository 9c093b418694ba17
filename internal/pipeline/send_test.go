package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// slowRecords holds every write of sends until its gate opens, as a
// database slower than the platform would.
type slowRecords struct {
	Store
	gate chan struct{}
}

func (s *slowRecords) MarkSentAndClaimNext(ctx context.Context, sent []chat.SentMessage, next chat.SendClaim, now time.Time) ([]chat.Outgoing, error) {
	<-s.gate
	return s.Store.MarkSentAndClaimNext(ctx, sent, next, now)
}

// countingSender takes hold to answer each send, and notes how many it
// had running at once.
type countingSender struct {
	hold time.Duration

	mu            sync.Mutex
	running, most int
	chats         []string
}

func (s *countingSender) Send(ctx context.Context, out chat.Outgoing) (string, error) {
	s.mu.Lock()
	s.running++
	s.most = max(s.most, s.running)
	s.mu.Unlock()
	time.Sleep(s.hold)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	s.chats = append(s.chats, out.ChatID)
	return fmt.Sprint(len(s.chats)), nil
}

func (s *countingSender) counts() (sent, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.chats), s.most
}

const oneAnswer = `
keywords:
  shipping: [shipping]
rules:
  - id: shipping
    keywords: [shipping]
    reply: "Shipping info"
`

// startSending runs a pipeline with the given senders on a real SQLite
// store, wrapped by wrap, and accepts one question from each of n
// customers.
func startSending(t *testing.T, senders, n int, wrap func(Store) Store, sender Sender) *Pipeline {
	t.Helper()
	st, _ := guardRulesOnSQLite(t)
	r, err := rules.Parse("rules.yaml", []byte(oneAnswer))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Workers: 1, Senders: senders, Lease: time.Minute, PollInterval: 20 * time.Millisecond}
	p := New(cfg, wrap(st), r, map[string]Sender{SenderKey(chat.Telegram, "shop"): sender}, time.Now,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := range n {
		acceptText(t, st, fmt.Sprint(i+1), fmt.Sprintf("customer-%d", i), "shipping")
	}
	p.Start()
	return p
}

// TestASendDoesNotWaitForTheRecordOfTheOneBefore: the platform has
// answered, and the write that records it is slow. The sender's next
// message goes meanwhile (a sender waits on the platform, not on the
// database), but no more than twice pipeline.senders are held unrecorded.
func TestASendDoesNotWaitForTheRecordOfTheOneBefore(t *testing.T) {
	slow := &slowRecords{gate: make(chan struct{})}
	sender := &countingSender{}
	p := startSending(t, 1, 4, func(s Store) Store { slow.Store = s; return slow }, sender)
	t.Cleanup(func() { p.Stop(context.Background()) })
	var open sync.Once
	release := func() { open.Do(func() { close(slow.gate) }) }
	t.Cleanup(release) // before the stop, which waits for the records
	waitFor(t, "a second send while the first one's record waits", func() bool {
		sent, _ := sender.counts()
		return sent == heldPerCall
	})
	// Two are held, recorded by nobody yet: the third waits for a slot.
	time.Sleep(100 * time.Millisecond)
	if sent, _ := sender.counts(); sent != heldPerCall {
		t.Fatalf("%d sent with every record held up, want at most %d", sent, heldPerCall)
	}
	release()
	waitFor(t, "all four sent once the records are written", func() bool {
		sent, _ := sender.counts()
		return sent == 4
	})
	if _, most := sender.counts(); most != 1 {
		t.Errorf("%d sends ran at once, want 1 (pipeline.senders)", most)
	}
}

// TestSendersBoundTheCallsAtOnce: however many messages are held, no more
// than pipeline.senders calls to the platform run at once, and they do run
// side by side.
func TestSendersBoundTheCallsAtOnce(t *testing.T) {
	for _, senders := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(senders), func(t *testing.T) {
			sender := &countingSender{hold: 30 * time.Millisecond}
			p := startSending(t, senders, 12, func(s Store) Store { return s }, sender)
			t.Cleanup(func() { p.Stop(context.Background()) })
			waitFor(t, "all twelve sent", func() bool {
				sent, _ := sender.counts()
				return sent == 12
			})
			if _, most := sender.counts(); most != senders {
				t.Errorf("%d sends ran at once, want %d", most, senders)
			}
		})
	}
}
