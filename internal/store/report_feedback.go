package store

import (
	"context"
	"time"
)

// FeedbackCount counts the customers' answers of one kind
// (chat.FeedbackKind) and value (ratings 1–5; yes and 👍 are 1, no and 👎
// 0) for one team, agent (by account) and rule.
type FeedbackCount struct {
	Kind    string `db:"kind"`
	Team    string `db:"team"`
	AgentID string `db:"agent_id"`
	Agent   string `db:"agent"` // the name last stored for the account
	Rule    string `db:"rule"`
	Value   int    `db:"value"`
	N       int    `db:"n"`
}

// FeedbackComment is a rating's comment, as the customer wrote it: the
// caller masks it before anyone reads it.
type FeedbackComment struct {
	At      time.Time
	Rating  int
	Team    string
	AgentID string
	Agent   string
	Text    string
}

// FeedbackReport is a period's feedback: the answers summed per kind,
// team, agent and rule; the latest comments; and the conversations the
// bot answered without a person (none of them ever handed off).
type FeedbackReport struct {
	Counts   []FeedbackCount
	Comments []FeedbackComment
	// BotOnly counts the period's conversations with a customer message
	// answered by the bot and no handoff.
	BotOnly int
}

// ReportFeedback reads the feedback given in [since, until), with up to
// comments of the latest comments.
func (s *Store) ReportFeedback(ctx context.Context, since, until time.Time, comments int) (FeedbackReport, error) {
	var out FeedbackReport
	period := []any{ms(since), ms(until)}
	if err := s.readSel(ctx, &out.Counts, `SELECT kind, team, agent_id, MAX(agent) AS agent, rule, value, COUNT(*) AS n
		FROM feedback WHERE created_at >= ? AND created_at < ? GROUP BY kind, team, agent_id, rule, value`, period...); err != nil {
		return out, unavailable("report feedback", err)
	}
	var rows []struct {
		At      int64  `db:"created_at"`
		Rating  int    `db:"value"`
		Team    string `db:"team"`
		AgentID string `db:"agent_id"`
		Agent   string `db:"agent"`
		Text    string `db:"comment"`
	}
	if comments > 0 {
		if err := s.readSel(ctx, &rows, `SELECT created_at, value, team, agent_id, agent, comment FROM feedback
			WHERE created_at >= ? AND created_at < ? AND kind = 'rating' AND comment IS NOT NULL AND comment <> ''
			ORDER BY created_at DESC, id DESC LIMIT ?`, ms(since), ms(until), comments); err != nil {
			return out, unavailable("report feedback comments", err)
		}
	}
	for _, r := range rows {
		out.Comments = append(out.Comments, FeedbackComment{At: fromMS(r.At), Rating: r.Rating, Team: r.Team, AgentID: r.AgentID, Agent: r.Agent, Text: r.Text})
	}
	if err := s.readGet(ctx, &out.BotOnly, `SELECT COUNT(DISTINCT d.conversation_id) FROM decisions d
		WHERE `+customerMessages+` AND d.outcome = 'answered'
		AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = d.conversation_id)`, period...); err != nil {
		return out, unavailable("report bot-only conversations", err)
	}
	return out, nil
}
