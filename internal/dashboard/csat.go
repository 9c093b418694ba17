package dashboard

import (
	"html/template"
	"strconv"

	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// csatView is the satisfaction section (issue 20): the period's average
// rating, how the ratings spread over 1–5, per team and per agent with
// their averages, FAQ helpfulness per rule, and the share of
// conversations the bot solved alone.
type csatView struct {
	Defined   bool   // someone rated
	Average   string // "4.25"
	Responses int
	Ratings   []bar // 1 to 5
	ByTeam    []bar
	ByAgent   []bar
	Helpful   []bar // 👍 and 👎 stacked, the share of 👍 noted
	BotOnly   string
}

// The colours of the votes.
const (
	upColor   template.CSS = "#1a7f37"
	downColor template.CSS = "#c62828"
)

func csat(r report.Report) csatView {
	c := r.CSAT
	v := csatView{Responses: c.Overall.Responses(), BotOnly: percent(report.Share(c.BotOnly, r.Conversations))}
	if avg, ok := c.Overall.Average(); ok {
		v.Defined, v.Average = true, num(avg)
	}
	counts := make([]report.Count, len(c.Overall.Counts))
	for i, n := range c.Overall.Counts {
		counts[i] = report.Count{Name: strconv.Itoa(i+1) + " ★", Count: n}
	}
	v.Ratings = bars(counts)
	v.ByTeam = ratingBars(c.ByTeam, func(g report.Ratings) string { return g.Name })
	v.ByAgent = ratingBars(c.ByAgent, func(g report.Ratings) string { return g.Name + " (" + g.ID + ")" })
	top := 0
	for _, h := range c.Helpful {
		top = max(top, h.Up+h.Down)
	}
	for _, h := range c.Helpful {
		n := h.Up + h.Down
		v.Helpful = append(v.Helpful, bar{Label: h.Rule, Value: n, Width: template.CSS(num(scale(n, top)) + "%"),
			Parts: []bar{
				{Title: strconv.Itoa(h.Up) + " 👍", Color: upColor, Width: template.CSS(num(100*report.Share(h.Up, n)) + "%")},
				{Title: strconv.Itoa(h.Down) + " 👎", Color: downColor, Width: template.CSS(num(100*report.Share(h.Down, n)) + "%")},
			},
			Note: percent(report.Share(h.Up, n)) + " 👍", NoteTitle: "share of 👍 among the votes"})
	}
	return v
}

// ratingBars are groups of ratings as bars of their responses, each with
// its average noted.
func ratingBars(gs []report.Ratings, name func(report.Ratings) string) []bar {
	counts := make([]report.Count, len(gs))
	for i, g := range gs {
		counts[i] = report.Count{Name: name(g), Count: g.Responses()}
	}
	out := bars(counts)
	for i, g := range gs {
		if avg, ok := g.Average(); ok {
			out[i].Note, out[i].NoteTitle = num(avg), "average rating"
		}
	}
	return out
}

func percent(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }
