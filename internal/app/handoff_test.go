package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
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
	// The reply is in the history once it is recorded as sent, which
	// follows the platform's answer.
	h.waitIdle(h.app.Store())
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
	for _, want := range []string{"high priority", "Customer: Ann", "Message: after_sales · 😠 negative", "Rule: complaint", "hello, I have a question about my order", "this is a scam, nobody answers!", "Bot: Thanks Ann"} {
		if !strings.Contains(notice.Text, want) {
			t.Errorf("notification lacks %q:\n%s", want, notice.Text)
		}
	}
	for _, want := range []string{`"callback_data":"claim:1"`, `"callback_data":"close:1"`, `"callback_data":"transfer:1"`, `"callback_data":"bot:1"`, `"text":"Close"`} {
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

// teamUpdate is a message an agent writes in the team chat, replying to replyTo.
func teamUpdate(updateID int64, agentID int64, agentName string, replyTo int64, text string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"chat": {"id": %d, "type": "supergroup", "title": "Support"},
		"from": {"id": %d, "is_bot": false, "first_name": %q},
		"reply_to_message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup"},
			"from": {"id": 100000001, "is_bot": true, "first_name": "Shop"}},
		"text": %q}}`, updateID, updateID, time.Now().Unix(), teamChat, agentID, agentName, replyTo, teamChat, text))
}

// buttonPress is an agent pressing a button under a team-chat message.
func buttonPress(updateID, agentID int64, agentName string, messageID int64, data string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "callback_query": {"id": "cb%d", "chat_instance": "1",
		"from": {"id": %d, "is_bot": false, "first_name": %q},
		"message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup"}},
		"data": %q}}`, updateID, updateID, agentID, agentName, messageID, teamChat, data))
}

// lastTo waits for the n-th message sent to chatID and returns it.
func (h *harness) lastTo(chatID int64, n int) telegramtest.Message {
	h.t.Helper()
	return h.nthTo(chatID, n, func(telegramtest.Message) bool { return true })
}

// nthTo waits for the n-th message sent to chatID that keep accepts.
func (h *harness) nthTo(chatID int64, n int, keep func(telegramtest.Message) bool) telegramtest.Message {
	h.t.Helper()
	deadline := time.Now().Add(messageWait)
	for {
		var to []telegramtest.Message
		for _, m := range h.fake.Sent() {
			if m.ChatID == chatID && keep(m) {
				to = append(to, m)
			}
		}
		if len(to) >= n {
			return to[n-1]
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("chat %d got %d messages, want %d: %+v", chatID, len(to), n, to)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHandoffThroughTheTeamChat plays the whole lifecycle: a complaint is
// handed off, an agent claims it, answers the customer by replying in the
// team chat, the customer's answer appears there, the agent resolves, and
// the bot answers the next FAQ question again.
func TestHandoffThroughTheTeamChat(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)

	// Two agents press Claim at once: one owns it, the other is told who
	// does. Agents are separate conversations, so either may win.
	h.post(buttonPress(100, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.post(buttonPress(101, 8, "Bob", notice.MessageID, "claim:1"), secret)
	told := h.lastTo(teamChat, 2).Text
	owner, loser, ownerID, loserID, ownerCB, loserCB := "Alice", "Bob", int64(7), int64(8), "cb100", "cb101"
	if told == "Bob owns this conversation." {
		owner, loser, ownerID, loserID, ownerCB, loserCB = "Bob", "Alice", 8, 7, "cb101", "cb100"
	} else if told != "Alice owns this conversation." {
		t.Fatalf("team chat told %q", told)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(h.fake.CallsTo("answerCallbackQuery")) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	answers := map[string]string{}
	for _, c := range h.fake.CallsTo("answerCallbackQuery") {
		answers[c.Params["callback_query_id"]] = c.Params["text"]
	}
	if answers[ownerCB] != owner+" owns this conversation." || answers[loserCB] != "Already claimed by "+owner+"." {
		t.Fatalf("button answers %v", answers)
	}

	// The other agent's reply does not reach the customer (D13).
	h.post(teamUpdate(199, loserID, loser, notice.MessageID, "I'll take it from here"), secret)
	if got := h.lastTo(teamChat, 3).Text; got != "Not sent: "+owner+" owns this conversation." {
		t.Fatalf("team chat told %q", got)
	}

	// The owner answers the customer by replying to the notification.
	h.post(teamUpdate(200, ownerID, owner, notice.MessageID, "Hi, I've found your order; the refund goes out today."), secret)
	// The claim told the customer a person joined (issue 20), by no handle.
	if got := h.lastTo(customer, 2).Text; got != "A colleague from support has joined the conversation." {
		t.Fatalf("customer told %q on the claim", got)
	}
	if got := h.lastTo(customer, 3).Text; got != "Hi, I've found your order; the refund goes out today." {
		t.Fatalf("customer got %q", got)
	}

	// The customer answers; it appears in the team chat, not as a bot reply.
	h.post(update(2, customer, "en", "thank you, how do refunds work?"), secret)
	relayed := h.lastTo(teamChat, 4)
	if relayed.Text != "Ann: thank you, how do refunds work?" {
		t.Fatalf("team chat got %q", relayed.Text)
	}
	// An internal note is never sent to the customer.
	h.post(teamUpdate(201, ownerID, owner, relayed.MessageID, "/note VIP, be nice"), secret)
	// Nor is a mistyped command: the agent is told, the customer gets nothing.
	h.post(teamUpdate(203, ownerID, owner, relayed.MessageID, "/reslove please"), secret)
	if got := h.lastTo(teamChat, 5).Text; !strings.HasPrefix(got, "Unknown command /reslove (did you mean /resolve?): nothing was sent to the customer.") {
		t.Fatalf("team chat told %q", got)
	}
	// The owner resolves by replying to the relayed message.
	h.post(teamUpdate(202, ownerID, owner, relayed.MessageID, "/resolve"), secret)
	if got := h.lastTo(teamChat, 6).Text; got != "Resolved by "+owner+". The bot answers this customer again." {
		t.Fatalf("team chat told %q", got)
	}
	// The customer was told it closed and asked whether it was solved.
	if got := h.lastTo(customer, 5).Text; got != "Was your question solved?" {
		t.Fatalf("after resolving, the customer was asked %q", got)
	}
	// Back with the bot: the next question gets the FAQ answer.
	h.post(update(3, customer, "en", "and where is my order?"), secret)
	if got := h.lastTo(customer, 6).Text; !strings.HasPrefix(got, "Orders ship") {
		t.Fatalf("after resolving, the customer got %q", got)
	}
	h.waitIdle(h.app.Store())
	for _, m := range h.fake.Sent() {
		if m.ChatID == customer && strings.Contains(m.Text, "VIP") {
			t.Fatal("an internal note reached the customer")
		}
	}
	// The handoff's life in the metrics: one opened, answered within its
	// SLA by the owner's reply (the claims alone are no answer, the losing
	// agent's reply was not sent), resolved once.
	h.waitMetrics(
		`frontdesk_messages_in_total{bot="shop",kind="text",platform="telegram"} 3`,
		`frontdesk_handoffs_total{priority="high",step="opened",team="support"} 1`,
		`frontdesk_handoffs_total{priority="high",step="answered",team="support"} 1`,
		`frontdesk_handoffs_total{priority="high",step="closed",team="support"} 1`,
		`frontdesk_handoff_sla_total{priority="high",result="met"} 1`,
		`frontdesk_handoff_first_response_seconds_count{priority="high"} 1`,
		`frontdesk_handoff_resolution_seconds_count{priority="high"} 1`,
		`frontdesk_rule_actions_total{action="reply",rule="shipping"} 1`,
		`frontdesk_webhook_duration_seconds_count{bot="shop",code="200",platform="telegram"} 10`,
	)
	for _, m := range h.fake.Sent() {
		if m.ChatID == customer && strings.Contains(m.Text, "reslove") {
			t.Fatal("a mistyped command reached the customer")
		}
	}
}

func TestOutOfHoursHandoffSaysWhenAPersonAnswers(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	// Closed all of today (a holiday), open tomorrow from 09:00.
	today := time.Now().UTC().Format("2006-01-02")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890",
		Timezone: "UTC", Hours: map[string]string{"mon-sun": "09:00-18:00"}, Holidays: []string{today}}}}
	h := start(t, cfg, fake)
	tests := []struct {
		chat int64
		lang string
		want string
	}{
		{501, "en", "Our team is away right now; a person will answer tomorrow at 09:00 (UTC time)."},
		{502, "zh", "现在是非工作时间，客服将于明天 09:00（UTC 时间）回复您。"},
		{503, "ru", "Сейчас нерабочее время; оператор ответит завтра в 09:00 (время UTC)."},
	}
	for i, tt := range tests {
		h.post(update(int64(10+i), tt.chat, tt.lang, "/human"), secret)
		if got := h.lastTo(tt.chat, 1).Text; !strings.HasSuffix(got, tt.want) {
			t.Errorf("%s: customer told %q, want it to end with %q", tt.lang, got, tt.want)
		}
	}
}

// startWithClock runs the service on a clock the test moves.
func startWithClock(t *testing.T, cfg *config.Config, fake *telegramtest.Server) (*harness, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	return startWith(t, cfg, fake, Options{PollInterval: 20 * time.Millisecond, Now: clk.now}), clk
}

// clock is a time source a test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestUnclaimedHandoffRemindsThenEscalatesOnce(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	const managers, leadership = -100777, -100888
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890",
		Escalation: []config.ID{"-100777", "-100888"}, EscalateEvery: config.Duration(10 * time.Minute)}}}
	h, clk := startWithClock(t, cfg, fake)
	a := h.app

	// Before each jump of the clock, let every send finish: a jump past the
	// claim lease of a message still in flight would hand it to a second
	// sender (the at-least-once window of a crashed sender, not a timer bug).
	advance := func(d time.Duration) {
		t.Helper()
		h.waitIdle(a.Store())
		clk.add(d)
	}
	h.post(update(1, 4242, "en", "this is a scam!"), secret) // complaint: high priority, due in 1h
	h.lastTo(teamChat, 1)

	advance(time.Hour + time.Second)
	if got := h.lastTo(teamChat, 2).Text; !strings.HasPrefix(got, "Reminder: Ann is waiting for a person (high priority") {
		t.Fatalf("at the due time the team got %q", got)
	}
	advance(10 * time.Minute)
	if got := h.lastTo(managers, 1).Text; !strings.HasPrefix(got, "Escalation (tier 2)") {
		t.Fatalf("tier 2 got %q", got)
	}
	advance(10 * time.Minute)
	if got := h.lastTo(leadership, 1).Text; !strings.HasPrefix(got, "Escalation (tier 3)") {
		t.Fatalf("tier 3 got %q", got)
	}
	// Never a storm: with every tier told, time passing adds nothing.
	advance(5 * time.Hour)
	time.Sleep(300 * time.Millisecond) // many timer rounds
	h.waitIdle(a.Store())
	counts := map[int64]int{}
	for _, m := range fake.Sent() {
		counts[m.ChatID]++
	}
	if counts[teamChat] != 2 || counts[managers] != 1 || counts[leadership] != 1 {
		t.Fatalf("messages per chat %v: want the notification and one reminder, then one escalation per tier", counts)
	}
}

// TestIdleClaimedHandoffGoesBackToTheBot: a claimed conversation nobody
// writes in is resolved after the idle timeout, counted from the last
// message on either side, and the bot answers the customer again.
func TestIdleClaimedHandoffGoesBackToTheBot(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{IdleTimeout: config.Duration(2 * time.Hour),
		Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	h, clk := startWithClock(t, cfg, fake)
	a := h.app
	advance := func(d time.Duration) {
		t.Helper()
		h.waitIdle(a.Store())
		clk.add(d)
	}
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam!"), secret)
	notice := h.lastTo(teamChat, 1)
	h.post(buttonPress(100, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.lastTo(teamChat, 2)

	advance(90 * time.Minute)
	h.post(update(2, customer, "en", "hello? still there?"), secret) // activity: the clock starts again
	h.lastTo(teamChat, 3)
	advance(90 * time.Minute)
	time.Sleep(100 * time.Millisecond) // timer rounds
	h.waitIdle(a.Store())
	if n := len(fake.Sent()); fake.Sent()[n-1].Text == "" || strings.HasPrefix(fake.Sent()[n-1].Text, "Resolved after") {
		t.Fatalf("resolved 90 minutes after the customer wrote, with a 2h timeout")
	}
	advance(31 * time.Minute)
	if got := h.lastTo(teamChat, 4).Text; got != "Resolved after 2h without messages: Ann's conversation (claimed by Alice) is back with the bot." {
		t.Fatalf("team chat told %q", got)
	}
	h.post(update(3, customer, "en", "where is my order?"), secret)
	// 2 said a colleague joined; the timeout tells the customer nothing.
	if got := h.lastTo(customer, 3).Text; !strings.HasPrefix(got, "Orders ship") {
		t.Fatalf("after the timeout the customer got %q, want the FAQ answer", got)
	}
}

// TestHandoffAlsoPostsToADiscordChannelWebhook: a team may have its
// notices copied to a Discord channel through a channel webhook.
func TestHandoffAlsoPostsToADiscordChannelWebhook(t *testing.T) {
	posts := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Content string `json:"content"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		posts <- body.Content
		_, _ = w.Write([]byte(`{"id":"1"}`))
	}))
	t.Cleanup(hook.Close)
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890",
		DiscordWebhookURL: hook.URL + "/api/webhooks/1/token"}}}
	h := start(t, cfg, fake)
	h.post(update(1, 4242, "en", "this is a scam!"), secret)
	select {
	case got := <-posts:
		if !strings.HasPrefix(got, "Handoff · high priority") {
			t.Fatalf("channel webhook got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing posted to the channel webhook")
	}
	if n := h.lastTo(teamChat, 1); !strings.HasPrefix(n.Text, "Handoff") {
		t.Fatalf("team chat got %q", n.Text)
	}
}

// TestStoreStampsArrivalsWithTheAppsClock: the store stamps each accepted
// event with the clock the pipeline decides by. With two clocks, an
// agent's reply to a notice whose sending was still being recorded looked
// minutes old to a clock moved ahead, and was dropped as chatter instead
// of waited for (TestCustomerNoticesAndCSAT failed that way).
func TestStoreStampsArrivalsWithTheAppsClock(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	h, clk := startWithClock(t, testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook"), fake)
	clk.add(time.Hour)
	if got, want := h.app.Store().Now(), clk.now(); !got.Equal(want) {
		t.Fatalf("the store's clock reads %v, the app's %v", got, want)
	}
}
