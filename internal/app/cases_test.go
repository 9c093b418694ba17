package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/frontdesk-bot/frontdesk/rules"
)

const casesRules = `
keywords:
  refund: [refund, "money back", 退款]
rules:
  - id: spam
    when: links > 0
    ignore: true
  - id: refund
    keywords: [refund]
    reply: "Refunds take 3 days."
  - id: ack
    when: conversation.new
    ack: "Got it."
`

func loadCasesRules(t *testing.T) *rules.Rules {
	t.Helper()
	r, err := rules.Parse("rules.yaml", []byte(casesRules))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func writeCases(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cases.tsv")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// utf16LE is s as Excel's "Unicode Text" saves it: UTF-16, little end
// first, after a byte-order mark.
func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func TestLoadCases(t *testing.T) {
	r := loadCasesRules(t)
	tests := []struct {
		name     string
		body     string
		want     int    // cases read
		wantText string // the first case's text, when set
		wantErr  string // part of the error
	}{
		{"columns in any order, comments skipped", "# c\ntag\ttext\texpected\nplain\tI want a refund\trefund\n", 1, "", ""},
		{"lang and tag optional", "text\texpected\nhello\tnone\n", 1, "", ""},
		{"none in any case", "text\texpected\nhello\tNone\n", 1, "", ""},
		{"several tags", "text\texpected\ttag\nrefund pls\trefund\tplain, short\n", 1, "", ""},
		{"saved by a spreadsheet: BOM, CRLF, quoted fields", "\ufefftext\texpected\r\n\"say \"\"refund\"\"\"\trefund\r\n", 1, `say "refund"`, ""},
		{"unknown rule id", "text\texpected\nI want a refund\trefnd\n", 0, "", `cases.tsv:2: expected "refnd" is no rule's id, did you mean "refund"?`},
		{"missing expected", "text\texpected\nI want a refund\n", 0, "", "cases.tsv:2: no expected rule id"},
		{"no expected column", "text\tlang\nhi\ten\n", 0, "", `the header needs a "expected" column`},
		{"no cases", "text\texpected\n", 0, "", "no cases"},
		{"CSV as spreadsheets write it: a quoted comma, quote and line break", "\ufefftext,expected,tag\r\n\"refund, \"\"now\"\"\nplease\",refund,\"a, b\"\r\nhello,none,\r\n", 2, "refund, \"now\"\nplease", ""},
		{"CSV with semicolons (a Russian spreadsheet)", "text;expected;lang\nверните деньги, пожалуйста;refund;ru\n", 1, "верните деньги, пожалуйста", ""},
		{"CSV: errors name the line a row starts on", "text,expected\n\"two\nlines\",refund\nI want a refund,refnd\n", 0, "", `cases.tsv:4: expected "refnd" is no rule's id`},
		{"CSV: a quote never closed", "text,expected\n\"refund,refund\n", 0, "", "cases.tsv:2: not CSV as spreadsheets write it"},
		{"UTF-16 with a byte-order mark (Excel's Unicode Text)", utf16LE("text\texpected\r\n我想退款\trefund\r\n"), 1, "我想退款", ""},
		{"not UTF-8 (GBK)", "text\texpected\nhello\tnone\n\xce\xd2\xcf\xeb\xcd\xcb\xbf\xee\trefund\n", 0, "", "cases.tsv:3: this line is not UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cases, err := LoadCases(writeCases(t, tt.body), r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cases) != tt.want {
				t.Fatalf("read %d cases, want %d: %+v", len(cases), tt.want, cases)
			}
			if tt.wantText != "" && cases[0].Text != tt.wantText {
				t.Errorf("text %q, want %q", cases[0].Text, tt.wantText)
			}
		})
	}
}

func TestRunCases(t *testing.T) {
	r := loadCasesRules(t)
	body := "text\texpected\tlang\ttag\n" +
		"I want a refund\trefund\ten\tplain\n" + // right
		"我想退款\trefund\tzh\tplain\n" + // right
		"give me my money back please\trefund\ten\treorder\n" + // right: contiguous keyword
		"my sister got a refund, I only want to know the opening hours\tnone\ten\twrong\n" + // wrong answer
		"where is my parcel\trefund\ten\tparaphrase\n" + // unanswered: the ack is no answer
		"hello\tnone\ten\tunrelated\n" + // right: only acknowledged
		"hello\tack\ten\tack\n" + // right: a case may expect a non-answering rule
		"cheap http://spam.example\tspam\ten\tspam\n" // right: ignoring is the answer
	cases, err := LoadCases(writeCases(t, body), r)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunCases(context.Background(), r, cases, r.ExampleTime())
	if err != nil {
		t.Fatal(err)
	}
	if o := rep.Overall; o.Total != 8 || o.Right != 6 || o.Wrong != 1 {
		t.Errorf("overall %+v, want 8 cases, 6 right, 1 wrong", o)
	}
	groups := map[string]CaseGroup{}
	for _, g := range append(rep.ByLang, rep.ByTag...) {
		groups[g.Name] = g
	}
	for name, want := range map[string][2]int{"en": {7, 5}, "zh": {1, 1}, "plain": {2, 2}, "wrong": {1, 0}, "paraphrase": {1, 0}} {
		if g := groups[name]; g.Total != want[0] || g.Right != want[1] {
			t.Errorf("%s: %+v, want %d cases, %d right", name, g, want[0], want[1])
		}
	}
	if len(rep.Misses) != 2 || rep.Misses[0].Got != "refund" || rep.Misses[1].Got != None {
		t.Fatalf("misses %+v, want the hours question answered by refund, then the parcel unanswered", rep.Misses)
	}
	if len(rep.Misses[0].Trace) == 0 {
		t.Error("a miss carries no trace")
	}
}

func TestParseMin(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		percent bool
		wantErr bool
	}{
		{"0.8", 0.8, false, false},
		{"80%", 0.8, true, false},
		{"75", 0.75, true, false},
		{"1", 1, false, false},
		{"120%", 0, false, true},
		{"most", 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, percent, err := ParseMin(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want || percent != tt.percent {
				t.Errorf("ParseMin(%q) = %v, %v; want %v, %v", tt.in, got, percent, tt.want, tt.percent)
			}
		})
	}
}
