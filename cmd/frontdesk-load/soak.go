package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// soak schedules the reliability events of a run: a replica killed and
// restarted, an outage of the Bot API.
type soak struct {
	wg     sync.WaitGroup // a crash due or in progress
	mu     sync.Mutex
	timers []*time.Timer
	crashT *time.Timer
	fake   *fakeAPI

	crashes   int
	restart   time.Duration // how long the last crashed replica was away
	crashedAt time.Time
}

func startSoak(ctx context.Context, o options, svc *service, fake *fakeAPI, t *targets, stderr io.Writer) *soak {
	s := &soak{fake: fake}
	if o.outageFor > 0 {
		s.after(o.outageAt, func() {
			fmt.Fprintf(stderr, "outage: sendMessage answers 500 for %s\n", o.outageFor)
			fake.setOutage(true)
		})
		s.after(o.outageAt+o.outageFor, func() {
			fmt.Fprintln(stderr, "outage over")
			fake.setOutage(false)
		})
	}
	if o.crashAt > 0 && svc != nil {
		s.wg.Add(1)
		s.crashT = time.AfterFunc(o.crashAt, func() {
			defer s.wg.Done()
			s.crash(ctx, svc, t, stderr)
		})
	}
	return s
}

func (s *soak) after(d time.Duration, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timers = append(s.timers, time.AfterFunc(d, f))
}

func (s *soak) crash(ctx context.Context, svc *service, t *targets, stderr io.Writer) {
	fmt.Fprintln(stderr, "crash: SIGKILL replica 0, restarting it on the same database")
	s.mu.Lock()
	s.crashedAt = time.Now()
	s.mu.Unlock()
	url, away, err := svc.crash(ctx, 0)
	if err != nil {
		// The run goes on against the other replicas, if any; what replica 0
		// had accepted shows up as lost unless another takes it over.
		fmt.Fprintf(stderr, "crash: replica 0 did not come back: %v\n", err)
		return
	}
	t.set(0, url)
	fmt.Fprintf(stderr, "crash: replica 0 ready again after %s\n", away.Round(time.Millisecond))
	s.mu.Lock()
	s.crashes++
	s.restart = away
	s.mu.Unlock()
}

// wait waits until the crash, due within the run, is over.
func (s *soak) wait() { s.wg.Wait() }

// stop cancels what has not happened yet, ends an outage and waits for a
// crash in progress.
func (s *soak) stop() {
	s.mu.Lock()
	for _, t := range s.timers {
		t.Stop()
	}
	if s.crashT != nil && s.crashT.Stop() {
		s.wg.Done()
	}
	s.mu.Unlock()
	s.fake.setOutage(false)
	s.wg.Wait()
}

// quietUntil is when a duplicate caused by the crash would have shown: the
// killed replica's claims expire after the lease, and whoever takes them over
// sends what it had in flight again.
func (s *soak) quietUntil() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.crashedAt.IsZero() {
		return time.Time{}
	}
	return s.crashedAt.Add(serviceLease + time.Second)
}

func (s *soak) result() (crashes int, restartMS float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.crashes, ms(s.restart)
}
