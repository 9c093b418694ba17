package rules

import (
	"reflect"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestSummaries: the sandbox's rule picker gets every rule in file order,
// what it does, and a test's text to try it with, never one pinned to a
// moment (at:, an incident), which may not hold when someone tries it.
func TestSummaries(t *testing.T) {
	const file = `
rules:
  - id: hours
    keywords: [open]
    reply: "9 to 6"
    tag: [info]
  - id: refund
    keywords: [refund, 退款]
    handoff: {reply: "A person will help"}
  - id: spam
    keywords: [casino]
    ignore: true
  - id: untested
    keywords: [zebra]
    reply: "Stripes"
  - id: outage
    keywords: [down]
    when: '"outage" in incidents'
    reply: "We know"
tests:
  - text: are you open on sunday
    at: "2026-01-11T10:00:00+08:00"
    hits: [hours]
  - text: are you open
    hits: [hours]
  - text: 我要退款
    lang: zh
    hits: [refund]
  - text: is the site down
    incidents: [outage]
    hits: [outage]
  - text: zebra again
    conversation_new: false
    hits: [untested]
  - text: casino bonus
    hits: [spam]
    misses: [hours]
`
	r, err := Parse("t.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []RuleSummary{
		{ID: "hours", Actions: []chat.ActionType{chat.ActionReply, chat.ActionTag}, Try: "are you open"},
		{ID: "refund", Actions: []chat.ActionType{chat.ActionHandoff}, Try: "我要退款", Lang: "zh"},
		{ID: "spam", Actions: []chat.ActionType{chat.ActionIgnore}, Try: "casino bonus"},
		{ID: "untested", Actions: []chat.ActionType{chat.ActionReply}},
		{ID: "outage", Actions: []chat.ActionType{chat.ActionReply}},
	}
	if got := r.Summaries(); !reflect.DeepEqual(got, want) {
		t.Errorf("Summaries() =\n%+v\nwant\n%+v", got, want)
	}

	shipped, err := Load("../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shipped.Summaries() {
		if len(s.Actions) == 0 {
			t.Errorf("shipped rule %s: no actions listed", s.ID)
		}
	}
}
