package rules

import (
	"testing"
	"unicode/utf8"
)

// TestMatchForm pins what compares equal when keywords meet real writing.
func TestMatchForm(t *testing.T) {
	tests := []struct {
		name string
		a, b string // must have the same match form
	}{
		{"traditional and simplified", "退貨", "退货"},
		{"traditional and simplified phrase", "快遞到哪了", "快递到哪了"},
		{"business hours in both scripts", "營業時間", "营业时间"},
		{"full-width latin", "ＲＥＦＵＮＤ", "refund"},
		{"full-width digits", "订单１２３", "订单123"},
		{"ideographic space", "money　back", "money back"},
		{"english case", "Refund", "refund"},
		{"english plural", "refunds", "refund"},
		{"english past tense", "refunded", "refund"},
		{"english gerund", "shipping", "ship"},
		{"russian genitive", "возврата", "возврат"},
		{"russian instrumental", "возвратом", "возврат"},
		{"russian case and ё", "ЁЛКА", "елка"},
		{"russian plural", "посылки", "посылка"},
		{"emoji ignored", "退款😡", "退款"},
		{"punctuation runs", "refund!!! now???", "refund, now"},
		{"combining accent composes", "cafe\u0301", "café"},
		{"script change splits words", "我要refund", "我要 refund"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, fb := matchForm(tt.a), matchForm(tt.b)
			if fa != fb {
				t.Errorf("matchForm(%q) = %q, matchForm(%q) = %q; want them equal", tt.a, fa, tt.b, fb)
			}
		})
	}
}

func TestMatchFormKeepsDifferentWordsApart(t *testing.T) {
	tests := []struct{ a, b string }{
		{"prefund", "refund"},
		{"hi", "this"},
		{"возврат", "возраст"},
		{"退款", "退货"},
	}
	for _, tt := range tests {
		if matchForm(tt.a) == matchForm(tt.b) {
			t.Errorf("%q and %q have the same match form %q", tt.a, tt.b, matchForm(tt.a))
		}
	}
}

func TestMatchFormDoesNotAllocateForCachedWords(t *testing.T) {
	msg := "Хочу возврат денег, where is my refund? 我想退钱"
	matchForm(msg) // fill the stem cache
	// One allocation: the resulting string itself.
	if n := testing.AllocsPerRun(100, func() { matchForm(msg) }); n > 2 {
		t.Errorf("matchForm allocates %v times per call, want at most 2", n)
	}
}

func FuzzMatchForm(f *testing.F) {
	for _, s := range []string{"", "ＲＥＦＵＮＤ", "退貨😡", "возврата!!", "cafe\u0301", "\xff\xfe", "a\u0300\u0301\u0302",
		"гдe мoй зaкaз", "refuuund www", "退 款 r e f u n d", "ааа\u0301а"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := matchForm(s)
		if !utf8.ValidString(out) && utf8.ValidString(s) {
			t.Fatalf("matchForm(%q) = %q is not valid UTF-8", s, out)
		}
		if out != "" && (out[0] != ' ' || out[len(out)-1] != ' ') {
			t.Fatalf("matchForm(%q) = %q is not padded with spaces", s, out)
		}
	})
}

// FuzzParse feeds the loader arbitrary files: it must return rules or
// errors, never panic.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"rules:\n  - id: a\n    keywords: [x]\n    reply: hi\n",
		"keywords:\n  g: [a, {regex: \"b+\"}, {word: c, match: full}]\nrules:\n  - id: a\n    keywords: [g]\n    when: has(\"g\") && hour > 3\n    reply: {en: [\"x {{name}}\", \"y\"]}\n    tag: [t]\n",
		"business_hours: {mon-fri: \"09:00-18:00\", holidays: [2026-01-01]}\nrules:\n  - id: a\n    when: '!in_business_hours'\n    ack: closed\ntests:\n  - text: hi\n    hits: [a]\n",
		"templates: {s: \"sign\"}\nrules: [{id: a, reply: \"{{s}} {{nam}}\"}]",
		"rules:\n  - id: a\n    when: 'txt =='\n",
		"{{{", "- - -", "rules: 5", "keywords: {a: [{}]}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.yaml", data)
		if err == nil && r == nil {
			t.Fatal("no rules and no error")
		}
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error of type %T, want rules.Errors: %v", err, err)
			}
		}
	})
}
