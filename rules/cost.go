package rules

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// costProblem is a `when` whose cost can be seen to exceed its budget
// before any message arrives: a constant range or repeat too large, or
// closures nested so deep that a short message multiplies into millions
// of steps. The run-time budget would stop such a rule for every message;
// check says so where the marketer can fix it.
type costProblem struct {
	loc file.Location
	msg string
}

func staticCost(src string, b Budget) []costProblem {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil // the compile has reported it
	}
	c := &costWalk{budget: b, seen: map[string]bool{}}
	c.walk(tree.Node, 0, 0, 1, false)
	return c.problems
}

type costWalk struct {
	budget   Budget
	problems []costProblem
	seen     map[string]bool // one problem of each kind per expression: the first is the one to fix
}

func (c *costWalk) report(n ast.Node, kind, format string, args ...any) {
	if c.seen[kind] {
		return
	}
	c.seen[kind] = true
	c.problems = append(c.problems, costProblem{loc: n.Location(), msg: fmt.Sprintf(format, args...)})
}

// walk visits n inside closures nested closureDepth deep and built-ins
// callDepth deep, where the enclosing loops already run `iters` times.
func (c *costWalk) walk(n ast.Node, closureDepth, callDepth int, iters int64, inOperand bool) {
	switch n := n.(type) {
	case *ast.BinaryNode:
		if n.Operator == ".." {
			// x in 1..1000000 is compiled to two comparisons; any other
			// range is a list in memory.
			if size, ok := constLen(n); ok && !inOperand && size > int64(c.budget.Steps) {
				c.report(n, "range", "the range %s has %d elements; a when may take at most %d steps (when_budget: steps)",
					rangeText(n), size, c.budget.Steps)
			}
		}
		c.walk(n.Left, closureDepth, callDepth, iters, false)
		c.walk(n.Right, closureDepth, callDepth, iters, n.Operator == "in" || n.Operator == "not in")
	case *ast.BuiltinNode:
		callDepth++
		if callDepth == maxCallDepth+1 {
			c.report(n, "calls", "built-ins nested %d deep; at most %d are allowed", callDepth, maxCallDepth)
		}
		if n.Name == "repeat" && len(n.Arguments) == 2 {
			if count, ok := n.Arguments[1].(*ast.IntegerNode); ok {
				unit := int64(1)
				if s, ok := n.Arguments[0].(*ast.StringNode); ok {
					unit = int64(len(s.Value))
				}
				if size := unit * int64(count.Value); count.Value > 0 && (size > int64(c.budget.Bytes) || int64(count.Value) > int64(c.budget.Bytes)) {
					c.report(n, "repeat", "repeat makes at least %d bytes; a when may allocate at most %d (when_budget: bytes)", size, c.budget.Bytes)
				}
			}
		}
		if !closures[n.Name] {
			for _, a := range n.Arguments {
				c.walk(a, closureDepth, callDepth, iters, false)
			}
			return
		}
		closureDepth++
		if closureDepth == maxClosureDepth+1 {
			c.report(n, "nesting", "%s is nested %d closures deep (any, all, map, filter, …); at most %d are allowed", n.Name, closureDepth, maxClosureDepth)
		}
		inner := iters
		if len(n.Arguments) > 0 {
			if size, ok := constLen(n.Arguments[0]); ok && size > 0 {
				inner = mulCap(iters, size)
				if inner > int64(c.budget.Steps) && iters <= int64(c.budget.Steps) {
					c.report(n, "loops", "%s runs its predicate %s times; a when may take at most %d steps (when_budget: steps)", n.Name, timesText(inner), c.budget.Steps)
				}
			}
		}
		for i, a := range n.Arguments {
			if p, ok := a.(*ast.PredicateNode); ok {
				c.walk(p.Node, closureDepth, callDepth, inner, false)
				continue
			}
			// A loop over a constant range is reported as a loop, above.
			c.walk(a, closureDepth, callDepth, iters, i == 0)
		}
	case *ast.UnaryNode:
		c.walk(n.Node, closureDepth, callDepth, iters, false)
	case *ast.ChainNode:
		c.walk(n.Node, closureDepth, callDepth, iters, false)
	case *ast.MemberNode:
		c.walk(n.Node, closureDepth, callDepth, iters, false)
		c.walk(n.Property, closureDepth, callDepth, iters, false)
	case *ast.SliceNode:
		for _, x := range []ast.Node{n.Node, n.From, n.To} {
			if x != nil {
				c.walk(x, closureDepth, callDepth, iters, false)
			}
		}
	case *ast.CallNode:
		c.walk(n.Callee, closureDepth, callDepth, iters, false)
		for _, a := range n.Arguments {
			c.walk(a, closureDepth, callDepth+1, iters, false)
		}
	case *ast.PredicateNode:
		c.walk(n.Node, closureDepth, callDepth, iters, false)
	case *ast.ConditionalNode:
		for _, x := range []ast.Node{n.Cond, n.Exp1, n.Exp2} {
			c.walk(x, closureDepth, callDepth, iters, false)
		}
	case *ast.VariableDeclaratorNode:
		c.walk(n.Value, closureDepth, callDepth, iters, false)
		c.walk(n.Expr, closureDepth, callDepth, iters, false)
	case *ast.SequenceNode:
		for _, x := range n.Nodes {
			c.walk(x, closureDepth, callDepth, iters, false)
		}
	case *ast.ArrayNode:
		for _, x := range n.Nodes {
			c.walk(x, closureDepth, callDepth, iters, false)
		}
	case *ast.MapNode:
		for _, x := range n.Pairs {
			c.walk(x, closureDepth, callDepth, iters, false)
		}
	case *ast.PairNode:
		c.walk(n.Key, closureDepth, callDepth, iters, false)
		c.walk(n.Value, closureDepth, callDepth, iters, false)
	}
}

// constLen is the length of a list written with constants: a range of two
// integers or an array literal.
func constLen(n ast.Node) (int64, bool) {
	switch n := n.(type) {
	case *ast.BinaryNode:
		if n.Operator != ".." {
			return 0, false
		}
		lo, ok1 := constInt(n.Left)
		hi, ok2 := constInt(n.Right)
		if !ok1 || !ok2 {
			return 0, false
		}
		return max(hi-lo+1, 0), true
	case *ast.ArrayNode:
		return int64(len(n.Nodes)), true
	}
	return 0, false
}

func constInt(n ast.Node) (int64, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return int64(n.Value), true
	case *ast.UnaryNode:
		if v, ok := constInt(n.Node); ok && n.Operator == "-" {
			return -v, true
		}
	}
	return 0, false
}

func timesText(n int64) string {
	if n >= 1<<40 {
		return "over a trillion"
	}
	return fmt.Sprint(n)
}

func rangeText(n *ast.BinaryNode) string {
	lo, _ := constInt(n.Left)
	hi, _ := constInt(n.Right)
	return fmt.Sprintf("%d..%d", lo, hi)
}

// mulCap multiplies without overflowing: past a billion the figure only
// has to say "too many".
func mulCap(a, b int64) int64 {
	const capAt = 1 << 40
	if a > capAt/b {
		return capAt
	}
	return a * b
}

// posAt maps a character offset in the scalar's value to its line and
// column in the file (columns count characters, as YAML's do): the value
// is the source with its quotes, escapes, indentation and line folding
// taken out, so the source's characters are walked alongside the value's.
// A block scalar (| or >) starts on the line after its indicator; a
// "double-quoted" escape is one character of the value.
func (s str) posAt(lines []string, off int) (line, col int) {
	src := s.sourceChars(lines)
	if len(src) == 0 {
		return s.Line, s.Col
	}
	val := []rune(s.Value)
	j := 0
	for i := 0; i < len(val) && j < len(src); i++ {
		r := val[i]
		if unicode.IsSpace(r) {
			// A space of the value is a space of the source, or a line
			// break folded into it; one that is neither (an escape) takes
			// no source character.
			if src[j].space {
				if i == off {
					return src[j].line, src[j].col
				}
				j++
			} else if i == off {
				return src[j].line, src[j].col
			}
			continue
		}
		for j < len(src)-1 && src[j].space {
			j++ // indentation, folded line breaks, trimmed spaces
		}
		for k := j; k < len(src) && k < j+8; k++ {
			if src[k].r == r {
				j = k
				break
			}
		}
		if i == off {
			return src[j].line, src[j].col
		}
		j++
	}
	if j > 0 {
		// The end of the expression: just after its last character.
		last := src[min(j, len(src))-1]
		return last.line, last.col + 1
	}
	return s.Line, s.Col
}

// srcChar is one character of a scalar as written, with the character of
// the value it stands for.
type srcChar struct {
	r         rune
	line, col int
	space     bool
}

// sourceChars lists the characters of the scalar as written, from its first
// character of content to its end (or a little past it: the walk in posAt
// stops with the value).
func (s str) sourceChars(lines []string) []srcChar {
	if s.Line < 1 || s.Line > len(lines) {
		return nil
	}
	var out []srcChar
	add := func(r rune, line, col int) {
		out = append(out, srcChar{r: r, line: line, col: col, space: unicode.IsSpace(r)})
	}
	if s.Block {
		header := firstNonSpace(lines[s.Line-1]) - 1
		indent := -1
		for i := s.Line; i < len(lines); i++ {
			l := []rune(lines[i])
			if strings.TrimSpace(lines[i]) == "" {
				add('\n', i+1, len(l)+1)
				continue
			}
			ind := firstNonSpace(lines[i]) - 1
			if indent < 0 {
				if ind <= header {
					break
				}
				indent = ind
			}
			if ind < indent {
				break
			}
			for k := indent; k < len(l); k++ {
				add(l[k], i+1, k+1)
			}
			add('\n', i+1, len(l)+1)
		}
		return out
	}
	quote := rune(0)
	start := s.Col - 1
	if s.Quoted {
		if first := []rune(lines[s.Line-1]); start >= 0 && start < len(first) {
			quote = first[start]
		}
		start++
	}
	for i := s.Line - 1; i < len(lines) && i < s.Line+200; i++ {
		l := []rune(lines[i])
		k := 0
		if i == s.Line-1 {
			k = max(start, 0)
		}
		continued := false
		for ; k < len(l); k++ {
			r := l[k]
			switch {
			case quote != 0 && r == quote && quote == '\'' && k+1 < len(l) && l[k+1] == '\'':
				add('\'', i+1, k+1)
				k++
			case quote != 0 && r == quote:
				return out
			case quote == '"' && r == '\\' && k+1 == len(l):
				continued = true // an escaped line break: the text goes on
			case quote == '"' && r == '\\':
				n := map[rune]int{'x': 2, 'u': 4, 'U': 8}[l[k+1]]
				add(unescape(l[k+1], string(l[min(k+2, len(l)):min(k+2+n, len(l))])), i+1, k+1)
				k += 1 + n
			default:
				add(r, i+1, k+1)
			}
		}
		if !continued {
			add('\n', i+1, len(l)+1)
		}
	}
	return out
}

// unescape is the character a "double-quoted" escape stands for; hex is
// the digits of \x, \u and \U.
func unescape(c rune, hex string) rune {
	if hex != "" {
		if v, err := strconv.ParseUint(hex, 16, 32); err == nil {
			return rune(v)
		}
		return utf8.RuneError
	}
	switch c {
	case 'n', 'r', 'L', 'P':
		return '\n'
	case 't':
		return '\t'
	case '_':
		return '\u00a0'
	case '0', 'a', 'b', 'e', 'f', 'v':
		return utf8.RuneError // a control character: not a space, not in the text as written
	case 'N':
		return '\u0085'
	}
	return c // \" \\ \/ \ and a tab stand for themselves
}

// costErrors are the problems of one `when`, positioned in the file.
func (c *compiler) costErrors(s str, at string) {
	for _, p := range staticCost(s.Value, c.r.budget) {
		fe := (&file.Error{Location: p.loc}).Bind(file.NewSource(s.Value))
		line, col := s.posAt(c.errs.lines, fe.From)
		c.errs.add(line, col, "%swhen: %s", at, strings.TrimSpace(p.msg))
	}
}
