// Package zhfold folds Traditional Chinese characters to Simplified ones so
// that text written in either script compares equal: 退貨 and 退货, 營業時間 and
// 营业时间 both fold to the Simplified form.
//
// Folding is character by character, with OpenCC's TSCharacters table (the
// first Simplified alternative of each one-character mapping). That is not a
// faithful conversion for display, since some characters need the phrase
// around them (乾 is 干 in 乾净 but stays 乾 in 乾坤), but it is what matching
// needs: keywords and messages go through the same function, so they fold to
// the same string. Folding is idempotent and leaves every character outside
// the table, Simplified Chinese, Latin, Cyrillic, emoji, as it is.
//
// The table is generated (table.go) from Debian's OpenCC packages; see
// README.md and gen/main.go to regenerate it. OpenCC is Apache-2.0 licensed:
// see LICENSE.opencc.
package zhfold

//go:generate go run ./gen -o table.go

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

type pair struct{ t, s rune }

// Lookups in the dense part of the table, the CJK Unified Ideographs from
// minTrad up (rounded down to a multiple of 64) to the end of the block,
// where nearly every Traditional character is, use a bitmap with one bit per
// code point saying whether it is in table, and for each 64-bit word the
// number of bits set in the words before it: a character's index in table is
// then that count plus the bits set below its own in its word. This takes
// 4 KiB, built from table at init (well under a millisecond, no allocation),
// and makes a lookup a handful of instructions with no unpredictable branch:
// about 10 ns per Traditional character here, where a binary search over
// table costs about 50 ns and a map[rune]rune about 25 ns. The few characters
// beyond (CJK extensions B and later) are binary-searched in
// table[denseCount:].
const (
	denseLo    = minTrad &^ 63
	denseHi    = 0xA000 // end of the CJK Unified Ideographs block
	denseWords = (denseHi - denseLo) / 64
)

var (
	denseBits  [denseWords]uint64
	denseRank  [denseWords]uint16 // bits set in denseBits[:i]
	denseCount int                // len(table) entries below denseHi
)

func init() {
	for i, p := range table {
		if p.t >= denseHi {
			break
		}
		o := p.t - denseLo
		denseBits[o/64] |= 1 << (o % 64)
		denseCount = i + 1
	}
	n := 0
	for i, w := range denseBits {
		denseRank[i] = uint16(n)
		n += bits.OnesCount64(w)
	}
}

// Rune returns the Simplified form of the Traditional character r, or r
// itself when it has none.
func Rune(r rune) rune {
	if r < denseHi {
		if r < denseLo {
			return r
		}
		o := uint(r - denseLo)
		w, bit := denseBits[o/64], uint64(1)<<(o%64)
		if w&bit == 0 {
			return r
		}
		return table[int(denseRank[o/64])+bits.OnesCount64(w&(bit-1))].s
	}
	if r > maxTrad {
		return r
	}
	// Binary search by hand: sort.Search's closure costs more than the search.
	i, j := denseCount, len(table)
	for i < j {
		h := int(uint(i+j) >> 1)
		if table[h].t < r {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(table) && table[i].t == r {
		return table[i].s
	}
	return r
}

// String returns s with every rune folded by Rune. When nothing changes it
// returns s itself without allocating. Invalid UTF-8 bytes are kept as they are.
func String(s string) string {
	for i, r := range s {
		if r >= denseLo && Rune(r) != r {
			return fold(s, i)
		}
	}
	return s
}

// fold folds s from byte i on, i being where the first changing rune starts.
// It copies the runs between changing runes whole; invalid UTF-8 bytes, which
// range reports as utf8.RuneError, never change and so are copied too.
func fold(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + 8) // a fold can turn a 3-byte character into a 4-byte one
	done := 0          // s[:done] is in b
	for j, r := range s[i:] {
		if r < denseLo {
			continue
		}
		if f := Rune(r); f != r {
			b.WriteString(s[done : i+j])
			b.WriteRune(f)
			done = i + j + utf8.RuneLen(r)
		}
	}
	b.WriteString(s[done:])
	return b.String()
}
