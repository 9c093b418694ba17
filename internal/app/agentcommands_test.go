package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// The team-chat commands of issue 19 end to end through the Telegram fake:
// /close (now and timed), /reopen, /transfer, /escalate, /priority,
// /block and /unblock, and the notice's buttons.

const billingChat = -100555

// groupUpdate is an agent writing in a team chat (chatID), replying to
// replyTo (0: no reply).
func groupUpdate(updateID, chatID, agentID int64, agentName string, replyTo int64, text string) []byte {
	reply := ""
	if replyTo != 0 {
		reply = fmt.Sprintf(`"reply_to_message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup"},
			"from": {"id": 100000001, "is_bot": true, "first_name": "Shop"}},`, replyTo, chatID)
	}
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"chat": {"id": %d, "type": "supergroup", "title": "Team"},
		"from": {"id": %d, "is_bot": false, "first_name": %q, "username": %q}, %s
		"text": %q}}`, updateID, updateID, time.Now().Unix(), chatID, agentID, agentName, strings.ToLower(agentName)+"_desk", reply, text))
}

// groupButton is an agent pressing a button under a message in a team chat.
func groupButton(updateID, chatID, agentID int64, agentName string, messageID int64, data string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "callback_query": {"id": "cb%d", "chat_instance": "1",
		"from": {"id": %d, "is_bot": false, "first_name": %q},
		"message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup"}},
		"data": %q}}`, updateID, updateID, agentID, agentName, messageID, chatID, data))
}

// told waits for a message to chatID whose text starts with prefix.
func (h *harness) told(chatID int64, prefix string) telegramtest.Message {
	h.t.Helper()
	deadline := time.Now().Add(messageWait)
	for {
		for _, m := range h.fake.Sent() {
			if m.ChatID == chatID && strings.HasPrefix(m.Text, prefix) {
				return m
			}
		}
		if time.Now().After(deadline) {
			var texts []string
			for _, m := range h.fake.Sent() {
				if m.ChatID == chatID {
					texts = append(texts, m.Text)
				}
			}
			h.t.Fatalf("chat %d was never told %q; it got %q", chatID, prefix, texts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// countTo counts the messages sent to chatID.
func (h *harness) countTo(chatID int64) int {
	n := 0
	for _, m := range h.fake.Sent() {
		if m.ChatID == chatID {
			n++
		}
	}
	return n
}

// handedOffToTwoTeams starts the service with teams support and billing
// (twoTeams) and hands customer 4242 off to support with a complaint (high
// priority): the notice in support's chat.
func handedOffToTwoTeams(t *testing.T) (*harness, telegramtest.Message) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	h := start(t, twoTeams(fake, t), fake)
	h.post(update(1, 4242, "en", "this is a scam!"), secret)
	return h, h.lastTo(teamChat, 1)
}

func twoTeams(fake *telegramtest.Server, t *testing.T) *config.Config {
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{
		{Name: "support", Bot: "shop", ChatID: "-1001234567890", Escalation: []config.ID{"-100777"}},
		{Name: "billing", Bot: "shop", ChatID: "-100555"},
	}}
	return cfg
}

// TestTimedCloseIsCancelledByTheCustomerThenFires: /close in 10m waits; the
// customer writing first cancels it (the team is told); a second one fires
// on the handoff timer and the bot answers the customer again.
func TestTimedCloseIsCancelledByTheCustomerThenFires(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	h, clk := startWithClock(t, twoTeams(fake, t), fake)
	advance := func(d time.Duration) {
		t.Helper()
		h.waitIdle(h.app.Store())
		clk.add(d)
	}
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam!"), secret)
	notice := h.lastTo(teamChat, 1)
	h.post(groupButton(100, teamChat, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.told(teamChat, "Alice owns this conversation.")

	h.post(groupUpdate(101, teamChat, 7, "Alice", notice.MessageID, "/close in 10m"), secret)
	h.told(teamChat, "Alice will close this conversation in 10m; if the customer writes before then, it stays open.")
	advance(5 * time.Minute)
	h.post(update(2, customer, "en", "wait, one more thing"), secret)
	h.told(teamChat, "Timed close cancelled: Ann wrote again, so the conversation stays open.")
	h.told(teamChat, "Ann: wait, one more thing")
	advance(20 * time.Minute)
	time.Sleep(100 * time.Millisecond) // timer rounds
	h.waitIdle(h.app.Store())
	if h.sentContains(teamChat, "Closed as planned") {
		t.Fatal("a cancelled timed close fired")
	}

	h.post(groupUpdate(102, teamChat, 7, "Alice", notice.MessageID, "/close in 1h30m"), secret)
	h.told(teamChat, "Alice will close this conversation in 1h30m")
	advance(time.Hour)
	time.Sleep(100 * time.Millisecond)
	h.waitIdle(h.app.Store())
	if h.sentContains(teamChat, "Closed as planned") {
		t.Fatal("closed before its time")
	}
	advance(31 * time.Minute)
	h.told(teamChat, "Closed as planned: Ann's conversation is back with the bot.")
	// The customer hears it as after /close now: closed, and was it solved?
	// The fake, like Telegram, takes one message a second per chat: the
	// second is retried a second later, by the test's clock.
	h.told(customer, "This conversation is closed.")
	time.Sleep(1100 * time.Millisecond)
	clk.add(2 * time.Second)
	if asked := h.told(customer, "Was your question solved?"); !inOrder(asked.ReplyMarkup, "csat:yes:1", "csat:no:1") {
		t.Fatalf("a timed close asks with yes then no; buttons %s", asked.ReplyMarkup)
	}
	h.post(update(3, customer, "en", "where is my order?"), secret)
	time.Sleep(1100 * time.Millisecond)
	clk.add(2 * time.Second)
	h.told(customer, "Orders ship")
	h.waitMetrics(`frontdesk_handoffs_total{priority="high",step="closed",team="support"} 1`)
}

// TestCloseReopenPriorityEscalate: the priority set and raised (the
// escalation chat told), closed now, then reopened by an agent, after
// which the customer's messages reach the team again.
func TestCloseReopenPriorityEscalate(t *testing.T) {
	h, notice := handedOffToTwoTeams(t)
	const customer, managers = 4242, -100777

	h.post(groupUpdate(100, teamChat, 7, "Alice", notice.MessageID, "/priority P4"), secret)
	h.told(teamChat, "Alice set the priority to P4 (low).")
	h.post(groupUpdate(101, teamChat, 7, "Alice", notice.MessageID, "/priority urgent"), secret)
	h.told(teamChat, "Not changed: write /priority P1, P2, P3 or P4")
	h.post(groupUpdate(102, teamChat, 7, "Alice", notice.MessageID, "/escalate"), secret)
	h.told(teamChat, "Alice escalated this conversation to P3 (medium); escalation tier 2 is told.")
	esc := h.told(managers, "Escalation (tier 2) by Alice: Ann (P3, medium) of team support needs attention.")
	if !strings.Contains(esc.ReplyMarkup, `"callback_data":"claim:1"`) {
		t.Fatalf("escalation buttons %s", esc.ReplyMarkup)
	}
	h.post(groupUpdate(103, teamChat, 7, "Alice", notice.MessageID, "/escalate"), secret)
	h.told(teamChat, "Alice escalated this conversation to P2 (high); no escalation chat is left to tell.")

	h.post(groupUpdate(104, teamChat, 7, "Alice", notice.MessageID, "/close"), secret)
	h.told(teamChat, "Closed by Alice. The bot answers this customer again.")
	h.post(groupUpdate(105, teamChat, 7, "Alice", notice.MessageID, "/close"), secret)
	h.told(teamChat, "This conversation is already closed.")
	h.post(update(2, customer, "en", "where is my order?"), secret)
	h.told(customer, "Orders ship")

	h.post(groupUpdate(106, teamChat, 8, "Bob", notice.MessageID, "/reopen"), secret)
	h.told(teamChat, "Bob reopened the conversation and owns it; the bot stays quiet with this customer.")
	h.post(update(3, customer, "en", "where is my order, again?"), secret)
	h.told(teamChat, "Ann: where is my order, again?")
	h.post(groupUpdate(107, teamChat, 8, "Bob", notice.MessageID, "It ships tomorrow."), secret)
	h.told(customer, "It ships tomorrow.")
	h.post(groupUpdate(108, teamChat, 8, "Bob", notice.MessageID, "/reopen"), secret)
	h.told(teamChat, "Not reopened: this conversation is open already.")
	h.post(groupUpdate(109, teamChat, 8, "Bob", notice.MessageID, "/tag VIP refund"), secret)
	h.told(teamChat, "Bob tagged this conversation: vip, refund.")
	h.post(groupUpdate(110, teamChat, 8, "Bob", notice.MessageID, "/tag vip"), secret)
	h.told(teamChat, "Already tagged: vip.")
}

// TestTransferToAnAgentThenATeam: /transfer names an agent the team knows
// (by name or @username), then another team, whose chat gets the handoff
// with its buttons; an unknown name is refused with the teams listed.
func TestTransferToAnAgentThenATeam(t *testing.T) {
	h, notice := handedOffToTwoTeams(t)
	const customer = 4242
	// Bob has acted in the team's chat: the team knows him. Agents' events
	// are separate conversations, decided in any order: his is waited for.
	h.post(groupUpdate(100, teamChat, 8, "Bob", notice.MessageID, "/note I know this customer"), secret)
	h.waitIdle(h.app.Store())
	h.post(groupButton(101, teamChat, 7, "Alice", notice.MessageID, "claim:1"), secret)
	h.told(teamChat, "Alice owns this conversation.")

	h.post(groupUpdate(102, teamChat, 7, "Alice", notice.MessageID, "/transfer sales"), secret)
	h.told(teamChat, `Not transferred: "sales" is no team nor agent known here. Teams: support, billing.`)
	h.post(groupUpdate(103, teamChat, 7, "Alice", notice.MessageID, "/transfer @bob_desk"), secret)
	h.told(teamChat, "Alice transferred this conversation to Bob, who owns it now.")
	// Bob owns it: his reply reaches the customer, Alice's does not.
	h.post(groupUpdate(104, teamChat, 7, "Alice", notice.MessageID, "from Alice"), secret)
	h.told(teamChat, "Not sent: Bob owns this conversation.")
	h.post(groupUpdate(105, teamChat, 8, "Bob", notice.MessageID, "Bob here, I'll sort it out."), secret)
	h.told(customer, "Bob here, I'll sort it out.")

	h.post(groupUpdate(106, teamChat, 8, "Bob", notice.MessageID, "/transfer Billing"), secret)
	h.told(teamChat, "Bob transferred this conversation to team billing.")
	moved := h.told(billingChat, "Handoff transferred from team support by Bob")
	for _, want := range []string{`"callback_data":"claim:1"`, `"callback_data":"close:1"`, `"callback_data":"transfer:1"`} {
		if !strings.Contains(moved.ReplyMarkup, want) {
			t.Errorf("the new team's notice lacks %s: %s", want, moved.ReplyMarkup)
		}
	}
	// The old team no longer acts on it; the new one does.
	h.post(groupUpdate(107, teamChat, 8, "Bob", notice.MessageID, "still me"), secret)
	h.told(teamChat, "Not allowed: this conversation belongs to team billing")
	h.post(groupButton(108, billingChat, 9, "Carol", moved.MessageID, "claim:1"), secret)
	h.told(billingChat, "Carol owns this conversation.")
	h.post(update(2, customer, "en", "any news?"), secret)
	h.told(billingChat, "Ann: any news?")
}

// TestBlockedCustomerIsKeptNotAnsweredNorRelayed: after /block the
// customer's messages are stored and counted as blocked, never answered
// nor passed on; /unblock undoes it.
func TestBlockedCustomerIsKeptNotAnsweredNorRelayed(t *testing.T) {
	h, notice := handedOffToTwoTeams(t)
	const customer = 4242
	h.post(groupUpdate(100, teamChat, 7, "Alice", notice.MessageID, "/block"), secret)
	h.told(teamChat, "Alice blocked this customer")
	h.post(groupUpdate(101, teamChat, 7, "Alice", notice.MessageID, "/block"), secret)
	h.told(teamChat, "This customer is blocked already.")
	h.waitIdle(h.app.Store())
	toTeam, toCustomer := h.countTo(teamChat), h.countTo(customer)

	h.post(update(2, customer, "en", "where is my order?"), secret)
	h.post(update(3, customer, "en", "spam spam spam"), secret)
	h.waitIdle(h.app.Store())
	if h.countTo(teamChat) != toTeam || h.countTo(customer) != toCustomer {
		t.Fatalf("a blocked customer's messages were answered or relayed: %+v", h.fake.Sent())
	}
	h.waitMetrics(`frontdesk_decisions_total{outcome="blocked"} 2`)
	r, err := report.Build(context.Background(), h.app.Store(), time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if r.Blocked != 2 || r.BlockedCustomers != 1 {
		t.Fatalf("report: %d blocked messages of %d customers, want 2 of 1", r.Blocked, r.BlockedCustomers)
	}

	h.post(groupUpdate(102, teamChat, 7, "Alice", notice.MessageID, "/unblock"), secret)
	h.told(teamChat, "Alice unblocked this customer")
	h.post(update(4, customer, "en", "hello again"), secret)
	h.told(teamChat, "Ann: hello again")
}

// TestButtonsInTheTeamsLanguageAndTransferByButton: a ru team's notice is
// labelled in Russian, in its forum topic; Transfer offers the other teams
// as buttons (never showing callback data), and pressing one transfers to
// that team, whose zh notice is labelled in Chinese. Old buttons
// (resolve:ID) still work.
func TestButtonsInTheTeamsLanguageAndTransferByButton(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	fake.SetForum(teamChat)
	cfg := twoTeams(fake, t)
	cfg.Handoff.Teams[0].Language = "ru"
	cfg.Handoff.Teams[1].Language = "zh"
	h := start(t, cfg, fake)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam!"), secret)
	notice := h.lastTo(teamChat, 1)
	thread := fake.Topics()[0].ThreadID
	for _, want := range []string{`"text":"Взять","callback_data":"claim:1"`, `"text":"Закрыть","callback_data":"close:1"`,
		`"text":"Передать","callback_data":"transfer:1"`, `"text":"Вернуть боту","callback_data":"bot:1"`} {
		if !strings.Contains(notice.ReplyMarkup, want) {
			t.Errorf("ru notice lacks %s: %s", want, notice.ReplyMarkup)
		}
	}
	h.post(topicButton(100, 7, "Alice", notice.MessageID, thread, "transfer:1"), secret)
	menu := h.told(teamChat, "Какой команде передать?")
	if menu.ThreadID != thread || !strings.Contains(menu.ReplyMarkup, `"text":"billing","callback_data":"transfer:1:billing"`) ||
		strings.Contains(menu.ReplyMarkup, `"text":"support"`) {
		t.Fatalf("transfer menu %+v", menu)
	}
	h.post(topicButton(101, 7, "Alice", menu.MessageID, thread, "transfer:1:billing"), secret)
	if got := h.told(teamChat, "Alice transferred this conversation to team billing."); got.ThreadID != thread {
		t.Fatalf("told outside the topic: %+v", got)
	}
	moved := h.told(billingChat, "Handoff transferred from team support by Alice")
	if !strings.Contains(moved.ReplyMarkup, `"text":"认领"`) || !strings.Contains(moved.ReplyMarkup, `"text":"转交"`) {
		t.Fatalf("zh notice buttons %s", moved.ReplyMarkup)
	}
	// A button already sent, of the old kind, keeps working.
	h.post(groupButton(102, billingChat, 9, "Carol", moved.MessageID, "resolve:1"), secret)
	h.told(billingChat, "Resolved by Carol.")
	for _, m := range fake.Sent() {
		if strings.Contains(m.Text, "transfer:") || strings.Contains(m.Text, "claim:") {
			t.Errorf("callback data shown to a person: %q", m.Text)
		}
	}
	for _, c := range fake.CallsTo("answerCallbackQuery") {
		if strings.Contains(c.Params["text"], ":1") {
			t.Errorf("callback data in a button's answer: %q", c.Params["text"])
		}
	}
}

// TestTransferThroughTheAPI: POST /api/v1/handoffs/{id}/transfer goes the
// way of /transfer in the team chat, once per Idempotency-Key.
func TestTransferThroughTheAPI(t *testing.T) {
	h, _ := handedOffToTwoTeams(t)
	tok, err := CreateAPIToken(context.Background(), h.app.Store(), "crm", chat.ScopeAgent, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []map[string]string{{"agent": "Dana"}, {"agent": "Dana", "team": "billing", "to_agent": "Bob"}, {"agent": "Dana", "text": "hi", "team": "billing"}} {
		if code, got := h.apiCall("POST", "/handoffs/1/transfer", tok, "", body); code != http.StatusBadRequest {
			t.Fatalf("transfer %v: %d %v, want 400", body, code, got)
		}
	}
	if code, got := h.apiCall("POST", "/handoffs/1/transfer", tok, "", map[string]string{"agent": "Dana", "team": "sales"}); code != http.StatusAccepted {
		t.Fatalf("transfer to sales: %d %v", code, got)
	}
	h.told(teamChat, `Not transferred: "sales" is no team nor agent known here. Teams: support, billing.`)
	for range 2 { // a helpdesk retrying
		if code, got := h.apiCall("POST", "/handoffs/1/transfer", tok, "move-1", map[string]string{"agent": "Dana", "team": "billing"}); code != http.StatusAccepted || got["command"] != "transfer" {
			t.Fatalf("transfer: %d %v", code, got)
		}
	}
	moved := h.told(billingChat, "Handoff transferred from team support by Dana")
	h.told(teamChat, "Dana transferred this conversation to team billing.")
	// Carol is known to billing once she has acted in its chat.
	h.post(groupUpdate(100, billingChat, 9, "Carol", moved.MessageID, "/note looking"), secret)
	h.waitIdle(h.app.Store())
	if code, got := h.apiCall("POST", "/handoffs/1/transfer", tok, "move-2", map[string]string{"agent": "Dana", "to_agent": "@carol_desk"}); code != http.StatusAccepted {
		t.Fatalf("transfer to Carol: %d %v", code, got)
	}
	h.told(billingChat, "Dana transferred this conversation to Carol, who owns it now.")
	h.waitIdle(h.app.Store())
	if n := strings.Count(fmt.Sprint(h.fake.Sent()), "Handoff transferred from team support"); n != 1 {
		t.Fatalf("the transfer was made %d times, want once", n)
	}
	if code, got := h.apiCall("POST", "/handoffs/1/tags", tok, "", map[string]any{"agent": "Dana", "tags": []string{"a:b"}}); code != http.StatusBadRequest {
		t.Fatalf("bad tags: %d %v", code, got)
	}
	for range 2 {
		if code, got := h.apiCall("POST", "/handoffs/1/tags", tok, "tag-1", map[string]any{"agent": "Dana", "tags": []string{"VIP", "refund"}}); code != http.StatusAccepted || got["command"] != "tag" {
			t.Fatalf("tags: %d %v", code, got)
		}
	}
	h.told(billingChat, "Dana tagged this conversation: vip, refund.")
	h.waitIdle(h.app.Store())
	_, one := h.apiCall("GET", "/handoffs/1", tok, "", nil)
	if hd := one["handoff"].(map[string]any); hd["team"] != "billing" || hd["claimed_by"] != "Carol" || fmt.Sprint(hd["tags"]) != "[refund vip]" {
		t.Fatalf("after the transfers and tags: %v", hd)
	}
}

// TestCommandsInAForumTopic: typed in the customer's topic, /close closes,
// /reopen takes the closed conversation back (the topic names it, no
// notice is replied to), /block and /unblock work there too.
func TestCommandsInAForumTopic(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	fake.SetForum(teamChat)
	h := start(t, twoTeams(fake, t), fake)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam!"), secret)
	h.lastTo(teamChat, 1)
	thread := fake.Topics()[0].ThreadID
	inTopic := func(m telegramtest.Message) {
		t.Helper()
		if m.ThreadID != thread {
			t.Fatalf("%q was told outside the customer's topic", m.Text)
		}
	}
	h.post(topicUpdate(100, 7, "Alice", thread, "/close"), secret)
	inTopic(h.told(teamChat, "Closed by Alice."))
	h.post(update(2, customer, "en", "where is my order?"), secret)
	h.told(customer, "Orders ship")
	h.post(topicUpdate(101, 7, "Alice", thread, "/reopen"), secret)
	inTopic(h.told(teamChat, "Alice reopened the conversation and owns it"))
	h.post(update(3, customer, "en", "thanks, one more question"), secret)
	inTopic(h.told(teamChat, "Ann: thanks, one more question"))
	h.post(topicUpdate(102, 7, "Alice", thread, "/block"), secret)
	inTopic(h.told(teamChat, "Alice blocked this customer"))
	h.post(topicUpdate(103, 7, "Alice", thread, "/unblock"), secret)
	inTopic(h.told(teamChat, "Alice unblocked this customer"))
	h.post(topicUpdate(104, 7, "Alice", thread, "/close in 2h"), secret)
	inTopic(h.told(teamChat, "Alice will close this conversation in 2h"))
}
