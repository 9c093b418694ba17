package handoff

import (
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestTransition(t *testing.T) {
	ann := chat.Agent{ID: "telegram:1", Name: "Ann"}
	otherAnn := chat.Agent{ID: "telegram:2", Name: "Ann"} // another person with the same name
	bob := chat.Agent{ID: "telegram:3", Name: "Bob"}
	anonymous := chat.Agent{Name: "Group"}
	waiting := chat.OpenHandoff{ID: 1, State: chat.HandoffWaiting}
	byAnn := chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: ann}
	// Claimed before agents were identified by account: a name only.
	byName := chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: chat.Agent{Name: "Ann"}}
	closed := chat.OpenHandoff{}
	tests := []struct {
		name       string
		h          chat.OpenHandoff
		cmd        chat.AgentCommand
		agent      chat.Agent
		windowOpen bool
		byButton   bool
		want       Move
	}{
		{"the first answer claims", waiting, chat.AgentRelay, bob, true, false,
			Move{Apply: chat.AgentRelay, Claim: true, Next: chat.HandoffClaimed, Say: "Bob answered and owns this conversation."}},
		{"the owner answers quietly", byAnn, chat.AgentRelay, ann, true, false, Move{Apply: chat.AgentRelay, Next: chat.HandoffClaimed}},
		{"another agent may not answer", byAnn, chat.AgentRelay, bob, true, false,
			Move{Next: chat.HandoffClaimed, Say: "Not sent: Ann owns this conversation."}},
		{"another agent with the owner's name may not answer, and hears which Ann owns it", byAnn, chat.AgentRelay, otherAnn, true, false,
			Move{Next: chat.HandoffClaimed, Say: "Not sent: another Ann (telegram:1) owns this conversation."}},
		{"another agent with the owner's name may not claim", byAnn, chat.AgentClaim, otherAnn, true, true,
			Move{Next: chat.HandoffClaimed, Say: "Already claimed by another Ann (telegram:1).", OnlyToPresser: true}},
		{"past the window nothing is sent", waiting, chat.AgentRelay, bob, false, false,
			Move{Next: chat.HandoffWaiting, Say: "Not sent: the customer's last message is too old; the platform no longer lets us write to them."}},
		{"claim a waiting handoff", waiting, chat.AgentClaim, bob, true, true,
			Move{Apply: chat.AgentClaim, Claim: true, Next: chat.HandoffClaimed, Say: "Bob owns this conversation."}},
		{"the owner presses claim again: only they hear", byAnn, chat.AgentClaim, ann, true, true,
			Move{Apply: chat.AgentClaim, Next: chat.HandoffClaimed, Say: "Ann owns this conversation.", OnlyToPresser: true}},
		{"a claim that lost hears who owns it", byAnn, chat.AgentClaim, bob, true, true,
			Move{Next: chat.HandoffClaimed, Say: "Already claimed by Ann.", OnlyToPresser: true}},
		{"claimed by name only: anyone of the team may answer", byName, chat.AgentRelay, bob, true, false,
			Move{Apply: chat.AgentRelay, Next: chat.HandoffClaimed}},
		{"claimed by name only: a namesake is no owner either, and may answer", byName, chat.AgentRelay, otherAnn, true, false,
			Move{Apply: chat.AgentRelay, Next: chat.HandoffClaimed}},
		{"claimed by name only: a claim takes it, and the team hears", byName, chat.AgentClaim, bob, true, true,
			Move{Apply: chat.AgentClaim, Claim: true, Next: chat.HandoffClaimed, Say: "Bob owns this conversation."}},
		{"an anonymous agent may not answer", waiting, chat.AgentRelay, anonymous, true, false,
			Move{Next: chat.HandoffWaiting, Say: "Not done: this message does not say which account sent it; write as yourself, not anonymously."}},
		{"an anonymous agent may not claim", byName, chat.AgentClaim, anonymous, true, true,
			Move{Next: chat.HandoffClaimed, Say: "Not done: this message does not say which account sent it; write as yourself, not anonymously.", OnlyToPresser: true}},
		{"resolve", byAnn, chat.AgentResolve, ann, true, false,
			Move{Apply: chat.AgentResolve, Next: chat.HandoffResolved, Say: "Resolved by Ann. The bot answers this customer again."}},
		{"anyone of the team may resolve", byAnn, chat.AgentResolve, bob, true, true,
			Move{Apply: chat.AgentResolve, Next: chat.HandoffResolved, Say: "Resolved by Bob. The bot answers this customer again."}},
		{"back to the bot", waiting, chat.AgentBot, bob, true, false,
			Move{Apply: chat.AgentBot, Next: chat.HandoffReturnedToBot, Say: "Bob gave the conversation back to the bot."}},
		{"a note is kept", byAnn, chat.AgentNote, bob, false, false, Move{Apply: chat.AgentNote, Next: chat.HandoffClaimed}},
		{"closed: an answer is refused", closed, chat.AgentRelay, bob, true, false,
			Move{Say: "Not sent: this conversation is closed and the customer is with the bot again. It reopens when the customer asks for a person, or with /reopen."}},
		{"closed: a note is dropped", closed, chat.AgentNote, bob, true, false, Move{}},
		{"closed: resolve again", closed, chat.AgentResolve, bob, true, true, Move{Say: "This conversation is already closed."}},
		{"closed: a claim button tells the presser only", closed, chat.AgentClaim, bob, true, true,
			Move{Say: "This conversation is already closed.", OnlyToPresser: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Transition(Request{Handoff: tt.h, Command: tt.cmd, Agent: tt.agent, WindowOpen: tt.windowOpen, ByButton: tt.byButton}); got != tt.want {
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
		{"a claimed handoff idle for the timeout goes back to the bot", chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: chat.Agent{ID: "telegram:7", Name: "Ann"}},
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

// TestPersonAnswered: someone answering in the customer's chat in person
// takes a waiting handoff (owner unknown: no reminders, and any agent may
// still answer or claim it), tells the team of a claimed one, and leaves a
// closed one alone.
func TestPersonAnswered(t *testing.T) {
	tests := []struct {
		name  string
		h     chat.OpenHandoff
		claim bool
		say   string
	}{
		{"waiting", chat.OpenHandoff{ID: 1, State: chat.HandoffWaiting}, true,
			"Answered in person in Bob's chat, not through this team: on it\nNo more reminders: the handoff counts as claimed. Claim it to own it."},
		{"claimed", chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: chat.Agent{ID: "telegram:7", Name: "Ann"}}, false,
			"Answered in person in Bob's chat, not through this team: on it"},
		{"closed", chat.OpenHandoff{}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if claim, say := PersonAnswered(tt.h, "Bob", "on it"); claim != tt.claim || say != tt.say {
				t.Errorf("PersonAnswered = %v, %q; want %v, %q", claim, say, tt.claim, tt.say)
			}
		})
	}
	// Taken in person, it is an owner-unknown claim: an agent's answer
	// goes, and a claim makes them the owner.
	inPerson := chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: chat.InPerson}
	ann := chat.Agent{ID: "telegram:7", Name: "Ann"}
	if m := Transition(Request{Handoff: inPerson, Command: chat.AgentRelay, Agent: ann, WindowOpen: true}); m.Apply != chat.AgentRelay {
		t.Errorf("an agent's answer to a handoff taken in person: %+v, want sent", m)
	}
	if m := Transition(Request{Handoff: inPerson, Command: chat.AgentClaim, Agent: ann}); m.Apply != chat.AgentClaim || !m.Claim {
		t.Errorf("an agent's claim of a handoff taken in person: %+v, want theirs", m)
	}
}
