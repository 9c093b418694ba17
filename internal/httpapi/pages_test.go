package httpapi

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const pageToken = "0123456789abcdef0123456789abcdef"

func pagesRouter(t *testing.T) http.Handler {
	t.Helper()
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page at "+r.URL.Path) })
	return mustNew(t, Options{
		DB: pinger{}, AdminToken: pageToken, PageToken: pageToken,
		Pages:          map[string]http.Handler{"/dashboard": page},
		Handoffs:       func(context.Context, int) (any, error) { return []int{}, nil },
		TrustedProxies: []string{"10.0.0.0/8"},
		AuthFailures:   &AuthFailureLimit{Burst: 3, Every: time.Minute},
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

type pageRequest struct {
	method, path string
	from         string // peer address; 192.0.2.1 when empty
	header       map[string]string
	tls          bool
}

func (p pageRequest) do(h http.Handler) *httptest.ResponseRecorder {
	method := p.method
	if method == "" {
		method = "GET"
	}
	req := httptest.NewRequest(method, p.path, nil)
	req.RemoteAddr = "192.0.2.1:5000"
	if p.from != "" {
		req.RemoteAddr = p.from + ":5000"
	}
	for k, v := range p.header {
		req.Header.Set(k, v)
	}
	if p.tls {
		req.TLS = &tls.ConnectionState{}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func login(t *testing.T, h http.Handler, r pageRequest) (cookie, header string) {
	t.Helper()
	r.path = "/dashboard/?token=" + pageToken
	rec := r.do(h)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", rec.Code)
	}
	header = rec.Header().Get("Set-Cookie")
	return strings.Split(header, ";")[0], header
}

// TestPageSecurityHeaders: every answer, page or not, forbids framing and
// content sniffing and sends no Referer.
func TestPageSecurityHeaders(t *testing.T) {
	h := pagesRouter(t)
	cookie, _ := login(t, h, pageRequest{})
	for _, r := range []pageRequest{
		{path: "/dashboard/", header: map[string]string{"Cookie": cookie}},
		{path: "/dashboard/"},
		{path: "/admin/handoffs", header: map[string]string{"Authorization": "Bearer " + pageToken}},
		{path: "/healthz"},
	} {
		t.Run(r.path, func(t *testing.T) {
			rec := r.do(h)
			for k, want := range map[string]string{
				"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
				"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
			} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s: %q, want %q (status %d)", k, got, want, rec.Code)
				}
			}
		})
	}
}

// TestPageCookie: the cookie is a fresh random session each time, never
// the token or a value derived from it alone; Secure whenever the browser
// came over HTTPS, directly or through a trusted proxy that says so.
func TestPageCookie(t *testing.T) {
	h := pagesRouter(t)
	tests := []struct {
		name       string
		r          pageRequest
		wantSecure bool
	}{
		{"plain HTTP", pageRequest{}, false},
		{"direct TLS", pageRequest{tls: true}, true},
		{"HTTPS through a trusted proxy", pageRequest{from: "10.1.2.3", header: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}}, true},
		{"HTTP through a trusted proxy", pageRequest{from: "10.1.2.3", header: map[string]string{"X-Forwarded-Proto": "http"}}, false},
		{"a client claiming HTTPS itself", pageRequest{from: "203.0.113.9", header: map[string]string{"X-Forwarded-Proto": "https"}}, false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookie, header := login(t, h, tt.r)
			if got := strings.Contains(header, "; Secure"); got != tt.wantSecure {
				t.Errorf("Secure %v, want %v: %s", got, tt.wantSecure, header)
			}
			for _, want := range []string{"HttpOnly", "SameSite=Strict", "Max-Age=", "Expires="} {
				if !strings.Contains(header, want) {
					t.Errorf("cookie lacks %s: %s", want, header)
				}
			}
			if strings.Contains(cookie, pageToken) || seen[cookie] {
				t.Errorf("cookie %q is the token or repeats an earlier one", cookie)
			}
			seen[cookie] = true
			if rec := (pageRequest{path: "/dashboard/", header: map[string]string{"Cookie": cookie}}).do(h); rec.Code != 200 {
				t.Errorf("the new session: %d", rec.Code)
			}
		})
	}
}

// TestPageSessionsEndAndAreRevocable: a session expires, ends with a
// logout, and all end with POST /admin/sessions/revoke.
func TestPageSessionsEndAndAreRevocable(t *testing.T) {
	t.Run("expiry", func(t *testing.T) {
		now := time.Unix(1_800_000_000, 0)
		ss := newSessions(pageToken, time.Hour, func() time.Time { return now })
		v, _ := ss.issue()
		if _, ok := ss.parse(v); !ok {
			t.Fatal("a new session is refused")
		}
		now = now.Add(time.Hour)
		if _, ok := ss.parse(v); ok {
			t.Fatal("an expired session is accepted")
		}
		other := newSessions("another token", time.Hour, func() time.Time { return now })
		v2, _ := other.issue()
		if _, ok := ss.parse(v2); ok {
			t.Fatal("a session signed with another token is accepted")
		}
	})
	h := pagesRouter(t)
	open := func(cookie string) int {
		return pageRequest{path: "/dashboard/", header: map[string]string{"Cookie": cookie}}.do(h).Code
	}
	t.Run("logout", func(t *testing.T) {
		a, _ := login(t, h, pageRequest{})
		b, _ := login(t, h, pageRequest{})
		if rec := (pageRequest{method: "POST", path: "/dashboard/logout", header: map[string]string{"Cookie": a}}).do(h); rec.Code != 200 {
			t.Fatalf("logout: %d", rec.Code)
		}
		if open(a) != http.StatusUnauthorized || open(b) != 200 {
			t.Fatalf("after logout: the ended session %d, the other %d", open(a), open(b))
		}
	})
	t.Run("revoke all", func(t *testing.T) {
		a, _ := login(t, h, pageRequest{})
		if rec := (pageRequest{method: "POST", path: "/admin/sessions/revoke", header: map[string]string{"Authorization": "Bearer " + pageToken}}).do(h); rec.Code != 200 {
			t.Fatalf("revoke: %d", rec.Code)
		}
		if open(a) != http.StatusUnauthorized {
			t.Fatal("a revoked session still opens the page")
		}
		time.Sleep(time.Millisecond)
		b, _ := login(t, h, pageRequest{})
		if open(b) != 200 {
			t.Fatal("a session started after the revocation is refused")
		}
	})
}

// TestAdminTokenGuessesAreThrottled: wrong admin tokens, on the API or the
// pages, get 429 past the allowance of their address; the right token
// still works from there, and other addresses are not affected.
func TestAdminTokenGuessesAreThrottled(t *testing.T) {
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	tests := []struct {
		name  string
		guess pageRequest
		right pageRequest
		okay  int
	}{
		{"admin API", pageRequest{path: "/admin/handoffs", from: "203.0.113.5", header: bearer("guess")},
			pageRequest{path: "/admin/handoffs", from: "203.0.113.5", header: bearer(pageToken)}, 200},
		{"page ?token=", pageRequest{path: "/dashboard/?token=guess", from: "203.0.113.6"},
			pageRequest{path: "/dashboard/?token=" + pageToken, from: "203.0.113.6"}, http.StatusSeeOther},
		{"page bearer", pageRequest{path: "/dashboard/", from: "203.0.113.7", header: bearer("guess")},
			pageRequest{path: "/dashboard/", from: "203.0.113.7", header: bearer(pageToken)}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := pagesRouter(t)
			for i := range 3 {
				if c := tt.guess.do(h).Code; c != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d, want 401", i+1, c)
				}
			}
			rec := tt.guess.do(h)
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("guess past the allowance: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
			}
			if c := tt.right.do(h).Code; c != tt.okay {
				t.Errorf("the right token from the same address: %d, want %d", c, tt.okay)
			}
			other := tt.guess
			other.from = "198.51.100.1"
			if c := other.do(h).Code; c != http.StatusUnauthorized {
				t.Errorf("another address: %d, want 401", c)
			}
			// A visit without any token is not a guess.
			if c := (pageRequest{path: "/dashboard/", from: "198.51.100.2"}).do(h).Code; c != http.StatusUnauthorized {
				t.Errorf("a first visit: %d, want 401", c)
			}
		})
	}
}
