package rules

import (
	"fmt"
	"slices"
	"strings"
)

// upgradeWarnings plays the file's tests: with the matching of before
// issue 18 (no typos, families, proximity, negation, thanks, examples; the
// first matching rule answers) and with the file's switches, and warns
// about every test whose matched rules differ, naming the switch that
// made the difference, so nobody's rules silently change meaning after an
// upgrade. A test that passes either way still gets the warning: its
// outcome changed, which the author may not have meant.
func (r *Rules) upgradeWarnings() Errors {
	var out Errors
	for i, tc := range r.tests {
		ev, st, now, err := tc.event(r)
		if err != nil {
			continue // runTests reports it
		}
		outcome := func(mask switches, firstWins bool) string {
			d := r.decideWith(ev, st, now, true, mask, firstWins)
			var names []string
			for _, s := range d.Trace {
				if s.Matched {
					names = append(names, s.Rule)
				}
			}
			if len(names) == 0 {
				return "no rule"
			}
			return strings.Join(names, ", ")
		}
		before, now2 := outcome(0, true), outcome(swAll, false)
		if before == now2 {
			continue
		}
		var causes []string
		for _, s := range switchNames {
			if r.anyOn&s.sw != 0 && outcome(swAll&^s.sw, false) == before {
				causes = append(causes, "matching: {"+s.name+": false}")
			}
		}
		if outcome(swAll, true) == before {
			causes = append(causes, "the most specific rule answering instead of the first")
		}
		slices.Sort(causes)
		why := "several switches together"
		if len(causes) > 0 {
			why = "undone by " + strings.Join(causes, " or by ")
		}
		out = append(out, &Error{File: r.file, Line: tc.Line, Col: tc.Text.Col,
			Msg: fmt.Sprintf("tests[%d] %q: the new matching changes what matches, from %s to %s (%s)", i, truncate(tc.Text.Value, 40), before, now2, why)})
	}
	return out
}
