package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// FuzzTemplate parses arbitrary reply texts and renders them with
// arbitrary customer names: no panic, and what the customer supplied is
// inserted as it is, never parsed as template syntax.
func FuzzTemplate(f *testing.F) {
	for _, seed := range [][3]string{
		{"Hi {{name}}!", "Ann", "ann"},
		{"{{ name }} / @{{username}}", "{{username}}", "x"},
		{"{{name}}{{name}}", "", ""},
		{"{{", "a", "b"},
		{"}}{{name}}{{", "a", "b"},
		{"plain", "{{name}}", "{{"},
		{"{{sig}} {{name}}", "Иван 王", "\xff"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	snippets := func(name, lang string) ([]templatePart, bool) {
		return []templatePart{{literal: "— the team"}}, name == "sig"
	}
	f.Fuzz(func(t *testing.T, src, name, username string) {
		tpl, problems := parseTemplate(src, "en", templateVars, snippets, []string{"sig"})
		if len(problems) > 0 {
			return
		}
		out := tpl.render(name, username, nil)
		literals, names, usernames := 0, 0, 0
		for _, p := range tpl.parts {
			switch p.varName {
			case "":
				literals += len(p.literal)
			case "name":
				names++
			case "username":
				usernames++
			}
		}
		if want := literals + names*len(name) + usernames*len(username); len(out) != want {
			t.Fatalf("render(%q) with name %q, username %q: %d bytes, want %d: a value was dropped or expanded", src, name, username, len(out), want)
		}
		if names > 0 && !strings.Contains(out, name) {
			t.Fatalf("render(%q) = %q lost the name %q", src, out, name)
		}
		if utf8.ValidString(src) && utf8.ValidString(name) && utf8.ValidString(username) && !utf8.ValidString(out) {
			t.Fatalf("render(%q) = %q is not valid UTF-8", src, out)
		}
	})
}

// FuzzNormalize: folding never panics, keeps valid UTF-8 valid, is
// idempotent (keywords and messages are folded once each and must meet),
// and language detection answers one of the known codes.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "ＲＥＦＵＮＤ!!", "退貨😡 refund", "ВОЗВРАТ денег", "cafe\u0301", "\xff\xfe", "a\u0300\u0301\u0302", "ﷺ", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Normalize(s)
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, once)
		}
		if utf8.ValidString(s) {
			if twice := Normalize(once); twice != once {
				t.Fatalf("Normalize is not idempotent: %q → %q → %q", s, once, twice)
			}
		}
		switch lang := DetectLanguage(s); lang {
		case "", "zh", "ru", "en":
		default:
			t.Fatalf("DetectLanguage(%q) = %q", s, lang)
		}
	})
}

// FuzzParseSyntax feeds broken files to the loader: a broken rules file must
// come back as positioned errors, never a panic (a live reload runs this).
func FuzzParseSyntax(f *testing.F) {
	for _, s := range []string{
		"rules:\n  - id: a\n    reply: \"unclosed\n",
		"rules:\n\t- id: a\n",
		"keywords: {a: [x, y\nrules: []\n",
		"rules:\n  - id: a\n    keywords: [x]\n   reply: y\n",
		"- [\n'\n\"\n{",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse("f.yaml", data)
		var es Errors
		if err != nil && !errors.As(err, &es) {
			t.Fatalf("error is %T, want Errors: %v", err, err)
		}
		lines := len(splitLines(string(data)))
		for _, e := range es {
			if e.Line > lines {
				t.Errorf("error on line %d of a %d-line file: %v", e.Line, lines, e)
			}
		}
	})
}

// FuzzDecide feeds any text to the matcher (typos, families, proximity,
// negation, sound-alike Chinese, examples): it must not panic, and the
// production path must plan what the full explanation plans.
func FuzzDecide(f *testing.F) {
	rules := matchingRules + `
  - id: paraphrase
    examples: ["can you wrap it as a present for my mum", "我身高180穿多大码"]
    reply: paraphrase
`
	r, err := Parse("fuzz.yaml", []byte(rules))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"where is my delivry", "не хочу возврат, пришлите чек", "不用退款了", "我想退宽",
		"thanks! where is my order?", "cancel the whole order", "Ё\u0301 ？ ＲＥＦＵＮＤ", "a'b’c - d",
		"gde moi zakaz'", "wherе is my оrder", "refuuund!!", "退 款", "r e f u n d", "ult vjq pfrfp&", "цруку шы ьн щквук"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ev := chat.Event{Kind: chat.KindText, Text: text, ExternalID: "1"}
		d := r.Explain(ev, chat.State{}, time.Time{})
		fast := r.Decide(ev, chat.State{}, time.Time{})
		if !reflect.DeepEqual(d.Actions, fast.Actions) {
			t.Errorf("%q: Decide planned %+v, Explain %+v", text, fast.Actions, d.Actions)
		}
	})
}
