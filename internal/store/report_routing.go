package store

import (
	"context"
	"time"
)

// RouteCount counts the handoffs opened in a period by team, the
// customer's language as routed and whether the team was away.
type RouteCount struct {
	Team       string `db:"team"`
	Language   string `db:"route_language"` // "" for handoffs made before routing was kept
	OutOfHours bool   `db:"-"`
	Count      int    `db:"n"`
}

// ReportRouting counts the handoffs opened in [since, until) by team,
// language and hours.
func (s *Store) ReportRouting(ctx context.Context, since, until time.Time) ([]RouteCount, error) {
	var rows []struct {
		RouteCount
		Away int `db:"out_of_hours"`
	}
	err := s.readSel(ctx, &rows, `SELECT team, route_language, out_of_hours, COUNT(*) AS n FROM handoffs
		WHERE created_at >= ? AND created_at < ? GROUP BY team, route_language, out_of_hours ORDER BY team, route_language, out_of_hours`,
		ms(since), ms(until))
	if err != nil {
		return nil, unavailable("report routing", err)
	}
	out := make([]RouteCount, len(rows))
	for i, r := range rows {
		out[i] = r.RouteCount
		out[i].OutOfHours = r.Away != 0
	}
	return out, nil
}
