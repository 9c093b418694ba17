package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/rules"
)

// None is the expected answer of a case nothing should answer (a thank-you,
// a question the FAQ does not cover).
const None = "none"

// Case is one labelled customer message of a `check --cases` file.
type Case struct {
	Line     int      `json:"line"`
	Text     string   `json:"text"`
	Expected string   `json:"expected"` // a rule id, or "none"
	Lang     string   `json:"lang,omitempty"`
	Tags     []string `json:"tags,omitempty"`
}

// LoadCases reads a TSV file with a header naming its columns: text and
// expected are required, lang and tag optional (tag may list several,
// separated by commas). Lines starting with # are comments. Every expected
// id is checked against the rules, so a typo is not counted as a miss.
func LoadCases(path string, r *rules.Rules) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	defer f.Close()
	ids := r.RuleIDs()
	known := map[string]bool{None: true}
	for _, id := range ids {
		known[id] = true
	}
	var (
		out  []Case
		col  = map[string]int{}
		errs []string
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // spreadsheets save TSV with a byte-order mark
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(col) == 0 {
			for i, h := range fields {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			for _, need := range []string{"text", "expected"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("%s:%d: the header needs a %q column (columns are separated by tabs: text, expected, and optionally lang and tag)", path, n, need)
				}
			}
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(fields) {
				return unquoteField(strings.TrimSpace(fields[i]))
			}
			return ""
		}
		c := Case{Line: n, Text: get("text"), Expected: get("expected"), Lang: get("lang")}
		if strings.EqualFold(c.Expected, None) && !known[c.Expected] {
			c.Expected = None // None, NONE: people type it as they like
		}
		for _, t := range strings.Split(get("tag"), ",") {
			if t = strings.TrimSpace(t); t != "" {
				c.Tags = append(c.Tags, t)
			}
		}
		switch {
		case c.Text == "":
			errs = append(errs, fmt.Sprintf("%s:%d: no text", path, n))
		case c.Expected == "":
			errs = append(errs, fmt.Sprintf("%s:%d: no expected rule id (write %s when no rule should answer)", path, n, None))
		case !known[c.Expected]:
			errs = append(errs, fmt.Sprintf("%s:%d: expected %q is no rule's id%s (or write %s)", path, n, c.Expected, rules.Suggest(c.Expected, ids), None))
		default:
			out = append(out, c)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no cases; write a header line \"text<TAB>expected<TAB>lang<TAB>tag\" and one message per line", path)
	}
	return out, nil
}

// unquoteField undoes a spreadsheet's quoting of a field that holds
// quotes: "say ""hi""" is say "hi".
func unquoteField(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

// CaseResult is what the bot did with one case.
type CaseResult struct {
	Case
	Got   string       `json:"got"` // the rule that answered, or "none"
	Right bool         `json:"right"`
	Trace []rules.Step `json:"trace"`
}

// Wrong reports a worse miss than silence: an answer where none or another
// was expected.
func (c CaseResult) Wrong() bool { return !c.Right && c.Got != None }

// CaseGroup is the accuracy of the cases sharing a language or a tag.
type CaseGroup struct {
	Name  string `json:"name"`
	Total int    `json:"total"`
	Right int    `json:"right"`
	Wrong int    `json:"wrong"` // answered, but not as expected
}

// Accuracy is the share of cases answered as expected.
func (g CaseGroup) Accuracy() float64 {
	if g.Total == 0 {
		return 0
	}
	return float64(g.Right) / float64(g.Total)
}

// CaseReport is the figures of a cases file.
type CaseReport struct {
	Overall CaseGroup    `json:"overall"`
	ByLang  []CaseGroup  `json:"by_lang"`
	ByTag   []CaseGroup  `json:"by_tag"`
	Misses  []CaseResult `json:"misses"`
}

// RunCases decides every case exactly as `frontdesk try` would — through
// the real pipeline, as a new customer's first message in a private chat at
// `at` — and scores it. Each case is its own customer, so the guard's
// per-customer limits never mix cases.
func RunCases(ctx context.Context, r *rules.Rules, cases []Case, at time.Time) (CaseReport, error) {
	msgs := make([]ScriptMessage, len(cases))
	for i, c := range cases {
		msgs[i] = ScriptMessage{Text: c.Text, Customer: "case " + strconv.Itoa(c.Line)}
	}
	results, err := Try(ctx, r, msgs, at)
	if err != nil {
		return CaseReport{}, fmt.Errorf("run cases: %w", err)
	}
	var rep CaseReport
	rep.Overall.Name = "overall"
	langs, tags := map[string]*CaseGroup{}, map[string]*CaseGroup{}
	count := func(m map[string]*CaseGroup, name string, res CaseResult) {
		g := m[name]
		if g == nil {
			g = &CaseGroup{Name: name}
			m[name] = g
		}
		g.add(res)
	}
	for i, c := range cases {
		res := CaseResult{Case: c, Got: answeredBy(results[i], c.Expected), Trace: results[i].Trace}
		res.Right = res.Got == c.Expected
		rep.Overall.add(res)
		lang := c.Lang
		if lang == "" {
			lang = "(none)"
		}
		count(langs, lang, res)
		for _, t := range c.Tags {
			count(tags, t, res)
		}
		if !res.Right {
			rep.Misses = append(rep.Misses, res)
		}
	}
	rep.ByLang, rep.ByTag = sortedGroups(langs), sortedGroups(tags)
	return rep, nil
}

func (g *CaseGroup) add(res CaseResult) {
	g.Total++
	if res.Right {
		g.Right++
	}
	if res.Wrong() {
		g.Wrong++
	}
}

func sortedGroups(m map[string]*CaseGroup) []CaseGroup {
	out := make([]CaseGroup, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// answeredBy is the rule that gave the answer: the first reply, handoff or
// ignore. Acknowledgements and tags are not answers, so a thank-you that
// only gets "we got your message" counts as none — unless the case expects
// that very rule, acting or held back by the guard (each case is its own
// customer, so the guard rarely has a reason to).
func answeredBy(res TryResult, expected string) string {
	for _, a := range res.Actions {
		if rules.Answers(a.Type) {
			return a.Rule
		}
	}
	for _, s := range res.Suppressed {
		if s.Rule == expected {
			return s.Rule
		}
	}
	for _, a := range res.Actions {
		if a.Rule == expected {
			return a.Rule
		}
	}
	return None
}

// ParseMin reads --min: a fraction (0.8) or a percent (80%). A bare number
// above 1 is read as a percent, and the caller says so.
func ParseMin(s string) (min float64, asPercent bool, err error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "%") {
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil || v < 0 || v > 100 {
			return 0, false, fmt.Errorf("--min %q: write a fraction such as 0.8 or a percent such as 80%%", s)
		}
		return v / 100, true, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || v < 0 || v > 100:
		return 0, false, fmt.Errorf("--min %q: write a fraction such as 0.8 or a percent such as 80%%", s)
	case v > 1:
		return v / 100, true, nil
	}
	return v, false, nil
}
