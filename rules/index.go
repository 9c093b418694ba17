package rules

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
	"golang.org/x/text/unicode/norm"
)

// term is one thing to look for in a message: a keyword in a match mode, or
// a regular expression.
type term struct {
	source  string // as the marketer wrote it, for traces
	form    string // match form, padded with spaces
	full    bool
	exact   bool // match: exact: contiguous and as written (folded and stemmed), nothing looser
	re      *regexp.Regexp
	group   string // the group it belongs to, "" for a rule's own keyword
	rules   []int32
	pattern int // index into the automaton's patterns, -1 when not searched by it
	// parts are the words of a keyword of several Latin or Cyrillic words,
	// which may also match apart (proximity); nil otherwise.
	parts []string
	// fn marks the parts that are function words ("are", "my", "to").
	fn uint8
	// not marks the parts that are a bare negation (not, не): apart, such
	// a part must still stand right before the word it negates.
	not uint8
	// spec is how specific the keyword is: more words and longer words say
	// more, so "shipping to another country" beats "shipping".
	spec float64
}

// termMode is how a keyword is matched, from `match:`.
type termMode uint8

const (
	modePartial termMode = iota
	modeFull
	modeExact
)

// partRef is a part of a term that a message word can match other than
// by the automaton's exact scan: a word of a multi-word keyword, another
// member of a word's family, or (in the typo index) a keyword word.
type partRef struct {
	term int32
	part uint8
	kind matchKind
}

// acRef is a term an automaton pattern stands for, and how.
type acRef struct {
	term int32
	kind matchKind
}

// dfaMaxPatterns bounds the keyword sets that get a DFA.
const dfaMaxPatterns = 2000

// index finds, in one pass over a message, every term it contains. All
// partial keywords of all rules share one Aho-Corasick automaton (with the
// Chinese vocabulary variants of keywords); full-match keywords are a map lookup of the whole message;
// regular expressions run one by one (there are few). Word families, the
// words of multi-word keywords and typos are found per message word, by
// map lookups (words, typos).
type index struct {
	terms    []term
	ac       ahocorasick.AhoCorasick
	acTerms  [][]acRef // automaton pattern → terms with that pattern
	full     map[string][]int32
	regexes  []int32
	byKey    map[string]int32 // dedupe: the same keyword in the same mode is one term
	groupIDs map[string][]int32
	words    map[string][]partRef
	typos    *typoIndex
	pinyin   *pinyinIndex // nil without Chinese keywords
	// hanApart finds Chinese keywords in two parts apart (hansplit.go);
	// nil without Chinese keywords.
	hanApart *hanApartIndex
	lex      *lexicon
	// familyWritten is each family stem's words as written (familyWord).
	familyWritten map[string][]string
}

func newIndex() *index {
	return &index{full: map[string][]int32{}, byKey: map[string]int32{}, groupIDs: map[string][]int32{},
		words: map[string][]partRef{}, typos: newTypoIndex(), lex: newLexicon()}
}

// add registers a keyword (or regex) and returns its term id.
func (ix *index) add(source, group string, mode termMode, re *regexp.Regexp) int32 {
	key := group + "\x00" + source
	switch mode {
	case modeFull:
		key += "\x00full"
	case modeExact:
		key += "\x00exact"
	}
	if re != nil {
		key += "\x00re"
	}
	if id, ok := ix.byKey[key]; ok {
		return id
	}
	t := term{source: source, full: mode == modeFull, exact: mode == modeExact, re: re, group: group, pattern: -1, spec: 1}
	if re == nil {
		t.form = matchForm(source)
		t.spec = specificity(t.form)
	}
	id := int32(len(ix.terms))
	ix.terms = append(ix.terms, t)
	ix.byKey[key] = id
	if group != "" {
		ix.groupIDs[group] = append(ix.groupIDs[group], id)
	}
	return id
}

// specificity weighs a keyword by what it says: one for its first word,
// more for each further word (two Chinese characters count as a word) and
// a little for its length.
func specificity(form string) float64 {
	words, letters := 0.0, 0
	for _, w := range strings.Fields(form) {
		n := utf8.RuneCountInString(w)
		letters += n
		if isHanKey(w) {
			words += float64(n+1) / 2
		} else {
			words++
		}
	}
	if words < 1 {
		words = 1
	}
	return 1 + 0.6*(words-1) + 0.03*float64(min(letters, 30))
}

// build compiles the automaton and the word maps once every term is known.
func (ix *index) build(families map[string][]string, vocab [][]string) {
	var patterns []string
	byPattern := map[string]int{}
	pattern := func(p string) int {
		n, ok := byPattern[p]
		if !ok {
			n = len(patterns)
			byPattern[p] = n
			patterns = append(patterns, p)
			ix.acTerms = append(ix.acTerms, nil)
		}
		return n
	}
	for id := range ix.terms {
		t := &ix.terms[id]
		switch {
		case t.re != nil:
			ix.regexes = append(ix.regexes, int32(id))
		case t.form == "":
		case t.full:
			ix.full[t.form] = append(ix.full[t.form], int32(id))
		default:
			n := pattern(searchPattern(t.form))
			t.pattern = n
			ix.acTerms[n] = append(ix.acTerms[n], acRef{term: int32(id), kind: kindExact})
			if !t.exact {
				for _, alt := range vocabularyVariants(t.form, vocab) {
					m := pattern(searchPattern(alt))
					ix.acTerms[m] = append(ix.acTerms[m], acRef{term: int32(id), kind: kindVocabulary})
				}
				ix.addWords(int32(id), families)
				ix.addPinyin(int32(id))
				ix.addHanSplits(int32(id))
			}
		}
	}
	// A DFA scans faster but its memory grows with the number of states
	// times the alphabet; measured at 10,000 keywords it takes about 54 MiB
	// against the NFA's 8, so only small sets get one.
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.StandardMatch, DFA: len(patterns) <= dfaMaxPatterns})
	ix.ac = b.Build(patterns)
}

// addWords registers a partial keyword's Latin and Cyrillic words for the
// per-word matches: each word of a multi-word keyword as itself (for
// proximity), every word under the other stems of its family, and every
// word in the typo index.
func (ix *index) addWords(id int32, families map[string][]string) {
	t := &ix.terms[id]
	fields := strings.Fields(t.form)
	if len(fields) == 0 || len(fields) > maxParts {
		return
	}
	for _, w := range fields {
		if isHanKey(w) {
			return // Chinese is matched inside runs of characters, by the automaton
		}
	}
	if len(fields) > 1 {
		t.parts = fields
		for p, w := range fields {
			if functionWord()[w] {
				t.fn |= 1 << p
			}
			if ix.lex.not[w] && p+1 < len(fields) {
				t.not |= 1 << p
			}
		}
	}
	// Typos are also looked for against the words as written and against
	// the other members of their family: "trackng" is one letter from
	// "tracking" but two from its stem "track", "shippment" one from
	// "shipment".
	surface := strings.Fields(Normalize(t.source))
	if len(surface) != len(fields) {
		surface = nil
	}
	for p, w := range fields {
		ref := partRef{term: id, part: uint8(p), kind: kindTypo}
		ix.typos.stems[w] = true
		if surface != nil {
			ix.typos.surfaces[surface[p]] = true
		}
		if surface != nil && surface[p] != w {
			ix.typos.add(surface[p], ref)
		}
		for _, alt := range families[w] {
			ix.typos.add(alt, ref)
		}
		if len(fields) > 1 {
			ix.words[w] = append(ix.words[w], partRef{term: id, part: uint8(p), kind: kindExact})
		}
		for _, alt := range families[w] {
			ix.words[alt] = append(ix.words[alt], partRef{term: id, part: uint8(p), kind: kindFamily})
		}
		ix.typos.add(w, partRef{term: id, part: uint8(p), kind: kindTypo})
	}
}

// maxParts bounds the words of a keyword matched apart; longer keywords
// are phrases, matched as written.
const maxParts = 8

// vocabularyVariants returns a Chinese keyword's form with each
// vocabulary word in it replaced by its regional equivalents.
func vocabularyVariants(form string, vocab [][]string) []string {
	if !strings.ContainsFunc(form, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return nil
	}
	var out []string
	for _, set := range vocab {
		for _, w := range set {
			if !strings.Contains(form, w) {
				continue
			}
			for _, o := range set {
				if o == w {
					continue
				}
				if v := strings.ReplaceAll(form, w, o); v != form && !contains(out, v) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// searchPattern drops the boundary space next to Chinese characters:
// Chinese is written without spaces, so 退钱 must match inside 我想退钱吗,
// while refund must not match inside refundable... but does match refunds,
// because both are stemmed to refund first.
func searchPattern(form string) string {
	p := form
	if r, _ := utf8.DecodeRuneInString(strings.TrimPrefix(p, " ")); unicode.Is(unicode.Han, r) {
		p = strings.TrimPrefix(p, " ")
	}
	if r, _ := utf8.DecodeLastRuneInString(strings.TrimSuffix(p, " ")); unicode.Is(unicode.Han, r) {
		p = strings.TrimSuffix(p, " ")
	}
	return p
}

// regexSubject is what regular expressions see: the message with
// full-width forms, Traditional characters and case folded, but punctuation
// and spacing kept, so patterns like `\d{6}` or `order\s*#` work.
func regexSubject(s string) string {
	if !norm.NFKC.IsNormalString(s) {
		s = norm.NFKC.String(s)
	}
	return strings.Map(func(r rune) rune { return unicode.ToLower(foldHan(r)) }, s)
}
