package telegram

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// flakyInbox fails its first n accepts, then stores.
type flakyInbox struct {
	fakeInbox
	failures int
	calls    int
	stored   chan struct{}
}

func (f *flakyInbox) Accept(ctx context.Context, ev chat.Event) error {
	f.mu.Lock()
	f.calls++
	fail := f.calls <= f.failures
	f.mu.Unlock()
	if fail {
		return chat.ErrUnavailable
	}
	err := f.fakeInbox.Accept(ctx, ev)
	f.stored <- struct{}{}
	return err
}

func TestPollerStoresBeforeConfirming(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	for i := 1; i <= 3; i++ {
		srv.QueueUpdate([]byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": "m%d"}}`, 100+i, i, i)))
	}
	// The first accept fails, as during a database outage: the update must
	// be stored later, not skipped.
	inbox := &flakyInbox{failures: 1, stored: make(chan struct{}, 10)}
	p := NewPoller("shop", "123:test", srv.URL(), inbox, discard)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.Run(ctx) }()
	for i := 0; i < 3; i++ {
		select {
		case <-inbox.stored:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of 3 updates stored", inbox.count())
		}
	}
	// The next poll confirms all three by asking past the last one.
	deadline := time.Now().Add(5 * time.Second)
	for !askedOffset(srv, "104") {
		if time.Now().After(deadline) {
			t.Fatal("poller never asked for offset 104 after storing update 103")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	var texts []string
	for _, ev := range inbox.events {
		texts = append(texts, ev.Text)
	}
	if fmt.Sprint(texts) != "[m1 m2 m3]" {
		t.Errorf("stored %v, want [m1 m2 m3] in order", texts)
	}
	if inbox.count() != 3 {
		t.Errorf("stored %d updates, want exactly 3", inbox.count())
	}
}

func askedOffset(srv *telegramtest.Server, offset string) bool {
	for _, c := range srv.CallsTo("getUpdates") {
		if c.Params["offset"] == offset {
			return true
		}
	}
	return false
}
