package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// Team chats of the routing tests.
const (
	ruChat    = -100201
	zhChat    = -100202
	tier2Chat = -100300
)

// startAt runs the service on a clock the test moves, starting at t0.
func startAt(t *testing.T, cfg *config.Config, fake *telegramtest.Server, t0 time.Time) (*harness, *clock) {
	t.Helper()
	clk := &clock{t: t0}
	return startWith(t, cfg, fake, Options{PollInterval: 20 * time.Millisecond, Now: clk.now}), clk
}

// lastTuesday is the last Tuesday at hh:mm UTC a day or more ago: the
// test's messages are dated by its clock, and Telegram's dates may not lie
// ahead of the real time.
func lastTuesday(hh, mm int) time.Time {
	d := time.Now().UTC().AddDate(0, 0, -1)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, -1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, time.UTC)
}

// TestRoutingByLanguageAndHours: a ru customer goes to the ru team; a zh
// customer (Traditional Chinese) after Shanghai's closing goes to the zh
// team, is told when it opens, and no reminder comes before the opening:
// the SLA clock starts then; a de customer, whose language no team
// speaks, goes to the fallback team.
func TestRoutingByLanguageAndHours(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	weekdays := map[string]string{"mon-fri": "09:00-18:00"}
	cfg.Handoff = config.Handoff{FallbackTeam: "en", Teams: []config.Team{
		{Name: "ru", Bot: "shop", ChatID: config.ID(fmt.Sprint(ruChat)), Languages: []string{"ru"}, Timezone: "Europe/Moscow", Hours: weekdays},
		{Name: "zh", Bot: "shop", ChatID: config.ID(fmt.Sprint(zhChat)), Languages: []string{"zh"}, Timezone: "Asia/Shanghai", Hours: weekdays},
		{Name: "en", Bot: "shop", ChatID: config.ID(fmt.Sprint(teamChat)), Languages: []string{"en"}},
	}}
	// Tuesday 11:00 UTC: 14:00 in Moscow (open), 19:00 in Shanghai (closed
	// until Wednesday 09:00, 01:00 UTC).
	t0 := lastTuesday(11, 0)
	h, clk := startAt(t, cfg, fake, t0)
	advanceTo := func(at time.Time) {
		t.Helper()
		h.waitIdle(h.app.Store())
		clk.add(at.Sub(clk.now()))
	}

	h.post(updateAt(1, 601, "ru", "/human", clk.now()), secret)
	if n := h.lastTo(ruChat, 1); !strings.HasPrefix(n.Text, "Handoff · medium priority") || !strings.Contains(n.Text, "team ru") {
		t.Fatalf("ru team got %q", n.Text)
	}
	if got := h.lastTo(601, 1).Text; strings.Contains(got, "нерабочее") {
		t.Errorf("the ru team is at work, yet the customer was told %q", got)
	}

	h.post(updateAt(2, 602, "zh-hant", "/human", clk.now()), secret)
	zhNotice := h.lastTo(zhChat, 1)
	// /human is medium priority, 4h: counted from Wednesday's 09:00.
	if !strings.Contains(zhNotice.Text, "first answer due Wed 13:00 (Asia/Shanghai)") {
		t.Fatalf("zh team got %q", zhNotice.Text)
	}
	if got := h.lastTo(602, 1).Text; !strings.HasSuffix(got, "现在是非工作时间，客服将于明天 09:00（Asia/Shanghai 时间）回复您。") {
		t.Fatalf("zh customer told %q", got)
	}

	h.post(updateAt(3, 603, "de", "/human", clk.now()), secret)
	if n := h.lastTo(teamChat, 1); !strings.Contains(n.Text, "team en") {
		t.Fatalf("the fallback team got %q", n.Text)
	}

	// Night in Shanghai, then the opening: nothing reminds the zh team.
	for _, at := range []time.Time{t0.Add(6 * time.Hour), t0.Add(13*time.Hour + 59*time.Minute), t0.Add(17*time.Hour + 59*time.Minute)} {
		advanceTo(at)
		time.Sleep(100 * time.Millisecond) // timer rounds
		h.waitIdle(h.app.Store())
		if n := h.countTo(zhChat); n != 1 {
			t.Fatalf("at %v the zh team got %d messages, want only the notice: %+v", at, n, h.fake.Sent())
		}
	}
	// Four business hours after the opening: the reminder, once.
	advanceTo(t0.Add(18*time.Hour + time.Minute)) // Wednesday 13:01 in Shanghai
	if got := h.lastTo(zhChat, 2).Text; !strings.HasPrefix(got, "Reminder: Ann is waiting for a person (medium priority, first answer was due Wed 13:00") {
		t.Fatalf("zh team reminded with %q", got)
	}

	// The report says how they were routed.
	rep, err := report.Build(context.Background(), h.app.Store(), t0.Add(-time.Hour), t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantTeams := []report.RouteStats{{Name: "en", Handoffs: 1}, {Name: "ru", Handoffs: 1}, {Name: "zh", Handoffs: 1, OutOfHours: 1}}
	if rt := rep.Routing; rt.Handoffs != 3 || rt.OutOfHours != 1 || !slices.Equal(rt.ByTeam, wantTeams) ||
		!slices.Equal(rt.ByLanguage, []report.RouteStats{{Name: "de", Handoffs: 1}, {Name: "ru", Handoffs: 1}, {Name: "zh", Handoffs: 1, OutOfHours: 1}}) {
		t.Fatalf("routing report %+v", rt)
	}
}

// TestOverflowToTier2: a handoff unclaimed for the overflow time is
// offered to the second team once (and counted); an agent there claims it
// and answers, and the customer's next message reaches their chat. Before
// the overflow, that team may not act on it.
func TestOverflowToTier2(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{
		{Name: "support", Bot: "shop", ChatID: config.ID(fmt.Sprint(teamChat)),
			Overflow: config.Overflow{After: config.Duration(10 * time.Minute), To: "tier2"}},
		{Name: "tier2", Bot: "shop", ChatID: config.ID(fmt.Sprint(tier2Chat))},
	}}
	h, clk := startAt(t, cfg, fake, lastTuesday(10, 0))
	advance := func(d time.Duration) {
		t.Helper()
		h.waitIdle(h.app.Store())
		clk.add(d)
	}
	const customer = 4242
	h.post(updateAt(1, customer, "en", "this is a scam, where is my money?", clk.now()), secret)
	notice := h.lastTo(teamChat, 1)

	// Not yet overflowed: tier 2 may not take it.
	h.post(groupButton(100, tier2Chat, 9, "Bob", notice.MessageID, "claim:1"), secret)
	if got := h.lastTo(tier2Chat, 1).Text; !strings.HasPrefix(got, "Not allowed: this conversation belongs to team support") {
		t.Fatalf("tier 2 told %q before the overflow", got)
	}

	advance(9 * time.Minute)
	time.Sleep(100 * time.Millisecond)
	h.waitIdle(h.app.Store())
	if n := h.countTo(tier2Chat); n != 1 {
		t.Fatalf("tier 2 got %d messages before the overflow time", n)
	}
	advance(2 * time.Minute)
	over := h.lastTo(tier2Chat, 2)
	if !strings.HasPrefix(over.Text, "Overflow from team support: Ann has waited since") || !strings.Contains(over.ReplyMarkup, `"callback_data":"claim:1"`) {
		t.Fatalf("tier 2 got %+v", over)
	}
	advance(time.Hour)
	time.Sleep(100 * time.Millisecond)
	h.waitIdle(h.app.Store())
	overflows := 0
	for _, m := range h.fake.Sent() {
		if strings.HasPrefix(m.Text, "Overflow from") {
			overflows++
		}
	}
	if overflows != 1 {
		t.Fatalf("%d overflow notices, want 1", overflows)
	}
	h.waitMetrics(`frontdesk_handoff_overflow_total{team="support",to="tier2"} 1`)

	// Tier 2 claims from its notice and answers.
	h.post(groupButton(101, tier2Chat, 9, "Bob", over.MessageID, "claim:1"), secret)
	if got := h.lastTo(tier2Chat, 3).Text; got != "Bob owns this conversation." {
		t.Fatalf("tier 2 told %q", got)
	}
	h.post(teamUpdateIn(200, tier2Chat, 9, "Bob", over.MessageID, "Hi, Bob here: your refund goes out today."), secret)
	// (the claim told the customer "a colleague has joined" first)
	if got := h.lastTo(customer, 3).Text; got != "Hi, Bob here: your refund goes out today." {
		t.Fatalf("customer got %q", got)
	}
	h.post(updateAt(2, customer, "en", "thanks Bob!", clk.now()), secret)
	if got := h.lastTo(tier2Chat, 4).Text; got != "Ann: thanks Bob!" {
		t.Fatalf("the customer's answer reached tier 2 as %q", got)
	}
}

// TestPublicGroupHandoffContinuesInPrivate: a complaint in a group gets a
// button with a t.me link instead of a handoff there; /start with its
// token in private opens the handoff with the group question in the
// agents' notice; the link works once, and only for who asked.
func TestPublicGroupHandoffContinuesInPrivate(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		cfg.Bots[0].Username = "shop_bot"
		cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: config.ID(fmt.Sprint(teamChat))}}}
		h := start(t, cfg, fake)
		const group, customer = -100500, 4242
		h.post(customerInGroup(1, group, customer, "ru", "это обман, где мои деньги?"), secret)
		offer := h.lastTo(group, 1)
		m := regexp.MustCompile(`"url":"https://t\.me/shop_bot\?start=([A-Za-z0-9_-]+)"`).FindStringSubmatch(offer.ReplyMarkup)
		if m == nil || !strings.Contains(offer.Text, "личном чате") {
			t.Fatalf("group got %q with %s, want a private-chat link in Russian", offer.Text, offer.ReplyMarkup)
		}
		token := m[1]
		if strings.Contains(token, fmt.Sprint(customer)) {
			t.Fatalf("token %q carries the customer's id", token)
		}
		h.waitIdle(h.app.Store())
		if n := h.countTo(teamChat); n != 0 {
			t.Fatalf("a handoff started in the group: the team got %d messages", n)
		}

		// Someone else opening the link gets no handoff of Ann's question.
		h.post(update(2, 777, "ru", "/start "+token), secret)
		h.waitIdle(h.app.Store())
		if n := h.countTo(teamChat); n != 0 {
			t.Fatalf("another customer's /start opened the handoff")
		}

		h.post(update(3, customer, "ru", "/start "+token), secret)
		notice := h.lastTo(teamChat, 1)
		for _, want := range []string{"Rule: complaint", "(asked in a public chat, continued in private) это обман, где мои деньги?"} {
			if !strings.Contains(notice.Text, want) {
				t.Errorf("notice lacks %q:\n%s", want, notice.Text)
			}
		}
		if strings.Contains(notice.Text, token) {
			t.Errorf("the notice shows the token:\n%s", notice.Text)
		}
		if got := h.lastTo(customer, 1).Text; got == "" {
			t.Fatal("the customer was told nothing in private")
		}
		// Used once: the same link again starts nothing new.
		h.post(update(4, customer, "ru", "/start "+token), secret)
		h.waitIdle(h.app.Store())
		opened := 0
		for _, m := range h.fake.Sent() {
			if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Handoff ·") {
				opened++
			}
		}
		if opened != 1 {
			t.Fatalf("the link worked twice: %d handoff notices", opened)
		}
	})
}

// updateAt is update dated at: the guard counts the platform's
// interaction window from a message's own date.
func updateAt(updateID, chatID int64, lang, text string, at time.Time) []byte {
	var u map[string]any
	_ = json.Unmarshal(update(updateID, chatID, lang, text), &u)
	u["message"].(map[string]any)["date"] = at.Unix()
	b, _ := json.Marshal(u)
	return b
}

// groupUpdate is a customer's message in a Telegram group.
func customerInGroup(updateID, groupID, userID int64, lang, text string) []byte {
	var u map[string]any
	_ = json.Unmarshal(update(updateID, userID, lang, text), &u)
	u["message"].(map[string]any)["chat"] = map[string]any{"id": groupID, "type": "group", "title": "Shop fans"}
	b, _ := json.Marshal(u)
	return b
}

// teamUpdateIn is an agent's reply to replyTo in a team chat.
func teamUpdateIn(updateID, chatID, agentID int64, agentName string, replyTo int64, text string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"chat": {"id": %d, "type": "supergroup", "title": "Tier 2"},
		"from": {"id": %d, "is_bot": false, "first_name": %q},
		"reply_to_message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup"},
			"from": {"id": 100000001, "is_bot": true, "first_name": "Shop"}},
		"text": %q}}`, updateID, updateID, time.Now().Unix(), chatID, agentID, agentName, replyTo, chatID, text))
}

// TestBotUsernameFromGetMe: without bots[].username the t.me link uses the
// username Telegram gives at start (getMe).
func TestBotUsernameFromGetMe(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: config.ID(fmt.Sprint(teamChat))}}}
	h := start(t, cfg, fake)
	deadline := time.Now().Add(messageWait)
	for h.app.usernames.get("telegram/shop") == "" {
		if time.Now().After(deadline) {
			t.Fatal("the bot's username was not learned from getMe")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.post(customerInGroup(1, -100500, 4242, "en", "/human"), secret)
	if got := h.lastTo(-100500, 1).ReplyMarkup; !strings.Contains(got, `"url":"https://t.me/telegramtest_bot?start=`) {
		t.Fatalf("group got buttons %s", got)
	}
}
