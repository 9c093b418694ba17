package store

import (
	"context"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// InsightCount is how many customer messages of one hour had one type,
// sentiment, language and outcome. Hours, not days, so the caller can fold
// them into days of its own time zone.
type InsightCount struct {
	At        time.Time
	Type      string
	Sentiment string
	Language  string
	Outcome   string
	Count     int
}

// ReportInsights counts the customer messages of [since, until) by hour,
// type, sentiment, language and outcome: few rows (the combinations that
// occur), from which the report derives its type and sentiment figures,
// their daily series and the FAQ's coverage. Messages decided before types
// were kept have an empty type and sentiment.
func (s *Store) ReportInsights(ctx context.Context, since, until time.Time) ([]InsightCount, error) {
	var rows []struct {
		Hour      int64  `db:"hour"`
		Type      string `db:"msg_type"`
		Sentiment string `db:"sentiment"`
		Language  string `db:"language"`
		Outcome   string `db:"outcome"`
		Count     int    `db:"n"`
	}
	if err := s.readSel(ctx, &rows, `SELECT d.created_at / 3600000 AS hour, d.msg_type, d.sentiment, d.language, d.outcome, COUNT(*) AS n
		FROM decisions d WHERE `+customerMessages+`
		GROUP BY d.created_at / 3600000, d.msg_type, d.sentiment, d.language, d.outcome
		ORDER BY hour, d.msg_type, d.sentiment, d.language, d.outcome`, ms(since), ms(until)); err != nil {
		return nil, unavailable("report insights", err)
	}
	out := make([]InsightCount, len(rows))
	for i, r := range rows {
		out[i] = InsightCount{At: fromMS(r.Hour * 3600000), Type: r.Type, Sentiment: r.Sentiment, Language: r.Language, Outcome: r.Outcome, Count: r.Count}
	}
	return out, nil
}

// RuleSentiment is how many customer messages a rule acted on had one
// sentiment.
type RuleSentiment struct {
	Rule      string `db:"rule"`
	Sentiment string `db:"sentiment"`
	Count     int    `db:"n"`
}

// ReportRuleSentiment counts, per rule, the sentiments of the customer
// messages of [since, until) it planned an action for (a message counts
// once per rule).
func (s *Store) ReportRuleSentiment(ctx context.Context, since, until time.Time) ([]RuleSentiment, error) {
	var rows []RuleSentiment
	if err := s.readSel(ctx, &rows, `SELECT a.rule, d.sentiment, COUNT(DISTINCT d.id) AS n
		FROM decisions d JOIN decision_actions a ON a.decision_id = d.id
		WHERE `+customerMessages+` AND a.rule <> '' AND d.sentiment <> ''
		GROUP BY a.rule, d.sentiment ORDER BY a.rule, d.sentiment`, ms(since), ms(until)); err != nil {
		return nil, unavailable("report rule sentiment", err)
	}
	return rows, nil
}

// ConversationMood is a conversation's most negative customer message of
// a period: its id, that message's score, and how many of its messages
// were negative.
type ConversationMood struct {
	ConversationID int64   `db:"conversation_id"`
	Lowest         float64 `db:"lowest"`
	Negative       int     `db:"negative"`
}

// ReportNegativeConversations lists up to limit conversations of [since,
// until) with a negative customer message, the most negative first (ties
// by more negative messages, then by id). Ids only: no text.
func (s *Store) ReportNegativeConversations(ctx context.Context, since, until time.Time, limit int) ([]ConversationMood, error) {
	var rows []ConversationMood
	if err := s.readSel(ctx, &rows, `SELECT d.conversation_id, MIN(d.sentiment_score) AS lowest, COUNT(*) AS negative
		FROM decisions d WHERE `+customerMessages+` AND d.sentiment = ? AND d.conversation_id IS NOT NULL
		GROUP BY d.conversation_id ORDER BY lowest, negative DESC, d.conversation_id LIMIT ?`, ms(since), ms(until), string(chat.SentimentNegative), limit); err != nil {
		return nil, unavailable("report negative conversations", err)
	}
	return rows, nil
}
