package guard

import (
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestNotify(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	g := New(Config{})
	scope := "telegram/shop/42"
	joined := chat.Action{Type: chat.ActionCustomerNotice, Text: "Anna from support has joined."}
	closed := chat.Action{Type: chat.ActionCustomerNotice, Text: "Closed."}
	solved := chat.Action{Type: chat.ActionCustomerNotice, Text: "Was your question solved?"}
	rating := chat.Action{Type: chat.ActionCustomerNotice, Text: "Rate us", Once: "csat/9"}
	fresh := Recipient{Platform: chat.Telegram, Scope: scope, LastCustomerAt: now.Add(-time.Hour)}
	with := func(f func(*Recipient)) Recipient { r := fresh; f(&r); return r }
	tests := []struct {
		name       string
		to         Recipient
		planned    []chat.Action
		sent       int
		suppressed []string
	}{
		{"three notices answer one action: no per-message cap", fresh, []chat.Action{closed, solved, rating}, 3, nil},
		{"the same text twice within the cooldown: once",
			with(func(r *Recipient) {
				r.Reserved = map[string]bool{"content/" + scope + "/" + contentHash(joined.Text): true}
			}),
			[]chat.Action{joined}, 0, []string{chat.ReasonDuplicateContent}},
		{"past the 48-hour window: nothing", with(func(r *Recipient) { r.LastCustomerAt = now.Add(-48 * time.Hour) }),
			[]chat.Action{joined}, 0, []string{chat.ReasonWindowClosed}},
		{"a customer who blocked the bot: nothing", with(func(r *Recipient) { r.Unreachable = true }),
			[]chat.Action{closed, solved}, 0, []string{chat.ReasonCustomerBlocked, chat.ReasonCustomerBlocked}},
		{"the rating question once per conversation", with(func(r *Recipient) { r.Reserved = map[string]bool{"once/csat/9": true} }),
			[]chat.Action{closed, rating}, 1, []string{chat.ReasonCSATAsked}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sends, sup := g.Notify(tt.to, tt.planned, now)
			if len(sends) != tt.sent {
				t.Fatalf("sent %d, want %d (suppressed %v)", len(sends), tt.sent, sup)
			}
			if len(sup) != len(tt.suppressed) {
				t.Fatalf("suppressed %v, want %v", sup, tt.suppressed)
			}
			for i, s := range sup {
				if s.Reason != tt.suppressed[i] {
					t.Errorf("suppression %d: %s, want %s", i, s.Reason, tt.suppressed[i])
				}
			}
			for _, s := range sends {
				if !s.WindowUntil.Equal(tt.to.LastCustomerAt.Add(47 * time.Hour)) {
					t.Errorf("window until %v", s.WindowUntil)
				}
				if s.Once != "" && s.Reservations[0].Key != "once/"+s.Once {
					t.Errorf("the rating question does not reserve its conversation: %+v", s.Reservations)
				}
			}
		})
	}
}
