package rules

import "testing"

// rewriteCase is a text and what a rewrite of the text must give.
type rewriteCase struct{ name, in, want string }

// checkRewrites runs a table of rewriteCases through rewrite, named fn.
func checkRewrites(t *testing.T, fn string, rewrite func(string) string, tests []rewriteCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewrite(tt.in); got != tt.want {
				t.Fatalf("%s(%q) = %q, want %q", fn, tt.in, got, tt.want)
			}
		})
	}
}

func TestRepairLookalikes(t *testing.T) {
	checkRewrites(t, "repairLookalikes", repairLookalikes, []rewriteCase{
		{"latin e and o in russian words", "гдe мoй зaкaз?", "где мой заказ?"},
		{"capitals keep their case", "ГДЕ МOЙ ЗAКAЗ", "ГДЕ МОЙ ЗАКАЗ"},
		{"cyrillic letters in english words", "wherе is my оrder", "where is my order"},
		{"capital B is В, in a russian word", "Bозврат", "Возврат"},
		{"small b looks like no cyrillic letter", "bозврат", "bозврат"},
		{"a letter without a lookalike leaves the word alone", "zaказ", "zaказ"},
		{"words in one script are never touched", "iPhone заказ order №5521", "iPhone заказ order №5521"},
		{"a tie goes to the message's script", "мой сa заказ", "мой са заказ"},
		{"a tie in a message of no majority stays", "сa", "сa"},
		{"digits and punctuation split words", "зaкaз5521, пожaлуйстa!", "заказ5521, пожалуйста!"},
		{"chinese beside it is kept", "我的зaкaз", "我的заказ"},
		{"nothing to repair returns the text", "where is my order", "where is my order"},
		{"empty", "", ""},
	})
}

// A word typed with lookalike letters of the other script matches the
// keyword it shows, in either direction and whatever the case; a word
// whose foreign letter has no lookalike is not forced into a keyword.
func TestLookalikeLettersMatch(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"ru latin o and a", "гдe мoя пoсылкa", "shipping"},
		{"ru capitals", "ХОЧУ ВOЗВРAТ", "refund"},
		{"ru one latin letter in a short word", "жалoба", "complaint"},
		{"en cyrillic e", "I want a rеfund", "refund"},
		{"en cyrillic o and a in two words", "where is my pаrcel, it's tоo late", "shipping"},
		{"en capitals", "CАNCEL ОRDER please", "cancel"},
		{"zh and ru mixed", "我要退款, вoзврат", "refund"},
		{"stems still apply", "вoзврата не было", "refund"},
	})
}
