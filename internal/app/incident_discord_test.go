package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
)

// TestDiscordIncidentOwnerUpdates plays an incident on Discord with the
// shipped rules: three complaints make it; Alice takes it by replying to
// its notification in the agents' channel; her update and resolution reach
// each of the three customers' DMs exactly once, also when Discord replays
// her message after a reconnect; a customer who complains meanwhile gets
// complaint-known's answer with the latest status; another team's press is
// refused; the notification is edited, never posted again.
func TestDiscordIncidentOwnerUpdates(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, `handoff:
  teams:
    - {name: support, bot: community, chat_id: "700"}
    - {name: billing, bot: community, chat_id: "800"}
  incidents: {threshold: 3, window: 1h}
`)
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	customers := map[string]string{"900": "11", "901": "12", "902": "13"}
	for _, dm := range []string{"900", "901", "902"} {
		h.dispatch(discordtest.MessageCreate("", dm, "", customers[dm], "Cust"+dm, "this is a scam, where is my money?"))
		h.sentTo(dm, 1)
		h.waitIdle()
	}
	incidentNotices := func() []discordtest.Message {
		var out []discordtest.Message
		for _, m := range fake.Sent() {
			if m.ChannelID == "700" && strings.HasPrefix(m.Content, "Incident") {
				out = append(out, m)
			}
		}
		return out
	}
	notices := incidentNotices()
	if len(notices) != 1 || !strings.Contains(string(notices[0].Components), `"custom_id":"incident_take:1"`) {
		t.Fatalf("incident notifications %+v, want one with a Take button", notices)
	}
	notice := notices[0]
	lastEdit := func() string {
		var latest string
		for _, m := range fake.Edits() {
			if m.ID == notice.ID {
				latest = m.Content
			}
		}
		return latest
	}
	agent := func(text string) map[string]any {
		m := discordtest.MessageCreate("", "700", "77", "21", "Alice", text)
		m["message_reference"] = map[string]any{"message_id": notice.ID, "channel_id": "700", "guild_id": "77"}
		m["type"] = 19 // a reply
		return m
	}

	// Billing's agent presses Take on a forwarded notification: refused.
	press, _ := json.Marshal(fake.ComponentInteraction("800", "77", "31", "Carol", notice.ID, "incident_take:1"))
	if code, _ := h.interaction(press, true); code != 200 {
		t.Fatalf("press answered %d", code)
	}
	if got := h.sentTo("800", 1).Content; !strings.Contains(got, "Not allowed: this incident belongs to team support") {
		t.Fatalf("billing's channel told %q", got)
	}

	n := h.sentCount("700")
	h.dispatch(agent("/incident take"))
	if got := h.sentTo("700", n+1).Content; !strings.HasPrefix(got, "Alice owns this incident now") {
		t.Fatalf("agents told %q", got)
	}
	update := agent("/incident update Payments are being checked.")
	h.dispatch(update)
	if got := h.sentTo("700", n+2).Content; !strings.HasPrefix(got, "Alice posted an update: sent to 3 customers") {
		t.Fatalf("agents told %q", got)
	}
	if !fake.CloseConnection(4000) {
		t.Fatal("no connection to close")
	}
	h.dispatch(update) // replayed on resume
	h.waitIdle()

	// A customer complaining now hears the status at once.
	h.dispatch(discordtest.MessageCreate("", "903", "", "14", "Dee", "what a scam"))
	if got := h.sentTo("903", 1).Content; !strings.HasPrefix(got, "Many customers are reporting this right now") ||
		!strings.HasSuffix(got, "\n\nLatest update: Payments are being checked.") {
		t.Fatalf("a new customer was answered %q", got)
	}

	h.dispatch(agent("/incident resolve Refunds are on their way."))
	if got := h.sentTo("700", n+3).Content; !strings.HasPrefix(got, "Alice resolved the incident: 3 customers are back with the bot.") {
		t.Fatalf("agents told %q", got)
	}
	h.waitIdle()
	for dm := range customers {
		var got []string
		for _, m := range fake.Sent() {
			if m.ChannelID == dm {
				got = append(got, m.Content)
			}
		}
		if len(got) != 3 || got[1] != "Update on the problem you reported: Payments are being checked." ||
			got[2] != "The problem you reported is resolved: Refunds are on their way." {
			t.Errorf("customer %s got %q, want the rule's answer, the update and the resolution once each", dm, got)
		}
	}
	if got := lastEdit(); !strings.Contains(got, "Owner: Alice.") || !strings.Contains(got, "Resolved: Refunds are on their way.") {
		t.Errorf("notification last edited to %q", got)
	}
	if got := len(incidentNotices()); got != 1 {
		t.Errorf("%d incident notifications posted, want the one edited", got)
	}
}
