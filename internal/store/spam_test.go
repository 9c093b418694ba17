package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestReleaseSpamOnce: a message ignored as spam is listed with the rule
// that ignored it and its text; its release queues one answer event and
// records the false positive; a second release of it, even one that got
// past the caller's check (two operators at once), is refused and queues
// nothing.
func TestReleaseSpamOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := t0.Add(time.Minute)
		decideAt(t, s, event("1", "10", "cheap watches http://x.example"), at, chat.Plan{Outcome: chat.OutcomeIgnored,
			Insight:  chat.Insight{Type: chat.TypeSpam},
			Recorded: []chat.Action{{Type: chat.ActionTag, Rule: "spam", Tags: []string{"spam"}}, {Type: chat.ActionIgnore, Rule: "spam"}}})
		decideAt(t, s, event("2", "20", "refund?"), at.Add(time.Minute), chat.Plan{Outcome: chat.OutcomeAnswered,
			Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "refund", Text: "refund answer"}}}})
		list, err := s.SpamMessages(ctx, t0, t0.Add(time.Hour), chat.OutcomeIgnored, chat.TypeSpam, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("spam %+v, %v; want the one message", list, err)
		}
		m := list[0]
		if m.Rule != "spam" || m.Text != "cheap watches http://x.example" || m.Outcome != chat.OutcomeIgnored || m.Type != chat.TypeSpam ||
			!m.At.Equal(at) || m.Released != nil {
			t.Errorf("listed %+v", m)
		}
		got, ev, err := s.DecidedMessage(ctx, m.InboxID)
		if err != nil || got.Rule != "spam" || ev.Text != m.Text || ev.ExternalID != "1" {
			t.Fatalf("decided message %+v, event %+v, %v", got, ev, err)
		}
		if _, _, err := s.DecidedMessage(ctx, 999); !errors.Is(err, ErrNoSuchMessage) {
			t.Errorf("an unknown id: %v", err)
		}

		answer := ev
		answer.ExternalID, answer.ReleaseOf = "release:1", m.InboxID
		rel := SpamRelease{InboxID: m.InboxID, Rule: m.Rule, Answer: answer, By: "ops", At: at.Add(time.Hour)}
		id, err := s.ReleaseSpam(ctx, rel)
		if err != nil || id == 0 {
			t.Fatalf("release: %d, %v", id, err)
		}
		// Twice: the same answer, and another (a second operator's).
		for _, ext := range []string{"release:1", "release:1-again"} {
			again := rel
			again.Answer.ExternalID = ext
			if _, err := s.ReleaseSpam(ctx, again); !errors.Is(err, chat.ErrAlreadyDone) {
				t.Errorf("release again as %s: %v, want ErrAlreadyDone", ext, err)
			}
		}
		evs, err := s.ClaimEvents(ctx, "w", at.Add(2*time.Hour), time.Minute, 10, chat.SetAside{})
		if err != nil || len(evs) != 1 || evs[0].ID != id || evs[0].ReleaseOf != m.InboxID {
			t.Fatalf("queued %+v, %v; want the one answer event", evs, err)
		}
		list, err = s.SpamMessages(ctx, t0, t0.Add(time.Hour), chat.OutcomeIgnored, chat.TypeSpam, 10)
		if err != nil || len(list) != 1 || list[0].Released == nil || !list[0].Released.Equal(rel.At) {
			t.Errorf("after the release: %+v, %v", list, err)
		}
		fp, err := s.ReportSpamFalsePositives(ctx, t0, t0.Add(3*time.Hour))
		if err != nil || len(fp) != 1 || fp[0] != (NameCount{Name: "spam", Count: 1}) {
			t.Errorf("false positives %+v, %v", fp, err)
		}
		if fp, err := s.ReportSpamFalsePositives(ctx, t0, t0.Add(time.Hour)); err != nil || len(fp) != 0 {
			t.Errorf("false positives before the release: %+v, %v", fp, err)
		}
	})
}
