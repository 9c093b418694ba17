package rules

import (
	"strings"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// MaxSuggestedSnippets is how many snippets a handoff's notice offers as
// buttons: a row agents take in at a glance.
const MaxSuggestedSnippets = 3

// suggestSnippets picks, for each rule that hands off, the snippets its
// notice suggests to the agents: those its handoff names (snippets: [a,
// b]), each checked to exist; else those whose name shares a word with the
// rule's id or keywords ("refund-policy" for rule refund), in name order;
// else none. Decided once, at load.
func (c *compiler) suggestSnippets() {
	names := keys(c.r.snippets)
	for i, ry := range c.f.Rules {
		h := ry.Handoff
		if h == nil || i >= len(c.r.rules) {
			continue
		}
		at := ry.title() + ": "
		var picked []string
		if len(h.Snippets) > 0 {
			if len(h.Snippets) > MaxSuggestedSnippets {
				s := h.Snippets[MaxSuggestedSnippets]
				c.errs.add(s.Line, s.Col, "%ssnippets: at most %d are suggested on a handoff's notice", at, MaxSuggestedSnippets)
			}
			for _, s := range h.Snippets {
				switch {
				case !contains(names, s.Value):
					c.errs.add(s.Line, s.Col, "%ssnippets: no snippet %q%s", at, s.Value, suggest(s.Value, names))
				case !contains(picked, s.Value) && len(picked) < MaxSuggestedSnippets:
					picked = append(picked, s.Value)
				}
			}
		} else {
			picked = relatedSnippets(names, ruleWords(ry))
		}
		ru := c.r.rules[i]
		for j := range ru.actions {
			if ru.actions[j].typ == chat.ActionHandoff {
				ru.actions[j].snippets = picked
			}
		}
	}
}

// ruleWords are the words a rule is known by: its id's and its keywords'
// (a keyword group by its name), lower-cased, split at - and _.
func ruleWords(ry ruleYAML) map[string]bool {
	words := map[string]bool{}
	add := func(s string) {
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '/' }) {
			words[w] = true
		}
	}
	add(ry.ID.Value)
	for _, k := range ry.Keywords {
		add(k.Word.Value)
	}
	return words
}

// relatedSnippets are the snippets (names sorted) one of whose name's words
// is one of words, up to MaxSuggestedSnippets. Words of one or two letters
// say too little to relate anything.
func relatedSnippets(names []string, words map[string]bool) []string {
	var out []string
	for _, name := range names {
		for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
			if len([]rune(w)) > 2 && words[w] {
				out = append(out, name)
				break
			}
		}
		if len(out) == MaxSuggestedSnippets {
			break
		}
	}
	return out
}
