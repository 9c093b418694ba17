package rules

import (
	"errors"
	"os"
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
