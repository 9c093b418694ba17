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

// gatedDecider holds the deciding of the event with external id held
// until the gate opens.
type gatedDecider struct {
	rules   *rules.Rules
	held    string
	entered chan struct{}
	gate    chan struct{}
}

func (d *gatedDecider) Decide(ev chat.Event, st chat.State, now time.Time) rules.Decision {
	if ev.ExternalID == d.held {
		d.entered <- struct{}{}
		<-d.gate
	}
	return d.rules.Decide(ev, st, now)
}

// acceptText stores a customer's text message, as a webhook would.
func acceptText(t *testing.T, st *store.Store, id, customer, text string) {
	t.Helper()
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: id, Kind: chat.KindText,
		ChatID: customer, ChatType: chat.ChatPrivate, Text: text, Time: time.Now(), MessageID: id,
		Customer: chat.Customer{ID: customer, Name: customer, Language: "en"}}
	if err := st.Accept(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
}

// TestNextEventsNeedNoPoll: with polling an hour apart, a conversation's
// next event, accepted while its first is being decided, is claimed as
// soon as the first is done, whether this process was woken for it or it
// came through another replica (no wake here: the batch's apply says it
// waits); and an event of another conversation, accepted while the only
// worker is busy, goes as soon as that worker is free.
func TestNextEventsNeedNoPoll(t *testing.T) {
	for _, woken := range []bool{true, false} {
		t.Run(fmt.Sprintf("woken=%v", woken), func(t *testing.T) {
			ctx := context.Background()
			st, r := guardRulesOnSQLite(t)
			d := &gatedDecider{rules: r, held: "1", entered: make(chan struct{}, 1), gate: make(chan struct{})}
			sender := &recordingSender{}
			cfg := Config{Workers: 1, Lease: time.Minute, PollInterval: time.Hour}
			p := New(cfg, st, d, map[string]Sender{SenderKey(chat.Telegram, "shop"): sender}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
			accept := func(id, customer, text string, wake bool) {
				t.Helper()
				acceptText(t, st, id, customer, text)
				if wake {
					p.WakeEvents()
				}
			}
			// Accepted before the start, which claims it: no wake is left
			// over for later.
			accept("1", "x", "shipping", false)
			p.Start()
			t.Cleanup(func() { p.Stop(ctx) })
			select {
			case <-d.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first event was never decided")
			}
			accept("2", "x", "refund", woken)
			accept("3", "y", "shipping", woken)
			close(d.gate)
			waitFor(t, "x answered twice and y once", func() bool {
				got := sender.sent()
				return got["x"] == 2 && got["y"] == 1
			})
		})
	}
}

// claimCounter counts the pipeline's claims of events on a real store.
type claimCounter struct {
	*store.Store
	claims atomic.Int32
}

func (c *claimCounter) ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, aside chat.SetAside) ([]chat.InboxEvent, error) {
	c.claims.Add(1)
	return c.Store.ClaimEvents(ctx, owner, now, lease, limit, aside)
}

// TestAcceptedEventsNeedNoClaim: on SQLite an event first in line in its
// conversation goes from the transaction that accepts it to a worker in
// memory, so a quiet service answers message after message without a
// claim (a transaction and a turn of the writer each); the one claim is
// the start's, for what waited. A conversation's next message, accepted
// while its first is being decided, still goes once the first is done.
func TestAcceptedEventsNeedNoClaim(t *testing.T) {
	ctx := context.Background()
	st, r := guardRulesOnSQLite(t)
	counted := &claimCounter{Store: st}
	d := &gatedDecider{rules: r, held: "held", entered: make(chan struct{}, 1), gate: make(chan struct{})}
	sender := &recordingSender{}
	cfg := Config{Workers: 2, Lease: time.Minute, PollInterval: time.Hour}
	p := New(cfg, counted, d, map[string]Sender{SenderKey(chat.Telegram, "shop"): sender}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.Start()
	t.Cleanup(func() { p.Stop(ctx) })
	accept := func(id, customer, text string) {
		t.Helper()
		acceptText(t, st, id, customer, text)
		p.Accepted()
	}
	waitFor(t, "the start's claim", func() bool { return counted.claims.Load() == 1 })
	for i := range 5 {
		customer := fmt.Sprint("c", i)
		accept(fmt.Sprint(i), customer, "shipping")
		waitFor(t, customer+" answered", func() bool { return sender.sent()[customer] == 1 })
	}
	if n := counted.claims.Load(); n != 1 {
		t.Errorf("%d claims of events for five messages accepted one by one, want only the start's", n)
	}

	accept("held", "x", "shipping")
	select {
	case <-d.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the held event was never decided")
	}
	accept("next", "x", "refund")
	close(d.gate)
	waitFor(t, "x answered twice", func() bool { return sender.sent()["x"] == 2 })
}

// leaseLimits records what the pipeline asks the store to lease at accept.
type leaseLimits struct {
	*store.Store
	limit int
}

func (l *leaseLimits) LeaseAtAccept(owner string, lease time.Duration, limit int) <-chan struct{} {
	l.limit = limit
	return l.Store.LeaseAtAccept(owner, lease, limit)
}

// TestLeasesAtAcceptLeaveRoomForAClaim: the event loop claims only the
// room a batch has left after the events leased at accept, so a group of
// webhooks may lease at most half a batch; otherwise a burst of new
// conversations could fill batch after batch while a conversation's next
// message waited for a claim.
func TestLeasesAtAcceptLeaveRoomForAClaim(t *testing.T) {
	for _, batch := range []int{1, 2, 3, 64} {
		t.Run(fmt.Sprint("batch=", batch), func(t *testing.T) {
			st, r := guardRulesOnSQLite(t)
			rec := &leaseLimits{Store: st}
			p := New(Config{Batch: batch, Lease: time.Minute, PollInterval: time.Hour}, rec, r, nil, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
			p.Start()
			t.Cleanup(func() { p.Stop(context.Background()) })
			if rec.limit < 1 || (batch > 1 && rec.limit > batch/2) {
				t.Errorf("leases up to %d events at accept with batches of %d, want 1 to %d", rec.limit, batch, max(1, batch/2))
			}
		})
	}
}
