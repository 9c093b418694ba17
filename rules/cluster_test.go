package rules

import (
	"slices"
	"strings"
	"testing"
)

const clusterRules = `
keywords:
  shipping: [shipping, delivery, "where is my order", доставка, "где мой заказ", 快递, 物流, 发货]
  refund: [refund, "money back", возврат, 退款, 退货]
rules:
  - id: shipping
    keywords: [shipping]
    reply: "Orders ship within 48 hours; the tracking number is under My orders."
  - id: refund
    keywords: [refund]
    reply: "Refunds: within 7 days of delivery, request a refund under My orders."
  - id: ack
    when: conversation.new
    ack: "Got it."
`

func TestClusterTexts(t *testing.T) {
	r, err := Parse("rules.yaml", []byte(clusterRules))
	if err != nil {
		t.Fatal(err)
	}
	texts := []TextCount{
		{"do you sell gift cards", 3},
		{"Do you sell gift cards?", 2},
		{"gift card for my mum, possible?", 1},
		{"when will my delivry come", 2},
		{"delivry status please", 1},
		{"has my delivry left the warehouse", 1},
		{"包裹什么时候发出", 2},
		{"我的包裹还没发出", 1},
		{"Где мой заказ [number]? Жду доставку", 1},
		{"???", 4}, // nothing to cluster
	}
	got := ClusterTexts(texts, r, 10)
	tests := []struct {
		name     string
		example  string // a text of the cluster
		count    int
		rule     string
		keywords string // one of the suggested keywords
	}{
		{"a question no rule covers: a new rule", "do you sell gift cards", 6, "", "gift"},
		{"a typo of a keyword: that keyword's rule", "when will my delivry come", 4, "shipping", "delivry"},
		{"Chinese sharing a word: the run, not the characters", "包裹什么时候发出", 3, "", "包裹"},
		{"masked numbers are not words", "Где мой заказ [number]? Жду доставку", 1, "shipping", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := slices.IndexFunc(got, func(c Cluster) bool {
				return slices.ContainsFunc(c.Examples, func(e TextCount) bool { return e.Text == tt.example })
			})
			if i < 0 {
				t.Fatalf("no cluster holds %q: %+v", tt.example, got)
			}
			c := got[i]
			if c.Count != tt.count {
				t.Errorf("count %d, want %d: %+v", c.Count, tt.count, c)
			}
			if c.Rule != tt.rule {
				t.Errorf("rule %q, want %q: %+v", c.Rule, tt.rule, c)
			}
			if tt.keywords != "" && !slices.ContainsFunc(c.Keywords, func(k string) bool { return strings.Contains(k, tt.keywords) }) {
				t.Errorf("keywords %q do not suggest %q", c.Keywords, tt.keywords)
			}
			for _, term := range c.Terms {
				if strings.Contains(term, "number") {
					t.Errorf("a mask became a term: %q", c.Terms)
				}
			}
		})
	}
	if len(got) != 4 {
		t.Errorf("%d clusters, want 4 (punctuation alone is none): %+v", len(got), got)
	}
	if got[0].Count < got[len(got)-1].Count {
		t.Errorf("clusters not largest first: %+v", got)
	}
	if ex := got[0].Examples; len(ex) > MaxExamples || ex[0].Text != "do you sell gift cards" {
		t.Errorf("examples %+v: want at most %d, the most frequent first", ex, MaxExamples)
	}
}
