package rules

import (
	"strings"
	"unicode/utf8"
)

// Chinese keywords apart. Chinese moves the object before the verb and puts
// particles inside a verb-object word: 发了货 and 货什么时候发 are 发货,
// 钱能退吗 is 退钱, 营业的时间 is 营业时间. A keyword of two to four
// characters is split in two (one and one, one and two, two and two); both
// parts found close together in one clause count as the keyword, reported
// as "proximity". Single characters are common, so a one-character part
// only pairs with its partner across grammar words: particles (了, 过, 个)
// between them in the keyword's order, or adverbs, modals and question
// words (能, 可以, 什么时候, 还没) when the object comes first.

// hanSplit is one way to split a Chinese keyword.
type hanSplit struct {
	term   int32
	a, b   string // the parts, in the keyword's order
	single bool   // one part is a single character
}

// hanSplitGap is how many characters may stand between two parts of two
// characters; hanSplitGrammar bounds the grammar words between single ones.
const (
	hanSplitGap     = 3
	hanSplitGrammar = 4
)

// hanInfix may stand inside a verb-object keyword in its order: 发了货, 退过货.
var hanInfix = "了过个一下的完掉"

// hanFronted may stand between a fronted object and its verb: 钱能退吗,
// 货什么时候发, 款已经扣了, 钱还没退.
var hanFronted = "能可以什么时候还没已经都也要会怎么被何几再就才有可不给我你们帐"

// addHanSplits registers the splits of a Chinese keyword.
func (ix *index) addHanSplits(id int32) {
	t := &ix.terms[id]
	k := strings.TrimSpace(t.form)
	if !isHanKey(k) || strings.Contains(k, " ") {
		return
	}
	rs := []rune(k)
	var cuts []int
	switch len(rs) {
	case 2:
		cuts = []int{1}
	case 3:
		cuts = []int{1, 2}
	case 4:
		cuts = []int{2}
	default:
		return
	}
	if ix.hanSplits == nil {
		ix.hanSplits = map[rune][]hanSplit{}
	}
	for _, c := range cuts {
		s := hanSplit{term: id, a: string(rs[:c]), b: string(rs[c:]), single: c == 1 || len(rs)-c == 1}
		for _, first := range [2]rune{rs[0], rs[c]} {
			ix.hanSplits[first] = append(ix.hanSplits[first], s)
		}
	}
}

// hanApart finds Chinese keywords whose parts stand apart in a run of
// Chinese characters (one token).
func (sc *scratch) hanApart(r *Rules, form string, ti int32, t token) {
	run := form[t.start:t.end]
	for i, c := range run {
		for _, s := range r.ix.hanSplits[c] {
			first, second, forward := s.a, s.b, true
			if !strings.HasPrefix(run[i:], s.a) {
				if !strings.HasPrefix(run[i:], s.b) {
					continue
				}
				first, second, forward = s.b, s.a, false
			}
			from := i + len(first)
			j, ok := sc.hanPartAfter(r.ix.lex, run, from, second, s.single, forward)
			if !ok || sc.hasHit(s.term) {
				continue
			}
			sc.addHit(hit{term: s.term, kind: kindProximity, worst: kindExact, t0: ti, t1: ti,
				b0: t.start + int32(i), b1: t.start + int32(j+len(second))})
		}
	}
}

// hanPartAfter looks for the second part after the first, across what may
// stand between them; it returns where the second part starts.
func (sc *scratch) hanPartAfter(lx *lexicon, run string, from int, part string, single, forward bool) (int, bool) {
	gap := 0
	for j := from; j < len(run); {
		if gap > 0 && strings.HasPrefix(run[j:], part) {
			if hanNegatedBefore(lx, run[from:j]) {
				return 0, false // 货别发了, 订单不要取消
			}
			return j, true
		}
		c, n := utf8.DecodeRuneInString(run[j:])
		gap++
		if single {
			allowed := hanFronted
			if forward {
				allowed = hanInfix
			}
			if gap > hanSplitGrammar || !strings.ContainsRune(allowed, c) {
				return 0, false
			}
		} else if gap > hanSplitGap {
			return 0, false
		}
		j += n
	}
	return 0, false
}

func (sc *scratch) hasHit(id int32) bool {
	for _, h := range sc.hits {
		if h.term == id {
			return true
		}
	}
	return false
}
