package rules

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
)

// Chinese typos are mostly a wrong character with the same sound, picked
// from the input method's list (退宽 for 退款). A Chinese keyword of two or
// more characters also matches a run of characters with the same pinyin
// (tones ignored, first reading of each character) that shares at least
// one character with it, and only when no Chinese keyword matched as
// written. Readings come from github.com/mozillazg/go-pinyin.

// hanSyllables maps each character of the main CJK block to a syllable
// number (0: none), built once, the first time a rules file needs it.
var hanSyllables struct {
	once sync.Once
	ids  []uint16
}

const hanFirst, hanLast = 0x4E00, 0x9FFF

func syllable(r rune) uint16 {
	if r < hanFirst || r > hanLast {
		return 0
	}
	hanSyllables.once.Do(func() {
		ids := make([]uint16, hanLast-hanFirst+1)
		byName := map[string]uint16{}
		args := pinyin.Args{Style: pinyin.Normal}
		for c := rune(hanFirst); c <= hanLast; c++ {
			ps := pinyin.SinglePinyin(c, args)
			if len(ps) == 0 || ps[0] == "" {
				continue
			}
			id, ok := byName[ps[0]]
			if !ok {
				id = uint16(len(byName) + 1)
				byName[ps[0]] = id
			}
			ids[c-hanFirst] = id
		}
		hanSyllables.ids = ids
	})
	return hanSyllables.ids[r-hanFirst]
}

// maxPinyinLen bounds the keywords compared by sound: longer ones are
// phrases, where a wrong character rarely hides the meaning.
const maxPinyinLen = 6

// pinyinIndex finds the Chinese keywords that sound like a run of a
// message's characters: a map from the hash of a syllable sequence to the
// keywords with it.
type pinyinIndex struct {
	keys  map[uint64][]int32
	lens  []int // the keyword lengths present, in characters
	runes map[int32][]rune
}

func (ix *index) addPinyin(id int32) {
	t := &ix.terms[id]
	w := strings.TrimSpace(t.form)
	n := utf8.RuneCountInString(w)
	if t.exact || n < 2 || n > maxPinyinLen || !isHanKey(w) || strings.Contains(w, " ") {
		return
	}
	rs := []rune(w)
	var h uint64
	for _, r := range rs {
		s := syllable(r)
		if s == 0 {
			return
		}
		h = h*1000003 + uint64(s)
	}
	if ix.pinyin == nil {
		ix.pinyin = &pinyinIndex{keys: map[uint64][]int32{}, runes: map[int32][]rune{}}
	}
	p := ix.pinyin
	p.keys[h] = append(p.keys[h], id)
	p.runes[id] = rs
	if !containsInt(p.lens, n) {
		p.lens = append(p.lens, n)
	}
}

func containsInt(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}

// soundAlike adds a typo hit for every keyword that sounds like a run of
// characters in a Chinese token of the message.
func (sc *scratch) soundAlike(p *pinyinIndex, form string, t token, ti int32) {
	var offs [maxTokenRunes + 1]int32
	var syl [maxTokenRunes]uint16
	var rs [maxTokenRunes]rune
	n := 0
	for i, r := range form[t.start:t.end] {
		if n == maxTokenRunes {
			return
		}
		offs[n], syl[n], rs[n] = t.start+int32(i), syllable(r), r
		n++
	}
	offs[n] = t.end
	for _, l := range p.lens {
		for i := 0; i+l <= n; i++ {
			var h uint64
			ok := true
			for _, s := range syl[i : i+l] {
				if s == 0 {
					ok = false
					break
				}
				h = h*1000003 + uint64(s)
			}
			if !ok {
				continue
			}
			for _, id := range p.keys[h] {
				kw := p.runes[id]
				same := 0
				for k, r := range kw {
					if rs[i+k] == r {
						same++
					}
				}
				// Written the same is an exact match, found already; with
				// no character in common it is another word that sounds alike.
				if same == 0 || same == l {
					continue
				}
				sc.addHit(hit{term: id, kind: kindTypo, t0: ti, t1: ti, b0: offs[i], b1: offs[i+l]})
			}
		}
	}
}

// maxTokenRunes bounds the run of Chinese characters compared by sound.
const maxTokenRunes = 128
