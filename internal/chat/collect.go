package chat

import "time"

// ActionAsk is a question the bot asks before a handoff: a detail an agent
// will need (an order number, a photo), asked one at a time (issue 20).
const ActionAsk ActionType = "ask"

// OutcomeAsked: a handoff rule matched and the bot asked for a detail
// first; the handoff follows the last answer.
const OutcomeAsked Outcome = "asked"

// MaxDetails is how many details a handoff rule may ask for first.
const MaxDetails = 5

// Collection is a handoff waiting for the details its rule asks for, kept
// with the conversation so a restart in the middle loses nothing. The
// rules decide every step from it; the store only keeps it.
type Collection struct {
	Rule string `json:"rule"` // the handoff rule that asks
	// Asking is the index of the detail asked last; Retried says it was
	// asked again after an answer that did not fit.
	Asking  int            `json:"asking"`
	Retried bool           `json:"retried,omitempty"`
	Answers []DetailAnswer `json:"answers,omitempty"`
	Started time.Time      `json:"started"`
}

// DetailAnswer is the customer's answer to one detail.
type DetailAnswer struct {
	Name  string `json:"name"`            // the customer attribute it fills
	Label string `json:"label,omitempty"` // how agents see the name: "Order"
	Value string `json:"value,omitempty"`
	// Skipped: the customer said skip. Unchecked: the answer failed the
	// check twice and is kept as given.
	Skipped   bool `json:"skipped,omitempty"`
	Unchecked bool `json:"unchecked,omitempty"`
}

// CollectChange is what a decision does to the conversation's collection:
// Next is the collection from now on; nil ends it (handed off, or given
// up). Answers, when it ends, are what was collected, for the handoff.
type CollectChange struct {
	Next    *Collection
	Answers []DetailAnswer
	// Asked is, when it ends, how many details were asked (for reports:
	// the handoffs that needed details).
	Asked int
	// Handoff is the rule's handoff, to make at once when the question
	// cannot be sent (the frequency guard held it back): a customer is
	// never left waiting for a question that never came.
	Handoff *Action
}

// Attr is a customer attribute a decision sets (customer.attrs.NAME in
// rules, {{NAME}} in texts).
type Attr struct {
	Name  string
	Value string
}

// Attrs turns the kept answers into customer attributes: skipped ones set
// nothing.
func Attrs(answers []DetailAnswer) []Attr {
	var out []Attr
	for _, a := range answers {
		if !a.Skipped && a.Value != "" {
			out = append(out, Attr{Name: a.Name, Value: a.Value})
		}
	}
	return out
}
