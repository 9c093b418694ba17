package pipeline

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// isCommand reports whether text is the team-chat command cmd
// ("/snippets", "/snippets@shop_bot", with or without arguments).
func isCommand(text string, cmd chat.AgentCommand) bool {
	word, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	word, _, _ = strings.Cut(word, "@")
	return strings.EqualFold(word, "/"+string(cmd))
}

// historyLines reads /history's argument: how many messages, the
// configured number without one. refusal says what is wrong with it.
func (p *Pipeline) historyLines(arg string) (n int, refusal string) {
	if arg = strings.TrimSpace(arg); arg == "" {
		return p.cfg.ContextMessages, ""
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 {
		return 0, fmt.Sprintf("Usage: /history [N], N a number of messages from 1 to %d (%q is not).", MaxHistoryMessages, arg)
	}
	return min(n, MaxHistoryMessages), ""
}

// loadHistory reads, for /history, who the customer of the conversation
// an agent wrote about is and its last messages into st.Context; other
// commands read nothing more.
func (p *Pipeline) loadHistory(st *chat.AgentState, cmd chat.AgentCommand, arg string) error {
	if cmd != chat.AgentHistory || st.ConversationKey == "" {
		return nil
	}
	n, refusal := p.historyLines(arg)
	if refusal != "" {
		return nil
	}
	c, found, err := p.store.ConversationContext(p.workCtx, st.ConversationKey, n)
	if err != nil || !found {
		return err
	}
	st.Context = &c
	return nil
}

// historyPlan answers /history in the team chat, never to the customer:
// who the customer is and the conversation's last messages.
func (p *Pipeline) historyPlan(st chat.AgentState, agent chat.Agent, arg string, ev chat.Event) chat.AgentPlan {
	say := func(text string) chat.AgentPlan {
		return chat.AgentPlan{Agent: agent, Notices: []chat.Notice{{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: text, TopicKey: st.ConversationKey}}}
	}
	n, refusal := p.historyLines(arg)
	switch {
	case refusal != "":
		return say(refusal)
	case st.Context == nil:
		return say("No history: this conversation is not stored (it may have been forgotten on the customer's request).")
	}
	loc := p.teamLocation(ev)
	return say(fmt.Sprintf("History · last %s\n%s", plural(n, "message"), contextCard(*st.Context, n, loc)))
}

// teamLocation is the time zone of the team whose chat ev is from.
func (p *Pipeline) teamLocation(ev chat.Event) *time.Location {
	if team := p.teamByChat(ev); team != nil {
		return team.Hours.Location()
	}
	return time.UTC
}

// snippetButtonPrefix starts a suggested snippet's button data:
// "snip:HANDOFF:NAME", or "snip:HANDOFF:N" with N the snippet's place
// among the snippets' names in order when NAME does not fit.
const snippetButtonPrefix = "snip:"

// maxHandoffDigits is the longest a handoff's id may be written: its
// placeholder is replaced only when the notice is stored.
const maxHandoffDigits = 19

// snippetButtons are the buttons that send the snippets a handoff's rule
// suggests (names) to its customer, labelled with their names; a snippet
// the live rules do not have gets none.
func (p *Pipeline) snippetButtons(names []string) []chat.Button {
	sn, _ := p.decider.(Snippets)
	if sn == nil || len(names) == 0 {
		return nil
	}
	all := sn.SnippetNames()
	var out []chat.Button
	for _, name := range names {
		i := slices.Index(all, name)
		if i < 0 {
			continue
		}
		ref := name
		if len(snippetButtonPrefix)+maxHandoffDigits+1+len(name) > maxButtonData {
			ref = strconv.Itoa(i)
		}
		out = append(out, chat.Button{Text: "✉ #" + name, Data: snippetButtonPrefix + "{handoff}:" + ref})
	}
	return out
}

// withRow adds row under grid unless it is empty.
func withRow(grid [][]chat.Button, row []chat.Button) [][]chat.Button {
	if len(row) == 0 {
		return grid
	}
	return append(grid, row)
}

// parseSnippetButton reads a suggested snippet's button data: the snippet
// (a name, or its place among the names in order) and the handoff.
func parseSnippetButton(data string) (ref string, handoffID int64, ok bool) {
	rest, ok := strings.CutPrefix(data, snippetButtonPrefix)
	if !ok {
		return "", 0, false
	}
	id, ref, ok := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || ref == "" {
		return "", 0, false
	}
	return ref, n, true
}

// pressedSnippet is, for a press of a suggested snippet's button, the
// snippet's name ("" for anything else).
func (p *Pipeline) pressedSnippet(ev chat.Event, cmd chat.AgentCommand, ref string) string {
	if ev.Kind != chat.KindCallback || cmd != agentSnippet {
		return ""
	}
	var names []string
	if sn, ok := p.decider.(Snippets); ok {
		names = sn.SnippetNames()
	}
	return snippetByPlace(ref, names)
}

// snippetSent tells the team which snippet a press sent the customer, with
// its text (nobody saw it typed), and the presser that it went.
func snippetSent(plan *chat.AgentPlan, st chat.AgentState, ev chat.Event, name string) {
	if plan.CallbackAnswer == "" {
		plan.CallbackAnswer = "Sent #" + name + " to the customer."
	}
	plan.Notices = append(plan.Notices, chat.Notice{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, TopicKey: st.ConversationKey,
		Text: fmt.Sprintf("%s sent #%s: %s", plan.Agent.Name, name, oneLine(plan.Text))})
}

// snippetByPlace turns a button's reference to a snippet by its place
// among names into the name; a name stays as it is.
func snippetByPlace(ref string, names []string) string {
	i, err := strconv.Atoi(ref)
	if err != nil || i < 0 || i >= len(names) {
		return ref
	}
	return names[i]
}
