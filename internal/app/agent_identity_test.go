package app

import (
	"context"
	"strings"
	"testing"
)

// TestAgentsWithTheSameNameAreTwoAgents: two people called Anna in the team
// chat (Telegram users 7 and 8). The first claims the handoff; the second
// can neither claim it nor answer the customer: she is told, in one line in
// the team chat, which Anna owns it, and nothing reaches the customer. The
// owner's answer does, and the store keeps her account.
func TestAgentsWithTheSameNameAreTwoAgents(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)
	h.lastTo(customer, 1) // the acknowledgement of the handoff

	h.post(buttonPress(100, 7, "Anna", notice.MessageID, "claim:1"), secret)
	if got := h.lastTo(teamChat, 2).Text; got != "Anna owns this conversation." {
		t.Fatalf("team chat told %q", got)
	}
	h.post(buttonPress(101, 8, "Anna", notice.MessageID, "claim:1"), secret)
	h.waitIdle(h.app.Store())
	answers := map[string]string{}
	for _, c := range h.fake.CallsTo("answerCallbackQuery") {
		answers[c.Params["callback_query_id"]] = c.Params["text"]
	}
	if want := "Already claimed by another Anna (telegram:7)."; answers["cb101"] != want {
		t.Fatalf("the second Anna's claim was answered %q, want %q", answers["cb101"], want)
	}

	h.post(teamUpdate(200, 8, "Anna", notice.MessageID, "I'll take it from here"), secret)
	if got, want := h.lastTo(teamChat, 3).Text, "Not sent: another Anna (telegram:7) owns this conversation."; got != want {
		t.Fatalf("team chat told %q, want %q", got, want)
	}
	h.waitIdle(h.app.Store())
	for _, m := range h.fake.Sent() {
		if m.ChatID == customer && strings.Contains(m.Text, "take it from here") {
			t.Fatal("the second Anna's reply reached the customer")
		}
	}

	h.post(teamUpdate(201, 7, "Anna", notice.MessageID, "Hi, I've found your order."), secret)
	if got := h.lastTo(customer, 3).Text; got != "Hi, I've found your order." {
		t.Fatalf("customer got %q, want the owner's answer", got)
	}
	h.waitIdle(h.app.Store())
	open, err := h.app.Store().OpenHandoffs(context.Background(), 10)
	if err != nil || len(open) != 1 || open[0].ClaimedBy != "Anna" || open[0].ClaimedByID != "telegram:7" {
		t.Fatalf("open handoffs %+v, %v; want claimed by Anna, account telegram:7", open, err)
	}
	var toCustomer int
	for _, m := range h.fake.Sent() {
		if m.ChatID == customer {
			toCustomer++
		}
	}
	if toCustomer != 3 {
		t.Errorf("the customer got %d messages, want 3: the acknowledgement, that a colleague joined, and the owner's answer", toCustomer)
	}
}
