package telegram

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

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

// TestWebhookHostileInput: what an attacker or a broken proxy may send
// gets a clear 4xx or is stored and ignored, never a 5xx, a panic or a
// stored event the pipeline cannot handle.
func TestWebhookHostileInput(t *testing.T) {
	nested := `{"update_id": 9, "message": ` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000) + `}`
	tests := []struct {
		name      string
		body      string
		want      int
		wantStore int
		wantKind  chat.Kind
	}{
		{"deeply nested JSON", nested, 400, 0, ""},
		{"invalid UTF-8 in the text", "{\"update_id\": 10, \"message\": {\"message_id\": 1, \"date\": 1700000000, \"chat\": {\"id\": 5, \"type\": \"private\"}, \"text\": \"\xff\xfe bad\"}}", 200, 1, chat.KindText},
		{"text near the size limit", `{"update_id": 11, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "text": "` + strings.Repeat("я", 400000) + `"}}`, 200, 1, chat.KindText},
		{"10 MB text field", `{"update_id": 12, "message": {"text": "` + strings.Repeat("a", 10<<20) + `"}}`, 413, 0, ""},
		{"unknown update type", `{"update_id": 13, "business_message_v9": {"x": 1}}`, 200, 1, chat.KindOther},
		{"huge id", `{"update_id": 99999999999999999999999, "message": {}}`, 400, 0, ""},
		{"negative ids", `{"update_id": -5, "message": {"message_id": -1, "date": 1700000000, "chat": {"id": -100123, "type": "supergroup"}, "from": {"id": -7, "is_bot": false, "first_name": "x"}, "text": "hi"}}`, 200, 1, chat.KindText},
		{"missing fields, so no date", `{"update_id": 14, "message": {}}`, 400, 0, ""},
		{"missing fields but a date: stored, not decided", `{"update_id": 14, "message": {"date": 1700000000}}`, 200, 1, chat.KindService},
		{"date before 2013", `{"update_id": 17, "message": {"message_id": 1, "date": 1356998399, "chat": {"id": 5, "type": "private"}, "text": "hi"}}`, 400, 0, ""},
		{"date in 2013", `{"update_id": 18, "message": {"message_id": 1, "date": 1356998400, "chat": {"id": 5, "type": "private"}, "text": "hi"}}`, 200, 1, chat.KindText},
		{"date an hour ahead (clock skew)", fmt.Sprintf(`{"update_id": 19, "message": {"message_id": 1, "date": %d, "chat": {"id": 5, "type": "private"}, "text": "hi"}}`, time.Now().Add(time.Hour).Unix()), 200, 1, chat.KindText},
		{"date more than a day ahead", fmt.Sprintf(`{"update_id": 20, "message": {"message_id": 1, "date": %d, "chat": {"id": 5, "type": "private"}, "text": "hi"}}`, time.Now().Add(25*time.Hour).Unix()), 400, 0, ""},
		{"date no database can store", `{"update_id": 21, "message": {"message_id": 1, "date": 9223372036854775807, "chat": {"id": 5, "type": "private"}, "text": "hi"}}`, 400, 0, ""},
		{"negative date", `{"update_id": 22, "edited_message": {"message_id": 1, "date": -62135596800, "chat": {"id": 5, "type": "private"}, "text": "hi"}}`, 400, 0, ""},
		{"membership change from the future", `{"update_id": 23, "my_chat_member": {"date": 99999999999, "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": false, "first_name": "x"}, "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": true, "first_name": "b"}}, "new_chat_member": {"status": "kicked", "user": {"id": 1, "is_bot": true, "first_name": "b"}, "until_date": 0}}}`, 400, 0, ""},
		{"null message", `{"update_id": 15, "message": null}`, 200, 1, chat.KindOther},
		{"a forward origin newer than the library", `{"update_id": 24, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "forward_origin": {"type": "story", "date": 1700000000}, "text": "refund?"}}`, 200, 1, chat.KindText},
		{"a member status newer than the library", `{"update_id": 25, "chat_member": {"date": 1700000000, "chat": {"id": -5, "type": "supergroup", "title": "g"}, "from": {"id": 5, "is_bot": false, "first_name": "x"}, "old_chat_member": {"status": "left", "user": {"id": 5, "is_bot": false, "first_name": "x"}}, "new_chat_member": {"status": "guest", "user": {"id": 5, "is_bot": false, "first_name": "x"}}}}`, 200, 1, chat.KindOther},
		{"text of the wrong type", `{"update_id": 26, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "text": ["refund"]}}`, 400, 0, ""},
		{"array instead of object", `[{"update_id": 16}]`, 400, 0, ""},
		{"empty body", ``, 400, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inbox := &fakeInbox{}
			h := NewWebhook("shop", "s3cret", inbox, discard)
			req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram/shop", strings.NewReader(tt.body))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want || inbox.count() != tt.wantStore {
				t.Fatalf("status %d, stored %d; want %d, %d (%s)", rec.Code, inbox.count(), tt.want, tt.wantStore, rec.Body)
			}
			if tt.wantStore == 1 {
				ev := inbox.events[0]
				if ev.Kind != tt.wantKind || ev.ExternalID == "" {
					t.Errorf("stored kind %q id %q, want kind %q", ev.Kind, ev.ExternalID, tt.wantKind)
				}
				if !utf8.ValidString(ev.Text) {
					t.Errorf("stored text is not valid UTF-8: %q", ev.Text)
				}
			}
		})
	}
}
