package rules

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// typoIndex finds the keyword words within a small edit distance of a
// message word without comparing it with every keyword: SymSpell's
// symmetric deletion neighbourhoods. Each keyword word is stored under the
// hashes of itself with up to one letter deleted (two for words of 9+
// letters); a message word looks up its own deletions, and the few
// candidates that share one are verified with the true distance. Hashes
// instead of strings keep a lookup free of allocation; a collision only
// costs a verification.
type typoIndex struct {
	words []typoWord
	byID  map[string]int32 // word → its entry
	// stems and surfaces hold every keyword word (its stem, and as
	// written), however short: a message word that is one is never read as
	// a typo of another ("обмен" is not a typo of "обман").
	stems, surfaces map[string]bool
	dels            map[uint64][]int32
	cache           typoCache
}

type typoWord struct {
	stem  string
	runes []rune
	refs  []partRef
}

// Typo limits (issue 18): distance 1 from 5 letters, 2 from 9 letters;
// shorter words and anything with a digit never match by typo, since a
// changed letter there makes another word ("cat", "car") or another number.
const (
	typoMinLen  = 5
	typoTwoLen  = 9
	typoMaxRune = 32 // longer "words" are not words; hashing them is waste
)

func allowedTypos(n int) int {
	switch {
	case n >= typoTwoLen:
		return 2
	case n >= typoMinLen:
		return 1
	}
	return 0
}

func newTypoIndex() *typoIndex {
	return &typoIndex{byID: map[string]int32{}, stems: map[string]bool{}, surfaces: map[string]bool{}, dels: map[uint64][]int32{}}
}

// add registers a keyword word (its stem) for a part of a term.
func (t *typoIndex) add(stem string, ref partRef) {
	if id, ok := t.byID[stem]; ok {
		t.words[id].refs = append(t.words[id].refs, ref)
		return
	}
	runes := []rune(stem)
	if allowedTypos(len(runes)) == 0 || len(runes) > typoMaxRune || !typoable(runes) {
		return
	}
	id := int32(len(t.words))
	t.words = append(t.words, typoWord{stem: stem, runes: runes, refs: []partRef{ref}})
	t.byID[stem] = id
	eachDeletion(runes, allowedTypos(len(runes)), func(h uint64) {
		list := t.dels[h]
		if len(list) == 0 || list[len(list)-1] != id {
			t.dels[h] = append(list, id)
		}
	})
}

// typoable is true for words of letters only: numbers, codes and mixed
// words ("iphone15", "a1b2") are never corrected.
func typoable(runes []rune) bool {
	for _, r := range runes {
		if r >= '0' && r <= '9' || classify(r) != classLetter {
			return false
		}
	}
	return true
}

// typoMatch is a keyword word near a message word, and how near.
type typoMatch struct {
	id   int32
	dist int8
}

// lookup returns the keyword words within the allowed distance of a
// message word.
func (t *typoIndex) lookup(word string) []typoMatch {
	if len(t.words) == 0 {
		return nil
	}
	if ids, ok := t.cache.get(word); ok {
		return ids
	}
	ids := t.search(word)
	t.cache.put(word, ids)
	return ids
}

func (t *typoIndex) search(word string) []typoMatch {
	var buf [typoMaxRune]rune
	runes := buf[:0]
	for _, r := range word {
		if len(runes) == typoMaxRune {
			return nil
		}
		runes = append(runes, r)
	}
	// A message word of 4 letters can be a keyword of 5 with one deleted.
	if len(runes) < typoMinLen-1 || !typoable(runes) {
		return nil
	}
	var out []typoMatch
	depth := 1
	if len(runes) >= typoTwoLen-1 {
		depth = 2
	}
	eachDeletion(runes, depth, func(h uint64) {
		for _, id := range t.dels[h] {
			if seenID(out, id) {
				continue
			}
			w := &t.words[id]
			d := osaDistance(runes, w.runes, 2)
			// The first letter is rarely the mistaken one, and requiring it
			// keeps everyday words ("there" for "where") from matching.
			if d <= allowedTypos(len(w.runes)) && sameStart(runes, w.runes) {
				out = append(out, typoMatch{id: id, dist: int8(d)})
			}
		}
	})
	return out
}

func sameStart(a, b []rune) bool {
	if a[0] == b[0] || vowelPair(a[0], b[0]) {
		return true
	}
	return len(a) > 1 && len(b) > 1 && a[0] == b[1] && a[1] == b[0]
}

// vowelPair tells Russian vowels that sound alike unstressed, the one
// first letter people do get wrong: аператор for оператор, история/естория.
func vowelPair(a, b rune) bool {
	switch {
	case a > b:
		a, b = b, a
	}
	return a == 'а' && b == 'о' || a == 'е' && b == 'и' || a == 'е' && b == 'э'
}

func seenID(ms []typoMatch, id int32) bool {
	for _, x := range ms {
		if x.id == id {
			return true
		}
	}
	return false
}

// eachDeletion calls fn with the hash of the word itself and of every
// string made by deleting up to depth of its runes, using a polynomial hash
// so each deletion costs O(1) from prefix and suffix hashes.
func eachDeletion(w []rune, depth int, fn func(uint64)) {
	const base = 1099511628211
	n := len(w)
	var pre, pow [typoMaxRune + 1]uint64
	var suf [typoMaxRune + 2]uint64
	pow[0] = 1
	for i := 0; i < n; i++ {
		pre[i+1] = pre[i]*base + uint64(w[i])
		pow[i+1] = pow[i] * base
	}
	for i := n - 1; i >= 0; i-- {
		suf[i] = uint64(w[i])*pow[n-1-i] + suf[i+1]
	}
	// mix tells lengths apart, so "ab"+"" and "a"+"b" seldom collide across lengths.
	mix := func(h uint64, l int) uint64 { return h ^ uint64(l)*0x9E3779B97F4A7C15 }
	fn(mix(pre[n], n))
	if depth < 1 || n < 2 {
		return
	}
	for i := 0; i < n; i++ {
		fn(mix(pre[i]*pow[n-1-i]+suf[i+1], n-1))
	}
	if depth < 2 || n < 3 {
		return
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			mid := pre[j] - pre[i+1]*pow[j-i-1] // hash of w[i+1:j]
			h := (pre[i]*pow[j-i-1]+mid)*pow[n-1-j] + suf[j+1]
			fn(mix(h, n-2))
		}
	}
}

// osaDistance is the optimal string alignment distance (Levenshtein with
// adjacent transpositions), giving up above max.
func osaDistance(a, b []rune, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var rows [3][typoMaxRune + 1]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// typoCache remembers lookups per rules file: customers repeat their words,
// and the deletions of a long word are the costliest part of a lookup. It
// stops growing at a bound so random words cannot exhaust memory.
type typoCache struct {
	m    sync.Map // string → []typoMatch
	size atomic.Int64
}

const typoCacheMax = 100_000

func (c *typoCache) get(word string) ([]typoMatch, bool) {
	v, ok := c.m.Load(word)
	if !ok {
		return nil, false
	}
	return v.([]typoMatch), true
}

func (c *typoCache) put(word string, ids []typoMatch) {
	if c.size.Load() >= typoCacheMax || !utf8.ValidString(word) {
		return
	}
	// The word is a slice of the message's match form; a copy keeps the
	// message from staying in memory with it.
	if _, loaded := c.m.LoadOrStore(strings.Clone(word), ids); !loaded {
		c.size.Add(1)
	}
}

// ambiguous reports whether the nearest keyword words of a typo stand for
// different rules: "обмне" is as near "обмен" (exchange) as "обман"
// (complaint). Forms of one word ("deliveri", "delivery", "deliv"), or
// two keywords of one rule ("charger", "charge"), are not.
func (ix *index) ambiguous(ms []typoMatch) bool {
	t := ix.typos
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if !ix.shareRule(t.words[ms[i].id].refs, t.words[ms[j].id].refs) {
				return true
			}
		}
	}
	return false
}

func (ix *index) shareRule(a, b []partRef) bool {
	for _, x := range a {
		for _, y := range b {
			if x.term == y.term {
				return true
			}
			for _, ra := range ix.terms[x.term].rules {
				for _, rb := range ix.terms[y.term].rules {
					if ra == rb {
						return true
					}
				}
			}
		}
	}
	return false
}
