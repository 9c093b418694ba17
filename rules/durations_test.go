package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestCooldownLengths: a cooldown is written as people write lengths of
// time, and one that is none is refused at its value with the reason.
func TestCooldownLengths(t *testing.T) {
	cases := []struct {
		value string
		want  time.Duration // -1: off
		err   string
	}{
		{"90m", 90 * time.Minute, ""},
		{"1d", 24 * time.Hour, ""},
		{"2 days", 48 * time.Hour, ""},
		{"1 hour 30 minutes", 90 * time.Minute, ""},
		{`"12 часов"`, 12 * time.Hour, ""},
		{"2小时", 2 * time.Hour, ""},
		{"1w", 7 * 24 * time.Hour, ""},
		{"0", -1, ""},
		{"0s", -1, ""},
		{"1 month", 0, `5:15: rule "a": cooldown "1 month" is not a length of time like 30m, 2h or 1d (0 turns it off): months vary in length`},
		{"-1h", 0, `5:15: rule "a": cooldown "-1h" is not a length of time like 30m, 2h or 1d (0 turns it off): it is negative`},
		{"soon", 0, `5:15: rule "a": cooldown "soon" is not a length of time`},
		{"30", 0, `5:15: rule "a": cooldown "30" is not a length of time like 30m, 2h or 1d (0 turns it off): 30 needs a unit`},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			src := fmt.Sprintf("rules:\n  - id: a\n    keywords: [refund]\n    reply: x\n    cooldown: %s\n", tc.value)
			r, err := Parse("t.yaml", []byte(src))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := r.Decide(chat.Event{Kind: chat.KindText, Text: "refund"}, chat.State{}, time.Now())
			if len(d.Actions) != 1 || d.Actions[0].Cooldown != tc.want {
				t.Fatalf("actions %+v, want one with cooldown %s", d.Actions, tc.want)
			}
		})
	}
}

// TestWhenDurations: duration() in a when takes the same lengths as a
// cooldown, and a text that is none is refused at load, where expr's own
// duration() failed at every message while check said the file was fine.
func TestWhenDurations(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		length  string
		age     time.Duration
		matches bool
	}{
		{"1d", 25 * time.Hour, true},
		{"1d", 23 * time.Hour, false},
		{"2 hours", 3 * time.Hour, true},
		{"2 hours", time.Hour, false},
		{"30m", 31 * time.Minute, true},
		{"1 неделя", 6 * 24 * time.Hour, false},
		{"3天", 4 * 24 * time.Hour, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s", tc.length, tc.age), func(t *testing.T) {
			src := fmt.Sprintf("rules:\n  - id: old\n    when: conversation.age > duration(%q)\n    reply: welcome back\n", tc.length)
			r, err := Parse("t.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			st := chat.State{Conversation: chat.Conversation{Started: now.Add(-tc.age)}}
			d := r.Decide(chat.Event{Kind: chat.KindText, Text: "hi"}, st, now)
			if got := len(d.Actions) == 1; got != tc.matches {
				t.Fatalf("matched %v, want %v (trace %+v)", got, tc.matches, d.Trace)
			}
		})
	}

	refused := []struct{ when, err string }{
		{`conversation.age > duration("1 month")`, `3:39: rule "old": when: duration("1 month") is not a length of time like 30m, 2h or 1d: months vary in length`},
		{`conversation.age > duration("soon") || conversation.age < duration("1d")`, `3:39: rule "old": when: duration("soon") is not a length of time`},
		{`conversation.age < duration("1d") && conversation.age > duration("5 fortnights")`, `3:76: rule "old": when: duration("5 fortnights") is not a length of time like 30m, 2h or 1d: unknown unit "fortnights"`},
	}
	for _, tc := range refused {
		src := fmt.Sprintf("rules:\n  - id: old\n    when: %s\n    reply: welcome back\n", tc.when)
		if _, err := Parse("t.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.when, err, tc.err)
		}
	}
}
