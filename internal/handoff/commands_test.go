package handoff

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestTransitionCommands is the lifecycle table of the team-chat commands
// of issue 19: close (now or timed), reopen, transfer, escalate, priority,
// block and unblock, with their guards and what the team is told.
func TestTransitionCommands(t *testing.T) {
	ann := chat.Agent{ID: "telegram:1", Name: "Ann"}
	bob := chat.Agent{ID: "telegram:3", Name: "Bob"}
	nobody := chat.Agent{Name: "Group"}
	teams := []string{"support", "billing"}
	waiting := chat.OpenHandoff{ID: 1, Team: "support", State: chat.HandoffWaiting, Priority: "medium"}
	byAnn := chat.OpenHandoff{ID: 1, Team: "support", State: chat.HandoffClaimed, ClaimedBy: ann, Priority: "medium"}
	critical := chat.OpenHandoff{ID: 1, Team: "support", State: chat.HandoffWaiting, Priority: "critical"}
	escalatedOnce := chat.OpenHandoff{ID: 1, Team: "support", State: chat.HandoffWaiting, Priority: "high", StepsDone: 2}
	resolved := chat.OpenHandoff{ID: 1, Team: "support", State: chat.HandoffResolved}
	tests := []struct {
		name string
		r    Request
		want Move
	}{
		{"close now is a resolve", Request{Handoff: byAnn, Command: chat.AgentClose, Agent: bob},
			Move{Apply: chat.AgentClose, Next: chat.HandoffResolved, Say: "Closed by Bob. The bot answers this customer again."}},
		{"close in 1h30m stays open until then", Request{Handoff: byAnn, Command: chat.AgentClose, Agent: ann, CloseIn: 90 * time.Minute},
			Move{Apply: chat.AgentClose, Next: chat.HandoffClaimed, CloseIn: 90 * time.Minute,
				Say: "Ann will close this conversation in 1h30m; if the customer writes before then, it stays open."}},
		{"close with an argument that is no delay", Request{Handoff: byAnn, Command: chat.AgentClose, Agent: ann, Arg: "tomorrow"},
			Move{Next: chat.HandoffClaimed, Say: "Not closed: write /close, or /close in 10m (2h, 1h30m, 1d, 2 hours) to close later."}},
		{"close a closed conversation", Request{Command: chat.AgentClose, Agent: ann, Closed: resolved},
			Move{Say: "This conversation is already closed."}},
		{"reopen a resolved conversation: the agent owns it", Request{Closed: resolved, Command: chat.AgentReopen, Agent: bob},
			Move{Apply: chat.AgentReopen, Claim: true, Next: chat.HandoffClaimed,
				Say: "Bob reopened the conversation and owns it; the bot stays quiet with this customer."}},
		{"reopen an open conversation", Request{Handoff: waiting, Command: chat.AgentReopen, Agent: bob},
			Move{Next: chat.HandoffWaiting, Say: "Not reopened: this conversation is open already."}},
		{"reopen with no handoff ever", Request{Command: chat.AgentReopen, Agent: bob},
			Move{Say: "Not reopened: there is no handoff of this conversation to reopen."}},
		{"reopen anonymously", Request{Closed: resolved, Command: chat.AgentReopen, Agent: nobody}, Move{Say: anonymous}},
		{"transfer to another team, any case", Request{Handoff: byAnn, Command: chat.AgentTransfer, Agent: ann, Arg: "Billing", Teams: teams},
			Move{Apply: chat.AgentTransfer, Next: chat.HandoffWaiting, Team: "billing", Say: "Ann transferred this conversation to team billing."}},
		{"transfer to its own team", Request{Handoff: byAnn, Command: chat.AgentTransfer, Agent: ann, Arg: "support", Teams: teams},
			Move{Next: chat.HandoffClaimed, Say: "Not transferred: this conversation is with team support already."}},
		{"transfer to an agent the team knows", Request{Handoff: byAnn, Command: chat.AgentTransfer, Agent: ann, Arg: "@bob", Teams: teams, To: bob},
			Move{Apply: chat.AgentTransfer, Next: chat.HandoffClaimed, Assign: bob, Say: "Ann transferred this conversation to Bob, who owns it now."}},
		{"transfer to its owner", Request{Handoff: byAnn, Command: chat.AgentTransfer, Agent: bob, Arg: "Ann", Teams: teams, To: ann},
			Move{Next: chat.HandoffClaimed, Say: "Not transferred: Ann owns this conversation already."}},
		{"transfer to nobody known lists the teams", Request{Handoff: waiting, Command: chat.AgentTransfer, Agent: ann, Arg: "sales", Teams: teams},
			Move{Next: chat.HandoffWaiting, Say: `Not transferred: "sales" is no team nor agent known here. Teams: support, billing.`}},
		{"transfer a closed conversation", Request{Closed: resolved, Command: chat.AgentTransfer, Agent: ann, Arg: "billing", Teams: teams},
			Move{Say: "This conversation is already closed."}},
		{"escalate: one step up, the first escalation chat told", Request{Handoff: waiting, Command: chat.AgentEscalate, Agent: ann, Escalations: 2},
			Move{Apply: chat.AgentEscalate, Next: chat.HandoffWaiting, Priority: chat.PriorityHigh, Tier: 2,
				Say: "Ann escalated this conversation to P2 (high); escalation tier 2 is told."}},
		{"escalate after the SLA timer told tier 2: tier 3", Request{Handoff: escalatedOnce, Command: chat.AgentEscalate, Agent: ann, Escalations: 2},
			Move{Apply: chat.AgentEscalate, Next: chat.HandoffWaiting, Priority: chat.PriorityCritical, Tier: 3,
				Say: "Ann escalated this conversation to P1 (critical); escalation tier 3 is told."}},
		{"escalate with no escalation chat: the priority only", Request{Handoff: byAnn, Command: chat.AgentEscalate, Agent: ann},
			Move{Apply: chat.AgentEscalate, Next: chat.HandoffClaimed, Priority: chat.PriorityHigh,
				Say: "Ann escalated this conversation to P2 (high); no escalation chat is left to tell."}},
		{"escalate at the top", Request{Handoff: critical, Command: chat.AgentEscalate, Agent: ann},
			Move{Next: chat.HandoffWaiting, Say: "Not escalated: it is P1 already and no escalation chat is left to tell."}},
		{"priority P4", Request{Handoff: byAnn, Command: chat.AgentPriority, Agent: bob, Priority: chat.PriorityLow},
			Move{Apply: chat.AgentPriority, Next: chat.HandoffClaimed, Priority: chat.PriorityLow, Say: "Bob set the priority to P4 (low)."}},
		{"priority unchanged", Request{Handoff: byAnn, Command: chat.AgentPriority, Agent: bob, Priority: chat.PriorityMedium},
			Move{Next: chat.HandoffClaimed, Say: "The priority is P3 already."}},
		{"priority without a level", Request{Handoff: byAnn, Command: chat.AgentPriority, Agent: bob},
			Move{Next: chat.HandoffClaimed, Say: "Not changed: write /priority P1, P2, P3 or P4 (P1 critical, P2 high, P3 medium, P4 low)."}},
		{"block", Request{Handoff: byAnn, Command: chat.AgentBlock, Agent: ann},
			Move{Apply: chat.AgentBlock, Next: chat.HandoffClaimed, Block: true,
				Say: "Ann blocked this customer: their messages are kept, never answered by the bot nor passed on here. /unblock undoes it."}},
		{"block a closed conversation's customer", Request{Closed: resolved, Command: chat.AgentBlock, Agent: ann},
			Move{Apply: chat.AgentBlock, Block: true,
				Say: "Ann blocked this customer: their messages are kept, never answered by the bot nor passed on here. /unblock undoes it."}},
		{"block twice", Request{Handoff: byAnn, Command: chat.AgentBlock, Agent: ann, Blocked: true},
			Move{Next: chat.HandoffClaimed, Say: "This customer is blocked already."}},
		{"unblock", Request{Closed: resolved, Command: chat.AgentUnblock, Agent: ann, Blocked: true},
			Move{Apply: chat.AgentUnblock, Say: "Ann unblocked this customer: the bot answers them again, and their messages reach you while you own the conversation."}},
		{"tag: the new labels told", Request{Handoff: byAnn, Command: chat.AgentTag, Agent: bob, Tags: []string{"vip", "refund"}, Tagged: []string{"vip"}},
			Move{Apply: chat.AgentTag, Next: chat.HandoffClaimed, Say: "Bob tagged this conversation: refund."}},
		{"tag a closed conversation's last handoff", Request{Closed: resolved, Command: chat.AgentTag, Agent: bob, Tags: []string{"spam"}},
			Move{Apply: chat.AgentTag, Say: "Bob tagged this conversation: spam."}},
		{"tag with nothing new", Request{Handoff: byAnn, Command: chat.AgentTag, Agent: bob, Tags: []string{"vip"}, Tagged: []string{"vip"}},
			Move{Next: chat.HandoffClaimed, Say: "Already tagged: vip."}},
		{"tag without words", Request{Handoff: byAnn, Command: chat.AgentTag, Agent: bob, Arg: "a:b"},
			Move{Next: chat.HandoffClaimed, Say: "Not tagged: write /tag WORD … (up to 10 words of letters, digits, - and _)."}},
		{"tag with no handoff ever", Request{Command: chat.AgentTag, Agent: bob, Tags: []string{"vip"}},
			Move{Say: "Not tagged: there is no handoff of this conversation."}},
		{"block with no handoff ever", Request{Command: chat.AgentBlock, Agent: ann},
			Move{Say: "Not done: this conversation has no customer on record to block or unblock."}},
		{"block where no customer is on record", Request{Handoff: byAnn, Command: chat.AgentBlock, Agent: ann, NoCustomer: true},
			Move{Next: chat.HandoffClaimed, Say: "Not done: this conversation has no customer on record to block or unblock."}},
		{"unblock who is not blocked", Request{Handoff: waiting, Command: chat.AgentUnblock, Agent: ann},
			Move{Next: chat.HandoffWaiting, Say: "This customer is not blocked."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Transition(tt.r); got != tt.want {
				t.Errorf("Transition = %+v\n            want %+v", got, tt.want)
			}
		})
	}
}

func TestTimedClose(t *testing.T) {
	open := chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClosesAt: time.Unix(100, 0)}
	t.Run("fires on an open handoff", func(t *testing.T) {
		want := Move{Apply: chat.AgentClose, Next: chat.HandoffResolved, Say: "Closed as planned: Bob's conversation is back with the bot."}
		if got := CloseDue(open, "Bob"); got != want {
			t.Errorf("CloseDue = %+v, want %+v", got, want)
		}
	})
	t.Run("a closed handoff stays", func(t *testing.T) {
		if got := CloseDue(chat.OpenHandoff{}, "Bob"); got != (Move{}) {
			t.Errorf("CloseDue = %+v", got)
		}
	})
	tests := []struct {
		name   string
		h      chat.OpenHandoff
		cancel bool
		say    string
	}{
		{"the customer writes: cancelled", open, true, "Timed close cancelled: Bob wrote again, so the conversation stays open."},
		{"none pending", chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed}, false, ""},
		{"closed", chat.OpenHandoff{ClosesAt: time.Unix(100, 0)}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if cancel, say := CustomerWrote(tt.h, "Bob"); cancel != tt.cancel || say != tt.say {
				t.Errorf("CustomerWrote = %v %q, want %v %q", cancel, say, tt.cancel, tt.say)
			}
		})
	}
}

func TestParseCloseIn(t *testing.T) {
	tests := []struct {
		arg  string
		want time.Duration
	}{
		{"", 0},
		{"in 10m", 10 * time.Minute},
		{"in 2h", 2 * time.Hour},
		{"In 1h30m", 90 * time.Minute},
		{"in 1h 30m", 90 * time.Minute},
		{"45s", 45 * time.Second},
		{"in -5m", 0},
		{"tomorrow", 0},
		{"in 2 hours", 2 * time.Hour},
		{"in 1 day", 24 * time.Hour},
		{"in 1d", 24 * time.Hour},
		{"через 30 минут", 30 * time.Minute},
		{"через 2 часа", 2 * time.Hour},
		{"2小时后", 2 * time.Hour},
		{"1天以后", 24 * time.Hour},
		{"in 1 month", 0},
		{"in 0", 0},
		{"thanks, solved", 0},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			if got := ParseCloseIn(tt.arg); got != tt.want {
				t.Errorf("ParseCloseIn(%q) = %v, want %v", tt.arg, got, tt.want)
			}
		})
	}
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		arg  string
		want []string
	}{
		{"VIP refund", []string{"vip", "refund"}},
		{"vip, late-delivery,  b2b_client", []string{"vip", "late-delivery", "b2b_client"}},
		{"постоянный 大客户", []string{"постоянный", "大客户"}},
		{"", nil},
		{"a:b", nil},
		{"#vip", nil},
		{strings.Repeat("x", 33), nil},
		{"1 2 3 4 5 6 7 8 9 10 11", nil},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			if got := ParseTags(tt.arg); !slices.Equal(got, tt.want) {
				t.Errorf("ParseTags(%q) = %q, want %q", tt.arg, got, tt.want)
			}
		})
	}
}
