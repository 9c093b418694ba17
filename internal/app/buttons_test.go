package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// TestForgedButtonPress (issue 17): anyone can post a callback_query with
// any data. A press whose data no button offered on that message (a rule
// the menu does not list, a message the bot never sent, an inline message)
// runs no rule: the press alone is answered "This button is no longer
// valid." and the event is done. A genuine press still answers. On both
// databases, since the buttons offered are read from the outbox.
func TestForgedButtonPress(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		h := start(t, cfg, fake)
		const customer = 4242
		h.post(update(1, customer, "en", "/help"), secret)
		sent, err := fake.WaitSent(1, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		menu := sent[0]
		// Recorded sent, with its id: until then any press of its
		// buttons in this chat counts (the customer may be quicker
		// than the record), which TestHelpMenu relies on.
		h.waitIdle(h.app.Store())
		if !strings.Contains(menu.ReplyMarkup, `"callback_data":"rule:shipping"`) || strings.Contains(menu.ReplyMarkup, "rule:coupon") {
			t.Fatalf("/help sent %+v, want a menu with shipping and without coupon", menu)
		}
		on := func(messageID int64) string {
			return fmt.Sprintf(`"message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "private"}}`, messageID, customer)
		}
		press := func(updateID int, callbackID, where, data string) []byte {
			return fmt.Appendf(nil, `{"update_id": %d, "callback_query": {"id": %q, "chat_instance": "1",
					"from": {"id": %d, "is_bot": false, "first_name": "Ann", "language_code": "en"}, %s, "data": %q}}`,
				updateID, callbackID, customer, where, data)
		}
		forged := []struct{ id, where, data string }{
			{"cb-coupon", on(menu.MessageID), "rule:coupon"},             // a rule no button offered
			{"cb-elsewhere", on(menu.MessageID + 1000), "rule:shipping"}, // a message the bot never sent
			{"cb-inline", `"inline_message_id": "1234csdbsk4839"`, "rule:refund"},
		}
		for i, f := range forged {
			if code := h.post(press(10+i, f.id, f.where, f.data), secret); code != 200 {
				t.Fatalf("press %s answered %d", f.id, code)
			}
		}
		// The genuine press comes last: once it is answered, the forged
		// ones (earlier in the same chat) have been decided.
		h.post(press(20, "cb-genuine", on(menu.MessageID), "rule:shipping"), secret)
		sent, err = fake.WaitSent(2, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sent[1].Text, "Orders ship") {
			t.Fatalf("the genuine press answered %q", sent[1].Text)
		}
		stats := h.waitIdle(h.app.Store())
		if stats.EventsDone != 5 || stats.EventsFailed != 0 {
			t.Errorf("events: %+v, want all 5 done", stats)
		}
		for _, m := range fake.Sent() {
			if m.ChatID == customer && m.Text != menu.Text && !strings.HasPrefix(m.Text, "Orders ship") {
				t.Errorf("a forged press made the bot send %q", m.Text)
			}
		}
		if n := len(fake.Sent()); n != 2 {
			t.Errorf("%d messages sent, want the menu and the genuine answer", n)
		}
		answered := map[string]string{}
		for _, c := range fake.CallsTo("answerCallbackQuery") {
			answered[c.Params["callback_query_id"]] = c.Params["text"]
		}
		for _, f := range forged {
			if got, ok := answered[f.id]; !ok || got != "This button is no longer valid." {
				t.Errorf("forged press %s answered %q (%v), want the no-longer-valid notice", f.id, got, ok)
			}
		}
		if got, ok := answered["cb-genuine"]; !ok || got != "" {
			t.Errorf("genuine press answered %q (%v), want a silent answer", got, ok)
		}
	})
}
