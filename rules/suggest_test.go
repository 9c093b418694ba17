package rules

import (
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestSuggestedSnippets: a handoff's notice suggests the snippets its rule
// names, else those named like the rule or its keywords, else none.
func TestSuggestedSnippets(t *testing.T) {
	r, err := Parse("t.yaml", []byte(`snippets:
  refund-policy: "Refunds take 5 days."
  refund-form: "Fill in the form."
  apology: "We're sorry."
  shipping-times: "Orders ship within a day."
  delivery-delay: "Parcels are late this week."
  payment-methods: "We take cards."
keywords:
  delivery: [delivery, доставка, 快递]
rules:
  - id: complaint
    keywords: [complaint]
    handoff: {team: support, snippets: [apology, refund-policy]}
  - id: refund
    keywords: [refund]
    handoff: {team: support}
  - id: late-parcel
    keywords: [delivery]
    handoff: {team: support}
  - id: vip
    keywords: [vip]
    handoff: {team: support}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string
	}{
		{"I have a complaint", []string{"apology", "refund-policy"}},
		{"refund please", []string{"refund-form", "refund-policy"}},
		{"где доставка", []string{"delivery-delay"}},
		{"vip", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			d := r.Decide(chat.Event{Kind: chat.KindText, Text: tt.text, Customer: chat.Customer{ID: "1"}}, chat.State{}, time.Now())
			var got []string
			handoff := false
			for _, a := range d.Actions {
				if a.Type == chat.ActionHandoff {
					got, handoff = a.Snippets, true
				}
			}
			if !handoff || !slices.Equal(got, tt.want) {
				t.Fatalf("actions %+v: want a handoff suggesting %v", d.Actions, tt.want)
			}
		})
	}
}
