package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// maxPosters bounds the open loop's concurrent posts: enough to keep a
	// few thousand updates a second going against a service that takes
	// tens of milliseconds, not so many that the generator starves the
	// service of CPU.
	maxPosters = 256
	// lagLimit is how late the open loop may hand an update to a poster.
	// A run where more than lateShare of the updates were later than that
	// did not keep its rate; a single stall of the machine does not count.
	lagLimit  = 50 * time.Millisecond
	lateShare = 0.01
	// retryFor is how long a delivery is retried, like Telegram does, before
	// it counts as an error.
	retryFor = 30 * time.Second
	// postTimeout bounds one webhook call.
	postTimeout = 10 * time.Second
)

// targets hands out webhook URLs round-robin; a replica restarted on a new
// port gets its entry replaced.
type targets struct {
	mu   sync.RWMutex
	urls []string
	n    atomic.Uint64
}

func newTargets(urls []string) *targets { return &targets{urls: urls} }

func (t *targets) next() string {
	i := t.n.Add(1)
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.urls[i%uint64(len(t.urls))]
}

func (t *targets) set(i int, url string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.urls[i] = url
}

// load is one run of the generator against a set of webhook URLs.
type load struct {
	targets  *targets
	secret   string
	rate     int // updates per second; 0: closed loop
	posters  int // closed loop's concurrency
	duration time.Duration
	client   *http.Client
	ledger   *ledger

	genMu sync.Mutex
	gen   *workload
}

// genStats describes how well the generator did its part.
type genStats struct {
	window  time.Duration // first to last post
	maxLag  time.Duration // open loop: latest hand-over after the scheduled time
	late    int           // open loop: updates handed over more than lagLimit late
	posters int           // open loop: posters it took
	kept    bool
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout:   postTimeout,
		Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute},
	}
}

// job is one delivery with the time it was due.
type job struct {
	u  update
	at time.Time
}

// next generates the next update, due at `at`, and records it. Generating
// and recording under one lock keeps the ledger in message-number order.
func (l *load) next(at time.Time) job {
	l.genMu.Lock()
	defer l.genMu.Unlock()
	u := l.gen.next(at.Unix())
	if u.Kind != kindRetry {
		l.ledger.record(u, at)
	}
	return job{u: u, at: at}
}

// run posts for the duration and returns when every post has an outcome.
func (l *load) run(ctx context.Context) genStats {
	if l.rate > 0 {
		return l.openLoop(ctx)
	}
	return l.closedLoop(ctx)
}

// openLoop schedules updates at fixed intervals whatever the service does;
// latency counts from the scheduled time, so a slow service cannot slow the
// generator down and hide its own queueing (coordinated omission).
func (l *load) openLoop(ctx context.Context) genStats {
	jobs := make(chan job)
	var wg sync.WaitGroup
	posters := 0
	start := time.Now()
	st := genStats{kept: true}
	timer := time.NewTimer(0)
	defer timer.Stop()
	var last time.Time
	sent := 0
loop:
	for seq := int64(0); ; seq++ {
		due := start.Add(time.Duration(seq * int64(time.Second) / int64(l.rate)))
		if due.Sub(start) >= l.duration {
			break
		}
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				break loop
			}
		}
		j := l.next(due)
		select {
		case jobs <- j:
		default:
			if posters < maxPosters {
				posters++
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range jobs {
						l.post(ctx, j)
					}
				}()
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				break loop
			}
		}
		last = time.Now()
		lag := last.Sub(due)
		st.maxLag = max(st.maxLag, lag)
		if lag > lagLimit {
			st.late++
		}
		sent++
	}
	close(jobs)
	wg.Wait()
	if sent > 0 {
		st.window = last.Sub(start)
	}
	st.posters = posters
	st.kept = float64(st.late) <= lateShare*float64(sent)
	return st
}

// closedLoop keeps l.posters posts in flight: as fast as the service
// accepts.
func (l *load) closedLoop(ctx context.Context) genStats {
	start := time.Now()
	end := start.Add(l.duration)
	var wg sync.WaitGroup
	for range l.posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				now := time.Now()
				if !now.Before(end) {
					return
				}
				l.post(ctx, l.next(now))
			}
		}()
	}
	wg.Wait()
	return genStats{window: min(time.Since(start), l.duration), kept: true}
}

// post delivers one update until it is answered 200, retrying failures as
// Telegram does: the same update again, after a growing pause, to the next
// replica. A refusal that a retry cannot change (400, 401, 413) is final.
func (l *load) post(ctx context.Context, j job) {
	l.ledger.posted.Add(1)
	backoff := 20 * time.Millisecond
	for attempt := 0; ; attempt++ {
		status, err := l.deliver(ctx, j.u.Body)
		if err == nil && status == http.StatusOK {
			l.ledger.accept(j.u, j.at, time.Now())
			return
		}
		retryable := err != nil || status == http.StatusTooManyRequests || status >= 500
		if !retryable || ctx.Err() != nil || time.Since(j.at)+backoff > retryFor {
			l.ledger.errors.Add(1)
			return
		}
		l.ledger.retries.Add(1)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			l.ledger.errors.Add(1)
			return
		}
		backoff = min(2*backoff, time.Second)
	}
}

func (l *load) deliver(ctx context.Context, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.targets.next(), bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", l.secret)
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	// Read to the end so the connection is reused.
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)); err != nil && !errors.Is(err, context.Canceled) {
		return resp.StatusCode, fmt.Errorf("webhook answer: %w", err)
	}
	return resp.StatusCode, nil
}
