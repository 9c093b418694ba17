package handoff

import (
	"fmt"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Notify is what the customer is told of an agent's move (issue 20), in
// order: that a person joined when the move makes an owner, and when it
// closes the conversation the closing message and "Was your question
// solved?", followed by the rating question where csat.ask is after_close
// and the conversation was not rated and is not spam. Giving the
// conversation back to the bot, notes and refusals tell the customer
// nothing. Whether the customer can be written to at all (they blocked the
// bot, the window) is the guard's.
//
//	move                                    customer is told
//	claim (button, /claim, first answer)    claimed
//	resolve / close                         closed, solved_question [, csat_question]
//	anything else                           nothing
func Notify(move Move, ask chat.CSATAsk, rated, spam bool) []chat.CustomerNotice {
	switch {
	case move.Claim:
		return []chat.CustomerNotice{chat.NoticeClaimed}
	case move.Next == chat.HandoffResolved && (move.Apply == chat.AgentResolve || move.Apply == chat.AgentClose):
		out := []chat.CustomerNotice{chat.NoticeClosed, chat.NoticeSolvedQuestion}
		if ask == chat.CSATAfterClose && !rated && !spam {
			out = append(out, chat.NoticeCSATQuestion)
		}
		return out
	}
	return nil
}

// Answer is a customer's press of a feedback button.
type Answer string

const (
	AnswerSolved   Answer = "yes"  // "Was your question solved?" yes
	AnswerUnsolved Answer = "no"   // … no
	AnswerRating   Answer = "rate" // a 1–5 rating
)

// FeedbackMove is what a customer's answer does: whether it is stored,
// whether the handoff is reopened (at Priority), what the customer is told
// (a message, or only a toast on the button when Reply is empty) and what
// the team is told.
type FeedbackMove struct {
	Record   bool
	Reopen   bool
	Priority chat.Priority
	Reply    chat.CustomerNotice // a message to the customer; "" none
	Toast    chat.CustomerNotice // shown on the pressed button; "" none
	// Stale: the press names a handoff that is not the conversation's
	// latest (an old message's buttons): "this button is no longer valid".
	Stale bool
	Say   string // told to the team; "" nothing
}

// Feedback decides a customer's answer to the feedback buttons of handoff
// id, on the conversation's feedback state st. ask is the rules file's
// csat.ask; comments says a rating's comment is asked for.
//
//	answer   state                              → stored  handoff                 customer
//	any      not the latest handoff             no        —                       toast "no longer valid"
//	yes/no   answered already                   no        —                       toast thanks
//	yes      ask after_solved, not rated/spam   yes       —                       csat_question
//	yes      otherwise                          yes       —                       csat_thanks
//	no       closed                             yes       reopened, priority +1   reopened; the team told
//	no       open again already                 yes       stays                   reopened
//	rate     rated already                      no        —                       toast thanks
//	rate     not rated, comments asked          yes       —                       csat_comment
//	rate     not rated, no comments             yes       —                       csat_thanks
func Feedback(id int64, answer Answer, st chat.FeedbackState, ask chat.CSATAsk, comments bool, customer string) FeedbackMove {
	h := st.Handoff
	if h.ID == 0 || h.ID != id {
		return FeedbackMove{Stale: true}
	}
	switch answer {
	case AnswerSolved, AnswerUnsolved:
		if st.Solved {
			return FeedbackMove{Toast: chat.NoticeCSATThanks}
		}
		if answer == AnswerSolved {
			if ask == chat.CSATAfterSolved && !st.Rated && !st.Spam {
				return FeedbackMove{Record: true, Reply: chat.NoticeCSATQuestion}
			}
			return FeedbackMove{Record: true, Reply: chat.NoticeCSATThanks}
		}
		if h.State.Open() {
			return FeedbackMove{Record: true, Reply: chat.NoticeReopened}
		}
		prio := chat.Priority(h.Priority).Raise()
		return FeedbackMove{Record: true, Reopen: true, Priority: prio, Reply: chat.NoticeReopened,
			Say: fmt.Sprintf("%s says the question was not solved: the conversation is open again, priority %s (%s). Claim it to answer.",
				customer, prio.Label(), prio)}
	case AnswerRating:
		if st.Rated {
			return FeedbackMove{Toast: chat.NoticeCSATThanks}
		}
		if comments {
			return FeedbackMove{Record: true, Reply: chat.NoticeCSATComment}
		}
		return FeedbackMove{Record: true, Reply: chat.NoticeCSATThanks}
	}
	return FeedbackMove{Stale: true}
}
