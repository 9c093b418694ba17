package pipeline

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

const pressRules = `rules:
  - id: menu
    keywords: [help]
    reply: "Pick one:"
    buttons: [refund]
  - id: refund
    keywords: [refund]
    label: "Refunds"
    reply: "Refunds take 3 days."
  - id: secret
    keywords: [secret]
    when: customer.messages_1h > 1000
    reply: "The internal discount code."
`

// TestButtonPressPlans: what a customer's button press becomes, decided on
// its snapshot with no database. A press the rules refuse answers the press
// alone with "no longer valid" (the spinner stops; nothing goes to the
// chat); a genuine one is answered like a message.
func TestButtonPressPlans(t *testing.T) {
	r, err := rules.Parse("rules.yaml", []byte(pressRules))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{}, nil, r, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	refundMenu := chat.State{Offered: []chat.Offer{{MessageID: "7", Buttons: []chat.Button{{Text: "Refunds", Data: "rule:refund"}}}}}
	secretMenu := chat.State{Offered: []chat.Offer{{MessageID: "7", Buttons: []chat.Button{{Text: "Secret", Data: "rule:secret"}}}}}
	press := func(platform chat.Platform, data string) chat.Event {
		return chat.Event{Platform: platform, Bot: "shop", Kind: chat.KindCallback, ChatID: "42", ChatType: chat.ChatPrivate,
			ReplyTo: "7", CallbackID: "cb-1", Text: data, Customer: chat.Customer{ID: "42", Name: "Ann", Language: "en"}}
	}
	tests := []struct {
		name       string
		ev         chat.Event
		st         chat.State
		wantSend   string // the reply sent to the chat; "" for none
		wantAnswer string // the press's answer text
		wantReason string // the refusal in the trace
	}{
		{"a genuine press is answered by its rule; the spinner stops silently", press(chat.Telegram, "rule:refund"), refundMenu,
			"Refunds take 3 days.", "", ""},
		{"a press naming a rule no button offered", press(chat.Telegram, "rule:secret"), refundMenu,
			"", "This button is no longer valid.", rules.ReasonNotOffered},
		{"a press on a message that offered other buttons", press(chat.Telegram, "rule:refund"), secretMenu,
			"", "This button is no longer valid.", rules.ReasonNotOffered},
		{"a press whose rule's when refuses", press(chat.Telegram, "rule:secret"), secretMenu,
			"", "This button is no longer valid.", rules.ReasonButtonWhenFalse},
		{"a forged press on Discord gets a private answer", press(chat.Discord, "rule:secret"), chat.State{},
			"", "This button is no longer valid.", rules.ReasonNotOffered},
		{"a forged press in the sandbox", press(chat.Sandbox, "rule:secret"), chat.State{},
			"", "This button is no longer valid.", rules.ReasonNotOffered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := p.Decide(tt.ev, tt.st, decideNow)
			if err != nil {
				t.Fatal(err)
			}
			var sent []string
			for _, s := range plan.Sends {
				sent = append(sent, s.Text)
			}
			if got := strings.Join(sent, "|"); got != tt.wantSend {
				t.Errorf("sent %q, want %q", got, tt.wantSend)
			}
			if tt.wantReason == "" {
				if tt.ev.Platform == chat.Telegram && (len(plan.CallbackAnswers) != 1 || plan.CallbackAnswers[0] != chat.CallbackAnswer{ID: "cb-1"}) {
					t.Errorf("answers %+v, want the press answered once, silently", plan.CallbackAnswers)
				}
				return
			}
			if len(plan.CallbackAnswers) != 1 || plan.CallbackAnswers[0] != (chat.CallbackAnswer{ID: "cb-1", Text: tt.wantAnswer}) {
				t.Errorf("answers %+v, want the press answered %q", plan.CallbackAnswers, tt.wantAnswer)
			}
			if plan.Outcome != chat.OutcomeRecorded || plan.Handoff != nil || len(plan.Notices) != 0 || len(plan.Recorded) != 0 {
				t.Errorf("plan %+v, want the press recorded and nothing else", plan)
			}
			var trace []rules.Step
			if err := json.Unmarshal(plan.Trace, &trace); err != nil || len(trace) != 1 || trace[0].Reason != tt.wantReason {
				t.Errorf("trace %s (%v), want the reason %q", plan.Trace, err, tt.wantReason)
			}
		})
	}
}
