// Command frontdesk answers a brand's customers on Telegram: `frontdesk
// serve` runs the service, `frontdesk check` validates the configuration and
// rules offline.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // rules name time zones; minimal images ship no zoneinfo

	"github.com/frontdesk-bot/frontdesk/internal/app"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/rules"
)

const usage = `usage: frontdesk <command> [flags]

commands:
  serve   run the service            (frontdesk serve --config configs/frontdesk.yaml)
  check   validate config and rules  (frontdesk check [--config FILE] [--rules FILE])
                                     (frontdesk check --cases configs/cases.tsv [--min 80%])
  try     what would the bot do?     (frontdesk try --text "我想退钱" [--lang zh] [--json])
                                     (frontdesk try --script conversation.yaml [--json])
  forget  erase a customer's personal data (frontdesk forget --customer telegram/shop/4242 [--dry-run])
  export  all data of one customer as JSON  (frontdesk export --customer telegram/shop/4242)
  outbox  list messages given up for good   (frontdesk outbox [--retry ID,ID|all] [--json])
  events  list events set aside, unprocessed (frontdesk events [--retry ID,ID|all] [--json])
  report  answers, handoffs and SLA of a period (frontdesk report [--since 7d] [--format text|json|csv])
  spam    what was ignored as spam, by rule   (frontdesk spam [--since 7d] [--json] [--release ID])
  token   API tokens: create, list, revoke (frontdesk token create --name helpdesk --scope agent)
  version print the version and commit this binary was built from

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
	case "try":
		return try(args[1:], stdout, stderr)
	case "forget":
		return forget(args[1:], stdout, stderr)
	case "export":
		return export(args[1:], stdout, stderr)
	case "outbox":
		return outbox(args[1:], stdout, stderr)
	case "events":
		return events(args[1:], stdout, stderr)
	case "report":
		return report(args[1:], stdout, stderr)
	case "spam":
		return spam(args[1:], stdout, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "version", "--version":
		return version(stdout)
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
			// ReloadRules logs the outcome, with every error's position.
			_ = a.ReloadRules()
			continue
		case <-ctx.Done():
		}
		break
	}
	log.Info("shutting down")
	// The drain comes first and on top of the time given to sends in flight.
	stopCtx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.ShutdownDrain+cfg.ShutdownTimeout))
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
	casesPath := fs.String("cases", "", "a TSV of labelled messages (text, expected, optional lang and tag): print the accuracy of the rules on them")
	minAcc := fs.String("min", "", "with --cases: exit 1 when the overall accuracy is below this; a fraction (0.8) or a percent (80%)")
	fullTrace := fs.Bool("full-trace", false, "with --cases: show every rule in each miss's trace, not only those that matched and the expected one")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *minAcc != "" && *casesPath == "" {
		fmt.Fprintln(stderr, "frontdesk check: --min needs --cases")
		return 2
	}
	if fs.NArg() == 1 && *rulesPath == "" {
		*rulesPath = fs.Arg(0)
	}
	failed := false
	// The config is read when it names the rules or is named itself: only
	// then are its teams the ones the rules hand off to.
	configGiven := *rulesPath == ""
	fs.Visit(func(f *flag.Flag) { configGiven = configGiven || f.Name == "config" })
	var teams []string
	var embeddings config.Embeddings
	if configGiven {
		cfg, err := config.Load(*configPath)
		if err == nil {
			err = app.CheckConfig(cfg)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 1
		}
		if *rulesPath == "" {
			*rulesPath = cfg.Rules
		}
		for _, t := range cfg.Handoff.Teams {
			teams = append(teams, t.Name)
		}
		embeddings = cfg.Matching.Embeddings
		fmt.Fprintf(stdout, "%s: ok\n", *configPath)
	}
	r, err := rules.Load(*rulesPath)
	if err != nil {
		printErr(stderr, err)
		var re rules.Errors
		if errors.As(err, &re) {
			fmt.Fprintf(stderr, "%s: %d error(s); the service would keep its last good rules\n", *rulesPath, len(re))
		}
		failed = true
	} else {
		warnings := r.Warnings()
		if configGiven {
			warnings = append(warnings, r.CheckTeams(teams)...)
		}
		fmt.Fprint(stderr, warnings.Pretty())
		fmt.Fprintf(stdout, "%s: ok (%d rules, %d examples passed, %d warnings)\n", *rulesPath, r.Len(), r.Examples(), len(warnings))
	}
	if failed {
		return 1
	}
	if *casesPath != "" {
		return checkCases(r, embeddings, *casesPath, *minAcc, *fullTrace, stdout, stderr)
	}
	return 0
}

// checkCases scores the rules on a labelled set and prints what a marketer
// needs to improve them: the figures, then every miss with its trace.
//
// With an embeddings endpoint in the config, examples are compared by
// meaning, as the service compares them.
func checkCases(r *rules.Rules, embeddings config.Embeddings, path, minArg string, fullTrace bool, stdout, stderr io.Writer) int {
	min, asPercent := 0.0, false
	if minArg != "" {
		var err error
		if min, asPercent, err = app.ParseMin(minArg); err != nil {
			fmt.Fprintf(stderr, "frontdesk check: %v\n", err)
			return 2
		}
	}
	cases, err := app.LoadCases(path, r)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 1
	}
	if embeddings.URL != "" {
		texts := make([]string, len(cases))
		for i, c := range cases {
			texts[i] = c.Text
		}
		if err := app.CompareByMeaning(context.Background(), r, embeddings, texts); err != nil {
			fmt.Fprintf(stderr, "frontdesk check: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "examples compared by meaning (%s)\n", embeddings.URL)
	}
	rep, err := app.RunCases(context.Background(), r, cases, r.ExampleTime())
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk check: %v\n", err)
		return 1
	}
	printCases(stdout, path, rep, fullTrace)
	if minArg == "" {
		return 0
	}
	how := "a fraction"
	if asPercent {
		how = "a percent"
	}
	if acc := rep.Overall.Accuracy(); acc < min {
		fmt.Fprintf(stdout, "FAIL: accuracy %.1f%% is below --min %s (read as %s: %.1f%%)\n", 100*acc, minArg, how, 100*min)
		return 1
	}
	fmt.Fprintf(stdout, "ok: accuracy is at least --min %s (read as %s: %.1f%%)\n", minArg, how, 100*min)
	return 0
}

func printCases(w io.Writer, path string, rep app.CaseReport, fullTrace bool) {
	o := rep.Overall
	fmt.Fprintf(w, "\n%s: %d cases, %d answered as expected: accuracy %.1f%%; %d wrong answers (an answer where none or another was expected), %d left unanswered\n",
		path, o.Total, o.Right, 100*o.Accuracy(), o.Wrong, o.Total-o.Right-o.Wrong)
	table := func(title string, gs []app.CaseGroup) {
		if len(gs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%-14s %6s %6s %9s %6s\n", title, "cases", "right", "accuracy", "wrong")
		for _, g := range gs {
			fmt.Fprintf(w, "%-14s %6d %6d %8.1f%% %6d\n", g.Name, g.Total, g.Right, 100*g.Accuracy(), g.Wrong)
		}
	}
	table("language", rep.ByLang)
	table("tag", rep.ByTag)
	if len(rep.Misses) > 0 {
		fmt.Fprintf(w, "\nmisses (%d):\n", len(rep.Misses))
	}
	for _, m := range rep.Misses {
		label := m.Lang
		if len(m.Tags) > 0 {
			label = strings.TrimPrefix(label+", "+strings.Join(m.Tags, ", "), ", ")
		}
		if label != "" {
			label = " [" + label + "]"
		}
		fmt.Fprintf(w, "%s:%d: %q%s expected %s, got %s\n", path, m.Line, m.Text, label, m.Expected, m.Got)
		// With hundreds of rules the whole trace would bury the point: show
		// the rules that matched and the one expected, and count the rest.
		var steps []rules.Step
		for _, s := range m.Trace {
			if fullTrace || s.Matched || s.Rule == m.Expected || s.Rule == m.Got {
				steps = append(steps, s)
			}
		}
		printSteps(w, steps)
		if n := len(m.Trace) - len(steps); n > 0 {
			fmt.Fprintf(w, "    (%d other rules did not match)\n", n)
		}
	}
	fmt.Fprintln(w)
}

func try(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("try", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file (for the rules it names)")
	rulesPath := fs.String("rules", "", "rules file (default: the one the config names)")
	text := fs.String("text", "", "the customer's message")
	lang := fs.String("lang", "", "the customer's app language, e.g. zh, ru, en (default: detected from the text)")
	platform := fs.String("platform", "telegram", "telegram or discord")
	chatType := fs.String("chat", "private", "private or group")
	name := fs.String("name", "Customer", "the customer's name")
	script := fs.String("script", "", "a YAML list of messages {at, text, lang, chat, customer, platform} to play in order")
	at := fs.String("at", "", "when the (first) message is sent, RFC 3339 (default: now)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*text == "") == (*script == "") {
		fmt.Fprintln(stderr, "frontdesk try: give either --text or --script")
		return 2
	}
	if *rulesPath == "" {
		path, err := rulesFromConfig(*configPath)
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return 1
		}
		*rulesPath = path
	}
	r, err := rules.Load(*rulesPath)
	if err != nil {
		printErr(stderr, err)
		return 1
	}
	start := time.Now()
	if *at != "" {
		if start, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(stderr, "frontdesk try: --at %q is not an RFC 3339 time like 2026-01-07T10:00:00+08:00\n", *at)
			return 2
		}
	}
	ctx := context.Background()
	if *text != "" {
		res, err := app.TryOne(ctx, r, app.ScriptMessage{Text: *text, Lang: *lang, Platform: *platform, Chat: *chatType, Customer: *name}, start)
		if err != nil {
			fmt.Fprintf(stderr, "frontdesk try: %v\n", err)
			return 1
		}
		if *asJSON {
			return writeJSON(stdout, stderr, res)
		}
		printTry(stdout, res)
		return 0
	}
	msgs, err := app.LoadScript(*script)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk try: %v\n", err)
		return 1
	}
	results, err := app.Try(ctx, r, msgs, start)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk try: %v\n", err)
		return 1
	}
	if *asJSON {
		return writeJSON(stdout, stderr, results)
	}
	for i, res := range results {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printTry(stdout, res)
	}
	return 0
}

func writeJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "frontdesk try: %v\n", err)
		return 1
	}
	return 0
}

// printTry shows one decision the way a marketer reads it.
func printTry(w io.Writer, res app.TryResult) {
	said := strconv.Quote(res.Text)
	if res.Press != "" {
		said = "presses [" + res.Press + "]"
	}
	if res.By == app.ByPerson {
		fmt.Fprintf(w, "%s  a person of the brand writes %s\n", res.At.Format("2006-01-02 15:04:05"), said)
		fmt.Fprintln(w, "  the bot keeps quiet in this chat for guard.person_quiet (30m by default)")
		return
	}
	fmt.Fprintf(w, "%s  %s  (language %s, %s)\n", res.At.Format("2006-01-02 15:04:05"), said, res.Language, res.Outcome)
	if res.Answer != "" {
		fmt.Fprintf(w, "  the press is answered: %s\n", res.Answer)
	}
	if res.ReadAs != "" {
		fmt.Fprintf(w, "  read as %s: %q\n", rules.DescribeReading(res.ReadFrom), res.ReadAs)
	}
	if res.Type != "" {
		fmt.Fprintf(w, "  type %s (%s); sentiment %s (%+.2f)\n", res.Type, res.TypeReason, res.Sentiment, res.SentimentScore)
	}
	if len(res.Actions) == 0 {
		fmt.Fprintln(w, "  the bot sends nothing")
	}
	for _, a := range res.Actions {
		detail := ""
		if a.Priority != "" {
			detail += " priority=" + a.Priority
		}
		if a.Team != "" {
			detail += " team=" + a.Team
		}
		if len(a.Tags) > 0 {
			detail += " tags=" + strings.Join(a.Tags, ",")
		}
		if a.Private {
			detail += " private"
		}
		fmt.Fprintf(w, "  %-8s %s%s", a.Type, a.Rule, detail)
		if a.Text != "" {
			fmt.Fprintf(w, ": %s", a.Text)
		}
		fmt.Fprintln(w)
		for _, row := range a.Buttons {
			fmt.Fprint(w, "          ")
			for _, b := range row {
				fmt.Fprintf(w, " [%s → %s]", b.Text, strings.TrimPrefix(b.Data, rules.ButtonPrefix))
			}
			fmt.Fprintln(w)
		}
	}
	for _, s := range res.Suppressed {
		fmt.Fprintf(w, "  suppressed %s: %s\n", s.Rule, s.Reason)
	}
	fmt.Fprintln(w, "  why:")
	printSteps(w, res.Trace)
}

// printSteps is a decision's trace, one rule a line, as try shows it.
func printSteps(w io.Writer, steps []rules.Step) {
	for _, s := range steps {
		mark := "-"
		if s.Matched {
			mark = "+"
		}
		fmt.Fprintf(w, "    %s %s: %s", mark, s.Rule, s.Reason)
		if s.Keyword != "" {
			fmt.Fprintf(w, " %q", s.Keyword)
		}
		if s.Group != "" {
			fmt.Fprintf(w, " (group %s)", s.Group)
		}
		if s.Match != "" {
			// How the keyword was found and the rule's score, so a marketer
			// sees why a looser or a more specific match won.
			fmt.Fprintf(w, " [%s", s.Match)
			if s.Detail != "" {
				fmt.Fprintf(w, " %s", s.Detail)
			}
			fmt.Fprintf(w, ", score %.2f]", s.Score)
		}
		fmt.Fprintln(w)
	}
}

// rulesFromConfig is the rules file a config names, the config validated.
func rulesFromConfig(configPath string) (string, error) {
	cfg, err := config.Load(configPath)
	if err != nil {
		return "", err
	}
	if err := app.CheckConfig(cfg); err != nil {
		return "", err
	}
	return cfg.Rules, nil
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

// forget erases one customer's personal data (D22), on whichever database
// the config names; --dry-run only counts what it would touch.
func forget(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("forget", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	customer := fs.String("customer", "", "platform/bot/id, e.g. telegram/shop/4242 or discord/community/53908232506183680")
	dryRun := fs.Bool("dry-run", false, "count the rows it would touch, per table, and change nothing")
	asJSON := fs.Bool("json", false, "print what was erased as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	p, bot, id, ok := parseCustomer(*customer)
	if !ok {
		fmt.Fprintln(stderr, "frontdesk forget: --customer platform/bot/id is required, e.g. telegram/shop/4242")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openConfiguredStore(ctx, *configPath)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk forget: %v\n", err)
		return 1
	}
	defer st.Close()
	do := st.Forget
	if *dryRun {
		do = st.ForgetDryRun
	}
	got, err := do(ctx, p, bot, id, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk forget: %v\n", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(got); err != nil {
			return 1
		}
		return 0
	}
	if *dryRun {
		// Counts only: what the rows hold is what is being erased.
		fmt.Fprintf(stdout, "forget %s would touch (nothing changed):\n", *customer)
		tables := slices.Sorted(maps.Keys(got.Tables))
		for _, t := range tables {
			fmt.Fprintf(stdout, "  %-20s %d rows\n", t, got.Tables[t])
		}
		fmt.Fprintf(stdout, "it would erase %d stored events, %d messages and %d sends, and cancel %d unsent messages\n",
			got.Events, got.Messages, got.Sends, got.Cancelled)
	} else {
		fmt.Fprintf(stdout, "forgot %s: %d conversations, %d messages, %d stored events, %d sends erased, %d unsent messages cancelled\n",
			*customer, got.Conversations, got.Messages, got.Events, got.Sends, got.Cancelled)
	}
	if got.Pending > 0 {
		fmt.Fprintf(stdout, "%d of their events are still waiting to be processed: run forget again once the service has handled them\n", got.Pending)
	}
	return 0
}

// parseCustomer reads platform/bot/id, the way forget and export name a
// customer.
func parseCustomer(s string) (p chat.Platform, bot, id string, ok bool) {
	parts := strings.SplitN(s, "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return chat.Platform(parts[0]), parts[1], parts[2], true
}

// export prints everything stored about one customer as JSON, for their
// access request (GDPR art. 15).
func export(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	customer := fs.String("customer", "", "platform/bot/id, e.g. telegram/shop/4242 or discord/community/53908232506183680")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	p, bot, id, ok := parseCustomer(*customer)
	if !ok {
		fmt.Fprintln(stderr, "frontdesk export: --customer platform/bot/id is required, e.g. telegram/shop/4242")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openConfiguredStore(ctx, *configPath)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk export: %v\n", err)
		return 1
	}
	defer st.Close()
	got, err := st.ExportCustomer(ctx, p, bot, id, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk export: %v\n", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		fmt.Fprintf(stderr, "frontdesk export: %v\n", err)
		return 1
	}
	return 0
}

// outbox lists the dead letters (messages given up for good) and puts
// them back in line on request.
func outbox(args []string, stdout, stderr io.Writer) int {
	return givenUp[store.OutboxEntry]{
		command: "outbox", what: "message ids to send again", example: "message ids",
		requeued: "%d message(s) back in line; the running service sends them in their chats' order\n",
		notFound: "no message given up with id %s (see frontdesk outbox for the list)",
		none:     "no messages given up",
		retry:    (*store.Store).RetryDeadLetters,
		list:     (*store.Store).DeadLetters,
		line: func(d store.OutboxEntry) string {
			return fmt.Sprintf("%d  %s  %s/%s chat %s  %s %s  after %d attempt(s): %s", d.ID, d.CreatedAt.Format(time.RFC3339),
				d.Platform, d.Bot, d.ChatID, d.Action, d.Rule, d.Attempts, d.LastError)
		},
	}.run(args, stdout, stderr)
}

// events lists the customers' and agents' events set aside (processing
// them failed, or never finished, pipeline event attempts times) and puts
// them back in line on request. What the customer wrote is never printed.
func events(args []string, stdout, stderr io.Writer) int {
	return givenUp[store.FailedEvent]{
		command: "events", what: "event ids to process again", example: "event ids",
		requeued: "%d event(s) back in line; the running service processes them within a minute, each in its conversation's order\n",
		notFound: "no event set aside with id %s (see frontdesk events for the list)",
		none:     "no events set aside",
		retry:    (*store.Store).RetryFailedEvents,
		list:     (*store.Store).FailedEvents,
		line: func(e store.FailedEvent) string {
			return fmt.Sprintf("%d  %s  chat %s  %s  after %d attempt(s): %s", e.ID, e.ReceivedAt.Format(time.RFC3339),
				e.Chat, e.Kind, e.Attempts, e.LastError)
		},
	}.run(args, stdout, stderr)
}

// givenUp is a command over what the service gave up on (sends, events):
// it lists them, or puts the ones named by --retry back in line.
type givenUp[T any] struct {
	command, what, example string
	requeued, notFound     string // formats: the count put back, the ids not found
	none                   string
	retry                  func(*store.Store, context.Context, []int64, time.Time) ([]int64, error)
	list                   func(*store.Store, context.Context, int) ([]T, error)
	line                   func(T) string
}

func (c givenUp[T]) run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c.command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", config.DefaultPath, "config file")
	retry := fs.String("retry", "", c.what+`, comma-separated, or "all"`)
	limit := fs.Int("limit", 50, "how many to list, newest first")
	asJSON := fs.Bool("json", false, "print the list as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ids, err := retryIDs(*retry)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk %s: --retry %q: want %s like 12,15 or all\n", c.command, *retry, c.example)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := openConfiguredStore(ctx, *configPath)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk %s: %v\n", c.command, err)
		return 1
	}
	defer st.Close()
	if *retry != "" {
		requeued, err := c.retry(st, ctx, ids, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "frontdesk %s: %v\n", c.command, err)
			return 1
		}
		fmt.Fprintf(stdout, c.requeued, len(requeued))
		if missing := notRequeued(ids, requeued); len(missing) > 0 {
			fmt.Fprintf(stderr, "frontdesk %s: "+c.notFound+"\n", c.command, missing)
			return 1
		}
		return 0
	}
	items, err := c.list(st, ctx, *limit)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk %s: %v\n", c.command, err)
		return 1
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(items); err != nil {
			return 1
		}
		return 0
	}
	if len(items) == 0 {
		fmt.Fprintln(stdout, c.none)
		return 0
	}
	for _, it := range items {
		fmt.Fprintln(stdout, c.line(it))
	}
	return 0
}

// retryIDs reads a --retry flag: ids, comma-separated, or "all" (and "",
// no retry) for none in particular.
func retryIDs(flag string) ([]int64, error) {
	if flag == "" || flag == "all" {
		return nil, nil
	}
	var ids []int64
	for _, f := range strings.Split(flag, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// notRequeued lists, comma-separated, the ids asked for that were not put
// back in line: unknown, or not given up. A typo must not pass for success.
func notRequeued(asked, requeued []int64) string {
	var missing []string
	for _, id := range asked {
		if !slices.Contains(requeued, id) && !slices.Contains(missing, strconv.FormatInt(id, 10)) {
			missing = append(missing, strconv.FormatInt(id, 10))
		}
	}
	return strings.Join(missing, ", ")
}

// openConfiguredStore opens the database a config file names, for the
// commands that work on it directly.
func openConfiguredStore(ctx context.Context, configPath string) (*store.Store, error) {
	cfg, err := config.Load(configPath)
	if err != nil {
		return nil, err
	}
	return app.OpenStore(ctx, cfg)
}
