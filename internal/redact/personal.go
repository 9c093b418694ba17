package redact

import (
	"regexp"
	"strings"
)

var (
	// emails and long numbers (phones, orders, cards: five or more
	// characters of digits and separators) are what a customer's text
	// shown to a team lead or an alert must not carry.
	emails  = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[^\s@]+`)
	numbers = regexp.MustCompile(`\+?\d[\d\s().-]{3,}\d`)
)

// Personal replaces e-mail addresses and long numbers in a customer's
// text with [email] and [number], and puts it on one line: for texts
// shown in reports, the dashboard and alerts.
func Personal(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	text = emails.ReplaceAllString(text, "[email]")
	return numbers.ReplaceAllString(text, "[number]")
}
