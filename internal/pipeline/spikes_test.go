package pipeline

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/spike"
)

// teamsDecider knows which team each rule hands off to, as the rules do.
type teamsDecider struct {
	fixedDecider
	teams map[string]string
}

func (d teamsDecider) HandoffTeam(rule string) string { return d.teams[rule] }

// A spike alerts the team its rule hands off to, else the default team,
// in its chat and on its webhook, once, with masked different examples.
func TestSpikeAlert(t *testing.T) {
	sales := Team{Name: "sales", Platform: chat.Telegram, Bot: "shop", ChatID: "-200", Webhook: true}
	p := New(Config{Teams: []Team{support, sales}}, nil, teamsDecider{teams: map[string]string{"wholesale": "sales"}}, nil, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	level := (spike.Config{}).Baseline([]int{2, 1, 3, 2})
	texts := []string{"Is the app down? I am ann@example.com", "is the app  down? i am bob@example.com", "cannot log in"}
	for _, tt := range []struct {
		name     string
		key      spike.Key
		team     string
		text     string
		webhook  string // the event's spike, "" without a webhook
		ruleInEv string
	}{
		{"a rule alerts the team it hands off to, webhook included", spike.Key{Kind: chat.SpikeRule, Name: "wholesale"}, "sales",
			"Spike · rule wholesale: 40 messages in the last hour; usually 2 at this hour of the week (alert from 20).\n" +
				"Latest:\n• Is the app down? I am [email]\n• cannot log in\nSaid once; told again only if it calms down and comes back.",
			"rule:wholesale", "wholesale"},
		{"a rule without a team alerts the default team", spike.Key{Kind: chat.SpikeRule, Name: "outage"}, "support",
			"Spike · rule outage: 40 messages", "", ""},
		{"a type alerts the default team", spike.Key{Kind: chat.SpikeType, Name: "after_sales"}, "support",
			"Spike · type after_sales: 40 messages", "", ""},
		{"negative messages alert the default team", spike.Key{Kind: chat.SpikeSentiment, Name: "negative"}, "support",
			"Spike · negative messages: 40 messages", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			team, notices := p.spikeAlert(spike.Start{Key: tt.key, Count: 40, Level: level, From: 20}, texts, decideNow)
			if team == nil || team.Name != tt.team {
				t.Fatalf("alert goes to %+v, want team %s", team, tt.team)
			}
			if len(notices) == 0 || notices[0].ChatID != team.ChatID || !strings.HasPrefix(notices[0].Text, tt.text) {
				t.Fatalf("team chat notice %+v, want it to start %q in chat %s", notices, tt.text, team.ChatID)
			}
			if tt.webhook == "" {
				if len(notices) != 1 {
					t.Fatalf("%d notices for a team without a webhook", len(notices))
				}
				return
			}
			if len(notices) != 2 || notices[1].Platform != chat.Webhook {
				t.Fatalf("notices %+v, want the chat's and the webhook's", notices)
			}
			var ev TeamEvent
			if err := json.Unmarshal([]byte(notices[1].Text), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Event != EventSpikeStarted || ev.Spike != tt.webhook || ev.Rule != tt.ruleInEv || ev.Count != 40 ||
				ev.HandoffID != "" || ev.Team != tt.team || ev.Text != notices[0].Text {
				t.Fatalf("webhook event %+v", ev)
			}
		})
	}
}
