package rules

import (
	"slices"
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
// words (能, 可以, 什么时候, 还没) when the object comes first, or right
// after it when 把 or 将 puts it first (把钱退回来).

// hanPair is a keyword found when two parts stand apart in this order.
type hanPair struct {
	term    int32
	single  bool // one part is a single character
	forward bool // in the keyword's order
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
// 货什么时候发, 款已经扣了, 钱还没退, 货我想退.
var hanFronted = "能可以什么时候还没已经都也要想会怎么被何几再就才有可不给我你们帐"

// hanApartIndex is the parts of Chinese keywords and the keywords each
// pair of parts makes.
type hanApartIndex struct {
	parts map[string]bool
	pairs map[[2]string][]hanPair
	// bare maps the verb of a verb-object keyword whose object is goods or
	// money (退款, 退货, 发货, 到货) to those keywords: customers leave such
	// an object out when the verb alone asks about it (能退吗, 发了吗).
	bare map[rune][]int32
}

// hanGenericObjects are the objects a verb-object keyword may leave out:
// goods and money. 发票 (invoice) is no verb and its object, so
// it is not among them.
const hanGenericObjects = "货款钱"

// hanBareBefore may stand before a verb without its object, and
// hanBareAfter after it: the modals, adverbs and question words of 能退吗,
// 可以退吗, 还没发, 什么时候到, 怎么还没到, and the particles of 发了吗,
// 到了没, 退得了吗, 退不了. Anything else next to the verb makes it part
// of another word (退出, 发现, 收到, 迟到).
const (
	hanBareBefore = "能以没候会要想么经都再快还"
	hanBareAfter  = "吗了没不得呢吧啊啦"
)

// hanBareWords are words a frame's character makes with such a verb:
// 想到 (think of), 要到 (obtain) say nothing of arriving.
var hanBareWords = []string{"想到", "要到"}

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
	if ix.hanApart == nil {
		ix.hanApart = &hanApartIndex{parts: map[string]bool{}, pairs: map[[2]string][]hanPair{}, bare: map[rune][]int32{}}
	}
	x := ix.hanApart
	if len(rs) == 2 && strings.ContainsRune(hanGenericObjects, rs[1]) {
		x.bare[rs[0]] = append(x.bare[rs[0]], id)
	}
	for _, c := range cuts {
		a, b := string(rs[:c]), string(rs[c:])
		single := c == 1 || len(rs)-c == 1
		x.parts[a], x.parts[b] = true, true
		x.pairs[[2]string{a, b}] = append(x.pairs[[2]string{a, b}], hanPair{term: id, single: single, forward: true})
		x.pairs[[2]string{b, a}] = append(x.pairs[[2]string{b, a}], hanPair{term: id, single: single})
	}
}

// maxHanParts bounds the parts looked at in one run of characters.
const maxHanParts = 64

// hanApart finds Chinese keywords whose parts stand apart in a run of
// Chinese characters (one token).
func (sc *scratch) hanApart(r *Rules, form string, ti int32, t token) {
	x := r.ix.hanApart
	run := form[t.start:t.end]
	var occ [maxHanParts][2]int
	n := 0
	for i := 0; i < len(run) && n < maxHanParts; {
		_, s1 := utf8.DecodeRuneInString(run[i:])
		if x.parts[run[i:i+s1]] {
			occ[n] = [2]int{i, i + s1}
			n++
		}
		if i+s1 < len(run) && n < maxHanParts {
			_, s2 := utf8.DecodeRuneInString(run[i+s1:])
			if x.parts[run[i:i+s1+s2]] {
				occ[n] = [2]int{i, i + s1 + s2}
				n++
			}
		}
		i += s1
	}
	for p := 0; p < n; p++ {
		for q := p + 1; q < n; q++ {
			between := run[occ[p][1]:max(occ[q][0], occ[p][1])]
			if occ[q][0] < occ[p][1] {
				continue // overlapping: another word
			}
			adjacent := occ[q][0] == occ[p][1]
			// Adjacent parts are the keyword as written, or another word,
			// unless 把 or 将 fronts the object: 把钱退回来 is 退钱.
			if adjacent && !hanDisposal(run[:occ[p][0]]) {
				continue
			}
			gap := utf8.RuneCountInString(between)
			if gap > hanSplitGrammar {
				break
			}
			for _, hp := range x.pairs[[2]string{run[occ[p][0]:occ[p][1]], run[occ[q][0]:occ[q][1]]}] {
				if adjacent && (hp.forward || hp.single && !hanComplement(run[occ[q][1]:])) ||
					!hanGapFits(between, gap, hp) || hanNegatedBefore(r.ix.lex, between) || sc.hasHit(hp.term) {
					continue // 货别发了, 订单不要取消
				}
				sc.addHit(hit{term: hp.term, kind: kindProximity, worst: kindExact, t0: ti, t1: ti,
					b0: t.start + int32(occ[p][0]), b1: t.start + int32(occ[q][1])})
			}
		}
	}
	sc.hanBare(r, run, ti, t)
}

// hanBare finds the verb of a verb-object keyword standing without its
// object where the verb alone asks about it (能退吗, 发了吗, 还没到), as
// a looser match of the keyword than its parts apart (a proximity match
// of the verb as another form of the keyword: the proximity switch turns
// it off, the families switch does not).
func (sc *scratch) hanBare(r *Rules, run string, ti int32, t token) {
	x := r.ix.hanApart
	if len(x.bare) == 0 {
		return
	}
	for i, c := range run {
		terms := x.bare[c]
		if len(terms) == 0 {
			continue
		}
		end := i + utf8.RuneLen(c)
		before, _ := utf8.DecodeLastRuneInString(run[:i])
		after, _ := utf8.DecodeRuneInString(run[end:])
		framedBefore, framedAfter := i > 0 && strings.ContainsRune(hanBareBefore, before), end < len(run) && strings.ContainsRune(hanBareAfter, after)
		// Each side holds a frame's word or nothing, and one side a word:
		// a character alone (钱，退) says too little.
		if i > 0 && !framedBefore || end < len(run) && !framedAfter || !framedBefore && !framedAfter {
			continue
		}
		if hanNegatedBefore(r.ix.lex, run[:i]) || framedBefore && slices.Contains(hanBareWords, string(before)+string(c)) {
			continue
		}
		for _, id := range terms {
			if !sc.hasHit(id) {
				sc.addHit(hit{term: id, kind: kindProximity, worst: kindStemmed, t0: ti, t1: ti,
					b0: t.start + int32(i), b1: t.start + int32(end)})
			}
		}
	}
}

// hanDisposal tells whether before, the characters before a part, ends in
// 把 or 将, which put the object before its verb (把钱退回来, 将订单取消).
func hanDisposal(before string) bool {
	return strings.HasSuffix(before, "把") || strings.HasSuffix(before, "将")
}

// hanComplement tells whether after, what follows a one-character verb
// right after its object, starts as a verb's complement or particle does
// (把钱退回来, 把货发了吗) or is nothing: then the two characters are the
// verb and its object, not a word of their own (把工人叫来 is not 人工).
func hanComplement(after string) bool {
	if after == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(after)
	return strings.ContainsRune("回了掉给一下吧吗啊呢出过完", r)
}

// hanGapFits tells whether what stands between two parts lets them count
// as one keyword.
func hanGapFits(between string, gap int, hp hanPair) bool {
	if !hp.single {
		return gap <= hanSplitGap
	}
	allowed := hanFronted
	if hp.forward {
		allowed = hanInfix
	}
	for _, c := range between {
		if !strings.ContainsRune(allowed, c) {
			return false
		}
	}
	return true
}

func (sc *scratch) hasHit(id int32) bool {
	for _, h := range sc.hits {
		if h.term == id {
			return true
		}
	}
	return false
}
