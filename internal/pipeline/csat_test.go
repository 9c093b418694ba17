package pipeline

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/rules"
)

func TestParseFeedback(t *testing.T) {
	tests := []struct {
		data   string
		answer handoff.Answer
		id     int64
		value  int
		rule   string
		ok     bool
	}{
		{"csat:yes:12", handoff.AnswerSolved, 12, 0, "", true},
		{"csat:no:12", handoff.AnswerUnsolved, 12, 0, "", true},
		{"csat:rate:12:1", handoff.AnswerRating, 12, 1, "", true},
		{"csat:rate:12:5", handoff.AnswerRating, 12, 5, "", true},
		{"helpful:up:invoice", "", 0, 1, "invoice", true},
		{"helpful:down:invoice", "", 0, 0, "invoice", true},
		{"csat:rate:12:6", "", 0, 0, "", false},
		{"csat:rate:12:0", "", 0, 0, "", false},
		{"csat:rate:12", "", 0, 0, "", false},
		{"csat:yes:12:4", "", 0, 0, "", false},
		{"csat:maybe:12", "", 0, 0, "", false},
		{"csat:yes:x", "", 0, 0, "", false},
		{"helpful:sideways:invoice", "", 0, 0, "", false},
		{"helpful:up:", "", 0, 0, "", false},
		{"rule:refund", "", 0, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			a, id, v, rule, ok := parseFeedback(tt.data)
			if a != tt.answer || id != tt.id || v != tt.value || rule != tt.rule || ok != tt.ok {
				t.Errorf("parseFeedback = %q %d %d %q %v", a, id, v, rule, ok)
			}
		})
	}
}

// TestFeedbackPlans: what a customer's feedback becomes, decided on its
// snapshot with no database, in the customer's language.
func TestFeedbackPlans(t *testing.T) {
	r, err := rules.Parse("rules.yaml", []byte("rules:\n  - id: invoice\n    keywords: [invoice]\n    reply: Invoices are emailed.\n    ask_helpful: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	p := New(Config{Teams: []Team{{Name: "support", Platform: chat.Telegram, Bot: "shop", ChatID: "-100"}}}, nil, r, nil,
		func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	offered := func(data ...string) []chat.Offer {
		o := chat.Offer{MessageID: "7"}
		for _, d := range data {
			o.Buttons = append(o.Buttons, chat.Button{Data: d})
		}
		return []chat.Offer{o}
	}
	closed := chat.FeedbackState{Handoff: chat.OpenHandoff{ID: 3, Team: "support", State: chat.HandoffResolved, Priority: "medium"}, Language: "ru"}
	press := func(data string) chat.Event {
		return chat.Event{Platform: chat.Telegram, Bot: "shop", Kind: chat.KindCallback, ChatID: "42", ChatType: chat.ChatPrivate,
			ReplyTo: "7", CallbackID: "cb", Text: data, Time: now, Customer: chat.Customer{ID: "42", Name: "Ann", Language: "en"}}
	}
	text := chat.Event{Platform: chat.Telegram, Bot: "shop", Kind: chat.KindText, ChatID: "42", ChatType: chat.ChatPrivate, Text: "Great, thanks",
		Time: now, Customer: chat.Customer{ID: "42", Name: "Ann", Language: "en"}}
	tests := []struct {
		name        string
		ev          chat.Event
		st          chat.State
		feedback    *chat.Feedback
		send        string // the message to the customer, "" none
		sendButtons int
		answer      string // the press's answer
		reopen      *chat.Reopen
		teamTold    bool
	}{
		{"yes, in the conversation's language: the rating, five buttons", press("csat:yes:3"),
			chat.State{Offered: offered("csat:yes:3", "csat:no:3"), Feedback: closed},
			&chat.Feedback{Kind: chat.FeedbackSolved, HandoffID: 3, Value: 1}, "Оцените, пожалуйста, нашу поддержку: 1 — плохо, 5 — отлично.", 5, "", nil, false},
		{"no: reopened one step up, the team told", press("csat:no:3"),
			chat.State{Offered: offered("csat:yes:3", "csat:no:3"), Feedback: closed},
			&chat.Feedback{Kind: chat.FeedbackSolved, HandoffID: 3}, "Жаль. Коллега скоро вернётся к вашему вопросу.", 0, "",
			&chat.Reopen{HandoffID: 3, Priority: chat.PriorityHigh, DueAt: now.Add(time.Hour)}, true},
		{"a rating: stored with its comment window, a comment asked for", press("csat:rate:3:2"),
			chat.State{Offered: offered("csat:rate:3:1", "csat:rate:3:2"), Feedback: closed},
			&chat.Feedback{Kind: chat.FeedbackRating, HandoffID: 3, Value: 2, CommentUntil: now.Add(10 * time.Minute)},
			"Спасибо! Хотите что-то добавить? Просто напишите следующим сообщением.", 0, "", nil, false},
		{"a forged rating is refused, in the conversation's language", press("csat:rate:3:5"),
			chat.State{Offered: offered("csat:yes:3", "csat:no:3"), Feedback: closed}, nil, "", 0, "Эта кнопка больше не действует.", nil, false},
		{"a button of an older handoff is refused", press("csat:yes:2"),
			chat.State{Offered: offered("csat:yes:2"), Feedback: closed}, nil, "", 0, "Эта кнопка больше не действует.", nil, false},
		{"👍 is stored for its rule and thanked on the button", press("helpful:up:invoice"),
			chat.State{Offered: offered("helpful:up:invoice", "helpful:down:invoice")},
			&chat.Feedback{Kind: chat.FeedbackHelpful, Rule: "invoice", Value: 1}, "", 0, "Thank you for your feedback!", nil, false},
		{"the message after a rating is its comment, not a question", text, chat.State{Feedback: chat.FeedbackState{CommentFor: 9}},
			&chat.Feedback{Kind: chat.FeedbackComment, CommentOf: 9, Comment: "Great, thanks"}, "Thank you for your feedback!", 0, "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			st.Customer.Reserved = map[string]bool{}
			plan, err := p.Decide(tt.ev, st, now)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.feedback == nil && plan.Feedback != nil, tt.feedback != nil && (plan.Feedback == nil || *plan.Feedback != *tt.feedback):
				t.Errorf("feedback %+v, want %+v", plan.Feedback, tt.feedback)
			}
			var sent string
			buttons := 0
			for _, s := range plan.Sends {
				sent = s.Text
				for _, row := range s.Buttons {
					buttons += len(row)
				}
			}
			if sent != tt.send || buttons != tt.sendButtons || len(plan.Sends) > 1 {
				t.Errorf("sent %q with %d buttons (%d sends), want %q with %d", sent, buttons, len(plan.Sends), tt.send, tt.sendButtons)
			}
			answer := ""
			for _, a := range plan.CallbackAnswers {
				answer = a.Text
			}
			if answer != tt.answer {
				t.Errorf("press answered %q, want %q", answer, tt.answer)
			}
			if (plan.Reopen == nil) != (tt.reopen == nil) || plan.Reopen != nil && *plan.Reopen != *tt.reopen {
				t.Errorf("reopen %+v, want %+v", plan.Reopen, tt.reopen)
			}
			if got := len(plan.Notices) > 0; got != tt.teamTold {
				t.Errorf("team told: %v, want %v (%+v)", got, tt.teamTold, plan.Notices)
			}
			if plan.Outcome != chat.OutcomeRecorded {
				t.Errorf("outcome %s: feedback is no customer question", plan.Outcome)
			}
		})
	}
}

// TestCustomerNoticesOfAgentMoves: what the customer is told of an
// agent's claim and close, in their language, by the configured name or a
// generic one, and nothing to a customer who blocked the bot or past the
// window.
func TestCustomerNoticesOfAgentMoves(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	p := New(Config{AgentNames: map[string]string{"telegram:7": "Anna"}}, nil, builtinDecider{}, nil,
		func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	anna, bob := chat.Agent{ID: "telegram:7", Name: "anna_tg"}, chat.Agent{ID: "telegram:8", Name: "bob_tg"}
	waiting := chat.AgentState{Handoff: chat.OpenHandoff{ID: 4, State: chat.HandoffWaiting}, Platform: chat.Telegram, Bot: "shop", ChatID: "42",
		CustomerScope: "telegram/shop/42", LastCustomerAt: now.Add(-time.Hour), ConversationID: 9}
	with := func(f func(*chat.AgentState)) chat.AgentState { st := waiting; f(&st); return st }
	claimed := with(func(st *chat.AgentState) { st.Handoff.State, st.Handoff.ClaimedBy = chat.HandoffClaimed, anna })
	tests := []struct {
		name  string
		st    chat.AgentState
		cmd   chat.AgentCommand
		agent chat.Agent
		want  []string
	}{
		{"a claim, by the configured name", waiting, chat.AgentClaim, anna, []string{"Anna from support has joined the conversation."}},
		{"a claim by an agent without one, in Chinese", with(func(st *chat.AgentState) { st.Language = "zh" }), chat.AgentClaim, bob,
			[]string{"客服同事已加入对话。"}},
		{"a claim, in Russian", with(func(st *chat.AgentState) { st.Language = "ru" }), chat.AgentClaim, bob,
			[]string{"Коллега из поддержки подключился к разговору."}},
		{"a close: closed, then the question", claimed, chat.AgentResolve, anna,
			[]string{"Our colleague has closed this conversation. If you need anything else, just write.", "Was your question solved?"}},
		{"a customer who blocked the bot hears nothing", with(func(st *chat.AgentState) { st.CustomerBlocked = true }), chat.AgentClaim, anna, nil},
		{"past the window, nothing", with(func(st *chat.AgentState) { st.LastCustomerAt = now.Add(-48 * time.Hour) }), chat.AgentClaim, anna, nil},
		{"back to the bot says nothing", claimed, chat.AgentBot, anna, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			move := handoff.Transition(handoff.Request{Handoff: tt.st.Handoff, Command: tt.cmd, Agent: tt.agent, WindowOpen: true, ByButton: true})
			sends := p.customerNotices(tt.st, move, tt.agent, now)
			var got []string
			for _, s := range sends {
				got = append(got, s.Text)
				if s.To.ChatID != "42" || s.Type != chat.ActionCustomerNotice {
					t.Errorf("send %+v: want a customer notice to chat 42", s)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("told %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("told %q, want %q", got[i], tt.want[i])
				}
			}
		})
	}
}

// builtinDecider decides nothing: the built-in notices apply.
type builtinDecider struct{}

func (builtinDecider) Decide(chat.Event, chat.State, time.Time) rules.Decision {
	return rules.Decision{}
}
