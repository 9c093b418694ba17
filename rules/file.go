package rules

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML form of a rules file. Leaf values carry their position so every
// error can point at the exact line and column a marketer has to fix.

type fileYAML struct {
	DefaultLanguage  str                      `yaml:"default_language"`
	Languages        []str                    `yaml:"languages"`
	Timezone         str                      `yaml:"timezone"`
	BusinessHours    *businessHoursYAML       `yaml:"business_hours"`
	Content          contentYAML              `yaml:"content"`
	Templates        map[string]texts         `yaml:"templates"`
	Snippets         map[string]texts         `yaml:"snippets"` // agents' canned answers
	HandoffReply     texts                    `yaml:"handoff_reply"`
	Keywords         map[string][]keywordItem `yaml:"keywords"`
	Rules            []ruleYAML               `yaml:"rules"`
	Tests            []testYAML               `yaml:"tests"`
	WhenBudget       *budgetYAML              `yaml:"when_budget"`
	Notices          noticesYAML              `yaml:"notices"` // notices.go
	CSAT             csatYAML                 `yaml:"csat"`
	matchingFileYAML `yaml:",inline"`         // matching.go
	insightFileYAML  `yaml:",inline"`         // types.go
	keyPos           map[string]yaml.Node     // "keywords/NAME", "templates/NAME", "snippets/NAME" → the key's node
}

type ruleYAML struct {
	ID       str           `yaml:"id"`
	Keywords []keywordItem `yaml:"keywords"`
	Match    str           `yaml:"match"`
	When     str           `yaml:"when"`
	Reply    texts         `yaml:"reply"`
	Ack      texts         `yaml:"ack"`
	Handoff  *handoffYAML  `yaml:"handoff"`
	Tag      []str         `yaml:"tag"`
	Ignore   *bool         `yaml:"ignore"`
	Variants str           `yaml:"variants"`
	Continue *bool         `yaml:"continue"`
	Cooldown str           `yaml:"cooldown"`
	// AllowWhileHuman lets the rule's messages through while a person owns
	// the conversation (an out-of-hours note, say).
	AllowWhileHuman *bool `yaml:"allow_while_human"`
	// Buttons lists rules offered under the reply (an FAQ menu); pressing
	// one answers with that rule. Label is this rule's button caption.
	Buttons []str `yaml:"buttons"`
	Label   texts `yaml:"label"`
	// Private sends the rule's messages to the customer's direct messages
	// when they wrote in a public channel (Discord; D12).
	Private *bool `yaml:"private"`
	// AskHelpful puts 👍/👎 under the rule's reply, so the reports say
	// how useful the answer is (notices.go).
	AskHelpful *bool `yaml:"ask_helpful"`
	// Collect lists details to ask for before handing off (collect.go).
	Collect []detailYAML `yaml:"collect"`

	matchingRuleYAML `yaml:",inline"` // matching.go
	insightRuleYAML  `yaml:",inline"` // types.go

	// Where the rule starts, for problems of the rule as a whole (a missing
	// id); idGiven tells a missing id from one that failed to decode.
	Line, Col int      `yaml:"-"`
	idGiven   bool     `yaml:"-"`
	problems  []string `yaml:"-"` // decoding problems, in yaml.v3's format
	// noKeywords is the key of a keywords: that lists none ([] or
	// nothing), nil otherwise: such a rule matches every message, which
	// an emptied list rarely means.
	noKeywords *yaml.Node `yaml:"-"`
}

// title names the rule in messages: by its id, or, when it has none (an
// error of its own), by its line, since rule "" names nothing.
func (ry *ruleYAML) title() string {
	if ry.ID.Value == "" {
		return fmt.Sprintf("the rule on line %d", ry.Line)
	}
	return fmt.Sprintf("rule %q", ry.ID.Value)
}

// emptyListAt returns the key node of key in mapping n when its value is
// an empty list or nothing at all.
func emptyListAt(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content) && n.Kind == yaml.MappingNode; i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value != key {
			continue
		}
		if (v.Kind == yaml.SequenceNode && len(v.Content) == 0) || (v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
			return k
		}
		return nil
	}
	return nil
}

func (r *ruleYAML) UnmarshalYAML(n *yaml.Node) error {
	type plain ruleYAML
	r.Line, r.Col = n.Line, n.Column
	r.idGiven = hasKey(n, "id")
	r.noKeywords = emptyListAt(n, "keywords")
	line, col, given, none := r.Line, r.Col, r.idGiven, r.noKeywords
	err := n.Decode((*plain)(r))
	r.Line, r.Col, r.idGiven, r.noKeywords = line, col, given, none
	// yaml.v3 drops a list element whose decoder fails, and then every
	// other mistake in that rule would go unreported; so the problems ride
	// along and Parse reports them. A custom decoder also loses yaml.v3's
	// strict field check: check here.
	var te *yaml.TypeError
	if errors.As(err, &te) {
		r.problems = append(r.problems, te.Errors...)
	} else if err != nil {
		return err
	}
	if errors.As(checkKeys(n, knownFields["ruleYAML"]...), &te) {
		r.problems = append(r.problems, te.Errors...)
	}
	return nil
}

// budgetYAML overrides DefaultBudget for every `when` of the file.
type budgetYAML struct {
	Steps str `yaml:"steps"`
	Bytes str `yaml:"bytes"`
	Time  str `yaml:"time"`
}

type handoffYAML struct {
	Priority str `yaml:"priority"`
	Team     str `yaml:"team"`
	// Snippets are suggested to agents on the handoff's notice (at most
	// MaxSuggestedSnippets); without them, snippets named like the rule
	// or its keywords are.
	Snippets []str `yaml:"snippets"`
}

type contentYAML struct {
	AllowedDomains []str `yaml:"allowed_domains"`
	BannedPhrases  []str `yaml:"banned_phrases"`
}

// testYAML is one example in the tests: section.
type testYAML struct {
	Text            str   `yaml:"text"`
	Lang            str   `yaml:"lang"`
	Platform        str   `yaml:"platform"`
	Chat            str   `yaml:"chat"`
	Name            str   `yaml:"name"`
	At              str   `yaml:"at"`
	ConversationNew *bool `yaml:"conversation_new"`
	CustomerNew     *bool `yaml:"customer_new"`
	WaitingForHuman bool  `yaml:"waiting_for_human"`
	Incidents       []str `yaml:"incidents"` // rules with an open incident
	Hits            []str `yaml:"hits"`
	Misses          []str `yaml:"misses"`
	Line            int   `yaml:"-"`
}

func (t *testYAML) UnmarshalYAML(n *yaml.Node) error {
	type plain testYAML
	if err := n.Decode((*plain)(t)); err != nil {
		return err
	}
	t.Line = n.Line
	return checkKeys(n, "text", "lang", "platform", "chat", "name", "at", "conversation_new", "customer_new", "waiting_for_human", "incidents", "hits", "misses")
}

// keywordItem is a keyword as written: a word (or group name), or a mapping
// {word: …, match: full} or {regex: …}.
type keywordItem struct {
	Word  str
	Match str
	Regex str
}

func (k *keywordItem) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return k.Word.UnmarshalYAML(n)
	}
	if n.Kind != yaml.MappingNode {
		return posError(n.Line, n.Column, "a keyword is a word, or {word: …, match: full}, or {regex: …}")
	}
	if err := checkKeys(n, "word", "match", "regex"); err != nil {
		return err
	}
	if err := checkDuplicates(n); err != nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		var dst *str
		switch n.Content[i].Value {
		case "word":
			dst = &k.Word
		case "match":
			dst = &k.Match
		case "regex":
			dst = &k.Regex
		}
		if err := dst.UnmarshalYAML(n.Content[i+1]); err != nil {
			return err
		}
	}
	if (k.Word.Value == "") == (k.Regex.Value == "") {
		return posError(n.Line, n.Column, "a keyword mapping needs exactly one of word or regex")
	}
	return nil
}

// businessHoursYAML is `business_hours: {mon-fri: "09:00-18:00", sat: "10:00-14:00", holidays: [2026-10-01]}`.
type businessHoursYAML struct {
	Days     []dayHoursYAML
	Holidays []str
	Line     int
	Col      int
}

type dayHoursYAML struct {
	Days  str // "mon-fri", "sat", "sun"
	Hours str // "09:00-18:00"
}

func (b *businessHoursYAML) UnmarshalYAML(n *yaml.Node) error {
	b.Line, b.Col = n.Line, n.Column
	if n.Kind != yaml.MappingNode {
		return posError(n.Line, n.Column, "business_hours is a mapping such as {mon-fri: \"09:00-18:00\", holidays: [2026-10-01]}")
	}
	if err := checkDuplicates(n); err != nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "holidays" {
			if v.Kind != yaml.SequenceNode {
				return posError(v.Line, v.Column, "holidays is a list of dates such as [2026-10-01]")
			}
			for _, h := range v.Content {
				var s str
				if err := s.UnmarshalYAML(h); err != nil {
					return err
				}
				b.Holidays = append(b.Holidays, s)
			}
			continue
		}
		var d dayHoursYAML
		if err := d.Days.UnmarshalYAML(k); err != nil {
			return err
		}
		if err := d.Hours.UnmarshalYAML(v); err != nil {
			return err
		}
		b.Days = append(b.Days, d)
	}
	return nil
}

// checkKeys reports keys of a mapping that are not in known: custom
// decoders lose yaml.v3's strict-field checking, so they check themselves.
// Every unknown key is reported, not only the first.
func checkKeys(n *yaml.Node, known ...string) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var te yaml.TypeError
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Tag == "!!merge" {
			// <<: *defaults merges another mapping's fields: check those.
			for _, m := range mergedMaps(n.Content[i+1]) {
				if err := checkKeys(m, known...); err != nil {
					te.Errors = append(te.Errors, err.(*yaml.TypeError).Errors...)
				}
			}
			continue
		}
		if !contains(known, k.Value) {
			te.Errors = append(te.Errors, posError(k.Line, k.Column, "unknown field %q%s", k.Value, fieldHint(k.Value, known)).(*yaml.TypeError).Errors...)
		}
	}
	if len(te.Errors) == 0 {
		return nil
	}
	return &te
}

// mergedMaps are the mappings a merge key (<<) brings in: one, or a list.
func mergedMaps(v *yaml.Node) []*yaml.Node {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range v.Content {
			out = append(out, mergedMaps(c)...)
		}
		return out
	}
	return nil
}

// hasKey reports whether a mapping sets key, itself or through <<.
func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content) && n.Kind == yaml.MappingNode; i += 2 {
		if n.Content[i].Tag == "!!merge" {
			for _, m := range mergedMaps(n.Content[i+1]) {
				if hasKey(m, key) {
					return true
				}
			}
		} else if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// checkDuplicates reports a key given twice in a mapping a custom decoder
// reads itself (yaml.v3 checks only the ones it decodes): the second would
// silently win.
func checkDuplicates(n *yaml.Node) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if first, dup := seen[k.Value]; dup {
			return posError(k.Line, k.Column, "%q is given twice in the same place (first on line %d); keep one", k.Value, first)
		}
		seen[k.Value] = k.Line
	}
	return nil
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

// texts is one text, or one per language: `reply: "…"` or
// `reply: {zh: "…", en: "…"}`. Any text may instead be a list of variants:
// `reply: ["…", "…"]` or `{en: ["…", "…"]}`.
type texts struct {
	ByLang map[string][]str // "" for texts without a language
	Line   int
	Col    int
	keyAt  map[string]str // each language key (lowercase) and where it is
}

func (t *texts) set() bool { return len(t.ByLang) > 0 }

func (t *texts) UnmarshalYAML(n *yaml.Node) error {
	t.Line, t.Col = n.Line, n.Column
	t.ByLang = map[string][]str{}
	switch n.Kind {
	case yaml.ScalarNode, yaml.SequenceNode:
		v, err := variants(n)
		t.ByLang[""] = v
		return err
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
			if t.keyAt == nil {
				t.keyAt = map[string]str{}
			}
			t.keyAt[lang] = str{Value: lang, Line: k.Line, Col: k.Column}
			vs, err := variants(v)
			if err != nil {
				return err
			}
			t.ByLang[lang] = vs
		}
		return nil
	}
	return posError(n.Line, n.Column, "want a text, or a text per language such as {zh: \"…\", en: \"…\"}")
}

func variants(n *yaml.Node) ([]str, error) {
	if n.Kind == yaml.ScalarNode {
		var s str
		err := s.UnmarshalYAML(n)
		return []str{s}, err
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, posError(n.Line, n.Column, "want a text, or a list of variant texts")
	}
	out := make([]str, 0, len(n.Content))
	for _, c := range n.Content {
		var s str
		if err := s.UnmarshalYAML(c); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
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
