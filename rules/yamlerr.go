package rules

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	goccy "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// Syntax errors. yaml.v3 decodes the file (strictly, keeping positions on
// every node), but when the text is not YAML at all it reports only a line,
// often the line where the enclosing block started rather than the mistake.
// So on a syntax error the file is parsed again with goccy/go-yaml, whose
// errors carry the token's line and column, and the few mistakes people
// actually make (tabs, a quote or bracket never closed, a colon in an
// unquoted text, a key indented one space off) are recognised by looking at
// the source around that spot, so the message says what to change.

// syntaxProblem is one syntax error, positioned and explained.
type syntaxProblem struct {
	line, col int
	msg       string
}

// addSyntax records the syntax error yaml.v3 gave for data.
func (l *errorList) addSyntax(data []byte, v3err error) {
	p := locateSyntax(data, l.lines, v3err)
	l.add(p.line, p.col, "%s", p.msg)
}

func locateSyntax(data []byte, lines []string, v3err error) syntaxProblem {
	v3line, v3msg := 0, strings.TrimPrefix(v3err.Error(), "yaml: ")
	if sub := yamlLineMsg.FindStringSubmatch(v3msg); sub != nil {
		v3line, _ = strconv.Atoi(sub[1])
		v3msg = sub[3]
	}
	if m := unknownAnchor.FindStringSubmatch(v3msg); m != nil {
		// yaml.v3 gives no line for an alias to nothing: find *name.
		ref := regexp.MustCompile(`(^|[\s\[{,:-])\*` + regexp.QuoteMeta(m[1]) + `($|[\s\]},])`)
		for i, l := range lines {
			if loc := ref.FindStringIndex(l); loc != nil {
				at := loc[0]
				if l[at] != '*' {
					at++
				}
				return syntaxProblem{i + 1, len([]rune(l[:at])) + 1, fmt.Sprintf("*%s repeats what is marked &%s, but nothing is: mark it with &%s where it is first written (above this line), or write it out here", m[1], m[1], m[1])}
			}
		}
	}
	p := syntaxProblem{line: v3line, msg: v3msg}
	if gp, ok := goccyProblem(data); ok {
		p = gp
	}
	last := max(p.line, v3line)
	if last == 0 {
		last = len(lines)
	}
	// A tab anywhere in an indentation confuses both parsers into odd
	// messages further down; the tab itself is the mistake.
	if strings.Contains(p.msg, "\t") || strings.Contains(v3msg, "tab") || strings.Contains(p.msg, "'\\t'") {
		if ln, col := firstIndentTab(lines, last); ln > 0 {
			return syntaxProblem{ln, col, "tabs are not allowed for indentation; use spaces"}
		}
	}
	// An unclosed quote or bracket swallows the lines after it, and the
	// parsers notice only where the swallowed text stops making sense.
	if s, ok := scanOpenings(lines, last); ok {
		return s
	}
	if s, ok := keyIndentedUnderText(lines, p); ok {
		return s
	}
	if p.line >= 1 && p.line <= len(lines) {
		p.msg = explainSyntax(p.msg, lines[p.line-1], p.col)
		if p.col == 0 {
			p.col = firstNonSpace(lines[p.line-1])
		}
	}
	return p
}

// keyIndentedUnderText recognises a key indented deeper than the key above
// it when that one has a plain text value:
//
//	reply: y
//	 keywords: [a]
//
// YAML reads the second line as more of reply's text, and the parsers
// complain about the colon on the line above; the mistake is the indent.
func keyIndentedUnderText(lines []string, p syntaxProblem) (syntaxProblem, bool) {
	if p.line < 1 || p.line >= len(lines) || !strings.Contains(p.msg, "mapping value") && !strings.Contains(p.msg, "unexpected key name") {
		return syntaxProblem{}, false
	}
	above := keyWithText.FindStringSubmatch(lines[p.line-1])
	next := lines[p.line]
	if above == nil || !keyLine.MatchString(next) {
		return syntaxProblem{}, false
	}
	keyCol := len([]rune(lines[p.line-1][:strings.Index(lines[p.line-1], above[1]+":")])) + 1
	col := firstNonSpace(next)
	if col <= keyCol {
		return syntaxProblem{}, false
	}
	return syntaxProblem{p.line + 1, col, fmt.Sprintf("this line is indented more than %q on the line above, so it reads as more of that text: start it in the same column as %q (or, if it is text, put the text in quotes)", above[1]+":", above[1]+":")}, true
}

// keyWithText is "key: a plain text" (not quoted, not a list or mapping).
var keyWithText = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z_][\w-]*):\s+[^\s"'\[{|>&*#]`)

// goccyProblem is where goccy/go-yaml puts the syntax error. It only
// explains an error yaml.v3 already found, so if it panics on some odd
// input the rules load (or a live reload) must not: the caller falls back
// on yaml.v3's line.
func goccyProblem(data []byte) (p syntaxProblem, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	// goccy counts the \r and the \n of a CRLF inside a quoted text as two
	// lines, so on a file saved on Windows every error after a multi-line
	// text was placed lower than it is. Its lines are made to end as
	// splitLines ends them; no column moves, a \r being last on its line.
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	_, err := parser.ParseBytes(data, 0)
	var ge goccy.Error
	if err == nil || !errors.As(err, &ge) || ge.GetToken() == nil || ge.GetToken().Position == nil {
		return syntaxProblem{}, false
	}
	pos := ge.GetToken().Position
	return syntaxProblem{line: pos.Line, col: pos.Column, msg: ge.GetMessage()}, true
}

// splitLines splits a file into lines as YAML counts them: \r\n, \n and a
// lone \r each end a line, so positions and the line shown agree on files
// saved on any system.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
}

// firstIndentTab finds the first tab in a line's leading whitespace, up to
// line last; tabs inside a text are fine.
func firstIndentTab(lines []string, last int) (int, int) {
	for i := 0; i < len(lines) && i < last; i++ {
		for j, r := range lines[i] {
			if r == '\t' {
				return i + 1, len([]rune(lines[i][:j])) + 1
			}
			if r != ' ' {
				break
			}
		}
	}
	return 0, 0
}

func firstNonSpace(s string) int {
	for i, r := range []rune(s) {
		if r != ' ' && r != '\t' {
			return i + 1
		}
	}
	return 1
}

// keyLine is a line that starts a key (or a list item with a key): seeing
// one inside a quoted text or a [ ] list means the quote or bracket was
// never closed.
var keyLine = regexp.MustCompile(`^\s*(?:-\s+)?[A-Za-z_][\w-]*:(?:\s|$)`)

// scanOpenings walks lines 1..last the way YAML reads quotes and flow
// brackets, and returns the first quote or bracket that is still open when
// a line looking like a new key begins.
func scanOpenings(lines []string, last int) (syntaxProblem, bool) {
	var (
		quote              rune // '"' or '\'' while inside a quoted text
		qLine, qCol        int
		brackets           []syntaxProblem // open [ and {, innermost last
		blockIndent        = -1            // inside a | or > text indented deeper than this
		prevEscape, inComm bool
	)
	for i := 0; i < len(lines) && i < last+1; i++ {
		line := []rune(lines[i])
		indent := firstNonSpace(lines[i]) - 1
		blank := strings.TrimSpace(lines[i]) == ""
		if blockIndent >= 0 {
			if blank || indent > blockIndent {
				continue
			}
			blockIndent = -1
		}
		// Inside a quoted text, a line that reads as a comment is almost
		// surely a quote left open above it (a "#" line inside a text is
		// legal YAML, but nobody writes one on purpose).
		comment := quote != 0 && strings.HasPrefix(strings.TrimSpace(lines[i]), "#")
		if i > 0 && !blank && (quote != 0 || len(brackets) > 0) && (keyLine.MatchString(lines[i]) || comment) {
			if quote != 0 {
				return syntaxProblem{qLine, qCol, fmt.Sprintf("this quoted text is never closed: add the closing %c at the end of the text", quote)}, true
			}
			b := brackets[0]
			return b, true
		}
		inComm = false
		valueStart := true // at a place where a quoted text may begin
		for j := 0; j < len(line) && !inComm; j++ {
			r := line[j]
			if quote != 0 {
				switch {
				case quote == '"' && prevEscape:
					prevEscape = false
				case quote == '"' && r == '\\':
					prevEscape = true
				case r == quote && quote == '\'' && j+1 < len(line) && line[j+1] == '\'':
					j++
				case r == quote:
					quote = 0
					valueStart = false
				}
				continue
			}
			switch {
			case r == ' ' || r == '\t':
				if j+1 < len(line) && line[j+1] == '#' {
					inComm = true
				}
				continue
			case r == '#' && j == 0:
				inComm = true
			case (r == '"' || r == '\'') && valueStart:
				quote, qLine, qCol = r, i+1, j+1
			case r == '[' || r == '{':
				if valueStart {
					closing := ']'
					what := "list"
					if r == '{' {
						closing, what = '}', "mapping"
					}
					brackets = append(brackets, syntaxProblem{i + 1, j + 1, fmt.Sprintf("this %s opened with %c is never closed: add %c at its end (and commas between its items)", what, r, closing)})
				}
			case r == ']' || r == '}':
				if len(brackets) > 0 {
					brackets = brackets[:len(brackets)-1]
				}
				valueStart = false
				continue
			case (r == '|' || r == '>') && valueStart && len(brackets) == 0 && strings.TrimSpace(strings.TrimLeft(string(line[j+1:]), "+-0123456789")) == "":
				blockIndent = indent
				if k := strings.Index(lines[i], "- "); k >= 0 && k == indent {
					blockIndent = indent + 1
				}
			}
			valueStart = r == ':' && (j+1 == len(line) || line[j+1] == ' ') || r == '-' && (j+1 == len(line) || line[j+1] == ' ') && strings.TrimSpace(string(line[:j])) == "" || r == ',' || r == '[' || r == '{' || r == '?'
		}
	}
	if quote != 0 && qLine <= last {
		return syntaxProblem{qLine, qCol, fmt.Sprintf("this quoted text is never closed: add the closing %c at the end of the text", quote)}, true
	}
	return syntaxProblem{}, false
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// explainSyntax turns a parser's message into what to change, looking at the
// source line the error points into.
func explainSyntax(msg, src string, col int) string {
	runes := []rune(src)
	before := ""
	if col-1 <= len(runes) && col > 0 {
		before = strings.TrimRight(string(runes[:col-1]), " ")
	}
	if m := regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z_][\w-]*):([^\s/])`).FindStringSubmatch(src); m != nil {
		return fmt.Sprintf("put a space after the colon of %q (write %q)", m[1]+":", m[1]+": "+m[2]+"…")
	}
	if regexp.MustCompile(`^\s*-[A-Za-z_]`).MatchString(src) {
		return "put a space after the dash that starts a list item (write \"- id: …\")"
	}
	switch {
	case strings.Contains(msg, "unknown escape character"):
		return "unknown escape sequence in a \"double-quoted\" text: write \\\\ for a backslash, or use 'single quotes', where a backslash is just a backslash"
	case strings.Contains(msg, "could not find end character of double-quoted"):
		return "this quoted text is never closed: add the closing \" at the end of the text"
	case strings.Contains(msg, "could not find end character of single-quoted"):
		return "this quoted text is never closed: add the closing ' at the end of the text"
	case strings.Contains(msg, "already defined"):
		if m := regexp.MustCompile(`key "(.*)" already defined at \[(\d+):`).FindStringSubmatch(msg); m != nil {
			return fmt.Sprintf("%q is given twice in the same place (first on line %s); keep one", m[1], m[2])
		}
	case strings.Contains(msg, "',' or ']'"):
		return "a list in [ ] needs commas between its items and a closing ]"
	case strings.Contains(msg, "',' or '}'"):
		return "a mapping in { } needs commas between its items and a closing }"
	case strings.Contains(msg, "unexpected key name"), strings.Contains(msg, "mapping value is not allowed"):
		return "a text containing \": \" must be in quotes (write key: \"text: more text\"), or this line is indented wrongly"
	case strings.HasSuffix(before, "\"") || strings.HasSuffix(before, "'"):
		return "there is more text after the closing quote: put the whole text inside the quotes"
	case strings.Contains(msg, "non-map value"):
		return "a list item (-) cannot go here: the lines above are keys of a mapping; check this line's indentation"
	case strings.Contains(msg, "value is not allowed in this context"), strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected '-'"):
		return "this line is not indented like the lines around it: the keys of one rule (or one mapping) must start in the same column"
	}
	return "YAML syntax: " + msg
}
