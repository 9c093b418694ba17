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

func TestReadyzRulesDetail(t *testing.T) {
	tests := []struct {
		name     string
		ready    func() (bool, map[string]string)
		want     int
		wantBody string
	}{
		{"rules ok", func() (bool, map[string]string) { return true, map[string]string{"rules": "ok"} }, http.StatusOK, `"rules":"ok"`},
		{"a failed reload is shown but stays ready",
			func() (bool, map[string]string) {
				return true, map[string]string{"rules": "reload failed: rules.yaml:3:12: bad"}
			}, http.StatusOK, `"rules":"reload failed: rules.yaml:3:12: bad"`},
		{"a check that is not ready", func() (bool, map[string]string) { return false, map[string]string{"x": "down"} }, http.StatusServiceUnavailable, `"x":"down"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Options{DB: pinger{}, Ready: tt.ready, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.wantBody) || !strings.Contains(rec.Body.String(), `"database":"ok"`) {
				t.Fatalf("%d %s; want %d with %s and the database detail", rec.Code, rec.Body, tt.want, tt.wantBody)
			}
		})
	}
}

func TestMetricsRoute(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "frontdesk_rules_loaded 3\n") })
	for _, tt := range []struct {
		name    string
		metrics http.Handler
		want    int
	}{{"served", metrics, http.StatusOK}, {"absent without a handler", nil, http.StatusNotFound}} {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Options{DB: pinger{}, Metrics: tt.metrics, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want == http.StatusOK && rec.Body.String() != "frontdesk_rules_loaded 3\n" {
				t.Fatalf("body %q", rec.Body)
			}
		})
	}
}

func TestAdminReload(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	type result struct {
		count    int
		problems []string
		err      error
	}
	ok := result{count: 7}
	refused := result{problems: []string{"rules.yaml:3:12: rule \"v2\": when: unknown name txt", "rules.yaml:6:5: unknown field \"replly\""}, err: errors.New("refused")}
	broken := result{err: errors.New("disk on fire")}
	tests := []struct {
		name          string
		adminToken    string
		reload        result
		method, path  string
		auth          string
		want          int
		wantBody      string // exact JSON, when set
		wantReloaded  bool
		wantChallenge bool
	}{
		{name: "admin API off without a token", adminToken: "", reload: ok, method: "POST", path: "/admin/reload", auth: "Bearer " + token, want: 404},
		{name: "missing token", adminToken: token, reload: ok, method: "POST", path: "/admin/reload", want: 401, wantChallenge: true},
		{name: "wrong token", adminToken: token, reload: ok, method: "POST", path: "/admin/reload", auth: "Bearer nope", want: 401, wantChallenge: true},
		{name: "prefix of the token", adminToken: token, reload: ok, method: "POST", path: "/admin/reload", auth: "Bearer " + token[:16], want: 401, wantChallenge: true},
		{name: "token with another scheme", adminToken: token, reload: ok, method: "POST", path: "/admin/reload", auth: "Basic " + token, want: 401, wantChallenge: true},
		{name: "bare token without a scheme", adminToken: token, reload: ok, method: "POST", path: "/admin/reload", auth: token, want: 401, wantChallenge: true},
		{name: "right token", adminToken: token, reload: ok, method: "POST", path: "/admin/reload", auth: "Bearer " + token, want: 200,
			wantBody: `{"rules":7,"status":"ok"}`, wantReloaded: true},
		{name: "scheme is case-insensitive", adminToken: token, reload: ok, method: "POST", path: "/admin/reload", auth: "bearer " + token, want: 200, wantReloaded: true},
		{name: "refused rules", adminToken: token, reload: refused, method: "POST", path: "/admin/reload", auth: "Bearer " + token, want: 422,
			wantBody: `{"errors":["rules.yaml:3:12: rule \"v2\": when: unknown name txt","rules.yaml:6:5: unknown field \"replly\""],"status":"error"}`, wantReloaded: true},
		{name: "internal failure", adminToken: token, reload: broken, method: "POST", path: "/admin/reload", auth: "Bearer " + token, want: 500,
			wantBody: `{"errors":["disk on fire"],"status":"error"}`, wantReloaded: true},
		{name: "GET does not reload", adminToken: token, reload: ok, method: "GET", path: "/admin/reload", auth: "Bearer " + token, want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reloaded := false
			h := New(Options{
				DB:         pinger{},
				AdminToken: tt.adminToken,
				Reload: func(context.Context) (int, []string, error) {
					reloaded = true
					return tt.reload.count, tt.reload.problems, tt.reload.err
				},
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d (%s), want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body %s, want %s", rec.Body, tt.wantBody)
			}
			if reloaded != tt.wantReloaded {
				t.Errorf("reloaded = %v, want %v", reloaded, tt.wantReloaded)
			}
			if got := rec.Header().Get("WWW-Authenticate"); (got == "Bearer") != tt.wantChallenge {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge: %v", got, tt.wantChallenge)
			}
		})
	}
}
