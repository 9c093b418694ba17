package teamhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

var (
	secret = []byte("s3cret-key-value")
	epoch  = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
)

func clock() time.Time { return epoch }

// received is what a test receiver saw of one request.
type received struct {
	header http.Header
	body   []byte
	err    error // Verify's answer
}

// receiver starts a server that verifies each request against secret at
// epoch and answers status; it returns the server and what it received.
func receiver(t *testing.T, status int) (*httptest.Server, func() received) {
	t.Helper()
	var (
		mu  sync.Mutex
		got received
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		mu.Lock()
		got = received{header: r.Header.Clone(), body: body, err: Verify(secret, r.Header, body, epoch, 0)}
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() received {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

func TestSendDeliversSignedBody(t *testing.T) {
	srv, got := receiver(t, http.StatusOK)
	body := `{"event":"handoff.created","conversation":42,"text":"привет"}`
	s := NewSender(srv.URL+"/hooks/frontdesk", secret, WithClock(clock))

	id, err := s.Send(context.Background(), chat.Outgoing{ID: 17, Text: body})
	if err != nil || id != "" {
		t.Fatalf("Send = %q, %v; want \"\", nil", id, err)
	}
	r := got()
	if r.err != nil {
		t.Errorf("receiver's Verify: %v", r.err)
	}
	if string(r.body) != body {
		t.Errorf("body = %q, want %q", r.body, body)
	}
	for name, want := range map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    UserAgent,
		HeaderDelivery:  "17",
		HeaderTimestamp: strconv.FormatInt(epoch.Unix(), 10),
		HeaderSignature: Sign(secret, epoch.Unix(), []byte(body)),
	} {
		if v := r.header.Get(name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
}

func TestSignKnownValue(t *testing.T) {
	// Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac key
	const want = "v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
	if got := Sign([]byte("key"), 1700000000, []byte("{}")); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"event":"handoff.resolved"}`)
	signed := func(key []byte, ts int64, b []byte) http.Header {
		h := http.Header{}
		h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
		h.Set(HeaderSignature, Sign(key, ts, b))
		return h
	}
	now := epoch.Unix()
	tests := []struct {
		name      string
		header    http.Header
		tolerance time.Duration
		want      error
	}{
		{"valid", signed(secret, now, body), 0, nil},
		{"valid at edge of default tolerance", signed(secret, now-300, body), 0, nil},
		{"wrong secret", signed([]byte("other"), now, body), 0, ErrBadSignature},
		{"tampered body", signed(secret, now, []byte(`{"event":"x"}`)), 0, ErrBadSignature},
		{"stale", signed(secret, now-301, body), 0, ErrStale},
		{"from the future", signed(secret, now+301, body), 0, ErrStale},
		{"stale under custom tolerance", signed(secret, now-61, body), time.Minute, ErrStale},
		{"absurd timestamp", signed(secret, 1<<62, body), 0, ErrStale},
		{"no headers", http.Header{}, 0, ErrNoSignature},
		{"no signature", func() http.Header {
			h := signed(secret, now, body)
			h.Del(HeaderSignature)
			return h
		}(), 0, ErrNoSignature},
		{"no timestamp", func() http.Header {
			h := signed(secret, now, body)
			h.Del(HeaderTimestamp)
			return h
		}(), 0, ErrNoSignature},
		{"malformed timestamp", func() http.Header {
			h := signed(secret, now, body)
			h.Set(HeaderTimestamp, "soon")
			return h
		}(), 0, ErrBadSignature},
		{"signature with another scheme", func() http.Header {
			h := signed(secret, now, body)
			h.Set(HeaderSignature, "v0="+strings.TrimPrefix(h.Get(HeaderSignature), "v1="))
			return h
		}(), 0, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(secret, tt.header, body, epoch, tt.tolerance)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if err := Verify(nil, signed(nil, now, body), body, epoch, 0); err == nil {
		t.Error("Verify with an empty secret succeeded")
	}
}

func TestSendClassifiesStatus(t *testing.T) {
	tests := []struct {
		status     int
		retryAfter string
		wantErr    bool
		kind       chat.SendErrorKind
		wait       time.Duration
	}{
		{status: 200},
		{status: 204},
		{status: 302, wantErr: true, kind: chat.SendPermanent},
		{status: 400, wantErr: true, kind: chat.SendPermanent},
		{status: 404, wantErr: true, kind: chat.SendPermanent},
		{status: 408, wantErr: true, kind: chat.SendTemporary},
		{status: 425, wantErr: true, kind: chat.SendTemporary},
		{status: 429, retryAfter: "7", wantErr: true, kind: chat.SendRateLimited, wait: 7 * time.Second},
		{status: 429, retryAfter: epoch.Add(90 * time.Second).Format(http.TimeFormat), wantErr: true, kind: chat.SendRateLimited, wait: 90 * time.Second},
		{status: 429, retryAfter: "", wantErr: true, kind: chat.SendRateLimited, wait: 30 * time.Second},
		{status: 429, retryAfter: "later", wantErr: true, kind: chat.SendRateLimited, wait: 30 * time.Second},
		{status: 429, retryAfter: "99999999999999", wantErr: true, kind: chat.SendRateLimited, wait: time.Hour},
		{status: 500, wantErr: true, kind: chat.SendTemporary},
		{status: 503, wantErr: true, kind: chat.SendTemporary},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status)+"/"+tt.retryAfter, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				if tt.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "receiver says no")
			}))
			defer srv.Close()

			_, err := NewSender(srv.URL, secret, WithClock(clock)).Send(context.Background(), chat.Outgoing{ID: 1, Text: `{}`})
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				return
			}
			var se *chat.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v, want a *chat.SendError", err)
			}
			if se.Kind != tt.kind || se.RetryAfter != tt.wait {
				t.Errorf("Send = %s after %s, want %s after %s", se.Kind, se.RetryAfter, tt.kind, tt.wait)
			}
			for _, want := range []string{strconv.Itoa(tt.status), "receiver says no"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestSendHangingServerIsTemporary(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first, so Close does not wait on the handler

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewSender(srv.URL, secret, WithClock(clock)).Send(ctx, chat.Outgoing{ID: 1, Text: `{}`})
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Send took %s despite the deadline", elapsed)
	}
	var se *chat.SendError
	if !errors.As(err, &se) || se.Kind != chat.SendTemporary {
		t.Fatalf("Send = %v, want a temporary *chat.SendError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send = %v, want it to wrap context.DeadlineExceeded", err)
	}
}

func TestErrorsHideCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, strings.Repeat("x", 1000))
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more: a transport error

	withTokens := func(base string) string {
		return strings.Replace(base, "http://", "http://user:pass@", 1) + "/path?token=abc"
	}
	tests := []struct {
		name string
		url  string
		kind chat.SendErrorKind
	}{
		{"status error", withTokens(srv.URL), chat.SendPermanent},
		{"transport error", withTokens(closed.URL), chat.SendTemporary},
		{"invalid URL", "http://user:pass@host/path?token=abc%zz\x7f", chat.SendPermanent},
		{"not http", "ftp://user:pass@host/path?token=abc", chat.SendPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSender(tt.url, secret, WithClock(clock)).Send(context.Background(), chat.Outgoing{ID: 1, Text: `{}`})
			var se *chat.SendError
			if !errors.As(err, &se) || se.Kind != tt.kind {
				t.Fatalf("Send = %v, want a %s *chat.SendError", err, tt.kind)
			}
			msg := err.Error()
			for _, leak := range []string{"pass", "abc", "token", string(secret)} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q leaks %q", msg, leak)
				}
			}
			if tt.name == "status error" {
				if !strings.Contains(msg, "/path") {
					t.Errorf("error %q does not name the path", msg)
				}
				if n := strings.Count(msg, "x"); n > snippetLimit {
					t.Errorf("error quotes %d bytes of the body, want at most %d", n, snippetLimit)
				}
			}
		})
	}
}
