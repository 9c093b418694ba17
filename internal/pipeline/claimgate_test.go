package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/rules"
)

func TestClaimGateFollowsBatchTimes(t *testing.T) {
	poll := time.Second
	cases := []struct {
		name     string
		observed []time.Duration
		want     time.Duration
	}{
		{"no batch yet: no wait", nil, 0},
		{"the first batch sets it", []time.Duration{20 * time.Millisecond}, 40 * time.Millisecond},
		{"one slow batch moves it an eighth of the way", []time.Duration{20 * time.Millisecond, 100 * time.Millisecond}, 60 * time.Millisecond},
		{"never past the poll interval", []time.Duration{time.Minute}, poll},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b batchTimes
			for _, d := range c.observed {
				b.observe(d)
			}
			if got := b.claimGate(poll); got != c.want {
				t.Errorf("claimGate = %v, want %v", got, c.want)
			}
		})
	}
}

// slowDecider takes its time over every event, as deciding and applying
// take theirs on a busy database.
type slowDecider struct {
	rules *rules.Rules
	delay time.Duration
}

func (d slowDecider) Decide(ev chat.Event, st chat.State, now time.Time) rules.Decision {
	time.Sleep(d.delay)
	return d.rules.Decide(ev, st, now)
}

// noAcceptLeases is a store that does not lease at accept, as on
// PostgreSQL: every event goes through a claim. It counts the claims that
// found events, each the start of a batch.
type noAcceptLeases struct {
	*store.Store
	found atomic.Int32
}

func (*noAcceptLeases) LeaseAtAccept(string, time.Duration, int) <-chan struct{} { return nil }

func (s *noAcceptLeases) ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, aside chat.SetAside) ([]chat.InboxEvent, error) {
	evs, err := s.Store.ClaimEvents(ctx, owner, now, lease, limit, aside)
	if len(evs) > 0 {
		s.found.Add(1)
	}
	return evs, err
}

// TestShortClaimsWaitForABatchInFlight: events trickling in one by one
// while batches are busy are not claimed one claim and one batch each:
// after a claim that found all there was, the next waits for a batch to
// finish, and takes what came meanwhile together.
func TestShortClaimsWaitForABatchInFlight(t *testing.T) {
	ctx := context.Background()
	st, r := guardRulesOnSQLite(t)
	counted := &noAcceptLeases{Store: st}
	sender := &recordingSender{}
	// Workers enough for a batch per event: without the wait, each event
	// would be claimed alone as it comes.
	cfg := Config{Workers: 32, Lease: time.Minute, PollInterval: time.Hour}
	p := New(cfg, counted, slowDecider{rules: r, delay: 20 * time.Millisecond}, map[string]Sender{SenderKey(chat.Telegram, "shop"): sender}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.Start()
	t.Cleanup(func() { p.Stop(ctx) })
	const events = 60
	for i := range events {
		acceptText(t, st, fmt.Sprint(i), fmt.Sprint("c", i), "shipping")
		p.WakeEvents()
		time.Sleep(2 * time.Millisecond)
	}
	waitFor(t, "every customer answered", func() bool { return len(sender.sent()) == events })
	batches := counted.found.Load()
	t.Logf("%d claims found events, of %d events accepted 2 ms apart", batches, events)
	if batches > events/2 {
		t.Errorf("%d claims found events, of %d: short claims did not wait for a batch in flight", batches, events)
	}
}
