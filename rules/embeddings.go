package rules

import (
	"fmt"
)

// Embeddings gives the vector of a text by meaning, from an embeddings
// endpoint the operator configured (internal/embed). Vector must not
// block: it answers from what was fetched before deciding began, and says
// false for a text it does not have.
type Embeddings interface {
	Vector(text string) ([]float32, bool)
}

// embedding compares messages with the examples by meaning instead of by
// character n-grams.
type embedding struct {
	src      Embeddings
	min      float64     // the similarity from which a message is the example rephrased
	examples [][]float32 // by example, each of length 1
}

// DefaultEmbeddingSimilarity is the cosine from which a message counts as
// an example rephrased when compared by embeddings. Sentence-embedding
// models put unrelated texts of one domain at 0.3–0.6 and rephrasings
// above 0.8; operators tune it per model (matching.embeddings.min_similarity).
const DefaultEmbeddingSimilarity = 0.8

// ExampleTexts lists every rule's examples, each once, as written: what
// UseEmbeddings needs vectors of.
func (r *Rules) ExampleTexts() []string {
	if r.examples == nil {
		return nil
	}
	seen := make(map[string]bool, len(r.examples.texts))
	out := make([]string, 0, len(r.examples.texts))
	for _, t := range r.examples.texts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// UseEmbeddings makes these rules compare messages with their examples by
// meaning, with src's vectors, from now on. Every example must already
// have its vector in src; otherwise nothing changes and the error names
// the first that has none. A message whose own vector src lacks is still
// compared by n-grams, and its trace says so. Safe while the rules are in
// use: the switch is one atomic store.
func (r *Rules) UseEmbeddings(src Embeddings, minSimilarity float64) error {
	if r.examples == nil {
		return nil
	}
	if minSimilarity <= 0 || minSimilarity > 1 {
		minSimilarity = DefaultEmbeddingSimilarity
	}
	e := &embedding{src: src, min: minSimilarity, examples: make([][]float32, len(r.examples.texts))}
	for i, t := range r.examples.texts {
		v, ok := src.Vector(t)
		if !ok {
			return fmt.Errorf("embeddings: no vector yet for the example %q", t)
		}
		e.examples[i] = v
	}
	r.embed.Store(e)
	return nil
}

// best returns the example closest to the message's vector v, and the
// cosine (vectors are of length 1); -1 when no example has v's length
// (the model changed under the rules).
func (e *embedding) best(v []float32) (int32, float64) {
	best, sim := int32(-1), -2.0
	for i, x := range e.examples {
		if len(x) != len(v) {
			continue
		}
		var dot float32
		for j := range v {
			dot += v[j] * x[j]
		}
		if s := float64(dot); s > sim {
			best, sim = int32(i), s
		}
	}
	return best, sim
}
