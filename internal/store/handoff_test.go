package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// handOff processes an event whose plan hands the conversation to people.
func handOff(t *testing.T, s *Store, id string, at time.Time) {
	t.Helper()
	mustAccept(t, s, event(id, "10", "I want a human"))
	ie := claimOne(t, s, at)
	err := s.ProcessEvent(context.Background(), ie, at, 24*time.Hour, func(chat.State) (chat.Plan, error) {
		h := chat.Action{Type: chat.ActionHandoff, Rule: "human", Priority: "high", Team: "support"}
		return chat.Plan{Outcome: chat.OutcomeHandedOff, Handoff: &h, HandoffDue: at.Add(time.Hour)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func conversationOf(t *testing.T, s *Store, chatID string) int64 {
	t.Helper()
	var id int64
	if err := s.readGet(context.Background(), &id, `SELECT id FROM conversations WHERE chat_id = ? AND closed_at IS NULL`, chatID); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestHandoffLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		handOff(t, s, "2", t0.Add(time.Minute)) // asking again joins the same handoff
		if n := countRows(t, s, "handoffs"); n != 1 {
			t.Fatalf("handoffs = %d, want 1 for one conversation", n)
		}
		conv := conversationOf(t, s, "10")
		h, err := s.OpenHandoff(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		if h.State != chat.HandoffWaiting || h.Priority != "high" || h.Team != "support" || !h.DueAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("handoff = %+v", h)
		}
		alice, bob := chat.Agent{ID: "telegram:1", Name: "alice"}, chat.Agent{ID: "telegram:2", Name: "bob"}
		ok, owner, err := s.ClaimHandoff(ctx, h.ID, alice, t0.Add(2*time.Minute))
		if err != nil || !ok || owner != alice {
			t.Fatalf("claim: ok=%v owner=%q err=%v", ok, owner, err)
		}
		ok, owner, err = s.ClaimHandoff(ctx, h.ID, bob, t0.Add(3*time.Minute))
		if err != nil || ok || owner != alice {
			t.Fatalf("second claim: ok=%v owner=%q err=%v, want refused with alice as owner", ok, owner, err)
		}
		open, err := s.OpenHandoffs(ctx, 10)
		if err != nil || len(open) != 1 || open[0].ID != h.ID || open[0].State != chat.HandoffClaimed || open[0].ClaimedBy != "alice" || open[0].ClaimedByID != "telegram:1" ||
			open[0].ChatID != "10" || open[0].Platform != "telegram" || open[0].ClaimedAt == nil || !open[0].DueAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("open handoffs %+v, %v", open, err)
		}
		if err := s.CloseHandoff(ctx, h.ID, chat.HandoffResolved, t0.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if open, err := s.OpenHandoffs(ctx, 10); err != nil || len(open) != 0 {
			t.Fatalf("after resolving, open handoffs %+v, %v", open, err)
		}
		if _, err := s.OpenHandoff(ctx, conv); !errors.Is(err, ErrNoOpenHandoff) {
			t.Fatalf("after resolving: err = %v, want ErrNoOpenHandoff", err)
		}
		if err := s.CloseHandoff(ctx, h.ID, chat.HandoffResolved, t0.Add(11*time.Minute)); !errors.Is(err, ErrNoOpenHandoff) {
			t.Fatalf("closing twice: err = %v, want ErrNoOpenHandoff", err)
		}
		// The conversation is the bot's again.
		mustAccept(t, s, event("3", "10", "refund?"))
		var st chat.State
		if err := s.ProcessEvent(ctx, claimOne(t, s, t0.Add(12*time.Minute)), t0.Add(12*time.Minute), 24*time.Hour,
			func(got chat.State) (chat.Plan, error) { st = got; return chat.Plan{}, nil }); err != nil {
			t.Fatal(err)
		}
		if st.Conversation.Status != chat.StatusBot {
			t.Errorf("after resolving, status = %s, want bot", st.Conversation.Status)
		}
	})
}

func TestConcurrentClaimsHaveOneOwner(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		h, err := s.OpenHandoff(ctx, conversationOf(t, s, "10"))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		type result struct {
			agent, owner chat.Agent
			ok           bool
		}
		results := make(chan result, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				agent := chat.Agent{ID: fmt.Sprint("telegram:", i), Name: "agent"} // one name: only accounts tell them apart
				ok, owner, err := s.ClaimHandoff(ctx, h.ID, agent, t0)
				if err != nil {
					t.Error(err)
				}
				results <- result{agent, owner, ok}
			}()
		}
		wg.Wait()
		close(results)
		winners, owners := 0, map[chat.Agent]bool{}
		for r := range results {
			if r.ok {
				winners++
			}
			owners[r.owner] = true
		}
		if winners != 1 || len(owners) != 1 {
			t.Fatalf("%d claims succeeded and %d owners were named; want one owner, named to everyone", winners, len(owners))
		}
	})
}

// TestAgentReplyToAnUnrecordedMessageWaits: an agent answering one of the
// bot's messages that is not recorded yet (its sending is still being
// written down) is told "not yet", so the event is tried again rather than
// dropped; after a few seconds it is ordinary chatter.
func TestAgentReplyToAnUnrecordedMessageWaits(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		reply := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "900", Kind: chat.KindText, ChatID: "-100", ChatType: chat.ChatGroup,
			Text: "on it", ReplyTo: "77", ReplyToBot: true, Customer: chat.Customer{ID: "7", Name: "Alice"}}
		mustAccept(t, s, reply)
		ie := claimOne(t, s, t0)
		decide := func(chat.AgentState) (chat.AgentPlan, error) { return chat.AgentPlan{}, nil }
		if _, err := s.ProcessAgentEvent(ctx, ie, 0, ie.ReceivedAt.Add(time.Second), decide); !errors.Is(err, chat.ErrNotYet) {
			t.Fatalf("a fresh reply to an unknown bot message: %v, want ErrNotYet", err)
		}
		found, err := s.ProcessAgentEvent(ctx, ie, 0, ie.ReceivedAt.Add(time.Minute), decide)
		if err != nil || found {
			t.Fatalf("an old one: found %v, %v; want recorded as chatter", found, err)
		}
	})
}

// TestClaimRaceOnPostgres: two agents press "claim" on one handoff at the
// same moment, on two connections as on two replicas. Both read it
// waiting; the one whose write comes second changes no row, so nothing of
// its event is written and it is told chat.ErrConflict; decided again, it
// sees who owns the handoff.
func TestClaimRaceOnPostgres(t *testing.T) {
	s := openPostgresTest(t)
	ctx := context.Background()
	handOff(t, s, "1", t0)
	h, err := s.OpenHandoff(ctx, conversationOf(t, s, "10"))
	if err != nil {
		t.Fatal(err)
	}
	press := func(id, agent string) chat.Event {
		return chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: id, Kind: chat.KindCallback, ChatID: "-100", ChatType: chat.ChatGroup,
			CallbackID: "cb" + id, Text: fmt.Sprintf("claim:%d", h.ID), Customer: chat.Customer{ID: agent, Name: agent}, Time: t0}
	}
	mustAccept(t, s, press("2", "alice"), press("3", "bob"))
	evs, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, chat.SetAside{})
	if err != nil || len(evs) != 2 {
		t.Fatalf("claimed %d events, %v", len(evs), err)
	}
	var read sync.WaitGroup
	read.Add(2)
	errs := make([]error, 2)
	var done sync.WaitGroup
	for i, ie := range evs {
		done.Add(1)
		go func() {
			defer done.Done()
			_, errs[i] = s.ProcessAgentEvent(ctx, ie, h.ID, t0, func(st chat.AgentState) (chat.AgentPlan, error) {
				read.Done()
				read.Wait() // both have read the handoff waiting
				return chat.AgentPlan{Command: chat.AgentClaim, Claim: true, Agent: chat.Agent{ID: ie.Customer.ID, Name: ie.Customer.Name}}, nil
			})
		}()
	}
	done.Wait()
	lost := -1
	for i, err := range errs {
		switch {
		case errors.Is(err, chat.ErrConflict):
			lost = i
		case err != nil:
			t.Fatalf("claim by %s: %v", evs[i].Customer.Name, err)
		}
	}
	if lost < 0 {
		t.Fatalf("both claims succeeded: %v", errs)
	}
	winner := chat.Agent{ID: evs[1-lost].Customer.ID, Name: evs[1-lost].Customer.Name}
	var seen chat.OpenHandoff
	if _, err := s.ProcessAgentEvent(ctx, evs[lost], h.ID, t0, func(st chat.AgentState) (chat.AgentPlan, error) {
		seen = st.Handoff
		return chat.AgentPlan{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen.State != chat.HandoffClaimed || seen.ClaimedBy != winner {
		t.Fatalf("decided again, the loser sees %+v; want it claimed by %s", seen, winner)
	}
}

// TestIdleHandoffsAndTheirClose: the idle timer reads a claimed handoff
// with its state (what the lifecycle table decides on); a close decided on
// a reading that changed since closes nothing, the current one closes it
// and gives the conversation back to the bot.
func TestIdleHandoffsAndTheirClose(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		conv := conversationOf(t, s, "10")
		h, err := s.OpenHandoff(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := s.ClaimHandoff(ctx, h.ID, chat.Agent{ID: "telegram:1", Name: "alice"}, t0.Add(time.Minute)); err != nil || !ok {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		idle, err := s.IdleHandoffs(ctx, t0.Add(time.Hour), 10)
		if err != nil || len(idle) != 1 || idle[0].ID != h.ID || idle[0].State != chat.HandoffClaimed || idle[0].ClaimedBy != (chat.Agent{ID: "telegram:1", Name: "alice"}) || idle[0].ConversationKey == "" {
			t.Fatalf("idle handoffs %+v, %v", idle, err)
		}
		stale := idle[0]
		stale.LastActivity = stale.LastActivity.Add(-time.Second)
		if closed, err := s.CloseIdleHandoff(ctx, stale, nil, t0.Add(time.Hour)); err != nil || closed {
			t.Fatalf("closing on a changed reading: closed=%v, %v", closed, err)
		}
		if closed, err := s.CloseIdleHandoff(ctx, idle[0], nil, t0.Add(time.Hour)); err != nil || !closed {
			t.Fatalf("closing: closed=%v, %v", closed, err)
		}
		if _, err := s.OpenHandoff(ctx, conv); !errors.Is(err, ErrNoOpenHandoff) {
			t.Fatalf("after the timeout: err = %v, want ErrNoOpenHandoff", err)
		}
		if idle, err := s.IdleHandoffs(ctx, t0.Add(2*time.Hour), 10); err != nil || len(idle) != 0 {
			t.Fatalf("after the timeout, idle handoffs %+v, %v", idle, err)
		}
	})
}
