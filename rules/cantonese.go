package rules

import (
	"strings"
	"unicode/utf8"
)

// Hong Kong customers write Cantonese: 唔使退錢 is 不用退钱, 寄咗未 is 寄了没,
// 有冇優惠碼 is 有没有优惠码. Its grammar words are read as their Mandarin
// counterparts in a message's Chinese runs (and in keywords, which go
// through the same form), so keywords, negations and question words
// written in Mandarin find Cantonese messages. Only words Mandarin does not
// use otherwise are read so: 系 alone stays (联系), and 唔该 (thanks,
// please) and 唔紧要 (never mind) keep their own sense. The pairs are in
// folded (Simplified) characters, as runs are folded before this.
var cantonesePairs = []string{
	"唔该", "唔该", // thanks, please: a thanks word of its own
	"唔紧要", "没关系",
	"唔使", "不用", "唔洗", "不用", "唔驶", "不用",
	"唔好", "不要",
	"唔系", "不是",
	"唔得", "不行",
	"唔", "不",
	"仲冇", "还没有", "仲未", "还没", "仲系", "还是", "仲要", "还要", "仲有", "还有", // 仲裁 stays
	"冇", "没有", // 有冇: 有没有
	"咗未", "了没",
	"咗", "了",
	"嘅", "的",
	"系咪", "是不是",
	"喺", "在",
	"乜嘢", "什么", "咩", "什么", "乜", "什么",
	"嘢", "东西",
	"俾钱", "付钱", "畀钱", "付钱", "俾", "给", "畀", "给",
	"睇", "看",
	"点样", "怎样",
	"几时", "什么时候",
	"几多钱", "多少钱", "几钱", "多少钱",
	"边度", "哪里", "边个", "谁",
	"佢", "他", "哋", "们", // 我哋, 你哋, 佢哋: 我们, 你们, 他们
	"嚟", "来",
	"攞返", "拿回",
	"攞", "拿",
}

// cantoneseByRune lists the pairs by their first character, in the order
// above, so a longer word is tried before its first part.
var cantoneseByRune = func() map[rune][][2]string {
	m := map[rune][][2]string{}
	for i := 0; i < len(cantonesePairs); i += 2 {
		r, _ := utf8.DecodeRuneInString(cantonesePairs[i])
		m[r] = append(m[r], [2]string{cantonesePairs[i], cantonesePairs[i+1]})
	}
	return m
}()

// cantoneseStart marks the characters a pair starts with, so that most
// characters cost one array read.
var cantoneseStart = func() (t [hanLast - hanFirst + 1]bool) {
	for r := range cantoneseByRune {
		t[r-hanFirst] = true
	}
	return t
}()

// mandarin reads a run of (folded) Chinese characters' Cantonese words as
// Mandarin ones; changed says whether any was. A run without any is
// returned as it is, without allocating: most runs are Mandarin.
func mandarin(run []byte) (out []byte, changed bool) {
	var b []byte
	for i := 0; i < len(run); {
		r, size := utf8.DecodeRune(run[i:])
		var from, to string
		if r >= hanFirst && r <= hanLast && cantoneseStart[r-hanFirst] {
			from, to = cantoneseAt(run[i:], r)
		}
		if from == "" {
			if b != nil {
				b = append(b, run[i:i+size]...)
			}
			i += size
			continue
		}
		if b == nil && from != to {
			b = append(make([]byte, 0, len(run)+8), run[:i]...)
		}
		if b != nil {
			b = append(b, to...)
		}
		i += len(from)
	}
	if b == nil {
		return run, false
	}
	return b, true
}

// cantoneseAt is the pair whose Cantonese word starts run (r its first
// character), or none.
func cantoneseAt(run []byte, r rune) (from, to string) {
	for _, p := range cantoneseByRune[r] {
		if strings.HasPrefix(string(run), p[0]) {
			return p[0], p[1]
		}
	}
	return "", ""
}
