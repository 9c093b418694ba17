package handoff

import (
	"slices"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestNotify(t *testing.T) {
	ann := chat.Agent{ID: "telegram:1", Name: "Ann"}
	waiting := chat.OpenHandoff{ID: 1, State: chat.HandoffWaiting}
	byAnn := chat.OpenHandoff{ID: 1, State: chat.HandoffClaimed, ClaimedBy: ann}
	closed := []chat.CustomerNotice{chat.NoticeClosed, chat.NoticeSolvedQuestion}
	tests := []struct {
		name        string
		move        Move
		ask         chat.CSATAsk
		rated, spam bool
		want        []chat.CustomerNotice
	}{
		{"a claim tells the customer a person joined", transition(waiting, chat.AgentClaim, ann, true, true), chat.CSATAfterSolved, false, false,
			[]chat.CustomerNotice{chat.NoticeClaimed}},
		{"the first answer claims, and tells it too", transition(waiting, chat.AgentRelay, ann, true, false), chat.CSATAfterSolved, false, false,
			[]chat.CustomerNotice{chat.NoticeClaimed}},
		{"the owner's later answers tell nothing more", transition(byAnn, chat.AgentRelay, ann, true, false), chat.CSATAfterSolved, false, false, nil},
		{"the owner claiming again tells nothing", transition(byAnn, chat.AgentClaim, ann, true, true), chat.CSATAfterSolved, false, false, nil},
		{"a refused claim tells nothing", transition(byAnn, chat.AgentClaim, chat.Agent{ID: "telegram:2", Name: "Bob"}, true, true), chat.CSATAfterSolved, false, false, nil},
		{"resolve: closed and was it solved", transition(byAnn, chat.AgentResolve, ann, true, false), chat.CSATAfterSolved, false, false, closed},
		{"close (issue 19) is the same resolve move", Move{Apply: chat.AgentClose, Next: chat.HandoffResolved}, chat.CSATAfterSolved, false, false, closed},
		{"after_close asks the rating at once", transition(byAnn, chat.AgentResolve, ann, true, false), chat.CSATAfterClose, false, false,
			append(slices.Clone(closed), chat.NoticeCSATQuestion)},
		{"after_close: a rated conversation is not asked again", transition(byAnn, chat.AgentResolve, ann, true, false), chat.CSATAfterClose, true, false, closed},
		{"after_close: never a spam conversation", transition(byAnn, chat.AgentResolve, ann, true, false), chat.CSATAfterClose, false, true, closed},
		{"never: no rating", transition(byAnn, chat.AgentResolve, ann, true, false), chat.CSATNever, false, false, closed},
		{"back to the bot tells nothing", transition(byAnn, chat.AgentBot, ann, true, false), chat.CSATAfterSolved, false, false, nil},
		{"the idle timer tells nothing", TimeOut(byAnn, "Li", "24h"), chat.CSATAfterSolved, false, false, nil},
		{"a note tells nothing", transition(byAnn, chat.AgentNote, ann, true, false), chat.CSATAfterSolved, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Notify(tt.move, tt.ask, tt.rated, tt.spam); !slices.Equal(got, tt.want) {
				t.Errorf("Notify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFeedback(t *testing.T) {
	resolved := chat.OpenHandoff{ID: 7, Team: "support", State: chat.HandoffResolved, Priority: "medium"}
	st := chat.FeedbackState{Handoff: resolved}
	with := func(f func(*chat.FeedbackState)) chat.FeedbackState { s := st; f(&s); return s }
	reopened := "Li says the question was not solved: the conversation is open again, priority P2 (high). Claim it to answer."
	tests := []struct {
		name     string
		id       int64
		answer   Answer
		st       chat.FeedbackState
		ask      chat.CSATAsk
		comments bool
		want     FeedbackMove
	}{
		{"yes asks the rating", 7, AnswerSolved, st, chat.CSATAfterSolved, true, FeedbackMove{Record: true, Reply: chat.NoticeCSATQuestion}},
		{"yes when the conversation was rated: thanks", 7, AnswerSolved, with(func(s *chat.FeedbackState) { s.Rated = true }), chat.CSATAfterSolved, true,
			FeedbackMove{Record: true, Reply: chat.NoticeCSATThanks}},
		{"yes from a spam conversation: no rating", 7, AnswerSolved, with(func(s *chat.FeedbackState) { s.Spam = true }), chat.CSATAfterSolved, true,
			FeedbackMove{Record: true, Reply: chat.NoticeCSATThanks}},
		{"yes with ask after_close: asked already at the close", 7, AnswerSolved, st, chat.CSATAfterClose, true, FeedbackMove{Record: true, Reply: chat.NoticeCSATThanks}},
		{"yes with ask never", 7, AnswerSolved, st, chat.CSATNever, true, FeedbackMove{Record: true, Reply: chat.NoticeCSATThanks}},
		{"no reopens with the priority raised and tells the team", 7, AnswerUnsolved, st, chat.CSATAfterSolved, true,
			FeedbackMove{Record: true, Reopen: true, Priority: chat.PriorityHigh, Reply: chat.NoticeReopened, Say: reopened}},
		{"no on a critical handoff stays critical", 7, AnswerUnsolved,
			with(func(s *chat.FeedbackState) { s.Handoff.Priority = "critical" }), chat.CSATAfterSolved, true,
			FeedbackMove{Record: true, Reopen: true, Priority: chat.PriorityCritical, Reply: chat.NoticeReopened,
				Say: "Li says the question was not solved: the conversation is open again, priority P1 (critical). Claim it to answer."}},
		{"no when people have it again already: not reopened twice", 7, AnswerUnsolved,
			with(func(s *chat.FeedbackState) { s.Handoff.State = chat.HandoffWaiting }), chat.CSATAfterSolved, true,
			FeedbackMove{Record: true, Reply: chat.NoticeReopened}},
		{"yes or no answered already: only thanked", 7, AnswerUnsolved, with(func(s *chat.FeedbackState) { s.Solved = true }), chat.CSATAfterSolved, true,
			FeedbackMove{Toast: chat.NoticeCSATThanks}},
		{"a rating asks for a comment", 7, AnswerRating, st, chat.CSATAfterSolved, true, FeedbackMove{Record: true, Reply: chat.NoticeCSATComment}},
		{"a rating without comments thanks", 7, AnswerRating, st, chat.CSATAfterSolved, false, FeedbackMove{Record: true, Reply: chat.NoticeCSATThanks}},
		{"a second rating is not stored", 7, AnswerRating, with(func(s *chat.FeedbackState) { s.Rated = true }), chat.CSATAfterSolved, true,
			FeedbackMove{Toast: chat.NoticeCSATThanks}},
		{"a button of an older handoff is stale", 6, AnswerSolved, st, chat.CSATAfterSolved, true, FeedbackMove{Stale: true}},
		{"no handoff at all is stale", 7, AnswerRating, chat.FeedbackState{}, chat.CSATAfterSolved, true, FeedbackMove{Stale: true}},
		{"an unknown answer is stale", 7, Answer("maybe"), st, chat.CSATAfterSolved, true, FeedbackMove{Stale: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Feedback(tt.id, tt.answer, tt.st, tt.ask, tt.comments, "Li"); got != tt.want {
				t.Errorf("Feedback = %+v\n         want %+v", got, tt.want)
			}
		})
	}
}

// transition is a command's move as the feedback tests read it: on an
// open handoff, with no argument.
func transition(h chat.OpenHandoff, cmd chat.AgentCommand, agent chat.Agent, windowOpen, byButton bool) Move {
	return Transition(Request{Handoff: h, Command: cmd, Agent: agent, WindowOpen: windowOpen, ByButton: byButton})
}
