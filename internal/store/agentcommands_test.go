package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// agentCommand applies an agent's command (decided by plan from what was
// read) on handoff handoffID, through the path the pipeline takes.
func agentCommand(t *testing.T, s *Store, id string, handoffID int64, at time.Time, plan func(chat.AgentState) chat.AgentPlan) (chat.AgentState, error) {
	t.Helper()
	mustAccept(t, s, teamMessage(id, "7", "Ann"))
	ie := claimOne(t, s, at)
	st, _, err := s.LoadAgentState(context.Background(), ie, handoffID, at)
	if err != nil {
		t.Fatal(err)
	}
	return st, s.ApplyAgent(context.Background(), ie, st, plan(st), at)
}

// TestAgentCommandWrites: the store writes what the team-chat commands of
// issue 19 decided, on the handoff as read (a changed one is a conflict):
// a timed close that fires unless the customer wrote, a transfer, the
// priority, tags, a block, a reopen and who acted in a team's chat.
func TestAgentCommandWrites(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ann := chat.Agent{ID: "telegram:7", Name: "Ann"}
		handOff(t, s, "1", t0)
		conv := conversationOf(t, s, "10")
		h, err := s.OpenHandoff(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		at := t0.Add(time.Minute)

		// A timed close: read back, listed when due, cancelled by the
		// customer's message (CancelsClose), then set again and fired.
		st, err := agentCommand(t, s, "a1", h.ID, at, func(chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentClose, Agent: ann, ClosesAt: at.Add(10 * time.Minute), AgentTeam: "support"}
		})
		if err != nil || st.Handoff.State != chat.HandoffWaiting {
			t.Fatalf("timed close: %v, read %+v", err, st.Handoff)
		}
		if due, err := s.DueCloses(ctx, at.Add(5*time.Minute), 10); err != nil || len(due) != 0 {
			t.Fatalf("before its time: %+v, %v", due, err)
		}
		mustAccept(t, s, event("2", "10", "one more thing"))
		ie := claimOne(t, s, at.Add(2*time.Minute))
		err = s.ProcessEvent(ctx, ie, at.Add(2*time.Minute), 24*time.Hour, func(st chat.State) (chat.Plan, error) {
			if h := st.Conversation.Handoff; h == nil || !h.ClosesAt.Equal(at.Add(10*time.Minute)) {
				t.Errorf("the snapshot's handoff %+v lacks the pending close", h)
			}
			return chat.Plan{Outcome: chat.OutcomeUnanswered, CancelsClose: true}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if due, err := s.DueCloses(ctx, at.Add(time.Hour), 10); err != nil || len(due) != 0 {
			t.Fatalf("after the customer wrote: %+v, %v", due, err)
		}
		if _, err := agentCommand(t, s, "a2", h.ID, at, func(chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentClose, Agent: ann, ClosesAt: at.Add(20 * time.Minute)}
		}); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueCloses(ctx, at.Add(time.Hour), 10)
		if err != nil || len(due) != 1 || due[0].ID != h.ID || due[0].Priority != "high" || !due[0].ClosesAt.Equal(at.Add(20*time.Minute)) {
			t.Fatalf("due closes %+v, %v", due, err)
		}
		stale := due[0]
		stale.ClosesAt = stale.ClosesAt.Add(-time.Second)
		if closed, err := s.CloseTimed(ctx, stale, nil, chat.AgentState{}, nil, at.Add(time.Hour)); err != nil || closed {
			t.Fatalf("closing on a changed reading: %v, %v", closed, err)
		}
		if closed, err := s.CloseTimed(ctx, due[0], nil, chat.AgentState{}, nil, at.Add(time.Hour)); err != nil || !closed {
			t.Fatalf("closing: %v, %v", closed, err)
		}
		if _, err := s.OpenHandoff(ctx, conv); !errors.Is(err, ErrNoOpenHandoff) {
			t.Fatalf("after the timed close: %v", err)
		}

		// Closed: tagged, blocked and reopened by Ann, who owns it then.
		st, err = agentCommand(t, s, "a3", h.ID, at, func(st chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentTag, Agent: ann, Tags: []string{"refund", "vip"}}
		})
		if err != nil || st.Closed.ID != h.ID || st.Handoff.State != "" || st.CustomerID == 0 {
			t.Fatalf("tag a closed handoff: %v, read %+v", err, st)
		}
		if _, err := agentCommand(t, s, "a4", h.ID, at, func(st chat.AgentState) chat.AgentPlan {
			if !slices.Equal(st.Tags, []string{"refund", "vip"}) {
				t.Errorf("tags read %q", st.Tags)
			}
			return chat.AgentPlan{Command: chat.AgentBlock, Agent: ann}
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := agentCommand(t, s, "a6", h.ID, at, func(chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentReopen, Agent: ann, Claim: true, AgentTeam: "support"}
		}); err != nil {
			t.Fatal(err)
		}
		open, err := s.OpenHandoff(ctx, conv)
		if err != nil || open.ID != h.ID || open.State != chat.HandoffClaimed || open.ClaimedByID != ann.ID {
			t.Fatalf("reopened: %+v, %v", open, err)
		}
		states, err := s.LoadStates(ctx, []chat.InboxEvent{{Event: event("3", "10", "hi")}}, at, 24*time.Hour)
		if err != nil || !states[0].Customer.BlockedByTeam {
			t.Fatalf("the customer's snapshot: %+v, %v", states, err)
		}

		// Transferred to billing, waiting with a new due time; the
		// priority set; then to an agent billing knows.
		if _, err := agentCommand(t, s, "a7", h.ID, at, func(st chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentTransfer, Agent: ann, Team: "billing", DueAt: at.Add(4 * time.Hour)}
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := agentCommand(t, s, "a8", h.ID, at, func(st chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentPriority, Agent: ann, Priority: chat.PriorityLow, DueAt: at.Add(24 * time.Hour), StepsDone: 1}
		}); err != nil {
			t.Fatal(err)
		}
		open, err = s.OpenHandoff(ctx, conv)
		if err != nil || open.Team != "billing" || open.State != chat.HandoffWaiting || open.Priority != "low" || open.StepsDone != 1 ||
			!open.DueAt.Equal(at.Add(24*time.Hour)) {
			t.Fatalf("after transfer and priority: %+v, %v", open, err)
		}
		if got, ok, err := s.TeamAgent(ctx, "support", "ann"); err != nil || !ok || got != ann {
			t.Fatalf("support's Ann: %+v %v %v", got, ok, err)
		}
		if _, ok, err := s.TeamAgent(ctx, "billing", "ann"); err != nil || ok {
			t.Fatalf("billing does not know Ann: %v %v", ok, err)
		}
		bob := chat.Agent{ID: "telegram:8", Name: "Bob"}
		if _, err := agentCommand(t, s, "a9", h.ID, at, func(st chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentTransfer, Agent: ann, Assign: bob}
		}); err != nil {
			t.Fatal(err)
		}
		if open, err = s.OpenHandoff(ctx, conv); err != nil || open.State != chat.HandoffClaimed || open.ClaimedByID != bob.ID || open.ClaimedBy != "Bob" {
			t.Fatalf("after the transfer to Bob: %+v, %v", open, err)
		}
		// Decided on a reading that no longer holds: nothing is written.
		if _, err := agentCommand(t, s, "a10", h.ID, at, func(st chat.AgentState) chat.AgentPlan {
			if !st.CustomerBlocked {
				t.Error("the block was not read back")
			}
			return chat.AgentPlan{Command: chat.AgentBlock, Agent: ann}
		}); !errors.Is(err, chat.ErrConflict) {
			t.Fatalf("blocking twice: %v, want a conflict", err)
		}
	})
}
