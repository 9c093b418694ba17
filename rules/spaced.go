package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Spaced-out words: "退 款", "快 递 到 哪 了", "r e f u n d", "в о з в р а т".
// Some customers type Chinese a character at a time with a space after each,
// and spammers space out the words keyword rules look for. To the matcher
// each character was a word of its own.
//
// joinSpaced joins a run of one-character words separated only by
// whitespace: two or more Chinese characters, or four or more letters
// (fewer letters are ordinary words: "I a", "и в"). A word may carry
// punctuation around its character ("(r", "d!"); digits never join. Text
// without such a run is returned as it is.
const (
	spacedHanMin    = 2
	spacedLetterMin = 4
)

func joinSpaced(s string) string {
	if !mayBeSpaced(s) {
		return s
	}
	var b strings.Builder
	last := 0 // s[:last] is written (or nothing was joined yet)
	runStart, runEnd, runLen := -1, -1, 0
	runKind := spacedNone
	flushRun := func() {
		least := spacedLetterMin
		if runKind == spacedHan {
			least = spacedHanMin
		}
		if runKind != spacedNone && runLen >= least {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last:runStart])
			// Only whitespace stands between the run's words.
			for _, r := range s[runStart:runEnd] {
				if !unicode.IsSpace(r) {
					b.WriteRune(r)
				}
			}
			last = runEnd
		}
		runKind, runLen = spacedNone, 0
	}
	prevEnd := -1 // end of the previous word
	eachField(s, func(start, end int) {
		kind := spacedKindOf(s[start:end])
		switch {
		case kind != spacedNone && kind == runKind && prevEnd == runEnd:
			runEnd = end
			runLen++
		default:
			flushRun()
			if kind != spacedNone {
				runKind, runStart, runEnd, runLen = kind, start, end, 1
			}
		}
		prevEnd = end
	})
	flushRun()
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// mayBeSpaced is a quick test that lets most messages skip joinSpaced: a
// run to join has two one-character words with a space between them
// ("退 款", "e f"), the second followed by a space, punctuation or the end.
// The ideographic space is left to the full test.
func mayBeSpaced(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i] != ' ' {
			if s[i] == 0xE3 && strings.HasPrefix(s[i:], "\u3000") {
				return true
			}
			continue
		}
		// One character before the space, itself after a space or at the start.
		_, size := utf8.DecodeLastRuneInString(s[:i])
		if j := i - size; j > 0 && !isSpaceByte(s[j-1]) || s[i-1] == ' ' {
			continue
		}
		// One character after it, then no letter.
		r, size := utf8.DecodeRuneInString(s[i+1:])
		k := i + 1 + size
		if r == ' ' || classify(r) == classSep {
			continue
		}
		if k == len(s) {
			return true
		}
		if next, _ := utf8.DecodeRuneInString(s[k:]); classify(next) == classSep {
			return true
		}
	}
	return false
}

type spacedKind uint8

const (
	spacedNone spacedKind = iota
	spacedHan
	spacedLetter
)

// spacedKindOf says whether a whitespace-separated field is one Chinese
// character or one letter, with nothing else but punctuation and symbols.
func spacedKindOf(f string) spacedKind {
	kind, n := spacedNone, 0
	for _, r := range f {
		switch c := classify(compat(r)); c {
		case classHan:
			kind, n = spacedHan, n+1
		case classLetter:
			if unicode.IsDigit(r) {
				return spacedNone
			}
			kind, n = spacedLetter, n+1
		case classMark:
			return spacedNone
		}
		if n > 1 {
			return spacedNone
		}
	}
	return kind
}

// eachField calls f with the bytes of each run of s that is not whitespace.
func eachField(s string, f func(start, end int)) {
	start := -1
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		space := unicode.IsSpace(r)
		switch {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			f(start, i)
			start = -1
		}
		i += size
	}
	if start >= 0 {
		f(start, len(s))
	}
}
