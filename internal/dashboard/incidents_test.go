package dashboard

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// TestDashboardIncidents: the page lists the period's incidents, with how
// long each lasted (an open one marked), owner and customers; none says so.
func TestDashboardIncidents(t *testing.T) {
	resolved := now.Add(-time.Hour)
	for _, tt := range []struct {
		name string
		in   report.Incidents
		want []string
	}{
		{"two incidents", report.Incidents{Open: 1, Customers: 65, Duration: report.Percentiles{N: 1, P50: 90 * time.Minute, P90: 90 * time.Minute},
			List: []report.IncidentStats{
				{ID: 1, Team: "support", Rule: "outage", Owner: "Alice", Resolved: &resolved, Duration: 90 * time.Minute, Customers: 60, Updates: 2},
				{ID: 2, Team: "billing", Rule: "<payments>", Duration: 3 * time.Hour, Customers: 5},
			}},
			[]string{"2 opened, 1 still open, 65 customers affected; resolved in 1h30m0s (median)", "<td>Alice</td><td class=\"n\">1h30m0s</td>",
				"<td>&lt;payments&gt;</td><td>billing</td><td>nobody</td><td class=\"n\">3h0m0s (open)</td>"}},
		{"none", report.Incidents{}, []string{"None in this period."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sec := renderedSection(t, report.Report{Incidents: tt.in}, "incidents")
			for _, w := range tt.want {
				if !strings.Contains(sec, w) {
					t.Errorf("incidents section lacks %q:\n%s", w, sec)
				}
			}
		})
	}
}
