package dashboard

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// TestDashboardRouting: the share of handoffs routed out of hours, and the
// handoffs per team and language with those out of hours; a period without
// handoffs says so.
func TestDashboardRouting(t *testing.T) {
	tests := []struct {
		name    string
		routing report.Routing
		want    []string
		lacks   []string
	}{
		{name: "routed", routing: report.Routing{Handoffs: 8, OutOfHours: 2,
			ByTeam:     []report.RouteStats{{Name: "ru", Handoffs: 5}, {Name: "zh", Handoffs: 3, OutOfHours: 2}},
			ByLanguage: []report.RouteStats{{Name: "ru", Handoffs: 5}, {Name: "zh", Handoffs: 2, OutOfHours: 2}, {Name: "", Handoffs: 1}}},
			want: []string{`<b id="out-of-hours" style="font-size:26px">25.0%</b>`, `of 8 handoffs went to a team out of hours`,
				`<td>ru</td><td class="n">5</td>`, `style="width:100.00%"`, `<td>zh</td><td class="n">3</td>`, `>2 out of hours</td>`,
				`<td>unknown language</td><td class="n">1</td>`}},
		{name: "no handoff", routing: report.Routing{}, want: []string{`No handoff in this period.`}, lacks: []string{"<table", "By team"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sec := renderedSection(t, report.Report{Routing: tc.routing}, "routing")
			for _, w := range tc.want {
				if !strings.Contains(sec, w) {
					t.Errorf("section lacks %s:\n%s", w, sec)
				}
			}
			for _, l := range tc.lacks {
				if strings.Contains(sec, l) {
					t.Errorf("section has %s:\n%s", l, sec)
				}
			}
		})
	}
}

// TestDashboardDetailsShare: the share of handoffs that asked for details
// first, and no figure without handoffs.
func TestDashboardDetailsShare(t *testing.T) {
	tests := []struct {
		name   string
		report report.Report
		want   string
	}{
		{"some asked", report.Report{Handoffs: report.HandoffStats{Opened: 8}, NeededDetails: 2},
			`<b id="needed-details" style="font-size:26px">25.0%</b>`},
		{"none asked", report.Report{Handoffs: report.HandoffStats{Opened: 3}},
			`<b id="needed-details" style="font-size:26px">0.0%</b>`},
		{"no handoff", report.Report{}, `No handoff in this period.`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if sec := renderedSection(t, tc.report, "details"); !strings.Contains(sec, tc.want) {
				t.Errorf("section lacks %s:\n%s", tc.want, sec)
			}
		})
	}
}

// renderedSection serves the dashboard over r (its period set by the
// request) and returns the section with that id.
func renderedSection(t *testing.T, r report.Report, id string) string {
	t.Helper()
	h := New(func(_ context.Context, since, until time.Time) (report.Report, error) {
		r.Since, r.Until = since, until
		return r, nil
	}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	return section(t, rec.Body.String(), id)
}
