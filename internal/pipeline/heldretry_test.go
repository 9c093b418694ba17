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
)

// refusingWrites is a real store whose applying and rescheduling of events
// fail while down is set, as on a full disk.
type refusingWrites struct {
	*store.Store
	down    atomic.Bool
	refused atomic.Int32 // applies refused
}

var errDiskFull = fmt.Errorf("%w: database or disk is full", chat.ErrUnavailable)

func (f *refusingWrites) ApplyAndClaim(ctx context.Context, batch []chat.Effects, now time.Time, claim chat.SendClaim) ([]error, chat.Leased, error) {
	if f.down.Load() {
		f.refused.Add(1)
		return nil, chat.Leased{}, fmt.Errorf("apply effects: %w", errDiskFull)
	}
	return f.Store.ApplyAndClaim(ctx, batch, now, claim)
}

func (f *refusingWrites) RetryEvent(ctx context.Context, id int64, next time.Time, cause string, maxAttempts int) error {
	if f.down.Load() {
		return fmt.Errorf("retry event: %w", errDiskFull)
	}
	return f.Store.RetryEvent(ctx, id, next, cause, maxAttempts)
}

// TestAnEventWhoseFailureWasNotRecordedIsTriedAgain: the database refuses
// an event's effects and then the note of its failure too. The event is
// still leased to this pipeline, and its lease never runs out here (the
// clock stands still): once the database takes writes again, the pipeline
// tries it again by itself and answers it, once.
func TestAnEventWhoseFailureWasNotRecordedIsTriedAgain(t *testing.T) {
	ctx := context.Background()
	st, r := guardRulesOnSQLite(t)
	st.Now = func() time.Time { return t0 }
	f := &refusingWrites{Store: st}
	f.down.Store(true)
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "1", Kind: chat.KindText, ChatID: "a",
		ChatType: chat.ChatPrivate, Text: "refund", Time: t0, MessageID: "1", Customer: chat.Customer{ID: "a", Name: "Ann", Language: "en"}}
	if err := st.Accept(ctx, ev); err != nil {
		t.Fatal(err)
	}
	sender := &recordingSender{}
	cfg := Config{Lease: time.Minute, PollInterval: 5 * time.Millisecond}
	p := New(cfg, f, r, map[string]Sender{SenderKey(chat.Telegram, "shop"): sender}, func() time.Time { return t0 },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.Start()
	defer p.Stop(ctx)

	waitFor(t, "the database to refuse the event's effects", func() bool { return f.refused.Load() > 0 })
	f.down.Store(false)
	waitFor(t, "the event answered", func() bool { return sender.sent()["a"] > 0 })
	time.Sleep(2 * heldRetryPause) // a second try, were one still on its way
	if got := sender.sent()["a"]; got != 1 {
		t.Errorf("answered %d times, want once", got)
	}
}
