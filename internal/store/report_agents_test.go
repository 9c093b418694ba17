package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestReportAgents: every command an agent applies to a handoff is kept;
// the report counts per account the handoffs each claimed (once each, by
// /claim or answering first) and their transfers, in the period, with the
// name last seen; anonymous agents are left out.
func TestReportAgents(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		conv := conversationOf(t, s, "10")
		h, err := s.OpenHandoff(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		n := 100
		apply := func(agent chat.Agent, cmd chat.AgentCommand, claim bool, at time.Time) {
			t.Helper()
			n++
			ev := teamMessage(fmt.Sprint("team-", n), strings.TrimPrefix(agent.ID, "telegram:"), agent.Name)
			mustAccept(t, s, ev)
			_, err := s.ProcessAgentEvent(ctx, claimOne(t, s, at), h.ID, at, func(chat.AgentState) (chat.AgentPlan, error) {
				return chat.AgentPlan{Command: cmd, Agent: agent, Claim: claim}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		alice, alicia, bob := chat.Agent{ID: "telegram:1", Name: "alice"}, chat.Agent{ID: "telegram:1", Name: "Alicia"}, chat.Agent{ID: "telegram:2", Name: "bob"}
		apply(alice, chat.AgentClaim, true, t0.Add(time.Minute))
		apply(alice, chat.AgentNote, false, t0.Add(2*time.Minute))
		apply(alicia, chat.AgentTransfer, false, t0.Add(3*time.Minute))
		apply(chat.Agent{Name: "anonymous"}, chat.AgentNote, false, t0.Add(4*time.Minute))
		apply(bob, chat.AgentTransfer, false, t0.Add(2*time.Hour)) // after the period
		if got := countRows(t, s, "agent_events"); got != 5 {
			t.Fatalf("agent_events = %d, want 5", got)
		}
		got, err := s.ReportAgents(ctx, t0, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []AgentActivity{{Agent: alicia, Claimed: 1, Transfers: 1}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("activity %+v, want %+v", got, want)
		}
	})
}
