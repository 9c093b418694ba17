package discord

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestChannelWebhook(t *testing.T) {
	var got []map[string]any
	status, retry := http.StatusOK, ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("wait") != "true" || r.URL.Path != "/api/webhooks/1/secret-token" {
			t.Errorf("request to %s", r.URL)
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		got = append(got, body)
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"id":"55"}`))
	}))
	defer srv.Close()
	hook := NewChannelWebhook(srv.URL + "/api/webhooks/1/secret-token")
	id, err := hook.Send(t.Context(), chat.Outgoing{Text: strings.Repeat("word ", 500)}) // 2,500 characters: two posts
	if err != nil || id != "55" || len(got) != 2 {
		t.Fatalf("Send = %q, %v after %d posts", id, err, len(got))
	}
	if m, _ := got[0]["allowed_mentions"].(map[string]any); m == nil || len(m["parse"].([]any)) != 0 {
		t.Errorf("mentions not turned off: %v", got[0])
	}
	tests := []struct {
		status int
		retry  string
		kind   chat.SendErrorKind
	}{
		{http.StatusTooManyRequests, "3", chat.SendRateLimited},
		{http.StatusBadGateway, "", chat.SendTemporary},
		{http.StatusNotFound, "", chat.SendPermanent},
	}
	for _, tt := range tests {
		status, retry = tt.status, tt.retry
		_, err := hook.Send(t.Context(), chat.Outgoing{Text: "x"})
		var se *chat.SendError
		if !errors.As(err, &se) || se.Kind != tt.kind {
			t.Errorf("status %d: %v, want %s", tt.status, err, tt.kind)
			continue
		}
		if tt.kind == chat.SendRateLimited && se.RetryAfter != 3*time.Second {
			t.Errorf("retry after %s, want 3s", se.RetryAfter)
		}
		if strings.Contains(err.Error(), "secret-token") {
			t.Errorf("the error shows the webhook's token: %v", err)
		}
	}
}
