package report

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// incidentHistory is a Source of incidents only.
type incidentHistory struct {
	history
	incidents []store.IncidentTimes
}

func (h incidentHistory) ReportIncidents(context.Context, time.Time, time.Time) ([]store.IncidentTimes, error) {
	return h.incidents, nil
}

// TestIncidentFigures: resolved incidents give the durations' percentiles,
// an open one lasts to the period's end and is counted open; customers
// affected add up over them; the three forms say the same.
func TestIncidentFigures(t *testing.T) {
	since := now.Add(-24 * time.Hour)
	resolvedAt := func(d time.Duration) *time.Time { v := since.Add(d); return &v }
	src := incidentHistory{incidents: []store.IncidentTimes{
		{ID: 1, Team: "support", Cause: "outage", Owner: chat.Agent{ID: "telegram:7", Name: "Alice"}, Started: since,
			Resolved: resolvedAt(30 * time.Minute), Customers: 60, Updates: 3, UpdatesSent: 170},
		{ID: 2, Team: "support", Cause: "login", Started: since.Add(time.Hour), Resolved: resolvedAt(3 * time.Hour), Customers: 12},
		{ID: 3, Team: "billing", Cause: "=payments", Started: now.Add(-4 * time.Hour), Customers: 5, Updates: 1, UpdatesSent: 5},
	}}
	r, err := Build(context.Background(), src, since, now)
	if err != nil {
		t.Fatal(err)
	}
	in := r.Incidents
	if len(in.List) != 3 || in.Open != 1 || in.Customers != 77 {
		t.Fatalf("incidents %+v", in)
	}
	if in.Duration.N != 2 || in.Duration.P50 != 30*time.Minute || in.Duration.P90 != 2*time.Hour {
		t.Fatalf("durations %+v, want p50 30m and p90 2h of the two resolved", in.Duration)
	}
	if in.List[2].Duration != 4*time.Hour || in.List[2].Resolved != nil {
		t.Fatalf("the open incident %+v, want 4h so far", in.List[2])
	}
	for _, tt := range []struct {
		f    Format
		want []string
	}{
		{FormatText, []string{"Incidents: 3 (1 open), 77 customers affected; resolved in 30m (median), 2h (p90)",
			"1  outage     support  Alice", "4h (open)", "3 (170 sent)"}},
		{FormatJSON, []string{`"customers_affected": 77`, `"duration_p50_seconds": 1800`, `"resolved_at": null`, `"owner": "Alice"`}},
		{FormatCSV, []string{"incidents,all,customers_affected,77", "incidents,1,duration_seconds,1800", "incidents,3,rule,'=payments",
			"incidents,3,resolved_at,\n"}},
	} {
		var b bytes.Buffer
		if err := Write(&b, r, tt.f); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s lacks %q:\n%s", tt.f, w, b.String())
			}
		}
	}
}
