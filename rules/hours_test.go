package rules

import (
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestBusinessHours: the rules read in_business_hours from the same
// implementation a team's hours use (internal/hours), so the same
// spellings work in both: several intervals a day, ranges that wrap,
// 24:00 for midnight, holidays; and in the file's time zone.
func TestBusinessHours(t *testing.T) {
	const file = `
timezone: Asia/Shanghai
business_hours:
  mon-fri: "09:00-12:00,13:00-18:00"
  sat-sun: "20:00-24:00"
  holidays: ["2026-10-01"]
rules:
  - id: open
    when: in_business_hours
    ack: open
`
	r, err := Parse("hours.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	tests := []struct {
		name string
		at   time.Time
		open bool
	}{
		{"a weekday morning", time.Date(2026, 1, 5, 10, 0, 0, 0, sh), true},
		{"the lunch break", time.Date(2026, 1, 5, 12, 30, 0, 0, sh), false},
		{"the afternoon", time.Date(2026, 1, 5, 13, 0, 0, 0, sh), true},
		{"closing time", time.Date(2026, 1, 5, 18, 0, 0, 0, sh), false},
		{"a Saturday evening up to midnight", time.Date(2026, 1, 3, 23, 59, 0, 0, sh), true},
		{"a Saturday morning", time.Date(2026, 1, 3, 10, 0, 0, 0, sh), false},
		{"a holiday", time.Date(2026, 10, 1, 10, 0, 0, 0, sh), false},
		{"the time zone counts: 02:00 UTC is 10:00 in Shanghai", time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Decide(chat.Event{Kind: chat.KindText, Text: "hi"}, chat.State{}, tt.at)
			if got := len(d.Actions) == 1; got != tt.open {
				t.Errorf("in_business_hours at %v = %v, want %v", tt.at, got, tt.open)
			}
		})
	}
}
