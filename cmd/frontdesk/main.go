// Command frontdesk answers a brand's customers on Telegram: `frontdesk
// serve` runs the service, `frontdesk check` validates the configuration and
// rules offline.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // rules name time zones; minimal images ship no zoneinfo

	"github.com/frontdesk-bot/frontdesk/internal/app"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/rules"
)

const usage = `usage: frontdesk <command> [flags]

commands:
  serve   run the service            (frontdesk serve --config configs/frontdesk.yaml)
  check   validate config and rules  (frontdesk check [--config FILE] [--rules FILE])

Run "frontdesk <command> -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "frontdesk: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := newLogger(stderr, *logLevel)
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, app.Options{Log: log})
	if err != nil {
		printErr(stderr, err)
		return 1
	}
	if err := a.Start(ctx); err != nil {
		a.Close()
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return 1
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	for {
		select {
		case <-hup:
			if err := a.ReloadRules(); err != nil {
				log.Error("rules reload refused; keeping the last good rules", "err", err)
			}
			continue
		case <-ctx.Done():
		}
		break
	}
	log.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Stop(stopCtx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	rulesPath := fs.String("rules", "", "rules file (default: the one the config names)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 1 && *rulesPath == "" {
		*rulesPath = fs.Arg(0)
	}
	failed := false
	if *rulesPath == "" {
		cfg, err := config.Load(*configPath)
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 1
		}
		*rulesPath = cfg.Rules
		fmt.Fprintf(stdout, "%s: ok\n", *configPath)
	}
	r, err := rules.Load(*rulesPath)
	if err != nil {
		printErr(stderr, err)
		failed = true
	} else {
		fmt.Fprintf(stdout, "%s: ok (%d rules)\n", *rulesPath, r.Len())
	}
	if failed {
		return 1
	}
	return 0
}

// printErr shows rules errors with their line and a caret.
func printErr(w io.Writer, err error) {
	var re rules.Errors
	if errors.As(err, &re) {
		fmt.Fprint(w, re.Pretty())
		return
	}
	fmt.Fprintf(w, "frontdesk: %v\n", err)
}

// newLogger logs readable text to a terminal and JSON elsewhere (containers,
// log shippers).
func newLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts))
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
