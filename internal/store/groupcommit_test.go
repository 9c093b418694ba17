package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestGroupCommitIsolatesABadEvent: one event the encoder or the database
// refuses fails alone; the events committed in the same group are stored.
// Before, one update with a date past year 9999 made 107 good ones 503.
func TestGroupCommitIsolatesABadEvent(t *testing.T) {
	t.Run("the encoder refuses one of a group", func(t *testing.T) {
		unencodable := event("3", "30", "from the far future")
		unencodable.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // JSON cannot encode it
		evs := []chat.Event{event("1", "10", "a"), event("2", "20", "b"), unencodable, event("4", "40", "d")}
		eachDB(t, func(t *testing.T, s *Store) {
			errs := make([]error, len(evs))
			var wg sync.WaitGroup
			for i, ev := range evs {
				wg.Go(func() { errs[i] = s.Accept(context.Background(), ev) })
			}
			wg.Wait()
			for i, err := range errs {
				if want := evs[i].ExternalID == "3"; (err != nil) != want {
					t.Errorf("event %s: %v, want error %v", evs[i].ExternalID, err, want)
				}
				if err != nil && !errors.Is(err, chat.ErrUnavailable) {
					t.Errorf("event %s: %v does not wrap chat.ErrUnavailable", evs[i].ExternalID, err)
				}
			}
			if n := countRows(t, s, "inbox"); n != 3 {
				t.Errorf("%d inbox rows, want 3", n)
			}
		})
	})

	// A text PostgreSQL refuses (a NUL byte); storable removes those, so
	// this is the stand-in for whatever else the database may refuse.
	refused := func(id string) acceptReq {
		ev := storable(event(id, id+"0", "refused"))
		return acceptReq{ctx: context.Background(), ev: ev, data: []byte("{\"text\":\"a\x00b\"}")}
	}
	good := func(id string) acceptReq {
		ev := storable(event(id, id+"0", "fine"))
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return acceptReq{ctx: context.Background(), ev: ev, data: data}
	}
	// A group of arrayRows or more goes to PostgreSQL as arrays (see
	// Store.rows): one refused among them still costs only itself.
	var large []acceptReq
	var largeErr []bool
	for i := range arrayRows + 2 {
		id := strconv.Itoa(100 + i)
		if i == 5 {
			large, largeErr = append(large, refused(id)), append(largeErr, true)
			continue
		}
		large, largeErr = append(large, good(id)), append(largeErr, false)
	}
	tests := []struct {
		name    string
		batch   []acceptReq
		wantErr []bool
		rows    int
	}{
		{"a refused event in a group sent as arrays", large, largeErr, arrayRows + 1},
		{"a refused event among good ones", []acceptReq{good("1"), good("2"), refused("3"), good("4")}, []bool{false, false, true, false}, 3},
		{"good events only", []acceptReq{good("1"), good("2")}, []bool{false, false}, 2},
		{"a refused event alone", []acceptReq{refused("3")}, []bool{true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openPostgresTest(t)
			errs := s.commitGroup(tt.batch).errs
			for i, err := range errs {
				if (err != nil) != tt.wantErr[i] {
					t.Errorf("event %s: %v, want error %v", tt.batch[i].ev.ExternalID, err, tt.wantErr[i])
				}
				if err != nil && !errors.Is(err, chat.ErrUnavailable) {
					t.Errorf("event %s: %v does not wrap chat.ErrUnavailable", tt.batch[i].ev.ExternalID, err)
				}
			}
			if n := countRows(t, s, "inbox"); n != tt.rows {
				t.Errorf("%d inbox rows, want %d", n, tt.rows)
			}
		})
	}
}

// TestAcceptFlushesTheLogBeforeAnswering: with the production default, an
// update is answered only once the write-ahead log holding it is flushed
// to disk, and the flush happens outside the transaction (whose commit
// does not wait for the disk). A flush that fails is answered as an outage,
// and the platform's retry finds the update stored once.
func TestAcceptFlushesTheLogBeforeAnswering(t *testing.T) {
	path := filepath.Join(t.TempDir(), "durable.db")
	s, err := OpenSQLite(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	var flushed []string
	var fail error
	s.wal.sync = func(f *os.File) error {
		mu.Lock()
		defer mu.Unlock()
		flushed = append(flushed, f.Name())
		if fail != nil {
			return fail
		}
		return f.Sync()
	}
	flushes := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(flushed)
	}

	if err := s.Accept(context.Background(), event("1", "10", "a")); err != nil {
		t.Fatal(err)
	}
	if flushes() != 1 || flushed[0] != path+"-wal" {
		t.Fatalf("flushed %q, want the write-ahead log once", flushed)
	}
	var level int
	if err := s.w.Get(&level, "PRAGMA synchronous"); err != nil || level != 1 {
		t.Fatalf("writer's synchronous = %d (%v), want 1 (NORMAL): the commit itself must not wait for the disk", level, err)
	}

	mu.Lock()
	fail = errors.New("disk on fire")
	mu.Unlock()
	if err := s.Accept(context.Background(), event("2", "20", "b")); !errors.Is(err, chat.ErrUnavailable) {
		t.Fatalf("accept with the flush failing: %v, want chat.ErrUnavailable (the platform retries)", err)
	}
	mu.Lock()
	fail = nil
	mu.Unlock()
	if err := s.Accept(context.Background(), event("2", "20", "b")); err != nil {
		t.Fatalf("the platform's retry: %v", err)
	}
	if n := countRows(t, s, "inbox"); n != 2 {
		t.Errorf("%d inbox rows, want 2 (the retried update once)", n)
	}
	if got := flushes(); got != 3 {
		t.Errorf("%d flushes, want 3 (one per group commit)", got)
	}
}

// TestOpenRefusesAcceptsLessDurableThanItSays: the accept level is FULL
// over NORMAL, or the same as the rest; anything else would be a promise
// the store does not keep.
func TestOpenRefusesAcceptsLessDurableThanItSays(t *testing.T) {
	for _, opt := range []Options{
		{AcceptSynchronous: "FULL", Synchronous: "OFF"},
		{AcceptSynchronous: "NORMAL", Synchronous: "FULL"},
		{AcceptSynchronous: "EXTRA", Synchronous: "NORMAL"},
	} {
		s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "x.db"), opt)
		if err == nil {
			s.Close()
			t.Errorf("%+v: opened, want refused", opt)
		}
	}
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "y.db"), Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatalf("both OFF: %v", err)
	}
	defer s.Close()
	if s.wal != nil {
		t.Error("accepts at the rest's level flush the log all the same")
	}
}

// TestWorkCountsTheWritersTime: the time SQLite's writer is held, and waited
// for, is kept for /metrics (the load tool's writer_busy).
func TestWorkCountsTheWritersTime(t *testing.T) {
	s := openTest(t)
	before := s.Work()
	ctx := context.Background()
	if err := s.writerTurn(ctx, false); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error)
	go func() {
		err := s.writerTurn(ctx, true)
		if err == nil {
			s.endTurn()
		}
		waited <- err
	}()
	for queued := false; !queued; time.Sleep(time.Millisecond) {
		s.turns.mu.Lock()
		queued = len(s.turns.fast) == 1
		s.turns.mu.Unlock()
	}
	const hold = 30 * time.Millisecond
	time.Sleep(hold) // the queued turn waits at least this long
	s.endTurn()
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	mustAccept(t, s, event("1", "10", "a"))
	after := s.Work()
	if held := after.WriterHeld - before.WriterHeld; held < hold {
		t.Errorf("writer held %s, want at least %s", held, hold)
	}
	if w := after.WriterWaited - before.WriterWaited; w < hold {
		t.Errorf("writer waited for %s, want at least %s", w, hold)
	}

	// Transactions combined into one commit each count their own wait.
	f := newCombineFixture(t)
	before = f.s.Work()
	f.hold()
	errs := make([]error, 2)
	f.queue(ctx, &errs[0], insert("a"))
	f.queue(ctx, &errs[1], insert("b"))
	time.Sleep(hold)
	f.unhold()
	f.wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if w := f.s.Work().WriterWaited - before.WriterWaited; w < 2*hold {
		t.Errorf("two transactions queued %s behind a held writer waited %s in all, want at least %s", hold, w, 2*hold)
	}

	pg := openPostgresTest(t)
	mustAccept(t, pg, event("1", "10", "a"))
	if w := pg.Work(); w.WriterHeld != 0 || w.WriterWaited != 0 {
		t.Errorf("PostgreSQL reports a writer's time: %+v", w)
	}
}

// TestWorkSaysWhatTheWriterDid: SQLite's writer time is kept by what it
// went to, each kind of work under its own part, and the parts add up to
// the time it was held.
func TestWorkSaysWhatTheWriterDid(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var evs []chat.InboxEvent
	var states []chat.State
	var sends []chat.Outgoing
	steps := []struct {
		part string
		do   func() error
	}{
		{"accept", func() error {
			return errors.Join(s.Accept(ctx, event("1", "10", "where is my order?")), s.Accept(ctx, event("2", "20", "hello")))
		}},
		{"claim_events", func() error {
			var err error
			if evs, err = s.ClaimEvents(ctx, "w", t0, time.Minute, 10, chat.SetAside{}); err == nil && len(evs) != 2 {
				err = fmt.Errorf("claimed %d events, want 2", len(evs))
			}
			if err == nil {
				states, err = s.LoadStates(ctx, evs, t0, 24*time.Hour)
			}
			return err
		}},
		{"apply", func() error {
			fx := make([]chat.Effects, len(evs))
			for i, ie := range evs {
				fx[i] = chat.Effects{Event: ie, Basis: states[i], Plan: replyPlan(ie.Event, "content/"+ie.CustomerScope(), t0)}
			}
			results, err := s.Apply(ctx, fx, t0)
			return errors.Join(append(results, err)...)
		}},
		{"claim_sends", func() error {
			var err error
			if sends, err = s.ClaimOutgoing(ctx, "w", t0, time.Minute, 10); err == nil && len(sends) != 2 {
				err = fmt.Errorf("claimed %d sends, want 2", len(sends))
			}
			return err
		}},
		{"sent", func() error {
			_, err := s.MarkSentAndClaimNext(ctx, []chat.SentMessage{{ID: sends[0].ID, PlatformMessageID: "1", At: t0},
				{ID: sends[1].ID, PlatformMessageID: "2", At: t0}}, chat.SendClaim{Owner: "w", Until: t0.Add(time.Minute), Max: 4}, t0)
			return err
		}},
	}
	for _, step := range steps {
		before := s.Work()
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.part, err)
		}
		after := s.Work()
		for part, d := range after.WriterParts {
			grew := d > before.WriterParts[part]
			switch {
			case part == step.part && !grew:
				t.Errorf("%s: the writer's time under %q did not grow (%s)", step.part, part, d)
			case part != step.part && part != "other" && part != "commit" && grew:
				t.Errorf("%s: the writer's time under %q grew too (%s → %s)", step.part, part, before.WriterParts[part], d)
			}
		}
	}
	w := s.Work()
	if len(w.WriterParts) != int(numWriterParts) {
		t.Errorf("parts %v, want %d of them", w.WriterParts, numWriterParts)
	}
	var sum time.Duration
	for part, d := range w.WriterParts {
		if d < 0 {
			t.Errorf("%s: %s", part, d)
		}
		sum += d
	}
	// Every named part was spent inside a turn, so other is what they
	// leave, and the sum is the held time.
	if sum != w.WriterHeld || w.WriterParts["commit"] <= 0 {
		t.Errorf("parts %v add up to %s, held %s", w.WriterParts, sum, w.WriterHeld)
	}

	pg := openPostgresTest(t)
	mustAccept(t, pg, event("1", "10", "a"))
	if w := pg.Work(); w.WriterParts != nil {
		t.Errorf("PostgreSQL reports the parts of a writer's time: %v", w.WriterParts)
	}
}

// TestWALFileFollowsANewLog: when SQLite has made a new log file (it
// deletes the old one when its last connection closes), the flush syncs
// the new file, not the deleted one still held open.
func TestWALFileFollowsANewLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	if err := os.WriteFile(db+"-wal", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := newWALFile(db)
	defer w.close()
	var synced []os.FileInfo
	w.sync = func(f *os.File) error {
		fi, err := f.Stat()
		synced = append(synced, fi)
		return err
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(db + "-wal"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db+"-wal", []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	current, err := os.Stat(db + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if len(synced) != 2 || !os.SameFile(synced[1], current) || os.SameFile(synced[0], current) {
		t.Fatalf("synced %d files; the second is the new log: %v", len(synced), len(synced) == 2 && os.SameFile(synced[1], current))
	}
	if err := os.Remove(db + "-wal"); err != nil {
		t.Fatal(err)
	}
	if err := w.flush(); err == nil {
		t.Fatal("flushed a log that is gone; want an error (the webhooks are answered 503)")
	}
}

// TestAWebhookGroupIsOneStatement: a group commit of webhooks is one
// statement, its own transaction, on both databases and whether or not it
// leases at accept (BEGIN, the insert, the lease and COMMIT were four on
// SQLite; BEGIN, the insert and COMMIT three on PostgreSQL).
func TestAWebhookGroupIsOneStatement(t *testing.T) {
	tests := []struct {
		name  string
		open  func(*testing.T) *Store
		lease bool
	}{
		{"SQLite", openTest, false},
		{"SQLite, leasing at accept", openTest, true},
		{"PostgreSQL", openPostgresTest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.open(t)
			if tt.lease {
				s.LeaseAtAccept("me", time.Minute, 10)
			}
			before := s.Work()
			mustAccept(t, s, event("1", "10", "a"))
			work := s.Work()
			if st, c := work.Statements-before.Statements, work.Commits-before.Commits; st != 1 || c != 1 {
				t.Errorf("one webhook took %d statements and %d commits, want 1 and 1", st, c)
			}
			if n := countRows(t, s, "inbox"); n != 1 {
				t.Errorf("%d inbox rows, want 1", n)
			}
			if got, _ := s.TakeLeased(); tt.lease != (len(got) == 1) {
				t.Errorf("leased at accept: %v, want %v", externalIDs(got), tt.lease)
			}
		})
	}
}

// TestWorkHeldCoversItsParts reads the writer's time while webhooks are
// written: a turn's parts are counted as they end and its held time when
// it ends, so a reading between the two once had the parts add up to more
// than the held time.
func TestWorkHeldCoversItsParts(t *testing.T) {
	s := openTest(t)
	done := make(chan error)
	go func() {
		var err error
		for i := 0; i < 300 && err == nil; i++ {
			err = s.Accept(context.Background(), event(strconv.Itoa(i), strconv.Itoa(i%7), "hi"))
		}
		done <- err
	}()
	for reads := 0; ; reads++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d readings", reads)
			return
		default:
		}
		w := s.Work()
		var named time.Duration
		for part, d := range w.WriterParts {
			if part != "other" {
				named += d
			}
		}
		if named > w.WriterHeld || w.WriterParts["other"] != w.WriterHeld-named {
			t.Fatalf("reading %d: parts %v add up to more than held %s", reads, w.WriterParts, w.WriterHeld)
		}
	}
}
