package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// TestSpamReleaseForm: the page lists the spam with a "not spam" button
// for each message not yet released; the button's POST releases it once
// and comes back to the page, confirmed; a second is refused, and so is a
// post from another origin.
func TestSpamReleaseForm(t *testing.T) {
	releasedAt := now.Add(-time.Hour)
	released := map[int64]bool{}
	h := New(func(_ context.Context, since, until time.Time) (report.Report, error) {
		return sample(since, until), nil
	}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil))).WithSpam(
		func(_ context.Context, since, until time.Time) (report.SpamReview, error) {
			return report.SpamReview{Since: since, Until: until, Messages: []report.SpamItem{
				{ID: 12, At: now.Add(-2 * time.Hour), Rule: "spam", Text: `<b>where</b> is my order [number]`},
				{ID: 9, At: now.Add(-3 * time.Hour), Rule: "spam", Text: "cheap watches", Released: &releasedAt},
			}}, nil
		},
		func(_ context.Context, id int64) error {
			switch {
			case id == 404:
				return errors.New("release: message 404: no such message")
			case released[id]:
				return fmt.Errorf("release: message %d was released already: %w", id, chat.ErrAlreadyDone)
			}
			released[id] = true
			return nil
		})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?since=30d&released=12", nil))
	body := rec.Body.String()
	for _, want := range []string{`<section id="spam">`, `&lt;b&gt;where&lt;/b&gt; is my order [number]`,
		`<input type="hidden" name="id" value="12">`, `<input type="hidden" name="since" value="30d">`,
		`Message 12 released as not spam`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, `name="id" value="9"`) {
		t.Error("a released message still has its button")
	}

	post := func(id, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/release", strings.NewReader(url.Values{"id": {id}, "since": {"30d"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	tests := []struct {
		name, id, origin string
		want             int
		says             string
	}{
		{"from another site", "12", "https://evil.example", 403, "from the dashboard itself"},
		{"releases", "12", "http://example.com", 303, ""},
		{"not twice", "12", "", 409, "released already"},
		{"an unknown id", "404", "", 400, "no such message"},
		{"not an id", "x", "", 400, "message id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(tt.id, tt.origin)
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.says) {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.want == 303 && rec.Header().Get("Location") != "./?released=12&since=30d#spam" {
				t.Errorf("redirected to %q", rec.Header().Get("Location"))
			}
		})
	}
	if rec := httptest.NewRecorder(); true {
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/release", nil))
		if rec.Code != 405 {
			t.Errorf("GET /release: %d, want 405", rec.Code)
		}
	}
}
