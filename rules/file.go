package rules

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML form of a rules file. Leaf values carry their position so every
// error can point at the exact line and column a marketer has to fix.

type fileYAML struct {
	DefaultLanguage str                  `yaml:"default_language"`
	Timezone        str                  `yaml:"timezone"`
	HandoffReply    texts                `yaml:"handoff_reply"`
	Keywords        map[string][]str     `yaml:"keywords"`
	Rules           []ruleYAML           `yaml:"rules"`
	keywordPos      map[string]yaml.Node // group name → its key node, filled after decoding
}

type ruleYAML struct {
	ID       str          `yaml:"id"`
	Keywords []str        `yaml:"keywords"`
	Match    str          `yaml:"match"`
	When     str          `yaml:"when"`
	Reply    texts        `yaml:"reply"`
	Ack      texts        `yaml:"ack"`
	Handoff  *handoffYAML `yaml:"handoff"`
	Continue *bool        `yaml:"continue"`
	line     int
}

type handoffYAML struct {
	Priority str `yaml:"priority"`
	Team     str `yaml:"team"`
}

// str is a scalar with its position in the file.
type str struct {
	Value string
	Line  int
	Col   int
	// Quoted tells how the scalar was written, so positions inside it (an
	// expr error's column) can be mapped back to the file.
	Quoted bool
	Block  bool
}

func (s *str) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return posError(n.Line, n.Column, "want a single value here, not a %s", kindName(n.Kind))
	}
	*s = str{
		Value:  n.Value,
		Line:   n.Line,
		Col:    n.Column,
		Quoted: n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0,
		Block:  n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0,
	}
	return nil
}

// texts is one text, or one per language: `reply: "…"` or `reply: {zh: "…", en: "…"}`.
type texts struct {
	ByLang map[string]str // "" for a text without language
	Line   int
	Col    int
}

func (t *texts) set() bool { return len(t.ByLang) > 0 }

func (t *texts) UnmarshalYAML(n *yaml.Node) error {
	t.Line, t.Col = n.Line, n.Column
	t.ByLang = map[string]str{}
	switch n.Kind {
	case yaml.ScalarNode:
		var s str
		if err := s.UnmarshalYAML(n); err != nil {
			return err
		}
		t.ByLang[""] = s
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			lang := strings.ToLower(k.Value)
			if !validLang(lang) {
				return posError(k.Line, k.Column, "%q is not a language code; write a two-letter code such as zh, ru or en", k.Value)
			}
			if _, dup := t.ByLang[lang]; dup {
				return posError(k.Line, k.Column, "language %q is given twice", lang)
			}
			var s str
			if err := s.UnmarshalYAML(v); err != nil {
				return err
			}
			t.ByLang[lang] = s
		}
		return nil
	}
	return posError(n.Line, n.Column, "want a text, or a text per language such as {zh: \"…\", en: \"…\"}")
}

func validLang(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// posError reports a problem found while decoding as a *yaml.TypeError, the
// one error kind after which yaml.v3 goes on decoding, so a file with several
// mistakes gets them all reported at once. The column rides in the message.
func posError(line, col int, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: col %d: %s", line, col, fmt.Sprintf(format, args...))}}
}
