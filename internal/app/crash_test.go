package app

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

// TestKilledSQLiteServerRestartsWithoutWaitingForLeases kills the real
// binary (SIGKILL: no shutdown runs) while it holds claims on thirty
// conversations' replies, and starts it again: the new process holds the
// database's lock file, so it knows the claims are a dead process's and
// takes them back at once. Every customer is answered once, within 5 s of
// the restart, where the one-minute lease would have made them wait.
func TestKilledSQLiteServerRestartsWithoutWaitingForLeases(t *testing.T) {
	bin, rulesPath := binaryWithEchoRules(t)
	fake := telegramtest.New(telegramtest.WithLimits(telegramtest.Limits{Disabled: true}))
	t.Cleanup(fake.Close)
	// The Bot API hangs: every reply is claimed and in flight at the kill.
	fake.SetFailure("sendMessage", &telegramtest.Failure{Delay: time.Minute})
	db := "sqlite:" + filepath.Join(t.TempDir(), "fd.db")
	r := startReplicaLease(t, bin, db, rulesPath, fake.URL(), time.Minute)
	client := &http.Client{Timeout: 5 * time.Second}
	const customers = 30
	for c := range customers {
		if code, err := postTo(client, r.addr, numbered(int64(1+c), int64(700+c), 0)); err != nil || code != 200 {
			t.Fatalf("post: %d, %v", code, err)
		}
	}
	time.Sleep(300 * time.Millisecond) // the replies are claimed and on their way to the Bot API
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = r.cmd.Wait()
	if n := len(fake.Sent()); n != 0 {
		t.Fatalf("%d replies delivered by a hanging Bot API", n)
	}

	fake.SetFailure("sendMessage", nil)
	began := time.Now()
	startReplicaLease(t, bin, db, rulesPath, fake.URL(), time.Minute)
	for len(fake.Sent()) < customers && time.Since(began) < 20*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(began)
	if took > 5*time.Second {
		t.Errorf("the restart answered %d of %d customers after %v; want all within 5s", len(fake.Sent()), customers, took)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would show by now
	checkReplies(t, repliesByChat(t, fake.Sent()), 700, customers, 1)
}

// TestSecondSQLiteServerIsRefused: two servers on one SQLite file would
// take each other's claims for a dead process's; the second one refuses to
// start and says why, while the command-line tools keep working.
func TestSecondSQLiteServerIsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fd.db")
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, db, "webhook")
	start(t, cfg, fake)
	second, err := New(t.Context(), cfg, Options{Log: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Stop(t.Context()) })
	err = second.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "another frontdesk serve is running") {
		t.Fatalf("second server on one SQLite file: %v, want it refused", err)
	}
	// A tool reading the same database still works.
	st, err := OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Depth(t.Context(), time.Now()); err != nil {
		t.Fatalf("a tool beside the server: %v", err)
	}
}

// binaryWithEchoRules builds the real binary and writes the echo rules for
// a test that runs it as a separate process; it skips where that cannot be
// watched or afforded.
func binaryWithEchoRules(t *testing.T) (bin, rulesPath string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the test builds the binary")
	}
	if raceEnabled {
		t.Skip("the service runs as a separate process the race detector cannot watch; this test runs in the plain pass")
	}
	bin = buildBinary(t)
	rulesPath = filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rulesPath, []byte(echoRules), 0o600); err != nil {
		t.Fatal(err)
	}
	return bin, rulesPath
}
