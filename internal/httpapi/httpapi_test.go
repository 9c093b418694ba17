package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func TestRoutes(t *testing.T) {
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	panics := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") })
	tests := []struct {
		name     string
		db       error
		method   string
		path     string
		want     int
		wantBody string
	}{
		{"webhook routed to its bot", nil, "POST", "/webhooks/telegram/shop", http.StatusAccepted, ""},
		{"unknown bot", nil, "POST", "/webhooks/telegram/other", http.StatusNotFound, "no such bot"},
		{"unknown platform", nil, "POST", "/webhooks/whatsapp/shop", http.StatusNotFound, ""},
		{"a panicking handler is a 500, not a crash", nil, "POST", "/webhooks/telegram/broken", http.StatusInternalServerError, ""},
		{"healthz", nil, "GET", "/healthz", http.StatusOK, "ok"},
		{"healthz does not need the database", errors.New("down"), "GET", "/healthz", http.StatusOK, "ok"},
		{"readyz", nil, "GET", "/readyz", http.StatusOK, `"database":"ok"`},
		{"readyz with the database down", errors.New("down"), "GET", "/readyz", http.StatusServiceUnavailable, `"database":"unreachable"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Options{
				Webhooks: map[string]http.Handler{"telegram/shop": hook, "telegram/broken": panics},
				DB:       pinger{tt.db},
				Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}")))
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body %q does not contain %q", rec.Body, tt.wantBody)
			}
		})
	}
}
