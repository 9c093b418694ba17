package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/app"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	reporting "github.com/frontdesk-bot/frontdesk/internal/report"
)

// spam lists what was ignored as spam in the last period, by rule, with
// the texts masked; --release ID says one was not spam: the customer gets
// an apology and the answer the rules give now, from the running service.
func spam(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spam", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	since := fs.String("since", "7d", "the period: the last 24h, 7d, 30d…")
	limit := fs.Int("limit", 100, "how many messages to list, newest first")
	asJSON := fs.Bool("json", false, "print the list as JSON")
	release := fs.String("release", "", "the id of a message that is not spam: answer it now, with an apology")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "frontdesk spam: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var id int64
	if *release != "" {
		var err error
		if id, err = strconv.ParseInt(*release, 10, 64); err != nil || id <= 0 {
			fmt.Fprintf(stderr, "frontdesk spam: --release %q: want a message id as frontdesk spam lists it\n", *release)
			return 2
		}
	}
	period, err := parsePeriod(*since)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk spam: --since %v\n", err)
		return 2
	}
	if *limit <= 0 {
		fmt.Fprintf(stderr, "frontdesk spam: --limit %d: want a positive number\n", *limit)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openConfiguredStore(ctx, *configPath)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk spam: %v\n", err)
		return 1
	}
	defer st.Close()
	now := time.Now()
	if id != 0 {
		if _, err := app.ReleaseSpam(ctx, st, id, operator(), now); err != nil {
			if errors.Is(err, chat.ErrAlreadyDone) {
				fmt.Fprintf(stderr, "frontdesk spam: %v; the customer has had the late answer, nothing was sent again\n", err)
			} else {
				fmt.Fprintf(stderr, "frontdesk spam: %v\n", err)
			}
			return 1
		}
		fmt.Fprintf(stdout, "message %d released as not spam; the running service answers it within a minute, with an apology\n", id)
		return 0
	}
	r, err := reporting.BuildSpam(ctx, st, now.Add(-period), now, *limit)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk spam: %v\n", err)
		return 1
	}
	write := reporting.WriteSpamText
	if *asJSON {
		write = reporting.WriteSpamJSON
	}
	if err := write(stdout, r); err != nil {
		fmt.Fprintf(stderr, "frontdesk spam: %v\n", err)
		return 1
	}
	return 0
}

// operator names who released a message, for the record: the system
// user running the command.
func operator() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}
