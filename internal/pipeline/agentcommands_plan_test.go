package pipeline

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
)

// TestAgentCommandEffects: what the team-chat commands of issue 19 put in
// the plan for the store to apply, and whom they tell.
func TestAgentCommandEffects(t *testing.T) {
	escalated := support
	escalated.Escalation = []string{"-150"}
	escalated.Language = "ru"
	billing := Team{Name: "billing", Platform: chat.Telegram, Bot: "shop", ChatID: "-200", Language: "zh"}
	sandbox := Team{Name: "sandbox", Platform: chat.Sandbox, Bot: "sandbox", ChatID: "agents", Customers: chat.Sandbox}
	// Its name would make a button's data longer than Telegram takes.
	long := Team{Name: strings.Repeat("x", 60), Platform: chat.Telegram, Bot: "shop", ChatID: "-300"}
	ann := chat.Agent{ID: "telegram:1", Name: "Ann"}
	bob := chat.Agent{ID: "telegram:2", Name: "Bob"}
	created := decideNow.Add(-time.Hour)
	open := chat.AgentState{Handoff: chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffClaimed, ClaimedBy: ann, Priority: "medium", CreatedAt: created},
		Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: decideNow.Add(-time.Minute), ConversationKey: "telegram/shop/42",
		CustomerName: "Kim", CustomerID: 5}
	closed := open
	closed.Handoff, closed.Closed = chat.OpenHandoff{}, chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffResolved}
	in := func(chatID string) chat.Event {
		return chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: chatID, Kind: chat.KindText, ReplyTo: "77"}
	}
	press := func(chatID string) chat.Event {
		ev := in(chatID)
		ev.Kind, ev.CallbackID = chat.KindCallback, "cb"
		return ev
	}
	tests := []struct {
		name  string
		st    chat.AgentState
		cmd   chat.AgentCommand
		arg   string
		to    chat.Agent
		ev    chat.Event
		check func(t *testing.T, plan chat.AgentPlan)
	}{
		{"a timed close is due at now plus its delay", open, chat.AgentClose, "in 2h", chat.Agent{}, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Command != chat.AgentClose || !plan.ClosesAt.Equal(decideNow.Add(2*time.Hour)) {
				t.Errorf("command %q closes at %v", plan.Command, plan.ClosesAt)
			}
			if len(plan.Notices) != 1 || plan.Notices[0].TopicKey != "telegram/shop/42" {
				t.Errorf("notices %+v, want one in the customer's topic", plan.Notices)
			}
		}},
		{"close now closes now", open, chat.AgentClose, "", chat.Agent{}, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Command != chat.AgentClose || !plan.ClosesAt.IsZero() {
				t.Errorf("command %q closes at %v", plan.Command, plan.ClosesAt)
			}
		}},
		{"transfer to a team: due anew, its chat gets the notice with its buttons", open, chat.AgentTransfer, "billing", chat.Agent{}, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Team != "billing" || !plan.DueAt.Equal(handoff.Due(handoff.Matrix{}, handoff.Hours{}, chat.PriorityMedium, decideNow)) {
				t.Errorf("team %q due %v", plan.Team, plan.DueAt)
			}
			if len(plan.Notices) != 2 || plan.Notices[1].ChatID != "-200" || plan.Notices[1].Buttons[0][0].Text != "认领" ||
				plan.Notices[1].Buttons[0][2].Data != "transfer:{handoff}" {
				t.Errorf("notices %+v", plan.Notices)
			}
		}},
		{"transfer to an agent makes them the owner", open, chat.AgentTransfer, "@bob", bob, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Assign != bob || plan.Team != "" {
				t.Errorf("assigned %+v team %q", plan.Assign, plan.Team)
			}
		}},
		{"the transfer button offers the other teams of the customer's platform", open, chat.AgentTransfer, "", chat.Agent{}, press("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Command != "" || len(plan.Notices) != 1 || plan.CallbackAnswer != "Какой команде передать?" {
				t.Fatalf("plan %+v", plan)
			}
			if b := plan.Notices[0].Buttons; len(b) != 1 || len(b[0]) != 1 || b[0][0] != (chat.Button{Text: "billing", Data: "transfer:9:billing"}) {
				t.Errorf("buttons %+v, want billing alone (not its own team, not the sandbox's, not one too long for Telegram)", b)
			}
		}},
		{"escalate: priority up, due from its creation, the escalation chat told", open, chat.AgentEscalate, "", chat.Agent{}, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Priority != chat.PriorityHigh || plan.StepsDone != 2 || !plan.DueAt.Equal(created.Add(time.Hour)) {
				t.Errorf("priority %q steps %d due %v", plan.Priority, plan.StepsDone, plan.DueAt)
			}
			n := plan.Notices[len(plan.Notices)-1]
			if n.ChatID != "-150" || !strings.HasPrefix(n.Text, "Escalation (tier 2) by Ann: Kim (P2, high)") || n.Buttons[0][0] != (chat.Button{Text: "Взять", Data: "claim:{handoff}"}) {
				t.Errorf("escalation notice %+v", n)
			}
		}},
		{"priority keeps the steps taken", open, chat.AgentPriority, "p1", chat.Agent{}, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Priority != chat.PriorityCritical || plan.StepsDone != 0 || !plan.DueAt.Equal(created.Add(30*time.Minute)) {
				t.Errorf("priority %q steps %d due %v", plan.Priority, plan.StepsDone, plan.DueAt)
			}
		}},
		{"reopen from the team's chat", closed, chat.AgentReopen, "", chat.Agent{}, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Command != chat.AgentReopen || !plan.Claim {
				t.Errorf("plan %+v", plan)
			}
		}},
		{"reopen from another team's chat is refused", closed, chat.AgentReopen, "", chat.Agent{}, in("-200"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Command != "" || !strings.Contains(plan.CallbackAnswer, "belongs to team support") {
				t.Errorf("plan %+v", plan)
			}
		}},
		{"block from another team's chat is refused", closed, chat.AgentBlock, "", chat.Agent{}, in("-200"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Command != "" {
				t.Errorf("plan %+v", plan)
			}
		}},
		{"block a closed conversation's customer", closed, chat.AgentBlock, "", chat.Agent{}, in("-100"), func(t *testing.T, plan chat.AgentPlan) {
			if plan.Command != chat.AgentBlock || plan.AgentTeam != "support" {
				t.Errorf("plan %+v", plan)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(Config{Teams: []Team{escalated, billing, sandbox, long}}, nil, fixedDecider(nil), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
			tt.check(t, p.agentPlanTo(tt.st, tt.cmd, ann, tt.arg, tt.to, tt.ev, decideNow))
		})
	}
}

// TestCustomerMessageCancelsATimedCloseAndBlockedIsQuiet: a customer
// writing while a timed close is pending cancels it (the team told); a
// customer the team blocked is stored as blocked, nothing planned.
func TestCustomerMessageCancelsATimedCloseAndBlockedIsQuiet(t *testing.T) {
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", Kind: chat.KindText, ChatID: "42", ChatType: chat.ChatPrivate,
		MessageID: "7", Text: "one more thing", Customer: chat.Customer{ID: "42", Name: "Kim"}}
	pending := chat.State{Conversation: chat.Conversation{ID: 5, Status: chat.StatusWaitingForHuman,
		Handoff: &chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffClaimed, ClosesAt: decideNow.Add(time.Minute)}}}
	p := decidingPipeline([]chat.Action{{Type: chat.ActionReply, Rule: "faq", Text: "Here is how."}}, 3)
	plan := p.plan(ev, pending, decideNow)
	if !plan.CancelsClose || len(plan.Notices) != 2 || !strings.HasPrefix(plan.Notices[0].Text, "Timed close cancelled: Kim wrote again") ||
		plan.Notices[1].Text != "Kim: one more thing" {
		t.Fatalf("cancels %v, notices %+v", plan.CancelsClose, plan.Notices)
	}
	noTimer := pending
	h := *pending.Conversation.Handoff
	h.ClosesAt = time.Time{}
	noTimer.Conversation.Handoff = &h
	if plan := p.plan(ev, noTimer, decideNow); plan.CancelsClose || len(plan.Notices) != 1 {
		t.Fatalf("nothing pending: cancels %v, notices %+v", plan.CancelsClose, plan.Notices)
	}
	blocked := pending
	blocked.Customer.BlockedByTeam = true
	plan = p.plan(ev, blocked, decideNow)
	if plan.Outcome != chat.OutcomeBlocked || len(plan.Sends) != 0 || len(plan.Notices) != 0 || plan.CancelsClose {
		t.Fatalf("blocked customer's plan %+v", plan)
	}
}

func TestParseAgentCommands(t *testing.T) {
	tests := []struct {
		ev   chat.Event
		cmd  chat.AgentCommand
		text string
		id   int64
	}{
		{chat.Event{Kind: chat.KindText, ReplyTo: "1", Text: "/close in 10m"}, chat.AgentClose, "in 10m", 0},
		{chat.Event{Kind: chat.KindText, ThreadID: "7", Text: "/Transfer@shop_bot billing"}, chat.AgentTransfer, "billing", 0},
		{chat.Event{Kind: chat.KindText, ReplyTo: "1", Text: "/priority P2"}, chat.AgentPriority, "P2", 0},
		{chat.Event{Kind: chat.KindCallback, Text: "close:12"}, chat.AgentClose, "", 12},
		{chat.Event{Kind: chat.KindCallback, Text: "transfer:12"}, chat.AgentTransfer, "", 12},
		{chat.Event{Kind: chat.KindCallback, Text: "transfer:12:billing"}, chat.AgentTransfer, "billing", 12},
		{chat.Event{Kind: chat.KindCallback, Text: "resolve:12"}, chat.AgentResolve, "", 12},
		{chat.Event{Kind: chat.KindCallback, Text: "block:12"}, "", "", 0}, // no such button
		{chat.Event{Kind: chat.KindCallback, Text: "transfer:x:billing"}, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.ev.Text, func(t *testing.T) {
			cmd, text, id := parseAgentEvent(tt.ev)
			if cmd != tt.cmd || text != tt.text || id != tt.id {
				t.Errorf("parseAgentEvent = %q %q %d, want %q %q %d", cmd, text, id, tt.cmd, tt.text, tt.id)
			}
		})
	}
}

// A mistyped command is answered with the one it most likely meant; a
// short word is not taken for /s, and a word far from every command gets
// no guess.
func TestNearCommand(t *testing.T) {
	for typed, want := range map[string]string{
		"reslove":  "resolve",
		"clam":     "claim",
		"tranfser": "transfer",
		"histroy":  "history",
		"ok":       "",
		"hi":       "",
		"x":        "",
		"weather":  "",
		"sss":      "",
	} {
		if got := nearCommand(typed); got != want {
			t.Errorf("nearCommand(%q) = %q, want %q", typed, got, want)
		}
	}
}
