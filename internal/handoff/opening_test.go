package handoff

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests name zones; do not depend on the machine's zoneinfo
)

func TestOpeningText(t *testing.T) {
	mon9 := at(t, sh, "2026-01-05 09:00")   // Monday
	tue9 := at(t, sh, "2026-01-06 09:00")   // Tuesday
	oct8 := at(t, sh, "2026-10-08 09:00")   // Thursday, after the October holidays
	satEve := at(t, sh, "2026-01-03 20:00") // Saturday
	sunEve := at(t, sh, "2026-01-04 20:00")
	monDawn := time.Date(2026, 1, 4, 23, 30, 0, 0, time.UTC) // Monday 07:30 in Shanghai, Sunday in UTC
	for _, tc := range []struct {
		name    string
		lang    string
		opening time.Time
		now     time.Time
		want    string
	}{
		{"en weekday", "en", mon9, satEve, "Monday 09:00 (Asia/Shanghai time)"},
		{"en tomorrow", "en", mon9, sunEve, "tomorrow at 09:00 (Asia/Shanghai time)"},
		{"en today in the team's zone", "en", mon9, monDawn, "today at 09:00 (Asia/Shanghai time)"},
		{"en a week away", "en", oct8, at(t, sh, "2026-09-30 18:00"), "Thursday 8 October 09:00 (Asia/Shanghai time)"},
		{"zh weekday", "zh", mon9, satEve, "周一 09:00（Asia/Shanghai 时间）"},
		{"zh tomorrow", "zh", mon9, sunEve, "明天 09:00（Asia/Shanghai 时间）"},
		{"zh today", "zh", mon9, monDawn, "今天 09:00（Asia/Shanghai 时间）"},
		{"zh a week away", "zh", oct8, at(t, sh, "2026-09-30 18:00"), "10月8日周四 09:00（Asia/Shanghai 时间）"},
		{"zh with region", "zh-CN", tue9, satEve, "周二 09:00（Asia/Shanghai 时间）"},
		{"ru weekday", "ru", mon9, satEve, "в понедельник в 09:00 (время Asia/Shanghai)"},
		{"ru tuesday takes во", "ru", tue9, satEve, "во вторник в 09:00 (время Asia/Shanghai)"},
		{"ru tomorrow", "ru", mon9, sunEve, "завтра в 09:00 (время Asia/Shanghai)"},
		{"ru today", "RU", mon9, monDawn, "сегодня в 09:00 (время Asia/Shanghai)"},
		{"ru a week away", "ru", oct8, at(t, sh, "2026-09-30 18:00"), "в четверг 8 октября в 09:00 (время Asia/Shanghai)"},
		{"unknown language is en", "fr", mon9, satEve, "Monday 09:00 (Asia/Shanghai time)"},
		{"no language is en", "", mon9, sunEve, "tomorrow at 09:00 (Asia/Shanghai time)"},
		{"no opening", "en", time.Time{}, satEve, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := OpeningText(tc.lang, tc.opening, tc.now); got != tc.want {
				t.Fatalf("OpeningText(%q) = %q, want %q", tc.lang, got, tc.want)
			}
		})
	}

	t.Run("from NextOpening", func(t *testing.T) {
		now := time.Date(2026, 1, 2, 11, 0, 0, 0, time.UTC) // Friday 19:00 in Shanghai
		weekdaysAndSaturday := mustHours(t, map[string]string{"mon-fri": "09:00-18:00", "sat": "10:00-14:00"}, sh)
		got := OpeningText("en", weekdaysAndSaturday.NextOpening(now), now)
		if want := "tomorrow at 10:00 (Asia/Shanghai time)"; got != want {
			t.Fatalf("OpeningText = %q, want %q", got, want)
		}
	})
}
