package app

import (
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// TestRollingUpdateLosesNothing is a rolling update as Kubernetes does it:
// three `frontdesk serve` processes on one PostgreSQL take webhooks spread
// over them, and one gets SIGTERM mid-stream while the load balancer still
// sends it requests. During shutdown_drain it answers them 503 (the poster
// retries on another replica, as Telegram does), its sends in flight
// finish, and it exits 0 within drain + shutdown_timeout. Unlike a kill
// (TestThreeReplicasOnePostgres), a graceful stop leaves no window: every
// message is answered exactly once, in per-customer order.
func TestRollingUpdateLosesNothing(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	if testing.Short() {
		t.Skip("-short: the rolling-update test builds the binary and runs three processes")
	}
	if raceEnabled {
		t.Skip("the replicas are separate processes the race detector cannot watch; this test runs in the plain pass")
	}
	bin := buildBinary(t)
	fake := telegramtest.New(telegramtest.WithLimits(telegramtest.Limits{Disabled: true}))
	t.Cleanup(fake.Close)
	// Sends take a while, so the stopped replica has some in flight.
	fake.SetFailure("sendMessage", &telegramtest.Failure{Delay: 30 * time.Millisecond})
	rulesPath := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte(echoRules), 0o600); err != nil {
		t.Fatal(err)
	}
	const drain, grace = time.Second, 5 * time.Second
	extra := []string{"shutdown_drain: " + drain.String(), "shutdown_timeout: " + grace.String()}
	replicas := []*replica{startReplica(t, bin, dsn, rulesPath, fake.URL(), extra...)}
	replicas = append(replicas, startReplica(t, bin, dsn, rulesPath, fake.URL(), extra...), startReplica(t, bin, dsn, rulesPath, fake.URL(), extra...))
	stopped := replicas[2]
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	type exit struct {
		err  error
		took time.Duration
	}
	exited := make(chan exit, 1)
	var refused503 atomic.Int64 // webhooks the stopping replica answered 503
	const customers, perCustomer = 200, 10
	var wg sync.WaitGroup
	for n := range perCustomer {
		if n == perCustomer/2 {
			began := time.Now()
			if err := stopped.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			go func() {
				err := stopped.cmd.Wait()
				exited <- exit{err, time.Since(began)}
			}()
		}
		jobs := make(chan int)
		for w := range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range jobs {
					body := numbered(int64(1000+n*customers+c), int64(30000+c), n)
					// The stopping replica stays in the rotation: the load
					// balancer learns late that it is going.
					for attempt := 0; ; attempt++ {
						r := replicas[(c+attempt+w)%len(replicas)]
						code, err := postTo(client, r.addr, body)
						if err == nil && code == http.StatusOK {
							break
						}
						if r == stopped && code == http.StatusServiceUnavailable {
							refused503.Add(1)
						}
						if attempt > 30 {
							t.Errorf("update not accepted: %d, %v", code, err)
							break
						}
						time.Sleep(10 * time.Millisecond)
					}
				}
			}()
		}
		for c := range customers {
			jobs <- c
		}
		close(jobs)
		wg.Wait()
	}

	select {
	case e := <-exited:
		if e.err != nil {
			t.Errorf("the stopped replica exited with %v, want 0 (a clean stop)", e.err)
		}
		if e.took > drain+grace+2*time.Second {
			t.Errorf("the stopped replica took %v to exit, over drain %v + shutdown_timeout %v", e.took, drain, grace)
		}
		t.Logf("the stopped replica exited after %v and refused %d webhooks with 503 while draining", e.took.Round(time.Millisecond), refused503.Load())
	case <-time.After(drain + grace + 10*time.Second):
		t.Fatalf("the stopped replica did not exit\n%s", stopped.logs)
	}
	if refused503.Load() == 0 {
		t.Error("the stopping replica never answered 503: the drain was not exercised")
	}

	want := customers * perCustomer
	deadline := time.Now().Add(2 * time.Minute)
	for len(fake.Sent()) < want && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(4 * time.Second) // longer than the lease: a late duplicate would show now
	perChat := repliesByChat(t, fake.Sent())
	missing, duplicates := 0, 0
	for c := range customers {
		got := perChat[30000+int64(c)]
		seen := map[int]int{}
		for i, k := range got {
			seen[k]++
			if i > 0 && k < got[i-1] {
				t.Errorf("customer %d answered out of order: %v", c, got)
				break
			}
		}
		for k := range perCustomer {
			switch n := seen[k]; {
			case n == 0:
				missing++
			case n > 1:
				duplicates += n - 1
			}
		}
	}
	if missing != 0 || duplicates != 0 {
		t.Fatalf("of %d messages: %d lost, %d answered twice; a graceful stop must leave neither", want, missing, duplicates)
	}
}
