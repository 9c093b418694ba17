package app

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// photoUpdate is a customer's photo with a caption, as Telegram sends it.
func photoUpdate(updateID, chatID int64, caption string) []byte {
	b, _ := json.Marshal(map[string]any{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": updateID, "date": time.Now().Unix(), "caption": caption,
			"photo": []map[string]any{{"file_id": "AgAD-photo", "file_unique_id": "AQAD", "width": 90, "height": 90}},
			"chat":  map[string]any{"id": chatID, "type": "private", "first_name": "Ann"},
			"from":  map[string]any{"id": chatID, "is_bot": false, "first_name": "Ann", "language_code": "en"},
		},
	})
	return b
}

// TestHandoffContextInThePlainTeamChat: the notice says who the customer
// is (name, platform, language, first seen, tags) and shows the
// conversation's last messages (handoff.context_messages) with times, a photo as a photo with its
// caption; it suggests the rule's snippets, and pressing one sends it to
// the customer as the presser's answer. /history 3 answers in the team
// chat only; /snippets lists them from anywhere in the team chat. On SQLite
// and on PostgreSQL. Metrics count Alice's claim and first response under
// her account.
func TestHandoffContextInThePlainTeamChat(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}, ContextMessages: 4}
		h := start(t, cfg, fake)
		const customer = 5151
		h.post(update(1, customer, "en", "hello, I have a question about my order"), secret)
		h.lastTo(customer, 1)
		h.waitIdle(h.app.Store())
		h.post(photoUpdate(2, customer, "the box arrived broken"), secret)
		h.waitIdle(h.app.Store())
		h.post(update(3, customer, "en", "this is a scam, nobody answers!"), secret)
		notice := h.lastTo(teamChat, 1)
		for _, want := range []string{"Customer: Ann · telegram · en", "First seen ", "no conversations before · no handoffs before",
			"Tags: complaint", "Customer: 📷 photo: the box arrived broken", "Bot: Thanks Ann", "Customer: this is a scam, nobody answers!"} {
			if !strings.Contains(notice.Text, want) {
				t.Errorf("notice lacks %q:\n%s", want, notice.Text)
			}
		}
		if strings.Contains(notice.Text, "hello, I have a question") {
			t.Errorf("the notice shows more than the 4 last messages:\n%s", notice.Text)
		}
		for _, want := range []string{`"text":"✉ #apology","callback_data":"snip:1:apology"`, `"callback_data":"snip:1:refund-policy"`} {
			if !strings.Contains(notice.ReplyMarkup, want) {
				t.Errorf("notice buttons lack %s: %s", want, notice.ReplyMarkup)
			}
		}

		h.waitIdle(h.app.Store()) // the handoff's reply to the customer is recorded
		h.post(teamUpdate(100, 7, "Alice", notice.MessageID, "/history 4"), secret)
		hist := h.lastTo(teamChat, 2)
		// The last 4: the photo, the order question it got (a rule with
		// collect:), the complaint that handed off at once, and its reply;
		// not the first answer, five messages back.
		if !strings.HasPrefix(hist.Text, "History · last 4 messages\nCustomer: Ann · telegram · en") ||
			!strings.Contains(hist.Text, "Customer: 📷 photo: the box arrived broken\n") || !strings.Contains(hist.Text, "Bot: What is your order number") ||
			!strings.Contains(hist.Text, "Customer: this is a scam, nobody answers!\n") || !strings.HasSuffix(hist.Text, "Bot: We're sorry, Ann. Your message has gone to a senior colleague, who will get back to you within an hour.") ||
			strings.Contains(hist.Text, "Thanks Ann") {
			t.Fatalf("/history 4 answered:\n%s\nsent: %+v", hist.Text, h.fake.Sent())
		}

		h.post(buttonPress(101, 7, "Alice", notice.MessageID, "snip:1:apology"), secret)
		// (after "A colleague from support has joined": the press claims it)
		if got := h.lastTo(customer, 5).Text; got != "Ann, we're sorry for the trouble — we'll put it right as quickly as we can." {
			t.Fatalf("customer got %q, want the apology snippet", got)
		}
		h.waitIdle(h.app.Store())
		if !h.sentContains(teamChat, "Alice answered and owns this conversation.") || !h.sentContains(teamChat, "Alice sent #apology: Ann, we're sorry") {
			t.Errorf("the team was not told who sent which snippet: %+v", h.fake.Sent())
		}
		// Another agent's press must not answer over the owner.
		h.post(buttonPress(102, 8, "Bob", notice.MessageID, "snip:1:refund-policy"), secret)
		h.waitIdle(h.app.Store())
		if !h.sentContains(teamChat, "Not sent: Alice owns this conversation.") {
			t.Errorf("Bob's press was not refused: %+v", h.fake.Sent())
		}

		// Per agent, by account: Alice claimed by answering with the
		// snippet, her first response counted under her account.
		h.waitMetrics(`frontdesk_agent_handoffs_claimed_total{agent="telegram:7"} 1`,
			`frontdesk_agent_first_response_seconds_count{agent="telegram:7"} 1`)

		h.post(update(104, teamChat, "en", "/snippets"), secret)
		h.waitIdle(h.app.Store())
		if !h.sentContains(teamChat, "Snippets: apology, refund-policy, shipping-times.") {
			t.Errorf("/snippets did not list them: %+v", h.fake.Sent())
		}
		var toCustomer int
		for _, m := range h.fake.Sent() {
			if m.ChatID == customer {
				toCustomer++
				if strings.Contains(m.Text, "History") || strings.Contains(m.Text, "Refunds") || strings.Contains(m.Text, "refunds:") {
					t.Errorf("the customer got %q", m.Text)
				}
			}
		}
		if toCustomer != 5 {
			t.Errorf("the customer got %d messages, want 5 (three answers, a colleague joined, one snippet)", toCustomer)
		}
	})
}

// TestHandoffContextInAForumTopic: in a forum the card and /history go to
// the customer's topic, /history written in the topic needs no reply, and
// a snippet pressed there reaches the customer. A later conversation's
// handoff goes to the same topic, its card counting the earlier
// conversation and handoff.
func TestHandoffContextInAForumTopic(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	fake.SetForum(teamChat)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	cfg.Pipeline.ConversationIdle = config.Duration(time.Second)
	h := start(t, cfg, fake)
	const customer = 6161

	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)
	topics := fake.Topics()
	if len(topics) != 1 || notice.ThreadID != topics[0].ThreadID {
		t.Fatalf("topics %+v, notice %+v: want the notice in the customer's topic", topics, notice)
	}
	thread := topics[0].ThreadID
	if !strings.Contains(notice.Text, "First time here · no conversations before") {
		t.Errorf("a new customer's card:\n%s", notice.Text)
	}
	h.post(topicUpdate(100, 7, "Alice", thread, "/history"), secret)
	if got := h.lastTo(teamChat, 2); got.ThreadID != thread || !strings.HasPrefix(got.Text, "History · last 5 messages") ||
		!strings.Contains(got.Text, "Customer: this is a scam, where is my money?") {
		t.Fatalf("/history in the topic answered %+v", got)
	}
	h.post(topicButton(101, 7, "Alice", notice.MessageID, thread, "snip:1:refund-policy"), secret)
	if got := h.lastTo(customer, 3).Text; !strings.HasPrefix(got, "Ann, refunds: within 7 days") || !strings.HasSuffix(got, "— Alice") {
		t.Fatalf("customer got %q, want the refund-policy snippet signed by Alice", got)
	}
	h.post(topicUpdate(102, 7, "Alice", thread, "/resolve"), secret)
	h.waitIdle(h.app.Store())
	// Back with the bot, the conversation's history is still there.
	h.post(topicUpdate(103, 7, "Alice", thread, "/history 1"), secret)
	h.waitIdle(h.app.Store())
	if !h.sentContains(teamChat, "History · last 1 message\n") {
		t.Errorf("/history after resolving was not answered: %+v", fake.Sent())
	}

	time.Sleep(1100 * time.Millisecond) // the conversation goes idle: the next message starts another
	h.post(update(2, customer, "en", "this is a scam again!"), secret)
	var second telegramtest.Message
	deadline := time.Now().Add(messageWait)
	for second.Text == "" {
		for _, m := range fake.Sent() {
			if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Handoff") && m.MessageID != notice.MessageID {
				second = m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no second handoff notice: %+v", fake.Sent())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(fake.Topics()) != 1 || second.ThreadID != thread {
		t.Fatalf("the later conversation's notice went to thread %d (topics %+v), want topic %d", second.ThreadID, fake.Topics(), thread)
	}
	if !strings.Contains(second.Text, "1 conversation before · 1 handoff before") {
		t.Errorf("the later card does not count the earlier conversation:\n%s", second.Text)
	}
}

// TestHandoffContextInADiscordThread: on Discord the card goes to the
// customer's thread with the suggested snippets as buttons; a press sends
// the snippet to the customer, /history answers in the thread, and the
// customer's later conversation is handed off into the same thread.
func TestHandoffContextInADiscordThread(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, `pipeline: {conversation_idle: 1s}
handoff:
  teams:
    - {name: support, bot: community, chat_id: "700"}
`)
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "this is a scam, where is my money?"))
	h.sentTo("900", 1)
	thread := onlyThread(t, fake)
	notice := h.sentTo(thread, 1)
	for _, want := range []string{"Customer: Ann (@Ann) · discord · en", "First time here", "Tags: complaint", "Customer: this is a scam, where is my money?"} {
		if !strings.Contains(notice.Content, want) {
			t.Errorf("notice lacks %q:\n%s", want, notice.Content)
		}
	}
	if !strings.Contains(string(notice.Components), `"custom_id":"snip:1:apology"`) {
		t.Fatalf("notice buttons: %s", notice.Components)
	}
	press := fake.ComponentInteraction(thread, "77", "21", "Alice", notice.ID, "snip:1:apology")
	body, _ := json.Marshal(press)
	if code, _ := h.interaction(body, true); code != 200 {
		t.Fatalf("snippet press answered %d", code)
	}
	if got := h.sentTo("900", 3).Content; got != "Ann, we're sorry for the trouble — we'll put it right as quickly as we can." {
		t.Fatalf("customer got %q", got)
	}
	h.waitIdle()
	h.dispatch(discordtest.MessageCreate("", thread, "77", "21", "Alice", "/history 2"))
	var hist discordtest.Message
	if err := fake.WaitUntil(10*time.Second, func() bool {
		for _, m := range fake.Sent() {
			if m.ChannelID == thread && strings.HasPrefix(m.Content, "History · last 2 messages") {
				hist = m
			}
		}
		return hist.ID != ""
	}); err != nil {
		t.Fatalf("no /history answer in the thread: %+v", fake.Sent())
	}
	if !strings.HasSuffix(hist.Content, "Agent: Ann, we're sorry for the trouble — we'll put it right as quickly as we can.") {
		t.Errorf("/history 2:\n%s", hist.Content)
	}
	h.dispatch(discordtest.MessageCreate("", thread, "77", "21", "Alice", "/resolve"))
	h.waitIdle()

	time.Sleep(1100 * time.Millisecond) // idle: the next message starts another conversation
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "this is a scam again!"))
	var second discordtest.Message
	if err := fake.WaitUntil(10*time.Second, func() bool {
		for _, m := range fake.Sent() {
			if strings.HasPrefix(m.Content, "Handoff") && m.ID != notice.ID {
				second = m
			}
		}
		return second.ID != ""
	}); err != nil {
		t.Fatalf("no second handoff notice: %+v", fake.Sent())
	}
	if len(fake.Threads()) != 1 || second.ChannelID != thread {
		t.Fatalf("the later conversation's notice went to %s (threads %+v), want thread %s", second.ChannelID, fake.Threads(), thread)
	}
	if !strings.Contains(second.Content, "1 conversation before · 1 handoff before") {
		t.Errorf("the later card:\n%s", second.Content)
	}
}
