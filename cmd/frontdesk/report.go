package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/config"
	reporting "github.com/frontdesk-bot/frontdesk/internal/report"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// report prints the figures of the last period (DOMAIN.md D21) from the
// database the config names: what customers wrote and what became of it,
// the questions no rule answered, and how fast people answered handoffs.
// Days in it are the local time zone's.
func report(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	since := fs.String("since", "7d", "the period: the last 24h, 7d, 30d…")
	format := fs.String("format", string(reporting.FormatText), "text, json or csv")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "frontdesk report: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	period, err := parsePeriod(*since)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk report: --since %v\n", err)
		return 2
	}
	f, err := reporting.ParseFormat(*format)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk report: --format: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openConfiguredStore(ctx, *configPath)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk report: %v\n", err)
		return 1
	}
	defer st.Close()
	now := time.Now()
	r, err := reporting.BuildWith(ctx, st, now.Add(-period), now, reporting.Options{Rules: reportRules(*configPath, stderr)})
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk report: %v\n", err)
		return 1
	}
	if err := reporting.Write(stdout, r, f); err != nil {
		fmt.Fprintf(stderr, "frontdesk report: %v\n", err)
		return 1
	}
	return 0
}

// reportRules loads the rules the config names, so clusters of unanswered
// messages can name the rule that should have answered them. Without them
// the report is still worth having: a broken rules file is only noted.
func reportRules(configPath string, stderr io.Writer) *rules.Rules {
	cfg, err := config.Load(configPath)
	if err != nil {
		return nil
	}
	r, err := rules.Load(cfg.Rules)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk report: the rules do not load (run frontdesk check), so unanswered messages are grouped without naming rules\n")
		return nil
	}
	return r
}

// parsePeriod reads --since as the config reads durations (Go durations,
// and days such as 7d), and wants it positive.
func parsePeriod(s string) (time.Duration, error) {
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a period: write it like 24h, 7d or 30d", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: the period must be longer than zero", s)
	}
	return d, nil
}
