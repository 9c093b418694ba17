package store

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

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

// TestAPersonTakesAWaitingHandoff: a plan that takes the handoff in person
// claims a waiting one for chat.InPerson (no account), and leaves one an
// agent claimed meanwhile with that agent.
func TestAPersonTakesAWaitingHandoff(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		inPerson := func(id string, at time.Time) {
			t.Helper()
			ev := event(id, "10", "on it")
			ev.Kind = chat.KindPersonReply
			mustAccept(t, s, ev)
			ie := claimOne(t, s, at)
			if err := s.ProcessEvent(ctx, ie, at, 24*time.Hour, func(st chat.State) (chat.Plan, error) {
				if st.Conversation.Handoff == nil {
					t.Fatal("no open handoff in the snapshot")
				}
				return chat.Plan{Outcome: chat.OutcomeRecorded, PersonAt: at, ClaimInPerson: true}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		handOff(t, s, "1", t0)
		inPerson("2", t0.Add(time.Minute))
		h, err := s.OpenHandoff(ctx, conversationOf(t, s, "10"))
		if err != nil {
			t.Fatal(err)
		}
		if h.State != chat.HandoffClaimed || h.ClaimedBy != chat.InPerson.Name || h.ClaimedByID != "" {
			t.Fatalf("after the person answered: %+v, want claimed by %q with no account", h, chat.InPerson.Name)
		}
		alice := chat.Agent{ID: "telegram:1", Name: "alice"}
		if err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			_, err := s.exec(ctx, tx, `UPDATE handoffs SET claimed_by = ?, claimed_by_id = ? WHERE id = ?`, alice.Name, alice.ID, h.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		inPerson("3", t0.Add(2*time.Minute))
		if h, err = s.OpenHandoff(ctx, conversationOf(t, s, "10")); err != nil || h.ClaimedByID != alice.ID {
			t.Fatalf("a handoff alice claimed, after the person answered again: %+v, %v; want alice's", h, err)
		}
	})
}
