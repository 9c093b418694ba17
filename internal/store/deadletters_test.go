package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestDeadLettersAreListedCountedAndRetried: a message given up shows in
// the list and the depth, and an operator's retry puts it back in line.
func TestDeadLettersAreListedCountedAndRetried(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "10", "a"), event("2", "20", "b"))
		for range 2 {
			ie := claimOne(t, s, t0)
			err := s.ProcessEvent(ctx, ie, t0, time.Hour, func(chat.State) (chat.Plan, error) {
				return chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "re " + ie.Text}}}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		msgs, err := s.ClaimOutgoing(ctx, "w", t0, time.Minute, 10)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("claimed %d, %v", len(msgs), err)
		}
		if err := s.RetryOutgoing(ctx, msgs[1].ID, t0.Add(time.Second), "502 Bad Gateway"); err != nil {
			t.Fatal(err)
		}
		pending, err := s.OutboxEntries(ctx, OutboxPending, 10)
		if err != nil || len(pending) != 2 || pending[0].ID != msgs[0].ID || pending[1].LastError != "502 Bad Gateway" ||
			!pending[1].NextAttempt.Equal(t0.Add(time.Second)) || pending[1].Attempts != 1 {
			t.Fatalf("pending %+v, %v", pending, err)
		}
		if _, err := s.OutboxEntries(ctx, "sent", 10); err == nil {
			t.Fatal("listing an unknown state did not fail")
		}
		if err := s.FailOutgoing(ctx, msgs[0].ID, "gave up after 10 attempts: 502", false); err != nil {
			t.Fatal(err)
		}
		d, err := s.Depth(ctx, t0.Add(time.Minute))
		if err != nil || d.Failed != 1 || d.Pending != 1 || d.OldestPending != time.Minute {
			t.Fatalf("depth %+v, %v", d, err)
		}
		msgs, err = s.ClaimOutgoing(ctx, "w", t0.Add(time.Second), time.Minute, 10)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("claimed again %d, %v", len(msgs), err)
		}
		if err := s.MarkSent(ctx, msgs[0].ID, "p", t0); err != nil {
			t.Fatal(err)
		}
		dead, err := s.DeadLetters(ctx, 10)
		if err != nil || len(dead) != 1 || dead[0].ID != pending[0].ID || dead[0].LastError != "gave up after 10 attempts: 502" || dead[0].Rule != "faq" {
			t.Fatalf("dead letters %+v, %v", dead, err)
		}
		if got, err := s.RetryDeadLetters(ctx, []int64{999999}, t0.Add(time.Hour)); err != nil || len(got) != 0 {
			t.Fatalf("retried no such id: %v, %v; want none", got, err)
		}
		if got, err := s.RetryDeadLetters(ctx, nil, t0.Add(time.Hour)); err != nil || !slices.Equal(got, []int64{pending[0].ID}) {
			t.Fatalf("retried %v, %v; want [%d]", got, err, pending[0].ID)
		}
		again, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Hour), time.Minute, 10)
		if err != nil || len(again) != 1 || again[0].ID != pending[0].ID || again[0].Attempts != 1 {
			t.Fatalf("after the retry claimed %+v, %v", again, err)
		}
		if d, _ := s.Depth(ctx, t0); d.Failed != 0 {
			t.Fatalf("still %d dead letters", d.Failed)
		}
	})
}
