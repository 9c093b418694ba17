package sandbox

import "net/http"

// Catalog is what the page offers to pick from, as GET /api/catalog
// answers it: the running rules (the customer pane's rule picker), and
// what an agent may type in the agent pane: the team chat's commands and
// the rules' snippets. The page asks again whenever /api/state's
// rules.version changes, so a reload shows without reloading the page.
type Catalog struct {
	Version  string           `json:"version"` // the rules' version, as in RulesStatus
	Rules    []CatalogRule    `json:"rules"`
	Commands []CatalogCommand `json:"commands"`
	Snippets []string         `json:"snippets"` // names; an agent writes #name
}

// CatalogRule is a rule in the picker.
type CatalogRule struct {
	ID      string   `json:"id"`
	Actions []string `json:"actions"`        // reply, handoff, tag …
	Try     string   `json:"try,omitempty"`  // a message the rule answers (from the file's tests:)
	Lang    string   `json:"lang,omitempty"` // that message's language, if the test names one
}

// CatalogCommand is a command an agent may type, as the team chat
// registers it with the platforms for autocompletion.
type CatalogCommand struct {
	Name        string `json:"name"` // without the slash
	Description string `json:"description"`
}

// WatchCatalog makes /api/catalog answer what catalog returns, asked on
// each request. Set it before serving; without it the catalog is empty.
func (s *Sandbox) WatchCatalog(catalog func() Catalog) { s.catalog = catalog }

func (s *Sandbox) serveCatalog(w http.ResponseWriter, _ *http.Request) {
	c := Catalog{}
	if s.catalog != nil {
		c = s.catalog()
	}
	// Lists, never null: the page iterates them.
	if c.Rules == nil {
		c.Rules = []CatalogRule{}
	}
	if c.Commands == nil {
		c.Commands = []CatalogCommand{}
	}
	if c.Snippets == nil {
		c.Snippets = []string{}
	}
	for i := range c.Rules {
		if c.Rules[i].Actions == nil {
			c.Rules[i].Actions = []string{}
		}
	}
	writeJSON(w, http.StatusOK, c)
}
