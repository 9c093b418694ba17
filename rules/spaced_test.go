package rules

import "testing"

func TestJoinSpaced(t *testing.T) {
	checkRewrites(t, "joinSpaced", joinSpaced, []rewriteCase{
		{"chinese a character at a time", "退 款", "退款"},
		{"a whole spaced sentence", "快 递 到 哪 了？", "快递到哪了？"},
		{"ideographic spaces", "退\u3000款", "退款"},
		{"only the spaced run joins", "我要 退 款 谢谢你们", "我要 退款 谢谢你们"},
		{"spaced letters", "r e f u n d please", "refund please"},
		{"cyrillic, punctuation kept", "(в о з в р а т)", "(возврат)"},
		{"three letters are words", "I a m", "I a m"},
		{"digits never join", "1 2 3 4 5", "1 2 3 4 5"},
		{"scripts do not join each other", "退 r e f", "退 r e f"},
		{"words of two letters do not join", "ok ok ok ok", "ok ok ok ok"},
		{"ordinary text", "where is my order", "where is my order"},
		{"no space", "退款", "退款"},
	})
}

func TestSpacedWordsMatch(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"zh", "我要 退 款", "refund"},
		{"zh sentence", "快 递 到 了 吗", "shipping"},
		{"en spam-style", "R E F U N D now", "refund"},
		{"ru", "где моя п о с ы л к а", "shipping"},
	})
}
