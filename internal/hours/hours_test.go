package hours

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests name zones; do not depend on the machine's zoneinfo
)

// at is a wall-clock time "2006-01-02 15:04" in the named zone.
func at(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustHours(t *testing.T, days map[string]string, tz string, holidays ...string) Hours {
	t.Helper()
	h, err := Parse(days, tz, holidays)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const sh = "Asia/Shanghai"

// In January 2026 the 2nd is a Friday and the 5th a Monday; 2026-10-01 is a
// Thursday. Europe/Berlin springs forward on 2026-03-29 and falls back on
// 2026-10-25.

func TestParseHoursErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		days     map[string]string
		tz       string
		holidays []string
		want     string
	}{
		{"bad day", map[string]string{"mox-fri": "09:00-18:00"}, sh, nil, `day "mox" in "mox-fri"`},
		{"bad range end", map[string]string{"mon-friday": "09:00-18:00"}, sh, nil, `day "friday"`},
		{"empty day in list", map[string]string{"sat,": "09:00-18:00"}, sh, nil, `day "" in "sat,"`},
		{"bad time", map[string]string{"mon-fri": "9am-18:00"}, sh, nil, `"9am-18:00"`},
		{"bad minutes", map[string]string{"mon": "09:60-18:00"}, sh, nil, `"09:60" is not a time like 09:00`},
		{"past midnight", map[string]string{"mon": "09:00-24:30"}, sh, nil, `"24:30" is not a time`},
		{"no dash", map[string]string{"mon": "0900"}, sh, nil, `mon: "0900": write opening hours like 09:00-18:00`},
		{"no hours", map[string]string{"sat": ""}, sh, nil, `sat: ""`},
		{"bad second interval", map[string]string{"mon": "09:00-12:00,13:00"}, sh, nil, `"09:00-12:00,13:00"`},
		{"end before start", map[string]string{"mon-fri": "18:00-09:00"}, sh, nil, `mon-fri: "18:00-09:00": closing must be after opening`},
		{"empty interval", map[string]string{"mon": "09:00-09:00"}, sh, nil, "closing must be after opening"},
		{"24:00 as a start", map[string]string{"mon": "24:00-24:00"}, sh, nil, "closing must be after opening"},
		{"bad zone", map[string]string{"mon": "09:00-18:00"}, "Mars/Base", nil, `time zone "Mars/Base"`},
		{"machine zone", map[string]string{"mon": "09:00-18:00"}, "Local", nil, `time zone "Local"`},
		{"bad date", map[string]string{"mon": "09:00-18:00"}, sh, []string{"2026-13-01"}, `holiday "2026-13-01" is not a date like 2026-10-01`},
		{"slashed date", map[string]string{"mon": "09:00-18:00"}, sh, []string{"2026-10-01", "2026/10/02"}, `holiday "2026/10/02"`},
		{"holidays without hours", nil, sh, []string{"2026-10-01"}, "without opening hours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.days, tc.tz, tc.holidays)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseHours error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseHoursAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		days map[string]string
		tz   string
		open []string // wall times in tz that must be open
		shut []string // and closed
	}{
		{"nothing is always open", nil, "", []string{"2026-01-04 03:00"}, nil},
		{"empty zone is UTC", map[string]string{"mon": "09:00-10:00"}, "", []string{"2026-01-05 09:30"}, []string{"2026-01-05 10:00"}},
		{"spaces and case", map[string]string{" Mon - Tue ": " 9:00 - 10:00 "}, sh, []string{"2026-01-06 09:00"}, []string{"2026-01-07 09:00"}},
		{"range wraps the week", map[string]string{"fri-mon": "09:00-10:00"}, sh,
			[]string{"2026-01-02 09:00", "2026-01-03 09:00", "2026-01-04 09:00", "2026-01-05 09:00"}, []string{"2026-01-06 09:00"}},
		{"list of days", map[string]string{"sat,sun": "10:00-14:00"}, sh, []string{"2026-01-03 10:00", "2026-01-04 13:59"}, []string{"2026-01-05 10:00"}},
		{"same day twice is a union", map[string]string{"mon-fri": "09:00-12:00", "fri": "12:00-13:00"}, sh,
			[]string{"2026-01-02 12:30"}, []string{"2026-01-05 12:30"}},
		{"24:00", map[string]string{"sat": "20:00-24:00"}, sh, []string{"2026-01-03 23:59"}, []string{"2026-01-04 00:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := mustHours(t, tc.days, tc.tz)
			zone := tc.tz
			if zone == "" {
				zone = "UTC"
			}
			for _, s := range tc.open {
				if !h.Open(at(t, zone, s)) {
					t.Errorf("closed at %s, want open", s)
				}
			}
			for _, s := range tc.shut {
				if h.Open(at(t, zone, s)) {
					t.Errorf("open at %s, want closed", s)
				}
			}
		})
	}
}

// team is open Mon–Fri with a lunch break, Saturday mornings, not on the
// 2026-10-01 holiday.
func team(t *testing.T) Hours {
	return mustHours(t, map[string]string{"mon-fri": "09:00-12:00,13:00-18:00", "sat": "10:00-14:00"}, sh, "2026-10-01")
}

// neverOpen has weekly hours but holidays over more than the 400 days
// anything searches.
func neverOpen(t *testing.T) Hours {
	var hol []string
	for d := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2027 || d.Month() < 6; d = d.AddDate(0, 0, 1) {
		hol = append(hol, d.Format(time.DateOnly))
	}
	return mustHours(t, map[string]string{"mon-fri": "09:00-18:00"}, sh, hol...)
}

func TestOpen(t *testing.T) {
	night := mustHours(t, map[string]string{"sat": "20:00-24:00", "sun": "00:00-02:00"}, sh)
	for _, tc := range []struct {
		name string
		h    Hours
		t    time.Time
		want bool
	}{
		{"exactly at opening", team(t), at(t, sh, "2026-01-05 09:00"), true},
		{"a minute before opening", team(t), at(t, sh, "2026-01-05 08:59"), false},
		{"a nanosecond before closing", team(t), at(t, sh, "2026-01-05 18:00").Add(-1), true},
		{"exactly at closing", team(t), at(t, sh, "2026-01-05 18:00"), false},
		{"lunch break starts", team(t), at(t, sh, "2026-01-05 12:00"), false},
		{"after lunch", team(t), at(t, sh, "2026-01-05 13:00"), true},
		{"saturday morning", team(t), at(t, sh, "2026-01-03 10:00"), true},
		{"saturday closing", team(t), at(t, sh, "2026-01-03 14:00"), false},
		{"sunday", team(t), at(t, sh, "2026-01-04 12:00"), false},
		{"holiday", team(t), at(t, sh, "2026-10-01 10:00"), false},
		{"day after the holiday", team(t), at(t, sh, "2026-10-02 10:00"), true},
		{"same instant in UTC", team(t), time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC), true},
		{"saturday before 24:00", night, at(t, sh, "2026-01-03 23:59"), true},
		{"midnight between 24:00 and 00:00", night, at(t, sh, "2026-01-04 00:00"), true},
		{"sunday 02:00", night, at(t, sh, "2026-01-04 02:00"), false},
		{"zero Hours", Hours{}, at(t, sh, "2026-01-04 03:00"), true},
		{"never open", neverOpen(t), at(t, sh, "2026-01-05 10:00"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Open(tc.t); got != tc.want {
				t.Fatalf("Open(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

func TestNextOpening(t *testing.T) {
	night := mustHours(t, map[string]string{"sat": "20:00-24:00", "sun": "00:00-02:00"}, sh)
	for _, tc := range []struct {
		name string
		h    Hours
		t    time.Time
		want time.Time
	}{
		{"open is now", team(t), at(t, sh, "2026-01-05 10:15"), at(t, sh, "2026-01-05 10:15")},
		{"exactly at opening", team(t), at(t, sh, "2026-01-05 09:00"), at(t, sh, "2026-01-05 09:00")},
		{"early morning", team(t), at(t, sh, "2026-01-05 08:00"), at(t, sh, "2026-01-05 09:00")},
		{"lunch", team(t), at(t, sh, "2026-01-05 12:00"), at(t, sh, "2026-01-05 13:00")},
		{"friday closing", team(t), at(t, sh, "2026-01-02 18:00"), at(t, sh, "2026-01-03 10:00")},
		{"saturday closing", team(t), at(t, sh, "2026-01-03 14:00"), at(t, sh, "2026-01-05 09:00")},
		{"sunday", team(t), at(t, sh, "2026-01-04 12:00"), at(t, sh, "2026-01-05 09:00")},
		{"skips the holiday", team(t), at(t, sh, "2026-09-30 18:00"), at(t, sh, "2026-10-02 09:00")},
		{"on the holiday", team(t), at(t, sh, "2026-10-01 10:00"), at(t, sh, "2026-10-02 09:00")},
		{"from UTC", team(t), time.Date(2026, 1, 4, 23, 0, 0, 0, time.UTC), at(t, sh, "2026-01-05 09:00")},
		{"24:00 runs into sunday", night, at(t, sh, "2026-01-04 00:00"), at(t, sh, "2026-01-04 00:00")},
		{"after sunday 02:00", night, at(t, sh, "2026-01-04 02:00"), at(t, sh, "2026-01-10 20:00")},
		{"zero Hours", Hours{}, at(t, sh, "2026-01-04 03:00"), at(t, sh, "2026-01-04 03:00")},
		{"never open", neverOpen(t), at(t, sh, "2026-01-05 10:00"), time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.h.NextOpening(tc.t)
			if !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero() {
				t.Fatalf("NextOpening(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
	t.Run("in the team's zone", func(t *testing.T) {
		got := team(t).NextOpening(time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC))
		if got.Location().String() != sh {
			t.Fatalf("NextOpening is in %v, want %s", got.Location(), sh)
		}
	})
}

func TestAdd(t *testing.T) {
	const be = "Europe/Berlin"
	office := mustHours(t, map[string]string{"mon-fri": "09:00-18:00"}, sh)
	berlin := mustHours(t, map[string]string{"mon-fri": "09:00-18:00"}, be)
	berlinNight := mustHours(t, map[string]string{"sun": "01:00-04:00"}, be)
	berlinAllDay := mustHours(t, map[string]string{"mon-sun": "00:00-24:00"}, be)
	overlapping := mustHours(t, map[string]string{"mon": "09:00-12:00,11:00-14:00"}, sh)
	night := mustHours(t, map[string]string{"sat": "20:00-24:00", "sun": "00:00-02:00"}, sh)
	for _, tc := range []struct {
		name string
		h    Hours
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		{"friday 17:00 + 4h is monday 12:00", office, at(t, sh, "2026-01-02 17:00"), 4 * time.Hour, at(t, sh, "2026-01-05 12:00")},
		{"ends exactly at closing", office, at(t, sh, "2026-01-02 17:00"), time.Hour, at(t, sh, "2026-01-02 18:00")},
		{"within the day", office, at(t, sh, "2026-01-05 10:00"), 30 * time.Minute, at(t, sh, "2026-01-05 10:30")},
		{"before opening", office, at(t, sh, "2026-01-05 07:00"), 30 * time.Minute, at(t, sh, "2026-01-05 09:30")},
		{"after closing", office, at(t, sh, "2026-01-05 20:00"), time.Hour, at(t, sh, "2026-01-06 10:00")},
		{"on saturday", office, at(t, sh, "2026-01-03 10:00"), 4 * time.Hour, at(t, sh, "2026-01-05 13:00")},
		{"24h over a weekend", office, at(t, sh, "2026-01-02 09:00"), 24 * time.Hour, at(t, sh, "2026-01-06 15:00")},
		{"a week of business time", office, at(t, sh, "2026-01-05 09:00"), 45 * time.Hour, at(t, sh, "2026-01-09 18:00")},
		{"over lunch", team(t), at(t, sh, "2026-01-05 11:00"), 2 * time.Hour, at(t, sh, "2026-01-05 14:00")},
		{"in lunch", team(t), at(t, sh, "2026-01-05 12:10"), time.Hour, at(t, sh, "2026-01-05 14:00")},
		{"friday into saturday", team(t), at(t, sh, "2026-01-02 17:00"), 2 * time.Hour, at(t, sh, "2026-01-03 11:00")},
		{"on a holiday", team(t), at(t, sh, "2026-10-01 10:00"), time.Hour, at(t, sh, "2026-10-02 10:00")},
		{"across a holiday", team(t), at(t, sh, "2026-09-30 17:00"), 2 * time.Hour, at(t, sh, "2026-10-02 10:00")},
		{"overlapping intervals count once", overlapping, at(t, sh, "2026-01-05 09:00"), 5 * time.Hour, at(t, sh, "2026-01-05 14:00")},
		{"overlapping into next week", overlapping, at(t, sh, "2026-01-05 09:00"), 6 * time.Hour, at(t, sh, "2026-01-12 10:00")},
		{"across 24:00", night, at(t, sh, "2026-01-03 23:00"), 2 * time.Hour, at(t, sh, "2026-01-04 01:00")},
		{"DST: friday before spring forward", berlin, at(t, be, "2026-03-27 17:00"), 4 * time.Hour, at(t, be, "2026-03-30 12:00")},
		{"DST: friday before fall back", berlin, at(t, be, "2026-10-23 17:00"), 4 * time.Hour, at(t, be, "2026-10-26 12:00")},
		// 01:00 CET to 04:00 CEST is two real hours: 02:00–03:00 never happens.
		{"DST: interval over the gap", berlinNight, at(t, be, "2026-03-29 01:00"), 2 * time.Hour, at(t, be, "2026-03-29 04:00")},
		{"DST: spring-forward sunday is 23h", berlinAllDay, at(t, be, "2026-03-29 00:00"), 23 * time.Hour, at(t, be, "2026-03-30 00:00")},
		{"DST: fall-back sunday is 25h", berlinAllDay, at(t, be, "2026-10-25 00:00"), 25 * time.Hour, at(t, be, "2026-10-26 00:00")},
		{"always open", Hours{}, at(t, sh, "2026-01-02 17:00"), 4 * time.Hour, at(t, sh, "2026-01-02 21:00")},
		{"zero duration out of hours", office, at(t, sh, "2026-01-03 10:00"), 0, at(t, sh, "2026-01-03 10:00")},
		{"never open gives plain time", neverOpen(t), at(t, sh, "2026-01-05 10:00"), time.Hour, at(t, sh, "2026-01-05 11:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Add(tc.t, tc.d); !got.Equal(tc.want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", tc.t, tc.d, got, tc.want)
			}
		})
	}

	t.Run("all day every day is plain time across DST", func(t *testing.T) {
		for start := at(t, be, "2026-03-27 22:30"); start.Before(at(t, be, "2026-03-30 00:00")); start = start.Add(47 * time.Minute) {
			for _, d := range []time.Duration{time.Minute, 90 * time.Minute, 5 * time.Hour, 50 * time.Hour} {
				if got, want := berlinAllDay.Add(start, d), start.Add(d); !got.Equal(want) {
					t.Fatalf("Add(%v, %v) = %v, want %v", start, d, got, want)
				}
			}
		}
	})
}

// TestAddAgreesWithOpen counts business time minute by minute and checks
// Add against it, so Add, Open and the interval search cannot drift apart.
func TestAddAgreesWithOpen(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h     Hours
		start time.Time
	}{
		{"team", team(t), at(t, sh, "2026-09-29 16:07")},
		{"berlin spring forward", mustHours(t, map[string]string{"sat-sun": "01:00-03:30,20:00-24:00"}, "Europe/Berlin"), at(t, "Europe/Berlin", "2026-03-27 12:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var counted time.Duration
			for cur := tc.start; counted < 30*time.Hour; cur = cur.Add(time.Minute) {
				if !tc.h.Open(cur) {
					continue
				}
				counted += time.Minute
				if got, want := tc.h.Add(tc.start, counted), cur.Add(time.Minute); !got.Equal(want) {
					t.Fatalf("Add(%v, %v) = %v, want %v", tc.start, counted, got, want)
				}
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	h, err := Parse(map[string]string{"mon-fri": "09:00-12:00,13:00-18:00"}, sh, []string{"2026-10-01"})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		h.Add(start, 24*time.Hour)
	}
}
