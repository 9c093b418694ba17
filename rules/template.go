package rules

import (
	"fmt"
	"strings"
)

// templateVars are the variables a text may use as {{name}}; snippets from
// the templates: section are used the same way.
var templateVars = []string{"name", "username"}

// snippetVars are the variables of an agent's snippet (snippets:): a
// rule's, and the name of the agent who sends it.
var snippetVars = []string{"name", "username", "agent"}

// template is a text split at its {{variables}} at load time, so rendering
// is concatenation and customer-supplied values are inserted as plain text,
// never parsed again.
type template struct {
	parts []templatePart
	// maxLen is the longest the rendered text can be, in runes, counting
	// each variable at its longest, for the platform limit check.
	maxLen int
}

type templatePart struct {
	literal string
	varName string // set for a variable
}

// maxVarLen bounds a variable's value (Telegram names are at most 64 characters).
const maxVarLen = 64

// snippetFunc returns a snippet's parts in a language, for {{snippet}}.
type snippetFunc func(name, lang string) ([]templatePart, bool)

// templateProblem is a bad reference in a text, at byte offset at.
type templateProblem struct {
	at  int
	err error
}

// parseTemplate splits s, expanding snippets. It reports every bad
// reference, each at its byte offset, so a marketer fixes them in one go.
func parseTemplate(s, lang string, vars []string, snippets snippetFunc, snippetNames []string) (template, []templateProblem) {
	var t template
	var problems []templateProblem
	rest := s
	offset := 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, templatePart{literal: rest})
			}
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			problems = append(problems, templateProblem{offset + i, fmt.Errorf("{{ is not closed with }}")})
			break
		}
		name := strings.TrimSpace(rest[i+2 : i+j])
		switch {
		case contains(vars, name):
			t.parts = append(t.parts, templatePart{varName: name})
		case snippets != nil && contains(snippetNames, name):
			parts, ok := snippets(name, lang)
			if !ok {
				problems = append(problems, templateProblem{offset + i, fmt.Errorf("template {{%s}} has no text", name)})
			}
			t.parts = append(t.parts, parts...)
		default:
			known := append(append([]string{}, vars...), snippetNames...)
			problems = append(problems, templateProblem{offset + i, fmt.Errorf("unknown variable {{%s}}%s (known: %s)", name, suggest(name, known), strings.Join(known, ", "))})
		}
		offset += i + j + 2
		rest = rest[i+j+2:]
	}
	if len(problems) > 0 {
		return t, problems
	}
	t.parts = mergeLiterals(t.parts)
	for _, p := range t.parts {
		if p.varName != "" {
			t.maxLen += maxVarLen
		} else {
			t.maxLen += len([]rune(p.literal))
		}
	}
	return t, nil
}

func mergeLiterals(parts []templatePart) []templatePart {
	out := parts[:0]
	for _, p := range parts {
		if n := len(out); n > 0 && p.varName == "" && out[n-1].varName == "" {
			out[n-1].literal += p.literal
			continue
		}
		out = append(out, p)
	}
	return out
}

// literal is the template's fixed text, for content checks.
func (t template) literal() string {
	var b strings.Builder
	for _, p := range t.parts {
		b.WriteString(p.literal)
		b.WriteByte(' ')
	}
	return b.String()
}

func (t template) render(name, username string, attrs map[string]string) string {
	if len(t.parts) == 1 && t.parts[0].varName == "" {
		return t.parts[0].literal
	}
	var b strings.Builder
	for _, p := range t.parts {
		switch p.varName {
		case "":
			b.WriteString(p.literal)
		case "name":
			b.WriteString(name)
		case "username":
			b.WriteString(username)
		default:
			b.WriteString(attrs[p.varName]) // a customer attribute; empty until known
		}
	}
	return b.String()
}

// fill renders the template with the values of its variables; a variable
// without a value is left empty.
func (t template) fill(vars map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.varName == "" {
			b.WriteString(p.literal)
		} else {
			b.WriteString(vars[p.varName])
		}
	}
	return b.String()
}
