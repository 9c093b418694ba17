package dashboard

import (
	"cmp"
	"strconv"

	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// routingBars are the handoffs of each team or language, each with how
// many of them went to a team out of hours; none names what "" stands for.
func routingBars(rows []report.RouteStats, none string) []bar {
	counts := make([]report.Count, len(rows))
	for i, r := range rows {
		counts[i] = report.Count{Name: cmp.Or(r.Name, none), Count: r.Handoffs}
	}
	out := bars(counts)
	for i, r := range rows {
		out[i].Note = strconv.Itoa(r.OutOfHours) + " out of hours"
		out[i].NoteTitle = "handed off while the team was away: they waited for its opening"
	}
	return out
}
