package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// customerPress is a customer pressing a button under message messageID of
// their private chat with the bot.
func customerPress(updateID, customer, messageID int64, data string) []byte {
	return fmt.Appendf(nil, `{"update_id": %d, "callback_query": {"id": "cb%d", "chat_instance": "1",
		"from": {"id": %d, "is_bot": false, "first_name": "Ann", "language_code": "en"},
		"message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "private"}}, "data": %q}}`,
		updateID, updateID, customer, messageID, customer, data)
}

// callbackAnswer waits for the answer to a button press and returns its text.
func (h *harness) callbackAnswer(id string) string {
	h.t.Helper()
	deadline := time.Now().Add(messageWait)
	for time.Now().Before(deadline) {
		for _, c := range h.fake.CallsTo("answerCallbackQuery") {
			if c.Params["callback_query_id"] == id {
				return c.Params["text"]
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("press %s was not answered", id)
	return ""
}

// sentTo is every message sent to a chat so far.
func (h *harness) sentTo(chatID int64) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.fake.Sent() {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// runningClock is the real time, moved ahead by the test: the sender's
// per-chat pacing needs time to pass, the guard's cooldowns a jump.
type runningClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *runningClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.ahead)
}
func (c *runningClock) add(d time.Duration) { c.mu.Lock(); c.ahead += d; c.mu.Unlock() }

// inOrder says whether the button data appear in the markup in this order.
func inOrder(markup string, data ...string) bool {
	at := -1
	for _, d := range data {
		i := strings.Index(markup, `"callback_data":"`+d+`"`)
		if i <= at {
			return false
		}
		at = i
	}
	return true
}

// TestCustomerNoticesAndCSAT (issue 20) plays a handoff as the customer
// sees it, on SQLite and PostgreSQL: told who joined (by the name the
// config gives the agent, "A colleague" without one, never a handle);
// told when it closes and asked whether it was solved (yes, then no);
// "no" reopens it to the team one priority up; "yes" asks for a rating
// with five buttons in order; the rating and the next message as its
// comment are stored per handoff, team and agent; a second press stores
// nothing; the next handoff of the conversation asks no rating again; an
// FAQ answer's 👍 is stored per rule; the report says it.
func TestCustomerNoticesAndCSAT(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}},
			Agents: map[string]string{"telegram:7": "Anna"}}
		clk := &runningClock{}
		h := startWith(t, cfg, fake, Options{PollInterval: 20 * time.Millisecond, Now: clk.now})
		start := clk.now()
		const customer = 4242
		h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
		notice := h.lastTo(teamChat, 1)

		// The claim tells the customer who joined, by the configured name.
		h.post(buttonPress(100, 7, "alice_tg", notice.MessageID, "claim:1"), secret)
		if got := h.lastTo(customer, 2).Text; got != "Anna from support has joined the conversation." {
			t.Fatalf("customer told %q on the claim", got)
		}
		h.post(teamUpdate(200, 7, "alice_tg", notice.MessageID, "Found it: the refund goes out today."), secret)
		if got := h.lastTo(customer, 3).Text; got != "Found it: the refund goes out today." {
			t.Fatalf("customer got %q", got)
		}
		// Resolving tells the customer and asks, yes first.
		h.post(teamUpdate(201, 7, "alice_tg", notice.MessageID, "/resolve"), secret)
		if got := h.lastTo(customer, 4).Text; got != "This conversation is closed. If anything else comes up, just write." {
			t.Fatalf("customer told %q on the close", got)
		}
		asked := h.lastTo(customer, 5)
		if asked.Text != "Was your question solved?" || !inOrder(asked.ReplyMarkup, "csat:yes:1", "csat:no:1") ||
			!strings.Contains(asked.ReplyMarkup, `"text":"Yes"`) {
			t.Fatalf("solved question %q %s", asked.Text, asked.ReplyMarkup)
		}
		h.waitIdle(h.app.Store()) // the question's message id is recorded

		// "No": the handoff reopens at the next priority and the team hears.
		h.post(customerPress(2, customer, asked.MessageID, "csat:no:1"), secret)
		if got := h.lastTo(customer, 6).Text; !strings.HasPrefix(got, "Sorry about that.") {
			t.Fatalf("customer told %q after no", got)
		}
		reopened := h.lastTo(teamChat, 4)
		if !strings.Contains(reopened.Text, "Ann says the question was not solved") || !strings.Contains(reopened.Text, "P1 (critical)") ||
			!strings.Contains(reopened.ReplyMarkup, `"callback_data":"claim:1"`) {
			t.Fatalf("team told %q %s", reopened.Text, reopened.ReplyMarkup)
		}
		open, err := h.app.Store().OpenHandoffs(context.Background(), 10)
		if err != nil || len(open) != 1 || open[0].ID != 1 || open[0].State != "waiting" || open[0].Priority != "critical" || open[0].Team != "support" {
			t.Fatalf("open handoffs %+v, %v; want handoff 1 waiting again, critical, team support", open, err)
		}

		// An agent without a configured name is "A colleague", not their handle.
		h.post(buttonPress(101, 8, "bob_the_agent", reopened.MessageID, "claim:1"), secret)
		if got := h.lastTo(customer, 7).Text; got != "A colleague from support has joined the conversation." {
			t.Fatalf("customer told %q", got)
		}
		h.waitIdle(h.app.Store())
		clk.add(11 * time.Minute) // past the duplicate-content cooldown: the close may be said again
		h.post(teamUpdate(202, 8, "bob_the_agent", reopened.MessageID, "/resolve"), secret)
		asked = h.lastTo(customer, 9)
		if asked.Text != "Was your question solved?" {
			t.Fatalf("customer asked %q", asked.Text)
		}
		h.waitIdle(h.app.Store())

		// "Yes": the rating, 1 to 5 in order.
		h.post(customerPress(3, customer, asked.MessageID, "csat:yes:1"), secret)
		rating := h.lastTo(customer, 10)
		if !strings.HasPrefix(rating.Text, "How would you rate our support?") ||
			!inOrder(rating.ReplyMarkup, "csat:rate:1:1", "csat:rate:1:2", "csat:rate:1:3", "csat:rate:1:4", "csat:rate:1:5") {
			t.Fatalf("rating question %q %s", rating.Text, rating.ReplyMarkup)
		}
		h.waitIdle(h.app.Store())
		h.post(customerPress(4, customer, rating.MessageID, "csat:rate:1:4"), secret)
		if got := h.lastTo(customer, 11).Text; !strings.HasPrefix(got, "Thank you! Anything you would like to add?") {
			t.Fatalf("customer told %q after rating", got)
		}
		// The next message is the comment: stored, thanked, not answered by the rules.
		h.post(update(5, customer, "en", "Bob was quick, but mail me at ann@example.com"), secret)
		if got := h.lastTo(customer, 12).Text; got != "Thank you for your feedback!" {
			t.Fatalf("customer told %q after the comment", got)
		}
		// Pressing another rating changes nothing; a forged one is refused.
		h.post(customerPress(6, customer, rating.MessageID, "csat:rate:1:5"), secret)
		if got := h.callbackAnswer("cb6"); got != "Thank you for your feedback!" {
			t.Errorf("second rating answered %q", got)
		}
		h.post(customerPress(7, customer, asked.MessageID, "csat:rate:1:1"), secret)
		if got := h.callbackAnswer("cb7"); got != "This button is no longer valid." {
			t.Errorf("forged rating answered %q", got)
		}

		// A second handoff in the conversation: asked whether solved, but
		// never rated twice.
		h.waitIdle(h.app.Store())
		clk.add(11 * time.Minute)
		h.post(update(8, customer, "en", "this is a scam again, terrible"), secret)
		second := h.lastTo(teamChat, 7)
		if !strings.Contains(second.ReplyMarkup, `"callback_data":"claim:2"`) {
			t.Fatalf("second handoff's notice %q %s", second.Text, second.ReplyMarkup)
		}
		h.post(teamUpdate(203, 7, "alice_tg", second.MessageID, "/resolve"), secret)
		// Waited for, not read at once: the closing message goes first,
		// and the question a paced second later.
		asked = h.nthTo(customer, 1, func(m telegramtest.Message) bool { return strings.Contains(m.ReplyMarkup, "csat:yes:2") })
		sent := h.sentTo(customer)
		if asked.Text != "Was your question solved?" || sent[len(sent)-1].MessageID != asked.MessageID {
			t.Fatalf("after the second close the customer got %q %s", asked.Text, asked.ReplyMarkup)
		}
		h.post(customerPress(9, customer, asked.MessageID, "csat:yes:2"), secret)
		if got := h.lastTo(customer, len(sent)+1).Text; got != "Thank you for your feedback!" {
			t.Fatalf("a rated conversation was asked again: %q", got)
		}

		// An FAQ answer with ask_helpful: 👍 then 👎, in order; a 👍 is
		// stored for the rule. (An hour later: the bot's own answers are
		// capped per hour, and this customer had many messages.)
		h.waitIdle(h.app.Store())
		clk.add(70 * time.Minute)
		h.post(update(10, customer, "en", "I need an invoice"), secret)
		faq := h.lastTo(customer, len(sent)+2)
		if !strings.HasPrefix(faq.Text, "Your invoice") || !inOrder(faq.ReplyMarkup, "helpful:up:invoice", "helpful:down:invoice") {
			t.Fatalf("FAQ answer %q %s", faq.Text, faq.ReplyMarkup)
		}
		h.waitIdle(h.app.Store())
		h.post(customerPress(11, customer, faq.MessageID, "helpful:up:invoice"), secret)
		if got := h.callbackAnswer("cb11"); got != "Thank you for your feedback!" {
			t.Errorf("👍 answered %q", got)
		}
		h.waitIdle(h.app.Store())

		r, err := report.Build(context.Background(), h.app.Store(), start.Add(-time.Hour), clk.now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		c := r.CSAT
		if avg, ok := c.Overall.Average(); !ok || avg != 4 || c.Overall.Responses() != 1 {
			t.Errorf("csat %v over %d, want 4 over 1", avg, c.Overall.Responses())
		}
		if len(c.ByAgent) != 1 || c.ByAgent[0].ID != "telegram:8" || len(c.ByTeam) != 1 || c.ByTeam[0].Name != "support" {
			t.Errorf("by agent %+v, by team %+v: want the rating filed under Bob (who closed it) and support", c.ByAgent, c.ByTeam)
		}
		if c.SolvedYes != 2 || c.SolvedNo != 0 {
			t.Errorf("solved %d yes, %d no; want 2 yes (the reopened handoff's last answer, and the second's)", c.SolvedYes, c.SolvedNo)
		}
		if len(c.Helpful) != 1 || c.Helpful[0] != (report.Helpful{Rule: "invoice", Up: 1}) {
			t.Errorf("helpful %+v", c.Helpful)
		}
		if len(c.Comments) != 1 || c.Comments[0].Text != "Bob was quick, but mail me at [email]" {
			t.Errorf("comments %+v, want the comment, masked", c.Comments)
		}
		var out bytes.Buffer
		if err := report.WriteJSON(&out, r); err != nil {
			t.Fatal(err)
		}
		var j struct {
			CSAT      *float64 `json:"csat"`
			Responses int      `json:"csat_responses"`
		}
		if err := json.Unmarshal(out.Bytes(), &j); err != nil || j.CSAT == nil || *j.CSAT != 4 || j.Responses != 1 {
			t.Errorf("report JSON csat %v, responses %d (%v)", j.CSAT, j.Responses, err)
		}
		h.waitMetrics(`frontdesk_csat_total{rating="4"} 1`, `frontdesk_csat_total{rating="5"} 0`,
			`frontdesk_csat_solved_total{answer="no"} 1`, `frontdesk_csat_solved_total{answer="yes"} 2`,
			`frontdesk_faq_helpful_total{rule="invoice",vote="up"} 1`)
		for _, m := range h.sentTo(customer) {
			if strings.Contains(m.Text, "alice_tg") || strings.Contains(m.Text, "bob_the_agent") {
				t.Errorf("an agent's handle reached the customer: %q", m.Text)
			}
		}
	})
}

// TestDiscordCustomerNoticesAndCSAT: the same through the Discord fake
// (discordgo, buttons as components): a claim in the team's thread tells
// the customer's DM that a colleague joined (no name is configured, so no
// handle either); /resolve says it is closed and asks, yes then no; yes
// asks the rating, five buttons in order; the rating is stored.
func TestDiscordCustomerNoticesAndCSAT(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscordTeam(t, fake)
	start := time.Now()
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "this is a scam, where is my money?"))
	h.sentTo("900", 1)
	thread := onlyThread(t, fake)
	notice := h.sentTo(thread, 1)
	press := func(channel, user, name, messageID, data string) {
		t.Helper()
		body, _ := json.Marshal(fake.ComponentInteraction(channel, map[bool]string{true: "", false: "77"}[channel == "900"], user, name, messageID, data))
		if code, resp := h.interaction(body, true); code != 200 || resp != `{"type":6}` {
			t.Fatalf("press %s answered %d %s", data, code, resp)
		}
	}
	press(thread, "21", "alice_dc", notice.ID, "claim:1")
	if got := h.sentTo("900", 2).Content; got != "A colleague from support has joined the conversation." {
		t.Fatalf("customer told %q on the claim", got)
	}
	h.dispatch(discordtest.MessageCreate("", thread, "77", "21", "alice_dc", "Refund sent."))
	h.sentTo("900", 3)
	h.dispatch(discordtest.MessageCreate("", thread, "77", "21", "alice_dc", "/resolve"))
	if got := h.sentTo("900", 4).Content; !strings.HasPrefix(got, "This conversation is closed.") {
		t.Fatalf("customer told %q on the close", got)
	}
	asked := h.sentTo("900", 5)
	yes, no := strings.Index(string(asked.Components), `"custom_id":"csat:yes:1"`), strings.Index(string(asked.Components), `"custom_id":"csat:no:1"`)
	if asked.Content != "Was your question solved?" || yes < 0 || no < yes {
		t.Fatalf("solved question %q %s", asked.Content, asked.Components)
	}
	h.waitIdle()
	press("900", "11", "Ann", asked.ID, "csat:yes:1")
	rating := h.sentTo("900", 6)
	at := -1
	for r := 1; r <= 5; r++ {
		i := strings.Index(string(rating.Components), fmt.Sprintf(`"custom_id":"csat:rate:1:%d"`, r))
		if i <= at {
			t.Fatalf("rating buttons out of order: %s", rating.Components)
		}
		at = i
	}
	h.waitIdle()
	press("900", "11", "Ann", rating.ID, "csat:rate:1:5")
	if got := h.sentTo("900", 7).Content; !strings.HasPrefix(got, "Thank you!") {
		t.Fatalf("customer told %q after rating", got)
	}
	h.waitIdle()
	r, err := report.Build(context.Background(), h.app.Store(), start.Add(-time.Minute), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if avg, ok := r.CSAT.Overall.Average(); !ok || avg != 5 || len(r.CSAT.ByAgent) != 1 || r.CSAT.ByAgent[0].ID != "discord:21" {
		t.Errorf("csat %v (%v) by agent %+v; want 5 from alice_dc's handoff", avg, ok, r.CSAT.ByAgent)
	}
	for _, m := range fake.Sent() {
		if m.ChannelID == "900" && strings.Contains(m.Content, "alice_dc") {
			t.Errorf("an agent's handle reached the customer: %q", m.Content)
		}
	}
}

// TestNoFeedbackForBlockedOrSpam: a customer who blocked the bot hears
// nothing of a claim or a close; one whose conversation had spam is asked
// whether it was solved but never for a rating; no rating is stored.
func TestNoFeedbackForBlockedOrSpam(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	h := start(t, cfg, fake)

	// Blocked: after the handoff, the customer blocks the bot.
	const blocker = 5001
	h.post(update(1, blocker, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)
	h.post(fmt.Appendf(nil, `{"update_id": 2, "my_chat_member": {"chat": {"id": %d, "type": "private", "first_name": "Ann"},
		"from": {"id": %d, "is_bot": false, "first_name": "Ann"}, "date": %d,
		"old_chat_member": {"status": "member", "user": {"id": 100000001, "is_bot": true, "first_name": "Shop"}},
		"new_chat_member": {"status": "kicked", "user": {"id": 100000001, "is_bot": true, "first_name": "Shop"}, "until_date": 0}}}`,
		blocker, blocker, time.Now().Unix()), secret)
	h.waitIdle(h.app.Store())
	h.post(buttonPress(100, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.post(teamUpdate(101, 7, "Alice", notice.MessageID, "/resolve"), secret)
	if got := h.lastTo(teamChat, 3).Text; !strings.HasPrefix(got, "Resolved by Alice.") {
		t.Fatalf("team told %q", got)
	}
	h.waitIdle(h.app.Store())
	if got := h.sentTo(blocker); len(got) != 1 {
		t.Fatalf("a customer who blocked the bot got %d messages: %+v", len(got), got)
	}

	// Spam: the customer's first message was ignored as link spam.
	const spammer = 5002
	h.post(update(3, spammer, "en", "cheap watches http://spam.example"), secret)
	h.waitIdle(h.app.Store())
	if got := h.sentTo(spammer); len(got) != 0 {
		t.Fatalf("spam was answered: %+v", got)
	}
	h.post(update(4, spammer, "en", "this is a scam, where is my money?"), secret)
	second := h.lastTo(teamChat, 4)
	h.post(buttonPress(102, 7, "Alice", second.MessageID, "claim:2"), secret)
	h.post(teamUpdate(103, 7, "Alice", second.MessageID, "/resolve"), secret)
	asked := h.lastTo(spammer, 4)
	if asked.Text != "Was your question solved?" {
		t.Fatalf("customer asked %q", asked.Text)
	}
	h.waitIdle(h.app.Store())
	h.post(customerPress(5, spammer, asked.MessageID, "csat:yes:2"), secret)
	if got := h.lastTo(spammer, 5).Text; got != "Thank you for your feedback!" {
		t.Fatalf("a spam conversation was asked %q", got)
	}
	h.waitIdle(h.app.Store())
	r, err := report.Build(context.Background(), h.app.Store(), time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if r.CSAT.Overall.Responses() != 0 || r.CSAT.SolvedYes != 1 {
		t.Errorf("ratings %d, solved yes %d; want none rated and one yes", r.CSAT.Overall.Responses(), r.CSAT.SolvedYes)
	}
}

// TestSandboxCustomerFeedback: the sandbox shows the notices and the
// feedback buttons, and its presses go through the same checks.
func TestSandboxCustomerFeedback(t *testing.T) {
	h, url := startSandbox(t)
	token := url[strings.Index(url, "token=")+len("token="):]
	call := func(method, path string, body any) sandboxState {
		t.Helper()
		var st sandboxState
		sandboxCall(t, h, token, method, path, body, &st)
		return st
	}
	waitFor := func(what string, match func(pane, dir, text string) bool) (id string, buttons []string) {
		t.Helper()
		return sandboxWaitFor(t, h, token, what, func(pane, dir, text, _ string) bool { return match(pane, dir, text) })
	}
	toCustomer := func(want string) func(pane, dir, text string) bool {
		return func(pane, dir, text string) bool {
			return pane == "customer" && dir == "out" && strings.HasPrefix(text, want)
		}
	}
	call("POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "text": "this is a scam, I want a human"})
	notice, buttons := waitFor("the notice", func(pane, dir, text string) bool {
		return pane == "agents" && dir == "out" && strings.Contains(text, "this is a scam")
	})
	call("POST", "/api/agent", map[string]string{"name": "Alice", "button": buttons[0], "message_id": notice})
	waitFor("the claim notice", toCustomer("A colleague from support has joined the conversation."))
	call("POST", "/api/agent", map[string]string{"name": "Alice", "text": "/resolve", "reply_to": notice})
	waitFor("the close", toCustomer("This conversation is closed."))
	asked, yesNo := waitFor("the solved question", toCustomer("Was your question solved?"))
	if len(yesNo) != 2 || !strings.HasPrefix(yesNo[0], "csat:yes:") || !strings.HasPrefix(yesNo[1], "csat:no:") {
		t.Fatalf("solved buttons %v, want yes then no", yesNo)
	}
	h.waitIdle(h.app.Store()) // the question's id is recorded
	call("POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "button": yesNo[0], "message_id": asked})
	rating, stars := waitFor("the rating question", toCustomer("How would you rate our support?"))
	if len(stars) != 5 || !strings.HasSuffix(stars[0], ":1") || !strings.HasSuffix(stars[4], ":5") {
		t.Fatalf("rating buttons %v, want 1 to 5", stars)
	}
	h.waitIdle(h.app.Store())
	call("POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "button": stars[2], "message_id": rating})
	waitFor("the comment prompt", toCustomer("Thank you! Anything you would like to add?"))
	h.waitMetrics(`frontdesk_csat_total{rating="3"} 1`)
}
