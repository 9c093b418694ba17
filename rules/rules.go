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
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/hours"
	"github.com/frontdesk-bot/frontdesk/internal/timespan"
)

// Rules is a loaded, fully checked rules file. It is immutable and safe for
// concurrent use; a reload builds a new one and swaps it in.
type Rules struct {
	file         string
	defaultLang  string
	loc          *time.Location
	hours        hours.Hours // zero: always open
	handoffReply localized
	snippets     map[string]localized // agents' canned answers, by name
	notices      map[chat.CustomerNotice]localized
	csat         CSAT
	thanksReply  localized
	releaseReply localized
	ix           *index
	rules        []*rule
	keywordless  []int32 // rules without keywords, decided on `when` alone
	tests        []testYAML
	warnings     Errors
	usesLinks    bool                      // some when reads links, which costs a scan of the text
	examples     *exampleIndex             // nil when no rule has examples
	embed        atomic.Pointer[embedding] // nil: examples are compared by n-grams
	types        *typeLexicon              // the message-type classifier's cues
	mood         *moodLexicon              // the sentiment lexicons
	byID         map[string]int32
	sw           switches // the file's matching switches
	hasRussian   bool     // Russian is one of the file's languages: read Russian in Latin letters or on the wrong layout (reread)
	anyOn        switches // switches on for at least one rule: what a message must be looked at for
	budget       Budget
	scratch      sync.Pool

	teamRefs   []TeamRef // handoffs to named teams, checked against the config by `check`
	vocabState           // what each rule is about, for clustering unanswered messages
}

type rule struct {
	id      string
	line    int
	terms   []int32
	when    *vm.Program
	actions []actionSpec
	tags    []string
	ignore  bool
	all     bool // send every variant instead of one
	stop    bool
	// cooldown overrides the guard's rule cooldown (negative: none);
	// whileHuman lets the rule send while a person owns the conversation.
	cooldown   time.Duration
	whileHuman bool
	private    bool
	askHelpful bool // 👍/👎 under its reply
	label      localized
	buttons    []*rule // resolved once every rule is compiled
	sw         switches
	priority   int
	examples   bool             // has examples: it matches by them, not on when alone
	msgType    chat.MessageType // the type of the messages it acts on; "" for the classifier's
	details    []detail         // asked before the handoff (collect.go)
	// incidents are the ones its when asks about: its answers carry their
	// latest status while they are open.
	incidents []string
}

type actionSpec struct {
	typ      chat.ActionType
	text     localized
	priority string
	team     string
	snippets []string // suggested to agents on a handoff's notice (suggest.go)
}

// localized holds a text's variants per language; "" holds texts given
// without a language.
type localized map[string][]template

// Handoff priorities, from DOMAIN.md D15.
var priorities = []string{"critical", "high", "medium", "low"}

// PlatformLimits are the longest messages each platform accepts.
var PlatformLimits = map[string]int{"telegram": 4096, "discord": 2000}

// Banned claims that automatic replies must never make (DOMAIN.md D10);
// a file's content.banned_phrases adds to them.
var defaultBannedPhrases = []string{
	"guaranteed cure", "absolutely effective", "100% effective", "miracle cure",
	"根治", "包治", "绝对有效", "百分百有效", "药到病除",
	"гарантированное излечение", "абсолютно эффективно", "стопроцентный результат",
}

// Load reads and compiles a rules file.
func Load(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	return Parse(path, data)
}

// Parse compiles a rules file already read and runs its tests. The error,
// if any, is Errors: every problem found, each with file:line:col.
func Parse(path string, data []byte) (*Rules, error) {
	// A byte-order mark is not a character of the first line (columns
	// there would be one off), and a UTF-16 file's lines must be shown as
	// text, not as bytes.
	data = FileText(data)
	errs := &errorList{file: path, lines: splitLines(string(data))}
	if e := fileShape(data, errs.lines); e != nil {
		errs.addErr(e)
		return nil, errs.result()
	}
	if err := yaml.Unmarshal(data, &errs.root); err != nil {
		errs.root = yaml.Node{}
	}
	var f fileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			errs.add(0, 0, msgEmptyFile)
			return nil, errs.result()
		case errors.As(err, &te):
			// The rest of the file was still decoded: check it too, so
			// every mistake is reported in one go.
			errs.addYAML(err)
		default:
			errs.addSyntax(data, err)
			return nil, errs.result()
		}
	}
	for _, ry := range f.Rules {
		if len(ry.problems) > 0 {
			errs.addYAML(&yaml.TypeError{Errors: ry.problems})
		}
	}
	f.keyPos = keyNodes(&errs.root, "keywords", "templates", "snippets")
	r := compile(&f, errs)
	if len(errs.errs) == 0 {
		r.file = path
		for _, e := range r.runTests() {
			errs.addErr(e)
		}
		if f.Matching == nil {
			// A file that names its matching switches has been written for
			// (or reviewed against) the new matching: no upgrade warnings.
			errs.warns = append(errs.warns, r.upgradeWarnings()...)
		}
	}
	if err := errs.result(); err != nil {
		return nil, err
	}
	r.file = path
	r.keywordWarnings(&f, errs)
	r.teamRefs = teamRefs(&f, errs.lines)
	r.vocabSources = vocabSourcesOf(&f)
	// Warnings come from several passes; a reader wants them in file order.
	sort.SliceStable(errs.warns, func(i, j int) bool {
		a, b := errs.warns[i], errs.warns[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	r.warnings = errs.warns
	for _, w := range r.warnings {
		w.File = path
	}
	return r, nil
}

// msgEmptyFile refuses a file with nothing in it: no text, only comments,
// or a document marker alone.
const msgEmptyFile = "the rules file is empty"

// fileShape finds what makes a file unreadable as a rules file before any
// YAML is read: bytes that are not UTF-8 text (a file saved as GBK or
// Windows-1251), or a top level that is not a mapping of settings.
func fileShape(data []byte, lines []string) *Error {
	if line, col := InvalidAt(data); line > 0 && line <= len(lines) {
		return &Error{Line: line, Col: col, Msg: "this line has bytes that are not UTF-8 text: save the file as UTF-8 (in most editors: Save as… → Encoding: UTF-8)",
			Source: strings.ToValidUTF8(lines[line-1], "\uFFFD")}
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return nil // syntax errors and empty files are reported by the decoding
	}
	top := root.Content[0]
	for top.Kind == yaml.AliasNode && top.Alias != nil {
		top = top.Alias
	}
	if top.Kind == yaml.MappingNode {
		return nil
	}
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" && top.Value == "" {
		// A document marker and nothing in it ("---"): as empty as no
		// text at all (its node sits on the line after the marker, which
		// the file may not have).
		return &Error{Msg: msgEmptyFile}
	}
	what := "a list"
	if top.Kind == yaml.ScalarNode {
		what = "a single value"
	}
	e := &Error{Line: top.Line, Col: top.Column, Msg: fmt.Sprintf("the rules file is %s; it must be settings at the top level, such as keywords: and rules: (a list of rules goes under rules:)", what)}
	if top.Kind == yaml.SequenceNode {
		e.Msg = "the rules file is a list; it must be settings at the top level, such as keywords: and rules: — put the list under rules: and indent it"
	}
	if top.Line > 0 && top.Line <= len(lines) {
		e.Source = lines[top.Line-1]
	}
	return e
}

// Warnings are problems that do not stop the rules from loading, such as a
// missing translation.
func (r *Rules) Warnings() Errors { return r.warnings }

type compiler struct {
	f         *fileYAML
	errs      *errorList
	r         *Rules
	languages []string // languages texts are expected in
	attrs     []string // customer attributes rules collect, usable as {{name}} in texts
	snippets  map[string]localized
	banned    []string // normalized
	allowed   []string // allowed link domains
}

func compile(f *fileYAML, errs *errorList) *Rules {
	r := &Rules{defaultLang: "en", loc: time.UTC, ix: newIndex()}
	c := &compiler{f: f, errs: errs, r: r, snippets: map[string]localized{}}
	if f.DefaultLanguage.Value != "" {
		l := strings.ToLower(f.DefaultLanguage.Value)
		if !validLang(l) {
			errs.add(f.DefaultLanguage.Line, f.DefaultLanguage.Col, "default_language %q is not a language code such as zh, ru or en", f.DefaultLanguage.Value)
		} else {
			c.warnLanguage(str{Value: l, Line: f.DefaultLanguage.Line, Col: f.DefaultLanguage.Col}, "default_language: ")
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
	if f.BusinessHours != nil {
		r.hours = compileHours(f.BusinessHours, r.loc.String(), errs)
	}
	r.budget = compileBudget(f.WhenBudget, errs)
	c.content()
	c.attrs = attrNames(f)
	c.expectedLanguages()
	r.hasRussian = slices.Contains(c.languages, "ru") || r.defaultLang == "ru" || c.hasCyrillicKeyword()
	c.compileSnippets()
	r.handoffReply = c.texts(f.HandoffReply, "handoff_reply")
	c.compileNotices()
	r.sw = f.Matching.apply(swAll)
	r.thanksReply = c.texts(f.ThanksReply, "thanks_reply")
	r.releaseReply = c.texts(f.SpamReleaseReply, "spam_release_reply")
	r.ix.lex = c.buildLexicon(&f.matchingFileYAML)
	r.types = c.buildTypes(&f.insightFileYAML)
	r.mood = c.buildMood(&f.insightFileYAML)

	groups := make([]string, 0, len(f.Keywords))
	for name := range f.Keywords {
		groups = append(groups, name)
	}
	sort.Strings(groups)
	for _, name := range groups {
		words := f.Keywords[name]
		if len(words) == 0 {
			pos := f.keyPos["keywords/"+name]
			errs.add(pos.Line, pos.Column, "keyword group %q has no keywords", name)
		}
		for _, w := range words {
			c.term(w, name, modePartial)
		}
	}

	seen := map[string]int{}
	r.byID = map[string]int32{}
	for i := range f.Rules {
		r.rules = append(r.rules, c.rule(&f.Rules[i], seen))
		if _, dup := r.byID[r.rules[i].id]; !dup {
			r.byID[r.rules[i].id] = int32(i)
		}
	}
	c.buttons()
	c.suggestSnippets()
	c.unreachable()
	families, written := c.families(&f.matchingFileYAML)
	r.ix.familyWritten = written
	r.ix.build(families, c.vocabulary(&f.matchingFileYAML))
	for i, ry := range f.Rules {
		for _, ex := range ry.Examples {
			if formKey(ex.Value) == "" {
				errs.add(ex.Line, ex.Col, "%s: example %q has no letters or digits", ry.title(), ex.Value)
				continue
			}
			if r.examples == nil {
				r.examples = newExampleIndex()
			}
			r.examples.add(int32(i), ex.Value)
			r.rules[i].examples = true
		}
	}
	if r.examples != nil {
		r.examples.build()
	}
	for i, ru := range r.rules {
		r.anyOn |= ru.sw
		if len(ru.terms) == 0 && !ru.examples {
			r.keywordless = append(r.keywordless, int32(i))
		}
		for _, id := range ru.terms {
			t := &r.ix.terms[id]
			if len(t.rules) == 0 || t.rules[len(t.rules)-1] != int32(i) {
				t.rules = append(t.rules, int32(i))
			}
		}
	}
	c.overlaps()
	r.tests = f.Tests
	return r
}

// term adds a keyword item to the index. In a rule, a plain word that names
// a group stands for the whole group.
func (c *compiler) term(k keywordItem, group string, mode termMode) []int32 {
	if k.Match.Value != "" {
		m, ok := parseMode(k.Match.Value)
		if !ok {
			c.errs.add(k.Match.Line, k.Match.Col, "match %q is not one of partial, full, exact%s", k.Match.Value, suggest(k.Match.Value, matchModes))
		}
		mode = m
	}
	if k.Regex.Value != "" {
		re, err := regexp.Compile(k.Regex.Value)
		if err != nil {
			c.errs.add(k.Regex.Line, k.Regex.Col, "regex: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			return nil
		}
		return []int32{c.r.ix.add(k.Regex.Value, group, modePartial, re)}
	}
	if matchForm(k.Word.Value) == "" {
		hint := ""
		if strings.TrimSpace(k.Word.Value) != "" {
			// Matching reads words; the message's text as written still
			// holds every emoji and sign.
			hint = fmt.Sprintf(`; to answer it as written, give the rule when: text contains %q`, strings.TrimSpace(k.Word.Value))
		}
		c.errs.add(k.Word.Line, k.Word.Col, "keyword %q has no letters or digits to match%s", k.Word.Value, hint)
		return nil
	}
	return []int32{c.r.ix.add(k.Word.Value, group, mode, nil)}
}

// parseMode reads `match:`: partial (default: anywhere, with the looser
// matches), full (the whole message), exact (anywhere, contiguous and as
// written, nothing looser).
func parseMode(s string) (termMode, bool) {
	switch s {
	case "", "partial":
		return modePartial, true
	case "full":
		return modeFull, true
	case "exact":
		return modeExact, true
	}
	return modePartial, false
}

func (c *compiler) rule(ry *ruleYAML, seen map[string]int) *rule {
	errs := c.errs
	ru := &rule{id: ry.ID.Value, line: ry.ID.Line}
	switch {
	case ry.ID.Value == "" && ry.idGiven && ry.ID.Line == 0:
		// The id did not decode; that error is already reported.
	case ry.ID.Value == "":
		line, col := ry.ID.Line, ry.ID.Col
		if line == 0 {
			line, col = ry.Line, ry.Col
		}
		errs.add(line, col, "a rule needs an id")
	case seen[ry.ID.Value] != 0:
		errs.add(ry.ID.Line, ry.ID.Col, "rule id %q is already used on line %d", ry.ID.Value, seen[ry.ID.Value])
	default:
		seen[ry.ID.Value] = ry.ID.Line
	}
	at := ry.title() + ": "

	mode, ok := parseMode(ry.Match.Value)
	if !ok {
		errs.add(ry.Match.Line, ry.Match.Col, "%smatch %q is not one of partial, full, exact%s", at, ry.Match.Value, suggest(ry.Match.Value, matchModes))
	}
	ru.sw = ry.Matching.apply(c.r.sw)
	if ry.Priority != nil {
		ru.priority = *ry.Priority
	}
	for _, k := range ry.Keywords {
		if k.Regex.Value == "" && k.Match.Value == "" {
			if ids, ok := c.r.ix.groupIDs[k.Word.Value]; ok {
				if mode != modePartial {
					// The rule asks for its own match mode of the group's words.
					for _, w := range c.f.Keywords[k.Word.Value] {
						ru.terms = append(ru.terms, c.term(w, "", mode)...)
					}
				} else {
					ru.terms = append(ru.terms, ids...)
				}
				continue
			}
			if g := nearGroup(k.Word.Value, groupNames(c.f)); g != "" {
				errs.warn(k.Word.Line, k.Word.Col, "%s%q is not a keyword group, so it is matched as a word; did you mean the group %q?", at, k.Word.Value, g)
			}
		}
		ru.terms = append(ru.terms, c.term(k, "", mode)...)
	}
	if ry.When.Value != "" {
		ru.when, ru.incidents = c.when(ry.When, at)
	}

	switch ry.Variants.Value {
	case "", "random":
	case "all":
		ru.all = true
	default:
		errs.add(ry.Variants.Line, ry.Variants.Col, "%svariants %q is not one of random, all%s", at, ry.Variants.Value, suggest(ry.Variants.Value, []string{"random", "all"}))
	}
	stops := false
	if ry.Ack.set() {
		ru.actions = append(ru.actions, actionSpec{typ: chat.ActionAck, text: c.texts(ry.Ack, at+"ack")})
	}
	if ry.Reply.set() && ry.Handoff == nil {
		ru.actions = append(ru.actions, actionSpec{typ: chat.ActionReply, text: c.texts(ry.Reply, at+"reply")})
		stops = true
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
			a.text = c.texts(ry.Reply, at+"reply")
		} else {
			a.text = c.r.handoffReply
		}
		ru.actions = append(ru.actions, a)
		stops = true
	}
	ru.msgType = c.ruleType(ry, at)
	ru.details = c.details(ry, at)
	for _, t := range ry.Tag {
		if strings.TrimSpace(t.Value) == "" {
			errs.add(t.Line, t.Col, "%sa tag cannot be empty", at)
			continue
		}
		ru.tags = append(ru.tags, t.Value)
	}
	if ry.Ignore != nil && *ry.Ignore {
		if len(ru.actions) > 0 {
			errs.add(ry.ID.Line, ry.ID.Col, "%signore: true cannot be combined with reply, ack or handoff", at)
		}
		ru.ignore = true
		stops = true
	}
	// A rule with fields that did not decode (a misspelt replly:, a reply
	// of the wrong shape) already has its error; "does nothing" would only
	// send the reader looking for a second mistake.
	if len(ru.actions) == 0 && len(ru.tags) == 0 && !ru.ignore && ry.ID.Value != "" && len(ry.problems) == 0 {
		errs.add(ry.ID.Line, ry.ID.Col, "%sdoes nothing: give it a reply, ack, handoff, tag or ignore", at)
	}
	if v := ry.Cooldown.Value; v != "" {
		d, err := timespan.Parse(v)
		switch {
		case err != nil:
			errs.add(ry.Cooldown.Line, ry.Cooldown.Col, "%scooldown %q is not a length of time like 30m, 2h or 1d (0 turns it off): %v", at, v, err)
		case d == 0:
			ru.cooldown = -1
		default:
			ru.cooldown = d
		}
	}
	ru.whileHuman = ry.AllowWhileHuman != nil && *ry.AllowWhileHuman
	ru.private = ry.Private != nil && *ry.Private
	if ry.AskHelpful != nil && *ry.AskHelpful {
		switch {
		case !ry.Reply.set() || ry.Handoff != nil:
			errs.add(ry.ID.Line, ry.ID.Col, "%sask_helpful: true needs a reply (not a handoff) to put 👍/👎 under", at)
		case len(HelpfulPrefix+"down:"+ry.ID.Value) > 64:
			errs.add(ry.ID.Line, ry.ID.Col, "%sask_helpful: rule id %q is too long for a button (Telegram allows 64 bytes of data)", at, ry.ID.Value)
		}
		ru.askHelpful = true
	}
	if ry.Label.set() {
		ru.label = c.texts(ry.Label, at+"label")
	}
	ru.stop = stops
	if ry.Continue != nil {
		ru.stop = !*ry.Continue
	}
	return ru
}

// ButtonPrefix starts a button's data: "rule:refund" answers with rule refund.
const ButtonPrefix = "rule:"

// maxButtons keeps a menu readable, and within Discord's 5 rows of 5.
const maxButtons = 10

// buttons resolves each rule's buttons to the rules they answer with.
func (c *compiler) buttons() {
	byID := map[string]*rule{}
	for _, ru := range c.r.rules {
		byID[ru.id] = ru
	}
	for i, ry := range c.f.Rules {
		ru := c.r.rules[i]
		at := ry.title() + ": "
		if len(ry.Buttons) > maxButtons {
			c.errs.add(ry.Buttons[maxButtons].Line, ry.Buttons[maxButtons].Col, "%sat most %d buttons", at, maxButtons)
		}
		for _, b := range ry.Buttons {
			target, ok := byID[b.Value]
			switch {
			case !ok:
				c.errs.add(b.Line, b.Col, "%sbuttons: no rule %q%s", at, b.Value, suggest(b.Value, keys(byID)))
				continue
			case !target.answers():
				c.errs.add(b.Line, b.Col, "%sbuttons: rule %q has no reply or handoff to answer with", at, b.Value)
				continue
			case len(ButtonPrefix+b.Value) > 64:
				c.errs.add(b.Line, b.Col, "%sbuttons: rule id %q is too long for a button (Telegram allows 64 bytes of data)", at, b.Value)
				continue
			case len(target.label) == 0:
				c.errs.warn(b.Line, b.Col, "%sbuttons: rule %q has no label, so its button says %q; give it label: {zh: …, ru: …, en: …}", at, b.Value, b.Value)
			}
			ru.buttons = append(ru.buttons, target)
		}
	}
}

// answers reports whether pressing a button for the rule gets an answer.
func (ru *rule) answers() bool {
	for _, a := range ru.actions {
		if a.typ == chat.ActionReply || a.typ == chat.ActionHandoff {
			return true
		}
	}
	return false
}

// unreachable finds a rule that matches every message and stops: nothing
// after it can ever be reached.
func (c *compiler) unreachable() {
	for i, ru := range c.r.rules {
		// A when that did not compile, or keywords that did not decode
		// (already reported), are not "no when" and "no keywords": the
		// rule is not known to match every message.
		when := strings.TrimSpace(c.f.Rules[i].When.Value)
		always := len(ru.terms) == 0 && len(c.f.Rules[i].Keywords) == 0 && len(c.f.Rules[i].Examples) == 0 && (when == "" || when == "true") &&
			len(c.f.Rules[i].problems) == 0
		if k := c.f.Rules[i].noKeywords; always && k != nil {
			c.errs.warn(k.Line, k.Column, "rule %q: keywords lists none, so this rule matches every message; give it keywords, or remove the line if every message is meant", ru.id)
		}
		if always && ru.stop && i+1 < len(c.r.rules) {
			next := &c.f.Rules[i+1]
			line, col := next.ID.Line, next.ID.Col
			if next.ID.Value == "" {
				line, col = next.Line, next.Col
			}
			name, this := next.title(), c.f.Rules[i].title()
			if ru.id != "" {
				this = fmt.Sprintf("rule %q (line %d)", ru.id, ru.line)
			}
			c.errs.add(line, col, "%s can never match: %s matches every message and stops; move it to the end or give it keywords or a when", name, this)
			return
		}
	}
}

// nearGroup returns a group whose name looks like a misspelling of word;
// a word that folds to the group's very name (/human for human) is meant
// as written.
func nearGroup(word string, groups []string) string {
	w := Normalize(word)
	for _, g := range groups {
		if d := editDistance(w, g); d > 0 && d <= 2 && len([]rune(g)) > 3 {
			return g
		}
	}
	return ""
}

func groupNames(f *fileYAML) []string {
	out := make([]string, 0, len(f.Keywords))
	for k := range f.Keywords {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// when compiles a `when` expression against Env once, at load: first as
// written, for the marketer's mistakes and the visible costs, then with the
// budget built in, which is the program that runs. It also names the
// incidents the expression asks about ("outage" in incidents).
func (c *compiler) when(s str, at string) (*vm.Program, []string) {
	check := &hasChecker{groups: c.r.ix.groupIDs, usesLinks: &c.r.usesLinks}
	plain, err := expr.Compile(s.Value, expr.Env(Env{}), expr.AsBool(), expr.Patch(check), durationFunction)
	if err != nil {
		line, col, msg := s.Line, s.Col, err.Error()
		var fe *file.Error
		if errors.As(err, &fe) {
			msg = fe.Message
			line, col = s.posAt(c.errs.lines, fe.From)
		}
		c.errs.add(line, col, "%swhen: %s", at, whenMessage(msg, s.Value))
		return nil, nil
	}
	if check.internal != "" {
		line, col := s.posAt(c.errs.lines, check.internalAt)
		c.errs.add(line, col, "%swhen: unknown name %s", at, check.internal)
		return nil, nil
	}
	for _, bad := range check.unknown {
		line, col := s.posAt(c.errs.lines, bad.at)
		c.errs.add(line, col, "%swhen: has(%q): no keyword group %q%s", at, bad.name, bad.name, suggest(bad.name, keys(c.r.ix.groupIDs)))
	}
	for _, bad := range check.badDurations {
		line, col := s.posAt(c.errs.lines, bad.at)
		c.errs.add(line, col, "%swhen: duration(%q) is not a length of time like 30m, 2h or 1d: %v", at, bad.text, bad.err)
	}
	c.costErrors(s, at)
	if unbudgeted {
		return plain, check.incidents
	}
	opts := append([]expr.Option{expr.Env(Env{}), expr.AsBool(), expr.Patch(budgetPatcher{}), durationFunction}, budgetFunctions()...)
	prog, err := expr.Compile(s.Value, opts...)
	if err != nil {
		// The expression compiled as written; failing with the budget
		// built in is a bug of ours, but it must not run unbudgeted.
		c.errs.add(s.Line, s.Col, "%swhen: cannot add its budget: %v", at, err)
		return nil, nil
	}
	return prog, check.incidents
}

// unbudgeted compiles `when` as written, for tests and benchmarks that
// compare with and without the budget; never set in production.
var unbudgeted = false

// whenMessage makes expr's messages speak the marketer's vocabulary; src
// is the expression.
func whenMessage(msg, src string) string {
	const unknown = "unknown name "
	if i := strings.Index(msg, unknown); i >= 0 {
		name := strings.TrimSpace(msg[i+len(unknown):])
		if j := strings.IndexAny(name, " ("); j >= 0 {
			name = name[:j]
		}
		return "unknown name " + name + nameHint(name)
	}
	return plainWhen(msg, src)
}

var envNames = []string{"text", "kind", "platform", "language", "links", "chat", "customer", "conversation", "now", "hour", "weekday", "in_business_hours", "incidents", "has", "media"}

// hasChecker finds has("group") calls naming groups that do not exist, so the
// mistake is reported at load instead of silently never matching.
type hasChecker struct {
	groups     map[string][]int32
	unknown    []unknownGroup
	usesLinks  *bool
	internal   string // a name of the budget's machinery, which rules may not use
	internalAt int    // where it is in the expression
	// incidents are those it asks about: "outage" in incidents.
	incidents []string
	// badDurations are duration("…") calls whose text is no length of
	// time: expr would fail them at every message, and check must say so.
	badDurations []badDuration
}

type badDuration struct {
	text string
	err  error
	at   int
}

// durationFunction replaces expr's duration(), which reads only Go's form,
// with the lengths the rest of the rules file takes: duration("1d") and
// duration("2 hours") as well as duration("90m").
var durationFunction = expr.Function("duration", func(p ...any) (any, error) {
	return timespan.Parse(p[0].(string))
}, new(func(string) time.Duration))

func (h *hasChecker) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && strings.HasPrefix(id.Value, "__") {
		h.internal, h.internalAt = id.Value, id.Location().From
	}
	if id, ok := (*node).(*ast.IdentifierNode); ok && id.Value == "links" {
		*h.usesLinks = true
	}
	if b, ok := (*node).(*ast.BinaryNode); ok && b.Operator == "in" {
		name, isName := b.Left.(*ast.StringNode)
		if list, ok := b.Right.(*ast.IdentifierNode); ok && isName && list.Value == "incidents" && !slices.Contains(h.incidents, name.Value) {
			h.incidents = append(h.incidents, name.Value)
		}
	}
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 1 {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if ok && id.Value == "duration" {
		if s, ok := call.Arguments[0].(*ast.StringNode); ok {
			if _, err := timespan.Parse(s.Value); err != nil {
				h.badDurations = append(h.badDurations, badDuration{s.Value, err, s.Location().From})
			}
		}
		return
	}
	if !ok || id.Value != "has" {
		return
	}
	if s, ok := call.Arguments[0].(*ast.StringNode); ok {
		if _, exists := h.groups[s.Value]; !exists {
			h.unknown = append(h.unknown, unknownGroup{s.Value, s.Location().From})
		}
	}
}

// unknownGroup is a has() argument naming no group, and where it is in the
// expression, so the caret goes under it.
type unknownGroup struct {
	name string
	at   int
}

// keyNodes maps "section/key" to the key's node for the named top-level
// mappings, for positions.
func keyNodes(root *yaml.Node, sections ...string) map[string]yaml.Node {
	out := map[string]yaml.Node{}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return out
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !contains(sections, m.Content[i].Value) || m.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		g := m.Content[i+1]
		for j := 0; j+1 < len(g.Content); j += 2 {
			out[m.Content[i].Value+"/"+g.Content[j].Value] = *g.Content[j]
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
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

// Examples is the number of examples in the tests: section (all passed, or
// the rules would not have loaded).
func (r *Rules) Examples() int { return len(r.tests) }
