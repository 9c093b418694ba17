package app

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
)

// TestDiscordPublicHandoffContinuesInDM: a complaint in a public channel
// is answered there with a short notice; the customer gets a direct
// message quoting the question, with a button; pressing it there opens the
// handoff in the DM, the question in the agents' notice, and the agent's
// answer reaches the DM.
func TestDiscordPublicHandoffContinuesInDM(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, `handoff:
  teams:
    - {name: support, bot: community, chat_id: "700", languages: [en, ru]}
`)
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.dispatch(discordtest.MessageCreate("", "600", "77", "18", "Hana", "this is a scam, where is my money?"))
	if got := h.sentTo("600", 1); got.Content != "A person will help you in a direct message: I have sent you one." {
		t.Fatalf("channel got %q", got.Content)
	}
	dm := h.dmTo("18")
	m := regexp.MustCompile(`"custom_id":"(start:[A-Za-z0-9_-]+)"`).FindStringSubmatch(string(dm.Components))
	if m == nil || !strings.Contains(dm.Content, "«this is a scam, where is my money?»") {
		t.Fatalf("DM %q with %s", dm.Content, dm.Components)
	}
	h.waitIdle()
	if len(fake.Threads()) != 0 {
		t.Fatal("a handoff started in the public channel")
	}
	for _, s := range fake.Sent() {
		if s.ChannelID == "600" && strings.Contains(s.Content, "senior colleague") {
			t.Fatal("the complaint's answer was posted in the public channel")
		}
	}

	press, _ := json.Marshal(fake.ComponentInteraction(dm.ChannelID, "", "18", "Hana", dm.ID, m[1]))
	if code, _ := h.interaction(press, true); code != 200 {
		t.Fatalf("press answered %d", code)
	}
	thread := onlyThread(t, fake)
	notice := h.sentTo(thread, 1)
	if !strings.Contains(notice.Content, "(asked in a public chat, continued in private) this is a scam, where is my money?") ||
		!strings.Contains(notice.Content, "Rule: complaint") {
		t.Fatalf("notice %q", notice.Content)
	}
	if got := h.sentTo(dm.ChannelID, 2).Content; !strings.Contains(got, "senior colleague") {
		t.Fatalf("the DM got %q, want the complaint's answer", got)
	}
	claim, _ := json.Marshal(fake.ComponentInteraction(thread, "77", "21", "Alice", notice.ID, "claim:1"))
	if code, _ := h.interaction(claim, true); code != 200 {
		t.Fatalf("claim answered %d", code)
	}
	h.sentTo(thread, 2)
	h.dispatch(discordtest.MessageCreate("", thread, "77", "21", "Alice", "Hi Hana, I'm on it."))
	// (the claim told the DM "a colleague has joined" first)
	if got := h.sentTo(dm.ChannelID, 4).Content; got != "Hi Hana, I'm on it." {
		t.Fatalf("the DM got %q", got)
	}
}

// TestDiscordRoutingByLanguage: the complaint rule names team support,
// which answers in English; a customer writing Russian goes to the team
// that speaks it, at work now; an English one stays with support.
func TestDiscordRoutingByLanguage(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, `handoff:
  teams:
    - {name: support, bot: community, chat_id: "700", languages: [en]}
    - {name: ru, bot: community, chat_id: "800", languages: [ru]}
`)
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.dispatch(discordtest.MessageCreate("", "901", "", "31", "Oleg", "это обман, где мои деньги?"))
	h.dispatch(discordtest.MessageCreate("", "902", "", "32", "Ann", "this is a scam, where is my money?"))
	parents := map[string]string{} // customer's words → the channel its thread is in
	if err := fake.WaitUntil(10*time.Second, func() bool {
		for _, th := range fake.Threads() {
			for _, m := range fake.Sent() {
				if m.ChannelID == th.ID && strings.HasPrefix(m.Content, "Handoff") {
					parents[strings.Fields(m.Content[strings.LastIndex(m.Content, "Customer: "):])[1]] = th.ParentID
				}
			}
		}
		return len(parents) == 2
	}); err != nil {
		t.Fatalf("handoff threads %+v", fake.Threads())
	}
	if parents["это"] != "800" || parents["this"] != "700" {
		t.Fatalf("threads by the customer's first word: %v; want ru in 800, en in 700", parents)
	}
}

// dmTo waits for the first direct message to a user.
func (h *discordHarness) dmTo(userID string) discordtest.Message {
	h.t.Helper()
	var dm discordtest.Message
	if err := h.fake.WaitUntil(10*time.Second, func() bool {
		for _, m := range h.fake.Sent() {
			if m.Recipient == userID {
				dm = m
				return true
			}
		}
		return false
	}); err != nil {
		h.t.Fatalf("no direct message to %s; sent %+v", userID, h.fake.Sent())
	}
	return dm
}
