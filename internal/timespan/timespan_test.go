package timespan

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"90s", 90 * time.Second},
		{"1h30m", 90 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{".5h", 30 * time.Minute},
		{"250ms", 250 * time.Millisecond},
		{"7d", 7 * day},
		{"1d12h", 36 * time.Hour},
		{"2w", 14 * day},
		{"1D", day},
		{" 30 min ", 30 * time.Minute},
		{"30 minutes", 30 * time.Minute},
		{"30 min.", 30 * time.Minute},
		{"1 day", day},
		{"2 Days", 2 * day},
		{"1 hour and 30 minutes", 90 * time.Minute},
		{"1 hour, 30 minutes", 90 * time.Minute},
		{"1.5 hours", 90 * time.Minute},
		{"1 week", week},
		{"2 часа", 2 * time.Hour},
		{"1,5 часа", 90 * time.Minute},
		{"30 минут", 30 * time.Minute},
		{"1 час 30 мин", 90 * time.Minute},
		{"1 день", day},
		{"5 дней", 5 * day},
		{"2 недели", 2 * week},
		{"1 ч и 15 м", 75 * time.Minute},
		{"2小时", 2 * time.Hour},
		{"1小时30分钟", 90 * time.Minute},
		{"3天", 3 * day},
		{"2個小時", 2 * time.Hour},
		{"1 周", week},
		{"10秒", 10 * time.Second},
	}
	for _, tc := range cases {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct{ in, says string }{
		{"", "no length"},
		{"  ", "no length"},
		{"-1h", "negative"},
		{"-2 days", "negative"},
		{"soon", "expected a number"},
		{"30", "needs a unit, such as 30m"},
		{"1 month", "months vary in length"},
		{"2 years", "years vary in length"},
		{"3 месяца", "months vary"},
		{"1个月", "months vary"},
		{"5 fortnights", `unknown unit "fortnights"`},
		{"1h soon", "expected a number"},
		{"and", "no number"},
		{"99999999999999999999d", "too long"},
		{"1.2.3h", "needs a unit"},
	}
	for _, tc := range cases {
		got, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Parse(%q) = %s, %v; want an error saying %q", tc.in, got, err, tc.says)
		}
	}
}

// FuzzParse: whatever is written, Parse never panics, never returns a
// negative length, and reads Go's own form exactly as Go does.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"90s", "1h30m", "1.5 hours", "2 часа", "1小时30分钟", "7d", "1 month", "-1h", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err == nil && got < 0 {
			t.Fatalf("Parse(%q) = %s", s, got)
		}
		if want, gerr := time.ParseDuration(strings.ToLower(strings.TrimSpace(s))); gerr == nil && want >= 0 && (err != nil || got != want) {
			t.Fatalf("Parse(%q) = %s, %v; Go reads %s", s, got, err, want)
		}
	})
}

func TestParseAtTheLimit(t *testing.T) {
	// 2⁶³ ns is one past the longest Duration: refused, not wrapped round
	// to a negative one.
	for _, s := range []string{"106751.99116730064591d", "15250.284452471520844w", "9223372036.854775808 s"} {
		if d, err := Parse(s); err == nil && d < 0 {
			t.Errorf("Parse(%q) = %s", s, d)
		}
	}
}
