package pipeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// Notices are the customer's notices of the live rules (rules.Rules): what
// they read when an agent joins or closes their conversation, and the
// feedback questions (issue 20). A Decider without them gets the built-in
// texts.
type Notices interface {
	Notice(kind chat.CustomerNotice, lang string, vars map[string]string) string
	YesNo(lang string, vars map[string]string) (yes, no string)
	CSAT() rules.CSAT
}

// builtinNotices are the texts of a decider without a rules file.
type builtinNotices struct{}

func (builtinNotices) Notice(kind chat.CustomerNotice, lang string, vars map[string]string) string {
	return rules.DefaultNotice(kind, lang, vars)
}

func (builtinNotices) YesNo(lang string, vars map[string]string) (string, string) {
	return rules.DefaultNotice("yes", lang, vars), rules.DefaultNotice("no", lang, vars)
}

func (builtinNotices) CSAT() rules.CSAT { return rules.DefaultCSAT }

func (p *Pipeline) notices() Notices {
	if n, ok := p.decider.(Notices); ok {
		return n
	}
	return builtinNotices{}
}

// csatPrefix starts the data of the feedback buttons: "csat:yes:12",
// "csat:no:12" under "Was your question solved?" of handoff 12, and
// "csat:rate:12:4" for a rating.
const csatPrefix = "csat:"

// colleague is the agent's name for customers when the config gives the
// agent none: never their platform handle.
var colleague = map[string]string{"en": "A colleague", "ru": "Коллега", "zh": "同事"}

// displayName is how the customer reads an agent's name: the config's
// handoff.agents, else a generic "a colleague" in their language.
func (p *Pipeline) displayName(agent chat.Agent, lang string) string {
	if n := p.cfg.AgentNames[agent.ID]; n != "" {
		return n
	}
	if n, ok := colleague[lang]; ok {
		return n
	}
	return colleague["en"]
}

// noticeLang is the language notices are written in: the conversation's,
// else the customer's platform language (its primary subtag).
func noticeLang(conversation, platform string) string {
	if conversation != "" {
		return conversation
	}
	lang, _, _ := strings.Cut(strings.ToLower(platform), "-")
	return lang
}

// reachable says whether notices may go to the customer of an agent's
// handoff at all. Agent blocking (issue 19) is to be added here, in one
// place: a customer an agent blocked gets no notices either.
func reachable(st chat.AgentState) bool { return !st.BlockedBot && !st.CustomerBlocked }

// customerNotices plans what the customer is told of an agent's move (the
// lifecycle's Notify): a person joined; closed, was it solved? (yes / no)
// and, with csat.ask after_close, the rating. They are guarded as notices
// (guard.Notify): not counted against the per-message cap.
func (p *Pipeline) customerNotices(st chat.AgentState, move handoff.Move, agent chat.Agent, now time.Time) []chat.Send {
	n := p.notices()
	kinds := handoff.Notify(move, n.CSAT().Ask, st.Rated, st.Spam)
	if len(kinds) == 0 {
		return nil
	}
	lang := noticeLang(st.Language, "")
	vars := map[string]string{"name": st.CustomerName, "username": st.CustomerUsername, "agent": p.displayName(agent, lang)}
	var actions []chat.Action
	for _, k := range kinds {
		a := chat.Action{Type: chat.ActionCustomerNotice, Text: n.Notice(k, lang, vars)}
		switch k {
		case chat.NoticeSolvedQuestion:
			yes, no := n.YesNo(lang, vars)
			a.Buttons = solvedButtons(st.Handoff.ID, yes, no)
		case chat.NoticeCSATQuestion:
			a.Buttons, a.Once = ratingButtons(st.Handoff.ID), csatOnce(st.ConversationID)
		}
		actions = append(actions, a)
	}
	sends, _ := p.guard.Notify(guard.Recipient{Platform: st.Platform, Scope: st.CustomerScope, LastCustomerAt: st.LastCustomerAt,
		Unreachable: !reachable(st), Reserved: st.Reserved}, actions, now)
	for i := range sends {
		sends[i].To = chat.Address{ChatID: st.ChatID, ThreadID: st.ThreadID}
	}
	return sends
}

// solvedButtons are yes, then no, under "Was your question solved?".
func solvedButtons(handoffID int64, yes, no string) [][]chat.Button {
	id := strconv.FormatInt(handoffID, 10)
	return [][]chat.Button{{{Text: yes, Data: csatPrefix + string(handoff.AnswerSolved) + ":" + id},
		{Text: no, Data: csatPrefix + string(handoff.AnswerUnsolved) + ":" + id}}}
}

// ratingButtons are 1 to 5, in order, in one row.
func ratingButtons(handoffID int64) [][]chat.Button {
	row := make([]chat.Button, 0, chat.RatingMax)
	for r := chat.RatingMin; r <= chat.RatingMax; r++ {
		row = append(row, chat.Button{Text: strconv.Itoa(r) + " ⭐", Data: fmt.Sprintf("%s%s:%d:%d", csatPrefix, handoff.AnswerRating, handoffID, r)})
	}
	return [][]chat.Button{row}
}

// csatOnce keys the conversation's one rating question.
func csatOnce(conversationID int64) string { return "csat/" + strconv.FormatInt(conversationID, 10) }

// parseFeedback reads a feedback button's data: csat:yes:12, csat:no:12,
// csat:rate:12:4, helpful:up:RULE, helpful:down:RULE.
func parseFeedback(data string) (answer handoff.Answer, handoffID int64, rating int, rule string, ok bool) {
	if rest, isHelpful := strings.CutPrefix(data, rules.HelpfulPrefix); isHelpful {
		vote, rule, _ := strings.Cut(rest, ":")
		if (vote != "up" && vote != "down") || rule == "" {
			return "", 0, 0, "", false
		}
		v := 0
		if vote == "up" {
			v = 1
		}
		return "", 0, v, rule, true
	}
	rest, isCSAT := strings.CutPrefix(data, csatPrefix)
	if !isCSAT {
		return "", 0, 0, "", false
	}
	parts := strings.Split(rest, ":")
	if len(parts) < 2 {
		return "", 0, 0, "", false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", 0, 0, "", false
	}
	switch a := handoff.Answer(parts[0]); {
	case (a == handoff.AnswerSolved || a == handoff.AnswerUnsolved) && len(parts) == 2:
		return a, id, 0, "", true
	case a == handoff.AnswerRating && len(parts) == 3:
		r, err := strconv.Atoi(parts[2])
		if err != nil || r < chat.RatingMin || r > chat.RatingMax {
			return "", 0, 0, "", false
		}
		return a, id, r, "", true
	}
	return "", 0, 0, "", false
}

// isFeedbackPress says whether a button press is one of the feedback buttons.
func isFeedbackPress(ev chat.Event) bool {
	return ev.Kind == chat.KindCallback && (strings.HasPrefix(ev.Text, csatPrefix) || strings.HasPrefix(ev.Text, rules.HelpfulPrefix))
}

// feedback decides a customer's feedback: a press of a feedback button
// (checked against the buttons the bot offered: anyone can post a press
// with any data), or the message that comments on their rating. ok is
// false for any other event, which the rules decide.
func (p *Pipeline) feedback(ev chat.Event, st chat.State, now time.Time) (plan chat.Plan, ok bool) {
	fs := st.Feedback
	lang := noticeLang(fs.Language, ev.Customer.Language)
	n := p.notices()
	vars := map[string]string{"name": ev.Customer.Name, "username": ev.Customer.Username}
	switch {
	case isFeedbackPress(ev):
	case fs.CommentFor != 0 && ev.Kind == chat.KindText && st.Conversation.Handoff == nil:
		// The next message after a rating is its comment, not a question
		// for the rules.
		plan = chat.Plan{Language: lang, Outcome: chat.OutcomeRecorded,
			Feedback: &chat.Feedback{Kind: chat.FeedbackComment, CommentOf: fs.CommentFor, Comment: ev.Text}}
		plan.Sends, plan.Suppressed = p.guard.Notify(pressedBy(ev, st, now), []chat.Action{{Type: chat.ActionCustomerNotice,
			Text: n.Notice(chat.NoticeCSATThanks, lang, vars)}}, now)
		plan.Place(ev)
		return plan, true
	default:
		return chat.Plan{}, false
	}
	answer, id, value, rule, valid := parseFeedback(ev.Text)
	if !valid || !rules.Offered(st, ev) {
		return refusedPress(ev, rules.Decision{Language: lang, Refused: rules.ReasonNotOffered}), true
	}
	plan = chat.Plan{Language: lang, Outcome: chat.OutcomeRecorded}
	thanks := n.Notice(chat.NoticeCSATThanks, lang, vars)
	if rule != "" {
		// 👍/👎 under a rule's answer: stored once per rule and
		// conversation; the press alone is thanked.
		plan.Feedback = &chat.Feedback{Kind: chat.FeedbackHelpful, Rule: rule, Value: value}
		plan.CallbackAnswers = []chat.CallbackAnswer{{ID: ev.CallbackID, Text: thanks}}
		plan.Place(ev)
		return plan, true
	}
	csat := n.CSAT()
	move := handoff.Feedback(id, answer, fs, csat.Ask, csat.CommentFor > 0, agentFacingName(ev.Customer))
	if move.Stale {
		return refusedPress(ev, rules.Decision{Language: lang, Refused: rules.ReasonNotOffered}), true
	}
	if move.Record {
		f := &chat.Feedback{HandoffID: id, Kind: chat.FeedbackSolved, Value: value}
		switch answer {
		case handoff.AnswerSolved:
			f.Value = 1
		case handoff.AnswerRating:
			f.Kind = chat.FeedbackRating
			if csat.CommentFor > 0 {
				f.CommentUntil = now.Add(csat.CommentFor)
			}
		}
		plan.Feedback = f
	}
	if move.Toast != "" {
		plan.CallbackAnswers = []chat.CallbackAnswer{{ID: ev.CallbackID, Text: n.Notice(move.Toast, lang, vars)}}
	}
	if move.Reply != "" {
		a := chat.Action{Type: chat.ActionCustomerNotice, Text: n.Notice(move.Reply, lang, vars)}
		if move.Reply == chat.NoticeCSATQuestion {
			a.Buttons, a.Once = ratingButtons(id), csatOnce(st.Conversation.ID)
		}
		plan.Sends, plan.Suppressed = p.guard.Notify(pressedBy(ev, st, now), []chat.Action{a}, now)
	}
	if move.Reopen {
		p.planReopen(&plan, ev, fs.Handoff, move, now)
	}
	plan.Place(ev)
	return plan, true
}

// pressedBy is the customer who answered a feedback question, as the
// guard sees them: the answers to it are notices of the handoff's close
// (a reply to each press, at most once per conversation and question),
// not counted against the per-message or per-hour cap, which a busy
// handoff's own messages may have used up; the duplicate-content rule and
// the window hold.
func pressedBy(ev chat.Event, st chat.State, now time.Time) guard.Recipient {
	at := ev.Time
	if at.IsZero() || at.After(now) {
		at = now
	}
	return guard.Recipient{Platform: ev.Platform, Scope: ev.CustomerScope(), LastCustomerAt: at, Unreachable: st.Customer.Blocked,
		Reserved: st.Customer.Reserved}
}

// planReopen gives the handoff back to its team at the raised priority,
// with a new first-response time, and tells the team.
func (p *Pipeline) planReopen(plan *chat.Plan, ev chat.Event, h chat.OpenHandoff, move handoff.FeedbackMove, now time.Time) {
	team := p.teamFor(h.Team)
	var hours handoff.Hours
	if team != nil {
		hours = team.Hours
	}
	plan.Reopen = &chat.Reopen{HandoffID: h.ID, Priority: move.Priority, DueAt: handoff.Due(p.cfg.Matrix, hours, move.Priority, now)}
	if team == nil {
		return
	}
	notice := team.topicNotice(ev, move.Say)
	notice.Buttons = [][]chat.Button{{{Text: "Claim", Data: "claim:{handoff}"}}}
	plan.Notices = append(plan.Notices, team.withWebhook(notice,
		TeamEvent{Event: EventHandoffReopened, At: now, Customer: agentFacingName(ev.Customer), Platform: string(ev.Platform),
			Priority: string(move.Priority), DueAt: plan.Reopen.DueAt})...)
}
