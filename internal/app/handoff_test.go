package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

const teamChat = -1001234567890

func newHandoffHarness(t *testing.T) *harness {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	return start(t, cfg, fake)
}

func TestHandoffNotifiesTheTeamChat(t *testing.T) {
	h := newHandoffHarness(t)
	h.post(update(1, 4242, "en", "hello, I have a question about my order"), secret)
	if _, err := h.fake.WaitSent(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	h.post(update(2, 4242, "en", "this is a scam, nobody answers!"), secret)
	sent, err := h.fake.WaitSent(3, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var notice *telegramtest.Message
	for i := range sent {
		if sent[i].ChatID == teamChat {
			notice = &sent[i]
		}
	}
	if notice == nil {
		t.Fatalf("no notification in the team chat; sent %+v", sent)
	}
	for _, want := range []string{"high priority", "Customer: Ann", "Rule: complaint", "hello, I have a question about my order", "this is a scam, nobody answers!", "Bot: Thanks Ann"} {
		if !strings.Contains(notice.Text, want) {
			t.Errorf("notification lacks %q:\n%s", want, notice.Text)
		}
	}
	for _, want := range []string{`"callback_data":"claim:1"`, `"callback_data":"resolve:1"`, `"callback_data":"bot:1"`} {
		if !strings.Contains(notice.ReplyMarkup, want) {
			t.Errorf("notification buttons lack %s: %s", want, notice.ReplyMarkup)
		}
	}
	// An agent chatting in the team chat is not a customer: no FAQ answers there.
	h.post(update(3, teamChat, "en", "refund policy anyone?"), secret)
	h.waitIdle(h.app.Store())
	for _, m := range h.fake.Sent() {
		if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Refunds:") {
			t.Fatal("the bot answered an agent in the team chat")
		}
	}
}
