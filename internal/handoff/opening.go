package handoff

import (
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/hours"
)

// Hours are a team's business hours (internal/hours).
type Hours = hours.Hours

// ParseHours reads a team's business hours; see hours.Parse.
func ParseHours(days map[string]string, tz string, holidays []string) (Hours, error) {
	return hours.Parse(days, tz, holidays)
}

// OpeningText says when a person will answer, for a customer writing in
// lang (zh, ru, en; a region like "zh-CN" is fine; anything else gets en).
// opening is in the team's zone (as NextOpening returns it); "today" and
// "tomorrow" are relative to now in that zone, and an opening a week or
// more away carries its date, since a weekday alone would be ambiguous.
// The zero opening (no hours ever open) gives "".
//
//	en  "Monday 09:00 (Asia/Shanghai time)", "today at 09:00 (…)"
//	zh  "周一 09:00（Asia/Shanghai 时间）", "明天 09:00（…）"
//	ru  "в понедельник в 09:00 (время Asia/Shanghai)", "завтра в 09:00 (…)"
func OpeningText(lang string, opening, now time.Time) string {
	if opening.IsZero() {
		return ""
	}
	loc := opening.Location()
	clock := opening.Format("15:04")
	zone := loc.String()
	oy, om, od := opening.Date()
	ny, nm, nd := now.In(loc).Date()
	days := int(time.Date(oy, om, od, 0, 0, 0, 0, time.UTC).Sub(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	wd := opening.Weekday()

	switch language(lang) {
	case "zh":
		var when string
		switch {
		case days == 0:
			when = "今天"
		case days == 1:
			when = "明天"
		case days > 1 && days < 7:
			when = zhWeekdays[wd]
		default:
			when = fmt.Sprintf("%d月%d日%s", om, od, zhWeekdays[wd])
		}
		return when + " " + clock + "（" + zone + " 时间）"
	case "ru":
		var when string
		switch {
		case days == 0:
			when = "сегодня"
		case days == 1:
			when = "завтра"
		case days > 1 && days < 7:
			when = ruWeekdays[wd]
		default:
			when = fmt.Sprintf("%s %d %s", ruWeekdays[wd], od, ruMonths[om-1])
		}
		return when + " в " + clock + " (время " + zone + ")"
	default:
		var when string
		switch {
		case days == 0:
			when = "today at " + clock
		case days == 1:
			when = "tomorrow at " + clock
		case days > 1 && days < 7:
			when = wd.String() + " " + clock
		default:
			when = fmt.Sprintf("%s %d %s %s", wd, od, om, clock)
		}
		return when + " (" + zone + " time)"
	}
}

// language is the primary subtag of a language tag: "zh-CN" → "zh".
func language(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(strings.TrimSpace(tag))
}

var zhWeekdays = [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// ruWeekdays are "on <day>": accusative, with "во" before "вторник".
var ruWeekdays = [7]string{"в воскресенье", "в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу"}

var ruMonths = [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"}
