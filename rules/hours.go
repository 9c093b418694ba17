package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk-bot/frontdesk/internal/hours"
)

// compileHours checks business_hours entry by entry, so each problem is
// reported at its place with the rules' own wording, and builds them with
// the one business-hours implementation (internal/hours), in the file's
// time zone. Without business_hours the service is always open.
func compileHours(b *businessHoursYAML, tz string, errs *errorList) hours.Hours {
	days := map[string]string{}
	ok := true
	for _, d := range b.Days {
		if _, err := hours.ParseDays(d.Days.Value); err != nil {
			errs.add(d.Days.Line, d.Days.Col, "business_hours: %s", dayProblem(err))
			ok = false
			continue
		}
		if err := hours.ParseSpans(d.Days.Value, d.Hours.Value); err != nil {
			errs.add(d.Hours.Line, d.Hours.Col, "business_hours: %q: write opening hours like 09:00-18:00 (closing after opening; 24:00 for midnight; several like 09:00-12:00,13:00-18:00)", d.Hours.Value)
			ok = false
			continue
		}
		if prev, dup := days[d.Days.Value]; dup {
			d.Hours.Value = prev + "," + d.Hours.Value
		}
		days[d.Days.Value] = d.Hours.Value
	}
	var holidays []string
	for _, hd := range b.Holidays {
		if _, err := hours.Parse(map[string]string{"mon": "00:00-24:00"}, "", []string{hd.Value}); err != nil {
			errs.add(hd.Line, hd.Col, "business_hours: holiday %q is not a date like 2026-10-01", hd.Value)
			ok = false
			continue
		}
		holidays = append(holidays, hd.Value)
	}
	if !ok {
		return hours.Hours{}
	}
	if len(days) == 0 {
		// Holidays alone: closed on those days, open otherwise.
		days = map[string]string{"sun-sat": "00:00-24:00"}
	}
	h, err := hours.Parse(days, tz, holidays)
	if err != nil {
		errs.add(b.Line, b.Col, "business_hours: %v", err)
	}
	return h
}

// dayProblem words a bad day name for a marketer, with a suggestion.
func dayProblem(err error) string {
	var de *hours.DayError
	if !errors.As(err, &de) {
		return err.Error()
	}
	hint := ", or a range like mon-fri"
	if de.InRange {
		hint = ""
	}
	return fmt.Sprintf("%q is not a day (write mon, tue, … sun%s)%s", de.Day, hint, suggest(strings.ToLower(de.Day), hours.Weekdays[:]))
}
