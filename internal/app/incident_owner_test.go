package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// customerAt is a customer's private message sent at the test's clock time.
func customerAt(updateID, chatID int64, lang, text string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": updateID, "date": at.Unix(), "text": text,
			"chat": map[string]any{"id": chatID, "type": "private", "first_name": "Cust" + strconv.FormatInt(chatID, 10)},
			"from": map[string]any{"id": chatID, "is_bot": false, "first_name": "Cust" + strconv.FormatInt(chatID, 10), "language_code": lang},
		},
	})
	return b
}

// TestIncidentOwnerPostsUpdatesOnceToEachCustomer: an incident of four
// customers, one of whom wrote 47½ hours ago (outside the platform's
// window): Alice takes it from its notification, which then shows her;
// her two updates and the resolution reach the three others exactly once
// each, in their language, also when her update is delivered again or
// sent again; the old customer is skipped and counted; a customer who
// writes about it meanwhile gets the current status at once; Bob and
// another team may not speak for it; the notification is edited, never
// posted again.
func TestIncidentOwnerPostsUpdatesOnceToEachCustomer(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		cfg.Rules = filepath.Join(t.TempDir(), "rules.yaml")
		if err := os.WriteFile(cfg.Rules, []byte(outageRules), 0o600); err != nil {
			t.Fatal(err)
		}
		const billingChat = -1009999
		cfg.Handoff = config.Handoff{Teams: []config.Team{
			{Name: "support", Bot: "shop", ChatID: config.ID(strconv.FormatInt(teamChat, 10))},
			{Name: "billing", Bot: "shop", ChatID: config.ID(strconv.FormatInt(billingChat, 10))},
		}, Incidents: config.Incidents{Threshold: 3, Window: config.Duration(72 * time.Hour)}}
		// The story starts 47½ hours ago, so that the platform (which
		// refuses dates ahead of its own clock) takes every message.
		// The clock runs, as rate limits wait on it; Telegram's limits are
		// sped up, as the team chat hears a lot in a minute.
		clk := &runningClock{ahead: -47*time.Hour - 30*time.Minute}
		h := startWith(t, cfg, fake, Options{PollInterval: 20 * time.Millisecond, Now: clk.now,
			Limits: map[chat.Platform]pipeline.Limits{chat.Telegram: pipeline.DefaultLimits[chat.Telegram].Scale(100)}})
		st := h.app.Store()
		const old, b, c, d, e = 9000, 9001, 9002, 9003, 9004
		answer := "Sorry! A colleague will look into it."

		h.post(customerAt(1, old, "en", "the app down, I can't log in", clk.now()), secret)
		h.waitIdle(st)
		clk.add(47*time.Hour + 30*time.Minute) // old's window (48 h less the 1 h margin) is closed
		h.lastTo(teamChat, 2)                  // the reminder of old's waiting handoff
		h.post(customerAt(2, b, "en", "the app down again", clk.now()), secret)
		h.waitIdle(st)
		h.post(customerAt(3, c, "en", "app down!!", clk.now()), secret) // the third: an incident
		h.waitIdle(st)
		h.post(customerAt(4, d, "ru", "app down, I can't log in", clk.now()), secret) // joins it
		h.waitIdle(st)

		incidentNotices := func() []telegramtest.Message {
			var out []telegramtest.Message
			for _, m := range fake.Sent() {
				if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Incident") {
					out = append(out, m)
				}
			}
			return out
		}
		notices := incidentNotices()
		if len(notices) != 1 {
			t.Fatalf("%d incident notifications, want 1", len(notices))
		}
		notice := notices[0]
		if !strings.Contains(notice.Text, "Owner: nobody yet") || !strings.Contains(notice.ReplyMarkup, `"callback_data":"incident_take:1"`) {
			t.Fatalf("incident notification %q %s: want it to say nobody owns it, with a Take button", notice.Text, notice.ReplyMarkup)
		}
		lastEdit := func() string {
			t.Helper()
			var latest string
			for _, call := range fake.CallsTo("editMessageText") {
				if call.Params["message_id"] == jsonInt(notice.MessageID) {
					latest = call.Params["text"]
				}
			}
			return latest
		}
		teamTold := func(n int) string { t.Helper(); return h.lastTo(teamChat, n).Text }
		teamCount := func() int {
			n := 0
			for _, m := range fake.Sent() {
				if m.ChatID == teamChat {
					n++
				}
			}
			return n
		}

		// Another team's agent may not take it; nothing changes.
		h.post(groupButton(100, billingChat, 9, "Carol", notice.MessageID, "incident_take:1"), secret)
		h.waitIdle(st)
		if got := h.lastTo(billingChat, 1).Text; !strings.Contains(got, "Not allowed: this incident belongs to team support") {
			t.Fatalf("billing's chat was told %q", got)
		}

		// Alice takes it by replying to the notification.
		n := teamCount()
		h.post(teamUpdate(101, 7, "Alice", notice.MessageID, "/incident take"), secret)
		h.waitIdle(st)
		if got := teamTold(n + 1); !strings.HasPrefix(got, "Alice owns this incident now") {
			t.Fatalf("team told %q", got)
		}
		if got := lastEdit(); !strings.Contains(got, "Owner: Alice.") || !strings.HasPrefix(got, "Incident · 4 customers") {
			t.Fatalf("notification edited to %q, want it to count 4 and show Alice", got)
		}
		// Bob may not speak for Alice's incident.
		h.post(teamUpdate(102, 8, "Bob", notice.MessageID, "/incident update all good"), secret)
		h.waitIdle(st)
		if got := teamTold(n + 2); !strings.HasPrefix(got, "Not done: Alice owns this incident") {
			t.Fatalf("Bob was told %q", got)
		}

		update1 := teamUpdate(103, 7, "Alice", notice.MessageID, "/incident update We found the cause and are fixing it.")
		h.post(update1, secret)
		h.waitIdle(st)
		if got := teamTold(n + 3); got != "Alice posted an update: sent to 3 customers; 1 outside the platform's window and 0 blocked or over the hourly limit were skipped." {
			t.Fatalf("team told %q", got)
		}
		h.post(update1, secret) // Telegram delivers it again
		h.post(teamUpdate(104, 7, "Alice", notice.MessageID, "/incident update We found the cause and are fixing it."), secret)
		h.waitIdle(st)
		if got := teamTold(n + 4); !strings.HasPrefix(got, "Not sent again") {
			t.Fatalf("the same update sent again: team told %q", got)
		}
		if got := lastEdit(); !strings.Contains(got, "Status: We found the cause and are fixing it.") {
			t.Fatalf("notification edited to %q, want the status", got)
		}

		// A customer writing about it now hears the status at once, and joins.
		h.post(customerAt(5, e, "en", "is the app down?", clk.now()), secret)
		h.waitIdle(st)
		if got := h.lastTo(e, 1).Text; got != answer+"\n\nLatest update: We found the cause and are fixing it." {
			t.Fatalf("a new customer was answered %q", got)
		}
		if got := lastEdit(); !strings.HasPrefix(got, "Incident · 5 customers") || !strings.Contains(got, "Owner: Alice.") {
			t.Fatalf("notification edited to %q, want 5 customers and its owner", got)
		}

		h.post(teamUpdate(105, 7, "Alice", notice.MessageID, "/incident update A fix is being deployed."), secret)
		h.waitIdle(st)
		// In a forum topic or as a reply: the resolution closes it.
		h.post(teamUpdate(106, 7, "Alice", notice.MessageID, "/incident resolve All fixed, thank you for your patience."), secret)
		h.waitIdle(st)
		if got := teamTold(n + 6); got != "Alice resolved the incident: 5 customers are back with the bot. The resolution: sent to 4 customers; 1 outside the platform's window and 0 blocked or over the hourly limit were skipped." {
			t.Fatalf("team told %q", got)
		}
		if got := lastEdit(); !strings.Contains(got, "Resolved: All fixed") {
			t.Fatalf("notification edited to %q, want it resolved", got)
		}
		if got := len(incidentNotices()); got != 1 {
			t.Fatalf("%d incident notifications posted, want the one edited", got)
		}

		upd1 := "Update on the problem you reported: We found the cause and are fixing it."
		upd2 := "Update on the problem you reported: A fix is being deployed."
		done := "The problem you reported is resolved: All fixed, thank you for your patience."
		want := map[int64][]string{
			old: {answer},
			b:   {answer, upd1, upd2, done},
			c:   {answer, upd1, upd2, done},
			d: {answer, "Новости о проблеме, о которой вы сообщили: We found the cause and are fixing it.",
				"Новости о проблеме, о которой вы сообщили: A fix is being deployed.",
				"Проблема, о которой вы сообщили, решена: All fixed, thank you for your patience."},
			e: {answer + "\n\nLatest update: We found the cause and are fixing it.", upd2, done},
		}
		for chatID, texts := range want {
			var got []string
			for _, m := range fake.Sent() {
				if m.ChatID == chatID {
					got = append(got, m.Text)
				}
			}
			if strings.Join(got, "\n|") != strings.Join(texts, "\n|") {
				t.Errorf("customer %d got %q\nwant %q", chatID, got, texts)
			}
		}

		// Resolved: the customers are back with the bot, and the
		// incident takes no more commands.
		h.post(teamUpdate(107, 7, "Alice", notice.MessageID, "/incident update one more"), secret)
		h.waitIdle(st)
		if got := teamTold(n + 7); got != "This incident is already resolved." {
			t.Fatalf("team told %q", got)
		}
	})
}
