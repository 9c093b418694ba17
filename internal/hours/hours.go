// Package hours is business hours, holidays and time zones, one
// implementation for the rules (in_business_hours) and for handoffs (due
// times, escalations, "a person will answer at …").
package hours

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Hours is a team's business hours: opening intervals per weekday in a time
// zone, and holidays (dates in that zone) when nobody answers. The zero
// value has no intervals and means always open, in UTC.
//
// Interval bounds are wall-clock times of their own day, made with time.Date
// in the zone, so a DST change shortens or lengthens that day's business
// time the way a clock on the wall would. Times returned are in the zone.
type Hours struct {
	loc      *time.Location
	week     [7][]span // by time.Weekday; sorted, disjoint
	holidays map[civilDate]struct{}
}

// span is [from, to) in minutes since midnight; to may be 24*60.
type span struct{ from, to int }

type civilDate struct {
	y int
	m time.Month
	d int
}

// searchDays bounds every search for open time, so hours that (nearly)
// never open cost a bounded loop instead of a hang.
const searchDays = 400

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours builds Hours from config-style strings: days ("mon-fri", "sat",
// "sat,sun"; ranges may wrap, "fri-mon") mapped to intervals ("09:00-18:00",
// several separated by commas, "24:00" as an end for midnight), an IANA time
// zone ("" is UTC), and holiday dates ("2026-10-01"). A weekday named twice
// gets the union of its intervals. Errors name the bad value.
func Parse(days map[string]string, tz string, holidays []string) (Hours, error) {
	var h Hours
	if tz == "Local" {
		// The machine's zone differs between a laptop and production, and
		// the customer would be told "(Local time)".
		return Hours{}, fmt.Errorf("time zone %q: name the zone, like Asia/Shanghai or Europe/Berlin", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return Hours{}, fmt.Errorf("time zone %q is not an IANA zone name like Asia/Shanghai or Europe/Berlin", tz)
	}
	h.loc = loc

	keys := make([]string, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same config always reports the same error
	for _, k := range keys {
		wds, err := ParseDays(k)
		if err != nil {
			return Hours{}, err
		}
		spans, err := parseSpans(k, days[k])
		if err != nil {
			return Hours{}, err
		}
		for _, wd := range wds {
			h.week[wd] = append(h.week[wd], spans...)
		}
	}
	for wd := range h.week {
		h.week[wd] = merge(h.week[wd])
	}

	if len(holidays) > 0 && h.alwaysOpen() {
		// Without intervals Hours means always open; silently dropping the
		// holidays would hide a config mistake.
		return Hours{}, fmt.Errorf("holidays %v given without opening hours; add days like mon-fri: 09:00-18:00", holidays)
	}
	for _, s := range holidays {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
		if err != nil {
			return Hours{}, fmt.Errorf("holiday %q is not a date like 2026-10-01", s)
		}
		if h.holidays == nil {
			h.holidays = make(map[civilDate]struct{}, len(holidays))
		}
		y, m, dd := d.Date()
		h.holidays[civilDate{y, m, dd}] = struct{}{}
	}
	return h, nil
}

// DayError names a day that is not one, in the days it was written in.
type DayError struct {
	Day, In string
	InRange bool // it ends a range ("mon-fry")
}

func (e *DayError) Error() string {
	return fmt.Sprintf("day %q in %q: use mon, tue, wed, thu, fri, sat, sun, a range like mon-fri or a list like sat,sun", e.Day, e.In)
}

// Weekdays are the days' names, Sunday first as time.Weekday counts.
var Weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseDays reads "mon", "mon-fri", "fri-mon" (ranges may wrap) or "sat,sun".
func ParseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, part := range strings.Split(strings.ToLower(s), ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		a, ok := dayNames[from]
		if !ok {
			return nil, &DayError{Day: from, In: s}
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, ok := dayNames[to]
		if !ok {
			return nil, &DayError{Day: to, In: s, InRange: true}
		}
		for d := a; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == b {
				break
			}
		}
	}
	return out, nil
}

// parseSpans reads "09:00-18:00" or "09:00-12:00,13:00-18:00" for days.
// ParseSpans checks opening hours as written for days ("09:00-18:00", or
// several separated by commas).
func ParseSpans(days, s string) error {
	_, err := parseSpans(days, s)
	return err
}

func parseSpans(days, s string) ([]span, error) {
	var out []span
	for _, part := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%s: %q: write opening hours like 09:00-18:00 or 09:00-12:00,13:00-18:00", days, s)
		}
		a, err := parseClock(from)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %v", days, s, err)
		}
		b, err := parseClock(to)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %v", days, s, err)
		}
		if b <= a {
			return nil, fmt.Errorf("%s: %q: closing must be after opening (use 24:00 for midnight)", days, s)
		}
		out = append(out, span{a, b})
	}
	return out, nil
}

// parseClock reads "09:00", "9:00" or "24:00" as minutes since midnight.
func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	h, okH := digits(hh, 1, 2)
	m, okM := digits(mm, 2, 2)
	if !ok || !okH || !okM || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	return h*60 + m, nil
}

func digits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// merge sorts spans and joins overlapping or touching ones, so a day's
// spans are disjoint and in order.
func merge(s []span) []span {
	if len(s) < 2 {
		return s
	}
	sort.Slice(s, func(i, j int) bool { return s[i].from < s[j].from })
	out := s[:1]
	for _, v := range s[1:] {
		last := &out[len(out)-1]
		if v.from <= last.to {
			last.to = max(last.to, v.to)
			continue
		}
		out = append(out, v)
	}
	return out
}

// Location is the zone the hours are kept in (UTC for the zero value).
func (h Hours) Location() *time.Location {
	if h.loc == nil {
		return time.UTC
	}
	return h.loc
}

func (h Hours) alwaysOpen() bool {
	for _, s := range h.week {
		if len(s) > 0 {
			return false
		}
	}
	return true
}

// interval is the open interval [start, end) that contains t or, if t is
// closed, the first one after it, searching searchDays ahead.
func (h Hours) interval(t time.Time) (start, end time.Time, ok bool) {
	loc := h.Location()
	y, m, d := t.In(loc).Date()
	// Start a day early: where a DST change falls at midnight, yesterday's
	// last interval can end after today's wall-clock midnight.
	for i := -1; i <= searchDays; i++ {
		// Calendar arithmetic in UTC, which has no DST, to get the date and
		// weekday; the bounds themselves are made in loc.
		day := time.Date(y, m, d+i, 0, 0, 0, 0, time.UTC)
		dy, dm, dd := day.Date()
		if _, closed := h.holidays[civilDate{dy, dm, dd}]; closed {
			continue
		}
		for _, s := range h.week[day.Weekday()] {
			start = time.Date(dy, dm, dd, s.from/60, s.from%60, 0, 0, loc)
			end = time.Date(dy, dm, dd, s.to/60, s.to%60, 0, 0, loc)
			if end.After(t) && end.After(start) {
				return start, end, true
			}
		}
	}
	return time.Time{}, time.Time{}, false
}

// Open reports whether t is within business hours: in one of its day's
// intervals, [opening, closing), and not on a holiday. Always true without
// intervals.
func (h Hours) Open(t time.Time) bool {
	if h.alwaysOpen() {
		return true
	}
	start, _, ok := h.interval(t)
	return ok && !start.After(t)
}

// NextOpening is t itself (in the hours' zone) when open, else the start of
// the next interval, skipping holidays. It is the zero Time when no interval
// opens within 400 days (hours that never open, or a year of holidays).
func (h Hours) NextOpening(t time.Time) time.Time {
	if h.alwaysOpen() {
		return t.In(h.Location())
	}
	start, _, ok := h.interval(t)
	switch {
	case !ok:
		return time.Time{}
	case start.After(t):
		return start
	default:
		return t.In(h.Location())
	}
}

// Add is when d of business time has passed after t, counting only open
// time. Without intervals, or for d <= 0, it is plain t.Add(d). If the
// answer lies more than 400 days after t (hours that hardly ever open) it
// gives up and returns t.Add(d) rather than loop on a bad config.
func (h Hours) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 || h.alwaysOpen() {
		return t.Add(d).In(h.Location())
	}
	limit := t.AddDate(0, 0, searchDays)
	cur := t
	for {
		start, end, ok := h.interval(cur)
		if !ok || start.After(limit) {
			return t.Add(d).In(h.Location())
		}
		if start.After(cur) {
			cur = start
		}
		left := end.Sub(cur)
		if d <= left {
			return cur.Add(d).In(h.Location())
		}
		d -= left
		cur = end // interval(end) moves on: it needs end > t
	}
}
