package app

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram"
	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
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
	// The owner's words are the brand's in the context agents get.
	if !strings.Contains(notice.Text, "Agent: Hi Ann, it's Max from the shop") {
		t.Errorf("the notice's context does not show the owner's message as an agent's:\n%s", notice.Text)
	}
	h.post(buttonPress(100, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.post(teamUpdate(200, 7, "Alice", notice.MessageID, "Hi, I've found your order; the refund goes out today."), secret)
	if got := h.nthTo(customer, 1, func(m telegramtest.Message) bool { return strings.HasPrefix(m.Text, "Hi, I've found") }).Text; got == "" {
		t.Fatal("the agent's reply did not reach the customer")
	}
	// The owner writes in person while the team owns the conversation:
	// the team learns of it, so that two do not answer one customer.
	h.post(businessUpdate(5, customer, owner, false, "Ann, Max again: a 10% coupon is on its way"), secret)
	if got := h.told(teamChat, "Answered in person in Ann's chat").Text; !strings.Contains(got, "a 10% coupon is on its way") {
		t.Errorf("the team was told %q", got)
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
	// The FAQ answer, the claim, the agent's answer: nothing for the echo
	// or the owner's message, and the handoff's own reply is held back,
	// since the owner had just written in person.
	if toCustomer != 3 {
		for _, m := range h.fake.Sent() {
			t.Logf("sent to %d: %q", m.ChatID, m.Text)
		}
		t.Errorf("%d messages to the customer, want 3", toCustomer)
	}
}

// TestTelegramBusinessOwnerTakesOver: once the business's owner writes to
// a customer in person, the bot keeps quiet in that chat for
// guard.person_quiet, then answers again; the owner's message is in the
// history as the brand's, and the owner is never taken for a customer.
func TestTelegramBusinessOwnerTakesOver(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dbPath := filepath.Join(t.TempDir(), "fd.db")
	h, clk := startWithClock(t, testConfig(t, fake, dbPath, "webhook"), fake)
	const customer, owner = 4242, 777
	shipping := func(m telegramtest.Message) bool { return strings.Contains(m.Text, "ship") }

	h.post(businessUpdate(1, customer, customer, false, "how do refunds work?"), secret)
	h.lastTo(customer, 1)
	h.post(businessUpdate(2, customer, owner, false, "Hi Ann, it's Max: I'll sort your refund out myself"), secret)
	h.post(businessUpdate(3, customer, customer, false, "how long does shipping take?"), secret)
	h.waitIdle(h.app.Store())
	if n := h.countTo(customer); n != 1 {
		t.Fatalf("%d messages to the customer while the owner was answering, want only the first answer", n)
	}

	clk.add(guard.DefaultPersonQuiet + time.Minute)
	h.post(businessUpdate(4, customer, customer, false, "how long does shipping take?"), secret)
	if got := h.nthTo(customer, 1, shipping).Text; got == "" {
		t.Fatal("after the quiet period the question went unanswered")
	}

	hist, err := h.app.Store().History(context.Background(), chat.Telegram, "shop", telegram.BusinessChatID("conn-1", fmt.Sprint(customer)))
	if err != nil {
		t.Fatal(err)
	}
	var owners []chat.HistoryEntry
	for _, m := range hist {
		if strings.Contains(m.Text, "it's Max") {
			owners = append(owners, m)
		}
	}
	if len(owners) != 1 || owners[0].Direction != "out" || owners[0].Kind != string(chat.KindPersonReply) {
		t.Errorf("the owner's message is kept as %+v, want one message out of kind %s", owners, chat.KindPersonReply)
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var people int
	if err := db.QueryRow(`SELECT COUNT(*) FROM customers WHERE external_id = ?`, fmt.Sprint(owner)).Scan(&people); err != nil {
		t.Fatal(err)
	}
	if people != 0 {
		t.Errorf("the owner was recorded as a customer")
	}
}

// TestOwnerAnswerTakesTheHandoff: the owner answering in person while a
// handoff waits takes it (its owner unknown): the team is told, no
// reminder follows at the due time, and an agent may still claim it.
func TestOwnerAnswerTakesTheHandoff(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	h, clk := startWithClock(t, cfg, fake)
	const customer, owner = 4242, 777

	h.post(businessUpdate(1, customer, customer, false, "this is a scam, where is my money?"), secret) // high: due in 1h
	notice := h.lastTo(teamChat, 1)
	h.post(businessUpdate(2, customer, owner, false, "Ann, it's Max: I'm on it"), secret)
	if got := h.told(teamChat, "Answered in person in Ann's chat").Text; !strings.Contains(got, "No more reminders") {
		t.Errorf("the team was told %q", got)
	}
	h.waitIdle(h.app.Store())
	clk.add(time.Hour + time.Minute)
	time.Sleep(300 * time.Millisecond) // timer rounds
	h.waitIdle(h.app.Store())
	for _, m := range fake.Sent() {
		if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Reminder:") {
			t.Fatalf("a reminder after the owner answered: %q", m.Text)
		}
	}
	h.post(buttonPress(100, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.told(teamChat, "Alice owns this conversation")
}
