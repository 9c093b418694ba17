package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/redact"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// Customer satisfaction (issue 20), defined:
//
//   - CSAT: the average of the 1–5 ratings customers gave in the period
//     (after a handled conversation), undefined with none; responses is
//     their count. Per team and per agent: the ratings of the handoffs of
//     that team, and of that agent (the owner when it closed, by account).
//   - Solved: the answers to "Was your question solved?"; a conversation
//     reopened and closed again counts its last answer.
//   - FAQ helpfulness: per rule with ask_helpful, the 👍 and 👎 under its
//     answers (one per rule and conversation); the share is 👍 / both.
//   - Comments: the latest comments on ratings, masked like every
//     customer text in reports (redact.Personal).
//   - Solved by the bot alone: the period's conversations that the bot
//     answered (an FAQ reply) and that were never handed off, as a share
//     of all its conversations.

// FeedbackSource is what the feedback figures are read from; *store.Store is one.
type FeedbackSource interface {
	ReportFeedback(ctx context.Context, since, until time.Time, comments int) (store.FeedbackReport, error)
}

var _ FeedbackSource = (*store.Store)(nil)

// CSATComments is how many of the latest comments a report shows.
const CSATComments = 20

// CSAT is the period's customer feedback.
type CSAT struct {
	Overall Ratings
	ByTeam  []Ratings // Name is the team
	ByAgent []Ratings // ID is the account, Name its last name
	// Solved answers: yes and no.
	SolvedYes, SolvedNo int
	Helpful             []Helpful
	// Comments are the latest comments on ratings, their text masked.
	Comments []store.FeedbackComment
	// BotOnly conversations were answered by the bot and never handed off.
	BotOnly int
}

// Ratings are a set of 1–5 ratings: how many of each (Counts[0] ones).
type Ratings struct {
	ID, Name string
	Counts   [chat.RatingMax]int
}

// Responses is how many ratings there are.
func (r Ratings) Responses() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n
}

// Average is the mean rating; ok is false when there are none.
func (r Ratings) Average() (avg float64, ok bool) {
	n, sum := 0, 0
	for i, c := range r.Counts {
		n += c
		sum += c * (i + 1)
	}
	if n == 0 {
		return 0, false
	}
	return float64(sum) / float64(n), true
}

func (r *Ratings) add(value, n int) {
	if value >= chat.RatingMin && value <= chat.RatingMax {
		r.Counts[value-1] += n
	}
}

// Helpful is the 👍/👎 under one rule's answers.
type Helpful struct {
	Rule     string
	Up, Down int
}

// addCSAT reads the period's feedback.
func (r *Report) addCSAT(ctx context.Context, src FeedbackSource) error {
	fb, err := src.ReportFeedback(ctx, r.Since, r.Until, CSATComments)
	if err != nil {
		return err
	}
	c := CSAT{BotOnly: fb.BotOnly}
	teams, agents, helpful := map[string]*Ratings{}, map[string]*Ratings{}, map[string]*Helpful{}
	for _, f := range fb.Counts {
		switch chat.FeedbackKind(f.Kind) {
		case chat.FeedbackRating:
			c.Overall.add(f.Value, f.N)
			if teams[f.Team] == nil {
				teams[f.Team] = &Ratings{Name: f.Team}
			}
			teams[f.Team].add(f.Value, f.N)
			if f.AgentID != "" {
				if agents[f.AgentID] == nil {
					agents[f.AgentID] = &Ratings{ID: f.AgentID}
				}
				a := agents[f.AgentID]
				a.Name = max(a.Name, f.Agent)
				a.add(f.Value, f.N)
			}
		case chat.FeedbackSolved:
			if f.Value == 1 {
				c.SolvedYes += f.N
			} else {
				c.SolvedNo += f.N
			}
		case chat.FeedbackHelpful:
			h := helpful[f.Rule]
			if h == nil {
				h = &Helpful{Rule: f.Rule}
				helpful[f.Rule] = h
			}
			if f.Value == 1 {
				h.Up += f.N
			} else {
				h.Down += f.N
			}
		}
	}
	byResponses := func(a, b Ratings) int {
		return cmp.Or(cmp.Compare(b.Responses(), a.Responses()), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	}
	for _, t := range teams {
		c.ByTeam = append(c.ByTeam, *t)
	}
	slices.SortFunc(c.ByTeam, byResponses)
	for _, a := range agents {
		c.ByAgent = append(c.ByAgent, *a)
	}
	slices.SortFunc(c.ByAgent, byResponses)
	for _, h := range helpful {
		c.Helpful = append(c.Helpful, *h)
	}
	slices.SortFunc(c.Helpful, func(a, b Helpful) int {
		return cmp.Or(cmp.Compare(b.Up+b.Down, a.Up+a.Down), cmp.Compare(a.Rule, b.Rule))
	})
	for _, cm := range fb.Comments {
		cm.Text = redact.Personal(cm.Text)
		c.Comments = append(c.Comments, cm)
	}
	r.CSAT = c
	return nil
}

// The JSON form of the feedback: top-level keys of the report.
type (
	jsonCSATGroup struct {
		Team      string              `json:"team,omitempty"`
		AgentID   string              `json:"agent_id,omitempty"`
		Agent     string              `json:"agent,omitempty"`
		CSAT      *float64            `json:"csat"` // null when none rated
		Responses int                 `json:"responses"`
		Counts    [chat.RatingMax]int `json:"counts"` // ratings 1 to 5
	}
	jsonSolved struct {
		Yes   int      `json:"yes"`
		No    int      `json:"no"`
		Share *float64 `json:"share"` // yes / answers; null when none
	}
	jsonHelpful struct {
		Rule  string   `json:"rule"`
		Up    int      `json:"up"`
		Down  int      `json:"down"`
		Share *float64 `json:"helpful_share"` // up / votes
	}
	jsonComment struct {
		At      time.Time `json:"at"`
		Rating  int       `json:"rating"`
		Team    string    `json:"team"`
		AgentID string    `json:"agent_id"`
		Agent   string    `json:"agent"`
		Text    string    `json:"text"` // masked
	}
)

func ratio(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(n) / float64(of)
	return &v
}

func average(r Ratings) *float64 {
	if v, ok := r.Average(); ok {
		return &v
	}
	return nil
}

func addCSATJSON(j *jsonReport, r Report) {
	c := r.CSAT
	j.CSAT, j.CSATResponses, j.CSATCounts = average(c.Overall), c.Overall.Responses(), c.Overall.Counts
	j.CSATByTeam, j.CSATByAgent, j.FAQHelpful, j.CSATComments = []jsonCSATGroup{}, []jsonCSATGroup{}, []jsonHelpful{}, []jsonComment{}
	for _, t := range c.ByTeam {
		j.CSATByTeam = append(j.CSATByTeam, jsonCSATGroup{Team: t.Name, CSAT: average(t), Responses: t.Responses(), Counts: t.Counts})
	}
	for _, a := range c.ByAgent {
		j.CSATByAgent = append(j.CSATByAgent, jsonCSATGroup{AgentID: a.ID, Agent: a.Name, CSAT: average(a), Responses: a.Responses(), Counts: a.Counts})
	}
	j.Solved = jsonSolved{Yes: c.SolvedYes, No: c.SolvedNo, Share: ratio(c.SolvedYes, c.SolvedYes+c.SolvedNo)}
	for _, h := range c.Helpful {
		j.FAQHelpful = append(j.FAQHelpful, jsonHelpful{Rule: h.Rule, Up: h.Up, Down: h.Down, Share: ratio(h.Up, h.Up+h.Down)})
	}
	for _, cm := range c.Comments {
		j.CSATComments = append(j.CSATComments, jsonComment{At: cm.At, Rating: cm.Rating, Team: cm.Team, AgentID: cm.AgentID, Agent: cm.Agent, Text: cm.Text})
	}
	j.SolvedByBotAlone, j.SolvedByBotAloneShare = c.BotOnly, Share(c.BotOnly, r.Conversations)
}

// csatCSV writes the feedback's rows: section csat (key "all", a team's
// name as team:NAME, an agent's account as agent:ID) with csat, responses
// and rating_1 … rating_5; solved (yes, no, share); faq_helpful per rule
// (up, down, helpful_share); csat_comments per rank (at, rating, team,
// agent, text); summary solved_by_bot_alone and its share.
func csatCSV(row func(section, key, metric, value string), j jsonReport, num func(float64) string, opt func(*float64) string) {
	group := func(key string, g jsonCSATGroup) {
		row("csat", key, "csat", opt(g.CSAT))
		row("csat", key, "responses", strconv.Itoa(g.Responses))
		for i, n := range g.Counts {
			row("csat", key, "rating_"+strconv.Itoa(i+1), strconv.Itoa(n))
		}
	}
	group("all", jsonCSATGroup{CSAT: j.CSAT, Responses: j.CSATResponses, Counts: j.CSATCounts})
	for _, t := range j.CSATByTeam {
		group("team:"+t.Team, t)
	}
	for _, a := range j.CSATByAgent {
		group("agent:"+a.AgentID, a)
	}
	row("solved", "", "yes", strconv.Itoa(j.Solved.Yes))
	row("solved", "", "no", strconv.Itoa(j.Solved.No))
	row("solved", "", "share", opt(j.Solved.Share))
	for _, h := range j.FAQHelpful {
		row("faq_helpful", h.Rule, "up", strconv.Itoa(h.Up))
		row("faq_helpful", h.Rule, "down", strconv.Itoa(h.Down))
		row("faq_helpful", h.Rule, "helpful_share", opt(h.Share))
	}
	for i, c := range j.CSATComments {
		key := strconv.Itoa(i + 1)
		row("csat_comments", key, "at", c.At.Format(time.RFC3339))
		row("csat_comments", key, "rating", strconv.Itoa(c.Rating))
		row("csat_comments", key, "team", spreadsheetSafe(c.Team))
		row("csat_comments", key, "agent", spreadsheetSafe(c.Agent))
		row("csat_comments", key, "text", spreadsheetSafe(c.Text))
	}
	row("summary", "", "solved_by_bot_alone", strconv.Itoa(j.SolvedByBotAlone))
	row("summary", "", "solved_by_bot_alone_share", num(j.SolvedByBotAloneShare))
}

// writeCSATText writes the feedback's section of the text form.
func writeCSATText(b *strings.Builder, r Report) {
	c := r.CSAT
	b.WriteString("\nCustomer satisfaction (ratings 1–5)\n")
	avg := func(g Ratings) string {
		if v, ok := g.Average(); ok {
			return strconv.FormatFloat(v, 'f', 2, 64)
		}
		return "–"
	}
	t := table{indent: "  ", right: []bool{false, true, true, false}}
	t.add("all", avg(c.Overall), plural(c.Overall.Responses(), "rating"), distribution(c.Overall))
	for _, g := range c.ByTeam {
		t.add("team "+cmp.Or(g.Name, "(none)"), avg(g), plural(g.Responses(), "rating"), distribution(g))
	}
	for _, g := range c.ByAgent {
		t.add("agent "+g.Name+" ("+g.ID+")", avg(g), plural(g.Responses(), "rating"), distribution(g))
	}
	t.write(b)
	answers := c.SolvedYes + c.SolvedNo
	fmt.Fprintf(b, "  solved, as customers said: %d yes, %d no (%s)\n", c.SolvedYes, c.SolvedNo, percent(Share(c.SolvedYes, answers), answers > 0))
	fmt.Fprintf(b, "  conversations solved by the bot alone: %d of %d (%s)\n", c.BotOnly, r.Conversations,
		percent(Share(c.BotOnly, r.Conversations), r.Conversations > 0))
	b.WriteString("\nFAQ helpfulness (👍 / 👎 under answers of rules with ask_helpful)\n")
	if len(c.Helpful) == 0 {
		b.WriteString("  none\n")
	} else {
		h := table{indent: "  ", right: []bool{false, true, true, true}}
		for _, x := range c.Helpful {
			h.add(x.Rule, strconv.Itoa(x.Up)+" 👍", strconv.Itoa(x.Down)+" 👎", percent(Share(x.Up, x.Up+x.Down), x.Up+x.Down > 0))
		}
		h.write(b)
	}
	b.WriteString("\nComments on ratings (latest first, masked)\n")
	if len(c.Comments) == 0 {
		b.WriteString("  none\n")
	}
	for _, cm := range c.Comments {
		fmt.Fprintf(b, "  %s  %d/5  %s  %s\n", cm.At.In(r.Until.Location()).Format("2006-01-02 15:04"), cm.Rating,
			cmp.Or(cm.Agent, cm.Team), strconv.Quote(truncate(cm.Text, maxTextWidth)))
	}
}

// distribution is "1:0 2:1 3:0 4:5 5:9".
func distribution(g Ratings) string {
	parts := make([]string, len(g.Counts))
	for i, n := range g.Counts {
		parts[i] = strconv.Itoa(i+1) + ":" + strconv.Itoa(n)
	}
	return strings.Join(parts, " ")
}
