// Package rules owns the rules file that marketers write: parsing it with
// positions, validating it, normalizing text and keywords, compiling `when`
// expressions once, and deciding what the bot does with a message.
package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Rules is a loaded, fully checked rules file. It is immutable and safe for
// concurrent use; a reload builds a new one and swaps it in.
type Rules struct {
	file         string
	defaultLang  string
	loc          *time.Location
	handoffReply localized
	groups       map[string][]string // group → normalized keywords
	rules        []*rule
}

type rule struct {
	id       string
	keywords []keyword
	full     bool
	when     *vm.Program
	actions  []actionSpec
	stop     bool
}

type keyword struct {
	text  string // normalized
	group string // the group it came from, "" for a literal
}

type actionSpec struct {
	typ      chat.ActionType
	text     localized
	priority string
	team     string
}

// localized is a text in one or more languages; "" holds a text given
// without a language.
type localized map[string]template

// Handoff priorities, from DOMAIN.md D15.
var priorities = []string{"critical", "high", "medium", "low"}

// Load reads and compiles a rules file.
func Load(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	return Parse(path, data)
}

// Parse compiles a rules file already read. The error, if any, is Errors:
// every problem found, each with file:line:col.
func Parse(path string, data []byte) (*Rules, error) {
	errs := &errorList{file: path, lines: strings.Split(string(data), "\n")}
	var f fileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			errs.add(0, 0, "the rules file is empty")
			return nil, errs.result()
		case errors.As(err, &te):
			// The rest of the file was still decoded: check it too, so
			// every mistake is reported in one go.
			errs.addYAML(err)
		default:
			errs.addYAML(err)
			return nil, errs.result()
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil {
		f.keywordPos = keywordKeyNodes(&root)
	}
	r := compile(&f, errs)
	if err := errs.result(); err != nil {
		return nil, err
	}
	r.file = path
	return r, nil
}

func compile(f *fileYAML, errs *errorList) *Rules {
	r := &Rules{defaultLang: "en", loc: time.UTC, groups: map[string][]string{}}
	if f.DefaultLanguage.Value != "" {
		l := strings.ToLower(f.DefaultLanguage.Value)
		if !validLang(l) {
			errs.add(f.DefaultLanguage.Line, f.DefaultLanguage.Col, "default_language %q is not a language code such as zh, ru or en", f.DefaultLanguage.Value)
		}
		r.defaultLang = l
	}
	if f.Timezone.Value != "" {
		loc, err := time.LoadLocation(f.Timezone.Value)
		if err != nil {
			errs.add(f.Timezone.Line, f.Timezone.Col, "timezone %q is not known; write an IANA name such as Asia/Shanghai or Europe/Moscow", f.Timezone.Value)
		} else {
			r.loc = loc
		}
	}
	r.handoffReply = compileTexts(f.HandoffReply, errs)

	for name, words := range f.Keywords {
		pos := f.keywordPos[name]
		if len(words) == 0 {
			errs.add(pos.Line, pos.Column, "keyword group %q has no keywords", name)
		}
		for _, w := range words {
			n := Normalize(w.Value)
			if n == "" {
				errs.add(w.Line, w.Col, "keyword %q has no letters or digits to match", w.Value)
				continue
			}
			r.groups[name] = append(r.groups[name], n)
		}
	}

	seen := map[string]int{}
	for i := range f.Rules {
		ry := &f.Rules[i]
		r.rules = append(r.rules, compileRule(ry, r, seen, errs))
	}
	return r
}

func compileRule(ry *ruleYAML, r *Rules, seen map[string]int, errs *errorList) *rule {
	ru := &rule{id: ry.ID.Value}
	switch {
	case ry.ID.Value == "":
		errs.add(ry.ID.Line, ry.ID.Col, "a rule needs an id")
	case seen[ry.ID.Value] != 0:
		errs.add(ry.ID.Line, ry.ID.Col, "rule id %q is already used on line %d", ry.ID.Value, seen[ry.ID.Value])
	default:
		seen[ry.ID.Value] = ry.ID.Line
	}
	at := fmt.Sprintf("rule %q: ", ry.ID.Value)

	for _, k := range ry.Keywords {
		if words, ok := r.groups[k.Value]; ok {
			for _, w := range words {
				ru.keywords = append(ru.keywords, keyword{text: w, group: k.Value})
			}
			continue
		}
		n := Normalize(k.Value)
		if n == "" {
			errs.add(k.Line, k.Col, "%skeyword %q has no letters or digits to match", at, k.Value)
			continue
		}
		ru.keywords = append(ru.keywords, keyword{text: n})
	}
	switch ry.Match.Value {
	case "", "partial":
	case "full":
		ru.full = true
	default:
		errs.add(ry.Match.Line, ry.Match.Col, "%smatch %q is not one of partial, full", at, ry.Match.Value)
	}
	if ry.When.Value != "" {
		ru.when = compileWhen(ry.When, at, r, errs)
	}

	stopsByDefault := false
	if ry.Reply.set() && ry.Handoff == nil {
		ru.actions = append(ru.actions, actionSpec{typ: chat.ActionReply, text: compileTexts(ry.Reply, errs)})
		stopsByDefault = true
	}
	if ry.Ack.set() {
		ru.actions = append(ru.actions, actionSpec{typ: chat.ActionAck, text: compileTexts(ry.Ack, errs)})
	}
	if h := ry.Handoff; h != nil {
		a := actionSpec{typ: chat.ActionHandoff, priority: "medium", team: h.Team.Value}
		if h.Priority.Value != "" {
			a.priority = h.Priority.Value
			if !contains(priorities, a.priority) {
				errs.add(h.Priority.Line, h.Priority.Col, "%spriority %q is not one of %s%s", at, a.priority, strings.Join(priorities, ", "), suggest(a.priority, priorities))
			}
		}
		// The customer is told what happens: the rule's own reply, else the file's handoff_reply.
		if ry.Reply.set() {
			a.text = compileTexts(ry.Reply, errs)
		} else if len(r.handoffReply) > 0 {
			a.text = r.handoffReply
		}
		ru.actions = append(ru.actions, a)
		stopsByDefault = true
	}
	if len(ru.actions) == 0 && ry.ID.Value != "" {
		errs.add(ry.ID.Line, ry.ID.Col, "%sdoes nothing: give it a reply, ack or handoff", at)
	}
	ru.stop = stopsByDefault
	if ry.Continue != nil {
		ru.stop = !*ry.Continue
	}
	return ru
}

func compileTexts(t texts, errs *errorList) localized {
	if !t.set() {
		return nil
	}
	out := localized{}
	for lang, s := range t.ByLang {
		if strings.TrimSpace(s.Value) == "" {
			errs.add(s.Line, s.Col, "the text is empty")
			continue
		}
		tpl, off, err := parseTemplate(s.Value)
		if err != nil {
			line, col := s.Line, s.Col
			if !s.Block && !strings.Contains(s.Value[:off], "\n") {
				col += off
				if s.Quoted {
					col++
				}
			}
			errs.add(line, col, "%v", err)
			continue
		}
		out[lang] = tpl
	}
	return out
}

// compileWhen compiles a `when` expression against Env once, at load.
func compileWhen(s str, at string, r *Rules, errs *errorList) *vm.Program {
	check := &hasChecker{groups: r.groups}
	prog, err := expr.Compile(s.Value, expr.Env(Env{}), expr.AsBool(), expr.Patch(check))
	if err != nil {
		line, col, msg := s.Line, s.Col, err.Error()
		if fe, ok := err.(*file.Error); ok {
			msg = fe.Message
			if !s.Block && fe.Line <= 1 {
				col += fe.Column
				if s.Quoted {
					col++
				}
			}
		}
		errs.add(line, col, "%swhen: %s", at, whenMessage(msg))
		return nil
	}
	for _, bad := range check.unknown {
		errs.add(s.Line, s.Col, "%swhen: has(%q): no keyword group %q%s", at, bad, bad, suggest(bad, keys(r.groups)))
	}
	return prog
}

// whenMessage makes expr's messages speak the marketer's vocabulary.
func whenMessage(msg string) string {
	const unknown = "unknown name "
	if i := strings.Index(msg, unknown); i >= 0 {
		name := strings.TrimSpace(msg[i+len(unknown):])
		if j := strings.IndexAny(name, " ("); j >= 0 {
			name = name[:j]
		}
		return "unknown name " + name + suggest(name, envNames)
	}
	return msg
}

var envNames = []string{"text", "kind", "platform", "language", "links", "chat", "customer", "conversation", "now", "hour", "weekday", "has"}

// hasChecker finds has("group") calls naming groups that do not exist, so the
// mistake is reported at load instead of silently never matching.
type hasChecker struct {
	groups  map[string][]string
	unknown []string
}

func (c *hasChecker) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 1 {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != "has" {
		return
	}
	if s, ok := call.Arguments[0].(*ast.StringNode); ok {
		if _, exists := c.groups[s.Value]; !exists {
			c.unknown = append(c.unknown, s.Value)
		}
	}
}

// keywordKeyNodes maps each keyword group name to its key's node, for positions.
func keywordKeyNodes(root *yaml.Node) map[string]yaml.Node {
	out := map[string]yaml.Node{}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return out
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "keywords" || m.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		g := m.Content[i+1]
		for j := 0; j+1 < len(g.Content); j += 2 {
			out[g.Content[j].Value] = *g.Content[j]
		}
	}
	return out
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// File is the path the rules were loaded from.
func (r *Rules) File() string { return r.file }

// Len is the number of rules.
func (r *Rules) Len() int { return len(r.rules) }
