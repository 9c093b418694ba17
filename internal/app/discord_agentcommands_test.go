package app

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// TestDiscordAgentSlashCommands: the agents' commands are registered as
// guild commands where the team channel is (customers' stay global), and
// an agent's slash command in the customer's thread works like the typed
// one, its "thinking…" answered.
func TestDiscordAgentSlashCommands(t *testing.T) {
	fake := newDiscordFake(t)
	fake.SetChannelGuild("700", "77")
	h := startDiscord(t, fake, `handoff:
  teams:
    - {name: support, bot: community, chat_id: "700"}
    - {name: billing, bot: community, chat_id: "710"}
`)
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range pipeline.AgentCommands() {
		want = append(want, c.Name)
	}
	if err := fake.WaitUntil(10*time.Second, func() bool { return slices.Equal(fake.Commands("77"), want) }); err != nil {
		t.Fatalf("guild commands %v, want %v", fake.Commands("77"), want)
	}
	if got := fake.Commands(""); !slices.Equal(got, []string{"human", "help"}) {
		t.Fatalf("global commands %v: the agents' must not be offered to every customer", got)
	}
	// Registering again (as after a reload) is the same overwrite; Discord
	// refusing is an error to log once, and nothing else.
	// The start registers twice (the gateway on connecting, the app in the
	// background), and the second may come after the commands first appear:
	// if it took the refusal, ours went through, and the refusal is queued
	// again. Registrations take turns, so a refusal left unused is ours.
	var refused error
	for range 3 {
		fake.FailNext("PUT /applications/{app}/guilds/{guild}/commands", 1, http.StatusForbidden, "")
		if refused = h.app.gateways[0].RegisterAgentCommands(context.Background()); refused != nil {
			break
		}
	}
	if refused == nil || !strings.Contains(refused.Error(), "guild 77") {
		t.Fatalf("a refused registration: %v", refused)
	}
	if err := h.app.gateways[0].RegisterAgentCommands(context.Background()); err != nil || !slices.Equal(fake.Commands("77"), want) {
		t.Fatalf("registering again: %v, %v", err, fake.Commands("77"))
	}

	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "this is a scam, where is my money?"))
	thread := onlyThread(t, fake)
	notice := h.sentTo(thread, 1)
	for _, want := range []string{`"custom_id":"claim:1"`, `"custom_id":"close:1"`, `"custom_id":"transfer:1"`} {
		if !strings.Contains(string(notice.Components), want) {
			t.Errorf("notice buttons lack %s: %s", want, notice.Components)
		}
	}
	slash := func(id, name, option, value string) {
		t.Helper()
		data := map[string]any{"id": "5", "name": name, "type": 1}
		if option != "" {
			data["options"] = []any{map[string]any{"name": option, "type": 3, "value": value}}
		}
		body, _ := json.Marshal(map[string]any{"id": id, "application_id": fake.BotID(), "type": 2, "token": "itoken-" + id,
			"channel_id": thread, "channel": map[string]any{"id": thread, "type": 11, "parent_id": "700"}, "guild_id": "77", "locale": "en-US",
			"member": map[string]any{"user": map[string]any{"id": "21", "username": "alice", "global_name": "Alice"}}, "data": data})
		if code, resp := h.interaction(body, true); code != 200 || resp != `{"type":5}` {
			t.Fatalf("/%s answered %d %s", name, code, resp)
		}
	}
	slash("1300000000000000101", "priority", "level", "P1")
	if got := h.sentTo(thread, 2).Content; got != "Alice set the priority to P1 (critical)." {
		t.Fatalf("thread told %q", got)
	}
	slash("1300000000000000102", "close", "when", "in 10m")
	if got := h.sentTo(thread, 3).Content; !strings.HasPrefix(got, "Alice will close this conversation in 10m") {
		t.Fatalf("thread told %q", got)
	}
	slash("1300000000000000104", "note", "text", "VIP customer")
	slash("1300000000000000103", "transfer", "to", "billing")
	if got := h.sentTo(thread, 4).Content; got != "Alice transferred this conversation to team billing." {
		t.Fatalf("thread told %q", got)
	}
	// Every command's "thinking…" is answered, a /note's too.
	if err := fake.WaitUntil(10*time.Second, func() bool {
		n, noted := 0, false
		for _, m := range fake.Sent() {
			if strings.HasPrefix(m.Interaction, "itoken-13000000000000001") {
				n++
				noted = noted || m.Interaction == "itoken-1300000000000000104" && m.Content == "Done."
			}
		}
		return n == 4 && noted
	}); err != nil {
		t.Fatalf("the slash commands were not all answered: %+v", fake.Sent())
	}
}
