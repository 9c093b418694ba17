package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The counters every replica exports on /metrics (internal/app's
// dbWorkMetrics).
const (
	metricStatements = "frontdesk_db_statements_total"
	metricCommits    = "frontdesk_db_commits_total"
	// metricWriterHeld is SQLite's: how long the one writer was held. A
	// binary older than it reads as 0, like PostgreSQL.
	metricWriterHeld = "frontdesk_db_writer_held_seconds_total"
	// metricWriterPart is SQLite's writer time by what it went to, one
	// series per part (label "part"); a binary older than it has none.
	metricWriterPart = "frontdesk_db_writer_part_seconds_total"
)

// writerPartNames are the parts of SQLite's writer time the service
// exports, in the order the report prints them. A part this tool does not
// know (a newer binary's) is left out.
var writerPartNames = [...]string{"accept", "apply", "claim_events", "sent", "claim_sends", "commit", "checkpoint", "other"}

// writerParts are seconds of SQLite's writer time, per writerPartNames.
type writerParts [len(writerPartNames)]float64

// work is what the service spent: its own count of database round trips and
// commits, the seconds it held SQLite's writer, and CPU time. It is read
// from one replica at one moment, or it is a difference or sum of such
// readings.
type work struct {
	statements, commits, writerHeld float64
	writerParts                     writerParts
	cpu                             time.Duration
}

func (w work) plus(o work) work {
	for i := range w.writerParts {
		w.writerParts[i] += o.writerParts[i]
	}
	return work{w.statements + o.statements, w.commits + o.commits, w.writerHeld + o.writerHeld, w.writerParts, w.cpu + o.cpu}
}

func (w work) minus(o work) work {
	for i := range w.writerParts {
		w.writerParts[i] -= o.writerParts[i]
	}
	return work{w.statements - o.statements, w.commits - o.commits, w.writerHeld - o.writerHeld, w.writerParts, w.cpu - o.cpu}
}

// scrapeTimeout bounds one read of /metrics; a replica busy with a backlog
// still answers it in milliseconds.
const scrapeTimeout = 5 * time.Second

var scrapeClient = &http.Client{Timeout: scrapeTimeout}

// scrapeWork reads the database counters from a replica's /metrics. The
// endpoint needs no token. Scraping is not free: /metrics also reports the
// outbox depth, one query, so the tool scrapes only at the ends of the run
// and before a crash, never on the progress tick.
func scrapeWork(ctx context.Context, addr string) (work, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return work{}, fmt.Errorf("metrics: %w", err)
	}
	resp, err := scrapeClient.Do(req)
	if err != nil {
		return work{}, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return work{}, fmt.Errorf("metrics: GET %s answered %s", req.URL, resp.Status)
	}
	return parseWork(io.LimitReader(resp.Body, 16<<20))
}

// parseWork picks the two counters out of Prometheus's text exposition
// format. Both must be there: a binary too old to export them would
// otherwise pass for one that does no database work at all.
func parseWork(r io.Reader) (work, error) {
	var w work
	found := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // label-heavy histogram lines can be long
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if labels, ok := strings.CutPrefix(line, metricWriterPart+"{"); ok {
			if err := w.writerParts.parse(labels); err != nil {
				return work{}, err
			}
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			// Labelled series: the counters have none, so a labelled
			// one of the same name is not ours. Its labels may hold
			// spaces, so it is not cut at the first one above.
			continue
		}
		if name != metricStatements && name != metricCommits && name != metricWriterHeld {
			continue
		}
		// "value" or "value timestamp".
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return work{}, fmt.Errorf("metrics: %s has no value", name)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return work{}, fmt.Errorf("metrics: %s: %w", name, err)
		}
		switch name {
		case metricStatements:
			w.statements = v
		case metricCommits:
			w.commits = v
		default:
			w.writerHeld = v
		}
		found[name] = true
	}
	if err := sc.Err(); err != nil {
		return work{}, fmt.Errorf("metrics: %w", err)
	}
	for _, name := range []string{metricStatements, metricCommits} {
		if !found[name] {
			return work{}, fmt.Errorf("metrics: no %s (is the binary older than the counters?)", name)
		}
	}
	return w, nil
}

// parse reads one series of metricWriterPart, from after its "{": its
// labels, then its value.
func (p *writerParts) parse(series string) error {
	labels, rest, ok := strings.Cut(series, "}")
	if !ok {
		return fmt.Errorf("metrics: %s{%s: no end to its labels", metricWriterPart, series)
	}
	part := ""
	for _, l := range strings.Split(labels, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), `part="`); ok {
			part = strings.TrimSuffix(v, `"`)
		}
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return fmt.Errorf("metrics: %s{%s} has no value", metricWriterPart, labels)
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return fmt.Errorf("metrics: %s{%s}: %w", metricWriterPart, labels, err)
	}
	for i, name := range writerPartNames {
		if name == part {
			p[i] = v
		}
	}
	return nil
}

// procTimes is a process's CPU time from /proc/PID/stat, in clock ticks:
// its own (utime+stime) and its waited-for children's (cutime+cstime).
type procTimes struct{ self, children int64 }

// parseStat reads utime, stime, cutime and cstime (fields 14 to 17, see
// proc(5)) from a /proc/PID/stat line. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses, so fields are
// counted from the last ")".
func parseStat(line string) (procTimes, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return procTimes{}, errors.New("stat: no command name")
	}
	f := strings.Fields(line[i+1:]) // f[0] is field 3, the state
	if len(f) < 15 {
		return procTimes{}, fmt.Errorf("stat: %d fields after the command name, want at least 15", len(f))
	}
	var t [4]int64
	for k := range t {
		v, err := strconv.ParseInt(f[11+k], 10, 64)
		if err != nil {
			return procTimes{}, fmt.Errorf("stat field %d: %w", 14+k, err)
		}
		t[k] = v
	}
	return procTimes{self: t[0] + t[1], children: t[2] + t[3]}, nil
}

func readStat(pid int) (procTimes, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procTimes{}, err
	}
	return parseStat(string(b))
}

// clockTick is how long one tick of /proc/PID/stat is. Go has no sysconf
// without cgo, but the kernel hands every process the same value,
// AT_CLKTCK, in its auxiliary vector; 100 Hz, the value on every Linux
// architecture Go runs on, is the fallback.
var clockTick = time.Second / time.Duration(clockTicksPerSec())

func clockTicksPerSec() int64 {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	if hz := auxvClockTicks(b, strconv.IntSize/8, binary.NativeEndian); hz > 0 {
		return hz
	}
	return 100
}

// atClkTck is the auxiliary vector's key for the clock tick rate (elf.h).
const atClkTck = 17

// auxvClockTicks finds AT_CLKTCK in an auxiliary vector of (key, value)
// words, or returns 0.
func auxvClockTicks(b []byte, word int, order binary.ByteOrder) int64 {
	read := func(p []byte) uint64 {
		if word == 4 {
			return uint64(order.Uint32(p))
		}
		return order.Uint64(p)
	}
	for i := 0; i+2*word <= len(b); i += 2 * word {
		key, val := read(b[i:]), read(b[i+word:])
		if key == 0 { // AT_NULL ends the vector
			break
		}
		if key == atClkTck {
			return int64(val)
		}
	}
	return 0
}

func ticks(n int64) time.Duration { return time.Duration(n) * clockTick }

// postgresCPU sums the CPU time of every process named postgres on this
// machine: the server and its backends, whatever database or user they
// serve. A backend that exits (a crashed replica's connections, a pool
// closing one) is reaped by the postmaster, and the kernel adds its time to
// the postmaster's children's time; counting that too keeps its work from
// vanishing between two readings. found is false when there is none to see
// (PostgreSQL on another machine or in another PID namespace).
func postgresCPU() (cpu time.Duration, found bool) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	var total int64
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", d.Name(), "comm"))
		if err != nil || string(bytes.TrimSpace(comm)) != "postgres" {
			continue // gone meanwhile, or not PostgreSQL
		}
		t, err := readStat(pid)
		if err != nil {
			continue
		}
		found = true
		total += t.self + t.children
	}
	return ticks(total), found
}

// pgStats reads PostgreSQL's own count of committed transactions in the
// database the replicas use. Each reading opens a connection and closes it,
// so the few transactions of the tool's own are flushed to the statistics
// when its backend exits, like everyone else's.
type pgStats struct {
	db  *sql.DB
	app string // application_name of this run's replicas and of the tool
}

// openPGStats connects as the user of --db, naming itself after the run.
func openPGStats(dsn, app string) (*pgStats, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	q := u.Query()
	q.Set("application_name", app+"-stats")
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	db.SetMaxIdleConns(0)
	return &pgStats{db: db, app: app}, nil
}

func (p *pgStats) Close() error { return p.db.Close() }

// pgReading is one reading of PostgreSQL's counters.
type pgReading struct {
	// commits is xact_commit of the current database: every transaction
	// committed, read-only ones included, and so every statement a client
	// sends outside BEGIN … COMMIT.
	commits int64
	// nextXID is the next transaction id to be handed out. PostgreSQL gives
	// one only to a transaction that writes, so its growth counts the
	// write transactions, in every database of the server.
	nextXID int64
	// others counts client sessions on the database that are not this
	// run's: their transactions count too.
	others int
}

func (p *pgStats) read(ctx context.Context) (pgReading, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var r pgReading
	// pg_current_snapshot's xmax reads the next id without taking one, as
	// txid_current() would.
	err := p.db.QueryRowContext(ctx, `SELECT
			(SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
			pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
			(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
				AND backend_type = 'client backend' AND application_name NOT LIKE $1 || '%')`,
		p.app).Scan(&r.commits, &r.nextXID, &r.others)
	if err != nil {
		return pgReading{}, fmt.Errorf("pg_stat_database: %w", err)
	}
	return r, nil
}

// waitGone waits until no backend of this run's replicas is left, so that
// their statistics are flushed: a backend reports its counts at most once a
// second while busy and can keep up to ten seconds of them pending while
// idle, but always at exit.
func (p *pgStats) waitGone(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var n int
		err := p.db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1`, p.app).Scan(&n)
		if err != nil {
			return fmt.Errorf("pg_stat_activity: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d backends of the replicas still there after %s", n, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// meter measures what the run costs the service, from just before the
// load to the end of the drain.
type meter struct {
	svc    *service
	pg     *pgStats // nil on SQLite
	stderr io.Writer

	pg0    pgReading
	pgCPU0 time.Duration
	pgSeen bool      // processes named postgres were found at the start
	start  time.Time // of the measured interval
}

// cost is what meter.finish found. Nil fields were not measured.
type cost struct {
	statements, commits *float64      // the replicas' own counts
	writerHeld          float64       // seconds SQLite's writer was held
	writerParts         writerParts   // the same, by what it went to
	wall                time.Duration // the measured interval
	pgCommits           *int64        // pg_stat_database.xact_commit
	pgXIDs              *int64        // transaction ids handed out: write transactions
	cpu                 time.Duration // replicas, plus PostgreSQL when pgCPU is set
	pgCPU               *time.Duration
}

// startMeter reads everything at the start of the measured interval.
func startMeter(ctx context.Context, o options, svc *service, stderr io.Writer) (*meter, error) {
	m := &meter{svc: svc, stderr: stderr}
	if svc.app != "" {
		p, err := openPGStats(o.db, svc.app)
		if err != nil {
			return nil, err
		}
		m.pg = p
		m.pgCPU0, m.pgSeen = postgresCPU()
		if !m.pgSeen {
			fmt.Fprintln(stderr, "warning: no process named postgres on this machine: cpu_ms_per_reply counts the replicas only")
		}
		r, err := p.read(ctx)
		if err != nil {
			p.Close()
			return nil, err
		}
		m.pg0 = r
		m.warnOthers(r.others)
	}
	if err := svc.beginMeasure(ctx); err != nil {
		m.close()
		return nil, err
	}
	m.start = time.Now()
	return m, nil
}

func (m *meter) warnOthers(n int) {
	if n > 0 {
		fmt.Fprintf(m.stderr, "warning: %d other client session(s) on this database: their transactions "+
			"count in pg_commits_per_message and their CPU time in cpu_ms_per_reply\n", n)
	}
}

// close may be called more than once.
func (m *meter) close() {
	if m.pg != nil {
		m.pg.Close()
		m.pg = nil
	}
}

// finish reads everything at the end of the drain. On PostgreSQL it then
// stops the replicas: their backends flush their pending statistics only
// when they exit, and xact_commit read before that would miss up to the
// last ten seconds of their commits.
func (m *meter) finish(ctx context.Context) cost {
	defer m.close()
	total, unmeasured := m.svc.endMeasure(ctx)
	c := cost{wall: time.Since(m.start)}
	if unmeasured == 0 {
		c.statements, c.commits, c.writerHeld, c.writerParts = &total.statements, &total.commits, total.writerHeld, total.writerParts
	}
	c.cpu = total.cpu
	if m.pg == nil {
		return c
	}
	if pgCPU, found := postgresCPU(); found && m.pgSeen {
		d := pgCPU - m.pgCPU0
		c.pgCPU = &d
		c.cpu += d
	}
	m.svc.stopReplicas()
	if err := m.pg.waitGone(ctx, 15*time.Second); err != nil {
		fmt.Fprintf(m.stderr, "warning: %v: pg_commits_per_message may miss their last commits\n", err)
	}
	r, err := m.pg.read(ctx)
	if err != nil {
		fmt.Fprintf(m.stderr, "frontdesk-load: %v\n", err)
		return c
	}
	m.warnOthers(r.others)
	commits, xids := r.commits-m.pg0.commits, r.nextXID-m.pg0.nextXID
	c.pgCommits, c.pgXIDs = &commits, &xids
	return c
}
