package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

const (
	modulePath = "github.com/frontdesk-bot/frontdesk"
	// startTimeout bounds a replica's start: migrations on an empty
	// database take well under a second.
	startTimeout = 30 * time.Second
	// stopTimeout is how long a replica may take to stop after SIGTERM
	// before it is killed.
	stopTimeout = 10 * time.Second
	// serviceLease is pipeline.lease: after it, work a killed replica had
	// claimed moves on.
	serviceLease = 30 * time.Second
	// teamChat is the handoff team's group; its messages are notices, not
	// replies.
	teamChat = "-100777"
)

// service is the frontdesk under test: one or more `frontdesk serve`
// processes on one database, in a temporary directory of their own.
type service struct {
	dir     string
	bin     string
	dsn     string
	app     string // PostgreSQL: the replicas' application_name, the schema's name
	dropDB  func()
	secret  string
	apiURL  string
	stderr  io.Writer
	rssKB   int64 // peak VmHWM seen over all replicas
	mu      sync.Mutex
	members []*replica
	// restarting is the replica being crashed and restarted on purpose.
	restarting int
	reported   map[*replica]bool // died on their own, already told
	// batch, senders and workers are the replicas' pipeline.batch,
	// pipeline.senders and pipeline.workers; 0 keeps the service's defaults.
	batch, senders, workers int

	// measuring is set from beginMeasure on; gone is the work of the
	// replicas that ended since, and unmeasured those whose counters were
	// lost (a replica that died on its own, or did not answer its last
	// scrape).
	measuring  bool
	gone       work
	unmeasured int
}

// replica is one `frontdesk serve` process.
type replica struct {
	cmd    *exec.Cmd
	addr   string
	logs   *tail
	exited chan struct{} // closed when the process is gone
	// base is the replica's work when the measured interval began: read
	// by beginMeasure, or zero for a replica started after it, whose
	// whole life falls in the interval.
	base work
	// retired is set once its work is in service.gone (under service.mu):
	// a killed replica that could not be restarted stays a member.
	retired bool
}

// startService builds the binary unless given one, prepares the database
// and starts the replicas.
func startService(ctx context.Context, o options, apiURL string, stderr io.Writer) (*service, error) {
	dir, err := os.MkdirTemp("", "frontdesk-load-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	s := &service{
		dir: dir, bin: o.bin, apiURL: apiURL, stderr: stderr, secret: randomHex(16),
		dropDB: func() {}, restarting: -1, reported: map[*replica]bool{}, batch: o.batch, senders: o.senders, workers: o.workers,
	}
	if err := s.init(ctx, o); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *service) init(ctx context.Context, o options) error {
	var err error
	if s.bin == "" {
		if s.bin, err = buildBinary(ctx, s.dir, s.stderr); err != nil {
			return err
		}
	}
	if s.dsn, s.app, s.dropDB, err = prepareDB(ctx, o.db, s.dir, s.stderr); err != nil {
		return err
	}
	if err := os.WriteFile(s.rulesPath(), []byte(loadRules), 0o600); err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	for i := range o.replicas {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		// One at a time: the first migrates the database, as in a rolling deploy.
		r, err := s.start(ctx, i, addr)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.members = append(s.members, r)
		s.mu.Unlock()
	}
	return nil
}

func (s *service) rulesPath() string { return filepath.Join(s.dir, "rules.yaml") }

// webhookURLs lists the replicas' webhook endpoints, in replica order.
func (s *service) webhookURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var urls []string
	for _, r := range s.members {
		urls = append(urls, webhookURL(r.addr))
	}
	return urls
}

func webhookURL(addr string) string { return "http://" + addr + "/webhooks/telegram/shop" }

// buildBinary builds ./cmd/frontdesk, which only works from the repository
// root.
func buildBinary(ctx context.Context, dir string, stderr io.Writer) (string, error) {
	mod, err := os.ReadFile("go.mod")
	if err != nil || !bytes.Contains(mod, []byte("module "+modulePath+"\n")) {
		return "", errors.New("building ./cmd/frontdesk needs the repository root as the working directory: " +
			"run from the directory whose go.mod is " + modulePath + ", or give a binary with --bin")
	}
	bin := filepath.Join(dir, "frontdesk")
	fmt.Fprintln(stderr, "building ./cmd/frontdesk")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/frontdesk")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/frontdesk: %w\n%s", err, out)
	}
	return bin, nil
}

// prepareDB returns the DSN the service gets, the application_name its
// connections carry (PostgreSQL only) and how to remove what was made. For
// PostgreSQL that is a fresh schema in the given database, so runs never
// see each other's data; naming the connections after it lets the tool tell
// this run's backends from other sessions on the same database.
func prepareDB(ctx context.Context, db, dir string, stderr io.Writer) (dsn, app string, drop func(), err error) {
	if db == "sqlite" {
		return "sqlite:" + filepath.Join(dir, "frontdesk.db"), "", func() {}, nil
	}
	u, err := url.Parse(db)
	if err != nil {
		return "", "", nil, fmt.Errorf("--db: %w", err)
	}
	schema := "fdload_" + randomHex(6)
	admin, err := sql.Open("pgx", withParam(u, "application_name", schema+"-admin"))
	if err != nil {
		return "", "", nil, fmt.Errorf("--db: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", "", nil, fmt.Errorf("PostgreSQL at %s: create schema: %w", u.Redacted(), err)
	}
	drop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// A killed replica may still hold connections for a moment; CASCADE
		// waits for their locks.
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(stderr, "frontdesk-load: drop schema %s: %v\n", schema, err)
		}
		admin.Close()
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema, drop, nil
}

// withParam returns u with one query parameter set, leaving u alone.
func withParam(u *url.URL, key, value string) string {
	c := *u
	q := c.Query()
	q.Set(key, value)
	c.RawQuery = q.Encode()
	return c.String()
}

// config is the service's configuration: the guard relaxed so that every
// FAQ question of the workload is answered, the sender unpaced, the lease
// short enough for a crash to be recovered within a soak.
func (s *service) config(addr string) string {
	return fmt.Sprintf(`listen: %q
database: %q
rules: %q
rules_watch: false
bots:
  - name: shop
    platform: telegram
    token: "123456:LOAD"
    mode: webhook
    webhook_secret: %s
    api_url: %q
pipeline:
  lease: %s
  send_timeout: 5s
  rate_limits: false
  batch: %d
  senders: %d
  workers: %d
guard:
  per_hour: 100000
  per_message: 10
  debounce: 1ms
  rule_cooldown: 1s
  content_cooldown: 1s
handoff:
  teams:
    - {name: support, bot: shop, chat_id: %q}
  # Incidents would fold the workload's many handoffs into one edited notice.
  incidents: {threshold: -1}
`, addr, s.dsn, s.rulesPath(), s.secret, s.apiURL, serviceLease, s.batch, s.senders, s.workers, teamChat)
}

// start runs replica i on addr and waits until it is ready.
func (s *service) start(ctx context.Context, i int, addr string) (*replica, error) {
	cfgPath := filepath.Join(s.dir, "frontdesk-"+strconv.Itoa(i)+".yaml")
	if err := os.WriteFile(cfgPath, []byte(s.config(addr)), 0o600); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	r := &replica{addr: addr, logs: &tail{}, exited: make(chan struct{})}
	r.cmd = exec.Command(s.bin, "serve", "--config", cfgPath, "--log-level", "warn")
	r.cmd.Dir = s.dir
	r.cmd.Stderr = r.logs
	r.cmd.SysProcAttr = childAttr()
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.bin, err)
	}
	go func() {
		_ = r.cmd.Wait() // waitReady and checkAlive report an exit that was not asked for
		close(r.exited)
	}()
	if err := r.waitReady(ctx); err != nil {
		r.stop()
		return nil, fmt.Errorf("replica %d: %w\n%s", i, err, r.logs)
	}
	return r, nil
}

func (r *replica) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := client.Get("http://" + r.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.exited:
			return fmt.Errorf("exited at start (%s)", r.cmd.ProcessState)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %v", startTimeout, err)
		}
	}
}

// crash kills replica i with SIGKILL, holding whatever it has claimed, and
// starts it again on the same database: on the same port if it is free,
// else on a new one. It returns the new webhook URL and how long the
// replica was unavailable.
func (s *service) crash(ctx context.Context, i int) (string, time.Duration, error) {
	s.mu.Lock()
	old := s.members[i]
	s.restarting = i
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.restarting = -1
		s.mu.Unlock()
	}()
	began := time.Now()
	s.sampleRSS()
	s.kill(ctx, old)
	r, err := s.start(ctx, i, old.addr)
	if err != nil {
		fmt.Fprintf(s.stderr, "restart on %s failed, trying a new port: %v\n", old.addr, err)
		addr, aerr := freeAddr()
		if aerr != nil {
			return "", 0, aerr
		}
		if r, err = s.start(ctx, i, addr); err != nil {
			return "", 0, err
		}
	}
	s.mu.Lock()
	s.members[i] = r
	s.mu.Unlock()
	return webhookURL(r.addr), time.Since(began), nil
}

// beginMeasure reads every replica's work: the measured interval starts
// now. It scrapes them one after the other; they are idle before the load.
func (s *service) beginMeasure(ctx context.Context) error {
	s.mu.Lock()
	members := append([]*replica(nil), s.members...)
	s.mu.Unlock()
	for i, r := range members {
		w, err := r.work(ctx)
		if err != nil {
			return fmt.Errorf("replica %d: %w", i, err)
		}
		r.base = w
	}
	s.mu.Lock()
	s.measuring = true
	s.mu.Unlock()
	return nil
}

// endMeasure reads the live replicas' work and adds that of the replicas
// that ended during the interval. unmeasured counts replicas whose
// database counters could not be read (their CPU time is still in).
func (s *service) endMeasure(ctx context.Context) (total work, unmeasured int) {
	s.mu.Lock()
	members := append([]*replica(nil), s.members...)
	s.mu.Unlock()
	for _, r := range members {
		s.mu.Lock()
		retired := r.retired
		s.mu.Unlock()
		if retired {
			continue
		}
		w, err := r.work(ctx)
		if err == nil {
			total = total.plus(w.minus(r.base))
			continue
		}
		select {
		case <-r.exited:
			s.retire(r, work{}, err) // died on its own: its CPU time is still known
			continue
		default:
		}
		unmeasured++
		fmt.Fprintf(s.stderr, "frontdesk-load: a replica's database counters could not be read (%v): "+
			"statements and commits per message leave its work out\n", err)
		if t, err := readStat(r.cmd.Process.Pid); err == nil {
			total.cpu += ticks(t.self) - r.base.cpu
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return total.plus(s.gone), unmeasured + s.unmeasured
}

// work reads a live replica's counters and CPU time.
func (r *replica) work(ctx context.Context) (work, error) {
	w, err := scrapeWork(ctx, r.addr)
	if err != nil {
		return work{}, err
	}
	t, err := readStat(r.cmd.Process.Pid)
	if err != nil {
		return work{}, fmt.Errorf("CPU time: %w", err)
	}
	w.cpu = ticks(t.self)
	return w, nil
}

// retire adds the work of a replica that has ended (or is about to be
// killed, counted being its last scrape) to the interval's. Its CPU time is
// exact: the kernel hands it to the tool, its parent, when it is reaped.
func (s *service) retire(r *replica, counted work, scrapeErr error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.measuring {
		return
	}
	select {
	case <-r.exited:
	default:
		return // alive: endMeasure reads it
	}
	if r.retired {
		return
	}
	r.retired = true
	if scrapeErr != nil {
		s.unmeasured++
		fmt.Fprintf(s.stderr, "frontdesk-load: a replica's database counters are lost (%v): "+
			"statements and commits per message leave its work out\n", scrapeErr)
		counted = r.base // its counters' share counts as zero
	}
	counted.cpu = r.base.cpu // unknown: none counted
	if ps := r.cmd.ProcessState; ps != nil {
		counted.cpu = ps.UserTime() + ps.SystemTime()
	}
	s.gone = s.gone.plus(counted.minus(r.base))
}

// kill kills a replica with SIGKILL and keeps its work. Its counters die
// with it, so they are read just before; what it does between that scrape
// and the signal, milliseconds, is missed.
func (s *service) kill(ctx context.Context, r *replica) {
	s.mu.Lock()
	measuring := s.measuring
	s.mu.Unlock()
	var counted work
	var scrapeErr error
	if measuring {
		counted, scrapeErr = scrapeWork(ctx, r.addr)
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
	s.retire(r, counted, scrapeErr)
}

// checkAlive tells, once per replica, about one that died on its own, with
// its last logs: the run goes on against the others, or fails to be answered.
func (s *service) checkAlive() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.members {
		if i == s.restarting || s.reported[r] {
			continue
		}
		select {
		case <-r.exited:
			s.reported[r] = true
			fmt.Fprintf(s.stderr, "frontdesk-load: replica %d exited (%s); its last logs:\n%s\n", i, r.cmd.ProcessState, r.logs)
		default:
		}
	}
}

// sampleRSS folds the replicas' current peak resident set into rssKB. A
// killed replica's growth since the last sample is missed.
func (s *service) sampleRSS() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.members {
		if kb, err := peakRSS(r.cmd.Process.Pid); err == nil {
			s.rssKB = max(s.rssKB, kb)
		}
	}
}

func (s *service) rssMB() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return round(float64(s.rssKB) / 1024)
}

// peakRSS reads VmHWM, the process's peak resident set, in kB.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), "VmHWM:"); found {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("peak RSS: %w", err)
			}
			return kb, nil
		}
	}
	return 0, fmt.Errorf("peak RSS: no VmHWM in /proc/%d/status", pid)
}

// stopReplicas stops every replica; close still cleans up after.
func (s *service) stopReplicas() {
	s.mu.Lock()
	members := s.members
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.stop()
		}()
	}
	wg.Wait()
}

// close stops every replica, drops the database schema and removes the
// temporary directory.
func (s *service) close() {
	s.stopReplicas()
	if os.Getenv("FRONTDESK_LOAD_LOGS") != "" {
		for i, r := range s.members {
			fmt.Fprintf(s.stderr, "frontdesk-load: replica %d's last logs:\n%s\n", i, r.logs)
		}
	}
	s.dropDB()
	if err := os.RemoveAll(s.dir); err != nil {
		fmt.Fprintf(s.stderr, "frontdesk-load: %v\n", err)
	}
}

// stop asks the replica to shut down and kills it if it takes too long.
func (r *replica) stop() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(stopTimeout):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

// freeAddr finds a port that is free now; the replica binds it a moment
// later, which is good enough on a machine that is not starting other
// servers at the same instant.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// tail keeps the last 64 KiB a replica logged, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 64 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
