package pipeline

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// fixedDecider returns the same actions for every event.
type fixedDecider []chat.Action

func (d fixedDecider) Decide(chat.Event, chat.State, time.Time) rules.Decision {
	return rules.Decision{Language: "en", Actions: d}
}

func TestPlan(t *testing.T) {
	reply := chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "answer"}
	ack := chat.Action{Type: chat.ActionAck, Rule: "ack", Text: "got it"}
	handoff := chat.Action{Type: chat.ActionHandoff, Rule: "complaint", Text: "a colleague will answer", Priority: "high"}
	silentHandoff := chat.Action{Type: chat.ActionHandoff, Rule: "quiet"}
	text := chat.Event{Kind: chat.KindText, Text: "hi"}
	fromBot := text
	fromBot.Customer.IsBot = true
	edit := text
	edit.Kind = chat.KindEdited
	waiting := chat.State{Conversation: chat.Conversation{Status: chat.StatusWaitingForHuman}}

	tests := []struct {
		name        string
		ev          chat.Event
		st          chat.State
		actions     []chat.Action
		sends       int
		suppressed  []string
		handoff     bool
		wantOutcome chat.Outcome
	}{
		{"faq answer", text, chat.State{}, []chat.Action{reply}, 1, nil, false, chat.OutcomeAnswered},
		{"ack then answer", text, chat.State{}, []chat.Action{ack, reply}, 2, nil, false, chat.OutcomeAnswered},
		{"ack only", text, chat.State{}, []chat.Action{ack}, 1, nil, false, chat.OutcomeAcknowledged},
		{"nothing matched", text, chat.State{}, nil, 0, nil, false, chat.OutcomeUnanswered},
		{"handoff tells the customer", text, chat.State{}, []chat.Action{handoff}, 1, nil, true, chat.OutcomeHandedOff},
		{"handoff without text sends nothing", text, chat.State{}, []chat.Action{silentHandoff}, 0, nil, true, chat.OutcomeHandedOff},
		{"human owns the conversation", text, waiting, []chat.Action{ack, reply}, 0, []string{chat.ReasonHumanOwnsConversation, chat.ReasonHumanOwnsConversation}, false, chat.OutcomeSuppressed},
		{"a bot wrote", fromBot, chat.State{}, []chat.Action{reply}, 0, []string{chat.ReasonFromBot}, false, chat.OutcomeRecorded},
		{"edits are recorded, not answered", edit, chat.State{}, []chat.Action{reply}, 0, nil, false, chat.OutcomeRecorded},
		{"spam is ignored", text, chat.State{}, []chat.Action{{Type: chat.ActionTag, Rule: "spam", Tags: []string{"spam"}}, {Type: chat.ActionIgnore, Rule: "spam"}}, 0, nil, false, chat.OutcomeIgnored},
		{"a tag alone is unanswered", text, chat.State{}, []chat.Action{{Type: chat.ActionTag, Rule: "t", Tags: []string{"x"}}}, 0, nil, false, chat.OutcomeUnanswered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(Config{}, nil, fixedDecider(tt.actions), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
			plan := p.plan(tt.ev, tt.st, time.Now())
			if len(plan.Sends) != tt.sends {
				t.Errorf("sends = %+v, want %d", plan.Sends, tt.sends)
			}
			if len(plan.Suppressed) != len(tt.suppressed) {
				t.Fatalf("suppressed = %+v, want %v", plan.Suppressed, tt.suppressed)
			}
			for i, reason := range tt.suppressed {
				if plan.Suppressed[i].Reason != reason {
					t.Errorf("suppressed[%d] = %+v, want reason %s", i, plan.Suppressed[i], reason)
				}
			}
			if (plan.Handoff != nil) != tt.handoff {
				t.Errorf("handoff = %+v, want %v", plan.Handoff, tt.handoff)
			}
			if plan.Outcome != tt.wantOutcome {
				t.Errorf("outcome = %s, want %s", plan.Outcome, tt.wantOutcome)
			}
		})
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	for attempt := 1; attempt <= 20; attempt++ {
		want := time.Second << min(attempt-1, 10)
		want = min(want, time.Minute)
		for i := 0; i < 50; i++ {
			d := backoff(attempt, time.Second, time.Minute)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}
