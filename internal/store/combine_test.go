package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// combineFixture is an SQLite store with a scratch table, and the means to
// hold its writer while transactions queue behind it, in a known order.
type combineFixture struct {
	t       *testing.T
	s       *Store
	release chan struct{}
	wg      sync.WaitGroup
}

func newCombineFixture(t *testing.T) *combineFixture {
	s := openTest(t)
	if _, err := s.w.Exec(`CREATE TABLE scratch (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return &combineFixture{t: t, s: s}
}

// hold starts a transaction that keeps the writer until unhold, so the
// ones queued meanwhile are combined in the next commit.
func (f *combineFixture) hold() {
	started := make(chan struct{})
	f.release = make(chan struct{})
	f.wg.Go(func() {
		err := f.s.inTx(context.Background(), func(ctx context.Context, tx *sqlx.Tx) error {
			close(started)
			<-f.release
			_, err := tx.ExecContext(ctx, `INSERT INTO scratch (k) VALUES ('holder')`)
			return err
		})
		if err != nil {
			f.t.Errorf("the holding transaction: %v", err)
		}
	})
	<-started
}

func (f *combineFixture) unhold() { close(f.release) }

// queue starts a transaction that inserts keys and waits until it is
// queued behind the ones before it; *err is its outcome once f.wait
// returns.
func (f *combineFixture) queue(ctx context.Context, err *error, fn func(ctx context.Context, tx *sqlx.Tx) error) {
	before := len(f.s.txs)
	f.wg.Go(func() { *err = f.s.inTx(ctx, fn) })
	deadline := time.Now().Add(5 * time.Second)
	for len(f.s.txs) == before {
		if time.Now().After(deadline) {
			f.t.Fatal("the transaction never queued")
		}
		time.Sleep(time.Millisecond)
	}
}

func (f *combineFixture) wait() { f.wg.Wait() }

func (f *combineFixture) keys() []string {
	var keys []string
	if err := f.s.r.Select(&keys, `SELECT k FROM scratch ORDER BY k`); err != nil {
		f.t.Fatal(err)
	}
	return keys
}

func insert(keys ...string) func(ctx context.Context, tx *sqlx.Tx) error {
	return func(ctx context.Context, tx *sqlx.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO scratch (k) VALUES (?)`, k); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestCombinedTransactionsCommitOnceAndFailAlone: the transactions that
// queue while SQLite's writer is busy commit together, once; one that
// fails half way is undone alone (its first insert too), and the others
// commit.
func TestCombinedTransactionsCommitOnceAndFailAlone(t *testing.T) {
	f := newCombineFixture(t)
	ctx := context.Background()
	before := f.s.Work().Commits
	f.hold()
	errs := make([]error, 4)
	f.queue(ctx, &errs[0], insert("a1", "a2"))
	f.queue(ctx, &errs[1], insert("b1", "a1")) // a1 is taken: b1 must go too
	f.queue(ctx, &errs[2], insert("c1"))
	f.queue(ctx, &errs[3], func(ctx context.Context, tx *sqlx.Tx) error { return nil })
	f.unhold()
	f.wait()
	for i, err := range errs {
		if want := i == 1; (err != nil) != want {
			t.Errorf("transaction %d: %v, want failure %v", i, err, want)
		}
	}
	if got, want := f.keys(), []string{"a1", "a2", "c1", "holder"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	if got := f.s.Work().Commits - before; got != 2 {
		t.Errorf("%d commits, want 2: the holder's, and one for the four queued behind it", got)
	}
}

// TestCombinedTransactionLostHalfWay: a part that ends the transaction
// itself (here: it rolls it back, or panics) must not leave the parts after
// it running outside any transaction, each committing on its own. The
// parts before it are told they failed (their work is undone), the parts
// after it run in a new transaction, and the process goes on.
func TestCombinedTransactionLostHalfWay(t *testing.T) {
	for _, tt := range []struct {
		name string
		bad  func(ctx context.Context, tx *sqlx.Tx) error
	}{
		{"a part rolls the transaction back", func(ctx context.Context, tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, `ROLLBACK`)
			return err
		}},
		{"a part panics", func(ctx context.Context, tx *sqlx.Tx) error {
			panic("a bug")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newCombineFixture(t)
			ctx := context.Background()
			f.hold()
			errs := make([]error, 3)
			f.queue(ctx, &errs[0], insert("before"))
			f.queue(ctx, &errs[1], tt.bad)
			f.queue(ctx, &errs[2], insert("after"))
			f.unhold()
			f.wait()
			if !errors.Is(errs[0], chat.ErrUnavailable) {
				t.Errorf("the part before: %v, want chat.ErrUnavailable (its work was undone)", errs[0])
			}
			if errs[1] == nil {
				t.Error("the bad part succeeded")
			}
			if errs[2] != nil {
				t.Errorf("the part after: %v", errs[2])
			}
			if got, want := f.keys(), []string{"after", "holder"}; !slices.Equal(got, want) {
				t.Errorf("keys %v, want %v", got, want)
			}
			// The writer still works, in transactions of its own.
			if err := f.s.inTx(ctx, insert("later1", "later2")); err != nil {
				t.Fatal(err)
			}
			if err := f.s.inTx(ctx, insert("later3", "later1")); err == nil {
				t.Error("a duplicate key was accepted")
			}
			if got, want := f.keys(), []string{"after", "holder", "later1", "later2"}; !slices.Equal(got, want) {
				t.Errorf("keys %v, want %v", got, want)
			}
		})
	}
}

// TestCombinedTransactionCallerGivesUp: a caller whose context ends while
// its transaction waits for the writer gets its context's error, and its
// transaction never runs; one whose transaction runs already gets the
// outcome, as its work commits or not with the others.
func TestCombinedTransactionCallerGivesUp(t *testing.T) {
	f := newCombineFixture(t)
	f.hold()
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	gaveUp := make(chan error, 1)
	go func() {
		gaveUp <- f.s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			ran.Store(true)
			return nil
		})
	}()
	for len(f.s.txs) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	// It returns while the writer is still held.
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up: %v, want context.Canceled", err)
	}
	var running error
	runCtx, cancelRun := context.WithCancel(context.Background())
	f.queue(runCtx, &running, func(ctx context.Context, tx *sqlx.Tx) error {
		cancelRun() // the caller gives up while its part runs
		return insert("kept")(ctx, tx)
	})
	f.unhold()
	f.wait()
	if ran.Load() {
		t.Error("the transaction of the caller that gave up ran")
	}
	if running != nil {
		t.Errorf("the caller whose part ran: %v, want its outcome (committed)", running)
	}
	if got, want := f.keys(), []string{"holder", "kept"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
}

// TestCombinedTransactionsAfterClose: a transaction asked for after the
// store closed is refused as unavailable, not left waiting.
func TestCombinedTransactionsAfterClose(t *testing.T) {
	f := newCombineFixture(t)
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	err := f.s.inTx(context.Background(), insert("x"))
	if !errors.Is(err, chat.ErrUnavailable) {
		t.Errorf("after close: %v, want chat.ErrUnavailable", err)
	}
}

// TestWriterPreparesWhatItRan: a statement first run unprepared in a
// transaction is prepared by the combiner after it (the cost per statement
// then falls about fivefold), and later transactions find it prepared.
func TestWriterPreparesWhatItRan(t *testing.T) {
	f := newCombineFixture(t)
	ctx := context.Background()
	const q = `INSERT INTO scratch (k) VALUES (?)`
	run := func(k string) {
		t.Helper()
		if err := f.s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			_, err := f.s.exec(ctx, tx, q, k)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	run("first")
	// The next transaction is answered after the combiner has prepared
	// what the first one noted.
	run("second")
	f.s.stmts.mu.Lock()
	prepared := f.s.stmts.stmts[q] != nil
	f.s.stmts.mu.Unlock()
	if !prepared {
		t.Fatal("the statement was not prepared after its first run")
	}
	run("third")
	if got, want := f.keys(), []string{"first", "second", "third"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
}
