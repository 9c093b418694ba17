package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// promisedKeys are the JSON keys users may rely on (with --floor).
var promisedKeys = []string{
	"mode", "rate", "duration_s", "db", "replicas", "accepted", "accepted_per_sec",
	"webhook_p50_ms", "webhook_p90_ms", "webhook_p99_ms", "webhook_max_ms",
	"sent", "sent_per_sec", "send_p50_ms", "send_p90_ms", "send_p99_ms", "send_max_ms",
	"duplicates", "lost", "unexpected", "errors", "rss_mb", "floor_per_sec", "ingest_ratio",
	"messages", "statements_per_message", "commits_per_message", "cpu_ms_per_reply",
}

// TestRunPipelineSQLite runs the whole tool in this process: the real
// binary on SQLite, 2 s at 200 updates/s, with the floor run first.
func TestRunPipelineSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the end-to-end run builds frontdesk and takes about 10 s")
	}
	bin := filepath.Join(t.TempDir(), "frontdesk")
	if out, err := exec.Command("go", "build", "-o", bin, "../frontdesk").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	o, err := parseOptions([]string{
		"--mode", "pipeline", "--rate", "200", "--duration", "2s", "--drain", "20s", "--floor", "--json", "--bin", bin,
	}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := run(ctx, o, &stdout, &stderr)
	t.Logf("stderr:\n%s", &stderr)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &keys); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, &stdout)
	}
	for _, k := range promisedKeys {
		if _, found := keys[k]; !found {
			t.Errorf("JSON has no %q", k)
		}
	}
	switch {
	case rep.Lost == nil || *rep.Lost != 0, rep.Duplicates != 0, rep.Unexpected != 0, rep.Errors != 0:
		t.Errorf("lost %v, duplicates %d, unexpected %d, errors %d: want none", keys["lost"], rep.Duplicates, rep.Unexpected, rep.Errors)
	case rep.Accepted == 0, rep.Sent == 0, rep.TeamNotices == 0, rep.SendP99 == nil, rep.RSSMB == 0:
		t.Errorf("nothing measured:\n%s", &stdout)
	case *rep.FloorPerSec <= 0:
		t.Errorf("floor_per_sec %v", *rep.FloorPerSec)
	case rep.StatementsPerMessage == nil || *rep.StatementsPerMessage < 1, rep.CommitsPerMessage == nil || *rep.CommitsPerMessage <= 0,
		rep.CPUMSPerReply == nil || *rep.CPUMSPerReply <= 0:
		// Every message costs at least its insert; CPU time is never
		// zero over 2 s of work.
		t.Errorf("statements %v, commits %v per message, CPU %v ms per reply", keys["statements_per_message"],
			keys["commits_per_message"], keys["cpu_ms_per_reply"])
	case rep.Messages > int(rep.Accepted) || rep.Messages < int(rep.Accepted)*8/10:
		// About a tenth of the updates are posted again, and not messages.
		t.Errorf("messages %d of %d updates accepted", rep.Messages, rep.Accepted)
	case rep.WriterBusy == nil || *rep.WriterBusy <= 0 || *rep.WriterBusy > 1:
		// One writer, held some of the time, never more than all of it.
		t.Errorf("writer_busy %v, want a share in (0, 1]", keys["writer_busy"])
	}
	// The writer's time by part: every message was accepted, applied and
	// sent, each under its own part, and the parts add up to the whole
	// (each is rounded to three decimals).
	sum := 0.0
	for _, part := range []string{"accept", "apply", "sent", "commit"} {
		if rep.WriterParts[part] <= 0 {
			t.Errorf("writer_parts %v: no %s", rep.WriterParts, part)
		}
	}
	for _, share := range rep.WriterParts {
		sum += share
	}
	if rep.WriterBusy != nil && math.Abs(sum-*rep.WriterBusy) > 0.001*float64(len(rep.WriterParts))+0.001 {
		t.Errorf("writer_parts %v add up to %.3f, writer_busy %v", rep.WriterParts, sum, *rep.WriterBusy)
	}
	// The workload posts about 400 updates, 80 % of them messages to answer.
	if rep.Accepted < 300 || rep.Sent < 200 {
		t.Errorf("accepted %d, sent %d: fewer than 2 s at 200/s should give", rep.Accepted, rep.Sent)
	}
}

// TestRunPipelinePostgres runs two replicas on PostgreSQL with a slow Bot
// API and checks the figures only PostgreSQL has.
func TestRunPipelinePostgres(t *testing.T) {
	dsn := os.Getenv(storetest.EnvPostgres)
	switch {
	case testing.Short():
		t.Skip("-short: the end-to-end run builds frontdesk and takes about 10 s")
	case dsn == "":
		t.Skip(storetest.EnvPostgres + " is not set")
	}
	bin := filepath.Join(t.TempDir(), "frontdesk")
	if out, err := exec.Command("go", "build", "-o", bin, "../frontdesk").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	o, err := parseOptions([]string{"--db", dsn, "--replicas", "2", "--api-latency", "5ms",
		"--mode", "pipeline", "--rate", "200", "--duration", "2s", "--drain", "30s", "--json", "--bin", bin,
	}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := run(ctx, o, &stdout, &stderr)
	t.Logf("stderr:\n%s\nstdout:\n%s", &stderr, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	positive := func(x *float64) bool { return x != nil && *x > 0 }
	switch {
	case rep.Lost == nil || *rep.Lost != 0, rep.Duplicates != 0, rep.Unexpected != 0:
		t.Errorf("lost %v, duplicates %d, unexpected %d: want none", rep.Lost, rep.Duplicates, rep.Unexpected)
	case !positive(rep.CommitsPerMessage), !positive(rep.PGCommitsPerMessage), !positive(rep.PGXIDsPerMessage),
		!positive(rep.PGCPUMSPerReply), !positive(rep.CPUMSPerReply):
		t.Errorf("a cost figure is missing")
	case *rep.PGCommitsPerMessage < *rep.CommitsPerMessage*0.9:
		// PostgreSQL counts every commit the store counts, and its reads.
		t.Errorf("PostgreSQL counts %v commits per message, the store %v", *rep.PGCommitsPerMessage, *rep.CommitsPerMessage)
	case *rep.CPUMSPerReply <= *rep.PGCPUMSPerReply:
		t.Errorf("CPU per reply %v is not more than PostgreSQL's share %v", *rep.CPUMSPerReply, *rep.PGCPUMSPerReply)
	case rep.WriterBusy != nil:
		t.Errorf("writer_busy %v on PostgreSQL, which has no one writer", *rep.WriterBusy)
	case rep.APILatencyMS != 5:
		t.Errorf("api_latency_ms %v", rep.APILatencyMS)
	}
}
