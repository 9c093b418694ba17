package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	for _, tt := range []struct {
		args    string
		wantErr string // "" for none
		check   func(options) bool
	}{
		{args: "", check: func(o options) bool {
			return o.mode == "pipeline" && o.rate == 0 && o.concurrency == 32 && o.db == "sqlite"
		}},
		{args: "--rate 2000 --mode ingest", check: func(o options) bool { return o.rate == 2000 && !o.pipeline() }},
		{args: "--db postgres://u:pw@h/db --replicas 3", check: func(o options) bool { return o.replicas == 3 }},
		{args: "--duration 10m --crash-at 3m --outage-at 6m --outage-for 30s"},
		{args: "--target http://127.0.0.1:8080/webhooks/telegram/shop --secret s --api-listen 127.0.0.1:9999"},
		{args: "--mode both", wantErr: "--mode"},
		{args: "--rate 0", wantErr: "--rate"},
		{args: "--rate fast", wantErr: "--rate"},
		{args: "--replicas 2", wantErr: "needs --db postgres"},
		{args: "--db mysql://u:pw@h/db", wantErr: "u:xxxxx@h"}, // the password never shows
		{args: "--duration 10s --crash-at 10s", wantErr: "--crash-at"},
		{args: "--outage-at 1s", wantErr: "--outage-for"},
		{args: "--secret s", wantErr: "--secret goes with --target"},
		{args: "--target ftp://x", wantErr: "--target"},
		{args: "--target http://x/ --replicas 2", wantErr: "--replicas and --target"},
		{args: "--target http://x/ --crash-at 1s", wantErr: "--crash-at and --target"},
		{args: "extra", wantErr: "unexpected argument"},
		{args: "--api-latency 20ms --replicas 3 --db postgres://h/db", check: func(o options) bool {
			return o.apiLatency == 20*time.Millisecond
		}},
		{args: "--api-latency -1ms", wantErr: "--api-latency"},
	} {
		t.Run(tt.args, func(t *testing.T) {
			o, err := parseOptions(strings.Fields(tt.args), io.Discard)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			case tt.check != nil && !tt.check(o):
				t.Fatalf("parsed as %+v", o)
			}
		})
	}
}
