package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// TestSecretsAndPersonalDataStayOutOfLogs: the Bot API is unreachable, so
// every send fails with Go's network error, which repeats the request URL
// and with it the bot token. Neither the logs, the stored error shown by
// the admin API, nor the metrics may hold the token, the webhook secret or
// the admin token; and at the default log level the logs hold ids, not
// the customer's name or words.
func TestSecretsAndPersonalDataStayOutOfLogs(t *testing.T) {
	const botToken = "123456:SECRET-bot-token-abcdef"
	fake := telegramtest.New()
	down := fake.URL()
	fake.Close() // nothing listens there any more
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Bots[0].Token = botToken
	cfg.Bots[0].APIURL = down
	cfg.AdminToken = adminToken

	logs := &lockedWriter{w: &bytes.Buffer{}}
	h := startWith(t, cfg, fake, Options{
		Log:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		PollInterval: 20 * time.Millisecond,
	})
	a := h.app

	if code := h.post(update(1, 4242, "en", "where is my order"), "wrong-"+secret); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", code)
	}
	const name, words = "Zebediah", "card 4111 1111 1111 1111"
	body := bytes.ReplaceAll(update(2, 4242, "en", "where is my order, "+words), []byte(`"Ann"`), []byte(`"`+name+`"`))
	if code := h.post(body, secret); code != http.StatusOK {
		t.Fatalf("post: %d", code)
	}
	var pending []store.OutboxEntry
	deadline := time.Now().Add(messageWait)
	for len(pending) == 0 || pending[0].LastError == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the send did not fail within 10s: %+v", pending)
		}
		time.Sleep(20 * time.Millisecond)
		pending, _ = a.Store().OutboxEntries(context.Background(), store.OutboxPending, 10)
	}

	var listed struct {
		Messages []store.OutboxEntry `json:"messages"`
	}
	h.admin("GET", "/admin/outbox?state=pending", "", http.StatusOK, &listed)
	resp, err := h.client.Get("http://" + a.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h.stop(5 * time.Second)

	logs.mu.Lock()
	logText := logs.w.String()
	logs.mu.Unlock()
	stored := listed.Messages[0].LastError
	// go-telegram/bot masks the token in its own errors; the service's
	// redaction is the second line (internal/redact's tests).
	if !strings.Contains(stored, "sendMessage") || !strings.Contains(stored, "connection refused") {
		t.Errorf("the stored error %q is not the network error this test expects", stored)
	}
	for _, leak := range []struct{ what, value string }{
		{"bot token", botToken}, {"bot token's secret half", "SECRET-bot-token"},
		{"webhook secret", secret}, {"admin token", adminToken},
	} {
		for where, text := range map[string]string{"logs": logText, "stored error": stored, "metrics": string(metrics)} {
			if strings.Contains(text, leak.value) {
				t.Errorf("the %s appears in the %s", leak.what, where)
			}
		}
	}
	// The card number is looked for with its spaces: "4111" alone also
	// turns up in ports and timestamps (CI once saw it in the refused
	// fake's address, 127.0.0.1:4111x).
	for _, personal := range []string{name, "4111 1111", "where is my order"} {
		if strings.Contains(logText, personal) {
			t.Errorf("the logs hold the customer's %q at info level", personal)
		}
	}
	if !strings.Contains(logText, `"outbox"`) {
		t.Errorf("the logs do not even name the failing message by id:\n%s", logText)
	}
}
