package pipeline

import (
	"errors"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestReleaseEvent(t *testing.T) {
	orig := chat.Event{Platform: chat.Discord, Bot: "shop", ExternalID: "snow-1", Kind: chat.KindCommand, ChatID: "chan", ChatType: chat.ChatGroup,
		MessageID: "m1", CallbackID: "interaction-1", Text: "/ask where is my order http://x.example", Customer: chat.Customer{ID: "7"}}
	tests := []struct {
		name    string
		outcome chat.Outcome
		typ     chat.MessageType
		wantErr error
	}{
		{"ignored by a rule", chat.OutcomeIgnored, chat.TypeInquiry, nil},
		{"typed spam, no rule", chat.OutcomeUnanswered, chat.TypeSpam, nil},
		{"answered: nothing to release", chat.OutcomeAnswered, chat.TypeInquiry, ErrNotSpam},
		{"the answer of a release", chat.OutcomeRecorded, chat.TypeInquiry, ErrNotSpam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ReleaseEvent(42, orig, tt.outcome, tt.typ)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			// Queued once per message, in the same conversation, answered
			// in the chat: the interaction expired long ago.
			if ev.ExternalID != "release:42" || ev.ReleaseOf != 42 || ev.CallbackID != "" || ev.ConversationKey() != orig.ConversationKey() ||
				ev.Text != orig.Text || ev.MessageID != orig.MessageID {
				t.Errorf("release event %+v", ev)
			}
		})
	}
}

// A released message's decision answers it without counting it again:
// recorded, no new message row, the sends through the guard as usual.
func TestDecideReleasedMessage(t *testing.T) {
	reply := chat.Action{Type: chat.ActionReply, Rule: "shipping", Text: "Sorry… Orders ship in 48 hours."}
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "release:42", Kind: chat.KindText, ChatID: "42", ChatType: chat.ChatPrivate,
		MessageID: "7", Text: "where is my order http://x.example", Customer: chat.Customer{ID: "42"}, ReleaseOf: 42}
	p := decidingPipeline([]chat.Action{reply}, 0)
	plan, err := p.Decide(ev, chat.State{}, decideNow)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Outcome != chat.OutcomeRecorded || !plan.Repeats || len(plan.Sends) != 1 || plan.Sends[0].Text != reply.Text {
		t.Errorf("plan %+v: want recorded, repeating, the one reply", plan)
	}
	ev.ReleaseOf = 0
	if plan, _ := p.Decide(ev, chat.State{}, decideNow); plan.Outcome != chat.OutcomeAnswered || plan.Repeats {
		t.Errorf("an ordinary message: %+v", plan)
	}
}
