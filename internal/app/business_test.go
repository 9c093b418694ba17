package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

// businessUpdate is a message in a private chat of a Telegram Business
// account the bot is connected to, from the customer (from == chat) or
// from the business (its owner, or a bot on its behalf).
func businessUpdate(updateID, chatID, fromID int64, viaBot bool, text string) []byte {
	bot := ""
	if viaBot {
		bot = `"sender_business_bot": {"id": 100000001, "is_bot": true, "first_name": "Shop"},`
	}
	return []byte(fmt.Sprintf(`{"update_id": %d, "business_message": {"message_id": %d, "date": %d,
		"business_connection_id": "conn-1",
		"chat": {"id": %d, "type": "private", "first_name": "Ann"},
		"from": {"id": %d, "is_bot": false, "first_name": "Ann", "language_code": "en"}, %s
		"text": %q}}`, updateID, updateID, time.Now().Unix(), chatID, fromID, bot, text))
}

// TestTelegramBusinessChats: a customer writing to the brand's Telegram
// Business account is answered through the connection, handed off, and
// answered by an agent through it too; the business's own messages in the
// chat (the bot's echoed replies, the owner typing in person) get no
// answer.
func TestTelegramBusinessChats(t *testing.T) {
	h := newHandoffHarness(t)
	const customer, owner = 4242, 777
	h.post(businessUpdate(1, customer, customer, false, "how do refunds work?"), secret)
	answer := h.lastTo(customer, 1)
	if !strings.Contains(answer.Text, "refund") {
		t.Fatalf("customer got %q", answer.Text)
	}
	// The bot's answer comes back as a business message, and the owner
	// writes in person: neither is a customer's.
	h.post(businessUpdate(2, customer, owner, true, answer.Text), secret)
	h.post(businessUpdate(3, customer, owner, false, "Hi Ann, it's Max from the shop"), secret)

	h.post(businessUpdate(4, customer, customer, false, "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)
	h.post(buttonPress(100, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.post(teamUpdate(200, 7, "Alice", notice.MessageID, "Hi, I've found your order; the refund goes out today."), secret)
	if got := h.nthTo(customer, 1, func(m telegramtest.Message) bool { return strings.HasPrefix(m.Text, "Hi, I've found") }).Text; got == "" {
		t.Fatal("the agent's reply did not reach the customer")
	}
	h.waitIdle(h.app.Store())
	toCustomer := 0
	for _, c := range h.fake.CallsTo("sendMessage") {
		if c.Params["chat_id"] != fmt.Sprint(customer) {
			continue
		}
		toCustomer++
		if c.Params["business_connection_id"] != "conn-1" {
			t.Errorf("sent %q to the customer without the business connection", c.Params["text"])
		}
	}
	// The FAQ answer, the handoff's reply, the claim, the agent's answer:
	// nothing for the echo or the owner's message.
	if toCustomer != 4 {
		for _, m := range h.fake.Sent() {
			t.Logf("sent to %d: %q", m.ChatID, m.Text)
		}
		t.Errorf("%d messages to the customer, want 4", toCustomer)
	}
}
