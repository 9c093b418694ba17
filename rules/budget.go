package rules

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm/runtime"
)

// A `when` runs inside the worker that decides messages, and Go cannot stop
// a running goroutine; expr counts some allocations but neither time nor
// loop iterations, and its repeat allocates before it counts. So every
// compiled `when` carries its own budget: the patcher below rewrites
// closures and allocating built-ins into calls that count steps and bytes
// against a meter the engine resets before each evaluation, and that stop
// the evaluation with a *BudgetError when it runs out.

// Budget is what one evaluation of one `when` may spend for one message.
type Budget struct {
	// Steps counts closure iterations (any, all, map, filter, count, reduce, …):
	// the loop bodies are where an expression's time goes.
	Steps int
	// Bytes counts what string and list built-ins allocate (repeat, join,
	// replace, split, toJSON, +, …), checked before they allocate.
	Bytes int
	// Time is a wall-clock backstop for loops whose bodies are slow without
	// allocating (contains over a long string, say); checked every few steps.
	Time time.Duration
}

// DefaultBudget is a few milliseconds of work: a closure step of a plain
// predicate costs 60–150 ns with its counting, so 50,000 steps are 3–8 ms.
// The time backstop is well above that, so that on a busy machine the
// deterministic step count is what stops a rule, not the clock.
var DefaultBudget = Budget{Steps: 50_000, Bytes: 1 << 20, Time: 50 * time.Millisecond}

// Limits on what `check` accepts, beyond which a cost is visibly unbounded
// or the expression unreadable.
const (
	maxClosureDepth = 3 // any(…, all(…, count(…))) is as deep as a real rule goes
	maxCallDepth    = 8 // built-ins nested in built-ins: toBase64(toBase64(…)) grows at each level
	maxBudgetSteps  = 10_000_000
	maxBudgetBytes  = 64 << 20
	maxBudgetTime   = time.Second
)

// BudgetError is why an evaluation was stopped. It names the budget and its
// size, never a value of the message (traces are kept; texts are personal).
type BudgetError struct {
	Kind  string // "steps", "bytes", "time" or "memory" (expr's own count of list elements)
	Limit string
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("ran out of its %s budget (%s)", e.Kind, e.Limit)
}

// meter is the budget of the evaluation in progress. It lives in the
// per-message scratch and reaches the patched calls through Env.meter.
type meter struct {
	budget   Budget
	steps    int
	bytes    int
	deadline time.Time // set at the first step, so rules without closures never read the clock
}

func (m *meter) reset(b Budget) {
	m.budget, m.steps, m.bytes, m.deadline = b, 0, 0, time.Time{}
}

func (m *meter) step() error {
	m.steps++
	if m.steps > m.budget.Steps {
		return &BudgetError{Kind: "steps", Limit: fmt.Sprint(m.budget.Steps)}
	}
	if m.steps&63 == 1 {
		return m.clock()
	}
	return nil
}

// mustStep is Env.Step: a func() bool cannot return an error, so it stops
// the evaluation with a panic, which expr's VM recovers into the error
// that Run returns (errors.As finds the *BudgetError in it).
func (m *meter) mustStep() bool {
	if err := m.step(); err != nil {
		panic(err)
	}
	return true
}

func (m *meter) clock() error {
	now := time.Now()
	if m.deadline.IsZero() {
		m.deadline = now.Add(m.budget.Time)
		return nil
	}
	if now.After(m.deadline) {
		return &BudgetError{Kind: "time", Limit: m.budget.Time.String()}
	}
	return nil
}

// alloc charges n bytes, before they are allocated.
func (m *meter) alloc(n int) error {
	if n < 0 || n > m.budget.Bytes-m.bytes {
		return &BudgetError{Kind: "bytes", Limit: fmt.Sprint(m.budget.Bytes)}
	}
	m.bytes += n
	return m.clock()
}

func meterOf(env any) *meter {
	if e, ok := env.(Env); ok {
		return e.meter
	}
	return nil
}

// Names of the calls the patcher inserts. A rule that writes one fails its
// plain compile: __counted_ and __add exist only in the budgeted compile,
// and hasChecker refuses every name starting with __.
const (
	fnStep  = "__step"
	fnAlloc = "__counted_" // + the built-in's name
	fnAdd   = "__add"
)

// closures are the built-ins whose predicate runs once per element.
var closures = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true, "count": true,
	"sum": true, "find": true, "findIndex": true, "findLast": true, "findLastIndex": true,
	"groupBy": true, "sortBy": true, "reduce": true,
}

// allocating are the built-ins whose result can be much larger than their
// arguments, each with the bytes it will allocate (an upper bound).
var allocating = map[string]func(args []any, limit int) int{
	"repeat": func(a []any, _ int) int {
		s, _ := a[0].(string)
		n := runtime.ToInt(a[1])
		if n <= 0 || len(s) == 0 {
			return 0
		}
		if len(s) > math.MaxInt/n {
			return -1
		}
		return len(s) * n
	},
	"replace": func(a []any, _ int) int {
		s, _ := a[0].(string)
		old, _ := a[1].(string)
		repl, _ := a[2].(string)
		n := strings.Count(s, old)
		if old == "" {
			n = utf8.RuneCountInString(s) + 1
		}
		if len(a) > 3 {
			if max := runtime.ToInt(a[3]); max >= 0 && max < n {
				n = max
			}
		}
		if grow := len(repl) - len(old); grow > 0 {
			if n > 0 && grow > (math.MaxInt-len(s))/n {
				return -1
			}
			return len(s) + n*grow
		}
		return len(s)
	},
	"join": func(a []any, limit int) int {
		sep := ""
		if len(a) > 1 {
			sep, _ = a[1].(string)
		}
		return sizeOf(reflect.ValueOf(a[0]), len(sep), limit)
	},
	"split":      splitSize,
	"splitAfter": splitSize,
	"upper":      func(a []any, _ int) int { s, _ := a[0].(string); return len(s) * 3 / 2 },
	"lower":      func(a []any, _ int) int { s, _ := a[0].(string); return len(s) * 3 / 2 },
	"toBase64":   func(a []any, _ int) int { s, _ := a[0].(string); return (len(s) + 2) / 3 * 4 },
	"fromJSON":   func(a []any, _ int) int { s, _ := a[0].(string); return len(s) * 24 },
	"toJSON":     func(a []any, limit int) int { return sizeOf(reflect.ValueOf(a[0]), 0, limit) },
	"string":     func(a []any, limit int) int { return sizeOf(reflect.ValueOf(a[0]), 0, limit) },
	"concat": func(a []any, limit int) int {
		n := 0
		for _, x := range a {
			n += sizeOf(reflect.ValueOf(x), 0, limit)
		}
		return n
	},
	"flatten": func(a []any, limit int) int { return sizeOf(reflect.ValueOf(a[0]), 0, limit) },
}

// splitSize is what split allocates: a string header for each part.
func splitSize(a []any, _ int) int {
	s, _ := a[0].(string)
	sep, _ := a[1].(string)
	n := strings.Count(s, sep) + 1
	if sep == "" {
		n = utf8.RuneCountInString(s)
	}
	if len(a) > 2 {
		if max := runtime.ToInt(a[2]); max >= 0 && max < n {
			n = max
		}
	}
	return 16 * n
}

// sizeOf bounds the bytes a value takes when printed or copied: every
// string as escaped JSON, every element with room for its separator and
// indentation. It stops counting past limit, so a list that holds the same
// long string a million times is measured in at most limit work.
func sizeOf(v reflect.Value, sep, limit int) int {
	n := 0
	var walk func(v reflect.Value, depth int)
	walk = func(v reflect.Value, depth int) {
		if n > limit {
			return
		}
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), depth)
			} else {
				n += 4
			}
		case reflect.String:
			n += 6*v.Len() + 2
		case reflect.Slice, reflect.Array:
			n += 2
			for i := 0; i < v.Len() && n <= limit; i++ {
				n += sep + 2*depth + 4
				walk(v.Index(i), depth+1)
			}
		case reflect.Map:
			n += 2
			it := v.MapRange()
			for it.Next() && n <= limit {
				n += 2*depth + 6
				walk(it.Key(), depth+1)
				walk(it.Value(), depth+1)
			}
		default:
			n += 64
		}
	}
	walk(v, 0)
	return n
}

// budgetFunctions are the calls the patcher inserts; each takes the
// environment first, to find the meter. A counted built-in keeps the types
// of expr's own (with the environment first), so the rest of the
// expression compiles to the same typed code as before.
func budgetFunctions() []expr.Option {
	opts := []expr.Option{
		expr.Function(fnAdd, add, new(func(any, string, string) string), new(func(any, any, any) any)),
	}
	for name := range allocating {
		fn := builtin.Builtins[builtin.Index[name]]
		types := make([]any, len(fn.Types))
		for i, t := range fn.Types {
			in := []reflect.Type{reflect.TypeFor[any]()}
			for j := range t.NumIn() {
				in = append(in, t.In(j))
			}
			out := make([]reflect.Type, t.NumOut())
			for j := range out {
				out[j] = t.Out(j)
			}
			types[i] = reflect.New(reflect.FuncOf(in, out, t.IsVariadic())).Interface()
		}
		opts = append(opts, expr.Function(fnAlloc+name, func(p ...any) (any, error) {
			return callAllocating(name, p[0], p[1:])
		}, types...))
	}
	return opts
}

// add is + on anything but numbers: strings and lists are measured first.
func add(p ...any) (any, error) {
	if m := meterOf(p[0]); m != nil {
		n := 0
		a, b := reflect.ValueOf(p[1]), reflect.ValueOf(p[2])
		switch {
		case a.Kind() == reflect.String && b.Kind() == reflect.String:
			n = a.Len() + b.Len()
		case isList(a) && isList(b):
			n = 16 * (a.Len() + b.Len())
		}
		if err := m.alloc(n); err != nil {
			return nil, err
		}
	}
	return runtime.Add(p[1], p[2]), nil
}

func isList(v reflect.Value) bool {
	return v.Kind() == reflect.Slice || v.Kind() == reflect.Array
}

// callAllocating runs built-in name: charge its bound, then run expr's
// own implementation, so results and errors stay exactly expr's.
func callAllocating(name string, env any, args []any) (any, error) {
	fn := builtin.Builtins[builtin.Index[name]]
	if len(args) == 0 {
		return nil, fmt.Errorf("%s: no arguments", name)
	}
	if m := meterOf(env); m != nil {
		if err := m.alloc(allocating[name](args, m.budget.Bytes-m.bytes)); err != nil {
			return nil, err
		}
	}
	switch {
	case fn.Fast != nil:
		return fn.Fast(args[0]), nil
	case fn.Safe != nil:
		out, _, err := fn.Safe(args...)
		return out, err
	}
	return fn.Func(args...)
}

// budgetPatcher rewrites a checked expression so that it pays for its
// loops and allocations. It runs after the plain compile has reported the
// marketer's mistakes, so the looser typing of the inserted calls never
// hides one.
type budgetPatcher struct{}

func (budgetPatcher) Visit(node *ast.Node) {
	env := func() ast.Node { return &ast.IdentifierNode{Value: "$env"} }
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		if closures[n.Name] {
			for _, a := range n.Arguments {
				p, ok := a.(*ast.PredicateNode)
				if !ok {
					continue
				}
				step := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnStep}}
				if t := p.Node.Type(); t != nil && t.Kind() == reflect.Bool {
					p.Node = &ast.BinaryNode{Operator: "&&", Left: step, Right: p.Node}
				} else {
					p.Node = &ast.ConditionalNode{Cond: step, Exp1: p.Node, Exp2: &ast.NilNode{}}
				}
			}
			return
		}
		if _, ok := allocating[n.Name]; ok {
			args := append([]ast.Node{env()}, n.Arguments...)
			call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnAlloc + n.Name}, Arguments: args}
			call.SetLocation(n.Location())
			*node = call
		}
	case *ast.BinaryNode:
		if n.Operator != "+" {
			return
		}
		if t := n.Type(); t != nil && t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64 {
			return // numbers and durations allocate nothing, and keep their typed code
		}
		call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnAdd}, Arguments: []ast.Node{env(), n.Left, n.Right}}
		call.SetLocation(n.Location())
		*node = call
	}
}

// overBudget tells a run that was stopped for its budget, ours or expr's
// own memory budget (which it reports as a bare message).
func overBudget(err error) (*BudgetError, bool) {
	var be *BudgetError
	if errors.As(err, &be) {
		return be, true
	}
	var fe *file.Error
	if errors.As(err, &fe) && strings.HasPrefix(fe.Message, "memory budget exceeded") {
		return &BudgetError{Kind: "memory", Limit: fmt.Sprint(conf.DefaultMemoryBudget, " list elements")}, true
	}
	return nil, false
}

// compileBudget reads when_budget: what is not given keeps its default.
func compileBudget(y *budgetYAML, errs *errorList) Budget {
	b := DefaultBudget
	if y == nil {
		return b
	}
	count := func(s str, name string, max int, into *int) {
		if s.Value == "" {
			return
		}
		n, err := strconv.Atoi(s.Value)
		if err != nil || n <= 0 || n > max {
			errs.add(s.Line, s.Col, "when_budget: %s %q is not a whole number from 1 to %d", name, s.Value, max)
			return
		}
		*into = n
	}
	count(y.Steps, "steps", maxBudgetSteps, &b.Steps)
	count(y.Bytes, "bytes", maxBudgetBytes, &b.Bytes)
	if y.Time.Value != "" {
		d, err := time.ParseDuration(y.Time.Value)
		if err != nil || d <= 0 || d > maxBudgetTime {
			errs.add(y.Time.Line, y.Time.Col, "when_budget: time %q is not a duration from 1ms to %s, such as 20ms", y.Time.Value, maxBudgetTime)
		} else {
			b.Time = d
		}
	}
	return b
}
