package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// options are the command-line flags, checked.
type options struct {
	mode        string // "ingest" or "pipeline"
	rateFlag    string
	rate        int // updates per second; 0 is max (closed loop)
	concurrency int
	duration    time.Duration
	db          string
	replicas    int
	floor       bool
	bin         string
	target      string
	secret      string
	apiListen   string
	json        bool
	crashAt     time.Duration
	outageAt    time.Duration
	outageFor   time.Duration
	drain       time.Duration
	seed        uint64
	customers   int
	apiLatency  time.Duration
	batch       int // pipeline.batch of each replica; 0 keeps the service's default
	senders     int // pipeline.senders of each replica; 0 keeps the default
	workers     int // pipeline.workers of each replica; 0 keeps the default
}

func (o options) pipeline() bool { return o.mode == "pipeline" }

func main() { os.Exit(realMain()) }

func realMain() int {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "frontdesk-load: %v\n", err)
		return 2
	}
	// Ctrl-C cancels the run; run's deferred cleanup stops the replicas.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "frontdesk-load: %v\n", err)
		return 1
	}
	return 0
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("frontdesk-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.mode, "mode", "pipeline", "ingest (webhook acceptance only) or pipeline (also wait for the replies)")
	fs.StringVar(&o.rateFlag, "rate", "max", "updates per second (open loop, latency from the scheduled time), or max (closed loop)")
	fs.IntVar(&o.concurrency, "concurrency", 32, "posters in flight with --rate max")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to post")
	fs.StringVar(&o.db, "db", "sqlite", "sqlite (a temporary file) or a postgres:// URL (a fresh schema in it, dropped at the end)")
	fs.IntVar(&o.replicas, "replicas", 1, "frontdesk serve processes on the database (more than 1 needs PostgreSQL)")
	fs.BoolVar(&o.floor, "floor", false, "first run the same load against a bare gin handler, for floor_per_sec and ingest_ratio")
	fs.StringVar(&o.bin, "bin", "", "frontdesk binary (default: go build ./cmd/frontdesk, from the repository root)")
	fs.StringVar(&o.target, "target", "", "webhook URL of a running bot to drive instead of starting frontdesk")
	fs.StringVar(&o.secret, "secret", "", "with --target: the webhook secret (X-Telegram-Bot-Api-Secret-Token)")
	fs.StringVar(&o.apiListen, "api-listen", "", "address of the fake Bot API (default: a free port on 127.0.0.1)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object on stdout")
	fs.DurationVar(&o.crashAt, "crash-at", 0, "SIGKILL replica 0 this long after the start, and restart it at once")
	fs.DurationVar(&o.outageAt, "outage-at", 0, "from this long after the start, the fake Bot API fails sendMessage with 500")
	fs.DurationVar(&o.outageFor, "outage-for", 0, "how long the outage lasts")
	fs.DurationVar(&o.drain, "drain", 30*time.Second, "pipeline: how long to wait for outstanding replies before counting them lost")
	fs.Uint64Var(&o.seed, "seed", 1, "workload seed: the same seed posts the same updates")
	fs.IntVar(&o.customers, "customers", 200, "customers in an FAQ conversation at any time")
	fs.DurationVar(&o.apiLatency, "api-latency", 0, "the fake Bot API answers each call after this long, so senders wait on I/O")
	fs.IntVar(&o.batch, "batch", 0, "pipeline.batch of each replica (0: the service's default)")
	fs.IntVar(&o.senders, "senders", 0, "pipeline.senders of each replica (0: the service's default)")
	fs.IntVar(&o.workers, "workers", 0, "pipeline.workers of each replica (0: the service's default)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return o, o.check(set)
}

// check validates the options; set names the flags given.
func (o *options) check(set map[string]bool) error {
	if o.mode != "ingest" && o.mode != "pipeline" {
		return fmt.Errorf("--mode %q: want ingest or pipeline", o.mode)
	}
	if o.rateFlag != "max" {
		n, err := strconv.Atoi(o.rateFlag)
		if err != nil || n <= 0 {
			return fmt.Errorf("--rate %q: want updates per second (a positive integer) or max", o.rateFlag)
		}
		o.rate = n
	}
	if o.target != "" {
		if u, err := url.Parse(o.target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--target %q: want the bot's webhook URL, http(s)://host/path", o.target)
		}
		for _, name := range []string{"db", "replicas", "bin", "crash-at"} {
			if set[name] {
				return fmt.Errorf("--%s and --target do not go together: with --target the bot is yours to run", name)
			}
		}
	} else if set["secret"] {
		return errors.New("--secret goes with --target")
	}
	switch {
	case o.concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case o.duration <= 0:
		return errors.New("--duration must be positive")
	case o.replicas < 1:
		return errors.New("--replicas must be at least 1")
	case o.customers < 1:
		return errors.New("--customers must be at least 1")
	case o.drain < 0:
		return errors.New("--drain must not be negative")
	case o.db != "sqlite" && !strings.HasPrefix(o.db, "postgres://") && !strings.HasPrefix(o.db, "postgresql://"):
		return fmt.Errorf("--db %q: want sqlite or a postgres:// URL", redactDB(o.db))
	case o.replicas > 1 && o.db == "sqlite":
		return errors.New("--replicas > 1 needs --db postgres://…: a SQLite database belongs to one process")
	case set["crash-at"] && (o.crashAt <= 0 || o.crashAt >= o.duration):
		return errors.New("--crash-at must fall within --duration")
	case set["outage-at"] && !set["outage-for"]:
		return errors.New("--outage-at needs --outage-for")
	case o.outageFor < 0 || o.outageAt < 0:
		return errors.New("--outage-at and --outage-for must not be negative")
	case o.apiLatency < 0:
		return errors.New("--api-latency must not be negative")
	}
	return nil
}

// redactDB names the database without its password.
func redactDB(db string) string {
	if u, err := url.Parse(db); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return db
}

// Identifiers of a run against a --target start from the clock, so that a
// bot that remembers an earlier run's updates and customers sees new ones.
// A million a second leaves room for any rate this tool reaches.
func idBases(target bool) (updateID, chatID int64) {
	if !target {
		return 1000, 10_000_000
	}
	base := time.Now().Unix() * 1_000_000
	return base, base
}

// run does one whole run: optional floor, the service (unless --target),
// the load, the drain, and the report on stdout.
func run(ctx context.Context, o options, stdout, stderr io.Writer) (*report, error) {
	// The progress line, the soak's events and run itself all write here,
	// from their own goroutines.
	stderr = &lockedWriter{w: stderr}
	epoch := time.Now()
	fake, err := startFakeAPI(o.apiListen, epoch, o.apiLatency)
	if err != nil {
		return nil, err
	}
	defer fake.Close()
	fmt.Fprintf(stderr, "fake Bot API at %s\n", fake.URL())

	rep := &report{
		Mode: o.mode, Rate: o.rateFlag, DurationS: o.duration.Seconds(), DB: redactDB(o.db),
		Replicas: o.replicas, Target: o.target, Seed: o.seed, APILatencyMS: ms(o.apiLatency),
	}
	if o.rate == 0 {
		rep.Concurrency = o.concurrency
	}
	var floor float64
	if o.floor {
		if floor, err = measureFloor(ctx, o, stderr); err != nil {
			return nil, err
		}
	}

	urls, secret := []string{o.target}, o.secret
	var svc *service
	if o.target == "" {
		if svc, err = startService(ctx, o, fake.URL(), stderr); err != nil {
			return nil, err
		}
		defer svc.close()
		urls, secret = svc.webhookURLs(), svc.secret
	} else {
		rep.DB, rep.Replicas = "target", 0
		fmt.Fprintf(stderr, "driving %s; its Bot API URL must be %s\n", o.target, fake.URL())
	}

	// What the service spends is measured over the load and the drain,
	// in pipeline mode only: in ingest mode the work of deciding and
	// sending is still to come when the run ends.
	var m *meter
	if svc != nil && o.pipeline() {
		if m, err = startMeter(ctx, o, svc, stderr); err != nil {
			return nil, err
		}
		defer m.close()
	}

	updateBase, chatBase := idBases(o.target != "")
	led := newLedger(epoch, o.target != "")
	l := &load{
		targets: newTargets(urls), secret: secret, rate: o.rate, posters: o.concurrency, duration: o.duration,
		client: newClient(max(o.concurrency, maxPosters)), ledger: led,
		gen: newWorkload(o.seed, o.customers, updateBase, chatBase),
	}
	started := time.Now()
	sk := startSoak(ctx, o, svc, fake, l.targets, stderr)
	defer sk.stop()
	stopProgress := progress(stderr, "run", started, led, fake, svc)
	defer stopProgress()
	stats := l.run(ctx)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if !stats.kept {
		fmt.Fprintf(stderr, "warning: the generator could not keep %d updates/s: %d updates went out more than %s late "+
			"(at worst %s, with %d of at most %d posters); latencies still count from the scheduled times\n",
			o.rate, stats.late, lagLimit, stats.maxLag.Round(time.Millisecond), stats.posters, maxPosters)
	}
	sk.wait()
	if o.pipeline() {
		if err := drain(ctx, o.drain, led, fake, sk.quietUntil()); err != nil {
			return nil, err
		}
	}
	stopProgress()
	led.take(fake)
	rep.fill(led.close(), stats, o.pipeline())
	rep.OutageRefused = fake.refused.Load()
	rep.Crashes, rep.RestartMS = sk.result()
	if svc != nil {
		svc.sampleRSS()
		rep.RSSMB = svc.rssMB()
	}
	if m != nil {
		rep.fillCost(m.finish(ctx))
	}
	if o.floor {
		ratio := 0.0
		if floor > 0 {
			ratio = round(rep.AcceptedPerSec / floor)
		}
		rep.FloorPerSec, rep.IngestRatio = &floor, &ratio
	}
	if o.json {
		return rep, rep.writeJSON(stdout)
	}
	return rep, rep.writeText(stdout)
}

// drain waits until every accepted message expecting a reply has one, or
// until `limit` has passed, and then until `quiet` so that late duplicates
// show.
func drain(ctx context.Context, limit time.Duration, led *ledger, fake *fakeAPI, quiet time.Time) error {
	deadline := time.Now().Add(limit)
	settled := time.Time{}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		led.take(fake)
		now := time.Now()
		if settled.IsZero() && led.outstanding() == 0 {
			// A second more catches a duplicate sent right after the first.
			settled = now.Add(time.Second)
			if quiet.After(settled) {
				settled = quiet
			}
		}
		if !now.Before(deadline) || !settled.IsZero() && !now.Before(settled) {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
	}
}

// lockedWriter makes one writer safe for several goroutines, each write
// whole.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// progress prints a line a second on stderr until stop is called (once or
// more).
func progress(w io.Writer, label string, began time.Time, led *ledger, fake *fakeAPI, svc *service) (stop func()) {
	done := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			line := fmt.Sprintf("%s%4ds  posted %d  accepted %d  errors %d  retries %d", label, int(time.Since(began).Seconds()),
				led.posted.Load(), led.accepted.Load(), led.errors.Load(), led.retries.Load())
			if fake != nil {
				led.take(fake)
				replies, open := led.progress()
				line += fmt.Sprintf("  replies %d  outstanding %d", replies, open)
			}
			fmt.Fprintln(w, line)
			if svc != nil {
				svc.sampleRSS()
				svc.checkAlive()
			}
		}
	}()
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}
