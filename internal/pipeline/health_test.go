package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestHealth(t *testing.T) {
	down := fmt.Errorf("apply: %w: disk full", chat.ErrUnavailable)
	const lease = time.Minute
	type step struct {
		at    time.Duration // from t0
		begin string        // work that starts (and runs until the end)
		write string        // a write of this kind...
		err   error         // ...with this outcome
	}
	tests := []struct {
		name   string
		steps  []step
		at     time.Duration
		ok     bool
		detail string
	}{
		{"idle", nil, time.Hour, true, "ok"},
		{"a batch within the lease", []step{{at: 0, begin: "batch"}}, 59 * time.Second, true, "ok"},
		{"a batch past the lease", []step{{at: 0, begin: "batch"}, {at: 30 * time.Second, begin: "agent event"}}, 95 * time.Second, false, "stuck: batch running 1m35s"},
		{"one failed write", []step{{at: 0, write: "apply", err: down}}, 4 * time.Second, true, "ok"},
		{"writes failing", []step{
			{at: 0, write: "apply", err: down}, {at: 3 * time.Second, write: "apply", err: down}, {at: 6 * time.Second, write: "claim events", err: down},
		}, 6 * time.Second, false, "writes failing since 2026-11-20T10:00:00Z (apply)"},
		{"two kinds failing", []step{
			{at: 0, write: "apply", err: down}, {at: 1 * time.Second, write: "claim events", err: down}, {at: 6 * time.Second, write: "claim events", err: down},
		}, 7 * time.Second, false, "writes failing since 2026-11-20T10:00:00Z (apply, claim events)"},
		{"a failure every 10 s, as a locked SQLite answers", []step{
			{at: 0, write: "claim events", err: down}, {at: 10 * time.Second, write: "claim events", err: down}, {at: 20 * time.Second, write: "claim events", err: down},
		}, 29 * time.Second, false, "writes failing since 2026-11-20T10:00:00Z (claim events)"},
		{"a success ends the failures of its kind", []step{
			{at: 0, write: "apply", err: down}, {at: 6 * time.Second, write: "apply", err: down}, {at: 7 * time.Second, write: "apply"},
		}, 8 * time.Second, true, "ok"},
		{"a success of another kind does not", []step{
			{at: 0, write: "apply", err: down}, {at: 6 * time.Second, write: "apply", err: down}, {at: 7 * time.Second, write: "claim events"},
		}, 8 * time.Second, false, "writes failing since 2026-11-20T10:00:00Z (apply)"},
		{"failures long past, nothing tried since", []step{
			{at: 0, write: "apply", err: down}, {at: 6 * time.Second, write: "apply", err: down},
		}, 40 * time.Second, true, "ok"},
		{"conflicts and a stop are not failures", []step{
			{at: 0, write: "apply", err: chat.ErrConflict}, {at: 6 * time.Second, write: "apply", err: context.Canceled},
		}, 7 * time.Second, true, "ok"},
		{"stuck and failing", []step{{at: 0, begin: "claiming events"}, {at: 55 * time.Second, write: "record sends", err: down}, {at: 61 * time.Second, write: "record sends", err: errors.Join(down)}},
			61 * time.Second, false, "stuck: claiming events running 1m1s; writes failing since 2026-11-20T10:00:55Z (record sends)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHealth()
			for _, s := range tt.steps {
				if s.begin != "" {
					h.begin(s.begin, t0.Add(s.at))
				}
				if s.write != "" {
					h.wrote(s.write, s.err, t0.Add(s.at))
				}
			}
			ok, detail := h.report(t0.Add(tt.at), lease)
			if ok != tt.ok || detail != tt.detail {
				t.Errorf("report = %v, %q; want %v, %q", ok, detail, tt.ok, tt.detail)
			}
		})
	}
}

// TestHealthRecoversWhenWorkEnds: work that ended no longer counts.
func TestHealthRecoversWhenWorkEnds(t *testing.T) {
	h := newHealth()
	end := h.begin("batch", t0)
	if ok, detail := h.report(t0.Add(2*time.Minute), time.Minute); ok {
		t.Fatalf("a batch running 2m under a 1m lease: %v, %q", ok, detail)
	}
	end()
	if ok, detail := h.report(t0.Add(2*time.Minute), time.Minute); !ok {
		t.Fatalf("after the batch ended: %v, %q", ok, detail)
	}
}
