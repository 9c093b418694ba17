package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
)

// posCase is a broken rules file and the problem it must be refused with:
// a message saying msg, at line:col (columns count characters, so the
// CJK and emoji before a mistake count one each).
type posCase struct {
	name      string
	src       string
	line, col int
	msg       string
}

// parseErrors parses src, which must be refused, and returns its errors.
func parseErrors(t *testing.T, src string) Errors {
	t.Helper()
	_, err := Parse("rules.yaml", []byte(src))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %T: %v", err, err)
	}
	return es
}

func checkPositions(t *testing.T, cases []posCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es := parseErrors(t, tc.src)
			lines := splitLines(tc.src)
			for _, e := range es {
				if !strings.Contains(e.Msg, tc.msg) {
					continue
				}
				if e.Line != tc.line || e.Col != tc.col {
					t.Errorf("%q at %d:%d, want %d:%d\n%s", e.Msg, e.Line, e.Col, tc.line, tc.col, e.Snippet())
				}
				if e.Line > 0 && e.Source != strings.ToValidUTF8(strings.TrimPrefix(lines[e.Line-1], "\uFEFF"), "\uFFFD") {
					t.Errorf("source line %q, want %q", e.Source, lines[e.Line-1])
				}
				return
			}
			t.Errorf("no error saying %q; got:\n%s", tc.msg, es.Pretty())
		})
	}
}

// A `when` error points inside the expression, at the very spot, however
// the expression is written: plain, quoted with escapes, over several
// lines, or as a | or > block.
func TestWhenErrorPositions(t *testing.T) {
	checkPositions(t, []posCase{
		{"plain", "rules:\n  - id: a\n    when: text contains \"x\" && foo > 1\n    reply: hi\n",
			3, 32, "unknown name foo"},
		{"cjk and emoji before", "rules:\n  - id: a\n    when: text contains \"退款😀\" && foo > 1\n    reply: hi\n",
			3, 34, "unknown name foo"},
		{"double quotes with escapes", "rules:\n  - id: a\n    when: \"text contains \\\"x\\\" && foo > 1\"\n    reply: hi\n",
			3, 35, "unknown name foo"},
		{"double quotes with a unicode escape", "rules:\n  - id: a\n    when: \"text contains \\\"\\u00e9\\\" && foo > 1\"\n    reply: hi\n",
			3, 40, "unknown name foo"},
		{"single quotes with a doubled quote", "rules:\n  - id: a\n    when: 'text contains \"it''s\" && foo > 1'\n    reply: hi\n",
			3, 37, "unknown name foo"},
		{"plain over two lines", "rules:\n  - id: a\n    when: text contains \"x\" &&\n      foo > 1\n    reply: hi\n",
			4, 7, "unknown name foo"},
		{"double quotes over two lines", "rules:\n  - id: a\n    when: \"text contains \\\"x\\\" &&\n      foo > 1\"\n    reply: hi\n",
			4, 7, "unknown name foo"},
		{"double quotes with an escaped line break", "rules:\n  - id: a\n    when: \"text contains \\\"x\\\" && \\\n      foo > 1\"\n    reply: hi\n",
			4, 7, "unknown name foo"},
		{"literal block", "rules:\n  - id: a\n    when: |\n      text contains \"x\" &&\n        foo > 1\n    reply: hi\n",
			5, 9, "unknown name foo"},
		{"folded block", "rules:\n  - id: a\n    when: >\n      text contains \"x\" &&\n      foo > 1\n    reply: hi\n",
			5, 7, "unknown name foo"},
		{"folded block with a blank line", "rules:\n  - id: a\n    when: >-\n      text contains \"x\"\n\n      && foo > 1\n    reply: hi\n",
			6, 10, "unknown name foo"},
		{"type error in a block", "rules:\n  - id: a\n    when: |\n      hour > 3 &&\n      text + 1 > 2\n    reply: hi\n",
			5, 12, "mismatched types text and number"},
		{"ends too early in a block", "rules:\n  - id: a\n    when: |\n      text contains \"x\" &&\n      (1 +\n    reply: hi\n",
			5, 11, "ends too early"},
		{"CRLF line endings", "rules:\r\n  - id: a\r\n    when: |\r\n      hour > 3 &&\r\n        foo > 1\r\n    reply: hi\r\n",
			5, 9, "unknown name foo"},
		{"has() of an unknown group, under its name", "keywords:\n  refund: [x]\nrules:\n  - id: a\n    when: hour > 1 && has(\"refnd\")\n    reply: hi\n",
			5, 27, `no keyword group "refnd", did you mean "refund"`},
		{"has() in a block", "keywords:\n  refund: [x]\nrules:\n  - id: a\n    when: |\n      hour > 1 &&\n        has(\"refnd\")\n    reply: hi\n",
			7, 13, `no keyword group "refnd"`},
		{"the budget's machinery", "rules:\n  - id: a\n    when: |\n      hour > 3 &&\n        __step()\n    reply: hi\n",
			5, 9, "unknown name __step"},
		{"cost in a block", "rules:\n  - id: a\n    when: >-\n      hour > 1 &&\n      count(1..2000000, # > hour) > 0\n    reply: hi\n",
			5, 7, "count runs its predicate"},
	})
}

// One mistake is one error: every mistake is reported, and none is
// reported for what only follows from another (a rule "doing nothing"
// because its replly: is misspelt, a rule "never matching" because the
// when above it did not compile).
func TestEveryMistakeOnceAndNothingElse(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string // "line:col: part of the message", in order
	}{
		{"two misspelt fields in one rule", "rules:\n  - id: a\n    keyword: [x]\n    replly: y\n",
			[]string{`3:5: unknown field "keyword", did you mean "keywords"?`, `4:5: unknown field "replly", did you mean "reply"?`}},
		{"two misspelt fields in one example", "rules:\n  - id: a\n    reply: x\ntests:\n  - {txt: \"x\", hit: [a]}\n",
			[]string{`5:6: unknown field "txt"`, `5:16: unknown field "hit"`}},
		{"a reply of the wrong shape", "rules:\n  - id: a\n    reply:\n      en: {x: y}\n",
			[]string{`4:11: want a text, or a list of variant texts`}},
		{"a when that does not compile is not a catch-all", "rules:\n  - id: a\n    when: text + 1\n    reply: y\n  - id: b\n    reply: z\n",
			[]string{`3:16: rule "a": when: invalid operation`}},
		{"a bad regex is not a catch-all", "rules:\n  - id: a\n    keywords: [{regex: \"(x\"}]\n    reply: y\n  - id: b\n    reply: z\n",
			[]string{`3:24: regex: missing closing )`}},
		{"a rule without id after a catch-all", "rules:\n  - id: a\n    reply: x\n  - reply: y\n",
			[]string{`4:5: a rule needs an id`, `4:5: the rule on line 4 can never match: rule "a" (line 2) matches every message`}},
		{"a catch-all without id", "rules:\n  - reply: x\n  - id: b\n    reply: y\n",
			[]string{`2:5: a rule needs an id`, `3:9: rule "b" can never match: the rule on line 2 matches every message`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es := parseErrors(t, tc.src)
			var got []string
			for _, e := range es {
				got = append(got, strings.TrimPrefix(e.Error(), "rules.yaml:"))
			}
			ok := len(got) == len(tc.want)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tc.want[i])
			}
			if !ok {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// Problems of the file as a whole, and of values of the wrong type, point
// at the value and name its key, however the file is written.
func TestFileAndTypeErrorPositions(t *testing.T) {
	checkPositions(t, []posCase{
		{"BOM before a misspelt key", "\uFEFFrulez:\n  - id: a\n", 1, 1, `unknown field "rulez", did you mean "rules"?`},
		{"BOM before an unclosed quote", "\uFEFFdefault_language: \"en\nrules:\n  - id: a\n", 1, 19, "this quoted text is never closed"},
		{"not UTF-8", "rules:\n  - id: a\n    reply: \"退x\xff\"\n", 3, 15, "not UTF-8 text: save the file as UTF-8"},
		{"GBK-encoded Chinese", "rules:\n  - id: a\n    reply: \"\xcd\xcb\xbf\xee\"\n", 3, 13, "not UTF-8 text"},
		{"a list at the top", "- id: a\n  reply: x\n", 1, 1, "the rules file is a list; it must be settings at the top level"},
		{"a single value at the top", "just some text\n", 1, 1, "the rules file is a single value"},
		{"rules as a mapping", "rules:\n  id: a\n  reply: x\n", 2, 3, "rules: want a list (such as [a, b]) here, not a mapping"},
		{"a mapping for a list, block style", "rules:\n  - id: a\n    reply: x\n    tag:\n      a: b\n", 5, 7, "tag: want a list (such as [a, b]) here, not a mapping"},
		{"a mapping for a list, in braces", "rules:\n  - {id: 退款, reply: \"x\", tag: {a: b}}\n", 2, 31, "tag: want a list (such as [a, b]) here, not a mapping"},
		{"a number for a list, in braces", "rules:\n  - {id: 退款, keywords: 5, reply: x}\n", 2, 24, "keywords: want a list (such as [a, b]) here, not a number"},
		{"a word for a list, in an example", "rules:\n  - id: a\n    reply: x\ntests:\n  - {text: \"x\", hits: a}\n", 5, 23, "hits: want a list (such as [a, b]) here, not a single text"},
		{"a word for a number", "rules:\n  - id: a\n    reply: x\n    priority: high\n", 4, 15, "priority: want a whole number here, not a single text"},
		{"an alias to nothing", "rules:\n  - id: a\n    reply: *signoff\n", 3, 12, "*signoff repeats what is marked &signoff, but nothing is"},
		{"a misspelt key merged into another rule", "rules:\n  - &r {id: a, replly: y, keywords: [k]}\n  - <<: *r\n    id: b\n", 2, 16, `unknown field "replly"`},
	})
}

// Anchors, aliases and merge keys are YAML; a file that reuses a rule's
// fields with <<: *name loads, and each rule keeps its own id.
func TestMergeKeysLoad(t *testing.T) {
	src := "templates:\n  signoff: &s {en: \"Ask us anything.\"}\nrules:\n  - &faq\n    id: refund\n    keywords: [refund]\n    reply: *s\n" +
		"  - <<: *faq\n    id: shipping\n    keywords: [shipping]\n  - <<: [*faq]\n    id: cancel\n    keywords: [cancel]\n" +
		"tests:\n  - {text: \"refund please\", hits: [refund]}\n  - {text: \"shipping please\", hits: [shipping], misses: [refund]}\n  - {text: \"cancel it\", hits: [cancel]}\n"
	r, err := Parse("rules.yaml", []byte(src))
	if err != nil {
		var es Errors
		errors.As(err, &es)
		t.Fatalf("a file with merge keys is refused:\n%s", es.Pretty())
	}
	if r.Len() != 3 {
		t.Errorf("%d rules, want 3", r.Len())
	}
}

// Syntax errors point at the mistake, not where the parser gave up.
func TestSyntaxErrorPositions(t *testing.T) {
	checkPositions(t, []posCase{
		{"key indented under a plain text", "rules:\n  - id: a\n    reply: y\n     keywords: [a]\n", 4, 6, `indented more than "reply:" on the line above`},
		{"key indented under a plain text, CJK", "rules:\n  - id: a\n    reply: 退款😀\n      when: hour > 3\n", 4, 7, `indented more than "reply:"`},
		{"tab in the indentation", "rules:\n  - id: a\n\treply: y\n", 3, 1, "tabs are not allowed for indentation"},
		{"quote never closed after CJK", "rules:\n  - id: 退款😀\n    reply: \"退款😀 x\n  - id: b\n    reply: y\n", 3, 12, "this quoted text is never closed"},
		{"quote never closed, CRLF", "rules:\r\n  - id: a\r\n    reply: \"x\r\n  - id: b\r\n    reply: y\r\n", 3, 12, "this quoted text is never closed"},
		{"list never closed", "keywords:\n  r: [退款😀, x\nrules:\n  - id: b\n    reply: y\n", 2, 6, "this list opened with [ is never closed"},
		{"key given twice", "rules:\n  - id: a\n    reply: y\n    reply: z\n", 4, 5, `"reply" is given twice in the same place (first on line 3)`},
		{"text after the closing quote", "rules:\n  - id: 退款😀\n    reply: \"退款\" y\n", 3, 17, "there is more text after the closing quote"},
	})
}

// TestCaretLinesUpInATerminal: the caret goes under the column's
// character as a terminal shows the line, where Chinese characters and
// most emoji take two columns, combining marks none, and tabs stay tabs.
func TestCaretLinesUpInATerminal(t *testing.T) {
	tests := []struct {
		name, source string
		col          int
		want         string // the caret line
	}{
		{"ascii", `when: txt == "a"`, 7, "      ^"},
		{"after Chinese", `zh: "退款说明" {{nmae}}`, 12, "               ^"},
		{"after an emoji", `😀 x`, 3, "   ^"},
		{"after a combining mark", "e\u0301 x", 4, "  ^"},
		{"after a tab", "\tkey: x", 7, "\t     ^"},
		{"past the end", "ab", 9, "  ^"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Error{File: "r.yaml", Line: 1, Col: tt.col, Msg: "m", Source: tt.source}
			lines := strings.Split(e.Snippet(), "\n")
			if len(lines) != 2 || lines[1] != " | "+tt.want {
				t.Errorf("snippet:\n%s\nwant the caret line %q", e.Snippet(), " | "+tt.want)
			}
		})
	}
}

// A file saved as UTF-16 (Windows Notepad's "Unicode") loads as the same
// file in UTF-8 does, and its errors have the same positions and show the
// same lines: not the UTF-16 bytes.
func TestUTF16FilesReadAsText(t *testing.T) {
	encode := func(s string, bigEndian bool) []byte {
		out := []byte{0xFF, 0xFE}
		if bigEndian {
			out = []byte{0xFE, 0xFF}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			if bigEndian {
				out = append(out, byte(u>>8), byte(u))
			} else {
				out = append(out, byte(u), byte(u>>8))
			}
		}
		return out
	}
	for _, src := range []string{
		"rules:\n  - id: 退款\n    keywords: [退款]\n    reply: \"好的😀\"\ntests:\n  - {text: \"我要退款\", hits: [退款]}\n",
		"rules:\n  - id: a\n    reply: \"退款😀 x\n  - id: b\n    reply: y\n",
		"rules:\r\n  - id: a\r\n    when: text contains \"退款\" && foo > 1\r\n    reply: hi\r\n",
		"rules:\n  - id: a\n    reply: x\n  - id: a\n    replly: y\n",
		"rules:\n  - id: a\n    reply: y\n     keywords: [a]\n",
	} {
		_, wantErr := Parse("r.yaml", []byte(src))
		for _, bigEndian := range []bool{false, true} {
			_, err := Parse("r.yaml", encode(src, bigEndian))
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Errorf("%q as UTF-16 (big-endian %v):\n got %v\nwant %v", src, bigEndian, err, wantErr)
			}
			var got, want Errors
			errors.As(err, &got)
			errors.As(wantErr, &want)
			if got.Pretty() != want.Pretty() {
				t.Errorf("%q as UTF-16 (big-endian %v) shows\n%s\nwant\n%s", src, bigEndian, got.Pretty(), want.Pretty())
			}
		}
	}
}
