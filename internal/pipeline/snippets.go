package pipeline

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Snippets are the agents' canned answers of the live rules: a Decider
// that has them lets agents send them with /s NAME or #NAME.
type Snippets interface {
	// Snippet renders a snippet in the customer's language with vars
	// (name, username, agent); ok is false for an unknown name.
	Snippet(name, lang string, vars map[string]string) (text string, ok bool)
	SnippetNames() []string
}

// agentSnippet is "/s NAME" (send a snippet) or "/s" (list them).
const agentSnippet chat.AgentCommand = "s"

// snippetRef is #name in an agent's reply, at the start or after a space
// or an opening bracket, so "order#12" or a link's #anchor stays text.
var snippetRef = regexp.MustCompile(`(^|[\s(])#([A-Za-z][A-Za-z0-9_-]*)`)

// expandSnippets turns an agent's /s NAME, or a reply with #NAME in it,
// into the text the customer gets; cmd is then a relay. A reply without
// snippets is left as it is. refusal is set when nothing may reach the
// customer (an unknown snippet, or /s alone, which lists them): it is what
// the agent is told instead.
func (p *Pipeline) expandSnippets(st chat.AgentState, cmd chat.AgentCommand, agent chat.Agent, text string) (outCmd chat.AgentCommand, out, refusal string) {
	sn, _ := p.decider.(Snippets)
	var names []string
	if sn != nil {
		names = sn.SnippetNames()
	}
	list := "none are defined in the rules file"
	if len(names) > 0 {
		list = strings.Join(names, ", ")
	}
	vars := map[string]string{"name": st.CustomerName, "username": st.CustomerUsername, "agent": agent.Name}
	for k, v := range st.CustomerAttrs {
		if _, taken := vars[k]; !taken {
			vars[k] = v // what the customer told before the handoff: {{order}}
		}
	}
	lookup := func(name string) (string, bool) {
		if sn == nil {
			return "", false
		}
		return sn.Snippet(strings.ToLower(name), st.Language, vars)
	}
	if cmd == agentSnippet {
		name := strings.TrimPrefix(strings.TrimSpace(text), "#")
		if name == "" {
			return "", "", fmt.Sprintf("Snippets: %s. Send one with /s NAME, or write #NAME in a reply.", list)
		}
		s, ok := lookup(name)
		if !ok {
			return "", "", fmt.Sprintf("No snippet #%s; snippets: %s. Nothing was sent to the customer.", name, list)
		}
		return chat.AgentRelay, s, ""
	}
	if cmd != chat.AgentRelay {
		return cmd, text, ""
	}
	var unknown string
	out = snippetRef.ReplaceAllStringFunc(text, func(m string) string {
		sub := snippetRef.FindStringSubmatch(m)
		s, ok := lookup(sub[2])
		if !ok {
			if unknown == "" {
				unknown = sub[2]
			}
			return m
		}
		return sub[1] + s
	})
	if unknown != "" {
		return "", "", fmt.Sprintf("No snippet #%s; snippets: %s. Nothing was sent to the customer.", unknown, list)
	}
	return cmd, out, ""
}
