package rules

import (
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ExampleTime is when a labelled message is decided unless told otherwise:
// the same Wednesday 10:00 in the file's time zone as the tests: section,
// so `check --cases` figures do not depend on the hour they are run.
func (r *Rules) ExampleTime() time.Time { return r.testTime() }

// RuleIDs are the ids of the file's rules, in file order.
func (r *Rules) RuleIDs() []string {
	out := make([]string, len(r.rules))
	for i, ru := range r.rules {
		out[i] = ru.id
	}
	return out
}

// Answers reports whether actions of this type give the customer an
// answer (or deliberately none, for spam): a reply, a handoff to a person,
// or ignoring. An acknowledgement or a tag is not an answer.
func Answers(t chat.ActionType) bool {
	return t == chat.ActionReply || t == chat.ActionHandoff || t == chat.ActionIgnore
}

// Suggest returns ", did you mean X?" when one of known is close to got,
// else "".
func Suggest(got string, known []string) string { return suggest(got, known) }
