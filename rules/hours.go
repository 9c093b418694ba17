package rules

import (
	"fmt"
	"strings"
	"time"
)

// businessHours is when people answer: opening intervals per weekday, and
// holidays when nobody does.
type businessHours struct {
	open     [7][]interval // by time.Weekday
	holidays map[string]bool
}

type interval struct{ from, to int } // minutes since midnight, to exclusive

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

func compileHours(b *businessHoursYAML, errs *errorList) *businessHours {
	h := &businessHours{holidays: map[string]bool{}}
	for _, d := range b.Days {
		days, err := parseDays(d.Days.Value)
		if err != nil {
			errs.add(d.Days.Line, d.Days.Col, "business_hours: %v", err)
			continue
		}
		iv, err := parseInterval(d.Hours.Value)
		if err != nil {
			errs.add(d.Hours.Line, d.Hours.Col, "business_hours: %v", err)
			continue
		}
		for _, wd := range days {
			h.open[wd] = append(h.open[wd], iv)
		}
	}
	for _, hd := range b.Holidays {
		if _, err := time.Parse("2006-01-02", hd.Value); err != nil {
			errs.add(hd.Line, hd.Col, "business_hours: holiday %q is not a date like 2026-10-01", hd.Value)
			continue
		}
		h.holidays[hd.Value] = true
	}
	return h
}

// parseDays reads "mon", "mon-fri" or "sat,sun".
func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, part := range strings.Split(strings.ToLower(s), ",") {
		part = strings.TrimSpace(part)
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[from]
		if !ok {
			return nil, fmt.Errorf("%q is not a day (write mon, tue, … sun, or a range like mon-fri)%s", from, suggest(from, weekdays[:]))
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, ok := dayNames[to]
		if !ok {
			return nil, fmt.Errorf("%q is not a day (write mon, tue, … sun)%s", to, suggest(to, weekdays[:]))
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

// parseInterval reads "09:00-18:00".
func parseInterval(s string) (interval, error) {
	from, to, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	if !ok {
		return interval{}, fmt.Errorf("%q: write opening hours like 09:00-18:00", s)
	}
	a, err1 := time.Parse("15:04", from)
	b, err2 := time.Parse("15:04", to)
	if err1 != nil || err2 != nil {
		if to == "24:00" && err1 == nil {
			return interval{a.Hour()*60 + a.Minute(), 24 * 60}, nil
		}
		return interval{}, fmt.Errorf("%q: write opening hours like 09:00-18:00", s)
	}
	iv := interval{a.Hour()*60 + a.Minute(), b.Hour()*60 + b.Minute()}
	if iv.to <= iv.from {
		return interval{}, fmt.Errorf("%q: closing must be after opening (use 24:00 for midnight)", s)
	}
	return iv, nil
}

// at reports whether t (already in the rules' time zone) is within hours.
// Without business_hours the service is always open.
func (h *businessHours) at(t time.Time) bool {
	if h == nil {
		return true
	}
	if h.holidays[t.Format("2006-01-02")] {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, iv := range h.open[t.Weekday()] {
		if m >= iv.from && m < iv.to {
			return true
		}
	}
	return false
}
