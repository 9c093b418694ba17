package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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
			h := mustNew(t, Options{
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
			h := mustNew(t, Options{DB: pinger{}, Ready: tt.ready, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.wantBody) || !strings.Contains(rec.Body.String(), `"database":"ok"`) {
				t.Fatalf("%d %s; want %d with %s and the database detail", rec.Code, rec.Body, tt.want, tt.wantBody)
			}
		})
	}
}

// TestDrainingRefusesWebhooksWithRetry: a stopping replica answers its
// webhooks 503 with Retry-After without calling the bot's handler (nothing
// is accepted, so the platform's retry elsewhere loses and repeats
// nothing), fails /readyz so the load balancer drops it, and stays alive.
func TestDrainingRefusesWebhooksWithRetry(t *testing.T) {
	tests := []struct {
		name       string
		draining   bool
		method     string
		path       string
		want       int
		wantBody   string
		wantCalled bool
	}{
		{"webhook while serving", false, "POST", "/webhooks/telegram/shop", http.StatusAccepted, "", true},
		{"webhook while draining", true, "POST", "/webhooks/telegram/shop", http.StatusServiceUnavailable, "shutting down", false},
		{"unknown bot while draining is still unknown", true, "POST", "/webhooks/telegram/other", http.StatusNotFound, "no such bot", false},
		{"readyz while draining", true, "GET", "/readyz", http.StatusServiceUnavailable, `"shutdown":"draining"`, false},
		{"readyz while serving", false, "GET", "/readyz", http.StatusOK, `"database":"ok"`, false},
		{"healthz while draining: alive, not restarted", true, "GET", "/healthz", http.StatusOK, "ok", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true; w.WriteHeader(http.StatusAccepted) })
			h := mustNew(t, Options{
				Webhooks: map[string]http.Handler{"telegram/shop": hook},
				DB:       pinger{},
				Draining: func() bool { return tt.draining },
				Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader("{}")))
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("%d %q, want %d with %q", rec.Code, rec.Body, tt.want, tt.wantBody)
			}
			if called != tt.wantCalled {
				t.Errorf("bot handler called: %v, want %v", called, tt.wantCalled)
			}
			if wantRetry := tt.want == http.StatusServiceUnavailable && tt.path != "/readyz"; wantRetry != (rec.Header().Get("Retry-After") != "") {
				t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
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
			h := mustNew(t, Options{DB: pinger{}, Metrics: tt.metrics, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
			h := mustNew(t, Options{
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

func mustNew(t *testing.T, o Options) http.Handler {
	t.Helper()
	h, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestAdminListsAndRetries: the outbox and handoff routes sit behind the
// same bearer token, validate their input and turn a database failure
// into a 503 without telling the client the cause.
func TestAdminListsAndRetries(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	var gotState string
	var gotLimit int
	var gotIDs []int64
	dbErr := error(nil)
	h := mustNew(t, Options{
		DB:         pinger{},
		AdminToken: token,
		Outbox: func(_ context.Context, state string, limit int) (any, error) {
			gotState, gotLimit = state, limit
			return []map[string]any{{"id": 3, "last_error": "502"}}, dbErr
		},
		RetryOutbox: func(_ context.Context, ids []int64) (int64, error) { gotIDs = ids; return 2, dbErr },
		Handoffs: func(_ context.Context, limit int) (any, error) {
			gotLimit = limit
			return []map[string]any{{"id": 9, "state": "waiting"}}, dbErr
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	tests := []struct {
		name, method, path, body string
		auth                     bool
		dbDown                   bool
		want                     int
		wantBody                 string
		check                    func(t *testing.T)
	}{
		{name: "outbox needs the token", method: "GET", path: "/admin/outbox", want: 401},
		{name: "handoffs need the token", method: "GET", path: "/admin/handoffs", want: 401},
		{name: "retry needs the token", method: "POST", path: "/admin/outbox/retry", body: `{"all":true}`, want: 401},
		{name: "dead letters by default", method: "GET", path: "/admin/outbox", auth: true, want: 200,
			wantBody: `{"messages":[{"id":3,"last_error":"502"}],"state":"failed","status":"ok"}`,
			check: func(t *testing.T) {
				if gotState != "failed" || gotLimit != 100 {
					t.Errorf("asked for %q limit %d", gotState, gotLimit)
				}
			}},
		{name: "pending with a limit", method: "GET", path: "/admin/outbox?state=pending&limit=5", auth: true, want: 200,
			check: func(t *testing.T) {
				if gotState != "pending" || gotLimit != 5 {
					t.Errorf("asked for %q limit %d", gotState, gotLimit)
				}
			}},
		{name: "unknown state", method: "GET", path: "/admin/outbox?state=sent", auth: true, want: 400, wantBody: `{"errors":["state must be pending or failed"],"status":"error"}`},
		{name: "bad limit", method: "GET", path: "/admin/outbox?limit=-1", auth: true, want: 400},
		{name: "huge limit", method: "GET", path: "/admin/handoffs?limit=100000", auth: true, want: 400},
		{name: "database down", method: "GET", path: "/admin/outbox", auth: true, dbDown: true, want: 503,
			wantBody: `{"errors":["outbox: database unavailable, try again"],"status":"error"}`},
		{name: "retry some", method: "POST", path: "/admin/outbox/retry", body: `{"ids":[4,7]}`, auth: true, want: 200,
			wantBody: `{"requeued":2,"status":"ok"}`,
			check: func(t *testing.T) {
				if len(gotIDs) != 2 || gotIDs[0] != 4 || gotIDs[1] != 7 {
					t.Errorf("retried %v", gotIDs)
				}
			}},
		{name: "retry all", method: "POST", path: "/admin/outbox/retry", body: `{"all":true}`, auth: true, want: 200,
			check: func(t *testing.T) {
				if len(gotIDs) != 0 {
					t.Errorf("retry all passed ids %v", gotIDs)
				}
			}},
		{name: "retry says neither", method: "POST", path: "/admin/outbox/retry", body: `{}`, auth: true, want: 400},
		{name: "retry says both", method: "POST", path: "/admin/outbox/retry", body: `{"ids":[1],"all":true}`, auth: true, want: 400},
		{name: "retry is not JSON", method: "POST", path: "/admin/outbox/retry", body: `ids=1`, auth: true, want: 400},
		{name: "retry with the database down", method: "POST", path: "/admin/outbox/retry", body: `{"all":true}`, auth: true, dbDown: true, want: 503},
		{name: "handoffs", method: "GET", path: "/admin/handoffs", auth: true, want: 200,
			wantBody: `{"handoffs":[{"id":9,"state":"waiting"}],"status":"ok"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbErr = nil
			if tt.dbDown {
				dbErr = errors.New("dial tcp 10.0.0.5:5432: connection refused")
			}
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.auth {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d (%s), want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body %s, want %s", rec.Body, tt.wantBody)
			}
			if strings.Contains(rec.Body.String(), "10.0.0.5") {
				t.Errorf("the database's address leaked to the client: %s", rec.Body)
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}
}

// TestFailedWebhookAuthenticationIsLimitedPerAddress: the secret is
// checked first, so a right one is always served, whoever failed before
// it; an address that keeps failing gets 429 for its failures only; one
// address's failures never touch another's; the allowance comes back with
// time. Behind a trusted proxy the forwarded address counts; from anyone
// else X-Forwarded-For is ignored.
func TestFailedWebhookAuthenticationIsLimitedPerAddress(t *testing.T) {
	reached := 0
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "right" {
			http.Error(w, "wrong secret", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "stored")
	})
	newRouter := func(proxies []string) http.Handler {
		return mustNew(t, Options{
			Webhooks:       map[string]http.Handler{"telegram/shop": hook},
			DB:             pinger{},
			TrustedProxies: proxies,
			AuthFailures:   &AuthFailureLimit{Burst: 3, Every: 50 * time.Millisecond},
			Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	}
	type post struct {
		name            string
		from, forwarded string
		secret          string
		want            int
		wait            time.Duration // before posting
		wantBody        string
	}
	tests := []struct {
		name    string
		proxies []string
		posts   []post
	}{
		{"one address", []string{"10.0.0.1"}, []post{
			{name: "guess 1", from: "203.0.113.7", secret: "guess", want: 401},
			{name: "guess 2", from: "203.0.113.7", secret: "guess", want: 401},
			{name: "guess 3", from: "203.0.113.7", secret: "guess", want: 401},
			{name: "guess past the allowance", from: "203.0.113.7", secret: "guess", want: 429, wantBody: "too many failed authentications\n"},
			{name: "the right secret from the same address", from: "203.0.113.7", secret: "right", want: 200, wantBody: "stored"},
			{name: "another address guessing", from: "198.51.100.2", secret: "guess", want: 401},
			{name: "another address claiming the blocked one", from: "198.51.100.2", forwarded: "203.0.113.7", secret: "guess", want: 401},
			{name: "a forged X-Forwarded-For does not escape", from: "203.0.113.7", forwarded: "192.0.2.99", secret: "guess", want: 429},
			{name: "after the wait", from: "203.0.113.7", secret: "guess", want: 401, wait: 60 * time.Millisecond},
		}},
		{"behind a trusted proxy", []string{"10.0.0.1"}, []post{
			{name: "guess 1", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 401},
			{name: "guess 2", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 401},
			{name: "guess 3", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 401},
			{name: "guess past the allowance", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 429},
			{name: "another client of the proxy guessing", from: "10.0.0.1", forwarded: "192.0.2.11", secret: "guess", want: 401},
			{name: "the platform through the proxy", from: "10.0.0.1", forwarded: "149.154.167.220", secret: "right", want: 200},
		}},
		{"behind a proxy not declared in trusted_proxies", nil, []post{
			// Everyone looks like the proxy: the attacker uses up its
			// allowance, and the platform, knowing the secret, still gets in.
			{name: "guess 1", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 401},
			{name: "guess 2", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 401},
			{name: "guess 3", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 401},
			{name: "guess past the allowance", from: "10.0.0.1", forwarded: "192.0.2.10", secret: "guess", want: 429},
			{name: "the platform through the proxy", from: "10.0.0.1", forwarded: "149.154.167.220", secret: "right", want: 200},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newRouter(tt.proxies)
			for _, p := range tt.posts {
				time.Sleep(p.wait)
				req := httptest.NewRequest("POST", "/webhooks/telegram/shop", strings.NewReader("{}"))
				req.RemoteAddr = p.from + ":40000"
				if p.forwarded != "" {
					req.Header.Set("X-Forwarded-For", p.forwarded)
				}
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", p.secret)
				rec := httptest.NewRecorder()
				before := reached
				h.ServeHTTP(rec, req)
				if rec.Code != p.want {
					t.Fatalf("%s: %d, want %d", p.name, rec.Code, p.want)
				}
				if p.wantBody != "" && rec.Body.String() != p.wantBody {
					t.Errorf("%s: body %q, want %q", p.name, rec.Body.String(), p.wantBody)
				}
				if p.want == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", p.name)
				}
				if reached != before+1 {
					t.Errorf("%s: the bot's handler was not asked: the secret must be checked first", p.name)
				}
			}
		})
	}
}

func TestFailureLimiterForgetsWithoutBound(t *testing.T) {
	now := time.Unix(0, 0)
	f := newFailureLimiter(AuthFailureLimit{Burst: 1, Every: time.Minute}, func() time.Time { return now })
	for i := range maxTrackedAddresses + 5 {
		f.failed(fmt.Sprint(i))
	}
	if n := len(f.debts); n > maxTrackedAddresses {
		t.Fatalf("tracking %d addresses, bound is %d", n, maxTrackedAddresses)
	}
	now = now.Add(2 * time.Minute)
	f.failed("late")
	if f.blocked("late") == 0 {
		t.Fatal("an address past its allowance is not blocked")
	}
}

// TestRequestIDs: every answer carries an X-Request-Id, a sane one from
// the client is kept, and log lines written with the request's context
// carry it; webhook timings are reported with their status.
func TestRequestIDs(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(WithRequestIDs(slog.NewJSONHandler(&logs, nil)))
	type observed struct {
		platform, bot string
		status        int
	}
	var seen []observed
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.WarnContext(r.Context(), "inside the handler")
		w.WriteHeader(http.StatusAccepted)
	})
	h := mustNew(t, Options{
		Webhooks: map[string]http.Handler{"telegram/shop": hook},
		DB:       pinger{},
		ObserveWebhook: func(platform, bot string, status int, took time.Duration) {
			seen = append(seen, observed{platform, bot, status})
		},
		Log: log,
	})
	tests := []struct {
		name, sent string
		keep       bool
	}{
		{"a proxy's id is kept", "req-7f3a.1:2", true},
		{"none is made up", "", false},
		{"a hostile one is replaced", "x\n{\"level\":\"ERROR\"}", false},
		{"an overlong one is replaced", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			req := httptest.NewRequest("POST", "/webhooks/telegram/shop", strings.NewReader("{}"))
			if tt.sent != "" {
				req.Header.Set("X-Request-Id", tt.sent)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-Id")
			if (got == tt.sent) != tt.keep || got == "" {
				t.Fatalf("answered X-Request-Id %q for %q", got, tt.sent)
			}
			if !strings.Contains(logs.String(), `"request_id":"`+got+`"`) {
				t.Errorf("the handler's log line lacks the request id %q: %s", got, logs.String())
			}
		})
	}
	if len(seen) != len(tests) || seen[0] != (observed{"telegram", "shop", http.StatusAccepted}) {
		t.Errorf("observed %+v", seen)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/webhooks/telegram/nobody", nil))
	if len(seen) != len(tests) {
		t.Errorf("a request for an unknown bot was observed: its label would be the attacker's choice")
	}
}

// TestPageRedirectsKeepTheQuery: the redirects that drop the token and
// add the page's slash keep every other query parameter, so a link such as
// /dashboard?since=30d&token=… opens the report of 30 days.
func TestPageRedirectsKeepTheQuery(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path+"?"+r.URL.RawQuery) })
	h := mustNew(t, Options{
		DB: pinger{}, PageToken: token,
		Pages: map[string]http.Handler{"/dashboard": page},
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	tests := []struct {
		name string
		path string
		// hops are the Locations of the redirects followed, then the page's answer.
		hops []string
		page string
	}{
		{"bare prefix", "/dashboard?since=30d&token=" + token, []string{"/dashboard?since=30d", "/dashboard/?since=30d"}, "/?since=30d"},
		{"with the slash", "/dashboard/?since=30d&token=" + token, []string{"/dashboard/?since=30d"}, "/?since=30d"},
		{"several parameters", "/dashboard?token=" + token + "&since=7d&until=2026-01-02", []string{"/dashboard?since=7d&until=2026-01-02",
			"/dashboard/?since=7d&until=2026-01-02"}, "/?since=7d&until=2026-01-02"},
		{"only the token", "/dashboard?token=" + token, []string{"/dashboard", "/dashboard/"}, "/?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, cookie := tt.path, ""
			for i := 0; ; i++ {
				req := httptest.NewRequest("GET", path, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if c := rec.Header().Get("Set-Cookie"); c != "" {
					cookie = strings.Split(c, ";")[0]
				}
				if rec.Code == http.StatusOK {
					if i != len(tt.hops) || rec.Body.String() != tt.page {
						t.Fatalf("after %d redirects the page saw %q, want %q after %q", i, rec.Body, tt.page, tt.hops)
					}
					return
				}
				if i >= len(tt.hops) || rec.Header().Get("Location") != tt.hops[i] {
					t.Fatalf("hop %d: %d to %q, want the hops %q", i, rec.Code, rec.Header().Get("Location"), tt.hops)
				}
				path = rec.Header().Get("Location")
			}
		})
	}
}

// TestPagesNeedTheTokenOnce: a page opens with the bearer token, or with
// ?token= once, which sets a session cookie and redirects to an address
// without the token; the cookie then suffices and does not open the API.
func TestPagesNeedTheTokenOnce(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page at "+r.URL.Path) })
	h := mustNew(t, Options{
		DB: pinger{}, AdminToken: token, PageToken: token,
		Pages:    map[string]http.Handler{"/sandbox": page},
		Handoffs: func(context.Context, int) (any, error) { return []int{}, nil },
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	do := func(path string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := do("/sandbox/", nil); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "?token=") {
		t.Fatalf("without the token: %d %q", rec.Code, rec.Body)
	}
	if rec := do("/sandbox/?token=wrong", nil); rec.Code != http.StatusUnauthorized || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("a wrong token: %d, cookie %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}
	if rec := do("/sandbox/api/state", map[string]string{"Authorization": "Bearer " + token}); rec.Code != 200 || rec.Body.String() != "page at /api/state" {
		t.Fatalf("with the bearer token: %d %q", rec.Code, rec.Body)
	}
	rec := do("/sandbox/?token="+token+"&x=1", nil)
	cookie := rec.Header().Get("Set-Cookie")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/sandbox/?x=1" ||
		!strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") || strings.Contains(cookie, token) {
		t.Fatalf("?token=: %d to %q, cookie %q", rec.Code, rec.Header().Get("Location"), cookie)
	}
	session := strings.Split(cookie, ";")[0]
	if rec := do("/sandbox/", map[string]string{"Cookie": session}); rec.Code != 200 || rec.Body.String() != "page at /" {
		t.Fatalf("with the cookie: %d %q", rec.Code, rec.Body)
	}
	if rec := do("/sandbox", map[string]string{"Cookie": session}); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/sandbox/" {
		t.Fatalf("the bare prefix: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := do("/admin/handoffs", map[string]string{"Cookie": session}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("the page cookie opened the admin API: %d", rec.Code)
	}
	if rec := do("/sandbox/", map[string]string{"Cookie": sessionCookie + "=forged"}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("a forged cookie: %d", rec.Code)
	}
}
