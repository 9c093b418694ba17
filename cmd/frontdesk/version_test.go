package main

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.1",
		Main:      debug.Module{Path: "github.com/frontdesk-bot/frontdesk", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name              string
		bi                *debug.BuildInfo
		ldVersion, commit string
		want              string
	}{
		{"stamped by the toolchain", stamped, "", "",
			"frontdesk v1.4.0 (commit 0123456789abcdef0123456789abcdef01234567, 2026-12-01T10:00:00Z, modified) go1.26.1"},
		{"stamped by -ldflags (the Dockerfile)", stamped, "v1.5.0", "fedcba9876543210",
			"frontdesk v1.5.0 (commit fedcba9876543210) go1.26.1"},
		{"no VCS information", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"}}, "", "",
			"frontdesk (devel) (commit unknown) go1.26.1"},
		{"no build info at all", nil, "", "", "frontdesk unknown (commit unknown) unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.bi, tt.ldVersion, tt.commit); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestVersionOfABuiltBinary builds the command as the Dockerfile does,
// with the version and commit given by -ldflags (its build context has no
// .git for the toolchain to read), and runs `frontdesk version`.
func TestVersionOfABuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the test builds the binary")
	}
	const ver, commit = "v9.9.9-test", "0123456789abcdef0123456789abcdef01234567"
	bin := filepath.Join(t.TempDir(), "frontdesk")
	build := exec.Command("go", "build", "-trimpath", "-o", bin,
		"-ldflags", "-X main.buildVersion="+ver+" -X main.buildCommit="+commit, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("frontdesk version: %v\n%s", err, out)
	}
	if want := "frontdesk " + ver + " (commit " + commit + ") go"; !strings.HasPrefix(string(out), want) {
		t.Errorf("frontdesk version printed %q, want it to begin %q", out, want)
	}
}
