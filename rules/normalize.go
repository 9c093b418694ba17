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
			// Combining marks belong to the letter before them; after a
			// separator they go with it, or they would join the letter
			// before the separator and fold differently a second time.
			if !pendingSpace && b.Len() > 0 {
				b.WriteRune(r)
			}
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
	var c scriptCounts
	for _, r := range s {
		switch {
		case r < 0x80:
			if r|0x20 >= 'a' && r|0x20 <= 'z' {
				c.latin++
			}
		case r >= 0x4E00 && r <= 0x9FFF, unicode.Is(unicode.Han, r):
			c.han++
		case r >= 0x0400 && r <= 0x04FF, unicode.Is(unicode.Cyrillic, r):
			c.cyrillic++
		case unicode.Is(unicode.Latin, r):
			c.latin++
		}
	}
	return c.language()
}

// language picks the dominant script's language. A Han character carries
// about a word's meaning, so it weighs like a word of letters.
func (c scriptCounts) language() string {
	han := c.han * 4
	switch {
	case han == 0 && c.cyrillic == 0 && c.latin == 0:
		return ""
	case han >= c.cyrillic && han >= c.latin:
		return "zh"
	case c.cyrillic >= c.latin:
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

// mayHaveLinks is a quick test that lets most messages skip countLinks:
// every link it counts has "://", "t.me/" (so a slash) or "www." in any case.
func mayHaveLinks(s string) bool {
	if strings.IndexByte(s, '/') >= 0 {
		return true
	}
	for i := strings.IndexByte(s, '.'); i >= 0; {
		if i >= 3 && equalFoldASCII(s[i-3:i], "www") {
			return true
		}
		j := strings.IndexByte(s[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// countLinks counts URLs in a message, for rules that treat links as spam.
// It scans the text once without allocating.
func countLinks(s string) int {
	n := 0
	for i := 0; i < len(s); {
		for i < len(s) && isSpaceByte(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isSpaceByte(s[j]) {
			j++
		}
		if isLink(s[i:j]) {
			n++
		}
		i = j
	}
	return n
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isLink(w string) bool {
	if i := strings.Index(w, "://"); i >= 4 {
		scheme := w[:i]
		return hasSuffixFold(scheme, "http") || hasSuffixFold(scheme, "https")
	}
	w = strings.TrimLeft(w, "([{<\"'«“")
	return hasPrefixFold(w, "www.") || hasPrefixFold(w, "t.me/")
}

// hasPrefixFold and hasSuffixFold compare ASCII case-insensitively; the
// patterns are lower-case ASCII.
func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && equalFoldASCII(s[:len(p)], p)
}

func hasSuffixFold(s, p string) bool {
	return len(s) >= len(p) && equalFoldASCII(s[len(s)-len(p):], p)
}

func equalFoldASCII(s, lowerASCII string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lowerASCII[i] {
			return false
		}
	}
	return true
}
