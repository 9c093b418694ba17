package pipeline

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMEListsEveryAgentCommand keeps the README's table for agents
// ("### For agents") true: a row for each command AgentCommands lists, in
// its order, and no row for a command the team chat does not understand.
// A command added to AgentCommands needs its row.
func TestREADMEListsEveryAgentCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const header = "| type | what happens |"
	_, after, ok := strings.Cut(string(readme), "### For agents")
	if ok {
		_, after, ok = strings.Cut(after, header)
	}
	if !ok {
		t.Fatalf("the README has no table starting %q under ### For agents", header)
	}
	row := regexp.MustCompile("^\\| `/([a-z_]+)[^`]*` \\| [^|]*[^ |][^|]* \\|$")
	var listed []string
	for _, line := range strings.Split(after, "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("README row %q: want | `/command ARGS` | what happens |", line)
		}
		listed = append(listed, m[1])
	}
	var want []string
	for _, c := range AgentCommands() {
		want = append(want, c.Name)
	}
	if !slices.Equal(listed, want) {
		t.Errorf("the README's table for agents lists %q; AgentCommands() %q (same commands, same order)", listed, want)
	}
}
