package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestEventsWaitBehindTheirConversation: an event accepted while an
// earlier one of its conversation is pending and unclaimed is marked
// waiting, so claims do not walk it; finishing the earlier one (done, or set aside as
// failing) lets it go in the same transaction, and one whose predecessor
// left the queue any other way goes at the next look (unparkEvery).
func TestEventsWaitBehindTheirConversation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ids := map[string]int64{}
		accept := func(id, chatID string) {
			t.Helper()
			mustAccept(t, s, event(id, chatID, "hi"))
			var got int64
			if err := s.r.GetContext(ctx, &got, s.pg(`SELECT id FROM inbox WHERE external_id = ?`), id); err != nil {
				t.Fatal(err)
			}
			ids[id] = got
		}
		waits := func(id string) bool {
			t.Helper()
			var w int
			if err := s.r.GetContext(ctx, &w, s.pg(`SELECT waits FROM inbox WHERE id = ?`), ids[id]); err != nil {
				t.Fatal(err)
			}
			return w == 1
		}
		claim := func(at time.Time) []string {
			t.Helper()
			got, err := s.ClaimEvents(ctx, "w", at, time.Minute, 10, chat.SetAside{})
			if err != nil {
				t.Fatal(err)
			}
			return externalIDs(got)
		}

		accept("1", "a")
		accept("2", "a")
		accept("3", "b")
		accept("4", "a")
		for id, want := range map[string]bool{"1": false, "2": true, "3": false, "4": true} {
			if waits(id) != want {
				t.Errorf("event %s waits %v, want %v", id, !want, want)
			}
		}
		if got := claim(t0); !slices.Equal(got, []string{"1", "3"}) {
			t.Fatalf("claimed %v, want the first of each conversation: [1 3]", got)
		}
		// Behind an event that is claimed, and may be finishing on another
		// replica unseen, an event is not marked; the claim still keeps it
		// behind.
		accept("7", "b")
		if waits("7") {
			t.Error("event 7 waits behind claimed event 3, want it walked instead")
		}
		if got := claim(t0); len(got) != 0 {
			t.Fatalf("claimed %v while events 1 and 3 are claimed, want nothing", got)
		}
		finish(t, s, chat.InboxEvent{ID: ids["1"], ReceivedAt: t0, Attempts: 1, Event: event("1", "a", "hi")})
		if waits("2") {
			t.Error("event 2 still waits once event 1 is done")
		}
		if got := claim(t0); !slices.Equal(got, []string{"2"}) {
			t.Fatalf("after event 1 was done, claimed %v, want [2] at once", got)
		}
		// Event 2 fails its last attempt: set aside, and event 4 goes on.
		if err := s.RetryEvent(ctx, ids["2"], t0, "boom", 1); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0); !slices.Equal(got, []string{"4"}) {
			t.Fatalf("after event 2 was set aside, claimed %v, want [4] at once", got)
		}

		// An event that leaves the queue any other way (here by hand)
		// lets the next go at the next look, and not sooner (the claims
		// above looked at t0).
		accept("5", "c")
		accept("6", "c")
		if _, err := s.w.ExecContext(ctx, s.pg(`UPDATE inbox SET state = 'failed' WHERE id = ?`), ids["5"]); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0.Add(unparkEvery - time.Millisecond)); len(got) != 0 {
			t.Fatalf("claimed %v before the next look, want nothing yet", got)
		}
		if got := claim(t0.Add(unparkEvery)); !slices.Equal(got, []string{"6"}) {
			t.Fatalf("at the next look claimed %v, want [6]", got)
		}

		// Requeued by an operator, a failed event is first in line again
		// and claimed, though it waited when it was accepted.
		if _, err := s.RetryFailedEvents(ctx, []int64{ids["2"]}, t0); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0.Add(markRecountEvery)); !slices.Contains(got, "2") {
			t.Fatalf("after the retry claimed %v, want event 2 among them", got)
		}
	})
}

// TestAnEventLetGoByTheLookIsClaimedAtOnce: claims start from a mark,
// the first event first in line. An event the look over stuck lines lets
// go may sit below it (its predecessor left the queue by hand, and the
// mark moved on past it): the same claim takes it, not the recount half a
// minute later.
func TestAnEventLetGoByTheLookIsClaimedAtOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "a", "hi"), event("2", "a", "hi again"), event("3", "b", "hello"))
		if _, err := s.w.ExecContext(ctx, s.pg(`UPDATE inbox SET state = 'failed' WHERE external_id = '1'`)); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, chat.SetAside{})
		if err != nil {
			t.Fatal(err)
		}
		if ids := externalIDs(got); !slices.Equal(ids, []string{"2", "3"}) {
			t.Fatalf("claimed %v, want event 2, let go by the look, with event 3: [2 3]", ids)
		}
	})
}

// TestAnIdleLookOverWaitingEventsOnlyReads: the look over waiting events
// costs a claim no write of its own when nothing is stuck, so idle polls
// stay one write transaction each.
func TestAnIdleLookOverWaitingEventsOnlyReads(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "a", "hi"), event("2", "a", "hi again"))
		if got, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, chat.SetAside{}); err != nil || len(got) != 1 {
			t.Fatalf("claim: %+v, %v", got, err)
		}
		before := s.Work().Commits
		for i := 1; i <= 3; i++ {
			// Event 2 waits behind event 1, which is claimed: nothing to do.
			if got, err := s.ClaimEvents(ctx, "w", t0.Add(time.Duration(i)*unparkEvery), time.Minute, 10, chat.SetAside{}); err != nil || len(got) != 0 {
				t.Fatalf("claim %d: %+v, %v", i, got, err)
			}
		}
		if got := s.Work().Commits - before; got != 3 {
			t.Errorf("three claims with a look each committed %d transactions, want 3", got)
		}
	})
}

// TestSetAsideAndAgentEventsLetTheNextGo: the other two ways an event
// leaves the queue let its conversation's next event go at once, without
// waiting for the look: a claim that sets aside an event tried too often,
// and an agent's event done in the team chat.
func TestSetAsideAndAgentEventsLetTheNextGo(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		aside := chat.SetAside{Attempts: 1, Cause: "crashed the worker"}
		mustAccept(t, s, event("1", "a", "hi"), event("2", "a", "hi again"))
		if got, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, aside); err != nil || !slices.Equal(externalIDs(got), []string{"1"}) {
			t.Fatalf("first claim: %v, %v; want [1]", externalIDs(got), err)
		}
		// The lease ran out without event 1 being finished: the next claim
		// sets it aside, and the one after it (at the same moment, with no
		// look due) finds event 2.
		later := t0.Add(2 * time.Minute)
		if got, err := s.ClaimEvents(ctx, "w", later, time.Minute, 10, aside); err != nil || len(got) != 0 {
			t.Fatalf("claim that sets event 1 aside: %v, %v; want nothing handed out", externalIDs(got), err)
		}
		if got, err := s.ClaimEvents(ctx, "w", later, time.Minute, 10, aside); err != nil || !slices.Equal(externalIDs(got), []string{"2"}) {
			t.Fatalf("after event 1 was set aside claimed %v, %v; want [2] at once", externalIDs(got), err)
		}

		mustAccept(t, s, teamMessage("a1", "7", "Ann"), teamMessage("a2", "7", "Ann"))
		first, err := s.ClaimEvents(ctx, "w", later, time.Minute, 10, chat.SetAside{})
		if err != nil || !slices.Equal(externalIDs(first), []string{"a1"}) {
			t.Fatalf("claimed %v, %v; want the team chat's first message [a1]", externalIDs(first), err)
		}
		note := chat.AgentPlan{Command: chat.AgentNote, Agent: chat.Agent{ID: "telegram:7", Name: "Ann"}}
		st, _, err := s.LoadAgentState(ctx, first[0], 0, later)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ApplyAgent(ctx, first[0], st, note, later); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimEvents(ctx, "w", later, time.Minute, 10, chat.SetAside{}); err != nil || !slices.Equal(externalIDs(got), []string{"a2"}) {
			t.Fatalf("after a1 was done claimed %v, %v; want [a2] at once", externalIDs(got), err)
		}
	})
}
