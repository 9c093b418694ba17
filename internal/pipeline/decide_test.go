package pipeline

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Deciding is pure: these tables feed events and snapshots to the
// pipeline's deciding and read the effects, with no database.

var (
	decideNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) // a Wednesday
	support   = Team{Name: "support", Platform: chat.Telegram, Bot: "shop", ChatID: "-100"}
)

func decidingPipeline(actions []chat.Action, incidentThreshold int) *Pipeline {
	return New(Config{Teams: []Team{support}, IncidentThreshold: incidentThreshold},
		nil, fixedDecider(actions), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestDecideCustomerEffects(t *testing.T) {
	complaint := chat.Action{Type: chat.ActionHandoff, Rule: "outage", Text: "A colleague will answer.", Priority: "high", Team: "support"}
	reply := chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "Here is how.", Private: true}
	private := chat.Event{Platform: chat.Telegram, Bot: "shop", Kind: chat.KindText, ChatID: "42", ChatType: chat.ChatPrivate,
		MessageID: "7", Text: "the app is down", Customer: chat.Customer{ID: "42", Name: "Ann"}}
	group := private
	group.Platform, group.ChatID, group.ChatType = chat.Discord, "chan", chat.ChatGroup
	slash := group
	slash.Kind, slash.CallbackID = chat.KindCommand, "interaction-1"
	button := private
	button.Kind, button.CallbackID = chat.KindCallback, "cb-1"
	history := []chat.HistoryEntry{{Direction: "in", Text: "hello"}, {Direction: "out", Text: "Hi Ann"}}
	details := func(recent int) chat.Details {
		return chat.Details{Loaded: true, Context: chat.CustomerContext{Messages: history},
			RecentHandoffs: map[chat.TeamCause]int{{Team: "support", Cause: "outage"}: recent}}
	}
	handedOff := chat.State{Conversation: chat.Conversation{ID: 5, Status: chat.StatusWaitingForHuman,
		Handoff: &chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffClaimed, ClaimedBy: chat.Agent{ID: "telegram:2", Name: "Bob"}}}}
	openIncident := chat.State{Incidents: []chat.Incident{{ID: 3, Team: "support", Cause: "outage", Handoffs: 50, Started: decideNow.Add(-time.Hour)}},
		Details: details(0)}

	tests := []struct {
		name    string
		ev      chat.Event
		st      chat.State
		actions []chat.Action
		check   func(t *testing.T, plan chat.Plan, st chat.State)
	}{
		{"a handoff first asks for the details it needs", private, chat.State{}, []chat.Action{complaint}, func(t *testing.T, plan chat.Plan, st chat.State) {
			if !plan.NeedsDetails(st) {
				t.Fatal("a handoff decided without history must be decided again with it")
			}
		}},
		{"a handoff with details: due time, the team's notice quoting the history", private, chat.State{Details: details(0)}, []chat.Action{complaint}, func(t *testing.T, plan chat.Plan, st chat.State) {
			if plan.NeedsDetails(st) || plan.Handoff == nil || plan.Outcome != chat.OutcomeHandedOff {
				t.Fatalf("plan %+v", plan)
			}
			if want := decideNow.Add(time.Hour); !plan.HandoffDue.Equal(want) {
				t.Errorf("due %v, want %v (high priority: 1 h)", plan.HandoffDue, want)
			}
			if len(plan.Notices) != 1 || plan.Notices[0].ChatID != "-100" || !strings.Contains(plan.Notices[0].Text, "Bot: Hi Ann") {
				t.Errorf("notices %+v, want one to the team chat quoting the history", plan.Notices)
			}
			if len(plan.Sends) != 1 || plan.Sends[0].To.ChatID != "42" || plan.Sends[0].To.ReplyTo != "" {
				t.Errorf("sends %+v, want the customer told in their private chat", plan.Sends)
			}
		}},
		{"the handoff that reaches the threshold opens an incident", private, chat.State{Details: details(2)}, []chat.Action{complaint}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			inc := plan.Incident
			if inc == nil || inc.ID != 0 || inc.Handoffs != 3 || len(plan.Notices) != 0 {
				t.Fatalf("incident %+v, notices %+v; want a new incident counting 3 and no handoff notice", inc, plan.Notices)
			}
		}},
		{"below the threshold a handoff is notified alone", private, chat.State{Details: details(1)}, []chat.Action{complaint}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			if plan.Incident != nil || len(plan.Notices) != 1 {
				t.Fatalf("incident %+v, notices %d; want the handoff's own notice", plan.Incident, len(plan.Notices))
			}
		}},
		{"an open incident of the cause takes the handoff in", private, openIncident, []chat.Action{complaint}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			inc := plan.Incident
			if inc == nil || inc.ID != 3 || inc.Handoffs != 50 || !strings.Contains(inc.Notice.Text, "51 customers") {
				t.Fatalf("incident %+v; want incident 3, decided on 50 handoffs, its notice counting 51", inc)
			}
		}},
		{"while people own it, the customer's message goes to them", private, handedOff, []chat.Action{reply}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			if len(plan.Sends) != 0 || len(plan.Notices) != 1 || !strings.Contains(plan.Notices[0].Text, "Ann: the app is down") {
				t.Fatalf("sends %+v, notices %+v; want no bot reply and the message relayed", plan.Sends, plan.Notices)
			}
			if len(plan.Suppressed) != 1 || plan.Suppressed[0].Reason != chat.ReasonHumanOwnsConversation {
				t.Errorf("suppressed %+v", plan.Suppressed)
			}
		}},
		{"a private answer asked in a Discord channel goes to the customer's DMs", group, chat.State{}, []chat.Action{reply}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			if len(plan.Sends) != 1 || plan.Sends[0].To != (chat.Address{ChatID: chat.DirectMessagePrefix + "42"}) {
				t.Fatalf("sends %+v", plan.Sends)
			}
		}},
		{"in a group a public answer quotes the customer", group, chat.State{}, []chat.Action{{Type: chat.ActionReply, Rule: "faq", Text: "x"}}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			if len(plan.Sends) != 1 || plan.Sends[0].To.ReplyTo != "7" || plan.Sends[0].To.ChatID != "chan" {
				t.Fatalf("sends %+v", plan.Sends)
			}
		}},
		{"a slash command's first answer replaces its thinking", slash, chat.State{}, []chat.Action{{Type: chat.ActionReply, Rule: "faq", Text: "x"}}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			if len(plan.Sends) != 1 || plan.Sends[0].To.CallbackID != "interaction-1" || len(plan.CallbackAnswers) != 0 {
				t.Fatalf("sends %+v, answers %v", plan.Sends, plan.CallbackAnswers)
			}
		}},
		{"a slash command with nothing to say is answered empty", slash, chat.State{}, nil, func(t *testing.T, plan chat.Plan, _ chat.State) {
			if len(plan.CallbackAnswers) != 1 || plan.CallbackAnswers[0].ID != "interaction-1" {
				t.Fatalf("answers %v", plan.CallbackAnswers)
			}
		}},
		{"a Telegram button press is always answered", button, chat.State{}, []chat.Action{{Type: chat.ActionReply, Rule: "faq", Text: "x"}}, func(t *testing.T, plan chat.Plan, _ chat.State) {
			if len(plan.Sends) != 1 || len(plan.CallbackAnswers) != 1 || plan.CallbackAnswers[0].ID != "cb-1" {
				t.Fatalf("sends %+v, answers %v", plan.Sends, plan.CallbackAnswers)
			}
		}},
		{"the guard holds back a reply whose content was just sent", private,
			chat.State{Customer: chat.CustomerState{Reserved: map[string]bool{}}}, []chat.Action{{Type: chat.ActionReply, Rule: "faq", Text: "x"}},
			func(t *testing.T, plan chat.Plan, _ chat.State) {
				if len(plan.Sends) != 1 || len(plan.Sends[0].Reservations) == 0 {
					t.Fatalf("sends %+v, want the reply with the keys that keep it from repeating", plan.Sends)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decidingPipeline(tt.actions, 3)
			plan := p.plan(tt.ev, tt.st, decideNow)
			tt.check(t, plan, tt.st)
		})
	}
}

func TestDecideAgentEffects(t *testing.T) {
	waiting := chat.AgentState{Handoff: chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffWaiting},
		Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: decideNow.Add(-time.Minute), ConversationKey: "telegram/shop/42"}
	claimedByBob := waiting
	ann, bob := chat.Agent{ID: "telegram:1", Name: "Ann"}, chat.Agent{ID: "telegram:2", Name: "Bob"}
	claimedByBob.Handoff.State, claimedByBob.Handoff.ClaimedBy = chat.HandoffClaimed, bob
	stale := waiting
	stale.LastCustomerAt = decideNow.Add(-8 * 24 * time.Hour)
	closed := chat.AgentState{ConversationKey: "telegram/shop/42"}
	press := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Kind: chat.KindCallback, CallbackID: "cb"}
	reply := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Kind: chat.KindText, ReplyTo: "77"}

	tests := []struct {
		name     string
		st       chat.AgentState
		ev       chat.Event
		cmd      chat.AgentCommand
		agent    chat.Agent
		wantCmd  chat.AgentCommand // what is applied; "" when refused
		wantSays string            // part of what the team chat or the button is told
	}{
		{"the first answer claims and goes to the customer", waiting, reply, chat.AgentRelay, ann, chat.AgentRelay, "Ann answered and owns this conversation"},
		{"the owner answers", claimedByBob, reply, chat.AgentRelay, bob, chat.AgentRelay, ""},
		{"someone else may not answer a claimed conversation", claimedByBob, reply, chat.AgentRelay, ann, "", "Bob owns this conversation"},
		{"a claim of a waiting handoff", waiting, press, chat.AgentClaim, ann, chat.AgentClaim, "Ann owns this conversation"},
		{"a claim that lost is told who won", claimedByBob, press, chat.AgentClaim, ann, "", "Already claimed by Bob"},
		{"resolve", claimedByBob, press, chat.AgentResolve, bob, chat.AgentResolve, "Resolved by Bob"},
		{"back to the bot", claimedByBob, press, chat.AgentBot, bob, chat.AgentBot, "gave the conversation back to the bot"},
		{"past the platform's window nothing is sent", stale, reply, chat.AgentRelay, ann, "", "too old"},
		{"a closed conversation is not written to", closed, reply, chat.AgentRelay, ann, "", "this conversation is closed"},
		{"a closed conversation cannot be claimed", closed, press, chat.AgentClaim, ann, "", "already closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decidingPipeline(nil, 3)
			plan := p.agentPlan(tt.st, tt.cmd, tt.agent, "hello", tt.ev, decideNow)
			if plan.Command != tt.wantCmd {
				t.Errorf("command %q, want %q", plan.Command, tt.wantCmd)
			}
			told := plan.CallbackAnswer
			for _, n := range plan.Notices {
				told += "\n" + n.Text
			}
			if tt.wantSays != "" && !strings.Contains(told, tt.wantSays) {
				t.Errorf("told %q, want it to say %q", told, tt.wantSays)
			}
		})
	}
}

// TestAgentsActOnlyOnTheirTeamsHandoffs: an agent in another team's chat
// can neither claim nor answer a handoff, and is told why there; a
// supervisor team can; escalation chats count as the team's own.
func TestAgentsActOnlyOnTheirTeamsHandoffs(t *testing.T) {
	escalated := support
	escalated.Escalation = []string{"-150"}
	billing := Team{Name: "billing", Platform: chat.Telegram, Bot: "shop", ChatID: "-200"}
	st := chat.AgentState{Handoff: chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffWaiting},
		Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: decideNow.Add(-time.Minute)}
	from := func(chatID string) chat.Event {
		return chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: chatID, Kind: chat.KindCallback, CallbackID: "cb"}
	}
	tests := []struct {
		name        string
		supervisors []string
		chat        string
		cmd         chat.AgentCommand
		allowed     bool
	}{
		{"the team's own chat", nil, "-100", chat.AgentClaim, true},
		{"the team's escalation chat", nil, "-150", chat.AgentClaim, true},
		{"another team's chat may not claim", nil, "-200", chat.AgentClaim, false},
		{"another team's chat may not answer", nil, "-200", chat.AgentRelay, false},
		{"another team's chat may not resolve", nil, "-200", chat.AgentResolve, false},
		{"a supervisor team may", []string{"billing"}, "-200", chat.AgentClaim, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(Config{Teams: []Team{escalated, billing}, Supervisors: tt.supervisors}, nil, fixedDecider(nil), nil, nil,
				slog.New(slog.NewTextHandler(io.Discard, nil)))
			plan := p.agentPlan(st, tt.cmd, chat.Agent{ID: "telegram:1", Name: "Ann"}, "hello", from(tt.chat), decideNow)
			if got := plan.Command == tt.cmd; got != tt.allowed {
				t.Fatalf("command %q, allowed %v; want allowed %v", plan.Command, got, tt.allowed)
			}
			if !tt.allowed {
				if !strings.Contains(plan.CallbackAnswer, "belongs to team support") || len(plan.Notices) != 1 || plan.Notices[0].ChatID != tt.chat {
					t.Errorf("refusal %q, notices %+v; want the reason told in the chat it came from", plan.CallbackAnswer, plan.Notices)
				}
			}
		})
	}
}

// TestAgentsAreTheirAccounts: who wrote in a team chat is their platform
// account (a bot, which is how Telegram's anonymous admins write, is
// nobody's), the decision says when they become the owner, and a team
// webhook names them by account and name.
func TestAgentsAreTheirAccounts(t *testing.T) {
	hooked := support
	hooked.Webhook = true
	waiting := chat.AgentState{Handoff: chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffWaiting},
		Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: decideNow.Add(-time.Minute)}
	byName := waiting
	byName.Handoff.State, byName.Handoff.ClaimedBy = chat.HandoffClaimed, chat.Agent{Name: "Anna"}
	in := func(p chat.Platform, c chat.Customer) chat.Event {
		return chat.Event{Platform: p, Bot: "shop", ChatID: "-100", Kind: chat.KindText, ReplyTo: "77", Customer: c}
	}
	tests := []struct {
		name      string
		ev        chat.Event
		st        chat.AgentState
		cmd       chat.AgentCommand
		want      chat.Agent
		wantClaim bool
		wantHook  string // part of the webhook's body; "" when none is sent
	}{
		{"a Telegram user answers first and owns it", in(chat.Telegram, chat.Customer{ID: "7", Name: "Anna"}), waiting, chat.AgentRelay,
			chat.Agent{ID: "telegram:7", Name: "Anna"}, true, `"agent":"Anna","agent_id":"telegram:7"`},
		{"a Discord user is their Discord account", in(chat.Discord, chat.Customer{ID: "123", Username: "anna"}), waiting, chat.AgentClaim,
			chat.Agent{ID: "discord:123", Name: "@anna"}, true, `"agent":"@anna","agent_id":"discord:123"`},
		{"answering a claim by name only does not take it over", in(chat.Telegram, chat.Customer{ID: "8", Name: "Bob"}), byName, chat.AgentRelay,
			chat.Agent{ID: "telegram:8", Name: "Bob"}, false, ""},
		{"an anonymous admin is no account, and may not claim", in(chat.Telegram, chat.Customer{ID: "1087968824", Name: "Group", IsBot: true}), waiting, chat.AgentClaim,
			chat.Agent{Name: "Group"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agent := agentOf(tt.ev)
			if agent != tt.want {
				t.Fatalf("agent %+v, want %+v", agent, tt.want)
			}
			team := hooked
			team.Platform = tt.ev.Platform // the team chat is where the agent wrote
			p := New(Config{Teams: []Team{team}}, nil, fixedDecider(nil), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
			plan := p.agentPlan(tt.st, tt.cmd, agent, "hello", tt.ev, decideNow)
			if plan.Agent != tt.want || plan.Claim != tt.wantClaim {
				t.Errorf("plan by %+v, claim %v; want %+v, claim %v", plan.Agent, plan.Claim, tt.want, tt.wantClaim)
			}
			hook := ""
			for _, n := range plan.Notices {
				if n.Platform == chat.Webhook {
					hook = n.Text
				}
			}
			if !strings.Contains(hook, tt.wantHook) || (tt.wantHook == "") != (hook == "") {
				t.Errorf("webhook %q, want it to contain %q", hook, tt.wantHook)
			}
		})
	}
}
