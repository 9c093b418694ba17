package app

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// TestAgentSnippetsThroughTheTeamChat: an agent answers a Russian
// customer's handoff with /s refund-policy and with #shipping-times inside
// a reply; the customer gets the snippets' Russian texts, filled in. An
// unknown #nope is only answered in the team chat. On SQLite and on
// PostgreSQL: the store reads the conversation's language and the
// customer's name for the snippet.
func TestAgentSnippetsThroughTheTeamChat(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
		agentSnippetsThroughTheTeamChat(t, start(t, cfg, fake))
	})
}

func agentSnippetsThroughTheTeamChat(t *testing.T, h *harness) {
	const customer = 4343
	h.post(update(1, customer, "ru", "это обман, где мои деньги?"), secret)
	notice := h.lastTo(teamChat, 1)

	h.post(teamUpdate(200, 7, "Алиса", notice.MessageID, "/s refund-policy"), secret)
	want := "Ann, возврат: в течение 7 дней после получения. После одобрения деньги вернутся тем же способом за 3–5 рабочих дней. — Алиса"
	// The first answer claims it: "a colleague has joined" comes first.
	if got := h.lastTo(customer, 3).Text; got != want {
		t.Fatalf("customer got %q, want %q", got, want)
	}

	h.post(teamUpdate(201, 7, "Алиса", notice.MessageID, "Сроки: #shipping-times"), secret)
	want = "Сроки: Заказы отправляем в течение 24 часов; по стране доставка занимает 2–4 дня, за границу — 7–15 дней."
	if got := h.lastTo(customer, 4).Text; got != want {
		t.Fatalf("customer got %q, want %q", got, want)
	}

	h.post(teamUpdate(202, 7, "Алиса", notice.MessageID, "see #nope"), secret)
	deadline := time.Now().Add(messageWait)
	for !h.sentContains(teamChat, "No snippet #nope; snippets: apology, refund-policy, shipping-times.") {
		if time.Now().After(deadline) {
			t.Fatalf("the team chat was not told of the unknown snippet: %+v", h.fake.Sent())
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.waitIdle(h.app.Store())
	for _, m := range h.fake.Sent() {
		if m.ChatID == customer && strings.Contains(m.Text, "nope") {
			t.Fatalf("an unknown snippet reached the customer: %q", m.Text)
		}
	}
}

// sentContains says whether a message containing s was sent to chatID.
func (h *harness) sentContains(chatID int64, s string) bool {
	for _, m := range h.fake.Sent() {
		if m.ChatID == chatID && strings.Contains(m.Text, s) {
			return true
		}
	}
	return false
}
