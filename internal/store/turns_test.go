package store

import (
	"context"
	"testing"
	"time"
)

// TestWriterTurnsPutGroupCommitsFirstButNeverTwiceInARow: while the
// writer is busy, waiting group commits (fast) go before waiting pipeline
// work (slow), alternating while both wait, each kind in arrival order; a
// waiter that gives up leaves the line without holding anyone up.
func TestWriterTurnsPutGroupCommitsFirstButNeverTwiceInARow(t *testing.T) {
	var w writerTurns
	ctx := context.Background()
	if _, err := w.acquire(ctx, false); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 8)
	queued := func(fast, slow int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			w.mu.Lock()
			f, s := len(w.fast), len(w.slow)
			w.mu.Unlock()
			if f == fast && s == slow {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting: %d fast, %d slow; want %d and %d", f, s, fast, slow)
			}
			time.Sleep(time.Millisecond)
		}
	}
	wait := func(name string, fast bool) {
		go func() {
			if _, err := w.acquire(ctx, fast); err != nil {
				got <- "error " + err.Error()
				return
			}
			got <- name
		}()
	}
	wait("slow1", false)
	queued(0, 1)
	wait("slow2", false)
	queued(0, 2)
	wait("fast1", true)
	queued(1, 2)
	gone, cancel := context.WithCancel(ctx)
	go func() {
		_, err := w.acquire(gone, true)
		got <- "gave up: " + err.Error()
	}()
	queued(2, 2)
	cancel()
	if g := <-got; g != "gave up: context canceled" {
		t.Fatalf("the waiter that gave up: %s", g)
	}
	queued(1, 2)
	wait("fast2", true)
	queued(2, 2)
	var order []string
	for range 4 {
		w.release()
		select {
		case g := <-got:
			order = append(order, g)
		case <-time.After(5 * time.Second):
			t.Fatalf("nobody got the writer after %v", order)
		}
	}
	want := []string{"fast1", "slow1", "fast2", "slow2"}
	if len(order) != len(want) {
		t.Fatalf("turns %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("turns %v, want %v", order, want)
		}
	}
	w.release()
	if w.busy {
		t.Error("the writer is still busy after the last turn ended")
	}
}
