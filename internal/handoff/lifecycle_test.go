package handoff

import (
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestTransition(t *testing.T) {
	waiting := chat.OpenHandoff{ID: 1, State: chat.HandoffWaiting}
	ann := chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: "Ann"}
	closed := chat.OpenHandoff{}
	tests := []struct {
		name       string
		h          chat.OpenHandoff
		cmd        chat.AgentCommand
		agent      string
		windowOpen bool
		byButton   bool
		want       Move
	}{
		{"the first answer claims", waiting, chat.AgentRelay, "Bob", true, false,
			Move{Apply: chat.AgentRelay, Next: chat.HandoffClaimed, Say: "Bob answered and owns this conversation."}},
		{"the owner answers quietly", ann, chat.AgentRelay, "Ann", true, false, Move{Apply: chat.AgentRelay, Next: chat.HandoffClaimed}},
		{"another agent may not answer", ann, chat.AgentRelay, "Bob", true, false,
			Move{Next: chat.HandoffClaimed, Say: "Not sent: Ann owns this conversation."}},
		{"past the window nothing is sent", waiting, chat.AgentRelay, "Bob", false, false,
			Move{Next: chat.HandoffWaiting, Say: "Not sent: the customer's last message is too old; the platform no longer lets us write to them."}},
		{"claim a waiting handoff", waiting, chat.AgentClaim, "Bob", true, true,
			Move{Apply: chat.AgentClaim, Next: chat.HandoffClaimed, Say: "Bob owns this conversation."}},
		{"the owner presses claim again: only they hear", ann, chat.AgentClaim, "Ann", true, true,
			Move{Apply: chat.AgentClaim, Next: chat.HandoffClaimed, Say: "Ann owns this conversation.", OnlyToPresser: true}},
		{"a claim that lost hears who owns it", ann, chat.AgentClaim, "Bob", true, true,
			Move{Next: chat.HandoffClaimed, Say: "Already claimed by Ann.", OnlyToPresser: true}},
		{"resolve", ann, chat.AgentResolve, "Ann", true, false,
			Move{Apply: chat.AgentResolve, Next: chat.HandoffResolved, Say: "Resolved by Ann. The bot answers this customer again."}},
		{"anyone of the team may resolve", ann, chat.AgentResolve, "Bob", true, true,
			Move{Apply: chat.AgentResolve, Next: chat.HandoffResolved, Say: "Resolved by Bob. The bot answers this customer again."}},
		{"back to the bot", waiting, chat.AgentBot, "Bob", true, false,
			Move{Apply: chat.AgentBot, Next: chat.HandoffReturnedToBot, Say: "Bob gave the conversation back to the bot."}},
		{"a note is kept", ann, chat.AgentNote, "Bob", false, false, Move{Apply: chat.AgentNote, Next: chat.HandoffClaimed}},
		{"closed: an answer is refused", closed, chat.AgentRelay, "Bob", true, false,
			Move{Say: "Not sent: this conversation is closed and the customer is with the bot again. It reopens when the customer asks for a person."}},
		{"closed: a note is dropped", closed, chat.AgentNote, "Bob", true, false, Move{}},
		{"closed: resolve again", closed, chat.AgentResolve, "Bob", true, true, Move{Say: "This conversation is already closed."}},
		{"closed: a claim button tells the presser only", closed, chat.AgentClaim, "Bob", true, true,
			Move{Say: "This conversation is already closed.", OnlyToPresser: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Transition(tt.h, tt.cmd, tt.agent, tt.windowOpen, tt.byButton); got != tt.want {
				t.Errorf("Transition = %+v\n            want %+v", got, tt.want)
			}
		})
	}
}

func TestTimeOut(t *testing.T) {
	tests := []struct {
		name string
		h    chat.OpenHandoff
		want Move
	}{
		{"a claimed handoff idle for the timeout goes back to the bot", chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: "Ann"},
			Move{Next: chat.HandoffResolved, Say: "Resolved after 30m without messages: Bob's conversation (claimed by Ann) is back with the bot."}},
		{"a waiting handoff escalates instead", chat.OpenHandoff{ID: 1, State: chat.HandoffWaiting}, Move{Next: chat.HandoffWaiting}},
		{"a closed one stays closed", chat.OpenHandoff{}, Move{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TimeOut(tt.h, "Bob", "30m"); got != tt.want {
				t.Errorf("TimeOut = %+v\n         want %+v", got, tt.want)
			}
		})
	}
}

func TestResolveIncident(t *testing.T) {
	tests := []struct {
		name     string
		open     bool
		handoffs int
		want     IncidentMove
	}{
		{"an open incident resolves with its handoffs", true, 4, IncidentMove{Resolve: true, Say: "Ann resolved the incident: 4 customers are back with the bot."}},
		{"a resolved one: the presser is told", false, 4, IncidentMove{Say: "This incident is already resolved."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ResolveIncident(tt.open, tt.handoffs, "Ann"); got != tt.want {
				t.Errorf("ResolveIncident = %+v\n                 want %+v", got, tt.want)
			}
		})
	}
}
