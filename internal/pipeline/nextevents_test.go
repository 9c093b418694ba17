package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// countingClaims is a real store that counts the events its claims hand
// out.
type countingClaims struct {
	*store.Store
	claimed atomic.Int32
}

func (c *countingClaims) ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, aside chat.SetAside) ([]chat.InboxEvent, error) {
	evs, err := c.Store.ClaimEvents(ctx, owner, now, lease, limit, aside)
	c.claimed.Add(int32(len(evs)))
	return evs, err
}

// decidedOrder records the texts of the events decided, in order.
type decidedOrder struct {
	nopObserver
	mu    sync.Mutex
	texts []string
}

func (o *decidedOrder) Decided(ev chat.Event, _ chat.Plan) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.texts = append(o.texts, ev.Text)
}

func (o *decidedOrder) decided() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.texts...)
}

// TestAConversationsNextEventsComeWithoutClaims: a customer's messages
// waiting in the inbox are decided one after another, in order, each
// leased by the apply of the one before it: the claims hand out only the
// first.
func TestAConversationsNextEventsComeWithoutClaims(t *testing.T) {
	ctx := context.Background()
	st, r := guardRulesOnSQLite(t)
	c := &countingClaims{Store: st}
	const n = 6
	var want []string
	for i := range n {
		text := fmt.Sprintf("refund %d", i)
		want = append(want, text)
		ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(i + 1), Kind: chat.KindText, ChatID: "a",
			ChatType: chat.ChatPrivate, Text: text, Time: t0, MessageID: fmt.Sprint(i + 1), Customer: chat.Customer{ID: "a", Name: "Ann", Language: "en"}}
		if err := st.Accept(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	order := &decidedOrder{}
	cfg := Config{Lease: time.Minute, PollInterval: 5 * time.Millisecond, Observer: order}
	p := New(cfg, c, r, map[string]Sender{SenderKey(chat.Telegram, "shop"): &recordingSender{}}, time.Now,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.Start()
	defer p.Stop(ctx)

	waitFor(t, "every event decided", func() bool { return len(order.decided()) == n })
	if got := order.decided(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("decided %q, want %q", got, want)
	}
	if got := c.claimed.Load(); got != 1 {
		t.Errorf("claims handed out %d events, want only the first", got)
	}
}

// TestMessagesArrivingBehindOthersNeedNoPoll: customers write again while
// their earlier messages are being decided. Every message is decided, each
// conversation's in order, with no look for work nobody announced (the
// poll is an hour): a message behind one in flight is leased by that one's
// apply, and any other is announced by its accept.
func TestMessagesArrivingBehindOthersNeedNoPoll(t *testing.T) {
	ctx := context.Background()
	st, r := guardRulesOnSQLite(t)
	order := &decidedOrder{}
	cfg := Config{Lease: time.Minute, PollInterval: time.Hour, Observer: order}
	p := New(cfg, st, r, map[string]Sender{SenderKey(chat.Telegram, "shop"): &recordingSender{}}, time.Now,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.Start()
	defer p.Stop(ctx)

	const chats, each = 6, 8
	var wg sync.WaitGroup
	for c := range chats {
		wg.Go(func() {
			for i := range each {
				chatID := fmt.Sprint("c", c)
				ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(c*100 + i), Kind: chat.KindText,
					ChatID: chatID, ChatType: chat.ChatPrivate, Text: fmt.Sprintf("%s refund %d", chatID, i), Time: t0,
					MessageID: fmt.Sprint(i), Customer: chat.Customer{ID: chatID, Name: "Ann", Language: "en"}}
				if err := st.Accept(ctx, ev); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(time.Duration(i%3) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	waitFor(t, "every message decided", func() bool { return len(order.decided()) == chats*each })
	next := map[string]int{}
	for _, text := range order.decided() {
		var chatID string
		var i int
		if _, err := fmt.Sscanf(text, "%s refund %d", &chatID, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[chatID] {
			t.Errorf("%s: decided message %d after %d, want them in order", chatID, i, next[chatID]-1)
		}
		next[chatID] = i + 1
	}
}
