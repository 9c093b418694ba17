package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// inboxRow is what the attempt counting leaves on an event.
type inboxRow struct {
	State     string `db:"state"`
	Attempts  int    `db:"attempts"`
	LastError string `db:"last_error"`
}

func readInbox(t *testing.T, s *Store, id int64) inboxRow {
	t.Helper()
	var r inboxRow
	if err := s.readGet(context.Background(), &r, `SELECT state, attempts, COALESCE(last_error, '') AS last_error FROM inbox WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestClaimCountsEachAttemptOnce: the claim counts the attempt, so one that
// never comes back (the process died) counts as much as one that failed,
// and nothing that finishes, fails or is handed back counts twice.
func TestClaimCountsEachAttemptOnce(t *testing.T) {
	aside := chat.SetAside{Attempts: 3, Cause: "set aside after 3 attempts: processing never finished"}
	claim := func(t *testing.T, s *Store, owner string, at time.Time) []chat.InboxEvent {
		t.Helper()
		evs, err := s.ClaimEvents(context.Background(), owner, at, time.Minute, 10, aside)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	ctx := context.Background()
	tests := []struct {
		name string
		// run works on the event "poison" (claimed by w at t0 already)
		// and returns the time of the next claim to try.
		run  func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time
		want inboxRow
		// next is what a claim at the returned time hands out.
		next []string
	}{{
		name: "finished",
		run: func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time {
			if err := s.ProcessEvent(ctx, ie, t0, 24*time.Hour, noop); err != nil {
				t.Fatal(err)
			}
			return t0
		},
		want: inboxRow{State: "done", Attempts: 1},
		next: []string{"next"},
	}, {
		name: "failed twice then finished",
		run: func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time {
			for i := 1; i <= 2; i++ {
				if err := s.RetryEvent(ctx, ie.ID, t0, "boom", aside.Attempts); err != nil {
					t.Fatal(err)
				}
				ie = claim(t, s, "w", t0.Add(time.Duration(i)*time.Second))[0]
			}
			if err := s.ProcessEvent(ctx, ie, t0, 24*time.Hour, noop); err != nil {
				t.Fatal(err)
			}
			return t0.Add(time.Hour)
		},
		want: inboxRow{State: "done", Attempts: 3, LastError: "boom"},
		next: []string{"next"},
	}, {
		name: "failed every time",
		run: func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time {
			for i := 1; i <= 3; i++ {
				if err := s.RetryEvent(ctx, ie.ID, t0, "boom", aside.Attempts); err != nil {
					t.Fatal(err)
				}
				if i < 3 {
					claim(t, s, "w", t0.Add(time.Duration(i)*time.Second))
				}
			}
			return t0.Add(time.Hour)
		},
		want: inboxRow{State: "failed", Attempts: 3, LastError: "boom"},
		next: []string{"next"},
	}, {
		name: "crashed every time",
		run: func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time {
			// Each claim is abandoned; the next comes after its lease.
			for i := 1; i <= 2; i++ {
				got := claim(t, s, "w", t0.Add(time.Duration(i)*2*time.Minute))
				if len(got) != 1 || got[0].Text != "poison" || got[0].Attempts != i+1 {
					t.Fatalf("claim %d handed out %v, want the poison event again at attempt %d", i+1, got, i+1)
				}
			}
			// The fourth claim sets it aside instead of handing it out.
			if got := claim(t, s, "w", t0.Add(6*time.Minute)); len(got) != 0 {
				t.Fatalf("claim after 3 crashes handed out %v", texts(got))
			}
			return t0.Add(6 * time.Minute)
		},
		want: inboxRow{State: "failed", Attempts: 3, LastError: aside.Cause},
		next: []string{"next"},
	}, {
		name: "released by a graceful stop",
		run: func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time {
			for i := 1; i <= 5; i++ {
				if err := s.ReleaseClaims(ctx, "w"); err != nil {
					t.Fatal(err)
				}
				claim(t, s, "w", t0)
			}
			if err := s.ReleaseClaims(ctx, "w"); err != nil {
				t.Fatal(err)
			}
			return t0
		},
		want: inboxRow{State: "pending", Attempts: 0},
		next: []string{"poison"},
	}, {
		name: "taken over from a process that is gone",
		run: func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time {
			if err := s.ReleaseClaims(ctx, ""); err != nil {
				t.Fatal(err)
			}
			return t0
		},
		want: inboxRow{State: "pending", Attempts: 1},
		next: []string{"poison"},
	}, {
		name: "deferred",
		run: func(t *testing.T, s *Store, ie chat.InboxEvent) time.Time {
			if err := s.DeferEvent(ctx, ie.ID, t0.Add(time.Second), "not yet"); err != nil {
				t.Fatal(err)
			}
			return t0.Add(time.Second)
		},
		want: inboxRow{State: "pending", Attempts: 0, LastError: "not yet"},
		next: []string{"poison"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *Store) {
				mustAccept(t, s, event("1", "10", "poison"), event("2", "10", "next"))
				first := claim(t, s, "w", t0)
				if len(first) != 1 || first[0].Text != "poison" {
					t.Fatalf("first claim: %v", texts(first))
				}
				at := tt.run(t, s, first[0])
				if got := readInbox(t, s, first[0].ID); got != tt.want {
					t.Errorf("the event is %+v, want %+v", got, tt.want)
				}
				if got := claim(t, s, "w2", at); !equalTexts(texts(got), tt.next) {
					t.Errorf("then claimed %v, want %v", texts(got), tt.next)
				}
			})
		})
	}
}

func equalTexts(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFailedEventsAreListedAndRetried: events set aside are listed
// without what the customer wrote, and a retry puts them back in line, at
// their old place, found by a claim whose mark had passed them.
func TestFailedEventsAreListedAndRetried(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		aside := chat.SetAside{Attempts: 1, Cause: "set aside after 1 attempts: processing never finished"}
		mustAccept(t, s, event("1", "10", "poison one"), event("2", "20", "poison two"), event("3", "30", "fine"))
		evs, err := s.ClaimEvents(ctx, "w", t0, time.Minute, 10, aside)
		if err != nil || len(evs) != 3 {
			t.Fatalf("claim: %v, %v", texts(evs), err)
		}
		if err := s.RetryEvent(ctx, evs[0].ID, t0, "panic while deciding: boom", 1); err != nil {
			t.Fatal(err)
		}
		if err := s.ProcessEvent(ctx, evs[2], t0, 24*time.Hour, noop); err != nil {
			t.Fatal(err)
		}
		// The second is abandoned; after its lease the claim sets it aside
		// and the mark moves past all three.
		later := t0.Add(2 * time.Minute)
		if got, err := s.ClaimEvents(ctx, "w", later, time.Minute, 10, aside); err != nil || len(got) != 0 {
			t.Fatalf("claim after the lease: %v, %v", texts(got), err)
		}
		mustAccept(t, s, event("4", "40", "new"))
		if got, err := s.ClaimEvents(ctx, "w", later.Add(time.Second), time.Minute, 10, aside); err != nil || len(got) != 1 {
			t.Fatalf("claim of the new event: %v, %v", texts(got), err)
		}

		failed, err := s.FailedEvents(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []FailedEvent{
			{ID: evs[1].ID, Platform: "telegram", Bot: "shop", Chat: evs[1].ConversationKey(), Kind: string(evs[1].Kind), Attempts: 1, LastError: aside.Cause, ReceivedAt: t0},
			{ID: evs[0].ID, Platform: "telegram", Bot: "shop", Chat: evs[0].ConversationKey(), Kind: string(evs[0].Kind), Attempts: 1, LastError: "panic while deciding: boom", ReceivedAt: t0},
		}
		if len(failed) != len(want) {
			t.Fatalf("failed events: %+v, want %+v", failed, want)
		}
		for i := range want {
			if got := failed[i]; got.ID != want[i].ID || got.Platform != want[i].Platform || got.Bot != want[i].Bot || got.Chat != want[i].Chat ||
				got.Kind != want[i].Kind || got.Attempts != want[i].Attempts || got.LastError != want[i].LastError || !got.ReceivedAt.Equal(want[i].ReceivedAt) {
				t.Errorf("failed event %d: %+v, want %+v", i, got, want[i])
			}
		}

		// An id that is not set aside is not requeued, and the answer
		// says which ones were.
		requeued, err := s.RetryFailedEvents(ctx, []int64{evs[0].ID, 999999}, later)
		if err != nil || !slices.Equal(requeued, []int64{evs[0].ID}) {
			t.Fatalf("retry one: %v, %v; want [%d]", requeued, err, evs[0].ID)
		}
		got, err := s.ClaimEvents(ctx, "w", later.Add(2*time.Second), time.Minute, 10, aside)
		if err != nil || !equalTexts(texts(got), []string{"poison one"}) {
			t.Fatalf("claim after the retry: %v, %v; want poison one, found below the mark", texts(got), err)
		}
		if r := readInbox(t, s, evs[0].ID); r.Attempts != 1 || r.State != "pending" {
			t.Errorf("retried event: %+v, want pending with its new claim counted", r)
		}
		if n, err := s.RetryFailedEvents(ctx, nil, later); err != nil || len(n) != 1 {
			t.Fatalf("retry all: %v, %v", n, err)
		}
		if failed, err := s.FailedEvents(ctx, 10); err != nil || len(failed) != 0 {
			t.Errorf("after retrying all: %+v, %v", failed, err)
		}
	})
}

// TestRetriedEventsAreFoundByARunningService: the retry runs in another
// process (frontdesk events --retry), which cannot lower the service's
// claim mark; the service counts its mark again from the bottom within
// markRecountEvery and finds the event. SQLite only: two stores share a
// file, where PostgreSQL tests get a schema each.
func TestRetriedEventsAreFoundByARunningService(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.db")
	open := func() *Store {
		s, err := OpenSQLite(ctx, path, Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	service, cli := open(), open()
	aside := chat.SetAside{Attempts: 1, Cause: "set aside after 1 attempts: processing never finished"}
	mustAccept(t, service, event("1", "10", "poison"), event("2", "20", "fine"))
	evs, err := service.ClaimEvents(ctx, "w", t0, time.Minute, 10, aside)
	if err != nil || len(evs) != 2 {
		t.Fatalf("claim: %v, %v", texts(evs), err)
	}
	if err := service.RetryEvent(ctx, evs[0].ID, t0, "boom", 1); err != nil {
		t.Fatal(err)
	}
	if err := service.ProcessEvent(ctx, evs[1], t0, 24*time.Hour, noop); err != nil {
		t.Fatal(err)
	}
	// A claim of a later event moves the service's mark past both.
	mustAccept(t, service, event("3", "30", "later"))
	if got, err := service.ClaimEvents(ctx, "w", t0.Add(time.Second), time.Minute, 10, aside); err != nil || !equalTexts(texts(got), []string{"later"}) {
		t.Fatalf("claim: %v, %v", texts(got), err)
	}
	if n, err := cli.RetryFailedEvents(ctx, nil, t0.Add(time.Second)); err != nil || len(n) != 1 {
		t.Fatalf("retry: %v, %v", n, err)
	}
	got, err := service.ClaimEvents(ctx, "w", t0.Add(time.Second+markRecountEvery), time.Minute, 10, aside)
	if err != nil || !equalTexts(texts(got), []string{"poison"}) {
		t.Fatalf("claim %v after the retry: %v, %v; want the retried event", markRecountEvery, texts(got), err)
	}
}
