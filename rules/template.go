package rules

import (
	"fmt"
	"strings"
)

// templateVars are the names a reply text may use as {{name}}.
var templateVars = []string{"name", "username"}

// template is a reply text split at its {{variables}} at load time, so
// rendering is concatenation and customer-supplied values are inserted as
// plain text, never parsed again.
type template struct {
	parts []templatePart
}

type templatePart struct {
	literal string
	varName string // set for a variable
}

// parseTemplate splits s; it reports the byte offset of a bad reference.
func parseTemplate(s string) (template, int, error) {
	var t template
	rest := s
	offset := 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, templatePart{literal: rest})
			}
			return t, 0, nil
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return t, offset + i, fmt.Errorf("{{ is not closed with }}")
		}
		name := strings.TrimSpace(rest[i+2 : i+j])
		if !known(name) {
			return t, offset + i, fmt.Errorf("unknown variable {{%s}}%s (known: %s)", name, suggest(name, templateVars), strings.Join(templateVars, ", "))
		}
		t.parts = append(t.parts, templatePart{varName: name})
		offset += i + j + 2
		rest = rest[i+j+2:]
	}
}

func known(name string) bool {
	for _, v := range templateVars {
		if v == name {
			return true
		}
	}
	return false
}

func (t template) render(vars map[string]string) string {
	if len(t.parts) == 1 && t.parts[0].varName == "" {
		return t.parts[0].literal
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.varName != "" {
			b.WriteString(vars[p.varName])
		} else {
			b.WriteString(p.literal)
		}
	}
	return b.String()
}
