package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// routedHandOff processes an event whose plan hands off with a route.
func routedHandOff(t *testing.T, s *Store, id, chatID string, at time.Time, r chat.Route) {
	t.Helper()
	mustAccept(t, s, event(id, chatID, "I want a human"))
	ie := claimOne(t, s, at)
	err := s.ProcessEvent(context.Background(), ie, at, 24*time.Hour, func(chat.State) (chat.Plan, error) {
		h := chat.Action{Type: chat.ActionHandoff, Rule: "human", Priority: "high", Team: "support"}
		return chat.Plan{Outcome: chat.OutcomeHandedOff, Handoff: &h, HandoffDue: at.Add(time.Hour), Route: r}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOverflowOncePerHandoff: a waiting handoff past its overflow time is
// listed until one worker takes the overflow, which queues its notice;
// a second take does nothing; claimed or without overflow, never listed.
// The route is kept for the report.
func TestOverflowOncePerHandoff(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		routedHandOff(t, s, "1", "10", t0, chat.Route{Language: "zh", Reason: chat.RouteClosed, OutOfHours: true,
			OverflowAt: t0.Add(10 * time.Minute), OverflowTeam: "tier2"})
		routedHandOff(t, s, "2", "11", t0, chat.Route{Language: "ru", Reason: chat.RouteOpen}) // no overflow
		if due, err := s.OverflowHandoffs(ctx, t0.Add(9*time.Minute), 10); err != nil || len(due) != 0 {
			t.Fatalf("before its time: %+v, %v", due, err)
		}
		due, err := s.OverflowHandoffs(ctx, t0.Add(10*time.Minute), 10)
		if err != nil || len(due) != 1 || due[0].Team != "support" || due[0].To != "tier2" || due[0].Priority != "high" ||
			!due[0].Created.Equal(t0) || due[0].Customer != "Ann" || due[0].Key == "" {
			t.Fatalf("overflowing %+v, %v", due, err)
		}
		n := chat.Notice{Platform: chat.Telegram, Bot: "shop", ChatID: "-300", Text: "Overflow", Buttons: [][]chat.Button{{{Text: "Claim", Data: "claim:{handoff}"}}}}
		before := countRows(t, s, "outbox")
		for i, want := range []bool{true, false} {
			ok, err := s.TakeOverflow(ctx, due[0].ID, []chat.Notice{n}, t0.Add(11*time.Minute))
			if err != nil || ok != want {
				t.Fatalf("take %d: ok=%v err=%v, want %v", i, ok, err, want)
			}
		}
		if got := countRows(t, s, "outbox") - before; got != 1 {
			t.Fatalf("%d notices queued, want 1", got)
		}
		if due, err := s.OverflowHandoffs(ctx, t0.Add(time.Hour), 10); err != nil || len(due) != 0 {
			t.Fatalf("after the overflow: %+v, %v", due, err)
		}

		rows, err := s.ReportRouting(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
		want := []RouteCount{{Team: "support", Language: "ru", Count: 1}, {Team: "support", Language: "zh", OutOfHours: true, Count: 1}}
		if err != nil || len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
			t.Fatalf("routing %+v, %v; want %+v", rows, err, want)
		}
	})
}

// TestPublicLinkOnce: a link is stored with the plan that offers it, read
// back by token for its bot only, and spent once: a second spend is a
// conflict (the event is decided again), and an expired link cannot be
// spent.
func TestPublicLinkOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		link := chat.PublicLink{Token: "tok-aaaaaaaaaaaaaaaaaaaa", Platform: chat.Telegram, Bot: "shop", CustomerID: "10",
			Rule: "complaint", Team: "support", Priority: "high", Reply: "We're sorry", Question: "where is my money?",
			Language: "en", Created: t0, Expires: t0.Add(time.Hour)}
		process := func(id string, at time.Time, plan chat.Plan) error {
			mustAccept(t, s, event(id, "10", "x"))
			ie := claimOne(t, s, at)
			return s.ProcessEvent(ctx, ie, at, 24*time.Hour, func(chat.State) (chat.Plan, error) { return plan, nil })
		}
		if err := process("1", t0, chat.Plan{Outcome: chat.OutcomeAnswered, NewLink: &link}); err != nil {
			t.Fatal(err)
		}
		got, err := s.PublicLink(ctx, chat.Telegram, "shop", link.Token)
		if err != nil || got == nil || *got != link {
			t.Fatalf("read %+v, %v; want %+v", got, err, link)
		}
		if other, err := s.PublicLink(ctx, chat.Telegram, "other", link.Token); err != nil || other != nil {
			t.Fatalf("another bot's read: %+v, %v", other, err)
		}
		if err := process("2", t0.Add(time.Minute), chat.Plan{Outcome: chat.OutcomeRecorded, UseLink: link.Token}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.PublicLink(ctx, chat.Telegram, "shop", link.Token)
		if got == nil || !got.Used || got.Question != "" {
			t.Fatalf("after use: %+v, want used, the question dropped", got)
		}
		mustAccept(t, s, event("3", "12", "again")) // left pending by its conflict
		ie := claimOne(t, s, t0.Add(2*time.Minute))
		err = s.ProcessEvent(ctx, ie, t0.Add(2*time.Minute), 24*time.Hour, func(chat.State) (chat.Plan, error) {
			return chat.Plan{Outcome: chat.OutcomeRecorded, UseLink: link.Token}, nil
		})
		if !errors.Is(err, chat.ErrConflict) {
			t.Fatalf("spending twice: err = %v, want a conflict", err)
		}

		// A link not yet used goes with the customer when they are forgotten.
		fresh := link
		fresh.Token = "tok-bbbbbbbbbbbbbbbbbbbb"
		if err := process("4", t0.Add(3*time.Minute), chat.Plan{Outcome: chat.OutcomeAnswered, NewLink: &fresh}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "10", t0.Add(4*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "public_links"); n != 0 {
			t.Fatalf("%d public links left after forgetting their customer", n)
		}
	})
}
