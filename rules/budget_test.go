package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// hostileRules is a file whose first rule's `when` is replaced by a hostile
// program (most of them `check` would refuse, so they are compiled here as
// the loader compiles them), followed by an ordinary rule that must still
// answer.
const hostileRules = `
rules:
  - id: hostile
    when: 'text != ""'
    tag: [x]
  - id: hello
    keywords: [hello]
    reply: "Hi!"
`

func compileBudgeted(t *testing.T, src string) *vm.Program {
	t.Helper()
	opts := append([]expr.Option{expr.Env(Env{}), expr.AsBool(), expr.Patch(budgetPatcher{})}, budgetFunctions()...)
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		t.Fatalf("compile %s: %v", src, err)
	}
	return prog
}

func TestHostileWhenStopsWithinBudget(t *testing.T) {
	long := "hello " + strings.Repeat("a", 3994) // a long but legal Telegram message
	tests := []struct {
		name string
		when string
		text string
		kind string // which budgets may run out first: steps and time race on a busy machine
	}{
		{"nested any over huge ranges", `any(1..100000000, any(1..100000000, # < 0))`, "hello", "memory"},
		{"nested any over ranges under expr's memory budget", `any(1..999, any(1..999, any(1..999, # < 0)))`, "hello", "steps|time"},
		{"range sized by the message", `any(1..len(text) * 1000000, # < 0)`, "hello", "memory"},
		{"closures over the message's characters", `any(split(text, ""), any(split(text, ""), any(split(text, ""), # == "§")))`, long, "steps|time|bytes"},
		{"repeat of repeat", `len(repeat(repeat(text, 100000), 100000)) > 0`, "hello", "bytes"},
		{"repeat of a repeat of constants", `len(repeat(repeat("x", 1000000), 1000000)) > 0`, "hello", "bytes"},
		{"string doubling in reduce", `len(reduce(1..60, #acc + #acc, text)) > 0`, "hello", "bytes"},
		// The map before them takes long enough under the race detector
		// for the time budget to run out first.
		{"join of many references to one long string", `len(join(map(1..50000, text), "")) > 0`, long, "bytes|time"},
		{"toJSON of many references", `len(toJSON(map(1..50000, text))) > 0`, long, "bytes|time"},
		{"replace that multiplies", `len(replace(text, "", text)) > 0`, long, "bytes"},
		{"base64 growth in a loop", `len(reduce(1..80, toBase64(#acc), text)) > 0`, "hello", "bytes"},
		{"list doubling in reduce", `len(reduce(1..60, concat(#acc, #acc), [1])) > 0`, "hello", "bytes"},
		{"slow body without allocating", `let s = repeat("a", 900000); any(1..99999, s contains "b")`, "hello", "time"},
		{"upper in a long loop", `any(1..99999, upper(text) == "")`, long, "bytes"},
		{"map then sort", `len(sortBy(map(1..99999, -#), #)) > 0 && any(1..99999, true) && any(1..99999, false)`, "hello", "steps|time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse("hostile.yaml", []byte(hostileRules))
			if err != nil {
				t.Fatal(err)
			}
			r.rules[0].when = compileBudgeted(t, tt.when)
			ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, Text: tt.text, ExternalID: "1"}
			start := time.Now()
			d := r.Decide(ev, chat.State{}, time.Now())
			took := time.Since(start)
			// A few milliseconds of budget; the bound is loose for the race
			// detector and a busy machine, and far below "for ever".
			if took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			over := d.OverBudget()
			if len(over) != 1 || over[0].Rule != "hostile" {
				t.Fatalf("over budget: %+v; trace %+v", over, d.Trace)
			}
			// The time budget is the wall-clock backstop: on a starved
			// machine (CI under load, the race detector) it can run out
			// before the bytes a few copies allocate are counted.
			allowed := tt.kind
			if strings.Contains(allowed, "bytes") {
				allowed += "|time"
			}
			if kind, _, _ := strings.Cut(strings.TrimPrefix(over[0].Detail, "ran out of its "), " "); !strings.Contains("|"+allowed+"|", "|"+kind+"|") {
				t.Errorf("detail %q, want the %s budget", over[0].Detail, tt.kind)
			}
			if strings.Contains(over[0].Detail, "aaaa") {
				t.Errorf("the detail quotes the message: %q", over[0].Detail)
			}
			if len(d.Actions) != 1 || d.Actions[0].Rule != "hello" {
				t.Errorf("the other rule did not answer: %+v", d.Actions)
			}
		})
	}
}

// Every patched built-in must return what expr's own returns, and fail
// where it fails, when within budget.
func TestBudgetedWhenSameResults(t *testing.T) {
	exprs := []string{
		`any(split(text, " "), # == "world")`,
		`all(1..3, # > 0) && none(incidents, # == "x") && one([1, 2], # == 1)`,
		`count(split(text, ""), # == "l") == 3`,
		`len(filter(1..10, # % 2 == 0)) == 5 && sum(map(1..4, # * 2)) == 20`,
		`find(["a", "bb"], len(#) == 2) == "bb" && findIndex(1..5, # == 3) == 2`,
		`reduce(1..4, #acc + #, 0) == 10 && len(groupBy(1..6, # % 3)) == 3`,
		`sortBy([3, 1, 2], #)[0] == 1`,
		`repeat("ab", 3) == "ababab" && join(["a", "b"], "-") == "a-b" && join(["x"]) == "x"`,
		`replace(text, "l", "L") == "heLLo worLd" && upper(text) == "HELLO WORLD" && lower("AB") == "ab"`,
		`toJSON([1, "a"]) == "[\n  1,\n  \"a\"\n]" && string(12) == "12" && toBase64("hi") == "aGk="`,
		`fromJSON("[1]")[0] == 1 && len(concat([1], [2, 3])) == 3 && len(flatten([[1], [2]])) == 2`,
		`text + "!" == "hello world!" && 1 + 2 == 3 && 1.5 + 1 == 2.5`,
		`now + duration("1h") > now && conversation.age + duration("1m") > conversation.age`,
		`len(splitAfter(text, "o")) == 3 && split(text, " ", 1)[0] == text`,
		`repeat("x", -1) == ""`,
		`int(text) > 0`,
	}
	env := Env{Text: "hello world", Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, src := range exprs {
		t.Run(src, func(t *testing.T) {
			plain, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool())
			if err != nil {
				t.Fatal(err)
			}
			want, wantErr := expr.Run(plain, env)
			m := &meter{}
			m.reset(DefaultBudget)
			env := env
			env.meter, env.Step = m, m.mustStep
			got, gotErr := expr.Run(compileBudgeted(t, src), env)
			if (wantErr == nil) != (gotErr == nil) || got != want {
				t.Fatalf("budgeted: %v, %v; as written: %v, %v", got, gotErr, want, wantErr)
			}
			var be *BudgetError
			if errors.As(gotErr, &be) {
				t.Fatalf("ran out of budget: %v", gotErr)
			}
		})
	}
}

// A normal rules file decides exactly as it did before budgets existed,
// and no rule of it comes near its budget.
func TestBudgetLeavesNormalRulesAlone(t *testing.T) {
	files, _ := filepath.Glob("testdata/decide/*.rules.yaml")
	files = append(files, "../configs/rules.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			budgeted, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			unbudgeted = true
			plain, err := Load(f)
			unbudgeted = false
			if err != nil {
				t.Fatal(err)
			}
			msgs := normalMessages(t, f)
			for _, m := range msgs {
				ev, st, now := m.event()
				got, want := budgeted.Explain(ev, st, now), plain.Explain(ev, st, now)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%q: with budget %+v\nwithout %+v", m.Text, got, want)
				}
				if over := got.OverBudget(); len(over) > 0 {
					t.Errorf("%q: over budget %+v", m.Text, over)
				}
			}
		})
	}
}

func normalMessages(t *testing.T, rulesFile string) []messageCase {
	path := strings.TrimSuffix(rulesFile, ".rules.yaml") + ".messages.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		// The shipped file has its examples in its own tests: section.
		return []messageCase{{Text: "hello"}, {Text: "where is my refund?"}, {Text: "/human"}, {Text: "http://x.example http://y.example"}}
	}
	var msgs []messageCase
	if err := yaml.Unmarshal(data, &msgs); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestWhenBudgetSetting(t *testing.T) {
	tests := []struct {
		yaml string
		want Budget
		err  string
	}{
		{"", DefaultBudget, ""},
		{"when_budget: {steps: 500}\n", Budget{Steps: 500, Bytes: DefaultBudget.Bytes, Time: DefaultBudget.Time}, ""},
		{"when_budget: {steps: 10, bytes: 2048, time: 5ms}\n", Budget{Steps: 10, Bytes: 2048, Time: 5 * time.Millisecond}, ""},
		{"when_budget: {steps: 0}\n", Budget{}, `when_budget: steps "0" is not a whole number from 1 to 10000000`},
		{"when_budget: {time: 2h}\n", Budget{}, `when_budget: time "2h" is not a duration`},
		{"when_budget: {step: 1}\n", Budget{}, `unknown field "step", did you mean "steps"?`},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			r, err := Parse("b.yaml", []byte(tt.yaml+"rules:\n  - id: a\n    reply: hi\n"))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.budget != tt.want {
				t.Errorf("budget %+v, want %+v", r.budget, tt.want)
			}
		})
	}
}

// A small budget in the file is what the engine applies.
func TestWhenBudgetApplies(t *testing.T) {
	src := "when_budget: {steps: 50}\nrules:\n  - id: a\n    when: 'count(split(text, \"\"), # == \"y\") > 0'\n    reply: hi\n"
	r, err := Parse("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text string
		over bool
	}{{strings.Repeat("x", 49), false}, {strings.Repeat("x", 51), true}} {
		d := r.Decide(chat.Event{Kind: chat.KindText, Text: tt.text}, chat.State{}, time.Now())
		if got := len(d.OverBudget()) == 1; got != tt.over {
			t.Errorf("%d characters: over budget %v, want %v (%+v)", len(tt.text), got, tt.over, d.Trace)
		}
	}
}

func ExampleBudgetError() {
	fmt.Println(&BudgetError{Kind: "steps", Limit: "100000"})
	// Output: ran out of its steps budget (100000)
}

// BenchmarkWhenBudget measures what counting costs on rules that use
// closures, with and without the budget built in (rules without closures
// or allocating built-ins run the very same program either way).
func BenchmarkWhenBudget(b *testing.B) {
	const src = `
rules:
  - id: incident
    when: '"delivery" in incidents || any(incidents, hasPrefix(#, "pay"))'
    tag: [incident]
  - id: long-words
    when: 'count(split(text, " "), len(#) > 6) > 2'
    tag: [long]
  - id: shouting
    when: 'upper(text) == text && len(text) > 10'
    tag: [shout]
  - id: busy
    when: 'customer.messages_1h > 3 && hour in 9..18'
    reply: "We are here."
`
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ExternalID: "1",
		Text: "Hello, my parcel with the replacement headphones has not arrived yesterday"}
	st := chat.State{Incidents: []chat.Incident{{Cause: "payment"}}, Customer: chat.CustomerState{Messages1h: 5}}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, mode := range []struct {
		name  string
		plain bool
	}{{"budget=off", true}, {"budget=on", false}} {
		unbudgeted = mode.plain
		r, err := Parse("bench.yaml", []byte(src))
		unbudgeted = false
		if err != nil {
			b.Fatal(err)
		}
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Decide(ev, st, now)
			}
		})
	}
}
