package app

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

// readyz answers /readyz's status and details.
func (h *harness) readyz() (int, map[string]string) {
	h.t.Helper()
	resp, err := h.client.Get("http://" + h.app.Addr() + "/readyz")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var detail map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&detail); err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, detail
}

// TestReadyzIs503WhileWritesFail: another process holds the SQLite file's
// write lock, so the database answers reads (its ping is fine) but the
// pipeline's writes fail one after another. /readyz turns 503 and says
// why under "pipeline"; once the lock is gone it is 200 again by itself,
// and the message that waited is answered.
func TestReadyzIs503WhileWritesFail(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dbPath := filepath.Join(t.TempDir(), "fd.db")
	h := startFaulty(t, testConfig(t, fake, dbPath, "webhook"), fake)
	if code, detail := h.readyz(); code != http.StatusOK || detail["pipeline"] != "ok" {
		t.Fatalf("readyz of an idle service: %d %v, want 200 and pipeline ok", code, detail)
	}

	other, err := sql.Open("sqlite", "file:"+dbPath+"?_txlock=immediate&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	locked := time.Now()
	for {
		code, detail := h.readyz()
		if code == http.StatusServiceUnavailable {
			if detail["database"] != "ok" || !strings.HasPrefix(detail["pipeline"], "writes failing since ") {
				t.Fatalf("readyz 503 with %v; want the database reachable and the pipeline's writes failing", detail)
			}
			t.Logf("503 after %v: %v", time.Since(locked).Round(time.Second), detail)
			break
		}
		if time.Since(locked) > 40*time.Second {
			t.Fatalf("readyz still %d %v with the writes failing for 40s", code, detail)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	h.retryUntilAccepted(update(1, 101, "en", "where is my order"))
	released := time.Now()
	for {
		code, detail := h.readyz()
		if code == http.StatusOK && detail["pipeline"] == "ok" {
			break
		}
		if time.Since(released) > 15*time.Second {
			t.Fatalf("readyz still %d %v 15s after the lock was released", code, detail)
		}
		time.Sleep(100 * time.Millisecond)
	}
	answeredOnce(t, fake, 101)
}
