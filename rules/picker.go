package rules

import "github.com/frontdesk-bot/frontdesk/internal/chat"

// RuleSummary is a rule as the sandbox's rule picker lists it: its id,
// what it does, and a message from the file's tests: that it answers, to
// try it with.
type RuleSummary struct {
	ID      string
	Actions []chat.ActionType // reply, ack, handoff, tag, ignore: in the order it takes them
	Try     string            // a tests: text that hits the rule; "" when none does
	Lang    string            // that test's lang:, if it names one
}

// Summaries lists the rules in file order. A rule's Try text is the first
// test that hits it and asks nothing of the moment (no at:, chat:,
// platform:, conversation_new:, customer_new:, waiting for a person or
// incident): one pinned to a moment may well be answered by another rule
// when a person tries it now.
func (r *Rules) Summaries() []RuleSummary {
	try := map[string]testYAML{}
	for _, tc := range r.tests {
		if tc.At.Value != "" || tc.WaitingForHuman || len(tc.Incidents) > 0 || tc.Chat.Value != "" || tc.Platform.Value != "" ||
			tc.ConversationNew != nil || tc.CustomerNew != nil {
			continue
		}
		for _, h := range tc.Hits {
			if _, ok := try[h.Value]; !ok {
				try[h.Value] = tc
			}
		}
	}
	out := make([]RuleSummary, len(r.rules))
	for i, ru := range r.rules {
		s := RuleSummary{ID: ru.id}
		for _, a := range ru.actions {
			s.Actions = append(s.Actions, a.typ)
		}
		if len(ru.tags) > 0 {
			s.Actions = append(s.Actions, chat.ActionTag)
		}
		if ru.ignore {
			s.Actions = append(s.Actions, chat.ActionIgnore)
		}
		if tc, ok := try[ru.id]; ok {
			s.Try, s.Lang = tc.Text.Value, tc.Lang.Value
		}
		out[i] = s
	}
	return out
}
