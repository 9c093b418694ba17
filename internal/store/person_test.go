package store

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestAPersonsWordOutlivesTheIdlePeriod: when a person of the brand wrote
// in a chat in person is kept with the conversation, read back into the
// next snapshots, and carried into the conversation the customer's next
// message opens after the idle period; the person's message is the
// brand's (out), not the customer's.
func TestAPersonsWordOutlivesTheIdlePeriod(t *testing.T) {
	const idle = 24 * time.Hour
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// step accepts ev, claims and loads it at at, applies what plan
		// makes of it, and returns the snapshot it was decided on.
		step := func(ev chat.Event, at time.Time, plan func(chat.Event) chat.Plan) chat.State {
			t.Helper()
			ev.Time = at
			mustAccept(t, s, ev)
			evs, err := s.ClaimEvents(ctx, "w", at, time.Minute, 10, chat.SetAside{})
			if err != nil || len(evs) != 1 {
				t.Fatalf("claim: %v, %d events", err, len(evs))
			}
			states, err := s.LoadStates(ctx, evs, at, idle)
			if err != nil {
				t.Fatal(err)
			}
			results, err := s.Apply(ctx, []chat.Effects{{Event: evs[0], Basis: states[0], Plan: plan(evs[0].Event)}}, at)
			if err != nil || results[0] != nil {
				t.Fatalf("apply: %v %v", err, results)
			}
			return states[0]
		}
		answered := func(ev chat.Event) chat.Plan { return replyPlan(ev, "content/"+ev.Text, ev.Time) }
		person := func(ev chat.Event) chat.Plan {
			plan := chat.Plan{Outcome: chat.OutcomeRecorded, PersonAt: ev.Time}
			plan.Place(ev)
			return plan
		}
		personReply := func(id, text string) chat.Event {
			ev := event(id, "7", text)
			ev.Kind = chat.KindPersonReply
			return ev
		}

		if st := step(event("1", "7", "where is my order?"), t0, answered); !st.Conversation.PersonAt.IsZero() {
			t.Fatalf("a new chat's snapshot says a person wrote at %v", st.Conversation.PersonAt)
		}
		said := t0.Add(time.Hour)
		step(personReply("2", "I'll look into it myself"), said, person)
		st := step(event("3", "7", "thanks"), said.Add(time.Minute), answered)
		if st.Conversation.New || !st.Conversation.PersonAt.Equal(said) {
			t.Fatalf("after the person wrote: new %v, person at %v; want the open conversation, %v", st.Conversation.New, st.Conversation.PersonAt, said)
		}

		// Long after: the person writes in the idle conversation, and the
		// customer's answer opens a new one that still knows it.
		late := said.Add(2 * idle)
		step(personReply("4", "Is everything all right with the order?"), late, person)
		st = step(event("5", "7", "yes, it came"), late.Add(time.Minute), answered)
		if !st.Conversation.New || !st.Conversation.PersonAt.Equal(late) {
			t.Fatalf("after the idle period: new %v, person at %v; want a new conversation, %v", st.Conversation.New, st.Conversation.PersonAt, late)
		}
		st = step(event("6", "7", "one more question"), late.Add(2*time.Minute), answered)
		if st.Conversation.New || !st.Conversation.PersonAt.Equal(late) {
			t.Fatalf("in the new conversation: new %v, person at %v; want %v", st.Conversation.New, st.Conversation.PersonAt, late)
		}

		var dirs []string
		if err := s.readSel(ctx, &dirs, `SELECT direction FROM messages WHERE kind = ? ORDER BY id`, string(chat.KindPersonReply)); err != nil {
			t.Fatal(err)
		}
		if len(dirs) != 2 || dirs[0] != "out" || dirs[1] != "out" {
			t.Errorf("the person's messages are kept as %v, want two out", dirs)
		}
	})
}
