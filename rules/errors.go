package rules

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/width"
)

// Error is one problem in a rules file, at a position a person can jump to.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	// Source is the offending line of the file, for showing with a caret.
	Source string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Snippet is the offending line with a caret under the column.
func (e *Error) Snippet() string {
	if e.Source == "" || e.Col == 0 {
		return ""
	}
	prefix := []rune(e.Source)
	col := e.Col - 1
	if col > len(prefix) {
		col = len(prefix)
	}
	// Keep tabs, and give wide characters (Chinese, Japanese, Korean, most
	// emoji) two columns and combining marks none, as a terminal shows
	// them, so the caret lines up under the same character.
	pad := make([]rune, 0, col)
	for _, r := range prefix[:col] {
		switch displayWidth(r) {
		case 0:
		case 2:
			pad = append(pad, ' ', ' ')
		default:
			if r == '\t' {
				pad = append(pad, '\t')
			} else {
				pad = append(pad, ' ')
			}
		}
	}
	return " | " + e.Source + "\n | " + string(pad) + "^"
}

// Errors is every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Pretty is Error with each problem's line and caret, for terminals.
func (es Errors) Pretty() string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		if s := e.Snippet(); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

type errorList struct {
	file  string
	lines []string
	root  yaml.Node // the file's nodes, when it parses: wrong types are found among them
	used  map[*yaml.Node]bool
	errs  Errors
	warns Errors
}

// warn records a problem that does not stop the file from loading.
func (l *errorList) warn(line, col int, format string, args ...any) {
	e := &Error{File: l.file, Line: line, Col: col, Msg: "warning: " + fmt.Sprintf(format, args...)}
	if line > 0 && line <= len(l.lines) {
		e.Source = l.lines[line-1]
	}
	l.warns = append(l.warns, e)
}

func (l *errorList) add(line, col int, format string, args ...any) {
	e := &Error{File: l.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
	l.addErr(e)
}

func (l *errorList) addErr(e *Error) {
	e.File = l.file
	if e.Line > 0 && e.Line <= len(l.lines) && e.Source == "" {
		e.Source = l.lines[e.Line-1]
	}
	l.errs = append(l.errs, e)
}

func (l *errorList) result() error {
	if len(l.errs) == 0 {
		return nil
	}
	sort.SliceStable(l.errs, func(i, j int) bool {
		a, b := l.errs[i], l.errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	// The same problem found twice (in a mapping and where << merges it
	// into another) is one thing to fix.
	l.errs = slices.CompactFunc(l.errs, func(a, b *Error) bool {
		return a.Line == b.Line && a.Col == b.Col && a.Msg == b.Msg
	})
	return l.errs
}

// keyColumn finds where key: starts on a line, since the YAML library
// reports unknown fields by line only.
func (l *errorList) keyColumn(line int, key string) int {
	if line < 1 || line > len(l.lines) {
		return 0
	}
	src := l.lines[line-1]
	for off := 0; ; {
		i := strings.Index(src[off:], key)
		if i < 0 {
			return 0
		}
		i += off
		rest := strings.TrimLeft(src[i+len(key):], " ")
		if strings.HasPrefix(rest, ":") {
			return len([]rune(src[:i])) + 1
		}
		off = i + len(key)
	}
}

// valueColumn finds where the value starts on a line ("key: VALUE" or
// "- VALUE"), since the YAML library reports wrong types by line only.
func (l *errorList) valueColumn(line int) int {
	if line < 1 || line > len(l.lines) {
		return 0
	}
	src := []rune(l.lines[line-1])
	start := firstNonSpace(string(src)) - 1
	for i := start; i < len(src); i++ {
		if src[i] == '"' || src[i] == '\'' || src[i] == '[' || src[i] == '{' {
			break // the value itself begins: a key is never quoted here
		}
		if src[i] == ':' && (i+1 == len(src) || src[i+1] == ' ') {
			start = i + 1
			break
		}
	}
	for start < len(src) && (src[start] == ' ' || src[start] == '-' && start+1 < len(src) && src[start+1] == ' ') {
		start++
	}
	return start + 1
}

var yamlLineMsg = regexp.MustCompile(`^(?:yaml: )?line (\d+): (?:col (\d+): )?(.*)$`)
var yamlUnknownField = regexp.MustCompile(`^field (\S+) not found in type rules\.(\w+)$`)
var yamlCannotUnmarshal = regexp.MustCompile(`^cannot unmarshal !!(\w+) (?:` + "`" + `(.*)` + "`" + ` )?into (.*)$`)
var yamlDuplicate = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)

// addYAML turns the YAML library's errors into positioned ones.
func (l *errorList) addYAML(err error) {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	for _, m := range msgs {
		sub := yamlLineMsg.FindStringSubmatch(m)
		if sub == nil {
			l.add(0, 0, "%s", strings.TrimPrefix(m, "yaml: "))
			continue
		}
		line, _ := strconv.Atoi(sub[1])
		col, _ := strconv.Atoi(sub[2])
		msg := sub[3]
		if u := yamlUnknownField.FindStringSubmatch(msg); u != nil {
			msg = fmt.Sprintf("unknown field %q%s", u[1], fieldHint(u[1], knownFields[u[2]]))
			col = l.keyColumn(line, u[1])
		} else if c := yamlCannotUnmarshal.FindStringSubmatch(msg); c != nil {
			msg = fmt.Sprintf("want %s here, not %s", goTypeName(c[3]), yamlTagName(c[1]))
			if n, key := l.wrongNode(line, c[1], c[2]); n != nil {
				// The value itself, and the key it is given for, even on a
				// line with several ({id: a, tag: {x: y}}) or where a
				// mapping's first key is (tag:\n  x: y).
				col = n.Column
				if key != "" {
					msg = key + ": " + msg + shapeHint(key, n)
				}
			} else {
				if key := l.keyAt(line); key != "" {
					msg = key + ": " + msg
				}
				if col == 0 {
					col = l.valueColumn(line)
				}
			}
		} else if d := yamlDuplicate.FindStringSubmatch(msg); d != nil {
			msg = fmt.Sprintf("%q is given twice in the same place (first on line %s); keep one", d[1], d[2])
			col = l.keyColumn(line, d[1])
			if first, _ := strconv.Atoi(d[2]); first == line && line <= len(l.lines) {
				// Both on one line ({priority: high, priority: low}): the
				// caret goes under the second.
				src := l.lines[line-1]
				if i := strings.Index(src, d[1]+":"); i >= 0 {
					if j := strings.Index(src[i+1:], d[1]+":"); j >= 0 {
						col = len([]rune(src[:i+1+j])) + 1
					}
				}
			}
		}
		l.add(line, col, "%s", msg)
	}
}

// shapeHint writes out, for a single text where a list or a handoff's
// fields are wanted, the line as it was meant: keywords: refund, money
// back is [refund, money back]; handoff: support is {team: support}.
func shapeHint(key string, n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || strings.TrimSpace(n.Value) == "" {
		return ""
	}
	switch key {
	case "keywords", "tag", "examples", "languages", "buttons", "snippets":
		var items []string
		for _, item := range strings.Split(n.Value, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, flowItem(item))
			}
		}
		return fmt.Sprintf("; write %s: [%s]", key, strings.Join(items, ", "))
	case "handoff":
		v := strings.TrimSpace(n.Value)
		switch {
		case n.ShortTag() == "!!bool" || slices.Contains([]string{"yes", "on", "no", "off"}, strings.ToLower(v)):
			return "; write handoff: {} to hand off to the first team, or handoff: {team: NAME}"
		case slices.Contains([]string{"critical", "high", "medium", "low"}, strings.ToLower(v)):
			return fmt.Sprintf("; write handoff: {priority: %s}", strings.ToLower(v))
		}
		return fmt.Sprintf("; write handoff: {team: %s}", flowItem(v))
	}
	return ""
}

// flowItem is an item as it can stand in [a, b] or {k: v}: quoted when
// it holds what YAML would read otherwise.
func flowItem(s string) string {
	if strings.ContainsAny(s, ":#[]{},\"'&*!|>%@`") {
		return strconv.Quote(s)
	}
	return s
}

// wrongNode finds the value yaml.v3 could not decode: a node on line
// tagged tag ("map", "seq", "int" …) whose text is value (as yaml.v3
// quotes it: the first characters, then "..."), not yet reported, the
// innermost where several fit ({id: a, tag: {x: y}} is two mappings on one
// line); and the key it is the value of ("tag", or "tag (an item of the
// list)").
func (l *errorList) wrongNode(line int, tag, value string) (*yaml.Node, string) {
	if l.used == nil {
		l.used = map[*yaml.Node]bool{}
	}
	var found *yaml.Node
	foundKey, foundDepth := "", -1
	prefix, cut := strings.CutSuffix(value, "...")
	var walk func(n *yaml.Node, key string, depth int)
	walk = func(n *yaml.Node, key string, depth int) {
		if n == nil {
			return
		}
		fits := value == "" || n.Value == value || cut && strings.HasPrefix(n.Value, prefix)
		if n.Line == line && n.Tag == "!!"+tag && fits && !l.used[n] && depth > foundDepth {
			found, foundKey, foundDepth = n, key, depth
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, "", depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], n.Content[i].Value, depth+1)
			}
		case yaml.SequenceNode:
			item := ""
			if key != "" {
				item = key + " (an item of the list)"
			}
			for _, c := range n.Content {
				walk(c, item, depth+1)
			}
		}
	}
	walk(&l.root, "", 0)
	if found != nil {
		l.used[found] = true
	}
	return found, foundKey
}

var knownFields = map[string][]string{
	"fileYAML": {"default_language", "languages", "timezone", "business_hours", "content", "templates", "snippets", "handoff_reply", "keywords", "rules", "tests", "when_budget",
		"matching", "families", "negations", "vocabulary", "thanks_reply", "types", "sentiment", "spam_release_reply", "notices", "csat"},
	"noticesYAML": {"claimed", "closed", "solved_question", "reopened", "csat_question", "csat_comment", "csat_thanks", "yes", "no"},
	"csatYAML":    {"ask", "comment_minutes"},
	"budgetYAML":  {"steps", "bytes", "time"},
	"ruleYAML": {"id", "keywords", "match", "when", "reply", "ack", "handoff", "tag", "ignore", "variants", "continue", "cooldown", "allow_while_human", "buttons", "label", "private", "ask_helpful",
		"collect", "matching", "priority", "examples", "type"},
	"switchesYAML": {"typos", "families", "proximity", "negation", "thanks", "examples"},
	"handoffYAML":  {"priority", "team", "snippets"},
	"contentYAML":  {"allowed_domains", "banned_phrases"},
	"plain":        {"text", "lang", "platform", "chat", "name", "at", "conversation_new", "customer_new", "waiting_for_human", "incidents", "hits", "misses"},
}

func yamlTagName(tag string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "int", "float":
		return "a number"
	case "bool":
		return "true or false"
	}
	return "a single text"
}

// keyAt is the key a line sets ("key: value"), or "".
func (l *errorList) keyAt(line int) string {
	if line < 1 || line > len(l.lines) {
		return ""
	}
	if m := keyOnLine.FindStringSubmatch(l.lines[line-1]); m != nil {
		return m[1]
	}
	return ""
}

var keyOnLine = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z_][\w-]*):(?:\s|$)`)

func goTypeName(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case t == "int" || t == "int64" || t == "float64":
		return "a whole number"
	case strings.HasPrefix(t, "[]"):
		return "a list (such as [a, b])"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case t == "bool":
		return "true or false"
	case strings.Contains(t, "YAML"), strings.Contains(t, "plain"):
		return "a mapping of fields"
	}
	return "a text"
}

// fieldHint is suggest for a key, knowing also the names other bot tools
// and plain English give our fields (name for id, answer for reply),
// which no spelling distance finds.
func fieldHint(got string, known []string) string {
	if ours, ok := meantFields[strings.ToLower(got)]; ok && contains(known, ours) {
		return fmt.Sprintf(", did you mean %q?", ours)
	}
	return suggest(strings.ToLower(got), known)
}

// meantFields maps other tools' and plain English names for a key to
// ours; a name is hinted only where its field exists.
var meantFields = map[string]string{
	"name": "id", "title": "id", "key": "id", "intent": "id",
	"answer": "reply", "response": "reply", "respond": "reply", "message": "reply", "text": "reply", "replies": "reply", "say": "reply", "reply_text": "reply",
	"words": "keywords", "triggers": "keywords", "trigger": "keywords", "phrases": "keywords", "patterns": "keywords", "keys": "keywords",
	"condition": "when", "if": "when", "filter": "when", "where": "when",
	"escalate": "handoff", "human": "handoff", "transfer": "handoff", "operator": "handoff", "hand_off": "handoff",
	"labels": "tag", "tags": "tag",
	"skip": "ignore", "drop": "ignore", "mute": "ignore",
	"throttle": "cooldown", "cool_down": "cooldown", "rate_limit": "cooldown",
	"order": "priority", "weight": "priority",
	"samples": "examples", "utterances": "examples", "training": "examples",
	"intents": "rules", "faq": "rules", "faqs": "rules",
	"lang": "default_language", "language": "default_language", "locale": "default_language",
	"tz": "timezone", "time_zone": "timezone",
	"hours": "business_hours", "opening_hours": "business_hours", "working_hours": "business_hours", "open_hours": "business_hours",
}

// suggest returns ", did you mean X?" when a known name is close to got.
func suggest(got string, known []string) string {
	best := Nearest(got, known)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(", did you mean %q?", best)
}

// Nearest is the one of known that got is most likely a misspelling of
// (at most two letters off), or "".
func Nearest(got string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(got, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// displayWidth is how many columns a terminal gives r: two for East Asian
// wide and fullwidth characters, none for combining marks and format
// characters (a zero-width joiner, a variation selector), one otherwise.
func displayWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || unicode.Is(unicode.Variation_Selector, r):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
