package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// exposition is /metrics as internal/app serves it, trimmed: other
// families around the two counters, one of them labelled with a value that
// holds a space.
const exposition = `# HELP frontdesk_outbox_pending Messages waiting to be sent.
# TYPE frontdesk_outbox_pending gauge
frontdesk_outbox_pending 3
# HELP frontdesk_db_commits_total Write transactions committed by this replica.
# TYPE frontdesk_db_commits_total counter
frontdesk_db_commits_total 4521
# HELP frontdesk_db_statements_total Round trips to the database by this replica: each statement, multi-row statement, BEGIN, COMMIT and ROLLBACK counts once.
# TYPE frontdesk_db_statements_total counter
frontdesk_db_statements_total 1.234567e+06
# HELP frontdesk_db_writer_held_seconds_total SQLite: time the one writer was held by this replica's transactions (0 on PostgreSQL).
# TYPE frontdesk_db_writer_held_seconds_total counter
frontdesk_db_writer_held_seconds_total 12.5
# HELP frontdesk_db_writer_part_seconds_total SQLite: time the one writer was held, by what it did.
# TYPE frontdesk_db_writer_part_seconds_total counter
frontdesk_db_writer_part_seconds_total{part="accept"} 2.5
frontdesk_db_writer_part_seconds_total{part="apply"} 6
frontdesk_db_writer_part_seconds_total{part="commit"} 3
frontdesk_db_writer_part_seconds_total{part="other"} 1
frontdesk_db_writer_part_seconds_total{part="a part of tomorrow"} 9
frontdesk_decisions_total{outcome="replied",rule="a rule"} 17
`

func TestParseWork(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       work
		wantErr    string
	}{
		{name: "served", text: exposition, want: work{statements: 1234567, commits: 4521, writerHeld: 12.5,
			writerParts: writerParts{2.5, 6, 0, 0, 0, 3, 0, 1}}},
		{name: "a part with no value", text: "frontdesk_db_statements_total 1\nfrontdesk_db_commits_total 1\n" +
			"frontdesk_db_writer_part_seconds_total{part=\"apply\"}\n", wantErr: "has no value"},
		{name: "a part's labels unended", text: "frontdesk_db_statements_total 1\nfrontdesk_db_commits_total 1\n" +
			"frontdesk_db_writer_part_seconds_total{part=\"apply\" 3\n", wantErr: "no end to its labels"},
		{name: "no writer time (an older binary)", text: "frontdesk_db_statements_total 12\nfrontdesk_db_commits_total 3\n",
			want: work{statements: 12, commits: 3}},
		{name: "timestamps", text: "frontdesk_db_statements_total 12 1700000000000\nfrontdesk_db_commits_total 3 1700000000000\n",
			want: work{statements: 12, commits: 3}},
		{name: "labelled namesake ignored",
			text: "frontdesk_db_statements_total{x=\"y\"} 99\nfrontdesk_db_statements_total 5\nfrontdesk_db_commits_total 0\n",
			want: work{statements: 5}},
		{name: "older binary", text: "frontdesk_outbox_pending 3\n", wantErr: "no frontdesk_db_statements_total"},
		{name: "commits missing", text: "frontdesk_db_statements_total 5\n", wantErr: "no frontdesk_db_commits_total"},
		{name: "no value", text: "frontdesk_db_statements_total\nfrontdesk_db_commits_total 1\n", wantErr: "has no value"},
		{name: "bad value", text: "frontdesk_db_statements_total many\nfrontdesk_db_commits_total 1\n", wantErr: "statements_total"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWork(strings.NewReader(tt.text))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			case got != tt.want:
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// fakeReplica is a process standing in for a replica (sleep, so that it
// has a PID, CPU times in /proc and can be killed) with a fake /metrics.
type fakeReplica struct {
	r                   *replica
	srv                 *httptest.Server
	statements, commits atomic.Int64
}

func startFakeReplica(t *testing.T) *fakeReplica {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	f := &fakeReplica{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "# TYPE frontdesk_db_statements_total counter\nfrontdesk_db_statements_total %d\n", f.statements.Load())
		fmt.Fprintf(w, "# TYPE frontdesk_db_commits_total counter\nfrontdesk_db_commits_total %d\n", f.commits.Load())
	}))
	t.Cleanup(f.srv.Close)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.r = &replica{cmd: cmd, addr: strings.TrimPrefix(f.srv.URL, "http://"), logs: &tail{}, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(f.r.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-f.r.exited
	})
	return f
}

func (f *fakeReplica) set(statements, commits int64) {
	f.statements.Store(statements)
	f.commits.Store(commits)
}

// TestMeasureSumsReplicas: the run's work is the sum over replicas of
// their counters' growth, a replica killed during the run counts up to its
// last scrape, and its replacement counts from zero.
func TestMeasureSumsReplicas(t *testing.T) {
	a, b := startFakeReplica(t), startFakeReplica(t)
	a.set(100, 10)
	b.set(1000, 100)
	s := &service{stderr: io.Discard, members: []*replica{a.r, b.r}, restarting: -1, reported: map[*replica]bool{}}
	ctx := context.Background()
	if err := s.beginMeasure(ctx); err != nil {
		t.Fatal(err)
	}
	a.set(150, 12)
	s.kill(ctx, a.r) // as a soak's crash: scraped, then SIGKILLed
	if ps := a.r.cmd.ProcessState; ps == nil || ps.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("replica not killed: %v", ps)
	}
	a.set(1_000_000, 1_000_000) // a dead replica's server is never read again
	c := startFakeReplica(t)    // the restarted replica, started during the run
	c.set(7, 1)
	s.members[0] = c.r
	b.set(1500, 140)

	got, unmeasured := s.endMeasure(ctx)
	if unmeasured != 0 {
		t.Errorf("%d unmeasured, want 0", unmeasured)
	}
	if want := (work{statements: 50 + 500 + 7, commits: 2 + 40 + 1}); got.statements != want.statements || got.commits != want.commits {
		t.Errorf("summed %+v, want %+v", got, want)
	}
	if got.cpu < 0 || got.cpu > time.Second {
		t.Errorf("CPU time %s: three sleeping processes spend next to none", got.cpu)
	}
}

// TestMeasureLostCounters: a replica whose counters cannot be read before
// it dies makes the per-message figures unknown, not smaller.
func TestMeasureLostCounters(t *testing.T) {
	a := startFakeReplica(t)
	s := &service{stderr: io.Discard, members: []*replica{a.r}, restarting: -1, reported: map[*replica]bool{}}
	ctx := context.Background()
	if err := s.beginMeasure(ctx); err != nil {
		t.Fatal(err)
	}
	a.srv.Close()
	s.kill(ctx, a.r)
	if _, unmeasured := s.endMeasure(ctx); unmeasured != 1 {
		t.Errorf("%d unmeasured, want 1", unmeasured)
	}
}

func TestParseStat(t *testing.T) {
	// A postgres backend's line (proc(5)): utime 1234, stime 56, cutime 7,
	// cstime 8; the command name holds a space and a parenthesis.
	const line = "4242 (postgres: a) b) S 2222 2222 2222 0 -1 4194624 1711 0 0 0 1234 56 7 8 20 0 1 0 3349 222543872 7671 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	got, err := parseStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if want := (procTimes{self: 1290, children: 15}); got != want {
		t.Errorf("parsed %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "4242 postgres S 1", "4242 (postgres) S 1 2 3", "4242 (x) S 1 2 3 4 5 6 7 8 9 10 x 12 13 14"} {
		if _, err := parseStat(bad); err == nil {
			t.Errorf("parseStat(%q) succeeded", bad)
		}
	}
}

func TestAuxvClockTicks(t *testing.T) {
	vector := func(word int, pairs ...uint64) []byte {
		b := make([]byte, 0, len(pairs)*word)
		for _, v := range pairs {
			if word == 4 {
				b = binary.LittleEndian.AppendUint32(b, uint32(v))
			} else {
				b = binary.LittleEndian.AppendUint64(b, v)
			}
		}
		return b
	}
	for _, tt := range []struct {
		name string
		b    []byte
		word int
		want int64
	}{
		{"64-bit", vector(8, 6, 4096, 17, 250, 0, 0), 8, 250},
		{"32-bit", vector(4, 6, 4096, 17, 100, 0, 0), 4, 100},
		{"absent", vector(8, 6, 4096, 0, 0, 17, 100), 8, 0}, // after AT_NULL does not count
		{"truncated", vector(8, 6, 4096, 17)[:20], 8, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := auxvClockTicks(tt.b, tt.word, binary.LittleEndian); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestReadStatAgreesWithRusage: the tick conversion is right if this
// process's CPU time read from /proc matches what the kernel reports
// through getrusage, to a few ticks.
func TestReadStatAgreesWithRusage(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	rusage := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	stat := func() time.Duration {
		pt, err := readStat(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		return ticks(pt.self)
	}
	r0, s0 := rusage(), stat()
	for x := 0; rusage()-r0 < 300*time.Millisecond; x++ { // spin
		_ = fmt.Sprint(x)
	}
	r1, s1 := rusage(), stat()
	if diff := (s1 - s0) - (r1 - r0); diff < -50*time.Millisecond || diff > 50*time.Millisecond {
		t.Errorf("/proc says %s of CPU, getrusage %s (tick %s)", s1-s0, r1-r0, clockTick)
	}
}

func TestFillCost(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	d := func(x time.Duration) *time.Duration { return &x }
	i := func(x int64) *int64 { return &x }
	r := &report{Messages: 800, Sent: 400}
	r.fillCost(cost{statements: f(2400), commits: f(100), pgCommits: i(120), pgXIDs: i(96),
		cpu: 1200 * time.Millisecond, pgCPU: d(400 * time.Millisecond), writerHeld: 7.5, wall: 10 * time.Second,
		writerParts: writerParts{1, 4, 0.5, 0, 0, 1.5, 0.2, 0.3}})
	for name, tt := range map[string]struct {
		got  *float64
		want float64
	}{
		"statements_per_message": {r.StatementsPerMessage, 3},
		"commits_per_message":    {r.CommitsPerMessage, 0.125},
		"pg_commits_per_message": {r.PGCommitsPerMessage, 0.15},
		"pg_xids_per_message":    {r.PGXIDsPerMessage, 0.12},
		"cpu_ms_per_reply":       {r.CPUMSPerReply, 3},
		"pg_cpu_ms_per_reply":    {r.PGCPUMSPerReply, 1},
		"writer_busy":            {r.WriterBusy, 0.75},
	} {
		if tt.got == nil || *tt.got != tt.want {
			t.Errorf("%s = %v, want %v", name, opt3(tt.got), tt.want)
		}
	}
	wantParts := map[string]float64{"accept": 0.1, "apply": 0.4, "claim_events": 0.05, "commit": 0.15, "checkpoint": 0.02, "other": 0.03}
	if !maps.Equal(r.WriterParts, wantParts) {
		t.Errorf("writer_parts %v, want %v (a part that took nothing left out)", r.WriterParts, wantParts)
	}
	// Nothing to divide by, or counters lost: unknown, not zero.
	r = &report{}
	r.fillCost(cost{cpu: time.Second})
	if r.StatementsPerMessage != nil || r.CPUMSPerReply != nil || r.PGCommitsPerMessage != nil || r.WriterBusy != nil || r.WriterParts != nil {
		t.Errorf("figures without a denominator or counters: %+v", r)
	}
}
