package rules

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// Every syntax error, whatever the mistake and wherever it is, must come
// with a line, a column and the source line for the caret: break the
// example rules file in the ways people do, on every line, and check.
func TestSyntaxErrorsArePositioned(t *testing.T) {
	data, err := os.ReadFile("../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	breaks := []struct {
		name  string
		want  string // the first error's message says this, on the broken line ("" = any message, any line)
		apply func(line string) (string, bool)
	}{
		{"tab indentation", "tabs are not allowed for indentation", func(l string) (string, bool) {
			if strings.HasPrefix(l, "  ") {
				return "\t" + l[2:], true
			}
			return l, false
		}},
		{"quote never closed", "never closed", func(l string) (string, bool) {
			if i := strings.Index(l, `: "`); i >= 0 && strings.HasSuffix(l, `"`) {
				return l[:len(l)-1], true
			}
			return l, false
		}},
		{"bracket never closed", "never closed", func(l string) (string, bool) {
			if strings.HasSuffix(l, "]") {
				return l[:len(l)-1], true
			}
			return l, false
		}},
		{"one space less", "", func(l string) (string, bool) {
			if strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "     ") {
				return l[1:], true
			}
			return l, false
		}},
	}
	for _, b := range breaks {
		t.Run(b.name, func(t *testing.T) {
			broken := 0
			for i := range lines {
				changed, ok := b.apply(lines[i])
				if !ok {
					continue
				}
				mutated := append(append(append([]string{}, lines[:i]...), changed), lines[i+1:]...)
				_, err := Parse("rules.yaml", []byte(strings.Join(mutated, "\n")))
				if err == nil {
					continue // some mutations are still valid YAML (a list item one space less)
				}
				var es Errors
				if !errors.As(err, &es) {
					t.Fatalf("line %d: error is %T, want Errors", i+1, err)
				}
				broken++
				first := es[0]
				if first.Line == 0 || first.Col == 0 || first.Source == "" {
					t.Errorf("line %d broken: first error has no position or source: %q", i+1, first.Error())
				}
				// A list that spans lines is reported where it opened.
				opened := i + 1
				for opened > 1 && strings.HasPrefix(lines[opened-1], "    ") && !strings.Contains(lines[opened-1], "[") {
					opened--
				}
				if b.want != "" && (first.Line != i+1 && first.Line != opened || !strings.Contains(first.Msg, b.want)) {
					t.Errorf("line %d broken: first error is %q, want one on that line saying %q", i+1, first.Error(), b.want)
				}
				if strings.Contains(first.Msg, "rules.") || strings.Contains(first.Msg, "yaml:") {
					t.Errorf("line %d broken: %q speaks of the parser, not the file", i+1, first.Msg)
				}
			}
			if broken == 0 {
				t.Fatal("no mutation broke the file; the test tests nothing")
			}
		})
	}
}

// A file saved on Windows (CRLF) or old Mac OS (CR) gets its errors at
// the same line and column as the same file with Unix line ends, also
// after texts that span lines inside quotes, where one parser counted
// each CRLF as two lines. Every line below the texts is broken in turn.
func TestLineEndsDoNotMoveErrors(t *testing.T) {
	const file = `keywords:
  greet: [hi, "good
    morning"]
rules:
  - id: a
    keywords: [greet]
    reply: "Hello,
      nice to see you,
      again"
  - id: b
    keywords: [refund]
    reply: 'Money back
      within a week'
  - id: c
    keywords: [late]
    reply: ok
  - id: d
    keywords: [where]
    reply: on its way
`
	lines := strings.Split(strings.TrimSuffix(file, "\n"), "\n")
	breaks := map[string]func(string) string{
		"colon in a text":    func(l string) string { return l + ": more" },
		"one space less":     func(l string) string { return strings.TrimPrefix(l, " ") },
		"quote never closed": func(l string) string { return l + ` "open` },
		"tab indentation":    func(l string) string { return "\t" + strings.TrimLeft(l, " ") },
	}
	positions := func(err error) []string {
		var es Errors
		if !errors.As(err, &es) {
			return nil
		}
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%d:%d %s | %s", e.Line, e.Col, e.Msg, e.Source))
		}
		return out
	}
	broken := 0
	for name, brk := range breaks {
		for i := 9; i < len(lines); i++ {
			mutated := append(append(append([]string{}, lines[:i]...), brk(lines[i])), lines[i+1:]...)
			lf := strings.Join(mutated, "\n") + "\n"
			_, err := Parse("f.yaml", []byte(lf))
			want := positions(err)
			if len(want) == 0 {
				continue
			}
			broken++
			for end, text := range map[string]string{"CRLF": strings.ReplaceAll(lf, "\n", "\r\n"), "CR": strings.ReplaceAll(lf, "\n", "\r")} {
				_, err := Parse("f.yaml", []byte(text))
				if got := positions(err); !slices.Equal(got, want) {
					t.Errorf("%s on line %d, %s line ends:\n got %q\nwant %q (as with LF)", name, i+1, end, got, want)
				}
			}
		}
	}
	if broken == 0 {
		t.Fatal("no mutation broke the file; the test tests nothing")
	}
}
