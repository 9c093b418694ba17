package app

import (
	"testing"
	"time"
)

// TestScriptTimes: a try script's at: takes the lengths of time the rules
// file does, from the start or (with +) from the previous message.
func TestScriptTimes(t *testing.T) {
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	prev := start.Add(time.Hour)
	cases := []struct {
		at   string
		want time.Time
		bad  bool
	}{
		{"", prev, false},
		{"0s", start, false},
		{"2h", start.Add(2 * time.Hour), false},
		{"1d", start.Add(24 * time.Hour), false},
		{"+30s", prev.Add(30 * time.Second), false},
		{"+2 days", prev.Add(48 * time.Hour), false},
		{"+1 час", prev.Add(time.Hour), false},
		{"soon", time.Time{}, true},
		{"1 month", time.Time{}, true},
		{"-1h", time.Time{}, true},
	}
	for _, tc := range cases {
		got, err := scriptTime(tc.at, start, prev)
		if (err != nil) != tc.bad || !got.Equal(tc.want) {
			t.Errorf("scriptTime(%q) = %s, %v; want %s (error: %v)", tc.at, got, err, tc.want, tc.bad)
		}
	}
}
