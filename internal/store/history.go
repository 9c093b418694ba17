package store

import (
	"context"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// History returns a chat's messages, oldest first, across its conversations.
func (s *Store) History(ctx context.Context, p chat.Platform, bot, chatID string) ([]chat.HistoryEntry, error) {
	var rows []struct {
		Direction string `db:"direction"`
		Kind      string `db:"kind"`
		Text      string `db:"text"`
		CreatedAt int64  `db:"created_at"`
	}
	err := s.r.SelectContext(ctx, &rows, `SELECT m.direction, m.kind, m.text, m.created_at FROM messages m
		JOIN conversations c ON c.id = m.conversation_id
		WHERE c.platform = ? AND c.bot = ? AND c.chat_id = ? ORDER BY m.id`, string(p), bot, chatID)
	if err != nil {
		return nil, unavailable("history", err)
	}
	out := make([]chat.HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = chat.HistoryEntry{Direction: r.Direction, Kind: r.Kind, Text: r.Text, At: fromMS(r.CreatedAt)}
	}
	return out, nil
}

// Backlog counts events not yet decided and messages not yet sent.
func (s *Store) Backlog(ctx context.Context) (events, messages int, err error) {
	if err := s.r.GetContext(ctx, &events, `SELECT COUNT(*) FROM inbox WHERE state = 'pending'`); err != nil {
		return 0, 0, unavailable("backlog", err)
	}
	if err := s.r.GetContext(ctx, &messages, `SELECT COUNT(*) FROM outbox WHERE state = 'pending'`); err != nil {
		return 0, 0, unavailable("backlog", err)
	}
	return events, messages, nil
}
