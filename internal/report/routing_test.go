package report

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/store"
)

func (f failing) ReportRouting(context.Context, time.Time, time.Time) ([]store.RouteCount, error) {
	return nil, f.err
}

func (h history) ReportRouting(context.Context, time.Time, time.Time) ([]store.RouteCount, error) {
	return nil, nil
}

// routes is a RoutingSource of fixed counts.
type routes []store.RouteCount

func (r routes) ReportRouting(context.Context, time.Time, time.Time) ([]store.RouteCount, error) {
	return r, nil
}

func TestRoutingFigures(t *testing.T) {
	tests := []struct {
		name     string
		rows     routes
		want     Routing
		share    float64
		jsonWant string
		csvWant  []string
		textWant []string
	}{
		{name: "none", rows: nil, want: Routing{ByTeam: []RouteStats{}, ByLanguage: []RouteStats{}},
			jsonWant: `{"handoffs":0,"out_of_hours":0,"out_of_hours_share":0,"by_team":[],"by_language":[]}`,
			csvWant:  []string{"routing,all,handoffs,0", "routing,all,out_of_hours_share,0"},
			textWant: []string{"Routing: 0 handoffs, 0 out of hours (-;"}},
		{name: "teams, languages and hours", rows: routes{
			{Team: "ru", Language: "ru", Count: 3},
			{Team: "zh", Language: "zh", Count: 1},
			{Team: "zh", Language: "zh", OutOfHours: true, Count: 2},
			{Team: "en", Language: "de", Count: 1},
			{Team: "en", Language: "", OutOfHours: true, Count: 1},
		}, want: Routing{Handoffs: 8, OutOfHours: 3,
			ByTeam:     []RouteStats{{"ru", 3, 0}, {"zh", 3, 2}, {"en", 2, 1}},
			ByLanguage: []RouteStats{{"ru", 3, 0}, {"zh", 3, 2}, {"", 1, 1}, {"de", 1, 0}}},
			share:    0.375,
			jsonWant: `{"handoffs":8,"out_of_hours":3,"out_of_hours_share":0.375,"by_team":[{"name":"ru","handoffs":3,"out_of_hours":0,"out_of_hours_share":0},{"name":"zh","handoffs":3,"out_of_hours":2,"out_of_hours_share":0.6666666666666666},{"name":"en","handoffs":2,"out_of_hours":1,"out_of_hours_share":0.5}],"by_language":[{"name":"ru","handoffs":3,"out_of_hours":0,"out_of_hours_share":0},{"name":"zh","handoffs":3,"out_of_hours":2,"out_of_hours_share":0.6666666666666666},{"name":"","handoffs":1,"out_of_hours":1,"out_of_hours_share":1},{"name":"de","handoffs":1,"out_of_hours":0,"out_of_hours_share":0}]}`,
			csvWant:  []string{"routing,all,out_of_hours_share,0.375", "routing_by_team,zh,out_of_hours,2", "routing_by_language,de,handoffs,1"},
			textWant: []string{"Routing: 8 handoffs, 3 out of hours (37.5%", "by team", "by language", "(not kept)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Report{Since: now.Add(-time.Hour), Until: now}
			if err := r.addRouting(context.Background(), tc.rows); err != nil {
				t.Fatal(err)
			}
			got := r.Routing
			if got.Handoffs != tc.want.Handoffs || got.OutOfHours != tc.want.OutOfHours || got.OutOfHoursShare() != tc.share ||
				!slices.Equal(got.ByTeam, tc.want.ByTeam) || !slices.Equal(got.ByLanguage, tc.want.ByLanguage) {
				t.Fatalf("routing %+v, want %+v (share %v)", got, tc.want, tc.share)
			}
			j, _ := json.Marshal(routingJSON(got))
			if string(j) != tc.jsonWant {
				t.Errorf("JSON\n%s\nwant\n%s", j, tc.jsonWant)
			}
			var csv, text bytes.Buffer
			if err := WriteCSV(&csv, r); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.csvWant {
				if !strings.Contains(csv.String(), w+"\n") {
					t.Errorf("CSV lacks %q", w)
				}
			}
			if err := WriteText(&text, r); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.textWant {
				if !strings.Contains(text.String(), w) {
					t.Errorf("text lacks %q:\n%s", w, text.String())
				}
			}
		})
	}
}
