package rules

import (
	"math"
	"strings"
	"testing"
)

// meanings is a fake embeddings source: each text it knows has a vector
// over three made-up axes of meaning (gift wrapping, sizes, anything else),
// so a paraphrase can be close by meaning while sharing no n-gram.
type meanings map[string][]float32

func (m meanings) Vector(text string) ([]float32, bool) {
	v, ok := m[text]
	if !ok {
		return nil, false
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x / float32(math.Sqrt(n))
	}
	return out, true
}

const embedRules = `
rules:
  - id: sizes
    keywords: [size chart]
    examples: ["which size should I take, I am 180 cm tall"]
    reply: sizes
  - id: gift
    examples: ["can you wrap it as a present for my mum", "можно упаковать как подарок"]
    reply: gift
`

func TestExamplesByMeaning(t *testing.T) {
	known := meanings{
		"which size should I take, I am 180 cm tall": {0, 1, 0},
		"can you wrap it as a present for my mum":    {1, 0, 0},
		"можно упаковать как подарок":                {1, 0.1, 0},
		// Paraphrases that share no words with the examples.
		"do you offer gift packaging?": {0.95, 0, 0.1},
		"什么尺码适合我":                      {0.05, 0.9, 0.1},
		// Same domain, another question: close, but not close enough.
		"how much is gift packaging?": {0.6, 0, 0.8},
		"what are your opening hours": {0, 0, 1},
	}
	r, err := Parse("embed.yaml", []byte(embedRules))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.ExampleTexts(); len(got) != 3 {
		t.Fatalf("ExampleTexts() = %q, want the 3 examples", got)
	}
	// Without embeddings, the paraphrases share too little with the examples.
	if got, _ := decideText(t, r, "do you offer gift packaging?"); got != "none" {
		t.Fatalf("by n-grams, the paraphrase was answered by %s", got)
	}
	if err := r.UseEmbeddings(known, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, want, how string
	}{
		{"do you offer gift packaging?", "gift", exByMeaning},
		{"什么尺码适合我", "sizes", exByMeaning},
		{"how much is gift packaging?", "none", ""},
		{"what are your opening hours", "none", ""},
		// A keyword answers before any example is looked at.
		{"where is the size chart", "sizes", ""},
		// No vector for this message (the endpoint was late): n-grams, as without embeddings.
		{"could you wrap it as a present", "gift", exByGramsLate},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, step := decideText(t, r, tt.text)
			if got != tt.want {
				t.Fatalf("%q answered by %s, want %s (%+v)", tt.text, got, tt.want, step)
			}
			if tt.how != "" && (step.Match != "example" || !strings.HasSuffix(step.Detail, tt.how)) {
				t.Errorf("step %+v: want an example match whose detail ends %q", step, tt.how)
			}
		})
	}
}

func TestUseEmbeddingsNeedsEveryExample(t *testing.T) {
	r, err := Parse("embed.yaml", []byte(embedRules))
	if err != nil {
		t.Fatal(err)
	}
	partial := meanings{"can you wrap it as a present for my mum": {1, 0, 0}, "do you offer gift packaging?": {1, 0, 0}}
	err = r.UseEmbeddings(partial, 0.8)
	if err == nil || !strings.Contains(err.Error(), "which size should I take") {
		t.Fatalf("UseEmbeddings with a missing example: err = %v, want one naming it", err)
	}
	// Nothing changed: still n-grams.
	if got, _ := decideText(t, r, "do you offer gift packaging?"); got != "none" {
		t.Fatalf("after a refused UseEmbeddings the paraphrase was answered by %s", got)
	}
}

func TestEmbeddingSimilarityThreshold(t *testing.T) {
	known := meanings{
		"which size should I take, I am 180 cm tall": {0, 1, 0},
		"can you wrap it as a present for my mum":    {1, 0, 0},
		"можно упаковать как подарок":                {1, 0, 0},
		"gift?": {0.7, 0, 0.7}, // cosine 0.71 with the gift examples
	}
	for _, tt := range []struct {
		min  float64
		want string
	}{{0.8, "none"}, {0.7, "gift"}, {0, "none"} /* 0: the default, 0.8 */} {
		r, err := Parse("embed.yaml", []byte(embedRules))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.UseEmbeddings(known, tt.min); err != nil {
			t.Fatal(err)
		}
		if got, _ := decideText(t, r, "gift?"); got != tt.want {
			t.Errorf("min_similarity %v: answered by %s, want %s", tt.min, got, tt.want)
		}
	}
}
