package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// claimBatch accepts n customers' messages and claims them together, with
// their snapshots.
func claimBatch(t *testing.T, s *Store, n int, at time.Time) ([]chat.InboxEvent, []chat.State) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		mustAccept(t, s, event(fmt.Sprint(100+i), fmt.Sprint(500+i), "where is my order?"))
	}
	evs, err := s.ClaimEvents(ctx, "w", at, time.Minute, n, chat.SetAside{})
	if err != nil || len(evs) != n {
		t.Fatalf("claim: %v, %d of %d events", err, len(evs), n)
	}
	states, err := s.LoadStates(ctx, evs, at, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return evs, states
}

// replyPlan answers an event with one FAQ reply holding one guard key.
func replyPlan(ev chat.Event, key string, at time.Time) chat.Plan {
	plan := chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{
		Action:       chat.Action{Type: chat.ActionReply, Rule: "order", Text: "It is on its way."},
		Reservations: []chat.Reservation{{Key: key, Reason: chat.ReasonDuplicateContent, Expires: at.Add(time.Hour)}},
	}}}
	plan.Place(ev)
	return plan
}

// TestApplyWritesABatchInAFewStatements: forty events cost the same dozen
// statements as four, in one commit; every row each event needs is there.
func TestApplyWritesABatchInAFewStatements(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const n = 40
		evs, states := claimBatch(t, s, n, t0)
		fx := make([]chat.Effects, n)
		for i, ie := range evs {
			fx[i] = chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "content/"+ie.CustomerScope(), t0)}
		}
		before := s.Work()
		results, err := s.Apply(ctx, fx, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range results {
			if r != nil {
				t.Fatalf("event %d: %v", i, r)
			}
		}
		work := s.Work()
		if st, c := work.Statements-before.Statements, work.Commits-before.Commits; st > 14 || c != 1 {
			t.Errorf("%d events took %d statements and %d commits; want at most 14 and 1", n, st, c)
		}
		for table, want := range map[string]int{"customers": n, "conversations": n, "messages": n, "decisions": n,
			"outbox": n, "guard_reservations": n, "decision_actions": n} {
			if got := countRows(t, s, table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
		var pending int
		if err := s.readGet(ctx, &pending, `SELECT COUNT(*) FROM inbox WHERE state = 'pending'`); err != nil || pending != 0 {
			t.Errorf("%d events still pending (%v)", pending, err)
		}
		// Applied again, every event was done already: nothing is written twice.
		results, err = s.Apply(ctx, fx, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range results {
			if !errors.Is(r, chat.ErrAlreadyDone) {
				t.Fatalf("event %d applied twice: %v", i, r)
			}
		}
		if got := countRows(t, s, "outbox"); got != n {
			t.Errorf("outbox: %d rows after applying twice, want %d", got, n)
		}
	})
}

// TestApplyReportsConflictsAsValues: an event whose conversation changed
// after its snapshot was read (an agent resolved it) is not written and
// comes back as chat.ErrConflict, still pending, to be decided again; the
// rest of its batch is written.
func TestApplyReportsConflictsAsValues(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// Two conversations exist already; a second message each is claimed.
		evs, states := claimBatch(t, s, 2, t0)
		var fx []chat.Effects
		for i, ie := range evs {
			fx = append(fx, chat.Effects{Event: ie, Basis: states[i], Plan: chat.Plan{Outcome: chat.OutcomeUnanswered}})
		}
		if _, err := s.Apply(ctx, fx, t0); err != nil {
			t.Fatal(err)
		}
		mustAccept(t, s, event("200", "500", "and now?"), event("201", "501", "and now?"))
		later := t0.Add(time.Minute)
		evs, err := s.ClaimEvents(ctx, "w", later, time.Minute, 2, chat.SetAside{})
		if err != nil || len(evs) != 2 {
			t.Fatalf("claim: %v, %d", err, len(evs))
		}
		states, err = s.LoadStates(ctx, evs, later, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// Meanwhile the first conversation was handed to people.
		if _, err := s.w.Exec(s.w.Rebind(`UPDATE conversations SET status = 'waiting_for_human' WHERE chat_id = '500'`)); err != nil {
			t.Fatal(err)
		}
		fx = fx[:0]
		for i, ie := range evs {
			fx = append(fx, chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "content/"+ie.CustomerScope(), later)})
		}
		results, err := s.Apply(ctx, fx, later)
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(results[0], chat.ErrConflict) || results[1] != nil {
			t.Fatalf("results %v, want a conflict for the changed conversation and nil for the other", results)
		}
		var state string
		if err := s.readGet(ctx, &state, `SELECT state FROM inbox WHERE id = ?`, evs[0].ID); err != nil || state != "pending" {
			t.Fatalf("the conflicting event is %q (%v), want pending", state, err)
		}
		if got := countRows(t, s, "outbox"); got != 1 {
			t.Fatalf("outbox: %d rows, want only the other event's reply", got)
		}
	})
}

// TestApplyHoldsBackARepliesWhoseKeyIsTaken: two replies of one batch under
// one guard key: the first is queued, the second is recorded as suppressed
// with the key's reason and leaves no outbox row.
func TestApplyHoldsBackRepliesWhoseKeyIsTaken(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs, states := claimBatch(t, s, 2, t0)
		var fx []chat.Effects
		for i, ie := range evs {
			fx = append(fx, chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "rule/shared", t0)})
		}
		results, err := s.Apply(ctx, fx, t0)
		if err != nil || results[0] != nil || results[1] != nil {
			t.Fatalf("apply: %v, %v", results, err)
		}
		if got := countRows(t, s, "outbox"); got != 1 {
			t.Fatalf("outbox: %d rows, want 1", got)
		}
		var reasons []string
		if err := s.readSel(ctx, &reasons, `SELECT suppressed FROM decision_actions ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if len(reasons) != 2 || reasons[0] != "" || reasons[1] != chat.ReasonDuplicateContent {
			t.Fatalf("decision actions %q, want the second held back as %s", reasons, chat.ReasonDuplicateContent)
		}
	})
}

// TestApplyLeavesOutOnlyTheFailingEvent: PostgreSQL refuses a NUL in text;
// the event carrying one fails alone, and the rest of its batch is written.
func TestApplyLeavesOutOnlyTheFailingEvent(t *testing.T) {
	s := openPostgresTest(t)
	ctx := context.Background()
	evs, states := claimBatch(t, s, 3, t0)
	var fx []chat.Effects
	for i, ie := range evs {
		if i == 1 {
			ie.Text = "bad\x00text" // what the inbox would have cleaned; here it reaches the writes
		}
		fx = append(fx, chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "content/"+ie.CustomerScope(), t0)})
	}
	results, err := s.Apply(ctx, fx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if results[0] != nil || results[1] == nil || errors.Is(results[1], chat.ErrConflict) || results[2] != nil {
		t.Fatalf("results %v, want only the second event failed", results)
	}
	if got := countRows(t, s, "outbox"); got != 2 {
		t.Fatalf("outbox: %d rows, want the other two events' replies", got)
	}
}

// TestApplyAndClaimLeasesWhatItCanAndNamesTheRest: applying a batch leases
// its replies and its team notices to the caller's sender, as far as the
// claim's Max goes and never two of one chat, and names the chats of what
// it could not lease, so the sender knows which chats still hold work.
// Recording a send then leases the message next in its chat when asked.
func TestApplyAndClaimLeasesWhatItCanAndNamesTheRest(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs, states := claimBatch(t, s, 3, t0)
		handoff := replyPlan(evs[0].Event, "content/a", t0)
		handoff.Handoff = &chat.Action{Type: chat.ActionHandoff, Rule: "human"}
		handoff.Notices = []chat.Notice{{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "A customer asks for a person"}}
		twice := replyPlan(evs[1].Event, "content/b", t0)
		second := twice.Sends[0]
		second.Text, second.Reservations = "And one more thing.", nil
		twice.Sends = append(twice.Sends, second)
		fx := []chat.Effects{
			{Event: evs[0], Basis: states[0], Plan: handoff},
			{Event: evs[1], Basis: states[1], Plan: twice},
			{Event: evs[2], Basis: states[2], Plan: replyPlan(evs[2].Event, "content/c", t0)},
		}
		line := func(ie chat.InboxEvent) string { return chat.ChatKey(ie.Platform, ie.Bot, ie.ChatID) }
		team := chat.ChatKey(chat.Telegram, "shop", "-100")

		// Room for three: the first event's reply, the second's first
		// reply (its second waits behind it) and the third's reply; the
		// notice is past Max.
		results, leased, err := s.ApplyAndClaim(ctx, fx, t0, chat.SendClaim{Owner: "w", Until: t0.Add(time.Minute), Max: 3})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range results {
			if r != nil {
				t.Fatalf("event %d: %v", i, r)
			}
		}
		var got []string
		for _, m := range leased.Sends {
			got = append(got, m.Line+" "+m.Text)
		}
		want := []string{line(evs[0]) + " It is on its way.", line(evs[1]) + " It is on its way.", line(evs[2]) + " It is on its way."}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("leased %q, want %q", got, want)
		}
		wantWaiting := []string{line(evs[1]), team}
		slices.Sort(wantWaiting)
		if fmt.Sprint(leased.Waiting) != fmt.Sprint(wantWaiting) {
			t.Errorf("waiting in %q, want %q", leased.Waiting, wantWaiting)
		}

		// Recording the second event's first reply, with ClaimNext, leases
		// its second; recording the third's without it leases nothing.
		next, err := s.MarkSentAndClaimNext(ctx, []chat.SentMessage{
			{ID: leased.Sends[1].ID, PlatformMessageID: "11", At: t0, ClaimNext: true},
			{ID: leased.Sends[2].ID, PlatformMessageID: "12", At: t0},
		}, chat.SendClaim{Owner: "w", Until: t0.Add(time.Minute), Max: 10}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(next) != 1 || next[0].Text != "And one more thing." || next[0].Line != line(evs[1]) {
			t.Fatalf("leased next %+v, want the second event's second reply", next)
		}
		// Nobody else may claim what is leased; the notice is left for
		// the sender's claim.
		rest, err := s.ClaimOutgoing(ctx, "other", t0, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rest) != 1 || rest[0].Line != team {
			t.Errorf("the sender's claim got %+v, want only the team notice", rest)
		}
		// Of the chats with a message in flight, none holds one waiting
		// behind it any more.
		waiting, err := s.Waiting(ctx, []string{line(evs[0]), line(evs[1]), team})
		if err != nil || len(waiting) != 0 {
			t.Errorf("waiting %q (%v), want none", waiting, err)
		}
	})
}

// TestApplyTellsWhetherEventsWait: applying a batch says whether one of
// its conversations has its next event waiting (the event loop claims
// again only then), and not when none has.
func TestApplyTellsWhetherEventsWait(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "500", "where is my order?"), event("2", "500", "and my refund?"), event("3", "501", "hello"))
		apply := func(wantEvents int) chat.Leased {
			t.Helper()
			evs, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, chat.SetAside{})
			if err != nil || len(evs) != wantEvents {
				t.Fatalf("claim: %v, %d events, want %d", err, len(evs), wantEvents)
			}
			states, err := s.LoadStates(ctx, evs, t0, 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			fx := make([]chat.Effects, len(evs))
			for i, ie := range evs {
				fx[i] = chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "content/"+ie.Event.ExternalID, t0)}
			}
			_, leased, err := s.ApplyAndClaim(ctx, fx, t0, chat.SendClaim{})
			if err != nil {
				t.Fatal(err)
			}
			return leased
		}
		// The first claim holds one event of each chat; chat 500's second
		// waits behind its first.
		if !apply(2).EventsWaiting {
			t.Error("the first batch did not say that chat 500's next event waits")
		}
		if apply(1).EventsWaiting {
			t.Error("the last batch said an event waits; none does")
		}
	})
}

// TestALostEventLeaseIsHarmless: an event claim may be lost (on
// PostgreSQL its commit does not wait for the disk; a crash of the
// database loses the last ones), and the event is then claimed again by
// another worker while the first still holds it. Both decide it; the first
// to apply writes its reply, and the other is told it is done, writing
// nothing.
func TestALostEventLeaseIsHarmless(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs, states := claimBatch(t, s, 1, t0)
		// The lease as a crash would leave it: never written.
		if _, err := s.w.Exec(`UPDATE inbox SET claimed_by = NULL, claimed_until = NULL`); err != nil {
			t.Fatal(err)
		}
		again, err := s.ClaimEvents(ctx, "other", t0, time.Minute, 10, chat.SetAside{})
		if err != nil || len(again) != 1 || again[0].ID != evs[0].ID {
			t.Fatalf("claimed again: %v, %+v", err, again)
		}
		fx := []chat.Effects{{Event: evs[0], Basis: states[0], Plan: replyPlan(evs[0].Event, "content/a", t0)}}
		if results, err := s.Apply(ctx, fx, t0); err != nil || results[0] != nil {
			t.Fatalf("the first apply: %v, %v", results, err)
		}
		fx[0].Plan = replyPlan(again[0].Event, "content/b", t0)
		results, err := s.Apply(ctx, fx, t0)
		if err != nil || !errors.Is(results[0], chat.ErrAlreadyDone) {
			t.Fatalf("the second apply: %v, %v; want ErrAlreadyDone", results, err)
		}
		if got := countRows(t, s, "outbox"); got != 1 {
			t.Fatalf("outbox: %d rows, want the one reply", got)
		}
	})
}

// TestOnlyEventClaimsSkipTheDiskFlush: on PostgreSQL event claims run on
// connections that commit without waiting for the WAL flush, and every
// other write waits for it (webhooks' group commits, decisions, recorded
// sends).
func TestOnlyEventClaimsSkipTheDiskFlush(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		if !s.postgres {
			if s.lax != nil {
				t.Fatal("SQLite has no lax connections")
			}
			return
		}
		if n := s.lax.Stats().OpenConnections; n != 0 {
			t.Fatalf("%d lax connections before any claim", n)
		}
		claimBatch(t, s, 1, t0)
		if st := s.lax.Stats(); st.OpenConnections != 1 || st.InUse != 0 {
			t.Fatalf("after a claim, lax connections %+v: want the claim's, given back", st)
		}
		for _, c := range []struct {
			db interface {
				Get(any, string, ...any) error
			}
			want string
		}{{s.lax, "off"}, {s.w, "on"}} {
			var got string
			if err := c.db.Get(&got, `SHOW synchronous_commit`); err != nil || got != c.want {
				t.Fatalf("synchronous_commit %q (%v), want %q", got, err, c.want)
			}
		}
	})
}

// TestApplyLeasesTheConversationsNextEvents: applying a batch with an
// event claim leases to its owner the event next in each of the batch's
// conversations, as a claim would hand it out, and no other: not one due
// later, not one someone else holds, not one tried too often. Those wait
// for a claim, and the batch says so. What is leased no claim takes, and
// applying it leases the one after it: a conversation's events go one at a
// time, in order.
func TestApplyLeasesTheConversationsNextEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// Five conversations; each has a first event, and all but the last
		// one more behind it.
		mustAccept(t, s,
			event("1", "600", "first"), event("2", "600", "second"), event("3", "600", "third"),
			event("4", "601", "first"), event("5", "601", "later"),
			event("6", "602", "first"), event("7", "602", "held"),
			event("8", "603", "first"), event("9", "603", "tried"),
			event("10", "604", "alone"))
		heads, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, chat.SetAside{})
		if err != nil || len(heads) != 5 {
			t.Fatalf("claim: %v, %d events, want the five conversations' first", err, len(heads))
		}
		idOf := func(externalID string) int64 {
			t.Helper()
			var id int64
			if err := s.r.Get(&id, s.r.Rebind(`SELECT id FROM inbox WHERE external_id = ?`), externalID); err != nil {
				t.Fatal(err)
			}
			return id
		}
		for _, q := range []struct {
			sql string
			arg any
		}{
			{`UPDATE inbox SET next_attempt_at = ? WHERE external_id = '5'`, ms(t0.Add(time.Hour))},                       // due later
			{`UPDATE inbox SET claimed_by = 'other', claimed_until = ? WHERE external_id = '7'`, ms(t0.Add(time.Minute))}, // someone else's
			{`UPDATE inbox SET attempts = ? WHERE external_id = '9'`, 3},                                                  // tried three times
		} {
			if _, err := s.w.Exec(s.w.Rebind(q.sql), q.arg); err != nil {
				t.Fatal(err)
			}
		}
		claim := chat.SendClaim{Events: chat.EventClaim{Owner: "w", Until: t0.Add(time.Minute), Aside: chat.SetAside{Attempts: 3}}}
		apply := func(evs []chat.InboxEvent) chat.Leased {
			t.Helper()
			states, err := s.LoadStates(ctx, evs, t0, 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			fx := make([]chat.Effects, len(evs))
			for i, ie := range evs {
				fx[i] = chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "content/"+ie.ExternalID, t0)}
			}
			results, leased, err := s.ApplyAndClaim(ctx, fx, t0, claim)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range results {
				if r != nil {
					t.Fatalf("event %d: %v", i, r)
				}
			}
			return leased
		}

		leased := apply(heads)
		if len(leased.Events) != 1 || leased.Events[0].ID != idOf("2") || leased.Events[0].Text != "second" ||
			leased.Events[0].Attempts != 1 || string(leased.Events[0].Raw) != `{"update_id":2}` {
			t.Fatalf("leased %+v, want conversation 600's second event, whole, claimed once", leased.Events)
		}
		if !leased.EventsWaiting {
			t.Error("the batch did not say that events it did not lease wait")
		}
		// The one tried too often is let go for the claim, which sets it
		// aside; the leased one is nobody else's.
		others, err := s.ClaimEvents(ctx, "other", t0, time.Minute, 10, chat.SetAside{Attempts: 3, Cause: "aside"})
		if err != nil || len(others) != 0 {
			t.Fatalf("another worker's claim: %v, %+v, want nothing", err, others)
		}
		var state string
		if err := s.r.Get(&state, s.r.Rebind(`SELECT state FROM inbox WHERE id = ?`), idOf("9")); err != nil || state != "failed" {
			t.Errorf("the event tried three times is %q (%v), want set aside by the claim", state, err)
		}

		// Applying the leased event leases the third, and nothing waits.
		leased = apply(leased.Events)
		if len(leased.Events) != 1 || leased.Events[0].ID != idOf("3") {
			t.Fatalf("leased %+v, want conversation 600's third event", leased.Events)
		}
		if leased.EventsWaiting {
			t.Error("the batch said events wait; its only next event was leased")
		}
		leased = apply(leased.Events)
		if len(leased.Events) != 0 || leased.EventsWaiting {
			t.Errorf("the last event of the conversation leased %+v (waiting %v), want nothing", leased.Events, leased.EventsWaiting)
		}
		// The one due later was let go for a claim, which takes it once due.
		if _, err := s.w.Exec(s.w.Rebind(`UPDATE inbox SET next_attempt_at = 0 WHERE external_id = '5'`)); err != nil {
			t.Fatal(err)
		}
		later, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, chat.SetAside{})
		if err != nil || len(later) != 1 || later[0].ID != idOf("5") {
			t.Fatalf("claim: %v, %+v, want conversation 601's second event", err, later)
		}
	})
}
