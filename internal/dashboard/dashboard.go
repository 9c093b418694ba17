// Package dashboard serves the figures of `frontdesk report` as a page of
// charts (D21): volume over time, outcomes, top rules, unanswered
// questions, first response and SLA attainment. It is server-rendered
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
	"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
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
// only places it: X, Y, W, H in the volume chart's 100×40 box; Width as a
// CSS length for the horizontal bars.
type bar struct {
	Label      string
	Day        string // short date under a volume bar
	Value      int
	X, Y, W, H string
	Width      template.CSS
}

type pageView struct {
	Since, Until string
	Period       string
	Periods      []string
	Report       report.Report
	// Spam is the spam review when the page has one; Released the id of
	// the message just released, to confirm it.
	Spam     *report.SpamReview
	Released int64
	Volume   []bar
	Outcomes []bar
	TopRules []bar
	SLA      struct {
		Defined  bool
		Value    float64
		Met      int
		Decided  int
		Target   float64
		OK       bool
		BarWidth string
		TargetAt string
	}
}

func view(r report.Report, period string) pageView {
	v := pageView{Since: r.Since.Format("2006-01-02 15:04"), Until: r.Until.Format("2006-01-02 15:04 MST"),
		Period: period, Periods: periods, Report: r}
	top := 0
	for _, d := range r.Daily {
		top = max(top, d.Messages)
	}
	slot := 100.0 / float64(max(len(r.Daily), 1))
	for i, d := range r.Daily {
		h := 0.4 * scale(d.Messages, top)
		v.Volume = append(v.Volume, bar{Label: d.Day.Format("Mon Jan 2"), Day: d.Day.Format("Jan 2"), Value: d.Messages,
			X: num(float64(i)*slot + slot*0.1), Y: num(40 - h), W: num(slot * 0.8), H: num(h)})
	}
	v.Outcomes = bars(r.Outcomes)
	v.TopRules = bars(r.TopRules)
	if val, ok := r.Handoffs.SLA.Attainment(); ok {
		v.SLA.Defined, v.SLA.Value, v.SLA.OK = true, val, val >= report.SLATarget
		v.SLA.BarWidth = num(100 * val)
	}
	v.SLA.Met, v.SLA.Decided, v.SLA.Target = r.Handoffs.SLA.Met, r.Handoffs.SLA.Decided, report.SLATarget
	v.SLA.TargetAt = num(100 * report.SLATarget)
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
