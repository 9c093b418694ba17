package chat

import "time"

// FeedbackKind says what a customer's feedback answers (issue 20).
type FeedbackKind string

const (
	FeedbackSolved  FeedbackKind = "solved"  // "Was your question solved?": Value 1 yes, 0 no
	FeedbackRating  FeedbackKind = "rating"  // satisfaction (CSAT): Value 1..5
	FeedbackHelpful FeedbackKind = "helpful" // 👍 (Value 1) or 👎 (0) on a rule's answer
	FeedbackComment FeedbackKind = "comment" // the customer's comment on their rating
)

// CSATAsk says when customers are asked to rate a handled conversation.
type CSATAsk string

const (
	CSATAfterSolved CSATAsk = "after_solved" // after they say their question was solved (the default)
	CSATAfterClose  CSATAsk = "after_close"  // as soon as an agent closes the conversation
	CSATNever       CSATAsk = "never"
)

// CSATAsks lists the values of csat.ask, the default first.
var CSATAsks = []CSATAsk{CSATAfterSolved, CSATAfterClose, CSATNever}

// Ratings are the satisfaction scores, worst first, as their buttons show.
const (
	RatingMin = 1
	RatingMax = 5
)

// Feedback is a customer's answer, to be stored with the decision.
type Feedback struct {
	Kind FeedbackKind
	// HandoffID is the handoff it is about (0 for helpful); the store
	// files it under that handoff's team and owner.
	HandoffID int64
	Rule      string // helpful: the rule whose answer it rates
	Value     int
	// CommentUntil, on a rating, makes the customer's next message until
	// then its comment.
	CommentUntil time.Time
	// Comment is the text of a FeedbackComment, for the rating CommentOf.
	Comment   string
	CommentOf int64
}

// FeedbackState is what deciding a customer's feedback reads: for a button
// press, the conversation's latest handoff and what was answered already;
// for any message, whether it is awaited as a rating's comment.
type FeedbackState struct {
	// Handoff is the conversation's latest handoff with its real state
	// (closed ones included); ID 0 when there is none or it was not loaded.
	Handoff OpenHandoff
	// Solved says the customer answered "was your question solved?" for
	// Handoff; Rated that the conversation has a rating already (asked at
	// most once per conversation).
	Solved bool
	Rated  bool
	// CommentFor is the rating whose comment the next message is (its id),
	// 0 when none is awaited.
	CommentFor int64
	// Language is the conversation's language as last decided, for the
	// texts that answer a press.
	Language string
	// Spam says the customer's messages in this conversation were ignored
	// or typed as spam: they are never asked for a rating.
	Spam bool
}

// Reopen gives a closed handoff back to its team, at a new priority, when
// the customer says their question was not solved.
type Reopen struct {
	HandoffID int64
	Priority  Priority
	DueAt     time.Time
}

// CustomerNotice names a text the customer reads when an agent acts, or
// when they answer a feedback button: the rules file's notices: section
// has them per language, with defaults.
type CustomerNotice string

const (
	NoticeClaimed        CustomerNotice = "claimed"         // "{{agent}} from support has joined"
	NoticeClosed         CustomerNotice = "closed"          // the conversation is closed
	NoticeSolvedQuestion CustomerNotice = "solved_question" // "Was your question solved?" (yes / no buttons)
	NoticeReopened       CustomerNotice = "reopened"        // after "no": a person looks again
	NoticeCSATQuestion   CustomerNotice = "csat_question"   // the 1–5 rating (five buttons)
	NoticeCSATComment    CustomerNotice = "csat_comment"    // after a rating: anything to add?
	NoticeCSATThanks     CustomerNotice = "csat_thanks"     // thanks for the feedback
)

// CustomerNotices lists them in the order the rules file documents them.
var CustomerNotices = []CustomerNotice{NoticeClaimed, NoticeClosed, NoticeSolvedQuestion, NoticeReopened,
	NoticeCSATQuestion, NoticeCSATComment, NoticeCSATThanks}
