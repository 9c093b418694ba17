// Package timespan reads lengths of time as the people who configure the
// service write them: Go's own form (90s, 1h30m), days and weeks (7d, 2w),
// and words in the three languages the product speaks ("2 days",
// "30 минут", "2小时"). Marketers' rules (a cooldown), operators' config
// (retention) and agents' commands (/close in 2 hours) share it, so a
// length that works in one place works in all of them.
package timespan

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// units are the names a unit is written with, lower case. The Russian and
// Chinese ones are the forms a count takes (1 час, 2 часа, 5 часов).
var units = map[string]time.Duration{
	"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond, "μs": time.Microsecond, "ms": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": day, "day": day, "days": day,
	"w": week, "wk": week, "wks": week, "week": week, "weeks": week,

	"с": time.Second, "сек": time.Second, "секунда": time.Second, "секунды": time.Second, "секунд": time.Second, "секунду": time.Second,
	"м": time.Minute, "мин": time.Minute, "минута": time.Minute, "минуты": time.Minute, "минут": time.Minute, "минуту": time.Minute,
	"ч": time.Hour, "час": time.Hour, "часа": time.Hour, "часов": time.Hour,
	"д": day, "дн": day, "день": day, "дня": day, "дней": day, "сут": day, "сутки": day, "суток": day,
	"нед": week, "неделя": week, "недели": week, "недель": week, "неделю": week,

	"秒": time.Second, "秒钟": time.Second, "秒鐘": time.Second,
	"分": time.Minute, "分钟": time.Minute, "分鐘": time.Minute,
	"小时": time.Hour, "小時": time.Hour, "个小时": time.Hour, "個小時": time.Hour, "钟头": time.Hour, "鐘頭": time.Hour,
	"天": day, "日": day,
	"周": week, "週": week, "星期": week, "个星期": week, "個星期": week, "礼拜": week, "禮拜": week,
}

// vague are units whose length depends on the calendar: refused with a
// word on what to write instead.
var vague = map[string]bool{
	"mo": true, "mon": true, "month": true, "months": true, "y": true, "yr": true, "yrs": true, "year": true, "years": true,
	"мес": true, "месяц": true, "месяца": true, "месяцев": true, "г": true, "год": true, "года": true, "лет": true,
	"月": true, "个月": true, "個月": true, "年": true,
}

// joiners may stand between parts: "1 hour and 30 minutes", "1 час 30 минут".
var joiners = map[string]bool{"and": true, "и": true, ",": true}

// Parse reads a length of time: one or more parts, each a number and a
// unit ("1d12h", "1 day 12 hours", "1.5 hours", "2 часа", "30分钟"), or a
// bare 0. It refuses a negative length and calendar units (months, years),
// whose length varies.
func Parse(s string) (time.Duration, error) {
	text := strings.ToLower(strings.TrimSpace(s))
	switch text {
	case "":
		return 0, errors.New("no length given")
	case "0":
		return 0, nil
	}
	if d, err := time.ParseDuration(text); err == nil && d >= 0 {
		return d, nil // Go's own form, read exactly as Go reads it
	}
	if strings.HasPrefix(text, "-") {
		return 0, errors.New("it is negative")
	}
	text = strings.TrimPrefix(text, "+")
	var total float64
	parts := 0
	for rest := text; ; {
		rest = skipJoiners(rest)
		if rest == "" {
			break
		}
		num, after := leadingNumber(rest)
		if num == "" {
			return 0, fmt.Errorf("expected a number at %q", rest)
		}
		unit, after := leadingUnit(strings.TrimLeft(after, " "))
		n, err := strconv.ParseFloat(strings.Replace(num, ",", ".", 1), 64)
		if err != nil {
			return 0, err
		}
		d, ok := units[unit]
		switch {
		case unit == "":
			return 0, fmt.Errorf("%s needs a unit, such as %sm, %sh or %sd", num, num, num, num)
		case vague[unit]:
			return 0, fmt.Errorf("%s vary in length; write days or weeks instead, such as 30d", unitWord(unit))
		case !ok:
			return 0, fmt.Errorf("unknown unit %q (use s, m, h, d or w)", unit)
		}
		total += n * float64(d)
		if total >= math.MaxInt64 { // float64(MaxInt64) is 2⁶³, which does not convert back
			return 0, errors.New("it is too long")
		}
		parts++
		rest = after
	}
	if parts == 0 {
		return 0, errors.New("it has no number")
	}
	return time.Duration(math.Round(total)), nil
}

// skipJoiners drops spaces and the words that may join parts.
func skipJoiners(s string) string {
	for {
		s = strings.TrimLeft(s, " \t")
		trimmed := false
		for j := range joiners {
			if after, ok := strings.CutPrefix(s, j); ok && (j == "," || after == "" || after[0] == ' ') {
				s, trimmed = after, true
				break
			}
		}
		if !trimmed {
			return s
		}
	}
}

// leadingNumber splits off a number: digits with at most one decimal
// point, written with a dot or (as in Russian) a comma between digits.
func leadingNumber(s string) (num, rest string) {
	i, point := 0, false
	for i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			i++
			continue
		case (c == '.' || c == ',' && i > 0) && !point && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			point = true
			i++
			continue
		}
		break
	}
	return s[:i], s[i:]
}

// leadingUnit splits off a unit: the letters up to the next digit, space
// or comma. Chinese is written without spaces ("1小时30分钟"), so letters
// stop at a digit too.
func leadingUnit(s string) (unit, rest string) {
	end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsSpace(r) || r == ',' })
	if end < 0 {
		end = len(s)
	}
	return strings.TrimSuffix(s[:end], "."), s[end:]
}

func unitWord(unit string) string {
	switch unit {
	case "y", "yr", "yrs", "year", "years", "г", "год", "года", "лет", "年":
		return "years"
	}
	return "months"
}
