package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(broken, []byte("rules:\n  - id: a\n    when: 'txt == \"x\"'\n    reply: hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A when in a | block is pointed at inside the block, and try refuses
	// the file as check does.
	block := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(block, []byte("rules:\n  - id: a\n    when: |\n      hour > 3 &&\n        txt == \"x\"\n    reply: hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"example config and rules", []string{"check", "--config", "../../configs/frontdesk.yaml"}, 0, "rules.yaml: ok", ""},
		{"rules file as argument", []string{"check", "../../configs/rules.yaml"}, 0, "rules.yaml: ok (", ""},
		{"broken rules", []string{"check", "--rules", broken}, 1, "", "rules.yaml:3:12: rule \"a\": when: unknown name txt, did you mean \"text\"?\n |     when: 'txt == \"x\"'\n |            ^"},
		{"broken when in a block", []string{"check", "--rules", block}, 1, "", "rules.yaml:5:9: rule \"a\": when: unknown name txt, did you mean \"text\"?\n |         txt == \"x\"\n |         ^"},
		{"try refuses broken rules", []string{"try", "--rules", block, "--text", "hi"}, 1, "", "rules.yaml:5:9: rule \"a\": when: unknown name txt"},
		{"cases above --min", []string{"check", "--config", "../../configs/frontdesk.yaml", "--cases", "../../configs/cases.tsv", "--min", "0.1"}, 0, "ok: accuracy is at least --min 0.1 (read as a fraction: 10.0%)", ""},
		{"cases below --min", []string{"check", "--config", "../../configs/frontdesk.yaml", "--cases", "../../configs/cases.tsv", "--min", "99%"}, 1, "FAIL: accuracy", ""},
		{"cases print figures and misses", []string{"check", "--config", "../../configs/frontdesk.yaml", "--cases", "../../configs/cases.tsv"}, 0, "zh-Hant", ""},
		{"full trace of misses", []string{"check", "--rules", "../../configs/rules.yaml", "--cases", "../../configs/cases.tsv", "--full-trace"}, 0, "- ack-closed: when is false", ""},
		{"min without cases", []string{"check", "--min", "80%"}, 2, "", "--min needs --cases"},
		{"handoff to a team the config lacks", []string{"check", "--config", "../../configs/frontdesk.yaml"}, 0, "2 warnings", `handoff to team "support", which the service config does not define`},
		{"missing config", []string{"check", "--config", "nope.yaml"}, 1, "", "nope.yaml"},
		{"unknown command", []string{"frobnicate"}, 2, "", "unknown command \"frobnicate\""},
		{"no command", nil, 2, "", "usage: frontdesk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TELEGRAM_TOKEN", "") // the example must check clean without secrets
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", &stdout, tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", &stderr, tt.wantErr)
			}
		})
	}
}
