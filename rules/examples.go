package rules

import (
	"math"
	"slices"
	"strings"
)

// exampleIndex compares a message with the rules' examples (whole customer
// questions) when no keyword answers it: TF-IDF over character n-grams of
// the match form, cosine similarity. Character n-grams need no word
// segmentation, so they work for Chinese as for Russian and English, and a
// typo changes only a few of them. An inverted index from n-gram to the
// examples holding it means a message only touches the examples it shares
// an n-gram with.
type exampleIndex struct {
	texts    []string // as written, for the trace
	rules    []int32  // example → rule
	sizes    []int32  // example → its number of n-grams
	postings map[uint64][]posting
	idf      map[uint64]float32
}

type posting struct {
	example int32
	weight  float32 // tf-idf, the example's vector normalized to length 1
}

// minSimilarity is the cosine similarity from which a message counts as
// the example rephrased: below it, n-grams shared by chance (common
// syllables, a shared word) would answer wrongly.
const minSimilarity = 0.55

// maxPostingShare drops n-grams that many examples share (more than 2%,
// and more than 50): they say little about which example a message is
// like, and long posting lists would cost time on every message.
const maxPostingShare = 0.02

func newExampleIndex() *exampleIndex {
	return &exampleIndex{postings: map[uint64][]posting{}, idf: map[uint64]float32{}}
}

// add registers one example of a rule; build must follow.
func (x *exampleIndex) add(rule int32, text string) {
	x.texts = append(x.texts, text)
	x.rules = append(x.rules, rule)
	x.sizes = append(x.sizes, 0)
}

// build computes the weights once every example is known.
func (x *exampleIndex) build() {
	grams := make([]map[uint64]int, len(x.texts))
	df := map[uint64]int{}
	for i, text := range x.texts {
		g := map[uint64]int{}
		eachGram(matchForm(text), func(h uint64) { g[h]++; x.sizes[i]++ })
		grams[i] = g
		for h := range g {
			df[h]++
		}
	}
	n := float64(len(x.texts))
	limit := max(50, int(maxPostingShare*n))
	for h, d := range df {
		if d > limit {
			continue
		}
		x.idf[h] = float32(math.Log(1 + n/float64(d)))
	}
	for i, g := range grams {
		var norm float64
		w := map[uint64]float64{}
		for h, tf := range g {
			idf, ok := x.idf[h]
			if !ok {
				continue
			}
			v := (1 + math.Log(float64(tf))) * float64(idf)
			w[h] = v
			norm += v * v
		}
		norm = math.Sqrt(norm)
		for h, v := range w {
			x.postings[h] = append(x.postings[h], posting{example: int32(i), weight: float32(v / norm)})
		}
	}
}

// eachGram calls fn with the hash of every n-gram of a match form: for
// Chinese, single characters and pairs; for other words, trigrams of the
// word with its boundaries (" re", "ref", …, "nd "), and the whole padded
// word when it is shorter. Runes are hashed as they come: no n-gram is
// ever built as a string.
func eachGram(form string, fn func(uint64)) {
	for _, w := range strings.Fields(form) {
		if isHanKey(w) {
			var prev rune
			i := 0
			for _, c := range w {
				fn(hashRunes(c, 0, 0))
				if i > 0 {
					fn(hashRunes(prev, c, 0))
				}
				prev = c
				i++
			}
			continue
		}
		a, b := rune(' '), rune(-1)
		for _, c := range w {
			if b >= 0 {
				fn(hashRunes(a, b, c))
				a, b = b, c
			} else {
				b = c
			}
		}
		if b >= 0 {
			fn(hashRunes(a, b, ' '))
		}
	}
}

// hashRunes hashes an n-gram of up to three runes (0 for none), FNV-1a
// style over the runes' values.
func hashRunes(a, b, c rune) uint64 {
	h := uint64(14695981039346656037)
	for _, r := range [3]rune{a, b, c} {
		h = (h ^ uint64(r)) * 1099511628211
	}
	return h
}

// best returns the example most like the message's match form, and how
// alike (cosine, 0–1); -1 when none shares anything. The per-example sums
// live in the scratch, so a message allocates nothing but its n-grams.
func (x *exampleIndex) best(form string, sc *scratch) (int32, float64) {
	if len(x.texts) == 0 || form == "" {
		return -1, 0
	}
	if len(sc.exSum) < len(x.texts) {
		sc.exSum = make([]float32, len(x.texts))
	}
	q := sc.exGrams[:0]
	size := 0
	eachGram(form, func(h uint64) {
		size++
		if _, ok := x.idf[h]; ok {
			q = append(q, h)
		}
	})
	sc.exGrams = q
	// Term frequency in the message: runs of equal n-grams once sorted.
	slices.Sort(q)
	var norm float64
	touched := sc.exTouched[:0]
	for i := 0; i < len(q); {
		h := q[i]
		j := i + 1
		for j < len(q) && q[j] == h {
			j++
		}
		tf := j - i
		i = j
		w := (1 + math.Log(float64(tf))) * float64(x.idf[h])
		norm += w * w
		for _, p := range x.postings[h] {
			if sc.exSum[p.example] == 0 {
				touched = append(touched, p.example)
			}
			sc.exSum[p.example] += float32(w) * p.weight
		}
	}
	best, sim := int32(-1), 0.0
	norm = math.Sqrt(norm)
	for _, e := range touched {
		s := float64(sc.exSum[e])
		sc.exSum[e] = 0
		if norm == 0 {
			continue
		}
		// A message much shorter than the example can only resemble a
		// part of it ("подарок" is not "можно упаковать как подарок"):
		// the cosine is scaled down by the square root of the ratio.
		s /= norm
		if ratio := float64(size) / float64(x.sizes[e]); ratio < 1 {
			s *= math.Sqrt(ratio)
		}
		if s > sim {
			best, sim = e, s
		}
	}
	sc.exTouched = touched
	return best, sim
}
