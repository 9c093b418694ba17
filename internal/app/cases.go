package app

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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

// LoadCases reads a file of labelled messages with a header naming its
// columns: text and expected are required, lang and tag optional (tag may
// list several, separated by commas). Columns are separated by tabs, or,
// in a CSV file as spreadsheets export it, by commas or semicolons (told
// by the header). The file may be UTF-8, with or without
// a byte-order mark, or UTF-16 with one (Excel's "Unicode Text"). Lines
// starting with # are comments. Every expected id is checked against the
// rules, so a typo is not counted as a miss.
func LoadCases(path string, r *rules.Rules) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	text, err := casesText(path, data)
	if err != nil {
		return nil, err
	}
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
	next := tsvRows(text)
	if sep, ok := csvSeparator(text); ok {
		next = csvRows(text, sep)
	}
	for {
		n, fields, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if len(col) == 0 {
			for i, h := range fields {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			for _, need := range []string{"text", "expected"} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("%s:%d: the header needs a %q column (columns are separated by tabs, commas or semicolons: text, expected, and optionally lang and tag)", path, n, need)
				}
			}
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(fields) {
				return strings.TrimSpace(fields[i])
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
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no cases; write a header line \"text<TAB>expected<TAB>lang<TAB>tag\" and one message per line", path)
	}
	return out, nil
}

// casesText is a cases file's text (see rules.FileText), which must be
// UTF-8.
func casesText(path string, data []byte) (string, error) {
	data = rules.FileText(data)
	if line, _ := rules.InvalidAt(data); line > 0 {
		return "", fmt.Errorf("%s:%d: this line is not UTF-8 text (saved as GBK, Big5 or Windows-1251?): save the file as UTF-8, or as a spreadsheet's \"CSV UTF-8\" or \"Unicode Text\"", path, line)
	}
	return string(data), nil
}

// csvSeparator says whether the cases are comma-separated, and by what,
// from the header (the first line that is not a comment): tabs make it
// TSV; else commas, or semicolons where it has no comma (spreadsheets in
// locales whose decimal mark is a comma, Russian among them, separate by
// semicolons).
func csvSeparator(text string) (rune, bool) {
	for line := range strings.Lines(text) {
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		switch {
		case strings.Contains(line, "\t"):
			return 0, false
		case strings.Contains(line, ","):
			return ',', true
		case strings.Contains(line, ";"):
			return ';', true
		}
		return 0, false
	}
	return 0, false
}

// rowReader gives the next row's line number and fields, io.EOF at the
// end; blank lines and comments are skipped.
type rowReader func() (line int, fields []string, err error)

// tsvRows reads tab-separated rows, one a line; a spreadsheet's quoting
// of a field that holds quotes is undone.
func tsvRows(text string) rowReader {
	lines := strings.Split(text, "\n")
	n := 0
	return func() (int, []string, error) {
		for n < len(lines) {
			line := strings.TrimRight(lines[n], "\r")
			n++
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			fields := strings.Split(line, "\t")
			for i, f := range fields {
				fields[i] = unquoteField(strings.TrimSpace(f))
			}
			return n, fields, nil
		}
		return n, nil, io.EOF
	}
}

// csvRows reads comma-separated rows as spreadsheets write them: a quoted
// field may hold commas, quotes doubled and line breaks.
func csvRows(text string, sep rune) rowReader {
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sep
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	return func() (int, []string, error) {
		for {
			fields, err := cr.Read()
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return pe.StartLine, nil, fmt.Errorf("not CSV as spreadsheets write it: %w", pe.Err)
				}
				return 0, nil, err
			}
			line, _ := cr.FieldPos(0)
			if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
				continue
			}
			return line, fields, nil
		}
	}
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
