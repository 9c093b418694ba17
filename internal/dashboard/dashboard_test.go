package dashboard

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/report"
)

var now = time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)

func sample(since, until time.Time) report.Report {
	r := report.Report{Since: since, Until: until, MessagesIn: 17, Conversations: 13, AnsweredByBot: 2, HandedOff: 6, Ignored: 1,
		Outcomes:   []report.Count{{Name: "answered", Count: 2}, {Name: "handed_off", Count: 6}},
		TopRules:   []report.Count{{Name: "human", Count: 3}, {Name: "refund", Count: 2}},
		Unanswered: []report.Count{{Name: `<script>alert("x")</script> gift cards?`, Count: 3}},
		Clusters: []report.Cluster{{Count: 5, Terms: []string{"delivry"}, Rule: "shipping", Keywords: []string{"delivry"},
			Examples: []report.Count{{Name: `<script>alert("y")</script> delivry?`, Count: 3}}, Example: "where is my delivry"}},
		Handoffs: report.HandoffStats{Opened: 6, SLA: report.SLA{Met: 2, Decided: 4}},
	}
	for d := midnight(since); d.Before(until); d = d.AddDate(0, 0, 1) {
		r.Daily = append(r.Daily, report.DayStats{Day: d, Messages: d.Day()})
	}
	return r
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func TestDashboard(t *testing.T) {
	var asked time.Duration
	failing := false
	h := New(func(_ context.Context, since, until time.Time) (report.Report, error) {
		asked = until.Sub(since)
		if failing {
			return report.Report{}, errors.New("dial tcp 10.0.0.5:5432: refused")
		}
		return sample(since, until), nil
	}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tests := []struct {
		name     string
		path     string
		failing  bool
		want     int
		period   time.Duration
		contains []string
		lacks    []string
	}{
		{name: "the last 7 days by default", path: "/", want: 200, period: 7 * 24 * time.Hour, contains: []string{
			`<b id="messages-in">17</b>`, `aria-label="customer messages per day"`, `<title>Fri Nov 20: 20</title>`,
			`id="sla-value" class="bad"`, `50.0%`, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; gift cards?`,
			`<td>human</td><td class="n">3</td>`, `style="width:100.00%"`, `style="width:66.67%"`, `href="?since=30d"`,
			`rule <b>shipping</b>`, `keywords: delivry`, `3× &lt;script&gt;alert(&#34;y&#34;)&lt;/script&gt; delivry?`,
		}, lacks: []string{`<script>`}},
		{name: "a chosen period", path: "/?since=30d", want: 200, period: 30 * 24 * time.Hour, contains: []string{`class="on">30d`}},
		{name: "not a period", path: "/?since=soon", want: 400},
		{name: "too long a period", path: "/?since=400d", want: 400},
		{name: "the database is down", path: "/", failing: true, want: 503, lacks: []string{"10.0.0.5"}},
		{name: "no other paths", path: "/x", want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failing, asked = tt.failing, 0
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			body := rec.Body.String()
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("page lacks %s", c)
				}
			}
			for _, l := range tt.lacks {
				if strings.Contains(body, l) {
					t.Errorf("page contains %s", l)
				}
			}
			if tt.period != 0 && asked != tt.period {
				t.Errorf("asked for %v, want %v", asked, tt.period)
			}
			if tt.want == 200 {
				if n := strings.Count(body, `<rect class="bar"`); n < 7 {
					t.Errorf("%d bars drawn", n)
				}
				if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
			}
		})
	}
}

func TestDashboardWithoutHandoffs(t *testing.T) {
	h := New(func(_ context.Context, since, until time.Time) (report.Report, error) {
		return report.Report{Since: since, Until: until}, nil
	}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "No handoff's SLA is decided") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
