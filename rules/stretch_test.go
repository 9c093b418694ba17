package rules

import "testing"

// A letter stretched three times or more counts once; a word that is only
// the one letter, and digits, are kept as written.
func TestStretchedLetters(t *testing.T) {
	tests := []struct{ in, same string }{
		{"refuuund", "refund"},
		{"Refunddd!!!", "refund"},
		{"заказзззз", "заказ"},
		{"ДОСТАВКААААА", "доставка"},
		{"nooo refund", "no refund"},
		{"shippping", "shiping"},
		{"www", "www"},
		{"xxx video", "xxx video"},
		{"ааааа", "ааааа"},
		{"10000 руб", "10000 руб"},
		{"1000000", "1000000"},
		{"shipping", "shipping"},
		{"快快快递", "快快快递"},
	}
	for _, tt := range tests {
		if got, want := matchForm(tt.in), matchForm(tt.same); got != want {
			t.Errorf("matchForm(%q) = %q, want %q (as %q)", tt.in, got, want, tt.same)
		}
	}
	if got := matchForm("www"); got != " www " {
		t.Errorf(`matchForm("www") = %q, want " www "`, got)
	}
}

func TestStretchedWordsMatch(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en", "I want a refuuuund", "refund"},
		{"en doubled letter stretched", "where is my parcellll", "shipping"},
		{"ru", "где моя посылкааааа", "shipping"},
		{"ru capitals", "ВОЗВРАААТ", "refund"},
		{"stretched negation", "Noooo refund, just the tracking", "shipping"},
		{"stretched thanks", "thaaanks, the parcel arrived", "none"},
	})
	r, err := Parse("more.yaml", []byte(moreRules))
	if err != nil {
		t.Fatal(err)
	}
	if _, step := decideText(t, r, "refuuund"); step.Match != "folded" {
		t.Errorf("a stretched word's match is %q, want folded", step.Match)
	}
}
