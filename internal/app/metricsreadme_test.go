package app

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestEveryMetricIsInTheREADME: every metric the service exports, once it
// has answered a message, has a row in the README's metrics table, so an
// operator who sees one on /metrics can look it up.
func TestEveryMetricIsInTheREADME(t *testing.T) {
	described := readmeMetrics(t)
	h := newHarness(t)
	h.retryUntilAccepted(update(1, 100, "en", "where is my order"))
	answeredOnce(t, h.fake, 100)
	families, err := h.app.Metrics().Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range families {
		name := f.GetName()
		if !strings.HasPrefix(name, "frontdesk_") {
			continue // the Go runtime's and the process's, described by client_golang
		}
		seen++
		if !described[name] {
			t.Errorf("%s (%s) has no row in the README's metrics table", name, f.GetHelp())
		}
	}
	if seen < 10 {
		t.Errorf("only %d frontdesk metrics exported", seen)
	}
}

// readmeMetrics reads the names in the first cells of the README's metrics
// table: rows whose first cell names metrics in backquotes, labels and all.
func readmeMetrics(t *testing.T) map[string]bool {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile("`(frontdesk_[a-z0-9_]+)")
	names := map[string]bool{}
	for _, line := range strings.Split(string(readme), "\n") {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) < 3 || cells[0] != "" || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`frontdesk_") {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			names[m[1]] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("no metrics table in the README")
	}
	return names
}
