package rules

import (
	"strings"
	"unicode/utf8"
)

// Customers who write Russian on a phone with two keyboard layouts, or
// whose keyboard autocorrects, send words like "гдe" or "мoй" with a Latin
// e or o among Cyrillic letters; some English words arrive with a Cyrillic
// о or е ("оrder"). On screen the word is the one the keyword names; to
// the matcher it is a different string, and words of three letters are
// too short for the typo tolerance to forgive. Spammers do the same on
// purpose to slip past keyword rules.
//
// repairLookalikes writes each such word in one script: the letters of the
// word's minority script become their lookalikes in its majority script,
// when every one of them has a lookalike there (otherwise the word is left
// as written: "zaказ" is a typo, not a lookalike). A word with as many
// letters of each script goes to the message's majority script. Words in
// one script are never touched, so "iPhone" and "заказ №5521 order" stay as
// they are. Case is kept, because the lookalikes differ by case: Latin B
// looks like Cyrillic В, Latin b does not.
//
// The repaired text is what the matcher reads and quotes; its words look as
// the customer wrote them.
func repairLookalikes(s string) string {
	if !mayMixScripts(s) {
		return s
	}
	if !hasMixedWord(s) {
		return s
	}
	var msg scriptCounts // letters of the message's single-script words
	eachWordAt(s, func(start, end int) {
		if c := countScripts(s[start:end]); c.latin == 0 || c.cyrillic == 0 {
			msg.latin += c.latin
			msg.cyrillic += c.cyrillic
		}
	})
	var b strings.Builder
	b.Grow(len(s) + 16)
	last := 0
	eachWordAt(s, func(start, end int) {
		w := s[start:end]
		c := countScripts(w)
		if c.latin == 0 || c.cyrillic == 0 {
			return
		}
		toCyrillic := c.cyrillic > c.latin || c.cyrillic == c.latin && msg.cyrillic > msg.latin
		if c.cyrillic == c.latin && msg.cyrillic == msg.latin {
			return // nothing says which script the word is in
		}
		table := cyrillicLookalikes
		if !toCyrillic {
			table = latinLookalikes
		}
		if !allHaveLookalikes(w, table, !toCyrillic) {
			return
		}
		b.WriteString(s[last:start])
		for _, r := range w {
			if isCyrillic(r) != toCyrillic {
				if l, ok := table[r]; ok {
					r = l
				}
			}
			b.WriteRune(r)
		}
		last = end
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// cyrillicLookalikes maps Latin letters to the Cyrillic letters they are
// taken for, latinLookalikes the other way. Only letters that look alike in
// common fonts, in the case given.
var (
	cyrillicLookalikes = map[rune]rune{
		'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М', 'O': 'О', 'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У',
		'a': 'а', 'c': 'с', 'e': 'е', 'k': 'к', 'o': 'о', 'p': 'р', 'x': 'х', 'y': 'у',
	}
	latinLookalikes = invert(cyrillicLookalikes)
)

func invert(m map[rune]rune) map[rune]rune {
	out := make(map[rune]rune, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// allHaveLookalikes reports whether every letter of w in the script being
// replaced (Cyrillic when fromCyrillic, else Latin) has one in table.
func allHaveLookalikes(w string, table map[rune]rune, fromCyrillic bool) bool {
	for _, r := range w {
		if fromCyrillic && isCyrillic(r) || !fromCyrillic && isLatin(r) {
			if _, ok := table[r]; !ok {
				return false
			}
		}
	}
	return true
}

func isLatin(r rune) bool    { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isCyrillic(r rune) bool { return r >= 0x0400 && r <= 0x04FF }

func countScripts(w string) (c scriptCounts) {
	for _, r := range w {
		switch {
		case isLatin(r):
			c.latin++
		case isCyrillic(r):
			c.cyrillic++
		}
	}
	return c
}

// mayMixScripts is a quick test that lets most messages skip the repair:
// a word can only mix scripts in a text that has an ASCII letter and a
// Cyrillic one (whose UTF-8 starts with 0xD0–0xD3).
func mayMixScripts(s string) bool {
	latin, cyrillic := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0xD0 && c <= 0xD3:
			cyrillic = true
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			latin = true
		}
		if latin && cyrillic {
			return true
		}
	}
	return false
}

// hasMixedWord reports whether a word of s has both Latin and Cyrillic
// letters. It stops at the first.
func hasMixedWord(s string) bool {
	latin, cyrillic := false, false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case isLatin(r):
			latin = true
		case isCyrillic(r):
			cyrillic = true
		default:
			latin, cyrillic = false, false
		}
		if latin && cyrillic {
			return true
		}
	}
	return false
}

// eachWordAt calls f with the bytes of each run of Latin and Cyrillic
// letters of s. Other characters end a word: a lookalike repair is about
// these two scripts only.
func eachWordAt(s string, f func(start, end int)) {
	start := -1
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		letter := isLatin(r) || isCyrillic(r)
		switch {
		case letter && start < 0:
			start = i
		case !letter && start >= 0:
			f(start, i)
			start = -1
		}
		i += size
	}
	if start >= 0 {
		f(start, len(s))
	}
}
