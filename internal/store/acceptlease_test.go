package store

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// told reports whether ready was signalled, without waiting: events are
// handed over before Accept returns.
func told(ready <-chan struct{}) bool {
	select {
	case <-ready:
		return true
	default:
		return false
	}
}

// finish applies an event's effects (a reply), so its conversation's next
// event becomes first in line.
func finish(t *testing.T, s *Store, ie chat.InboxEvent) {
	t.Helper()
	ctx := context.Background()
	states, err := s.LoadStates(ctx, []chat.InboxEvent{ie}, t0, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	fx := chat.Effects{Event: ie, Basis: states[0], Plan: replyPlan(ie.Event, "content/"+ie.ExternalID, t0)}
	results, err := s.Apply(ctx, []chat.Effects{fx}, t0)
	if err != nil || results[0] != nil {
		t.Fatalf("apply: %v %v", err, results)
	}
}

func externalIDs(evs []chat.InboxEvent) []string {
	var out []string
	for _, ie := range evs {
		out = append(out, ie.ExternalID)
	}
	return out
}

// TestLeaseAtAccept: on SQLite an accepted event first in line in its
// conversation is leased by the transaction that stores it and handed over
// as a claim would return it; one behind another event of its conversation,
// or accepted while a handed-over group waits to be taken, is left for a
// claim, and the taker is told so. Both with the flushed log of the
// production default and without it.
func TestLeaseAtAccept(t *testing.T) {
	for _, sync := range []string{"", "NORMAL"} {
		t.Run("synchronous="+sync, func(t *testing.T) {
			ctx := context.Background()
			s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "lease.db"), Options{Synchronous: sync})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			s.Now = func() time.Time { return t0 }
			// What a claim returns of the same event, for comparison.
			plain := openTest(t)
			mustAccept(t, plain, event("1", "10", "where is my order?"))
			want, err := plain.ClaimEvents(ctx, "me", t0, time.Minute, 10, chat.SetAside{})
			if err != nil || len(want) != 1 {
				t.Fatalf("claim on a store that does not lease: %v %v", want, err)
			}

			ready := s.LeaseAtAccept("me", time.Minute, 10)
			mustAccept(t, s, event("1", "10", "where is my order?"))
			if !told(ready) {
				t.Fatal("not told of an event leased at accept")
			}
			got, others := s.TakeLeased()
			if others || len(got) != 1 {
				t.Fatalf("took %v (others %v), want the one event", externalIDs(got), others)
			}
			if !reflect.DeepEqual(got[0], want[0]) {
				t.Errorf("leased at accept:\n%+v\nclaimed:\n%+v", got[0], want[0])
			}
			if evs, err := s.ClaimEvents(ctx, "other", t0, time.Minute, 10, chat.SetAside{}); err != nil || len(evs) != 0 {
				t.Fatalf("another claimed %v (%v) of an event leased at accept", externalIDs(evs), err)
			}

			// The conversation's next waits behind it: not leased, and no
			// claim is asked for, since the first one's apply takes care of
			// it (with an event claim it leases it; without, as here, it
			// lets it go for the claim below).
			mustAccept(t, s, event("2", "10", "and when?"))
			if got, others := s.TakeLeased(); len(got) != 0 || others || told(ready) {
				t.Fatalf("second of a conversation, behind one held: took %v, others %v", externalIDs(got), others)
			}
			// Behind an event nobody holds (2, waiting its turn), a claim is
			// asked for: that one needs one.
			mustAccept(t, s, event("2b", "10", "hello?"))
			if got, others := s.TakeLeased(); len(got) != 0 || !others || !told(ready) {
				t.Fatalf("behind one nobody holds: took %v, others %v", externalIDs(got), others)
			}
			finish(t, s, want[0])
			evs, err := s.ClaimEvents(ctx, "worker", t0, time.Minute, 10, chat.SetAside{})
			if err != nil || !reflect.DeepEqual(externalIDs(evs), []string{"2"}) {
				t.Fatalf("claim after the first was done: %v %v", externalIDs(evs), err)
			}

			// A repeated webhook stores nothing and tells nobody.
			mustAccept(t, s, event("1", "10", "where is my order?"))
			if told(ready) {
				t.Error("told of a repeated webhook")
			}

			// While a group waits to be taken, the next is left for claims.
			mustAccept(t, s, event("3", "20", "hello"))
			mustAccept(t, s, event("4", "30", "hello"))
			got, others = s.TakeLeased()
			if !reflect.DeepEqual(externalIDs(got), []string{"3"}) || !others {
				t.Fatalf("took %v (others %v), want 3 leased and 4 left", externalIDs(got), others)
			}
			evs, err = s.ClaimEvents(ctx, "worker", t0, time.Minute, 10, chat.SetAside{})
			if err != nil || !reflect.DeepEqual(externalIDs(evs), []string{"4"}) {
				t.Fatalf("claim: %v %v, want 4", externalIDs(evs), err)
			}

			// A stop: nothing more is leased, and what was is given back with
			// its attempt.
			mustAccept(t, s, event("5", "40", "hello"))
			s.StopLeasing()
			mustAccept(t, s, event("6", "50", "hello"))
			if got, _ := s.TakeLeased(); len(got) != 0 {
				t.Fatalf("took %v after the stop", externalIDs(got))
			}
			if err := s.ReleaseClaims(ctx, "me"); err != nil {
				t.Fatal(err)
			}
			evs, err = s.ClaimEvents(ctx, "next", t0, time.Minute, 10, chat.SetAside{})
			if err != nil || !reflect.DeepEqual(externalIDs(evs), []string{"3", "5", "6"}) {
				t.Fatalf("claim after the stop: %v %v, want 3, 5 and 6", externalIDs(evs), err)
			}
			for _, ie := range evs {
				if ie.Attempts != 1 {
					t.Errorf("event %s: attempt %d after its lease was given back, want 1", ie.ExternalID, ie.Attempts)
				}
			}
		})
	}
}

// TestLeaseAtAcceptCapsAGroup: a group commit leases at most max events,
// lowest first, and leaves the rest for claims.
func TestLeaseAtAcceptCapsAGroup(t *testing.T) {
	s := openTest(t)
	s.LeaseAtAccept("me", time.Minute, 2)
	group(t, s, event("1", "11", "hi"), event("2", "12", "hi"), event("3", "13", "hi"), event("4", "14", "hi"))
	got, others := s.TakeLeased()
	if !reflect.DeepEqual(externalIDs(got), []string{"1", "2"}) || !others {
		t.Fatalf("took %v (others %v), want 1 and 2, and told of the rest", externalIDs(got), others)
	}
	evs, err := s.ClaimEvents(context.Background(), "me", t0, time.Minute, 10, chat.SetAside{})
	if err != nil || !reflect.DeepEqual(externalIDs(evs), []string{"3", "4"}) {
		t.Fatalf("claim: %v %v, want 3 and 4", externalIDs(evs), err)
	}
}

// group commits evs in one group and hands what it leased over.
func group(t *testing.T, s *Store, evs ...chat.Event) {
	t.Helper()
	batch := make([]acceptReq, len(evs))
	for i, ev := range evs {
		ev = storable(ev)
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		batch[i] = acceptReq{ctx: context.Background(), ev: ev, data: data}
	}
	g := s.commitGroup(batch)
	for _, err := range g.errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s.acceptLeases.handOver(g.batch, g.leased, g.at, g.others)
}

// TestLeaseAtAcceptInAGroup: of a conversation's events in one group only
// the first is leased, and the one behind it needs no claim (its apply
// leases it); but behind a repeated webhook of an event done already, the
// next is first in line and a claim must find it.
func TestLeaseAtAcceptInAGroup(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.LeaseAtAccept("me", time.Minute, 10)
	group(t, s, event("1", "10", "hi"), event("2", "10", "where is my order?"), event("3", "20", "hello"))
	got, others := s.TakeLeased()
	if !reflect.DeepEqual(externalIDs(got), []string{"1", "3"}) || others {
		t.Fatalf("took %v (others %v), want 1 and 3 and no claim", externalIDs(got), others)
	}
	if evs, err := s.ClaimEvents(ctx, "other", t0, time.Minute, 10, chat.SetAside{}); err != nil || len(evs) != 0 {
		t.Fatalf("claimed %v (%v): 2 waits behind 1", externalIDs(evs), err)
	}
	finish(t, s, got[0])
	finish(t, s, got[1])
	evs, err := s.ClaimEvents(ctx, "me", t0, time.Minute, 10, chat.SetAside{})
	if err != nil || !reflect.DeepEqual(externalIDs(evs), []string{"2"}) {
		t.Fatalf("claim after 1: %v %v, want 2", externalIDs(evs), err)
	}
	finish(t, s, evs[0])

	// 1 again (Telegram retrying it), done long since, and a new message
	// of its conversation in the same group: nothing of the conversation
	// is pending, but the statement could not know 1 would not be stored.
	group(t, s, event("1", "10", "hi"), event("4", "10", "and my refund?"))
	got, others = s.TakeLeased()
	if len(got) != 0 || !others {
		t.Fatalf("took %v (others %v), want none and a claim", externalIDs(got), others)
	}
	evs, err = s.ClaimEvents(ctx, "me", t0, time.Minute, 10, chat.SetAside{})
	if err != nil || !reflect.DeepEqual(externalIDs(evs), []string{"4"}) {
		t.Fatalf("claim: %v %v, want 4", externalIDs(evs), err)
	}
}

// TestLeaseAtAcceptWaitsForTheFlush: an event leased at accept is handed
// over only once the log holding it is on disk, so nothing is answered
// for an event a power cut could still take away.
func TestLeaseAtAcceptWaitsForTheFlush(t *testing.T) {
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "durable.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Now = func() time.Time { return t0 }
	flushing, release := make(chan struct{}), make(chan struct{})
	s.wal.sync = func(f *os.File) error {
		close(flushing)
		<-release
		return f.Sync()
	}
	ready := s.LeaseAtAccept("me", time.Minute, 10)
	accepted := make(chan error, 1)
	go func() { accepted <- s.Accept(context.Background(), event("1", "10", "hi")) }()
	<-flushing
	got, _ := s.TakeLeased()
	early := told(ready)
	close(release) // before any Fatal: Close waits for the flush
	if len(got) != 0 || early {
		t.Fatalf("handed over %v before the log was flushed", externalIDs(got))
	}
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TakeLeased(); !reflect.DeepEqual(externalIDs(got), []string{"1"}) {
		t.Fatalf("after the flush took %v, want 1", externalIDs(got))
	}
}

// TestLeaseAtAcceptOnlyOnSQLite: PostgreSQL's replicas may be committing
// an earlier event of the same conversation, not yet visible, so leasing
// at accept could pass it; there the claims keep order.
func TestLeaseAtAcceptOnlyOnSQLite(t *testing.T) {
	s := openPostgresTest(t)
	if ready := s.LeaseAtAccept("me", time.Minute, 10); ready != nil {
		t.Fatal("PostgreSQL leases at accept")
	}
	mustAccept(t, s, event("1", "10", "hi"))
	if got, others := s.TakeLeased(); len(got) != 0 || others {
		t.Fatalf("took %v (others %v) on PostgreSQL", externalIDs(got), others)
	}
	if evs, err := s.ClaimEvents(context.Background(), "me", t0, time.Minute, 10, chat.SetAside{}); err != nil || len(evs) != 1 {
		t.Fatalf("claim: %v %v, want the event", externalIDs(evs), err)
	}
}

// TestOthersToClaim: of a group's inserted events not leased at accept,
// those behind an event nobody holds and those not offered a lease (past
// the limit, or behind a repeated webhook of the group) need a claim;
// those behind an event the pipeline holds, or behind one the group
// inserted, do not.
func TestOthersToClaim(t *testing.T) {
	row := func(leasedAtAccept, waits bool, o offer) leased {
		return leased{leased: leasedAtAccept, waits: waits, offer: o}
	}
	tests := []struct {
		name     string
		inserted []leased
		want     bool
	}{
		{"all leased", []leased{row(true, false, offered), row(true, false, offered)}, false},
		{"one behind an event held", []leased{row(true, false, offered), row(false, false, offered)}, false},
		{"one behind an event nobody holds", []leased{row(true, false, offered), row(false, true, offered)}, true},
		{"past the limit, or behind a repeated webhook", []leased{row(true, false, offered), row(false, false, unoffered)}, true},
		{"behind one the group inserted", []leased{row(true, false, offered), row(false, false, behind)}, false},
		{"none leased, all behind events held", []leased{row(false, false, offered), row(false, false, offered)}, false},
		{"nothing inserted", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := othersToClaim(tt.inserted); got != tt.want {
				t.Errorf("othersToClaim = %v, want %v", got, tt.want)
			}
		})
	}
}
