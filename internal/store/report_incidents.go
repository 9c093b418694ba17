package store

import (
	"context"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// IncidentTimes is one incident as a report reads it.
type IncidentTimes struct {
	ID    int64
	Team  string
	Cause string // the rule whose handoffs made it
	Owner chat.Agent
	// Started is when it opened; Resolved when it was resolved, nil if it
	// was still open at the report's end.
	Started  time.Time
	Resolved *time.Time
	// Customers are the conversations filed under it; Updates the status
	// updates its owner posted (the resolution's text included);
	// UpdatesSent the messages of them delivered to its customers.
	Customers   int
	Updates     int
	UpdatesSent int
}

// ReportIncidents lists the incidents opened in [since, until), oldest
// first. There are few: each stands for many handoffs.
func (s *Store) ReportIncidents(ctx context.Context, since, until time.Time) ([]IncidentTimes, error) {
	var rows []struct {
		ID          int64  `db:"id"`
		Team        string `db:"team"`
		Cause       string `db:"cause"`
		OwnerID     string `db:"owner_id"`
		Owner       string `db:"owner"`
		Started     int64  `db:"started_at"`
		Resolved    *int64 `db:"resolved"`
		Updates     int    `db:"updates"`
		Customers   int    `db:"customers"`
		UpdatesSent int    `db:"updates_sent"`
	}
	err := s.readSel(ctx, &rows, `SELECT i.id, i.team, i.cause, i.owner_id, i.owner, i.started_at,
			CASE WHEN i.closed_at < ? THEN i.closed_at END AS resolved, i.updates,
			(SELECT COUNT(DISTINCT h.conversation_id) FROM handoffs h WHERE h.incident_id = i.id) AS customers,
			(SELECT COUNT(*) FROM outbox o WHERE o.incident_id = i.id AND o.action = 'incident_update' AND o.state = 'sent') AS updates_sent
		FROM incidents i WHERE i.started_at >= ? AND i.started_at < ? ORDER BY i.started_at, i.id`,
		ms(until), ms(since), ms(until))
	if err != nil {
		return nil, unavailable("report incidents", err)
	}
	out := make([]IncidentTimes, len(rows))
	for i, r := range rows {
		out[i] = IncidentTimes{ID: r.ID, Team: r.Team, Cause: r.Cause, Owner: chat.Agent{ID: r.OwnerID, Name: r.Owner},
			Started: fromMS(r.Started), Resolved: optionalTime(r.Resolved), Customers: r.Customers, Updates: r.Updates, UpdatesSent: r.UpdatesSent}
	}
	return out, nil
}
