package rules

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
	"golang.org/x/text/unicode/norm"

	"github.com/frontdesk-bot/frontdesk/rules/internal/zhfold"
)

// foldHan maps a Traditional Chinese character to its Simplified form.
func foldHan(r rune) rune { return zhfold.Rune(r) }

// matchForm is the form keywords and messages are compared in: Normalize's
// folding (NFKC, lower case, separators) plus Traditional→Simplified Chinese,
// tokens split where the script changes between Chinese and other letters,
// and Russian and English words reduced to their stems, so возврата matches
// возврат and refunded matches refund. The result has a space before and
// after every token, which gives alphabetic keywords their word boundaries.
func matchForm(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteByte(' ')
	writeMatchForm(&b, s)
	out := b.String()
	if len(out) == 1 {
		return ""
	}
	return out
}

func writeMatchForm(b *strings.Builder, s string) {
	if !norm.NFKC.IsNormalString(s) {
		s = norm.NFKC.String(s)
	}
	var tok [64]byte // most words fit; longer ones spill to the heap
	word := tok[:0]
	wordHan := false
	flush := func() {
		if len(word) == 0 {
			return
		}
		b.WriteString(stem(word, wordHan))
		b.WriteByte(' ')
		word = word[:0]
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(foldHan(r))
			han := unicode.Is(unicode.Han, r)
			if len(word) > 0 && han != wordHan {
				flush()
			}
			wordHan = han
			word = utf8.AppendRune(word, r)
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if len(word) > 0 {
				word = utf8.AppendRune(word, r)
			}
		default:
			flush()
		}
	}
	flush()
}

// stem reduces an English or Russian word to its Snowball stem; Chinese,
// digits and mixed words are kept as they are.
func stem(word []byte, han bool) string {
	if han {
		return string(word)
	}
	if s, ok := stems.get(word); ok {
		return s
	}
	w := string(word)
	var out string
	switch script(w) {
	case scriptLatin:
		out = english.Stem(w, true)
	case scriptCyrillic:
		// The Snowball Russian stemmer treats ё as е only after folding.
		out = russian.Stem(strings.ReplaceAll(w, "ё", "е"), true)
	default:
		out = w
	}
	stems.put(w, out)
	return out
}

type scriptKind int

const (
	scriptOther scriptKind = iota
	scriptLatin
	scriptCyrillic
)

func script(w string) scriptKind {
	kind := scriptOther
	for _, r := range w {
		var k scriptKind
		switch {
		case r < utf8.RuneSelf && r >= 'a' && r <= 'z':
			k = scriptLatin
		case unicode.Is(unicode.Cyrillic, r):
			k = scriptCyrillic
		default:
			return scriptOther // digits, accents and mixed words are not stemmed
		}
		if kind != scriptOther && k != kind {
			return scriptOther
		}
		kind = k
	}
	return kind
}

// stemCache remembers stems: customers use a small vocabulary over and over,
// and stemming is the costliest step of matching. It stops growing at a
// bound so that a flood of random words cannot exhaust memory.
type stemCache struct {
	mu sync.RWMutex
	m  map[string]string
}

const stemCacheMax = 200_000

var stems = stemCache{m: map[string]string{}}

func (c *stemCache) get(word []byte) (string, bool) {
	c.mu.RLock()
	s, ok := c.m[string(word)] // map indexing with a converted key does not allocate
	c.mu.RUnlock()
	return s, ok
}

func (c *stemCache) put(word, s string) {
	c.mu.Lock()
	if len(c.m) < stemCacheMax {
		c.m[word] = s
	}
	c.mu.Unlock()
}
