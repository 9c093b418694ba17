package app

import (
	"strconv"

	"github.com/frontdesk-bot/frontdesk/bots/sandbox"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// sandboxCatalog is what the sandbox page offers to pick: the running
// rules, the team chat's commands (pipeline.AgentCommands, so a command
// added there shows in the agent pane too) and the rules' snippets.
func (a *App) sandboxCatalog() sandbox.Catalog {
	// The version first: rules swapped in after it only make the page ask
	// again, never keep it on old ones.
	c := sandbox.Catalog{Version: rulesVersion(a.rulesState.get())}
	r := a.rules.p.Load()
	for _, s := range r.Summaries() {
		cr := sandbox.CatalogRule{ID: s.ID, Try: s.Try, Lang: s.Lang, Actions: make([]string, len(s.Actions))}
		for i, t := range s.Actions {
			cr.Actions[i] = string(t)
		}
		c.Rules = append(c.Rules, cr)
	}
	for _, cmd := range pipeline.AgentCommands() {
		c.Commands = append(c.Commands, sandbox.CatalogCommand{Name: cmd.Name, Description: cmd.Description})
	}
	c.Snippets = r.SnippetNames()
	return c
}

// rulesVersion names the rules running now: when they were loaded.
func rulesVersion(st RulesStatus) string {
	return strconv.FormatInt(st.LastSuccess.UnixNano(), 36)
}
