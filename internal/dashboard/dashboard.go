// Package dashboard serves the figures of `frontdesk report` as a page of
// charts (D21): volume over time, outcomes, top rules, unanswered
// questions, first response and SLA attainment, and the insights of
// issue 22 (types, sentiment, FAQ coverage, top questions). It is server-rendered
// HTML with inline SVG: no scripts, no front-end build, nothing fetched
// from elsewhere, so it works on a closed network and in any browser.
package dashboard

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// BuildFunc computes the report of [since, now).
type BuildFunc func(ctx context.Context, since, now time.Time) (report.Report, error)

// SpamFunc reads the spam review of [since, now).
type SpamFunc func(ctx context.Context, since, now time.Time) (report.SpamReview, error)

// ReleaseFunc releases a message ignored as spam (frontdesk spam
// --release): errors wrap chat.ErrAlreadyDone for one released before.
type ReleaseFunc func(ctx context.Context, id int64) error

// Handler serves the dashboard at "/" (mounted under /dashboard).
type Handler struct {
	build   BuildFunc
	now     func() time.Time
	log     *slog.Logger
	spam    SpamFunc
	release ReleaseFunc
}

// New makes the dashboard; now is the clock the period ends at.
func New(build BuildFunc, now func() time.Time, log *slog.Logger) *Handler {
	return &Handler{build: build, now: now, log: log}
}

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("dashboard").Funcs(template.FuncMap{
	"pct": percent,
	"dur": func(d time.Duration) string {
		if d <= 0 {
			return "-"
		}
		return d.Round(time.Second).String()
	},
}).Parse(pageHTML))

// periods are the choices offered; anything config.Duration parses works.
var periods = []string{"24h", "7d", "30d", "90d"}

// WithSpam adds the spam review to the page, each message not yet
// released with a "not spam" button that posts to /release. The page is
// the admins' (behind the admin token's session), so the button is theirs.
func (h *Handler) WithSpam(list SpamFunc, release ReleaseFunc) *Handler {
	h.spam, h.release = list, release
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/release" && h.release != nil {
		h.releaseSpam(w, r)
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	since := r.URL.Query().Get("since")
	if since == "" {
		since = "7d"
	}
	d, err := config.ParseDuration(since)
	if err != nil || d <= 0 || d > 366*24*time.Hour {
		http.Error(w, "since must be a duration like 24h, 7d or 30d, at most a year", http.StatusBadRequest)
		return
	}
	now := h.now()
	rep, err := h.build(r.Context(), now.Add(-d), now)
	if err != nil {
		h.log.ErrorContext(r.Context(), "dashboard: report failed", "err", err)
		http.Error(w, "the database did not answer; try again", http.StatusServiceUnavailable)
		return
	}
	v := view(rep, since)
	if h.spam != nil {
		review, err := h.spam(r.Context(), now.Add(-d), now)
		if err != nil {
			h.log.ErrorContext(r.Context(), "dashboard: spam review failed", "err", err)
			http.Error(w, "the database did not answer; try again", http.StatusServiceUnavailable)
			return
		}
		v.Spam = &review
		if id, err := strconv.ParseInt(r.URL.Query().Get("released"), 10, 64); err == nil {
			v.Released = id
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Nothing on the page loads from elsewhere or runs a script.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
	if err := page.Execute(w, v); err != nil {
		h.log.ErrorContext(r.Context(), "dashboard: render failed", "err", err)
	}
}

// bar is one bar of a chart, its geometry computed here so the template
// only places it: X, Y, W, H in the day charts' 100×40 box; Width as a
// CSS length for the horizontal bars. Parts stack a bar: the segments of
// a day's column, or of a horizontal bar (their Width a share of it).
type bar struct {
	Label      string
	Title      string // the tooltip and accessible name of a segment
	Value      int
	Color      template.CSS
	X, Y, W, H string
	Width      template.CSS
	Parts      []bar
	Note       string // a figure written after the bar: sentiments, a change
	NoteTitle  string
}

// dayChart is a chart of one stacked column per day, with its legend.
type dayChart struct {
	Label   string // the accessible name of the SVG
	Columns []column
	Legend  []bar // every series with its colour and the period's count
	Empty   bool  // nothing to draw: the page says so
}

type column struct {
	Day   string // short date under the column
	Total int
	Parts []bar
}

// target is a share drawn against its target (SLA attainment, coverage).
type target struct {
	Label    string        // the accessible name of its chart
	Name     string        // its row's name (a language)
	ID       string        // the headline's element id
	What     string        // what it is a share of, in words
	None     template.HTML // what the page says when it is undefined (our own text)
	Defined  bool
	Value    float64
	Of       int // how many it is a share of
	Target   float64
	OK       bool
	BarWidth string
	TargetAt string
}

type pageView struct {
	Since, Until string
	Period       string
	Periods      []string
	Report       report.Report
	// Spam is the spam review when the page has one; Released the id of
	// the message just released, to confirm it.
	Spam         *report.SpamReview
	Released     int64
	Volume       dayChart
	Outcomes     []bar
	TopRules     []bar
	SLA          target
	Types        dayChart // per day
	Moods        dayChart // sentiment per day
	TypeMoods    []bar    // the period's types, each split by sentiment
	Sentiments   []bar    // the legend of the sentiment colours
	NegRules     []bar    // the rules with the most negative messages
	Coverage     target
	CoverageLang []target
	TopByRule    []bar
	TopByType    []bar
	CSAT         csatView
	RoutingTeams []bar // handoffs by team, with those out of hours
	// DetailsShare is the share of handoffs that asked the customer for
	// details first (collect:); HasHandoffs says there were any.
	DetailsShare float64
	HasHandoffs  bool
	RoutingLangs []bar // the same by the customer's language
}

// Colours of the series: one per type and per sentiment, told apart also
// by the legend's order and every segment's title.
var colors = map[string]template.CSS{
	string(chat.TypeAfterSales): "#e07b39", string(chat.TypeInquiry): "#3d6fd8", string(chat.TypeBusiness): "#7b4fc9",
	string(chat.TypePraise): "#2e9e5b", string(chat.TypeChitchat): "#2aa3a3", string(chat.TypeSpam): "#8a8f98",
	string(chat.SentimentNegative): "#c62828", string(chat.SentimentNeutral): "#a3aab6", string(chat.SentimentPositive): "#1a7f37",
	volumeSeries: "#3d6fd8",
}

const volumeSeries = "messages"

func view(r report.Report, period string) pageView {
	v := pageView{Since: r.Since.Format("2006-01-02 15:04"), Until: r.Until.Format("2006-01-02 15:04 MST"),
		Period: period, Periods: periods, Report: r}
	volume := make([]report.DayCounts, len(r.Daily))
	for i, d := range r.Daily {
		volume[i] = report.DayCounts{Day: d.Day, Counts: []report.Count{{Name: volumeSeries, Count: d.Messages}}}
	}
	v.Volume = days("customer messages per day", volume)
	v.Outcomes = bars(r.Outcomes)
	v.TopRules = bars(r.TopRules)
	sla, ok := r.Handoffs.SLA.Attainment()
	v.SLA = shareOf("SLA attainment", sla, ok, r.Handoffs.SLA.Decided, report.SLATarget)
	v.SLA.ID, v.SLA.What, v.SLA.None = "sla-value", "handoffs answered within their SLA", "No handoff's SLA is decided in this period."

	in := r.Insights
	v.Types = days("customer messages per day by type", in.TypesByDay)
	v.Moods = days("customer messages per day by sentiment", in.SentimentByDay)
	v.Sentiments = legend(in.Sentiment)
	v.TypeMoods = moods(in.SentimentByType)
	var negative []report.Mood
	for _, m := range in.SentimentByRule {
		if m.Negative > 0 && len(negative) < report.TopN {
			negative = append(negative, m)
		}
	}
	v.NegRules = moods(negative)
	coverage, ok := in.Coverage.Share()
	v.Coverage = shareOf("FAQ coverage", coverage, ok, in.Coverage.Inquiries, report.CoverageTarget)
	v.Coverage.ID, v.Coverage.What, v.Coverage.None = "coverage-value", "inquiries answered by a rule without a handoff", "No inquiry in this period: none to cover."
	for _, lc := range in.Coverage.ByLanguage {
		share, ok := report.Coverage{Inquiries: lc.Inquiries, Answered: lc.Answered}.Share()
		t := shareOf("FAQ coverage, "+languageName(lc.Language), share, ok, lc.Inquiries, report.CoverageTarget)
		t.Name = languageName(lc.Language)
		v.CoverageLang = append(v.CoverageLang, t)
	}
	v.TopByRule = changes(in.TopQuestions.Rules)
	v.TopByType = changes(in.TopQuestions.Types)
	v.CSAT = csat(r)
	v.RoutingTeams = routingBars(r.Routing.ByTeam, "no team")
	v.DetailsShare, v.HasHandoffs = r.NeededDetailsShare()
	v.RoutingLangs = routingBars(r.Routing.ByLanguage, languageName(""))
	return v
}

// releaseSpam answers the "not spam" button: POST /release with the
// message's id, then back to the page (303) with the release confirmed.
// The session cookie is SameSite=Strict, so another site's form cannot
// post with it; a request that says it comes from another origin is
// refused all the same.
func (h *Handler) releaseSpam(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST a message id to release it", http.StatusMethodNotAllowed)
		return
	}
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			http.Error(w, "the release must come from the dashboard itself", http.StatusForbidden)
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, "id must be a message id from the spam review", http.StatusBadRequest)
		return
	}
	since := r.PostFormValue("since")
	if _, err := config.ParseDuration(since); err != nil {
		since = "7d"
	}
	switch err := h.release(r.Context(), id); {
	case errors.Is(err, chat.ErrAlreadyDone):
		http.Error(w, fmt.Sprintf("message %d was released already: the customer has had the late answer", id), http.StatusConflict)
		return
	case errors.Is(err, chat.ErrUnavailable):
		h.log.ErrorContext(r.Context(), "dashboard: release failed", "id", id, "err", err)
		http.Error(w, "the database did not answer; try again", http.StatusServiceUnavailable)
		return
	case err != nil:
		// Not spam, or no such message: the admin's mistake, said as is.
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.log.InfoContext(r.Context(), "dashboard: message released as not spam", "id", id)
	// Relative to the page's own address (/dashboard/release), which
	// http.Redirect would resolve against the stripped path instead.
	w.Header().Set("Location", "./?"+url.Values{"since": {since}, "released": {strconv.FormatInt(id, 10)}}.Encode()+"#spam")
	w.WriteHeader(http.StatusSeeOther)
}

// days lays out one column per day in the 100×40 box, each stacked from
// the bottom in the order of its counts, scaled to the highest day.
func days(label string, series []report.DayCounts) dayChart {
	c := dayChart{Label: label}
	top := 0
	totals := map[string]int{}
	var order []string
	for _, d := range series {
		sum := 0
		for _, n := range d.Counts {
			if _, seen := totals[n.Name]; !seen {
				order = append(order, n.Name)
			}
			totals[n.Name] += n.Count
			sum += n.Count
		}
		top = max(top, sum)
	}
	slot := 100.0 / float64(max(len(series), 1))
	for i, d := range series {
		col := column{Day: d.Day.Format("Jan 2")}
		y := 40.0
		for _, n := range d.Counts {
			col.Total += n.Count
			// A zero is drawn too, 0 high: every day has its column.
			h := 0.4 * scale(n.Count, top)
			y -= h
			title := d.Day.Format("Mon Jan 2") + ": " + strconv.Itoa(n.Count)
			if len(d.Counts) > 1 {
				title = d.Day.Format("Mon Jan 2") + ", " + n.Name + ": " + strconv.Itoa(n.Count)
			}
			col.Parts = append(col.Parts, bar{Label: n.Name, Title: title, Value: n.Count, Color: color(n.Name),
				X: num(float64(i)*slot + slot*0.1), Y: num(y), W: num(slot * 0.8), H: num(h)})
		}
		c.Columns = append(c.Columns, col)
	}
	if len(order) > 1 {
		for _, name := range order {
			c.Legend = append(c.Legend, bar{Label: name, Value: totals[name], Color: color(name)})
		}
	}
	c.Empty = top == 0
	return c
}

func legend(counts []report.Count) []bar {
	out := make([]bar, len(counts))
	for i, c := range counts {
		out[i] = bar{Label: c.Name, Value: c.Count, Color: color(c.Name)}
	}
	return out
}

// moods draws each type's or rule's messages as one bar split by
// sentiment (every typed message has one).
func moods(ms []report.Mood) []bar {
	counts := make([]report.Count, len(ms))
	for i, m := range ms {
		counts[i] = report.Count{Name: m.Name, Count: m.Negative + m.Neutral + m.Positive}
	}
	out := bars(counts)
	for i, m := range ms {
		split := []report.Count{{Name: string(chat.SentimentNegative), Count: m.Negative},
			{Name: string(chat.SentimentNeutral), Count: m.Neutral}, {Name: string(chat.SentimentPositive), Count: m.Positive}}
		for _, s := range split {
			if s.Count > 0 {
				out[i].Parts = append(out[i].Parts, bar{Label: s.Name, Title: m.Name + ", " + s.Name + ": " + strconv.Itoa(s.Count),
					Value: s.Count, Color: color(s.Name), Width: template.CSS(num(100*report.Share(s.Count, counts[i].Count)) + "%")})
			}
		}
		out[i].Note = fmt.Sprintf("%d / %d / %d", m.Negative, m.Neutral, m.Positive)
		out[i].NoteTitle = fmt.Sprintf("%d negative, %d neutral, %d positive", m.Negative, m.Neutral, m.Positive)
	}
	return out
}

// changes draws the top questions with their change against the previous
// period of the same length.
func changes(cs []report.Change) []bar {
	counts := make([]report.Count, len(cs))
	for i, c := range cs {
		counts[i] = report.Count{Name: c.Name, Count: c.Count}
	}
	out := bars(counts)
	for i, c := range cs {
		switch d := c.Count - c.Previous; {
		case d > 0:
			out[i].Note = "▲ " + strconv.Itoa(d)
		case d < 0:
			out[i].Note = "▼ " + strconv.Itoa(-d)
		default:
			out[i].Note = "= 0"
		}
		out[i].NoteTitle = fmt.Sprintf("%d in the previous period", c.Previous)
	}
	return out
}

// shareOf draws a share of `of` against its goal; ok says it is defined.
func shareOf(label string, v float64, ok bool, of int, goal float64) target {
	t := target{Label: label, Of: of, Target: goal, TargetAt: num(100 * goal)}
	if ok {
		t.Defined, t.Value, t.OK, t.BarWidth = true, v, v >= goal, num(100*v)
	}
	return t
}

func languageName(code string) string {
	if code == "" {
		return "unknown language"
	}
	return code
}

func color(name string) template.CSS {
	if c, ok := colors[name]; ok {
		return c
	}
	return "#8a8f98"
}

func bars(counts []report.Count) []bar {
	top := 0
	for _, c := range counts {
		top = max(top, c.Count)
	}
	out := make([]bar, 0, len(counts))
	for _, c := range counts {
		out = append(out, bar{Label: c.Name, Value: c.Count, Width: template.CSS(num(scale(c.Count, top)) + "%")})
	}
	return out
}

// scale maps n of top onto 0–100, keeping a sliver for any non-zero n so
// a small count is still seen.
func scale(n, top int) float64 {
	if n == 0 || top == 0 {
		return 0
	}
	return math.Max(100*float64(n)/float64(top), 1)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
