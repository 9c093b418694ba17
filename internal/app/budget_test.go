package app

import (
	"strings"
	"testing"
)

// A rule whose `when` runs away on a message is skipped for it, counted and
// logged once; the next rule still answers, and the worker is not stuck.
func TestRuleOverBudgetIsSkippedCountedAndLogged(t *testing.T) {
	const hostile = `rules:
  - id: hostile
    when: 'any(split(repeat(text, 20000), ""), any(split(text, ""), # == "§"))'
    reply: "never"
  - id: hello
    reply: "hello to you"
`
	h := startLive(t, rulesWriters[0], hostile, nil)
	for i := 1; i <= 2; i++ {
		if got := h.ask(); got != "hello to you" {
			t.Fatalf("message %d answered %q", i, got)
		}
	}
	h.waitMetrics(`frontdesk_rules_over_budget_total{rule="hostile"} 2`)
	if n := strings.Count(h.logs.String(), "rule skipped: its when ran out of its budget"); n != 2 {
		t.Errorf("%d log lines, want one per message:\n%s", n, h.logs.String())
	}
}
