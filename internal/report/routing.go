package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// RoutingSource counts handoffs by how they were routed.
type RoutingSource interface {
	ReportRouting(ctx context.Context, since, until time.Time) ([]store.RouteCount, error)
}

var _ RoutingSource = (*store.Store)(nil)

// Routing is how the period's handoffs were routed: how many went to a team
// that was away (they waited for its opening, the SLA clock stopped), per
// team and per customer language.
//
//   - Out of hours: the team the handoff was routed to was closed when it
//     opened (handoff.Choose picks an open team speaking the customer's
//     language first; a closed one only when none is open).
//   - Language: the customer's, as routed (its primary subtag: zh-hans and
//     zh-hant are zh); "" for handoffs made before routing was kept.
type Routing struct {
	Handoffs   int
	OutOfHours int
	ByTeam     []RouteStats // the most handoffs first, ties by name
	ByLanguage []RouteStats
}

// RouteStats are the handoffs of one team or language.
type RouteStats struct {
	Name       string
	Handoffs   int
	OutOfHours int
}

// OutOfHoursShare is the share of handoffs routed to a team that was away.
func (r Routing) OutOfHoursShare() float64 { return Share(r.OutOfHours, r.Handoffs) }

func (r *Report) addRouting(ctx context.Context, src RoutingSource) error {
	rows, err := src.ReportRouting(ctx, r.Since, r.Until)
	if err != nil {
		return err
	}
	teams, langs := map[string]*RouteStats{}, map[string]*RouteStats{}
	add := func(m map[string]*RouteStats, name string, c store.RouteCount) {
		s := m[name]
		if s == nil {
			s = &RouteStats{Name: name}
			m[name] = s
		}
		s.Handoffs += c.Count
		if c.OutOfHours {
			s.OutOfHours += c.Count
		}
	}
	var out Routing
	for _, c := range rows {
		out.Handoffs += c.Count
		if c.OutOfHours {
			out.OutOfHours += c.Count
		}
		add(teams, c.Team, c)
		add(langs, c.Language, c)
	}
	out.ByTeam, out.ByLanguage = routeList(teams), routeList(langs)
	r.Routing = out
	return nil
}

func routeList(m map[string]*RouteStats) []RouteStats {
	out := make([]RouteStats, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b RouteStats) int {
		return cmp.Or(cmp.Compare(b.Handoffs, a.Handoffs), strings.Compare(a.Name, b.Name))
	})
	return out
}

func writeRoutingText(b *strings.Builder, r Report) {
	rt := r.Routing
	fmt.Fprintf(b, "\nRouting: %s, %s out of hours (%s; they waited for their team's opening)\n",
		plural(rt.Handoffs, "handoff"), strconv.Itoa(rt.OutOfHours), percent(rt.OutOfHoursShare(), rt.Handoffs > 0))
	for _, sec := range []struct {
		title string
		rows  []RouteStats
		none  string
	}{{"by team", rt.ByTeam, "(no team)"}, {"by language", rt.ByLanguage, "(not kept)"}} {
		if len(sec.rows) == 0 {
			continue
		}
		fmt.Fprintf(b, "  %s\n", sec.title)
		t := table{indent: "    ", right: []bool{false, true, true, true}}
		t.add("", "handoffs", "out of hours", "share")
		for _, s := range sec.rows {
			t.add(cmp.Or(s.Name, sec.none), strconv.Itoa(s.Handoffs), strconv.Itoa(s.OutOfHours), percent(Share(s.OutOfHours, s.Handoffs), s.Handoffs > 0))
		}
		t.write(b)
	}
}

type (
	jsonRouting struct {
		Handoffs        int              `json:"handoffs"`
		OutOfHours      int              `json:"out_of_hours"`
		OutOfHoursShare float64          `json:"out_of_hours_share"`
		ByTeam          []jsonRouteStats `json:"by_team"`
		ByLanguage      []jsonRouteStats `json:"by_language"`
	}
	jsonRouteStats struct {
		Name            string  `json:"name"`
		Handoffs        int     `json:"handoffs"`
		OutOfHours      int     `json:"out_of_hours"`
		OutOfHoursShare float64 `json:"out_of_hours_share"`
	}
)

func routingJSON(rt Routing) jsonRouting {
	j := jsonRouting{Handoffs: rt.Handoffs, OutOfHours: rt.OutOfHours, OutOfHoursShare: rt.OutOfHoursShare(),
		ByTeam: []jsonRouteStats{}, ByLanguage: []jsonRouteStats{}}
	for _, s := range rt.ByTeam {
		j.ByTeam = append(j.ByTeam, jsonRouteStats{s.Name, s.Handoffs, s.OutOfHours, Share(s.OutOfHours, s.Handoffs)})
	}
	for _, s := range rt.ByLanguage {
		j.ByLanguage = append(j.ByLanguage, jsonRouteStats{s.Name, s.Handoffs, s.OutOfHours, Share(s.OutOfHours, s.Handoffs)})
	}
	return j
}

// routingCSV writes section routing (key "all": handoffs, out_of_hours,
// out_of_hours_share), routing_by_team and routing_by_language (key the
// team or language: the same three).
func routingCSV(row func(section, key, metric, value string), j jsonRouting, num func(float64) string) {
	row("routing", "all", "handoffs", strconv.Itoa(j.Handoffs))
	row("routing", "all", "out_of_hours", strconv.Itoa(j.OutOfHours))
	row("routing", "all", "out_of_hours_share", num(j.OutOfHoursShare))
	for _, sec := range []struct {
		name string
		rows []jsonRouteStats
	}{{"routing_by_team", j.ByTeam}, {"routing_by_language", j.ByLanguage}} {
		for _, s := range sec.rows {
			row(sec.name, s.Name, "handoffs", strconv.Itoa(s.Handoffs))
			row(sec.name, s.Name, "out_of_hours", strconv.Itoa(s.OutOfHours))
			row(sec.name, s.Name, "out_of_hours_share", num(s.OutOfHoursShare))
		}
	}
}
