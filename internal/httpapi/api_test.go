package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// fakeAPI is an API over fixed answers: tokens by secret, one handoff
// (7), one customer (telegram/shop/4242); acts are recorded.
func fakeAPI(tokens map[string]chat.APIToken, acts *[]Action) *API {
	byHash := map[string]chat.APIToken{}
	for secret, t := range tokens {
		t.Hash = HashAPIToken(secret)
		byHash[t.Hash] = t
	}
	customer := func(_ context.Context, c CustomerID) (any, bool, error) {
		return c, c == CustomerID{Platform: chat.Telegram, Bot: "shop", ExternalID: "4242"}, nil
	}
	return &API{
		Token: func(_ context.Context, hash string) (chat.APIToken, bool, error) {
			t, ok := byHash[hash]
			return t, ok, nil
		},
		Handoffs: func(_ context.Context, q HandoffQuery) (any, error) { return []HandoffQuery{q}, nil },
		Handoff:  func(_ context.Context, id int64) (any, bool, error) { return id, id == 7, nil },
		Act: func(_ context.Context, a Action) (bool, error) {
			*acts = append(*acts, a)
			if a.HandoffID == 9 {
				return true, fmt.Errorf("%w: team %q: no team chat takes its handoffs", ErrCannot, "gone")
			}
			return a.HandoffID == 7, nil
		},
		Customer: customer, Export: customer, Forget: customer,
	}
}

func apiRequest(t *testing.T, h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	switch {
	case strings.Contains(token, " "): // another scheme, as is
		req.Header.Set("Authorization", token)
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestAPIRequests: what each scope may do, what a request must carry,
// and how a customer id and the list's filters are read.
func TestAPIRequests(t *testing.T) {
	var acts []Action
	api := fakeAPI(map[string]chat.APIToken{
		"r": {Name: "crm", Scope: chat.ScopeRead}, "a": {Name: "desk", Scope: chat.ScopeAgent}, "x": {Name: "ops", Scope: chat.ScopeAdmin},
	}, &acts)
	h := mustNew(t, Options{DB: pinger{}, API: api, AdminToken: "shared", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, tc := range []struct {
		name, method, path, token, body string
		want                            int
		wantBody                        string
	}{
		{"no token", "GET", "/api/v1/handoffs", "", "", 401, "missing, unknown or revoked"},
		{"not a bearer token", "GET", "/api/v1/handoffs", "Basic r", "", 401, ""},
		{"unknown token", "GET", "/api/v1/handoffs", "nope", "", 401, ""},
		{"read lists with filters", "GET", "/api/v1/handoffs?state=claimed&team=vip&priority=high&since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z&limit=5", "r", "", 200,
			`"State":"claimed","Team":"vip","Priority":"high","Since":"2026-12-01T00:00:00Z","Until":"2026-12-02T00:00:00Z","Limit":5`},
		{"a bad time", "GET", "/api/v1/handoffs?since=yesterday", "r", "", 400, "since: a time like"},
		{"a bad limit", "GET", "/api/v1/handoffs?limit=0", "r", "", 400, "limit: 1 to 1000"},
		{"read reads a handoff", "GET", "/api/v1/handoffs/7", "r", "", 200, `"handoff":7`},
		{"not a handoff id", "GET", "/api/v1/handoffs/seven", "r", "", 400, "handoff id"},
		{"no such handoff", "GET", "/api/v1/handoffs/8", "r", "", 404, "no such handoff"},
		{"read may not claim", "POST", "/api/v1/handoffs/7/claim", "r", `{"agent":"Dana"}`, 403, "token crm has scope read; this needs agent"},
		{"agent claims", "POST", "/api/v1/handoffs/7/claim", "a", `{"agent":"Dana"}`, 202, `"command":"claim"`},
		{"a claim has no text", "POST", "/api/v1/handoffs/7/claim", "a", `{"agent":"Dana","text":"hi"}`, 400, "only a reply has a text"},
		{"unknown fields are refused", "POST", "/api/v1/handoffs/7/reply", "a", `{"agent":"Dana","txt":"hi"}`, 400, "unknown field"},
		{"agent replies", "POST", "/api/v1/handoffs/7/reply", "a", `{"agent":"Dana","text":"hi"}`, 202, `"command":"reply"`},
		{"a handoff no team chat takes", "POST", "/api/v1/handoffs/9/resolve", "a", `{"agent":"Dana"}`, 409, `no team chat takes its handoffs`},
		{"no such handoff to resolve", "POST", "/api/v1/handoffs/8/resolve", "a", `{"agent":"Dana"}`, 404, ""},
		{"an escaped customer id", "GET", "/api/v1/customers/telegram%2Fshop%2F4242", "r", "", 200, `"ExternalID":"4242"`},
		{"an external id with a slash", "GET", "/api/v1/customers/telegram%2Fshop%2F42%2F42", "r", "", 404, ""},
		{"a customer id of two parts", "GET", "/api/v1/customers/telegram%2Fshop", "r", "", 400, "platform/bot/external_id"},
		{"agent may not export", "GET", "/api/v1/customers/telegram%2Fshop%2F4242/export", "a", "", 403, ""},
		{"admin exports", "GET", "/api/v1/customers/telegram%2Fshop%2F4242/export", "x", "", 200, `"export"`},
		{"admin forgets by DELETE", "DELETE", "/api/v1/customers/telegram%2Fshop%2F4242", "x", "", 200, `"forgotten"`},
		{"the shared admin token forgets by POST", "POST", "/api/v1/customers/telegram%2Fshop%2F4242/forget", "shared", "", 200, `"forgotten"`},
		{"the document needs no token", "GET", "/api/v1/openapi.json", "", "", 200, `"openapi": "3.1.0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := apiRequest(t, h, tc.method, tc.path, tc.token, tc.body)
			if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Fatalf("%d %s, want %d and %q", w.Code, w.Body, tc.want, tc.wantBody)
			}
		})
	}
	want := []Action{
		{Token: "desk", Agent: "Dana", Command: chat.AgentClaim, HandoffID: 7},
		{Token: "desk", Agent: "Dana", Command: chat.AgentRelay, HandoffID: 7, Text: "hi"},
		{Token: "desk", Agent: "Dana", Command: chat.AgentResolve, HandoffID: 9},
		{Token: "desk", Agent: "Dana", Command: chat.AgentResolve, HandoffID: 8},
	}
	for i := range acts {
		if !strings.HasPrefix(acts[i].Key, "auto-") {
			t.Errorf("act %d without an Idempotency-Key got key %q, want a fresh one", i, acts[i].Key)
		}
		acts[i].Key = ""
	}
	if !slices.Equal(acts, want) {
		t.Fatalf("acts %+v, want %+v", acts, want)
	}
}

// TestAPIIdempotencyKeyIsPassedOn: the key names the command; a key that
// is not printable ASCII is refused.
func TestAPIIdempotencyKeyIsPassedOn(t *testing.T) {
	var acts []Action
	h := mustNew(t, Options{DB: pinger{}, API: fakeAPI(map[string]chat.APIToken{"a": {Name: "desk", Scope: chat.ScopeAgent}}, &acts),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, tc := range []struct {
		key  string
		want int
	}{{"crm-7731", 202}, {"has space", 400}, {strings.Repeat("k", 201), 400}} {
		req := httptest.NewRequest("POST", "/api/v1/handoffs/7/claim", strings.NewReader(`{"agent":"Dana"}`))
		req.Header.Set("Authorization", "Bearer a")
		req.Header.Set("Idempotency-Key", tc.key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Fatalf("key %q: %d %s, want %d", tc.key, w.Code, w.Body, tc.want)
		}
	}
	if len(acts) != 1 || acts[0].Key != "crm-7731" {
		t.Fatalf("acts %+v", acts)
	}
}

// TestAPIRateIsPerToken: a token over its rate is refused with
// Retry-After; another token is not.
func TestAPIRateIsPerToken(t *testing.T) {
	var acts []Action
	api := fakeAPI(map[string]chat.APIToken{"a": {Name: "a", Scope: chat.ScopeRead}, "b": {Name: "b", Scope: chat.ScopeRead}}, &acts)
	api.Rate = &AuthFailureLimit{Burst: 2, Every: time.Hour}
	h := mustNew(t, Options{DB: pinger{}, API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for i, tc := range []struct {
		token string
		want  int
	}{{"a", 200}, {"a", 200}, {"a", 429}, {"b", 200}} {
		w := apiRequest(t, h, "GET", "/api/v1/handoffs/7", tc.token, "")
		if w.Code != tc.want {
			t.Fatalf("request %d with %s: %d, want %d", i, tc.token, w.Code, tc.want)
		}
		if w.Code == 429 && w.Header().Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
}

// TestOpenAPIDocumentMatchesTheRouter: every /api/v1 route is in the
// document, with its method, and every documented operation is a route.
func TestOpenAPIDocumentMatchesTheRouter(t *testing.T) {
	var acts []Action
	h := mustNew(t, Options{DB: pinger{}, API: fakeAPI(nil, &acts), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var routes []string
	for _, r := range h.(*gin.Engine).Routes() {
		path, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok {
			continue
		}
		var segs []string
		for _, s := range strings.Split(path, "/") {
			if name, ok := strings.CutPrefix(s, ":"); ok {
				s = "{" + name + "}"
			}
			segs = append(segs, s)
		}
		routes = append(routes, r.Method+" "+strings.Join(segs, "/"))
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Servers []struct{ URL string }    `json:"servers"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("document is OpenAPI %q with servers %+v", doc.OpenAPI, doc.Servers)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	if len(routes) < 10 || !slices.Equal(routes, documented) {
		t.Fatalf("routes:\n  %s\ndocumented:\n  %s", strings.Join(routes, "\n  "), strings.Join(documented, "\n  "))
	}
}
