package rules

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds text so that the ways people really write a word compare
// equal: NFKC turns full-width ＲＥＦＵＮＤ into REFUND, letters are lower-cased
// (Cyrillic included), and every run of spaces, punctuation, symbols and
// emoji becomes one space. Keywords and messages go through the same function,
// so matching is exact on the folded forms.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if pendingSpace && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pendingSpace = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			// Combining marks belong to the letter before them.
			b.WriteRune(r)
		default:
			pendingSpace = true
		}
	}
	return b.String()
}

// DetectLanguage guesses a message's language from its script: Han is
// Chinese, Cyrillic Russian, Latin English. It returns "" when the text has
// no letters to go by.
func DetectLanguage(s string) string {
	var han, cyr, lat int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.Is(unicode.Latin, r):
			lat++
		}
	}
	// A Han character carries about a word's meaning; weigh it like a word of letters.
	han *= 4
	switch {
	case han == 0 && cyr == 0 && lat == 0:
		return ""
	case han >= cyr && han >= lat:
		return "zh"
	case cyr >= lat:
		return "ru"
	}
	return "en"
}

// baseLanguage turns an IETF tag ("zh-hans", "pt-BR") into its language ("zh", "pt").
func baseLanguage(tag string) string {
	tag = strings.ToLower(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// countLinks counts URLs in a message, for rules that treat links as spam.
func countLinks(s string) int {
	n := 0
	for _, f := range strings.Fields(s) {
		l := strings.ToLower(f)
		if strings.Contains(l, "http://") || strings.Contains(l, "https://") || strings.HasPrefix(l, "www.") || strings.HasPrefix(l, "t.me/") {
			n++
		}
	}
	return n
}
