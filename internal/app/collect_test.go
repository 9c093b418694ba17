package app

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// The example rules' order-problem rule asks for the order number and a
// photo before it hands off (issue 20, details before the wait).
const (
	askOrder = "What is your order number (e.g. 12345678)? A colleague will look it up right away."
	askPhoto = "Please send a photo of the problem with the item."
	handedTo = "Thank you! A colleague has your details and will answer shortly."
)

// TestDetailsBeforeTheWait: the rule asks its two details; the service
// restarts in the middle and goes on where it was; a wrong order number is
// asked again with an explanation; the photo is skipped; the agents'
// notice starts with the answers; and once back with the bot, a later rule
// answers about the order the customer gave (customer.attrs.order).
func TestDetailsBeforeTheWait(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
		const customer = 4343
		h1 := start(t, cfg, fake)
		h1.post(update(1, customer, "en", "my kettle arrived broken"), secret)
		if got := h1.lastTo(customer, 1).Text; got != askOrder {
			t.Fatalf("customer got %q, want the first question", got)
		}
		h1.waitIdle(h1.app.Store())
		h1.stop(5 * time.Second)

		h := start(t, cfg, fake)
		h.post(update(2, customer, "en", "no idea, it was last week"), secret)
		if got := h.lastTo(customer, 2).Text; !strings.HasPrefix(got, "That does not look like an order number (e.g. 12345678). Please send it again, or write “skip”") ||
			!strings.HasSuffix(got, askOrder) {
			t.Fatalf("customer got %q, want the question again with why", got)
		}
		h.post(update(3, customer, "en", "sorry, it's 12345678"), secret)
		if got := h.lastTo(customer, 3).Text; got != askPhoto {
			t.Fatalf("customer got %q, want the second question", got)
		}
		h.post(update(4, customer, "en", "skip"), secret)
		if got := h.lastTo(customer, 4).Text; got != handedTo {
			t.Fatalf("customer got %q, want the handoff's reply", got)
		}
		notice := h.lastTo(teamChat, 1)
		if !strings.HasPrefix(notice.Text, "Order: 12345678 · Photo: (skipped)\nHandoff · high priority") ||
			!strings.Contains(notice.Text, "Rule: order-problem") || !strings.Contains(notice.Text, "Customer: sorry, it's 12345678") {
			t.Fatalf("notice:\n%s", notice.Text)
		}
		for _, m := range h.fake.Sent() {
			if m.ChatID == teamChat && m.MessageID != notice.MessageID {
				t.Fatalf("the team chat heard before the details were in: %q", m.Text)
			}
		}

		h.post(teamUpdate(100, 7, "Alice", notice.MessageID, "/resolve"), secret)
		if got := h.lastTo(teamChat, 2).Text; !strings.HasPrefix(got, "Resolved by Alice.") {
			t.Fatalf("team chat told %q", got)
		}
		h.post(update(5, customer, "en", "where is my order?"), secret)
		// (after the close's own notices: closed, was it solved?)
		h.told(customer, "Order 12345678: orders ship")
	})
}

// TestHumanIsNeverTrappedInQuestions: /human while the bot asks for
// details hands off at once, with what the customer has told so far.
func TestHumanIsNeverTrappedInQuestions(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4444
	h.post(update(1, customer, "ru", "чайник пришёл сломанный"), secret)
	if got := h.lastTo(customer, 1).Text; !strings.HasPrefix(got, "Пришлите, пожалуйста, номер заказа") {
		t.Fatalf("customer got %q", got)
	}
	h.post(update(2, customer, "ru", "пропустить"), secret)
	if got := h.lastTo(customer, 2).Text; got != "Пришлите, пожалуйста, фото проблемы с товаром." {
		t.Fatalf("customer got %q", got)
	}
	h.post(update(3, customer, "ru", "/human"), secret)
	notice := h.lastTo(teamChat, 1)
	if !strings.HasPrefix(notice.Text, "Order: (skipped)\nHandoff") || !strings.Contains(notice.Text, "Rule: human ·") {
		t.Fatalf("notice:\n%s", notice.Text)
	}
	if got := h.lastTo(customer, 3).Text; strings.Contains(got, "фото") {
		t.Fatalf("customer asked again after /human: %q", got)
	}
}

// TestDiscordDetailsBeforeTheWait: the same on Discord, where the photo is
// an image attachment.
func TestDiscordDetailsBeforeTheWait(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscordTeam(t, fake)
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "the lamp arrived broken"))
	if got := h.sentTo("900", 1).Content; got != askOrder {
		t.Fatalf("customer got %q", got)
	}
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "AB-7654321"))
	if got := h.sentTo("900", 2).Content; got != askPhoto {
		t.Fatalf("customer got %q", got)
	}
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "it's cracked"))
	if got := h.sentTo("900", 3).Content; !strings.HasPrefix(got, "Please send a photo (an image, not text).") {
		t.Fatalf("customer got %q, want the photo asked again", got)
	}
	photo := discordtest.MessageCreate("", "900", "", "11", "Ann", "here")
	photo["attachments"] = []any{map[string]any{"id": discordtest.Snowflake(), "filename": "crack.jpg", "content_type": "image/jpeg",
		"size": 1000, "url": "https://cdn.example/crack.jpg", "proxy_url": "https://cdn.example/crack.jpg"}}
	h.dispatch(photo)
	if got := h.sentTo("900", 4).Content; got != handedTo {
		t.Fatalf("customer got %q", got)
	}
	thread := onlyThread(t, fake)
	if got := h.sentTo(thread, 1).Content; !strings.HasPrefix(got, "Order: AB-7654321 · Photo: [photo] here\nHandoff") {
		t.Fatalf("notice:\n%s", got)
	}
}

// TestSandboxAsksForDetails: the sandbox's customer is asked the details
// too, and the agent pane's notice starts with the answers.
func TestSandboxAsksForDetails(t *testing.T) {
	h, url := startSandbox(t)
	token := url[strings.Index(url, "token=")+len("token="):]
	say := func(text string) {
		var st sandboxState
		sandboxCall(t, h, token, "POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "text": text}, &st)
	}
	waitFor := func(pane, prefix string) {
		t.Helper()
		deadline := time.Now().Add(messageWait)
		for time.Now().Before(deadline) {
			var st sandboxState
			sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &st)
			for _, m := range st.Messages {
				if m.Pane == pane && m.Dir == "out" && strings.HasPrefix(m.Text, prefix) {
					return
				}
			}
			time.Sleep(30 * time.Millisecond)
		}
		var st sandboxState
		sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &st)
		t.Fatalf("the %s pane never got %q: %+v", pane, prefix, st)
	}
	say("the kettle arrived broken")
	waitFor("customer", askOrder)
	say("I lost the receipt")
	waitFor("customer", "That does not look like an order number")
	say("12345678")
	waitFor("customer", askPhoto)
	say("пропустить")
	waitFor("customer", handedTo)
	waitFor("agents", "Order: 12345678 · Photo: (skipped)\nHandoff")
}
