package pipeline

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ErrNotSpam means a message an operator asked to release was not
// ignored as spam: it got the answer the rules gave it then.
var ErrNotSpam = errors.New("not ignored as spam")

// IsSpam says whether a decided customer message belongs in the spam
// review: a rule ignored it, or it was typed spam (the rules then give it
// no FAQ answer).
func IsSpam(outcome chat.Outcome, t chat.MessageType) bool {
	return outcome == chat.OutcomeIgnored || t == chat.TypeSpam
}

// ReleaseEvent is the event that answers a message an operator released as
// not spam: the message as it came (inbox event id), marked, so it is
// decided again with the spam rules set aside, its answer led by an apology,
// through the guard and the outbox like any other. Its external id is
// derived from the original's, so it is queued once. The platform's
// interaction (a Discord command's callback) expired long ago: the answer
// goes to the chat.
func ReleaseEvent(id int64, orig chat.Event, outcome chat.Outcome, t chat.MessageType) (chat.Event, error) {
	if !IsSpam(outcome, t) {
		return chat.Event{}, fmt.Errorf("message %d (%s, type %s): %w", id, outcome, t, ErrNotSpam)
	}
	ev := orig
	ev.ExternalID = "release:" + strconv.FormatInt(id, 10)
	ev.ReleaseOf = id
	ev.CallbackID = ""
	ev.Raw = nil
	return ev, nil
}
