package rules

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// matchKind is how a keyword was found in a message, from the surest to
// the loosest; the trace names it and the score weighs it.
type matchKind uint8

const (
	kindExact matchKind = iota
	kindFolded
	kindStemmed
	kindVocabulary
	kindFamily
	kindProximity
	kindTypo
	kindFull
	kindRegex
)

var kindNames = [...]string{"exact", "folded", "stemmed", "vocabulary", "family", "proximity", "typo", "full", "regex"}

// kindQuality weighs each kind: an exact keyword is surer than another
// form of its word, which is surer than words apart or a typo.
var kindQuality = [...]float64{1, 1, 0.95, 0.95, 0.9, 0.85, 0.8, 1, 1}

func (k matchKind) String() string { return kindNames[k] }

// needs is the switch a kind of match depends on.
func (k matchKind) needs() switches {
	switch k {
	case kindTypo:
		return swTypos
	case kindFamily, kindVocabulary:
		// Chinese regional vocabulary is the same idea as word families:
		// other words for the keyword.
		return swFamilies
	case kindProximity:
		return swProximity
	}
	return 0
}

// hit is one keyword found in a message.
type hit struct {
	term   int32
	kind   matchKind
	worst  matchKind // the loosest kind among a proximity match's words
	neg    bool      // in a negated clause, or set aside (why)
	why    setAside  // why a hit with neg is no match
	other  bool      // the word in another sense ("return to", 人工智能): no match
	t0, t1 int32     // first and last token
	b0, b1 int32     // bytes in the form (of the first word, for proximity)
}

// setAside says why a hit is no match although no negation stands by it.
type setAside uint8

const (
	negatedHere  setAside = iota // a negation of its own: "no need to cancel"
	reportedDone                 // in what the customer reports done, while another clause asks
	afterAside                   // after an aside (also, btw, кстати): what came first answers
	takenBack                    // before a retraction (never mind, неважно, 算了)
	inCondition                  // in a condition (if, если, 的话), while another clause names a keyword
)

// occurrence is a word of a multi-word keyword found in a message.
type occurrence struct {
	term int32
	part uint8
	kind matchKind
	tok  int32
}

// maxHits bounds the work per message whatever its length.
const maxHits = 256

// minScore is the least score that answers: any one keyword that matched
// passes it; it keeps out what is only weakly like a keyword.
const minScore = 0.5

// collect finds every keyword in the message's match form, with how it was
// found and whether it is negated, and gives each rule its best score.
func (sc *scratch) collect(r *Rules, form string) {
	ix := r.ix
	sc.cues, sc.spamCount, sc.contrast, sc.asks, sc.terse, sc.requested, sc.asideAt, sc.retractEnd = 0, 0, -1, 0, false, false, -1, -1
	if form != "" && ix.ac.PatternCount() > 0 {
		it := ix.ac.IterOverlapping(form)
		for m := it.Next(); m != nil; m = it.Next() {
			p := m.Pattern()
			b0, b1 := int32(m.Start()), int32(m.End())
			if form[b0] == ' ' {
				b0++
			}
			if b1 > b0 && form[b1-1] == ' ' {
				b1--
			}
			for _, ref := range ix.acTerms[p] {
				sc.addHit(hit{term: ref.term, kind: ref.kind, b0: b0, b1: b1})
			}
		}
	}
	for _, id := range ix.full[form] {
		sc.addHit(hit{term: id, kind: kindFull, t0: 0, t1: int32(len(sc.toks.list) - 1), b0: 0, b1: int32(len(form))})
	}
	if len(ix.regexes) > 0 && sc.raw != "" {
		subject := regexSubject(sc.raw)
		for _, id := range ix.regexes {
			if ix.terms[id].re.MatchString(subject) {
				sc.addHit(hit{term: id, kind: kindRegex, t0: -1, t1: -1, b0: -1, b1: -1})
			}
		}
	}
	sc.words(r, form)
	if ix.hanApart != nil && r.anyOn&sc.mask&swProximity != 0 {
		for ti, t := range sc.toks.list {
			if t.han {
				sc.hanApart(r, form, int32(ti), t)
			}
		}
	}
	if ix.pinyin != nil && r.anyOn&sc.mask&swTypos != 0 && !sc.hanHit(r) {
		for ti, t := range sc.toks.list {
			if t.han {
				sc.soundAlike(ix.pinyin, form, t, int32(ti))
			}
		}
	}
	sc.proximity(r, form)
	sc.qualify(r, form)
	if sc.cues&cueThanks != 0 {
		sc.terse = sc.onlyKeywordsAndThanks(ix.lex, form)
	}
}

// onlyKeywordsAndThanks reports whether every word of the message is a
// keyword that matched, thanks, or a word that goes with thanks ("thank
// you so much", "спасибо заранее", "谢谢啦"): "退款，谢谢" and "refund,
// thanks" name what they want and thank in advance. A thank-you for
// something done says what was done ("refund arrived, thanks").
func (sc *scratch) onlyKeywordsAndThanks(lx *lexicon, form string) bool {
	covered := func(b0, b1 int32) bool {
		for _, h := range sc.hits {
			if h.b0 >= 0 && h.b0 <= b0 && b1 <= h.b1 && !h.neg {
				return true
			}
		}
		return false
	}
	any := false
	for _, t := range sc.toks.list {
		if !t.han {
			surface := strings.ToLower(sc.toks.src[t.rs:t.re])
			switch {
			case pastTense(surface):
				return false // "refunded, thanks", "деньги вернули, спасибо": done, not asked for
			case covered(t.start, t.end):
				any = true
			case lx.words[form[t.start:t.end]]&cueThanks == 0 && !thanksCompanions[surface]:
				return false
			}
			continue
		}
		// A run of Chinese characters: each part is a keyword that
		// matched, a thanks word, or a particle or addressee.
		run := form[t.start:t.end]
	chars:
		for i := 0; i < len(run); {
			b := t.start + int32(i)
			for _, h := range sc.hits {
				if h.b0 == b && h.b1 > b && h.b1 <= t.end && !h.neg {
					i += int(h.b1 - b)
					any = true
					continue chars
				}
			}
			r, size := utf8.DecodeRuneInString(run[i:])
			if r >= hanFirst && r <= hanLast {
				for _, c := range lx.zhByRune[r] {
					if c.flags&cueThanks != 0 && strings.HasPrefix(run[i:], c.word) {
						i += len(c.word)
						continue chars
					}
				}
			}
			if !strings.ContainsRune(zhThanksCompanions, r) {
				return false
			}
			i += size
		}
	}
	return any
}

// pastTense tells an English or Russian verb in the past, which says what
// was done: refunded, arrived; вернули, получил, пришла.
func pastTense(w string) bool {
	if englishPast[w] {
		return true
	}
	n := utf8.RuneCountInString(w)
	if n > 4 && strings.HasSuffix(w, "ed") {
		return true
	}
	if n > 3 {
		for _, end := range russianPastEnds {
			if strings.HasSuffix(w, end) {
				return true
			}
		}
	}
	return false
}

// writtenPast tells a Latin or Cyrillic word of the message that is a verb
// in the past as written (pastTense).
func (sc *scratch) writtenPast(t token) bool {
	return !t.han && pastTense(strings.ToLower(sc.toks.src[t.rs:t.re]))
}

// russianPastEnds end Russian verbs in the past: вернул, пришла, вернули.
var russianPastEnds = []string{"л", "ла", "ло", "ли", "лся", "лась", "лось", "лись"}

// englishPast are irregular past forms customers write after thanks (the
// regular ones end in -ed).
var englishPast = map[string]bool{"got": true, "came": true, "sent": true, "paid": true, "found": true, "gave": true, "done": true, "went": true,
	"was": true, "were": true, "made": true, "took": true, "had": true}

// thanksCompanions are the words that go with thanks and say nothing of
// their own: whom, how much, and in advance.
var thanksCompanions = map[string]bool{
	"you": true, "so": true, "much": true, "a": true, "lot": true, "very": true, "in": true, "advance": true, "again": true,
	"guys": true, "team": true, "pls": true, "plz": true,
	"вам": true, "большое": true, "огромное": true, "заранее": true, "ребята": true, "пжл": true, "плиз": true,
}

// zhThanksCompanions are the Chinese characters that go with thanks: the
// addressee, "in advance" and sentence particles; not 了, which says it is
// done (收到货了，谢谢).
const zhThanksCompanions = "你您们先呀哦啊哈嘛吧"

// hanHit reports whether a Chinese keyword matched as written (or as a
// regional variant): then no keyword is looked for by its sound. Not even
// in another run of the message: 服务态度太差了…我要去消协举报 would find 去消
// (qu xiao) as 取消.
func (sc *scratch) hanHit(r *Rules) bool {
	for _, h := range sc.hits {
		if h.kind != kindRegex && h.kind != kindFull && isHanKey(strings.TrimSpace(r.ix.terms[h.term].form)) {
			return true
		}
	}
	return false
}

func (sc *scratch) addHit(h hit) {
	if len(sc.hits) < maxHits {
		sc.hits = append(sc.hits, h)
	}
}

// words looks up each Latin and Cyrillic word of the message: cue words,
// other members of a keyword's family, words of multi-word keywords, and
// typos of keyword words.
func (sc *scratch) words(r *Rules, form string) {
	ix := r.ix
	sc.occ = sc.occ[:0]
	wellUntil := 0 // the token after the all-is-well phrase being read
	for ti, t := range sc.toks.list {
		if t.han {
			if sc.asideAt < 0 && ti > 0 {
				for _, a := range ix.lex.zhAsides {
					if strings.HasPrefix(form[t.start:t.end], a) {
						sc.asideAt = t.start // 另外, 顺便: where a run starts, which is where a clause does
						break
					}
				}
			}
			if ti > 0 {
				for _, a := range ix.lex.zhRetracts {
					if strings.HasPrefix(form[t.start:t.end], a) {
						sc.retractEnd = int32(ti + 1) // 算了: a run of its own or starting one
						break
					}
				}
			}
			before := sc.cues
			sc.cues &^= cueContrast | cueAsking | cueRequest
			sc.hanCues(ix.lex, form[t.start:t.end])
			if sc.cues&cueContrast != 0 {
				sc.contrast = int32(ti)
			}
			sc.asking(ti, sc.cues)
			sc.cues |= before
			continue
		}
		w := form[t.start:t.end]
		c := ix.lex.words[w]
		if c&cueWellStart != 0 && ti >= wellUntil {
			if n := ix.lex.wellPhraseAt(form, sc.toks.list, ti); n > 0 {
				sc.cues |= cueWell
				wellUntil = ti + n
			}
		}
		if c&cueAsideStart != 0 && sc.asideAt < 0 && ti > 0 && ix.lex.asideAt(form, sc.toks.list, ti) {
			sc.asideAt = t.start
		}
		if c&cueRetractStart != 0 && ti > 0 {
			if n := ix.lex.retractAt(form, sc.toks.list, ti); n > 0 {
				sc.retractEnd = int32(ti + n) // the last one counts
			}
		}
		c &^= cueWellStart | cueAsideStart | cueRetractStart
		if ti < wellUntil {
			c = 0 // "no problem", "не надо": saying all is well, not asking
		} else if t.stemmed && imperative(sc.toks.src[t.rs:t.re]) {
			sc.asking(ti, cueRequest)
			// "на сайте" is a place, not an imperative; "извините" apologises.
			afterPreposition := ti > 0 && russianPrepositions[form[sc.toks.list[ti-1].start:sc.toks.list[ti-1].end]]
			sc.requested = sc.requested || !politeImperative(w) && !afterPreposition
		}
		if c&cueRequest != 0 && (t.brk || ti == 0 || ix.lex.words[form[sc.toks.list[ti-1].start:sc.toks.list[ti-1].end]]&cueThanks != 0) {
			sc.requested = true // "thanks, send me the invoice": a request starts the clause
		}
		if c != 0 {
			if c&cueWh != 0 && ti > 0 {
				prev := form[sc.toks.list[ti-1].start:sc.toks.list[ti-1].end]
				if !t.brk && !clauseJoiner(prev) || ix.lex.words[prev]&cueThanks != 0 {
					c &^= cueWh // mid-clause: "the agent who helped me"; "спасибо, что помогли"
				}
			}
			if c&cueContrast != 0 {
				sc.contrast = int32(ti)
			}
			sc.asking(ti, c)
			sc.cues |= c
			if c&cueSpam != 0 {
				sc.spamCount++
			}
		}
		for _, ref := range ix.words[w] {
			if ref.kind == kindFamily && t.stemmed && !reflexiveStems()[w] && reflexive(strings.ToLower(sc.toks.src[t.rs:t.re])) {
				continue // вернусь (I'll come back) is not вернуть (give back)
			}
			if ref.kind == kindFamily && !ix.familyWord(w, sc.toks.src[t.rs:t.re]) {
				continue // платье (a dress) is no платить (to pay)
			}
			if ref.kind == kindFamily && otherVerb(sc.toks.src[t.rs:t.re]) {
				continue // пришлите (send) is no пришла (came)
			}
			sc.part(r, ref, int32(ti), t)
		}
		if r.anyOn&sc.mask&swTypos == 0 || len(w) < typoMinLen-1 || ix.lex.common[w] {
			continue
		}
		if ix.typos.stems[w] {
			continue // an exact keyword word, found by the automaton
		}
		if t.stemmed && otherVerb(sc.toks.src[t.rs:t.re]) {
			continue // a family's words are typo candidates too: пришлите is none of пришла's
		}
		surface := w
		if t.stemmed {
			surface = sc.toks.src[t.rs:t.re]
			if hasUpper(surface) {
				surface = strings.ToLower(surface)
			}
		}
		if ix.typos.surfaces[surface] || ix.lex.common[surface] {
			continue
		}
		// The stem and the word as written are both compared ("trackng"
		// is nearer "tracking" than "track"); only the nearest keyword
		// words count, so a typo between two keywords picks the closer.
		ms := ix.typos.lookup(w)
		if surface != w {
			ms = nearest(ms, ix.typos.lookup(surface))
		} else {
			ms = nearest(ms, nil)
		}
		if ix.ambiguous(ms) {
			continue // as near one keyword as another: guessing would answer wrongly
		}
		for _, m := range ms {
			id := m.id
			for _, ref := range ix.typos.words[id].refs {
				sc.part(r, ref, int32(ti), t)
			}
		}
	}
}

// hanCues finds the lexicon's Chinese words (thanks, asking, spam) in a run
// of characters: a table says which characters start one, so most
// characters cost one array read, and no automaton match is allocated.
func (sc *scratch) hanCues(lx *lexicon, run string) {
	thanksEnd, wellEnd := -1, -1
	for i, r := range run {
		if r < hanFirst || r > hanLast || !lx.zhStart[r-hanFirst] {
			continue
		}
		for _, c := range lx.zhByRune[r] { // all-is-well cues first
			if strings.HasPrefix(run[i:], c.word) {
				if c.flags&cueWell != 0 {
					wellEnd = max(wellEnd, i+len(c.word))
				} else if i < wellEnd && c.flags&^cueAsking == 0 {
					continue // 没问题 says all is well; its 没 and 问题 ask nothing
				}
				if c.flags&cueThanks != 0 {
					thanksEnd = i + len(c.word)
				} else if c.flags&^(cueAsking|cueRequest) == 0 && thanksEnd >= 0 && thanksAddressee(run[thanksEnd:i]) {
					continue // 谢谢你帮我查: what is thanked for, not a request
				}
				if c.flags&cueRequest != 0 {
					sc.requested = true // 谢谢，发票给我
				}
				sc.cues |= c.flags
				if c.flags&cueSpam != 0 {
					sc.spamCount++
				}
			}
		}
	}
}

// asking records a word that asks or requests something.
func (sc *scratch) asking(ti int, c cueFlags) {
	if c&(cueAsking|cueWh|cueContrast|cueRequest) != 0 && ti < 64 {
		sc.asks |= 1 << ti
	}
}

// russianPrepositions govern a noun: a word after one ending like an
// imperative (на сайте, в почте) is that noun.
var russianPrepositions = map[string]bool{"на": true, "в": true, "во": true, "о": true, "об": true, "при": true, "по": true}

// otherVerbPrefixes begin the forms of a verb whose stem Snowball makes
// the same as another verb's: пришлите, пришлю, пришлёт (прислать, to
// send) share пришл with пришла, пришло (прийти, to come). Such a form is
// never a member of the other verb's family.
var otherVerbPrefixes = []string{"пришлит", "пришлю", "пришлет", "пришлем", "пришлешь"}

// otherVerb tells a word (as written) that otherVerbPrefixes begin.
func otherVerb(w string) bool {
	if len(w) < len("пришлю") || !strings.HasPrefix(w, "п") && !strings.HasPrefix(w, "П") {
		return false // the common case, without lower-casing
	}
	w = strings.ReplaceAll(strings.ToLower(w), "ё", "е")
	for _, p := range otherVerbPrefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// politeImperative tells the Russian imperatives that greet or apologise
// rather than ask: "здравствуйте, спасибо", "спасибо, извините за
// беспокойство" ask for nothing.
// w is the word's match form (lower case).
func politeImperative(w string) bool {
	return strings.HasPrefix(w, "извин") || strings.HasPrefix(w, "прост") || strings.HasPrefix(w, "здравств")
}

// imperative tells a Russian imperative: пришлите, дайте, отправьте.
func imperative(w string) bool {
	return utf8.RuneCountInString(w) > 4 && (strings.HasSuffix(w, "ите") || strings.HasSuffix(w, "йте") || strings.HasSuffix(w, "ьте"))
}

// declining reports whether the message refuses something (a negated
// keyword), says all is well, and asks for nothing outside the refusing
// clauses: "不用退货了，尺码合适" mentions a size but wants nothing.
func (sc *scratch) declining() bool {
	if sc.toks.question || sc.cues&cueContent == 0 {
		return false
	}
	toks := sc.toks.list
	if len(toks) > 64 {
		return false
	}
	var negClauses uint64 // by clause number
	any := false
	for i := range sc.hits {
		h := &sc.hits[i]
		if h.neg && h.t0 >= 0 {
			negClauses |= 1 << min(clauseOf(toks, h.t0), 63)
			any = true
		}
	}
	if !any {
		return false
	}
	clause := 0
	for ti := range toks {
		if ti > 0 && toks[ti].brk {
			clause++
		}
		if sc.asks&(1<<ti) != 0 && negClauses&(1<<min(clause, 63)) == 0 {
			return false
		}
	}
	return true
}

// clauseOf numbers the clause a token stands in.
func clauseOf(toks []token, ti int32) int {
	n := 0
	for i := int32(1); i <= ti; i++ {
		if toks[i].brk {
			n++
		}
	}
	return n
}

// clauseJoiner starts a new clause without punctuation: "thanks and where
// is it", "спасибо а когда придёт".
func clauseJoiner(w string) bool {
	switch w {
	case "and", "so", "also", "и", "а", "так":
		return true
	}
	return false
}

// thanksAddressee tells the words between a thanks and what it thanks
// for: nothing, or whom (谢谢帮我, 谢谢你们帮忙).
func thanksAddressee(s string) bool {
	switch s {
	case "", "你", "您", "你们", "大家", "客服":
		return true
	}
	return false
}

// part records a word matched for a keyword part: a whole single-word
// keyword is a hit at once; a word of a multi-word one waits for the others.
func (sc *scratch) part(r *Rules, ref partRef, ti int32, t token) {
	if len(r.ix.terms[ref.term].parts) == 0 {
		sc.addHit(hit{term: ref.term, kind: ref.kind, t0: ti, t1: ti, b0: t.start, b1: t.end})
		return
	}
	if len(sc.occ) < maxHits {
		sc.occ = append(sc.occ, occurrence{term: ref.term, part: ref.part, kind: ref.kind, tok: ti})
	}
}

// proximityWindow is how many other words may stand between the words of
// a multi-word keyword.
const proximityWindow = 3

// proximity finds the multi-word keywords whose words all appear, in any
// order, within a short window.
func (sc *scratch) proximity(r *Rules, form string) {
	if len(sc.occ) == 0 {
		return
	}
	occ := sc.occ
	sort.Slice(occ, func(i, j int) bool {
		if occ[i].term != occ[j].term {
			return occ[i].term < occ[j].term
		}
		return occ[i].tok < occ[j].tok
	})
	for i := 0; i < len(occ); {
		j := i
		for j < len(occ) && occ[j].term == occ[i].term {
			j++
		}
		sc.window(r, occ[i:j], form)
		i = j
	}
}

// window looks for the shortest run of occurrences covering every part of
// one term (sorted by token). Function words ("are", "my", "to") are
// glue: a keyword with two or more other words matches when those are
// all there and at least one of its function words is near ("when will
// you be open" for "when are you open", "where's my order" for "where is
// my order"); a keyword with fewer ("ship to") only matches with its words
// together, never apart.
func (sc *scratch) window(r *Rules, occ []occurrence, form string) {
	t := &r.ix.terms[occ[0].term]
	n := len(t.parts)
	need := n
	glue := t.fn != 0 && bits.OnesCount8(t.fn) <= n-2
	if glue {
		need = n - bits.OnesCount8(t.fn)
	}
	required := func(o occurrence) bool { return !glue || t.fn&(1<<o.part) == 0 }
	var count [maxParts]int
	covered := 0
	bestSpan, bestLo, bestHi := int32(math.MaxInt32), 0, 0
	lo := 0
	for hi := range occ {
		if !required(occ[hi]) {
			continue
		}
		if count[occ[hi].part] == 0 {
			covered++
		}
		count[occ[hi].part]++
		for covered == need {
			if !required(occ[lo]) {
				lo++
				continue
			}
			if span := occ[hi].tok - occ[lo].tok; span < bestSpan {
				bestSpan, bestLo, bestHi = span, lo, hi
			}
			count[occ[lo].part]--
			if count[occ[lo].part] == 0 {
				covered--
			}
			lo++
		}
	}
	if bestSpan == math.MaxInt32 || bestSpan > int32(n-1+proximityWindow) {
		return
	}
	if t.fn != 0 && !glue && bestSpan != int32(n-1) {
		return // "ship to": a function word counts only next to its word
	}
	if t.not != 0 && !sc.negationsInPlace(r, t, occ[bestLo:bestHi+1], form) {
		return
	}
	first, last := occ[bestLo].tok, occ[bestHi].tok
	if glue {
		near := false
		for _, o := range occ {
			if !required(o) && o.tok >= first-1 && o.tok <= last+1 {
				near = true
				break
			}
		}
		if !near {
			return
		}
	}
	worst := kindExact
	for _, o := range occ[bestLo : bestHi+1] {
		if required(o) && o.kind > worst {
			worst = o.kind
		}
	}
	ft, lt := sc.toks.list[first], sc.toks.list[last]
	kind := kindProximity
	for _, h := range sc.hits {
		if h.term == occ[0].term {
			return // found as written by the automaton already
		}
	}
	sc.addHit(hit{term: occ[0].term, kind: kind, worst: worst, t0: first, t1: last, b0: ft.start, b1: lt.end})
}

// otherSenseBefore reports a one-word keyword given another sense by the
// word just before it (otherSensesBefore): "my flight got cancelled",
// 航班取消.
func (sc *scratch) otherSenseBefore(lx *lexicon, form string, h *hit) bool {
	if h.kind == kindProximity || h.t0 < 0 || h.t1 != h.t0 || h.b0 < 0 {
		return false
	}
	before := lx.otherBefore[strings.TrimSpace(form[h.b0:h.b1])]
	if len(before) == 0 {
		return false
	}
	toks := sc.toks.list
	if t := toks[h.t0]; t.han {
		for _, b := range before {
			if strings.HasSuffix(form[t.start:h.b0], b) {
				return true
			}
		}
		return false
	}
	for j := int(h.t0) - 1; j >= 0 && j >= int(h.t0)-2 && !toks[j+1].brk; j-- {
		w := form[toks[j].start:toks[j].end]
		if slices.Contains(before, w) {
			return true
		}
		if !auxiliaries[w] {
			return false
		}
	}
	return false
}

// auxiliaries may stand between a word and the keyword it gives another
// sense: "my flight got cancelled", "the meeting was cancelled".
var auxiliaries = map[string]bool{"got": true, "get": true, "was": true, "is": true, "been": true, "be": true, "has": true, "have": true}

// otherSense tells whether the word a keyword matched is followed by a
// word that gives it another sense (otherSenses): "I'll return to this
// later", 人工智能, 取消关注 are no refund, person or cancelled order. It
// returns the bytes of that following word in the form, 0 for none.
func (sc *scratch) otherSense(lx *lexicon, form string, h *hit) int {
	if h.kind == kindProximity || h.t0 < 0 || h.t1 < 0 || h.b0 < 0 {
		return 0
	}
	followers := lx.otherSenses[strings.TrimSpace(form[h.b0:h.b1])]
	if len(followers) == 0 {
		return 0
	}
	toks := sc.toks.list
	if t := toks[h.t1]; t.han {
		rest := form[h.b1:t.end]
		for _, f := range followers {
			if strings.HasPrefix(rest, f) {
				return len(f)
			}
		}
		return 0
	}
	key := strings.TrimSpace(form[h.b0:h.b1])
	written := strings.ToLower(sc.toks.src[toks[h.t0].rs:toks[h.t1].re])
	if script(key) == scriptLatin && written != key && written != key+"ing" {
		return 0 // "returns to the EU" are goods sent back
	}
	// The next word, or the one after a function word that is no
	// follower itself: "cancel the newsletter", never "return it to you".
	for next := int(h.t1) + 1; next < len(toks) && next <= int(h.t1)+2 && !toks[next].brk; next++ {
		w := form[toks[next].start:toks[next].end]
		after := next > int(h.t1)+1 // after a function word: only a word of its own counts
		for _, f := range followers {
			if w == f && !(after && functionWord()[w]) && !(next+1 < len(toks) && lx.otherSenseKept[form[toks[next+1].start:toks[next+1].end]]) {
				return int(toks[next].end - h.b1)
			}
		}
		if !functionWord()[w] || next > int(h.t1)+1 {
			return 0
		}
	}
	return 0
}

// reportedDone sets aside the keywords of what the customer reports done
// when, after but, another keyword follows with what is still missing:
// "the refund came through, but I still don't have an invoice", "деньги за
// возврат пришли, а чек так и не прислали", 退款到账了，但是发票还没开 ask for
// the invoice. Without either the report or the "still", nothing changes:
// "the refund arrived but only half" still asks about the refund.
func (sc *scratch) reportedDone(lx *lexicon, form string) {
	if sc.cues&cueBut == 0 {
		return
	}
	toks := sc.toks.list
	at := -1 // where but stands, in bytes of the form
	for ti, t := range toks {
		w := form[t.start:t.end]
		if t.han {
			for _, b := range lx.zhBut {
				if i := strings.Index(w, b); i >= 0 && (at < 0 || int(t.start)+i < at) {
					at = int(t.start) + i
				}
			}
		} else if lx.but[w] && (w != "а" || t.brk) && ti > 0 {
			at = int(t.start)
		}
		if at >= 0 {
			break
		}
	}
	if at < 0 || !sc.hasCue(form, 0, at, lx.done, lx.zhDone) || !sc.hasCue(form, at, len(form), lx.still, lx.zhStill) {
		return
	}
	sc.setAsideIf(reportedDone, func(h *hit) bool { return int(h.b0) >= at },
		func(h *hit) bool { return h.b0 >= 0 && int(h.b1) <= at })
}

// reportedPast sets aside the keywords of a clause that only reports what
// the customer did (a verb in the past; in Chinese 已经, 过 or 了 after the
// keyword) and asks nothing, when another keyword stands in a clause that
// asks: "…оплатила картой. Подскажите, когда его отправят?" and "I paid by
// card yesterday and the payment went through fine. When will it ship?" ask
// about the shipping; 我已经刷卡付款了，想请问什么时候会出货 too. A clause asks
// with an asking word, or as the message's last one when it has a
// question mark.
func (sc *scratch) reportedPast(lx *lexicon, form string) {
	toks := sc.toks.list
	if len(sc.hits) < 2 || len(toks) > 64 {
		return
	}
	clause, c := clauses(toks)
	var asking uint64 // by clause
	for ti := range toks {
		if sc.asks&(1<<ti) != 0 {
			asking |= 1 << clause[ti]
		}
	}
	if sc.toks.question {
		asking |= 1 << c // the last clause
	}
	var asked uint64 // by clause: a keyword stands there that is asked about
	for i := range sc.hits {
		h := &sc.hits[i]
		if h.neg || h.other || h.t0 < 0 || asking&(1<<clause[h.t0]) == 0 {
			continue
		}
		// A Chinese verb alone (钱什么时候到) is too little to outweigh what
		// the customer reports: 我已经退了货，钱什么时候到 asks for the refund.
		if !toks[h.t0].han || h.b1-h.b0 >= 6 {
			asked |= 1 << clause[h.t0]
		}
	}
	if asked == 0 {
		return
	}
	var past, known uint64 // by clause: reports; whether looked at
	reports := func(c uint8) bool {
		if known&(1<<c) == 0 {
			known |= 1 << c
			for ti, t := range toks {
				if clause[ti] == c && sc.writtenPast(t) {
					past |= 1 << c
					break
				}
			}
		}
		return past&(1<<c) != 0
	}
	for i := range sc.hits {
		h := &sc.hits[i]
		if h.neg || h.t0 < 0 || clause[h.t0] != clause[h.t1] || asked&^(1<<clause[h.t0]) == 0 {
			continue // what is asked stands in this clause, or nowhere else
		}
		t := toks[h.t0]
		if asking&(1<<clause[h.t0]) != 0 {
			// A Chinese clause may ask only through the keyword's own
			// characters (不想要了: 想, 要); then it asks nothing.
			alone := t.han && (h.t0 == 0 || toks[h.t0].brk) && (int(h.t0)+1 == len(toks) || toks[h.t0+1].brk)
			if !alone || sc.toks.question && int(clause[h.t0]) == int(c) ||
				lx.hanAsks(form[t.start:h.b0]) || lx.hanAsks(form[h.b1:t.end]) {
				continue
			}
		}
		if t.han && hanReported(form[t.start:t.end], int(h.b0-t.start)) || !t.han && reports(clause[h.t0]) {
			h.neg, h.why = true, reportedDone
		}
	}
}

// aside sets aside the keywords after the first aside word (also, btw,
// кстати, 另外; found by words) when a keyword stands before it: what comes
// first is what the customer wrote for, the rest an afterthought.
func (sc *scratch) aside() {
	at := sc.asideAt
	if at < 0 || len(sc.hits) < 2 {
		return
	}
	sc.setAsideIf(afterAside, func(h *hit) bool { return h.b0 >= 0 && h.b1 <= at },
		func(h *hit) bool { return h.b0 >= at })
}

// retracted sets aside the keywords before the last retraction (never
// mind, неважно, 算了) when nothing after it asks or names a keyword: the
// customer took back what they wrote.
func (sc *scratch) retracted() {
	end := sc.retractEnd
	toks := sc.toks.list
	if end < 0 || len(sc.hits) == 0 || len(toks) > 64 {
		return
	}
	if int(end) < len(toks) && sc.asks>>uint(end) != 0 {
		return // "never mind, where is my order?"
	}
	for i := range sc.hits {
		if h := &sc.hits[i]; !h.neg && !h.other && h.t0 >= end {
			return // "never mind the exchange, refund it"
		}
	}
	for i := range sc.hits {
		if h := &sc.hits[i]; h.t0 >= 0 && h.t1 < end {
			h.neg, h.why = true, takenBack
		}
	}
}

// conditional sets aside the keywords of a condition (ifWords) when a
// keyword stands outside every condition: "если ещё не отправили, отмените
// заказ" and 还没发货的话能帮我取消吗 ask for the cancellation; the shipping is
// the circumstance.
func (sc *scratch) conditional(lx *lexicon, form string) {
	toks := sc.toks.list
	if len(sc.hits) < 2 || len(toks) > 64 {
		return
	}
	clause, _ := clauses(toks)
	clauseEnd := func(ti int) int32 {
		end := toks[ti].end
		for tj := ti + 1; tj < len(toks) && clause[tj] == clause[ti]; tj++ {
			end = toks[tj].end
		}
		return end
	}
	var conds [8][2]int32 // byte ranges of the conditions
	n := 0
	for ti, t := range toks {
		if n == len(conds) {
			break
		}
		starts := ti == 0 || t.brk
		if !t.han {
			if starts && lx.ifs[form[t.start:t.end]] {
				conds[n] = [2]int32{t.start, clauseEnd(ti)}
				n++
			}
			continue
		}
		run := form[t.start:t.end]
		found := false
		for _, w := range lx.zhIfEnd {
			if i := strings.Index(run, w); i > 0 {
				conds[n] = [2]int32{t.start, t.start + int32(i)}
				n, found = n+1, true
				break
			}
		}
		for _, w := range lx.zhIfStart {
			if !found && starts && strings.HasPrefix(run, w) {
				conds[n] = [2]int32{t.start, clauseEnd(ti)}
				n++
				break
			}
		}
	}
	if n == 0 {
		return
	}
	inCond := func(h *hit) bool {
		for _, c := range conds[:n] {
			if h.b0 >= c[0] && h.b1 <= c[1] {
				return true
			}
		}
		return false
	}
	sc.setAsideIf(inCondition, func(h *hit) bool { return h.b0 >= 0 && !inCond(h) },
		func(h *hit) bool { return h.b0 >= 0 && !h.neg && inCond(h) })
}

// setAsideIf sets aside, for why, the hits that in holds for, when a live
// hit (neither negated nor in another sense) stands where there says:
// what is asked there outweighs them.
func (sc *scratch) setAsideIf(why setAside, there, in func(h *hit) bool) {
	live := false
	for i := range sc.hits {
		if h := &sc.hits[i]; !h.neg && !h.other && there(h) {
			live = true
			break
		}
	}
	if !live {
		return
	}
	for i := range sc.hits {
		if h := &sc.hits[i]; in(h) {
			h.neg, h.why = true, why
		}
	}
}

// hanWaits tells a run of Chinese characters that says the customer waits
// (等发货就行).
func (lx *lexicon) hanWaits(run string) bool {
	for _, w := range lx.zhWait {
		if strings.Contains(run, w) {
			return true
		}
	}
	return false
}

// hanAsks tells Chinese text holding a word that asks or requests.
func (lx *lexicon) hanAsks(s string) bool {
	for i, r := range s {
		if r < hanFirst || r > hanLast || !lx.zhStart[r-hanFirst] {
			continue
		}
		for _, c := range lx.zhByRune[r] {
			if c.flags&(cueAsking|cueWh|cueRequest|cueContrast) != 0 && strings.HasPrefix(s[i:], c.word) {
				return true
			}
		}
	}
	return false
}

// clauses numbers the clauses of at most 64 tokens: each token's clause,
// and the last clause's number.
func clauses(toks []token) (clause [64]uint8, last uint8) {
	for ti, t := range toks {
		if ti > 0 && t.brk {
			last++
		}
		clause[ti] = last
	}
	return clause, last
}

// hanReported tells a run of Chinese characters that reports done the
// keyword starting at byte b0: 已(经) before it, 了 or 过 from it on (已经付款了,
// 刷卡付款了, 付过款, 发了货); not 不过 (刷不过: the card did not go through).
func hanReported(run string, b0 int) bool {
	if strings.Contains(run[:b0], "已") {
		return true
	}
	rest := run[b0:]
	if strings.Contains(rest, "了") {
		return true
	}
	for i := strings.Index(rest, "过"); i >= 0; i = strings.Index(rest, "过") {
		if !strings.HasSuffix(run[:b0+i], "不") {
			return true
		}
		b0 += i + len("过")
		rest = run[b0:]
	}
	return false
}

// hasCue reports whether a word of words (Latin, Cyrillic) or of zh
// (inside Chinese runs) stands in the form's bytes [from, to).
func (sc *scratch) hasCue(form string, from, to int, words map[string]bool, zh []string) bool {
	for _, t := range sc.toks.list {
		if int(t.end) <= from || int(t.start) >= to {
			continue
		}
		w := form[max(int(t.start), from):min(int(t.end), to)]
		if !t.han {
			if words[w] {
				return true
			}
			continue
		}
		for _, c := range zh {
			if strings.Contains(w, c) {
				return true
			}
		}
	}
	return false
}

// negationsInPlace reports whether each bare negation of a keyword (the
// не of "не пришел заказ") stands right before the word it negates in the
// message, or with one of notGaps between ("not yet arrived"): a не
// elsewhere negates another word ("прислали не тот товар, … пришла") and
// says nothing of this one.
func (sc *scratch) negationsInPlace(r *Rules, t *term, occ []occurrence, form string) bool {
	toks := sc.toks.list
	for p := range t.parts {
		if t.not&(1<<p) == 0 {
			continue
		}
		placed := false
		for _, o := range occ {
			if int(o.part) != p {
				continue
			}
			for _, next := range occ {
				if int(next.part) != p+1 {
					continue
				}
				gap := next.tok - o.tok
				if gap == 1 || gap == 2 && !toks[o.tok+1].brk && !toks[next.tok].brk && r.ix.lex.notGaps[form[toks[o.tok+1].start:toks[o.tok+1].end]] {
					placed = true
				}
			}
		}
		if !placed {
			return false
		}
	}
	return true
}

// qualify completes each hit (its tokens, whether folding or stemming was
// needed, negation) and scores the rules.
func (sc *scratch) qualify(r *Rules, form string) {
	toks := sc.toks.list
	for i := range sc.hits {
		h := &sc.hits[i]
		if h.b0 < 0 || len(toks) == 0 {
			continue
		}
		if h.kind == kindExact || h.kind == kindVocabulary {
			h.t0 = tokenAt(toks, h.b0)
			h.t1 = tokenAt(toks, h.b1-1)
			if h.kind == kindExact {
				stemmed := false
				for _, t := range toks[h.t0 : h.t1+1] {
					switch {
					case t.folded:
						h.kind = kindFolded
					case t.stemmed:
						stemmed = true
					}
				}
				// Stemmed only when the words as written differ from the
				// keyword's: "refunds" for "refund", not "shipping" for "shipping".
				if stemmed && h.kind == kindExact && !toks[h.t0].han && !toks[h.t1].han &&
					!sameWords(sc.toks.src[toks[h.t0].rs:toks[h.t1].re], r.ix.terms[h.term].source) {
					h.kind = kindStemmed
				}
			}
		}
		if r.anyOn&sc.mask&swNegation != 0 {
			h.neg = sc.negated(r.ix.lex, form, h)
		}
	}
	// A keyword's word in another sense is no match, nor is the word that
	// gave it that sense, part of the idiom: 追踪 in 取消追踪 (unfollow) is
	// no tracking either.
	for i := range sc.hits {
		h := &sc.hits[i]
		n := sc.otherSense(r.ix.lex, form, h)
		if n == 0 {
			h.other = h.other || sc.otherSenseBefore(r.ix.lex, form, h)
			continue
		}
		h.other = true
		for j := range sc.hits {
			if g := &sc.hits[j]; g.b0 >= h.b1 && g.b0 < h.b1+int32(n) {
				g.other = true
			}
		}
	}
	if r.anyOn&sc.mask&swNegation != 0 {
		sc.reportedDone(r.ix.lex, form)
		sc.reportedPast(r.ix.lex, form)
		sc.aside()
		sc.retracted()
		sc.conditional(r.ix.lex, form)
		// A keyword inside a longer one that is negated is negated with
		// it: in "отменить заказ не надо" the negation follows "отменить
		// заказ", and "отменить" alone must not answer as if asked. Also
		// when the longer one was found in other forms ("отменять заказ не
		// нужно"), as long as its words stand together: found apart, its
		// span holds other words that may be asked for.
		for i := range sc.hits {
			n := &sc.hits[i]
			if !n.neg || n.b0 < 0 || n.kind == kindProximity && int(n.t1-n.t0)+1 != len(r.ix.terms[n.term].parts) {
				continue
			}
			for j := range sc.hits {
				if h := &sc.hits[j]; !h.neg && h.b0 >= n.b0 && h.b1 <= n.b1 {
					h.neg = true
				}
			}
		}
	}
	for i := range sc.hits {
		h := &sc.hits[i]
		t := &r.ix.terms[h.term]
		if h.other {
			continue
		}
		if !h.neg {
			sc.hit[h.term] = true
			sc.found = append(sc.found, h.term)
		}
		s := kindQuality[h.kind] * t.spec
		if h.kind == kindProximity {
			s *= kindQuality[h.worst]
		}
		for _, ri := range t.rules {
			ru := r.rules[ri]
			sw := ru.sw & sc.mask
			if need := h.kind.needs() | h.worst.needs(); need&^sw != 0 {
				continue // the rule turned this kind of match off
			}
			if sc.best[ri] < 0 && sc.neg[ri] < 0 {
				sc.touched = append(sc.touched, ri)
			}
			if h.neg && sw&swNegation != 0 {
				if sc.neg[ri] < 0 {
					sc.neg[ri] = int32(i)
				}
				continue
			}
			if sc.best[ri] < 0 || s > sc.score[ri] {
				sc.score[ri] = s
				sc.best[ri] = int32(i)
			}
		}
	}
}

// tokenAt finds the token holding byte b of the form.
func tokenAt(toks []token, b int32) int32 {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].end > b })
	if i == len(toks) {
		i--
	}
	return int32(i)
}

// negated tells whether a hit stands in a negated clause: a negation just
// before it (only bridge words between) or just after it.
func (sc *scratch) negated(lx *lexicon, form string, h *hit) bool {
	toks := sc.toks.list
	if h.t0 < 0 {
		return false
	}
	if (sc.cues&cueThanks != 0 && sc.cues&cueBut == 0 || sc.contrast > h.t1) && noneNegated(lx, form, toks, h) && !stillMissing(lx, form, toks, h) ||
		noneNeeded(lx, form, toks, h) {
		return true
	}
	if sc.contrast > h.t1 && sc.hitAfter(sc.contrast) && notBefore(lx, form, toks, h) {
		return true // "not complaining, just asking about the refund"
	}
	if toks[h.t0].han {
		t := toks[h.t0]
		if hanNegatedBefore(lx, form[t.start:h.b0]) {
			return true
		}
		t = toks[h.t1]
		if hanNegatedAfter(lx, form[h.b1:t.end]) {
			return true
		}
		if hanNoLonger(form[toks[h.t0].start:h.b0], form[h.b1:t.end]) {
			return true
		}
	}
	// Words before, within the clause: bridges may stand between.
	j := int(h.t0) - 1
	for k := 0; k <= 3 && j >= 0; k++ {
		if toks[j+1].brk {
			break
		}
		for n := 1; n <= lx.negWords && j-n+1 >= 0; n++ {
			if n > 1 && toks[j-n+2].brk {
				break
			}
			if lx.negBefore[form[toks[j-n+1].start:toks[j].end]] {
				return true
			}
		}
		if toks[j].han && hanNegatedBefore(lx, form[toks[j].start:toks[j].end]) {
			return true
		}
		if !lx.bridges[form[toks[j].start:toks[j].end]] {
			break
		}
		j--
	}
	// Words after.
	j = int(h.t1) + 1
	for k := 0; k <= 2 && j < len(toks); k++ {
		if toks[j].brk {
			break
		}
		for n := 1; n <= lx.negWords && j+n-1 < len(toks); n++ {
			if n > 1 && toks[j+n-1].brk {
				break
			}
			if lx.negAfter[form[toks[j].start:toks[j+n-1].end]] {
				return true
			}
		}
		if !lx.bridges[form[toks[j].start:toks[j].end]] {
			break
		}
		j++
	}
	return false
}

// noneNegated reports whether a keyword is said to be absent, in its
// clause: "no complaints", "жалоб нет", 没有投诉.
func noneNegated(lx *lexicon, form string, toks []token, h *hit) bool {
	if toks[h.t0].han {
		before := form[toks[h.t0].start:h.b0]
		for _, w := range lx.none[0] {
			if isHanKey(w) && strings.HasSuffix(before, w) {
				return true
			}
		}
	}
	if toks[h.t0].han && h.b0 > toks[h.t0].start {
		return false
	}
	if h.t0 > 0 && !toks[h.t0].brk {
		for _, w := range lx.none[0] {
			if isHanKey(w) {
				continue
			}
			n := int32(strings.Count(w, " ") + 1)
			if h.t0-n >= 0 && form[toks[h.t0-n].start:toks[h.t0-1].end] == w {
				return true
			}
		}
	}
	if toks[h.t1].han && h.b1 < toks[h.t1].end {
		return false
	}
	if i := h.t1 + 1; int(i) < len(toks) && !toks[i].brk {
		for _, w := range lx.none[1] {
			n := int32(strings.Count(w, " ") + 1)
			if int(i+n-1) < len(toks) && form[toks[i].start:toks[i+n-1].end] == w {
				return true
			}
		}
	}
	return false
}

// stillMissing reports that the thing a hit names is said to be missing
// still (stillNoneWords): in its clause, or, in Chinese, just before the
// none word before it (还没有).
func stillMissing(lx *lexicon, form string, toks []token, h *hit) bool {
	if t := toks[h.t0]; t.han {
		before := form[t.start:h.b0]
		for _, w := range lx.none[0] {
			if rest, ok := strings.CutSuffix(before, w); ok && isHanKey(w) {
				for _, s := range lx.zhStillNone {
					if strings.HasSuffix(rest, s) {
						return true
					}
				}
			}
		}
	}
	first, last := int(h.t0), int(h.t1)
	for first > 0 && !toks[first].brk {
		first--
	}
	for last+1 < len(toks) && !toks[last+1].brk {
		last++
	}
	for i := first; i <= last; i++ {
		if !toks[i].han && lx.stillNone[form[toks[i].start:toks[i].end]] {
			return true
		}
	}
	return false
}

// notBefore reports a bare "not" or "не" just before a keyword, bridges
// aside, in its clause. Alone it negates nothing ("has not arrived" is the
// question itself); followed by just/only/просто and another keyword it is
// a refusal of this one in favour of that: "I'm not complaining, just
// asking about the refund", "не жалуюсь, просто вопрос про возврат".
func notBefore(lx *lexicon, form string, toks []token, h *hit) bool {
	j := int(h.t0) - 1
	for k := 0; k <= 3 && j >= 0 && !toks[j+1].brk && !toks[j].han; k++ {
		w := form[toks[j].start:toks[j].end]
		if lx.not[w] {
			return true
		}
		if !lx.bridges[w] {
			return false
		}
		j--
	}
	return false
}

// hitAfter reports a keyword found after token t. It goes by bytes: hits
// get their tokens as they are qualified, and later ones may not have
// them yet.
func (sc *scratch) hitAfter(t int32) bool {
	end := sc.toks.list[t].end
	for i := range sc.hits {
		if h := &sc.hits[i]; h.b0 >= end || h.b0 < 0 && h.t0 > t {
			return true
		}
	}
	return false
}

// noneNeeded reports "no X needed": a none word just before the keyword
// and a word of need just after it, in one clause.
func noneNeeded(lx *lexicon, form string, toks []token, h *hit) bool {
	before, after := int(h.t0)-1, int(h.t1)+1
	if before < 0 || after >= len(toks) || toks[h.t0].brk || toks[after].brk || toks[h.t0].han || toks[h.t1].han {
		return false
	}
	return lx.needed[form[toks[after].start:toks[after].end]] && slices.Contains(lx.none[0], form[toks[before].start:toks[before].end])
}

// hanNegatedBefore reports whether Chinese text ends with a negation,
// bridges aside: 不用退款, 不要帮我退款. 特别 is not 别.
func hanNegatedBefore(lx *lexicon, before string) bool {
	for k := 0; k <= 3; k++ {
		for _, c := range lx.zhBefore {
			if strings.HasSuffix(before, c) && !notNegation(before[:len(before)-len(c)], c) {
				return true
			}
		}
		trimmed := false
		for _, b := range lx.zhBridges {
			if strings.HasSuffix(before, b) {
				before = before[:len(before)-len(b)]
				trimmed = true
				break
			}
		}
		if !trimmed {
			return false
		}
	}
	return false
}

// hanNoLonger tells 不 right before a keyword and 了 right after it: "no
// longer" (不取消了, 不退了, 我不换货了), where a bare 不 alone is no
// refusal (怎么还不发货). 要不 before it suggests instead (要不取消了吧: "how
// about cancelling"), and 了吗 after it asks (不发货了吗: "not shipping
// any more?").
func hanNoLonger(before, after string) bool {
	rest, ok := strings.CutSuffix(before, "不")
	particle, ok2 := strings.CutPrefix(after, "了")
	return ok && ok2 && !strings.HasSuffix(rest, "要") && !strings.HasPrefix(particle, "吗")
}

// notNegation tells the Chinese that only looks like a negation: 特别,
// 区别 and 分别 are not 别, and 要不要, 用不用, 需不需要 (the "A-not-A"
// question) ask whether, they do not refuse.
func notNegation(rest, cue string) bool {
	if cue == "别" {
		for _, w := range [...]string{"特", "区", "分", "类", "级", "识", "告", "性", "离"} {
			if strings.HasSuffix(rest, w) {
				return true
			}
		}
	}
	if after, ok := strings.CutPrefix(cue, "不"); ok && after != "" {
		r, _ := utf8.DecodeRuneInString(after)
		last, _ := utf8.DecodeLastRuneInString(rest)
		return r == last
	}
	return false
}

// hanNegatedAfter reports whether Chinese text starts with a negation that
// follows its keyword: 退款不用了.
func hanNegatedAfter(lx *lexicon, after string) bool {
	for k := 0; k <= 2; k++ {
		for _, c := range lx.zhAfter {
			if strings.HasPrefix(after, c) {
				return true
			}
		}
		trimmed := false
		for _, b := range lx.zhBridges {
			if strings.HasPrefix(after, b) {
				after = after[len(b):]
				trimmed = true
				break
			}
		}
		if !trimmed {
			return false
		}
	}
	return false
}

// closing reports whether the message is mainly thanks or a goodbye: a
// thanks word and nothing that asks for anything; or a report of what went
// well (reportsOnly).
func (sc *scratch) closing() bool {
	return (sc.cues&(cueThanks|cueWell) != 0 || sc.reports) && sc.cues&(cueAsking|cueWh) == 0 && !sc.requested && !sc.toks.question && !sc.terse
}

// reportsOnly tells a message that only reports what went well: nothing in
// it asks, every keyword stands in a clause that reports something done (a
// verb in the past; 了, 过 or 已经 with a Chinese keyword) or waited for
// (waitWords), and it sounds positive with no word of something gone
// wrong: "Оплата прошла, жду посылку 🙂",
// "Payment went through and I got the confirmation email, so we're good",
// 支付宝付款成功了，等发货就行. A report that does not sound so ("I was charged
// twice", "the parcel arrived damaged") is a question in all but form.
// The mood must be known.
func (sc *scratch) reportsOnly(lx *lexicon, form string) bool {
	toks := sc.toks.list
	if sc.moodLabel != chat.SentimentPositive || sc.toks.question || sc.requested ||
		sc.cues&(cueAsking|cueWh) != 0 || len(toks) > 64 {
		return false
	}
	for _, it := range sc.moodItems {
		if it.valence < 0 {
			return false // 杯子碎了，外包装倒是好好的: something went wrong too
		}
	}
	clause, _ := clauses(toks)
	var reports uint64 // by clause
	for ti, t := range toks {
		run := form[t.start:t.end]
		if t.han && (strings.Contains(run, "了") || strings.Contains(run, "已") || lx.hanWaits(run)) ||
			!t.han && (lx.wait[run] || sc.writtenPast(t)) {
			reports |= 1 << clause[ti] // a Latin keyword in a Chinese sentence: 用LINE Pay付款成功了
		}
	}
	any := false
	for i := range sc.hits {
		h := &sc.hits[i]
		if h.neg || h.other || h.t0 < 0 {
			continue
		}
		any = true
		t := toks[h.t0]
		run := form[t.start:t.end]
		switch {
		case t.han && (hanReported(run, int(h.b0-t.start)) || lx.hanWaits(run)):
		case !t.han && reports&(1<<clause[h.t0]) != 0:
		default:
			return false
		}
	}
	return any
}

// spam reports whether the message reads as spam: two spam words, or one
// with a link, or several links; never for a message released as not spam.
func (sc *scratch) spam() bool {
	if sc.released {
		return false // an operator said it is not
	}
	return sc.links >= 2 || sc.links >= 1 && sc.spamCount >= 1 || sc.spamCount >= 2
}

// faq reports whether a rule sends an FAQ answer, which thanks and spam
// must not get.
func (ru *rule) faq() bool {
	for _, a := range ru.actions {
		if a.typ == chat.ActionReply {
			return true
		}
	}
	return false
}

// acts reports whether a rule answers or hands off: a thank-you gets
// neither ("thanks, the agent was great" calls nobody).
func (ru *rule) acts() bool {
	for _, a := range ru.actions {
		if a.typ == chat.ActionReply || a.typ == chat.ActionHandoff {
			return true
		}
	}
	return false
}

// rank orders the rules that matched and would stop: spam (ignore) over
// everything; then a rule whose own `when` held (the author's condition
// makes it more specific than the same keywords without one); then an
// urgent handoff over an FAQ answer; then the score, the author's
// priority, and the file's order.
type rank struct {
	class    int
	score    float64
	priority int
	index    int32
}

func (a rank) better(b rank) bool {
	switch {
	case a.class != b.class:
		return a.class > b.class
	case math.Abs(a.score-b.score) > 1e-9:
		return a.score > b.score
	case a.priority != b.priority:
		return a.priority > b.priority
	}
	return a.index < b.index
}

const (
	classAnswer = iota
	classUrgent
	classConditioned
	classSpam
)

func (ru *rule) class() int {
	if ru.ignore {
		return classSpam
	}
	if ru.when != nil {
		return classConditioned
	}
	for _, a := range ru.actions {
		if a.typ == chat.ActionHandoff && (a.priority == "critical" || a.priority == "high") {
			return classUrgent
		}
	}
	return classAnswer
}

// explain fills a step with how its keyword matched.
func (sc *scratch) explain(r *Rules, step *Step, hi int32, score float64) {
	h := &sc.hits[hi]
	t := &r.ix.terms[h.term]
	step.Keyword, step.Group = t.source, t.group
	step.Match = h.kind.String()
	step.Score = math.Round(score*100) / 100
	if h.b0 < 0 || h.t0 < 0 || h.kind == kindExact || h.kind == kindFull || h.kind == kindRegex {
		return
	}
	// Show the words as the customer wrote them; a Chinese keyword inside
	// a longer run of characters shows as found.
	toks := sc.toks.list
	seen := sc.form[h.b0:h.b1]
	if !toks[h.t0].han && !toks[h.t1].han {
		seen = sc.toks.src[toks[h.t0].rs:toks[h.t1].re]
	}
	step.Detail = fmt.Sprintf("%q ≈ %q", seen, t.source)
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// nearest keeps the matches at the least distance of two lists, without
// allocating when one list has them all.
func nearest(a, b []typoMatch) []typoMatch {
	best := int8(127)
	for _, m := range a {
		best = min(best, m.dist)
	}
	for _, m := range b {
		best = min(best, m.dist)
	}
	all := true
	for _, m := range a {
		all = all && m.dist == best
	}
	if all && len(b) == 0 {
		return a
	}
	var out []typoMatch
	for _, list := range [2][]typoMatch{a, b} {
		for _, m := range list {
			if m.dist == best && !seenID(out, m.id) {
				out = append(out, m)
			}
		}
	}
	return out
}

// sameWords compares two texts by their letters and digits, case folded,
// whatever stands between the words.
func sameWords(a, b string) bool {
	next := func(s string, i int) (rune, int) {
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r), i
			}
		}
		return -1, i
	}
	i, j := 0, 0
	for {
		var ra, rb rune
		ra, i = next(a, i)
		rb, j = next(b, j)
		if ra != rb {
			return false
		}
		if ra < 0 {
			return true
		}
	}
}
