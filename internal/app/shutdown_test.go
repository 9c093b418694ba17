package app

import (
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

// TestGracefulShutdownOnSIGTERM runs the real binary, sends it SIGTERM while
// replies are in flight and checks that it stops taking webhooks at once,
// lets sends that finish within shutdown_timeout finish, cuts the rest
// at the deadline, and that a restart sends what was left: every
// accepted message answered exactly once.
func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	bin, rulesPath := binaryWithEchoRules(t)
	// Shorter than the replicas' send_timeout (2s), so the deadline, not
	// the send timeout, is what cuts a stuck send.
	const timeout = time.Second
	tests := []struct {
		name         string
		apiDelay     time.Duration // how long the Bot API takes to answer each send
		sentAtExit   bool          // the sends in flight were delivered before the exit
		minExit      time.Duration
		maxExit      time.Duration
		restartSends int
	}{
		// The Bot API is slow but answers within the deadline: the
		// in-flight replies are delivered before the process exits.
		{"slow sends finish", 600 * time.Millisecond, true, 300 * time.Millisecond, timeout, 0},
		// The Bot API hangs: the process gives up at the deadline and the
		// next start sends everything.
		{"stuck sends wait for the next start", time.Minute, false, timeout - 100*time.Millisecond, timeout + 3*time.Second, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := telegramtest.New(telegramtest.WithLimits(telegramtest.Limits{Disabled: true}))
			t.Cleanup(fake.Close)
			fake.SetFailure("sendMessage", &telegramtest.Failure{Delay: tt.apiDelay})
			db := "sqlite:" + filepath.Join(t.TempDir(), "fd.db")
			r := startReplica(t, bin, db, rulesPath, fake.URL(), "shutdown_timeout: "+timeout.String())
			client := &http.Client{Timeout: 5 * time.Second}
			const customers = 20
			for c := range customers {
				if code, err := postTo(client, r.addr, numbered(int64(1+c), int64(500+c), 0)); err != nil || code != 200 {
					t.Fatalf("post: %d, %v", code, err)
				}
			}
			time.Sleep(200 * time.Millisecond) // the replies are on their way to the Bot API
			began := time.Now()
			if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
			if code, err := postTo(client, r.addr, numbered(99, 599, 99)); err == nil {
				t.Errorf("a webhook after SIGTERM was answered %d; the service must stop taking new work", code)
			}
			if err := r.cmd.Wait(); err != nil {
				t.Fatalf("exit: %v\n%s", err, r.logs)
			}
			took := time.Since(began)
			if took < tt.minExit || took > tt.maxExit {
				t.Errorf("exited %v after SIGTERM, want between %v and %v", took, tt.minExit, tt.maxExit)
			}
			atExit := len(fake.Sent())
			if tt.sentAtExit && atExit != customers {
				t.Errorf("%d of %d in-flight replies delivered before the exit", atExit, customers)
			}
			if !tt.sentAtExit && atExit != 0 {
				t.Errorf("%d replies delivered by a stuck Bot API", atExit)
			}

			fake.SetFailure("sendMessage", nil)
			startReplica(t, bin, db, rulesPath, fake.URL())
			deadline := time.Now().Add(30 * time.Second)
			for len(fake.Sent()) < customers && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond) // a duplicate would show by now
			if sent := len(fake.Sent()) - atExit; sent != tt.restartSends {
				t.Errorf("the restart sent %d, want %d", sent, tt.restartSends)
			}
			checkReplies(t, repliesByChat(t, fake.Sent()), 500, customers, 1)
		})
	}
}
