package app

import (
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
)

// staffRole is the role startDiscord configures as the bot's staff.
const staffRole = "880"

// asStaff gives a gateway message's author the staff role.
func asStaff(m map[string]any) map[string]any {
	m["member"].(map[string]any)["roles"] = []string{staffRole}
	return m
}

// replyTo makes m a reply to the message to (Discord sends the replied-to
// message along).
func replyTo(m, to map[string]any) map[string]any {
	m["type"] = 19
	m["message_reference"] = map[string]any{"type": 0, "message_id": to["id"], "channel_id": to["channel_id"], "guild_id": to["guild_id"]}
	m["referenced_message"] = to
	return m
}

// TestDiscordStaffAnswersInPerson: in a support channel, a member with a
// staff role answering a customer's message quiets the bot for that
// customer (guard.person_quiet); other customers are answered as before;
// staff's own questions are never answered as a customer's; in the team
// channel the same people are agents, and their words reach the customer.
func TestDiscordStaffAnswersInPerson(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscordTeam(t, fake)

	ann := discordtest.MessageCreate("", "600", "77", "11", "Ann", "what are your opening hours?")
	h.dispatch(ann)
	h.sentTo("600", 1)
	h.dispatch(asStaff(replyTo(discordtest.MessageCreate("", "600", "77", "31", "Sam", "Ann, I'm looking at your order myself"), ann)))
	h.dispatch(discordtest.MessageCreate("", "600", "77", "11", "Ann", "and how long does shipping take?"))
	h.dispatch(asStaff(discordtest.MessageCreate("", "600", "77", "31", "Sam", "where is my order? (testing the bot)")))
	h.dispatch(discordtest.MessageCreate("", "600", "77", "12", "Bob", "how long does shipping take?"))
	if got := h.sentTo("600", 2); got.ReplyTo == "" || !strings.HasPrefix(got.Content, "Orders ship") {
		t.Fatalf("Bob got %+v, want the shipping answer", got)
	}
	h.waitIdle()
	if n := h.sentCount("600"); n != 2 {
		t.Fatalf("%d answers in the support channel, want 2 (Ann's first question and Bob's)", n)
	}

	// A staff member is an agent in the team's channel.
	h.dispatch(discordtest.MessageCreate("", "901", "", "14", "Dee", "this is a scam, where is my money?"))
	h.sentTo("901", 1)
	thread := onlyThread(t, fake)
	h.sentTo(thread, 1) // the handoff's notice
	h.dispatch(asStaff(discordtest.MessageCreate("", thread, "77", "31", "Sam", "Dee, the refund goes out today.")))
	if got := h.sentTo("901", 3); got.Content != "Dee, the refund goes out today." {
		t.Fatalf("the customer got %q from the agent", got.Content)
	}
}
