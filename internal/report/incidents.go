package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// IncidentSource is what the incidents' figures are built from;
// *store.Store is one.
type IncidentSource interface {
	ReportIncidents(ctx context.Context, since, until time.Time) ([]store.IncidentTimes, error)
}

// Incidents are the period's incidents (D17): how long each lasted and how
// many customers it affected.
type Incidents struct {
	List []IncidentStats // oldest first
	Open int             // still open at the period's end
	// Customers sums the customers affected by every incident.
	Customers int
	// Duration is of the resolved ones.
	Duration Percentiles
}

// IncidentStats is one incident of the period.
type IncidentStats struct {
	ID       int64
	Team     string
	Rule     string // its cause
	Owner    string // the owner's name; "" when nobody took it
	Started  time.Time
	Resolved *time.Time // nil while open at the period's end
	// Duration is from its start to its resolution, or to the period's
	// end while it is open.
	Duration time.Duration
	// Customers affected (filed under it); Updates posted to them (the
	// resolution's text included) and UpdatesSent, the messages delivered.
	Customers, Updates, UpdatesSent int
}

// addIncidents reads the incidents opened in the report's period.
func (r *Report) addIncidents(ctx context.Context, src IncidentSource) error {
	rows, err := src.ReportIncidents(ctx, r.Since, r.Until)
	if err != nil {
		return err
	}
	var resolved []time.Duration
	for _, i := range rows {
		s := IncidentStats{ID: i.ID, Team: i.Team, Rule: i.Cause, Owner: i.Owner.Name, Started: i.Started, Resolved: i.Resolved,
			Customers: i.Customers, Updates: i.Updates, UpdatesSent: i.UpdatesSent}
		if i.Resolved != nil {
			s.Duration = i.Resolved.Sub(i.Started)
			resolved = append(resolved, s.Duration)
		} else {
			s.Duration = r.Until.Sub(i.Started)
			r.Incidents.Open++
		}
		r.Incidents.Customers += i.Customers
		r.Incidents.List = append(r.Incidents.List, s)
	}
	r.Incidents.Duration = percentiles(resolved)
	return nil
}

// writeIncidentsText writes the incidents' section of the text form.
func writeIncidentsText(b *strings.Builder, r Report) {
	in := r.Incidents
	fmt.Fprintf(b, "\nIncidents: %d (%d open), %s affected", len(in.List), in.Open, plural(in.Customers, "customer"))
	if in.Duration.N > 0 {
		fmt.Fprintf(b, "; resolved in %s (median), %s (p90)", pNText(in.Duration, 50), pNText(in.Duration, 90))
	}
	b.WriteString("\n")
	if len(in.List) == 0 {
		b.WriteString("  none\n")
		return
	}
	t := table{indent: "  ", right: []bool{true, false, false, false, false, true, true, true}}
	t.add("#", "rule", "team", "owner", "started", "lasted", "customers", "updates")
	loc := r.Until.Location()
	for _, i := range in.List {
		lasted := durationText(i.Duration)
		if i.Resolved == nil {
			lasted += " (open)"
		}
		owner := i.Owner
		if owner == "" {
			owner = "nobody"
		}
		t.add(strconv.FormatInt(i.ID, 10), i.Rule, i.Team, truncate(owner, 30), i.Started.In(loc).Format("01-02 15:04"), lasted,
			strconv.Itoa(i.Customers), fmt.Sprintf("%d (%d sent)", i.Updates, i.UpdatesSent))
	}
	t.write(b)
}

type (
	jsonIncidents struct {
		Count       int            `json:"count"`
		Open        int            `json:"open"`
		Customers   int            `json:"customers_affected"`
		DurationP50 *float64       `json:"duration_p50_seconds"` // of the resolved; null when none
		DurationP90 *float64       `json:"duration_p90_seconds"`
		List        []jsonIncident `json:"list"`
	}
	jsonIncident struct {
		ID          int64      `json:"id"`
		Team        string     `json:"team"`
		Rule        string     `json:"rule"`
		Owner       string     `json:"owner"`
		StartedAt   time.Time  `json:"started_at"`
		ResolvedAt  *time.Time `json:"resolved_at"` // null while open
		Open        bool       `json:"open"`
		Duration    float64    `json:"duration_seconds"` // to the period's end while open
		Customers   int        `json:"customers"`
		Updates     int        `json:"updates"`
		UpdatesSent int        `json:"updates_sent"`
	}
)

// incidentsJSON is the incidents' JSON form; the list is [] when empty.
func incidentsJSON(in Incidents) jsonIncidents {
	j := jsonIncidents{Count: len(in.List), Open: in.Open, Customers: in.Customers,
		DurationP50: seconds(in.Duration, 50), DurationP90: seconds(in.Duration, 90), List: []jsonIncident{}}
	for _, i := range in.List {
		j.List = append(j.List, jsonIncident{ID: i.ID, Team: i.Team, Rule: i.Rule, Owner: i.Owner, StartedAt: i.Started, ResolvedAt: i.Resolved,
			Open: i.Resolved == nil, Duration: i.Duration.Seconds(), Customers: i.Customers, Updates: i.Updates, UpdatesSent: i.UpdatesSent})
	}
	return j
}

// incidentsCSV writes the incidents' rows of the CSV form from its JSON
// form: key "all" for the totals, the incident's id for each.
func incidentsCSV(row func(section, key, metric, value string), j jsonIncidents, num func(float64) string, opt func(*float64) string) {
	row("incidents", "all", "count", strconv.Itoa(j.Count))
	row("incidents", "all", "open", strconv.Itoa(j.Open))
	row("incidents", "all", "customers_affected", strconv.Itoa(j.Customers))
	row("incidents", "all", "duration_p50_seconds", opt(j.DurationP50))
	row("incidents", "all", "duration_p90_seconds", opt(j.DurationP90))
	for _, i := range j.List {
		key := strconv.FormatInt(i.ID, 10)
		resolved := ""
		if i.ResolvedAt != nil {
			resolved = i.ResolvedAt.Format(time.RFC3339)
		}
		for _, m := range [][2]string{
			{"team", spreadsheetSafe(i.Team)}, {"rule", spreadsheetSafe(i.Rule)}, {"owner", spreadsheetSafe(i.Owner)},
			{"started_at", i.StartedAt.Format(time.RFC3339)}, {"resolved_at", resolved},
			{"duration_seconds", num(i.Duration)}, {"customers", strconv.Itoa(i.Customers)},
			{"updates", strconv.Itoa(i.Updates)}, {"updates_sent", strconv.Itoa(i.UpdatesSent)},
		} {
			row("incidents", key, m[0], m[1])
		}
	}
}
