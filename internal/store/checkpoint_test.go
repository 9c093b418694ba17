package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// openCheckpointTest opens a SQLite store whose checkpointer looks every
// `every`, and an accept of events of 8 KiB each, two pages and more of the
// log apiece, safe to call from several goroutines.
func openCheckpointTest(t *testing.T, every time.Duration) (s *Store, path string, accept func(n int)) {
	t.Helper()
	was := checkpointEvery
	t.Cleanup(func() { checkpointEvery = was })
	checkpointEvery = every
	path = filepath.Join(t.TempDir(), "test.db")
	s, err := OpenSQLite(context.Background(), path, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	raw := []byte(`{"text":"` + strings.Repeat("x", 8<<10) + `"}`)
	var next atomic.Int64 // accept may run in several goroutines
	accept = func(n int) {
		t.Helper()
		for range n {
			id := next.Add(1)
			ev := event(fmt.Sprint(1000+id), fmt.Sprint(id%20), "where is my order?")
			ev.Raw = raw
			if err := s.Accept(context.Background(), ev); err != nil {
				t.Error(err)
				return
			}
		}
	}
	return s, path, accept
}

// TestTheWriterStartsTheLogOver: the writer never checkpoints inside its
// commits, so the log grows with what is written; once it is long, a
// checkpoint finished by the writer starts it over, and what is written
// next reuses the file instead of growing it.
func TestTheWriterStartsTheLogOver(t *testing.T) {
	s, path, accept := openCheckpointTest(t, time.Hour) // no look of its own during the test
	ctx := context.Background()
	var auto int
	if err := s.w.GetContext(ctx, &auto, `PRAGMA wal_autocheckpoint`); err != nil || auto != 0 {
		t.Fatalf("the writer checkpoints every %d pages (%v); want never on its own", auto, err)
	}

	accept(150)
	first := walPages(t, path)
	if err := s.checkpoint(ctx, s.ckpt, 1); err != nil {
		t.Fatal(err)
	}
	accept(150) // as much again, from the start of the log
	if again := walPages(t, path); again > first+first/10 {
		t.Errorf("the log file grew from %d to %d pages after a checkpoint that was to start it over", first, again)
	}
	if w := s.Work(); w.WriterParts["checkpoint"] <= 0 {
		t.Errorf("the writer's checkpoint is not counted: %v", w.WriterParts)
	}
	// Without a checkpoint the log only grows: past SQLite's own 1,000
	// pages, the writer would have started it over.
	accept(150)
	if grown := walPages(t, path); grown < first+1000 {
		t.Errorf("150 more events grew the log file from %d to %d pages; want the log to grow", first, grown)
	}

	// A short log is copied beside the writer and left to grow.
	before := s.Work().WriterParts["checkpoint"]
	if err := s.checkpoint(ctx, s.ckpt, 1<<30); err != nil {
		t.Fatal(err)
	}
	if after := s.Work().WriterParts["checkpoint"]; after != before {
		t.Errorf("a short log took the writer %s", after-before)
	}
}

// TestTheLogStaysShortUnderSteadyWrites: with commits coming all the time,
// the copy beside the writer is never quite done, so the writer's next
// transaction never finds the whole log copied and would never start it
// over; the writer's own checkpoint, once the log is long, does.
func TestTheLogStaysShortUnderSteadyWrites(t *testing.T) {
	was := walRestartAt
	t.Cleanup(func() { walRestartAt = was })
	walRestartAt = 64
	_, path, accept := openCheckpointTest(t, 2*time.Millisecond)
	opened := walPages(t, path) // what the migrations wrote
	const n, writers = 1200, 4
	var wg sync.WaitGroup
	stop := make(chan struct{})
	largest := atomic.Int64{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > largest.Load() {
				largest.Store(fi.Size())
			}
		}
	}()
	var writing sync.WaitGroup
	for range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			accept(n / writers)
		}()
	}
	writing.Wait()
	close(stop)
	wg.Wait()
	grown := int(largest.Load()/(4096+24)) - opened
	t.Logf("the log file grew by %d pages over %d events", grown, n)
	// Each event writes two pages and more (its 8 KiB): a log never
	// started over grows by more than twice the events.
	if grown >= 2*n {
		t.Errorf("the log file grew by %d pages over %d events: it was never started over", grown, n)
	}
}

// TestCheckpointsRunBesideTheWriter: the checkpointer copies what is
// committed into the database file on its own.
func TestCheckpointsRunBesideTheWriter(t *testing.T) {
	s, path, accept := openCheckpointTest(t, 5*time.Millisecond)
	const n = 50
	accept(n)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		fi, err := os.Stat(path)
		if err == nil && fi.Size() >= n*8<<10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the database file holds %v bytes (%v); want the %d events' %d KiB copied into it", fi.Size(), err, n, n*8)
		}
	}
	var stored int
	if err := s.readGet(context.Background(), &stored, `SELECT COUNT(*) FROM inbox WHERE length(raw) > 8192`); err != nil || stored != n {
		t.Errorf("%d events stored (%v), want %d", stored, err, n)
	}
}

// walPages is the length of the database's log file, in pages.
func walPages(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return int(fi.Size() / (4096 + 24)) // a page and its frame's header
}
