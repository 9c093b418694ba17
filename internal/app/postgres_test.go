package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// TestWholeServiceOnPostgres runs the service on PostgreSQL end to end: a
// FAQ answer, a duplicate webhook answered once, and a handoff through the
// team chat back to the bot.
func TestWholeServiceOnPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "unused.db"), "webhook")
	cfg.Database = dsn
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	// The messages come faster than people type; they are separate
	// questions, not one burst that the guard would answer once.
	cfg.Guard.Debounce = config.Duration(time.Millisecond)
	h := start(t, cfg, fake)

	const customer = 4242
	for range 2 { // Telegram retrying: answered once
		if code := h.post(update(1, customer, "en", "where is my order?"), secret); code != 200 {
			t.Fatalf("webhook answered %d", code)
		}
	}
	if got := h.lastTo(customer, 1).Text; !strings.HasPrefix(got, "Orders ship") {
		t.Fatalf("customer got %q", got)
	}
	h.post(update(2, customer, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)
	h.post(teamUpdate(100, 7, "Alice", notice.MessageID, "Hi Ann, refund today."), secret)
	// The first answer claims: the customer hears a colleague joined first.
	if got := h.lastTo(customer, 3).Text; got != "A colleague from support has joined the conversation." {
		t.Fatalf("customer told %q on the claim", got)
	}
	if got := h.lastTo(customer, 4).Text; got != "Hi Ann, refund today." {
		t.Fatalf("customer got %q", got)
	}
	h.post(teamUpdate(101, 7, "Alice", notice.MessageID, "/resolve"), secret)
	h.lastTo(teamChat, 3)
	h.post(update(3, customer, "en", "how do refunds work?"), secret)
	// 5 and 6 told the customer it closed and asked whether it was solved.
	if got := h.lastTo(customer, 7).Text; !strings.HasPrefix(got, "Refunds:") {
		t.Fatalf("after resolving, the customer got %q", got)
	}
	h.waitIdle(h.app.Store())
	n := 0
	for _, m := range fake.Sent() {
		if m.ChatID == customer && strings.HasPrefix(m.Text, "Orders ship") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the duplicate update was answered %d times", n)
	}
}
