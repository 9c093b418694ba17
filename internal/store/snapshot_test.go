package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestAStateIsReadInTwoRounds: what the second round reads by the ids the
// first found (the customer's recent messages and attributes, the open
// handoff) reaches the snapshot, after what the first round read (the
// guard's keys and count, the conversation); on PostgreSQL the two rounds
// are two round trips.
func TestAStateIsReadInTwoRounds(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs, states := claimBatch(t, s, 2, t0)
		answered := replyPlan(evs[0].Event, "content/a", t0)
		answered.Attrs = []chat.Attr{{Name: "order", Value: "A-17"}}
		handedOff := chat.Plan{Outcome: chat.OutcomeHandedOff,
			Handoff:    &chat.Action{Type: chat.ActionHandoff, Rule: "human", Priority: "high", Team: "support"},
			HandoffDue: t0.Add(time.Hour)}
		handedOff.Place(evs[1].Event)
		if _, err := s.Apply(ctx, []chat.Effects{{Event: evs[0], Basis: states[0], Plan: answered},
			{Event: evs[1], Basis: states[1], Plan: handedOff}}, t0); err != nil {
			t.Fatal(err)
		}
		// The same two customers write again.
		later := t0.Add(time.Minute)
		mustAccept(t, s, event("200", evs[0].ChatID, "and when?"), event("201", evs[1].ChatID, "hello?"))
		next, err := s.ClaimEvents(ctx, "w", later, time.Minute, 2, chat.SetAside{})
		if err != nil || len(next) != 2 {
			t.Fatalf("claim: %v, %d events, want 2", err, len(next))
		}
		before := s.Work().Statements
		got, err := s.LoadStates(ctx, next, later, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.Work().Statements - before; s.postgres && n != 2 {
			t.Errorf("loading the batch's state took %d round trips, want 2", n)
		}
		byChat := map[string]chat.State{}
		for i, ie := range next {
			byChat[ie.ChatID] = got[i]
		}
		first, second := byChat[evs[0].ChatID], byChat[evs[1].ChatID]
		if c := first.Customer; c.New || c.Messages1h != 1 || c.Attrs["order"] != "A-17" || c.SentLastHour != 1 || !c.Reserved["content/a"] {
			t.Errorf("the answered customer's snapshot: %+v, want known, its first message this hour, order A-17, 1 sent, content/a taken", c)
		}
		if c := first.Conversation; c.New || c.ID == 0 || c.Handoff != nil {
			t.Errorf("the answered conversation: %+v, want the one open, no handoff", c)
		}
		if c := second.Conversation; c.Status != chat.StatusWaitingForHuman || c.Handoff == nil || c.Handoff.Team != "support" {
			t.Errorf("the handed-off conversation: %+v, want waiting for support's open handoff", c)
		}
	})
}

// TestTheGuardsCountsOfALargeBatch: scopes go 1,000 to a query, and each
// query's rows reach the snapshot, the first's too (the script keeps
// where each query's rows go until it runs).
func TestTheGuardsCountsOfALargeBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs, states := claimBatch(t, s, 1, t0)
		if _, err := s.Apply(ctx, []chat.Effects{{Event: evs[0], Basis: states[0], Plan: replyPlan(evs[0].Event, "content/a", t0)}}, t0); err != nil {
			t.Fatal(err)
		}
		batch := []chat.InboxEvent{evs[0]}
		for i := range 1000 {
			batch = append(batch, chat.InboxEvent{ID: int64(10_000 + i), Event: event(fmt.Sprint(10_000+i), fmt.Sprint(20_000+i), "hi")})
		}
		got, err := s.LoadStates(ctx, batch, t0.Add(time.Minute), 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if n := got[0].Customer.SentLastHour; n != 1 {
			t.Errorf("the first customer of 1,001 was sent %d messages this hour, want 1", n)
		}
		if n := got[1000].Customer.SentLastHour; n != 0 {
			t.Errorf("the last customer was sent %d, want 0", n)
		}
	})
}
