package rules

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
	"unsafe"

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
// words mixing Latin and Cyrillic lookalikes written in one script
// (repairLookalikes), spaced-out words joined (joinSpaced), letters
// stretched for emphasis counted once (stretched), and Russian and English
// words reduced to their stems, so возврата matches возврат and refunded
// matches refund. The result has a space before and
// after every token, which gives alphabetic keywords their word boundaries.
func matchForm(s string) string {
	form, _ := matchFormScripts(s, nil)
	return form
}

// scriptCounts counts letters by script, for language detection.
type scriptCounts struct{ han, cyrillic, latin int }

// matchFormScripts is matchForm that also counts the letters of each
// script on the way, so language detection costs no second pass, and
// records the words in toks when it is not nil.
func matchFormScripts(s string, toks *tokens) (string, scriptCounts) {
	var b strings.Builder
	// Spaces added between words and at script changes can outgrow the input.
	b.Grow(len(s) + len(s)/2 + 8)
	b.WriteByte(' ')
	counts := writeMatchForm(&b, s, toks)
	out := b.String()
	if len(out) == 1 {
		return "", counts
	}
	return out, counts
}

// token is one word of a message's match form, as the matcher sees it.
type token struct {
	start, end int32 // bytes of the word in the form, without the spaces around it
	rs, re     int32 // bytes of the word as written, in tokens.src
	han        bool  // a run of Chinese characters
	brk        bool  // a clause ends before it (. , ; ! ? and their full-width forms)
	stemmed    bool  // the stemmer changed the word
	folded     bool  // Traditional characters were folded to Simplified
}

// tokens records the words of a message while its match form is written.
type tokens struct {
	list     []token
	src      string // the text the words were read from (NFKC-composed, spaced-out words joined, lookalikes repaired)
	brk      bool   // a clause break is pending for the next word
	question bool   // the message has a question mark
}

func writeMatchForm(b *strings.Builder, s string, toks *tokens) (counts scriptCounts) {
	if needsFullNFKC(s) {
		s = norm.NFKC.String(s)
	}
	s = repairLookalikes(joinSpaced(s))
	var w wordBuf
	w.buf = w.arr[:0]
	w.src = s
	w.toks = toks
	if toks != nil {
		toks.src = s
	}
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		r = compat(r)
		w.end = i
		switch c := classify(r); c {
		case classSep:
			w.end = i - size
			w.flush(b)
			if toks != nil {
				switch r {
				case '?':
					toks.question, toks.brk = true, true
				case '.', ',', ';', ':', '!', '\n', '…', '。', '，', '；', '、', '：', '！':
					toks.brk = true
				}
			}
		case classMark:
			if len(w.buf) > 0 {
				w.buf = utf8.AppendRune(w.buf, r)
			}
		default:
			han := c == classHan
			if han {
				if f := foldHan(r); f != r {
					r = f
					w.folded = true
				}
				if r <= hanLast && r >= hanFirst && cantoneseStart[r-hanFirst] {
					w.cantonese = true
				}
				counts.han++
			} else {
				r = lower(r)
				switch {
				case r >= 'a' && r <= 'z':
					counts.latin++
				case r >= 0x0400 && r <= 0x04FF:
					counts.cyrillic++
				}
			}
			if len(w.buf) > 0 && han != w.han {
				w.end = i - size
				w.flush(b)
			}
			if len(w.buf) == 0 {
				w.start = i - size
			}
			w.end = i
			w.han = han
			if !han && w.stretched(r) {
				continue
			}
			w.buf = utf8.AppendRune(w.buf, r)
		}
	}
	w.flush(b)
	return counts
}

// stretched reports whether r, about to be added to the word, repeats its
// last letter a third time or more: "refuuund", "заказззз", "pleeease". No
// word of English or Russian has a letter three times in a row, so the
// run stands for one letter ("refund", "заказ", "please"; a word with the
// letter doubled is then one letter off, which the typo tolerance
// forgives: "shippping" is "shiping"). The word's second copy is taken
// back at the third, and later ones are not added. A word that is only
// the one letter ("www", "xxx", "ааа") is kept as written, and so are
// digits (10000).
func (w *wordBuf) stretched(r rune) bool {
	if r == w.last && !unicode.IsDigit(r) {
		w.run++
	} else {
		w.last, w.run = r, 1
	}
	if w.run < 3 {
		return false
	}
	if w.run == 3 {
		w.buf = w.buf[:len(w.buf)-utf8.RuneLen(r)] // the second copy
		w.cut = true
	}
	return true
}

// wordBuf collects one word; most fit in the inline array.
type wordBuf struct {
	arr    [64]byte
	buf    []byte
	han    bool
	folded bool
	// cantonese says a character of the word may start a Cantonese word
	// (see mandarin).
	cantonese bool
	toks      *tokens
	// last is the last letter added and run how many times in a row it
	// came; cut says a run in the word was cut to one letter.
	last rune
	run  int
	cut  bool
	src  string // the text being read
	// start and end are the word's bytes in the text being read.
	start, end int
}

func (w *wordBuf) flush(b *strings.Builder) {
	w.last, w.run = 0, 0
	if len(w.buf) == 0 {
		return
	}
	if w.cut {
		w.unstretch()
	}
	start := b.Len()
	stemmed := false
	if w.han {
		if w.cantonese {
			if buf, changed := mandarin(w.buf); changed {
				w.buf, w.folded = buf, true
			}
		}
		b.Write(w.buf) // Chinese is not stemmed
	} else {
		s := stem(w.buf)
		stemmed = s != string(w.buf)
		b.WriteString(s)
	}
	if t := w.toks; t != nil {
		t.list = append(t.list, token{start: int32(start), end: int32(b.Len()), rs: int32(w.start), re: int32(w.end), han: w.han, brk: t.brk, stemmed: stemmed, folded: w.folded})
		t.brk = false
	}
	b.WriteByte(' ')
	w.buf = w.buf[:0]
	w.folded, w.cantonese = false, false
}

// unstretch ends a word in which stretched runs were cut: a word that is
// one letter over and over ("www", "xxx") is written back as it came, since
// the run is the word; any other is marked folded, as its hits are not
// exact.
func (w *wordBuf) unstretch() {
	w.cut = false
	if _, size := utf8.DecodeRune(w.buf); size < len(w.buf) {
		w.folded = true
		return
	}
	w.buf = w.buf[:0]
	for _, r := range w.src[w.start:w.end] {
		w.buf = utf8.AppendRune(w.buf, lower(compat(r)))
	}
}

type runeClass int

const (
	classSep runeClass = iota
	classLetter
	classHan
	classMark
)

// classify sorts a rune into word characters (letters and digits, Chinese
// apart), combining marks and separators, with fast paths for ASCII,
// Cyrillic and the main CJK block, which is nearly all customer text.
func classify(r rune) runeClass {
	switch {
	case r < utf8.RuneSelf:
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return classLetter
		}
		return classSep
	case r >= 0x4E00 && r <= 0x9FFF:
		return classHan
	case r >= 0x0410 && r <= 0x044F, r == 0x0401, r == 0x0451: // А–я, Ё, ё
		return classLetter
	case r >= 0x3000 && r <= 0x303F: // CJK punctuation
		return classSep
	case unicode.Is(unicode.Han, r):
		return classHan
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return classLetter
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
		return classMark
	}
	return classSep
}

func lower(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + 'a' - 'A'
	case r < utf8.RuneSelf:
		return r
	case r >= 0x0410 && r <= 0x042F: // А–Я
		return r + 0x20
	case r >= 0x0430 && r <= 0x044F, r == 0x0451: // а–я, ё
		return r
	case r == 0x0401: // Ё
		return 0x0451
	case r >= 0x4E00 && r <= 0x9FFF:
		return r
	}
	return unicode.ToLower(r)
}

// compat applies NFKC's compatibility mapping to one rune: full-width
// forms, the ideographic space and anything else with a compatibility
// decomposition of a single rune. Sequences that NFKC composes are handled
// by needsFullNFKC instead.
func compat(r rune) rune {
	switch {
	case r < 0x00A0:
		return r
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return r - 0xFEE0
	case r == 0x3000: // ideographic space
		return ' '
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x0400 && r <= 0x04FF:
		return r
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	p := norm.NFKC.Properties(buf[:n])
	d := p.Decomposition()
	if len(d) == 0 {
		return r
	}
	// Take the decomposition if it is one rune (e.g. ℌ→H); a longer one
	// (e.g. ¼) keeps its first letter-like rune, which is enough to match.
	m, _ := utf8.DecodeRune(d)
	return m
}

// needsFullNFKC reports whether s holds combining marks, whose composition
// only whole-string NFKC gets right; other text takes the per-rune path.
func needsFullNFKC(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r >= 0x4E00 && r <= 0x9FFF, r >= 0x0400 && r <= 0x0482, r >= 0x048A && r <= 0x04FF,
			r >= 0x2000 && r <= 0x206F, r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
			// Chinese, Cyrillic letters and the usual punctuation have no marks.
		case unicode.Is(unicode.M, r):
			return true
		}
	}
	return false
}

// stem reduces an English or Russian word to its Snowball stem; Chinese,
// digits and mixed words are kept as they are.
func stem(word []byte) string {
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
		out = undiminish(russian.Stem(strings.ReplaceAll(w, "ё", "е"), true))
	default:
		out = w
	}
	stems.put(w, out)
	return out
}

// undiminish folds the stem of a Russian diminutive in -очка/-ечка to its
// base's: customers write посылочка, коробочка, заявочка for посылка,
// коробка, заявка, and Snowball keeps the suffix. A short base (точка,
// печка, овечка) is a word of its own and stays.
func undiminish(stem string) string {
	for _, suffix := range [...]string{"очк", "ечк"} {
		if base, ok := strings.CutSuffix(stem, suffix); ok && utf8.RuneCountInString(base) >= 3 {
			return base + "к"
		}
	}
	return stem
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
	m    sync.Map // string → string
	size atomic.Int64
}

const stemCacheMax = 200_000

var stems stemCache

func (c *stemCache) get(word []byte) (string, bool) {
	// The lookup key only lives for the call, so it may share the word's
	// bytes; sync.Map reads take no lock.
	v, ok := c.m.Load(unsafe.String(unsafe.SliceData(word), len(word)))
	if !ok {
		return "", false
	}
	return v.(string), true
}

func (c *stemCache) put(word, s string) {
	if c.size.Load() >= stemCacheMax {
		return
	}
	if _, loaded := c.m.LoadOrStore(word, s); !loaded {
		c.size.Add(1)
	}
}
