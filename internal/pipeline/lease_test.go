package pipeline

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
)

// TestASendOutlivingItsLeaseIsNotSentTwice: a message that waited for a
// sender slot until its lease nearly ran out is renewed before it goes;
// one whose lease ran out and that another sender has claimed meanwhile
// is not sent from here, so the chat gets it once.
func TestASendOutlivingItsLeaseIsNotSentTwice(t *testing.T) {
	const lease = 30 * time.Second
	for _, tt := range []struct {
		name      string
		wait      time.Duration // between the claim and the send
		otherTook bool          // another sender claimed it after the lease
		wantSent  bool
		wantHeld  bool // still leased to this sender when it is done
	}{
		{"well inside the lease", time.Second, false, true, false},
		{"near the end of the lease, still ours: renewed", lease - time.Second, false, true, true},
		{"past the lease, nobody else took it: renewed", lease + time.Second, false, true, true},
		{"past the lease, another sender took it", lease + time.Second, true, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, guardRules, guard.Config{})
			ctx := context.Background()
			w.say("ann", "refund")
			out := &recordingSender{}
			p := New(Config{Lease: lease}, w.store, nil, map[string]Sender{SenderKey(chat.Telegram, "shop"): out},
				func() time.Time { return w.now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			msgs, err := w.store.ClaimOutgoing(ctx, p.owner, w.now, lease, 10)
			if err != nil || len(msgs) != 1 || !msgs[0].LeasedUntil.Equal(w.now.Add(lease)) {
				t.Fatalf("claimed %+v, %v; want the reply, leased for %v", msgs, err, lease)
			}
			w.now = w.now.Add(tt.wait)
			if tt.otherTook {
				if other, err := w.store.ClaimOutgoing(ctx, "other", w.now, lease, 10); err != nil || len(other) != 1 {
					t.Fatalf("the other sender claimed %+v, %v", other, err)
				}
			}
			m := msgs[0]
			if got := p.holdsLease(&m); got != tt.wantSent {
				t.Fatalf("holdsLease = %v, want %v", got, tt.wantSent)
			}
			if !tt.wantSent {
				if sent, _ := p.deliver(msgs[0]); sent || len(out.sent()) != 0 {
					t.Fatalf("delivered a message another sender holds: sent %v, %v", sent, out.sent())
				}
			}
			// Just after the old lease, the message is still held by this
			// sender only when it renewed the lease.
			late, err := w.store.ClaimOutgoing(ctx, "third", msgs[0].LeasedUntil.Add(time.Second), lease, 10)
			if err != nil {
				t.Fatal(err)
			}
			if held := len(late) == 0; held != (tt.wantHeld || tt.otherTook) {
				t.Errorf("after the first lease another sender claimed %d messages, want held %v", len(late), tt.wantHeld || tt.otherTook)
			}
		})
	}
}
