package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Readiness thresholds. A write that fails now and then (a lock timeout, a
// replica's failover) is retried and is no reason to take the replica out
// of service; writes that keep failing are.
const (
	// writesFailingFor is how long writes of one kind must fail, with
	// none of them succeeding, before the pipeline reports itself unable
	// to make progress.
	writesFailingFor = 5 * time.Second
	// writeFailureStale is how recent the last failure must be to count:
	// beyond it nothing of that kind was tried again (the work was set
	// aside or went idle), and an idle pipeline is healthy. It is longer
	// than SQLite's busy timeout (10 s), the slowest a failure comes back.
	writeFailureStale = 30 * time.Second
)

// health is what the pipeline knows of its own progress, for readiness:
// work in progress far longer than it should take (a stuck worker), and
// writes that keep failing (the database refuses them, the disk is full).
type health struct {
	mu      sync.Mutex
	seq     uint64
	running map[uint64]work
	failing map[string]failingWrites // by kind of write
}

type work struct {
	what  string
	since time.Time
}

type failingWrites struct {
	since, last time.Time // the first failure since the last success, and the latest
}

func newHealth() *health {
	return &health{running: map[uint64]work{}, failing: map[string]failingWrites{}}
}

// begin records that work started; the function it returns records that
// it ended.
func (h *health) begin(what string, now time.Time) (end func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	id := h.seq
	h.running[id] = work{what: what, since: now}
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.running, id)
	}
}

// wrote records the outcome of a write of a kind. Only the database being
// unavailable counts as a failure; a conflict or an event already done
// means the database took the transaction, and a stop's cancelled
// context says nothing about it.
func (h *health) wrote(kind string, err error, now time.Time) {
	switch {
	case err == nil:
		h.mu.Lock()
		delete(h.failing, kind)
		h.mu.Unlock()
	case errors.Is(err, chat.ErrUnavailable):
		h.mu.Lock()
		f, ok := h.failing[kind]
		if !ok {
			f.since = now
		}
		f.last = now
		h.failing[kind] = f
		h.mu.Unlock()
	}
}

// report says whether the pipeline can make progress at now and, when it
// cannot, why: work running longer than stuckAfter, or writes of a kind
// failing for writesFailingFor with the latest failure recent.
func (h *health) report(now time.Time, stuckAfter time.Duration) (ok bool, detail string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var why []string
	var oldest work
	for _, w := range h.running {
		if oldest.since.IsZero() || w.since.Before(oldest.since) {
			oldest = w
		}
	}
	if !oldest.since.IsZero() && now.Sub(oldest.since) > stuckAfter {
		why = append(why, fmt.Sprintf("stuck: %s running %s", oldest.what, now.Sub(oldest.since).Round(time.Second)))
	}
	var since time.Time
	var kinds []string
	for kind, f := range h.failing {
		if now.Sub(f.since) < writesFailingFor || now.Sub(f.last) >= writeFailureStale {
			continue
		}
		kinds = append(kinds, kind)
		if since.IsZero() || f.since.Before(since) {
			since = f.since
		}
	}
	if len(kinds) > 0 {
		slices.Sort(kinds)
		why = append(why, fmt.Sprintf("writes failing since %s (%s)", since.UTC().Format(time.RFC3339), strings.Join(kinds, ", ")))
	}
	if len(why) == 0 {
		return true, "ok"
	}
	return false, strings.Join(why, "; ")
}

// Health says whether the pipeline can make progress at now (the
// pipeline's clock), for readiness: not while a batch or an event has been
// worked on for longer than the lease (another replica may take it over
// meanwhile, and this one is stuck), nor while writes keep failing. An
// idle pipeline is healthy, and it is again by itself once work finishes
// and writes succeed.
func (p *Pipeline) Health(now time.Time) (ok bool, detail string) {
	return p.health.report(now, p.cfg.Lease)
}
