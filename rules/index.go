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
	re      *regexp.Regexp
	group   string // the group it belongs to, "" for a rule's own keyword
	rules   []int32
	pattern int // index into the automaton's patterns, -1 when not searched by it
}

// dfaMaxPatterns bounds the keyword sets that get a DFA.
const dfaMaxPatterns = 2000

// index finds, in one pass over a message, every term it contains. All
// partial keywords of all rules share one Aho-Corasick automaton; full-match
// keywords are a map lookup of the whole message; regular expressions run
// one by one (there are few).
type index struct {
	terms    []term
	ac       ahocorasick.AhoCorasick
	acTerms  [][]int32 // automaton pattern → terms with that pattern
	full     map[string][]int32
	regexes  []int32
	byKey    map[string]int32 // dedupe: the same keyword in the same mode is one term
	groupIDs map[string][]int32
}

func newIndex() *index {
	return &index{full: map[string][]int32{}, byKey: map[string]int32{}, groupIDs: map[string][]int32{}}
}

// add registers a keyword (or regex) and returns its term id.
func (ix *index) add(source, group string, full bool, re *regexp.Regexp) int32 {
	key := group + "\x00" + source
	if full {
		key += "\x00full"
	}
	if re != nil {
		key += "\x00re"
	}
	if id, ok := ix.byKey[key]; ok {
		return id
	}
	t := term{source: source, full: full, re: re, group: group, pattern: -1}
	if re == nil {
		t.form = matchForm(source)
	}
	id := int32(len(ix.terms))
	ix.terms = append(ix.terms, t)
	ix.byKey[key] = id
	if group != "" {
		ix.groupIDs[group] = append(ix.groupIDs[group], id)
	}
	return id
}

// build compiles the automaton once every term is known.
func (ix *index) build() {
	var patterns []string
	byPattern := map[string]int{}
	for id := range ix.terms {
		t := &ix.terms[id]
		switch {
		case t.re != nil:
			ix.regexes = append(ix.regexes, int32(id))
		case t.form == "":
		case t.full:
			ix.full[t.form] = append(ix.full[t.form], int32(id))
		default:
			p := searchPattern(t.form)
			n, ok := byPattern[p]
			if !ok {
				n = len(patterns)
				byPattern[p] = n
				patterns = append(patterns, p)
				ix.acTerms = append(ix.acTerms, nil)
			}
			t.pattern = n
			ix.acTerms[n] = append(ix.acTerms[n], int32(id))
		}
	}
	// A DFA scans faster but its memory grows with the number of states
	// times the alphabet; measured at 10,000 keywords it takes about 54 MiB
	// against the NFA's 8, so only small sets get one.
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.StandardMatch, DFA: len(patterns) <= dfaMaxPatterns})
	ix.ac = b.Build(patterns)
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

// scan marks every term the message contains. form is the message's match
// form, raw its text for regular expressions.
func (ix *index) scan(form, raw string, hit []bool, found []int32) []int32 {
	mark := func(id int32) {
		if !hit[id] {
			hit[id] = true
			found = append(found, id)
		}
	}
	if form != "" && ix.ac.PatternCount() > 0 {
		it := ix.ac.IterOverlapping(form)
		for m := it.Next(); m != nil; m = it.Next() {
			for _, id := range ix.acTerms[m.Pattern()] {
				mark(id)
			}
		}
	}
	for _, id := range ix.full[form] {
		mark(id)
	}
	if len(ix.regexes) > 0 {
		subject := regexSubject(raw)
		for _, id := range ix.regexes {
			if ix.terms[id].re.MatchString(subject) {
				mark(id)
			}
		}
	}
	return found
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
