package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

func TestReloadKeepsLastGoodRules(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	rulesPath := filepath.Join(dir, "rules.yaml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(rulesPath, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("rules:\n  - id: v1\n    when: \"true\"\n    reply: \"version one\"\n")
	cfg := testConfig(t, fake, filepath.Join(dir, "fd.db"), "webhook")
	cfg.Rules = rulesPath
	h := start(t, cfg, fake)

	ask := func(id int64) string {
		t.Helper()
		h.post(update(id, 900+id, "en", "hi"), secret)
		sent, err := fake.WaitSent(int(id), 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return sent[id-1].Text
	}
	if got := ask(1); got != "version one" {
		t.Fatalf("reply %q", got)
	}

	write("rules:\n  - id: v2\n    when: \"txt == 1\"\n    reply: \"broken\"\n")
	err := h.app.ReloadRules()
	if err == nil || !strings.Contains(err.Error(), "rules.yaml:3:") {
		t.Fatalf("reload of a broken file: err = %v, want a positioned error", err)
	}
	if got := ask(2); got != "version one" {
		t.Fatalf("after a failed reload the reply is %q, want the last good rules' answer", got)
	}

	write("rules:\n  - id: v3\n    when: \"true\"\n    reply: \"version three\"\n")
	if err := h.app.ReloadRules(); err != nil {
		t.Fatal(err)
	}
	if got := ask(3); got != "version three" {
		t.Fatalf("after a good reload the reply is %q", got)
	}
}
