package pipeline

import (
	"slices"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// collected settles what the rules decided about the details asked before
// a handoff (issue 20): a question the frequency guard held back is not
// waited for, the rule hands off at once instead; a collection that ends
// sets the customer's attributes to the answers.
func (p *Pipeline) collected(plan *chat.Plan, c chat.CollectChange, ev chat.Event, st chat.State, sends []chat.Action, now time.Time) {
	if c.Next != nil && !slices.ContainsFunc(plan.Sends, func(s chat.Send) bool { return s.Type == chat.ActionAsk }) {
		// The question was not sent (a cap, the window, the same text a
		// moment ago): nobody would answer it, so nobody waits for it.
		held := plan.Suppressed
		sends = slices.DeleteFunc(sends, func(a chat.Action) bool { return a.Type == chat.ActionAsk })
		if h := c.Handoff; h != nil {
			ho := *h
			if ho.Text != "" {
				ho.Text += p.outOfHoursNote(ho.Team, plan.Language, now)
				sends = append(sends, ho)
			}
			plan.Handoff = &ho
		}
		plan.Sends, plan.Suppressed = p.guard.Check(ev, st, sends, now)
		for _, s := range held {
			if !slices.Contains(plan.Suppressed, s) {
				plan.Suppressed = append(plan.Suppressed, s)
			}
		}
		c = chat.CollectChange{Answers: c.Next.Answers, Asked: c.Next.Asking}
	}
	c.Handoff = nil // used here, not stored
	plan.Collect = &c
	if c.Next == nil {
		plan.Attrs = chat.Attrs(c.Answers)
		if plan.Handoff != nil {
			plan.DetailsAsked = c.Asked
		}
	}
}

// answering is the snapshot as the guard sees a customer's answer to the
// bot's question: a message of its own, not the rest of a burst, so the
// next question is not held back as a second reply to one message (the
// per-message cap still bounds what one answer gets).
func answering(st chat.State) chat.State {
	if st.Conversation.Collecting != nil && !st.Conversation.New {
		st.Conversation.LastCustomerAt, st.Conversation.LastAlbum = time.Time{}, ""
	}
	return st
}

// detailsHeader is the first line of a handoff's notice when details were
// asked first: "Order: 12345678 · Email: a@b.c", so the agent starts with
// what they need.
func detailsHeader(plan *chat.Plan) string {
	if plan.Collect == nil || plan.Collect.Next != nil || len(plan.Collect.Answers) == 0 {
		return ""
	}
	parts := make([]string, 0, len(plan.Collect.Answers))
	for _, a := range plan.Collect.Answers {
		label := a.Label
		if label == "" {
			label = a.Name
		}
		switch {
		case a.Skipped:
			parts = append(parts, label+": (skipped)")
		case a.Unchecked:
			parts = append(parts, label+": "+oneLine(a.Value)+" (unchecked)")
		default:
			parts = append(parts, label+": "+oneLine(a.Value))
		}
	}
	return strings.Join(parts, " · ") + "\n"
}
