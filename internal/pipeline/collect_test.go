package pipeline

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

const collectRulesFile = `languages: [en, ru]
rules:
  - id: broken
    keywords: [broken, сломан]
    handoff: {priority: high, team: support}
    ack: {en: "Sorry about that.", ru: "Жаль."}
    reply: {en: "Thanks, a colleague will answer.", ru: "Спасибо, коллега ответит."}
    collect:
      - name: order
        check: order_number
        ask: {en: "Your order number?", ru: "Номер заказа?"}
      - name: photo
        check: photo
        ask: {en: "A photo, please.", ru: "Фото, пожалуйста."}
`

// TestDecideCollectDetails decides, with the real rules and no database,
// the steps of asking for details before a handoff: what is sent, what the
// store is told to keep, and the agents' notice.
func TestDecideCollectDetails(t *testing.T) {
	r, err := rules.Parse("t.yaml", []byte(collectRulesFile))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Teams: []Team{support}}, nil, r, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ev := func(kind chat.Kind, text string) chat.Event {
		return chat.Event{Platform: chat.Telegram, Bot: "shop", Kind: kind, ChatID: "42", ChatType: chat.ChatPrivate,
			MessageID: "7", Text: text, Time: decideNow, Customer: chat.Customer{ID: "42", Name: "Ann"}}
	}
	collecting := func(asking int, answers ...chat.DetailAnswer) chat.State {
		// The ack at the start took the rule's cooldown for the customer.
		return chat.State{Customer: chat.CustomerState{Reserved: map[string]bool{"rule/telegram/shop/42/broken": true}},
			Conversation: chat.Conversation{ID: 5, Status: chat.StatusBot,
				Collecting: &chat.Collection{Rule: "broken", Asking: asking, Answers: answers, Started: decideNow}},
			Details: chat.Details{Loaded: true}}
	}
	order := chat.DetailAnswer{Name: "order", Label: "Order", Value: "12345678"}
	fresh := chat.State{Conversation: chat.Conversation{New: true, Status: chat.StatusBot}, Details: chat.Details{Loaded: true}}
	capped := fresh
	capped.Customer.SentLastHour = 1000
	// Answered a second after the question, when the question and an ack
	// made two sends: a burst would be at the per-message cap.
	quick := collecting(0)
	quick.Conversation.LastCustomerAt, quick.Conversation.BurstSends = decideNow.Add(-time.Second), 2

	tests := []struct {
		name  string
		ev    chat.Event
		st    chat.State
		check func(t *testing.T, plan chat.Plan)
	}{
		{"the rule asks its first question instead of handing off", ev(chat.KindText, "it arrived broken"), fresh, func(t *testing.T, plan chat.Plan) {
			if plan.Handoff != nil || plan.Outcome != chat.OutcomeAsked || len(plan.Notices) != 0 {
				t.Fatalf("plan %+v", plan)
			}
			if len(plan.Sends) != 2 || plan.Sends[0].Type != chat.ActionAck || plan.Sends[1].Type != chat.ActionAsk || plan.Sends[1].Text != "Your order number?" {
				t.Fatalf("sends %+v", plan.Sends)
			}
			if c := plan.Collect; c == nil || c.Next == nil || c.Next.Asking != 0 || c.Handoff != nil {
				t.Fatalf("collect %+v: want the first detail asked, nothing else stored", c)
			}
		}},
		{"a question the guard holds back hands off at once", ev(chat.KindText, "it arrived broken"), capped, func(t *testing.T, plan chat.Plan) {
			if plan.Handoff == nil || plan.Handoff.Rule != "broken" || plan.Collect == nil || plan.Collect.Next != nil {
				t.Fatalf("plan %+v, collect %+v", plan, plan.Collect)
			}
			if plan.DetailsAsked != 0 || len(plan.Notices) != 1 {
				t.Errorf("details asked %d, notices %d", plan.DetailsAsked, len(plan.Notices))
			}
		}},
		{"the last answer hands off with the answers at the top of the notice", ev(chat.KindPhoto, ""), collecting(1, order), func(t *testing.T, plan chat.Plan) {
			if plan.Handoff == nil || plan.Outcome != chat.OutcomeHandedOff || plan.DetailsAsked != 2 {
				t.Fatalf("plan %+v", plan)
			}
			if len(plan.Attrs) != 2 || plan.Attrs[0] != (chat.Attr{Name: "order", Value: "12345678"}) || plan.Attrs[1].Name != "photo" {
				t.Errorf("attrs %+v", plan.Attrs)
			}
			if len(plan.Notices) != 1 || !strings.HasPrefix(plan.Notices[0].Text, "Order: 12345678 · Photo: [photo]\nHandoff · high") {
				t.Errorf("notices %+v", plan.Notices)
			}
			if len(plan.Sends) != 1 || plan.Sends[0].Text != "Thanks, a colleague will answer." {
				t.Errorf("sends %+v, suppressed %+v: want the handoff's reply, though the ack took the rule's cooldown", plan.Sends, plan.Suppressed)
			}
		}},
		{"an answer right after the question gets the next question", ev(chat.KindText, "12345678"), quick, func(t *testing.T, plan chat.Plan) {
			if len(plan.Sends) != 1 || plan.Sends[0].Type != chat.ActionAsk || plan.Sends[0].Text != "A photo, please." || plan.ContinuesBurst {
				t.Fatalf("sends %+v, suppressed %+v, burst %v", plan.Sends, plan.Suppressed, plan.ContinuesBurst)
			}
		}},
		{"/human while asked hands off with what was given", ev(chat.KindCommand, "/human"), collecting(1, order), func(t *testing.T, plan chat.Plan) {
			if plan.Handoff == nil || plan.Handoff.Rule != rules.BuiltinHuman || plan.DetailsAsked != 2 {
				t.Fatalf("plan %+v", plan)
			}
			if len(plan.Notices) != 1 || !strings.HasPrefix(plan.Notices[0].Text, "Order: 12345678\n") {
				t.Errorf("notices %+v", plan.Notices)
			}
			if len(plan.Attrs) != 1 || plan.Attrs[0].Value != "12345678" || plan.Collect == nil || plan.Collect.Next != nil {
				t.Errorf("attrs %+v, collect %+v", plan.Attrs, plan.Collect)
			}
		}},
		{"an angry message while asked hands off at once", ev(chat.KindText, "this is terrible, awful, horrible!!!"), collecting(0), func(t *testing.T, plan chat.Plan) {
			if plan.Handoff == nil || plan.Handoff.Rule != "broken" || plan.DetailsAsked != 1 {
				t.Fatalf("plan %+v", plan)
			}
		}},
		{"a skipped detail is shown as skipped and sets nothing", ev(chat.KindText, "skip"), collecting(1, chat.DetailAnswer{Name: "order", Label: "Order", Skipped: true}), func(t *testing.T, plan chat.Plan) {
			if len(plan.Attrs) != 0 || len(plan.Notices) != 1 || !strings.HasPrefix(plan.Notices[0].Text, "Order: (skipped) · Photo: (skipped)\n") {
				t.Fatalf("attrs %+v, notices %+v", plan.Attrs, plan.Notices)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := p.Decide(tt.ev, tt.st, decideNow)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, plan)
		})
	}
}

// TestSnippetsUseCollectedDetails: an agent's snippet may say {{order}},
// what the customer told before the handoff; unknown, it is empty.
func TestSnippetsUseCollectedDetails(t *testing.T) {
	r, err := rules.Parse("t.yaml", []byte(collectRulesFile+`snippets:
  found:
    en: "{{name}}, I have found order {{order}}."
    ru: "{{name}}, заказ {{order}} нашёлся."
`))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Teams: []Team{support}}, nil, r, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	st := chat.AgentState{Handoff: chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffWaiting},
		Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: decideNow.Add(-60e9), ConversationKey: "telegram/shop/42",
		Language: "en", CustomerName: "Ann", CustomerAttrs: map[string]string{"order": "12345678", "name": "not the customer's name"}}
	unknown := st
	unknown.CustomerAttrs = nil
	for _, tt := range []struct {
		st   chat.AgentState
		want string
	}{{st, "Ann, I have found order 12345678."}, {unknown, "Ann, I have found order ."}} {
		ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Kind: chat.KindText, ReplyTo: "77", Text: "#found"}
		cmd, text, _ := parseAgentEvent(ev)
		if plan := p.agentPlan(tt.st, cmd, chat.Agent{ID: "telegram:1", Name: "Bob"}, text, ev, decideNow); plan.Text != tt.want {
			t.Errorf("customer gets %q, want %q", plan.Text, tt.want)
		}
	}
}
