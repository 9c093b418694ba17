package pipeline

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// TestAgentSnippets: /s NAME and #NAME become the snippet's text in the
// customer's language before the relay; an unknown snippet, or /s alone,
// is answered in the team chat and nothing reaches the customer.
func TestAgentSnippets(t *testing.T) {
	r, err := rules.Parse("rules.yaml", []byte(`snippets:
  refund-policy:
    en: "Hi {{name}}, refunds take 5 days. — {{agent}}"
    ru: "{{name}}, возврат за 5 дней. — {{agent}}"
  apology: "Sorry!"
rules:
  - id: a
    keywords: [x]
    reply: "x"
`))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Teams: []Team{support}}, nil, r, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	st := chat.AgentState{Handoff: chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffWaiting},
		Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: decideNow.Add(-60e9), ConversationKey: "telegram/shop/42",
		Language: "ru", CustomerName: "Анна"}
	english := st
	english.Language = "en"
	ann := chat.Agent{ID: "telegram:1", Name: "Ann"}
	reply := func(text string) chat.Event {
		return chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Kind: chat.KindText, ReplyTo: "77", Text: text}
	}
	tests := []struct {
		name     string
		st       chat.AgentState
		text     string
		wantCmd  chat.AgentCommand
		wantText string // what the customer gets
		wantSays string // part of what the team chat is told
	}{
		{"/s in the customer's language", st, "/s refund-policy", chat.AgentRelay, "Анна, возврат за 5 дней. — Ann", "Ann answered"},
		{"/s in english", english, "/s refund-policy", chat.AgentRelay, "Hi Анна, refunds take 5 days. — Ann", ""},
		{"#name alone", st, "#apology", chat.AgentRelay, "Sorry!", ""},
		{"#name inside a message", english, "Of course. #refund-policy (#apology)", chat.AgentRelay, "Of course. Hi Анна, refunds take 5 days. — Ann (Sorry!)", ""},
		{"a number is not a snippet", st, "order #123 and x#apology", chat.AgentRelay, "order #123 and x#apology", ""},
		{"unknown #name", st, "see #nope", "", "", "No snippet #nope; snippets: apology, refund-policy. Nothing was sent"},
		{"unknown /s name", st, "/s nope", "", "", "No snippet #nope; snippets: apology, refund-policy."},
		{"/s alone lists them", st, "/s", "", "", "Snippets: apology, refund-policy."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := reply(tt.text)
			cmd, text, _ := parseAgentEvent(ev)
			plan := p.agentPlan(tt.st, cmd, ann, text, ev, decideNow)
			if plan.Command != tt.wantCmd {
				t.Fatalf("command %q, want %q", plan.Command, tt.wantCmd)
			}
			if tt.wantCmd != "" && plan.Text != tt.wantText {
				t.Errorf("customer gets %q, want %q", plan.Text, tt.wantText)
			}
			var told []string
			for _, n := range plan.Notices {
				told = append(told, n.Text)
				if n.ChatID != "-100" {
					t.Errorf("notice to chat %q, want the team chat", n.ChatID)
				}
			}
			if !strings.Contains(strings.Join(told, "\n"), tt.wantSays) {
				t.Errorf("team chat told %q, want it to say %q", told, tt.wantSays)
			}
		})
	}
}
