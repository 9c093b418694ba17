package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
)

// publicGroup is a customers' group the bot answers in (not a team chat).
const publicGroup = -1005550001

// groupCustomerUpdate is a customer's message in publicGroup.
func groupCustomerUpdate(updateID, customerID int64, text string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"chat": {"id": %d, "type": "supergroup", "title": "Shop chat"},
		"from": {"id": %d, "is_bot": false, "first_name": "Ann", "language_code": "en"},
		"text": %q}}`, updateID, updateID, time.Now().Unix(), publicGroup, customerID, text))
}

// anonymousAdminReply is an administrator answering, as the group itself,
// the message replyTo of the customer.
func anonymousAdminReply(updateID, replyTo, customerID int64, text string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %[1]d, "message": {"message_id": %[1]d, "date": %[2]d,
		"chat": {"id": %[3]d, "type": "supergroup", "title": "Shop chat"},
		"from": {"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"},
		"sender_chat": {"id": %[3]d, "type": "supergroup", "title": "Shop chat"},
		"reply_to_message": {"message_id": %[4]d, "date": %[2]d, "chat": {"id": %[3]d, "type": "supergroup", "title": "Shop chat"},
			"from": {"id": %[5]d, "is_bot": false, "first_name": "Ann"}, "text": "…"},
		"text": %[6]q}}`, updateID, time.Now().Unix(), publicGroup, replyTo, customerID, text))
}

// TestGroupAdminAnswersInPerson: in a customers' group, an administrator
// answering a customer as the group quiets the bot for that customer for
// guard.person_quiet; other customers of the group are answered as before.
func TestGroupAdminAnswersInPerson(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	h, clk := startWithClock(t, testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook"), fake)
	const ann, bob = 5001, 5002
	answers := func(about string) int {
		n := 0
		for _, m := range fake.Sent() {
			if m.ChatID == publicGroup && strings.Contains(m.Text, about) {
				n++
			}
		}
		return n
	}

	h.post(groupCustomerUpdate(1, ann, "how do refunds work?"), secret)
	h.lastTo(publicGroup, 1)
	h.post(anonymousAdminReply(2, 1, ann, "Ann, I'll check your order myself"), secret)
	h.post(groupCustomerUpdate(3, ann, "how long does shipping take?"), secret)
	h.post(groupCustomerUpdate(4, bob, "how long does shipping take?"), secret)
	h.waitIdle(h.app.Store())
	if n := answers("ship"); n != 1 {
		t.Fatalf("%d shipping answers in the group, want 1 (Bob's; Ann is being answered by a person)", n)
	}

	clk.add(guard.DefaultPersonQuiet + time.Minute)
	h.post(groupCustomerUpdate(5, ann, "how long does shipping take?"), secret)
	h.waitIdle(h.app.Store())
	if n := answers("ship"); n != 2 {
		t.Fatalf("%d shipping answers after the quiet period, want 2", n)
	}
}
