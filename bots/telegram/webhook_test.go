package telegram

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// fakeInbox records what it accepts; err makes it fail like a database outage.
type fakeInbox struct {
	mu     sync.Mutex
	events []chat.Event
	err    error
}

func (f *fakeInbox) Accept(_ context.Context, ev chat.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.events = append(f.events, ev)
	return nil
}

func (f *fakeInbox) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestWebhook(t *testing.T) {
	valid := string(fixture(t, "telegram_core-telegram-org_bots-webhooks_message-with-text.json"))
	tests := []struct {
		name      string
		method    string
		secret    []string // header values; nil = header absent
		body      string
		inboxErr  error
		want      int
		wantStore int
	}{
		{"valid update is stored", "POST", []string{"s3cret"}, valid, nil, 200, 1},
		{"missing secret", "POST", nil, valid, nil, 401, 0},
		{"wrong secret", "POST", []string{"s3creT"}, valid, nil, 401, 0},
		{"secret prefix", "POST", []string{"s3cre"}, valid, nil, 401, 0},
		{"two secret headers", "POST", []string{"s3cret", "s3cret"}, valid, nil, 401, 0},
		{"malformed json", "POST", []string{"s3cret"}, `{"update_id": `, nil, 400, 0},
		{"not an update", "POST", []string{"s3cret"}, `{"hello": "world"}`, nil, 400, 0},
		{"oversized body", "POST", []string{"s3cret"}, `{"update_id": 1, "x": "` + strings.Repeat("a", MaxUpdateSize) + `"}`, nil, 413, 0},
		{"database down", "POST", []string{"s3cret"}, valid, chat.ErrUnavailable, 503, 0},
		{"GET is not allowed", "GET", []string{"s3cret"}, "", nil, 405, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inbox := &fakeInbox{err: tt.inboxErr}
			h := NewWebhook("shop", "s3cret", inbox, discard)
			req := httptest.NewRequest(tt.method, "/webhooks/telegram/shop", strings.NewReader(tt.body))
			for _, s := range tt.secret {
				req.Header.Add("X-Telegram-Bot-Api-Secret-Token", s)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
			if got := inbox.count(); got != tt.wantStore {
				t.Errorf("stored %d events, want %d", got, tt.wantStore)
			}
		})
	}
}

func TestWebhookStoresNormalizedEvent(t *testing.T) {
	inbox := &fakeInbox{}
	h := NewWebhook("shop", "s3cret", inbox, discard)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(fixture(t, "telegram_teloxide_message-rs_de_image_photo.message.json"))))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || inbox.count() != 1 {
		t.Fatalf("status %d, stored %d", rec.Code, inbox.count())
	}
	ev := inbox.events[0]
	if ev.Bot != "shop" || ev.Kind != chat.KindPhoto || ev.ExternalID != "77" || len(ev.Raw) == 0 {
		t.Errorf("stored event %+v", ev)
	}
}

func TestWebhookWithoutSecretAcceptsAll(t *testing.T) {
	// Only reachable with insecure: true in the config.
	inbox := &fakeInbox{}
	h := NewWebhook("shop", "", inbox, discard)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"update_id": 3}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || inbox.count() != 1 {
		t.Fatalf("status %d, stored %d", rec.Code, inbox.count())
	}
}
