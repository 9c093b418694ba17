package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report is what a run prints. The JSON keys are a promise to users: add,
// never rename. Figures that a mode does not measure are null.
type report struct {
	Mode        string  `json:"mode"`
	Rate        string  `json:"rate"` // "max" or updates per second, as given
	Concurrency int     `json:"concurrency,omitempty"`
	DurationS   float64 `json:"duration_s"`
	DB          string  `json:"db"`
	Replicas    int     `json:"replicas"`
	Target      string  `json:"target,omitempty"`
	Seed        uint64  `json:"seed"`
	// APILatencyMS is --api-latency: how long the fake Bot API takes to
	// answer each call.
	APILatencyMS float64 `json:"api_latency_ms,omitempty"`

	Posted         int64    `json:"posted"`
	PostedPerSec   float64  `json:"posted_per_sec"`
	RateKept       bool     `json:"rate_kept"`
	GeneratorLate  int      `json:"generator_late"` // open loop: updates handed over more than 50 ms late
	GeneratorLagMS float64  `json:"generator_lag_max_ms"`
	Accepted       int64    `json:"accepted"`
	AcceptedPerSec float64  `json:"accepted_per_sec"`
	WebhookP50     *float64 `json:"webhook_p50_ms"`
	WebhookP90     *float64 `json:"webhook_p90_ms"`
	WebhookP99     *float64 `json:"webhook_p99_ms"`
	WebhookMax     *float64 `json:"webhook_max_ms"`
	Retries        int64    `json:"retries"`
	Errors         int64    `json:"errors"`

	Sent        int      `json:"sent"`
	SentPerSec  float64  `json:"sent_per_sec"`
	SendP50     *float64 `json:"send_p50_ms"`
	SendP90     *float64 `json:"send_p90_ms"`
	SendP99     *float64 `json:"send_p99_ms"`
	SendMax     *float64 `json:"send_max_ms"`
	TeamNotices int      `json:"team_notices"`
	Duplicates  int      `json:"duplicates"`
	Lost        *int     `json:"lost"` // null in ingest mode: replies are not waited for
	Unexpected  int      `json:"unexpected"`

	OutageRefused int64   `json:"outage_refused,omitempty"`
	Crashes       int     `json:"crashes,omitempty"`
	RestartMS     float64 `json:"restart_ms,omitempty"`
	RSSMB         float64 `json:"rss_mb"`

	// What the service spent, over the load and the drain (pipeline mode,
	// the tool's own replicas). Messages is the denominator of the
	// per-message figures: customer messages accepted, each once however
	// often it was posted; Sent is that of the per-reply ones.
	Messages             int      `json:"messages"`
	StatementsPerMessage *float64 `json:"statements_per_message"`
	CommitsPerMessage    *float64 `json:"commits_per_message"`
	PGCommitsPerMessage  *float64 `json:"pg_commits_per_message,omitempty"` // PostgreSQL's xact_commit
	PGXIDsPerMessage     *float64 `json:"pg_xids_per_message,omitempty"`    // write transactions, by PostgreSQL
	WriterBusy           *float64 `json:"writer_busy,omitempty"`            // SQLite: share of the time its one writer was held
	CPUMSPerReply        *float64 `json:"cpu_ms_per_reply"`                 // replicas and PostgreSQL
	PGCPUMSPerReply      *float64 `json:"pg_cpu_ms_per_reply,omitempty"`    // PostgreSQL's share of it
	// WriterParts is WriterBusy by what the writer did (SQLite, a binary
	// that exports it): each part's share of the time, adding up to it.
	WriterParts map[string]float64 `json:"writer_parts,omitempty"`

	FloorPerSec *float64 `json:"floor_per_sec,omitempty"`
	IngestRatio *float64 `json:"ingest_ratio,omitempty"`
}

// fill sets the figures measured by the ledger.
func (r *report) fill(t tally, g genStats, pipeline bool) {
	r.Posted, r.Accepted, r.Retries, r.Errors = t.posted, t.accepted, t.retries, t.errors
	r.PostedPerSec = perSec(int(t.posted), g.window)
	r.RateKept, r.GeneratorLate, r.GeneratorLagMS = g.kept, g.late, ms(g.maxLag)
	r.AcceptedPerSec = perSec(int(t.accepted), t.acceptWindow)
	r.WebhookP50, r.WebhookP90, r.WebhookP99, r.WebhookMax = quantiles(t.webhook)
	r.Sent, r.TeamNotices, r.Duplicates, r.Unexpected = t.replies, t.notices, t.duplicates, t.unexpected
	r.Messages = t.messages
	r.SentPerSec = perSec(t.replies, t.replyWindow)
	if pipeline {
		r.SendP50, r.SendP90, r.SendP99, r.SendMax = quantiles(t.send)
		r.Lost = &t.lost
	}
}

// fillCost sets the figures of what the service spent; fill goes first,
// for the denominators.
func (r *report) fillCost(c cost) {
	perMessage := func(x float64) *float64 {
		if r.Messages == 0 {
			return nil
		}
		v := round3(x / float64(r.Messages))
		return &v
	}
	perReply := func(d time.Duration) *float64 {
		if r.Sent == 0 {
			return nil
		}
		v := round3(float64(d) / float64(time.Millisecond) / float64(r.Sent))
		return &v
	}
	if c.statements != nil {
		r.StatementsPerMessage, r.CommitsPerMessage = perMessage(*c.statements), perMessage(*c.commits)
	}
	if c.writerHeld > 0 && c.wall > 0 {
		busy := round3(c.writerHeld / c.wall.Seconds())
		r.WriterBusy = &busy
		for i, secs := range c.writerParts {
			if secs > 0 {
				if r.WriterParts == nil {
					r.WriterParts = map[string]float64{}
				}
				r.WriterParts[writerPartNames[i]] = round3(secs / c.wall.Seconds())
			}
		}
	}
	if c.pgCommits != nil {
		r.PGCommitsPerMessage = perMessage(float64(*c.pgCommits))
		r.PGXIDsPerMessage = perMessage(float64(*c.pgXIDs))
	}
	r.CPUMSPerReply = perReply(c.cpu)
	if c.pgCPU != nil {
		r.PGCPUMSPerReply = perReply(*c.pgCPU)
	}
}

// round3 keeps three decimals: 0.2 commits per message must not read as 0.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func perSec(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return round(float64(n) / d.Seconds())
}

func ms(ns time.Duration) float64 { return round(float64(ns) / float64(time.Millisecond)) }

func round(x float64) float64 { return math.Round(x*100) / 100 }

// quantiles returns p50, p90, p99 and the maximum in milliseconds, or nils
// for no samples. It sorts samples.
func quantiles(samples []int64) (p50, p90, p99, top *float64) {
	if len(samples) == 0 {
		return nil, nil, nil, nil
	}
	slices.Sort(samples)
	q := func(p float64) *float64 {
		v := ms(time.Duration(samples[quantileIndex(len(samples), p)]))
		return &v
	}
	return q(0.50), q(0.90), q(0.99), q(1)
}

// quantileIndex is the nearest-rank index: the smallest sample with at least
// p of all samples at or below it.
func quantileIndex(n int, p float64) int {
	return max(0, min(n-1, int(math.Ceil(p*float64(n)))-1))
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func (r *report) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	rate := r.Rate + "/s"
	if r.Concurrency > 0 {
		rate = fmt.Sprintf("%s (%d posters)", r.Rate, r.Concurrency)
	}
	what := fmt.Sprintf("%s, rate %s, %gs, db %s, %d replica(s)", r.Mode, rate, r.DurationS, r.DB, r.Replicas)
	if r.Target != "" {
		what = fmt.Sprintf("%s, rate %s, %gs, target %s", r.Mode, rate, r.DurationS, r.Target)
	}
	row("run", what)
	row("", "count", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms")
	row("posted", fmt.Sprint(r.Posted), num(r.PostedPerSec))
	row("accepted", fmt.Sprint(r.Accepted), num(r.AcceptedPerSec), opt(r.WebhookP50), opt(r.WebhookP90), opt(r.WebhookP99), opt(r.WebhookMax))
	row("sent", fmt.Sprint(r.Sent), num(r.SentPerSec), opt(r.SendP50), opt(r.SendP90), opt(r.SendP99), opt(r.SendMax))
	row("team notices", fmt.Sprint(r.TeamNotices))
	lost := "not waited for"
	if r.Lost != nil {
		lost = fmt.Sprint(*r.Lost)
	}
	row("checks", fmt.Sprintf("duplicates %d, lost %s, unexpected %d, errors %d, retries %d",
		r.Duplicates, lost, r.Unexpected, r.Errors, r.Retries))
	if !r.RateKept {
		row("generator", fmt.Sprintf("could not keep the rate: %d updates more than %s late, at worst %s ms",
			r.GeneratorLate, lagLimit, num(r.GeneratorLagMS)))
	}
	if r.Crashes > 0 {
		row("crash", fmt.Sprintf("replica 0 killed and ready again after %s ms", num(r.RestartMS)))
	}
	if r.OutageRefused > 0 {
		row("outage", fmt.Sprintf("%d sends refused with 500", r.OutageRefused))
	}
	if r.Target == "" {
		row("service", fmt.Sprintf("peak RSS %s MB", num(r.RSSMB)))
	}
	if r.StatementsPerMessage != nil || r.CPUMSPerReply != nil {
		db := fmt.Sprintf("per customer message (%d): %s statements, %s commits", r.Messages,
			opt3(r.StatementsPerMessage), opt3(r.CommitsPerMessage))
		if r.PGCommitsPerMessage != nil {
			db += fmt.Sprintf("; PostgreSQL counts %s commits, %s of them writing",
				opt3(r.PGCommitsPerMessage), opt3(r.PGXIDsPerMessage))
		}
		if r.WriterBusy != nil {
			db += fmt.Sprintf("; SQLite's writer busy %.0f %% of the time", *r.WriterBusy*100)
		}
		row("database", db)
		if len(r.WriterParts) > 0 {
			var parts []string
			for _, name := range writerPartNames {
				if share, ok := r.WriterParts[name]; ok {
					parts = append(parts, fmt.Sprintf("%s %.0f %%", name, share*100))
				}
			}
			row("writer", strings.Join(parts, ", "))
		}
		cpu := fmt.Sprintf("%s ms per reply", opt3(r.CPUMSPerReply))
		if r.PGCPUMSPerReply != nil {
			cpu += fmt.Sprintf(", of which PostgreSQL %s", opt3(r.PGCPUMSPerReply))
		}
		row("CPU", cpu)
	}
	if r.APILatencyMS > 0 {
		row("Bot API", fmt.Sprintf("each call answered after %s ms", num(r.APILatencyMS)))
	}
	if r.FloorPerSec != nil {
		row("floor", fmt.Sprintf("bare gin handler %s/s, ingest ratio %s", num(*r.FloorPerSec), num(*r.IngestRatio)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func num(x float64) string { return fmt.Sprintf("%.2f", x) }

func opt3(x *float64) string {
	if x == nil {
		return "—"
	}
	return fmt.Sprintf("%.3f", *x)
}

func opt(x *float64) string {
	if x == nil {
		return "—"
	}
	return num(*x)
}
