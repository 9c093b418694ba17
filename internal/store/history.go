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
	err := s.readSel(ctx, &rows, `SELECT m.direction, m.kind, m.text, m.created_at FROM messages m
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

// Stats counts inbox events and outbox messages by state.
type Stats struct {
	EventsPending, EventsDone, EventsFailed       int
	MessagesPending, MessagesSent, MessagesFailed int
}

// Idle reports whether nothing is left to decide or send.
func (st Stats) Idle() bool { return st.EventsPending == 0 && st.MessagesPending == 0 }

// Stats reads the current counts.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	var rows []struct {
		Table string `db:"t"`
		State string `db:"state"`
		N     int    `db:"n"`
	}
	err := s.readSel(ctx, &rows, `SELECT 'inbox' AS t, state, COUNT(*) AS n FROM inbox GROUP BY state
		UNION ALL SELECT 'outbox', state, COUNT(*) FROM outbox GROUP BY state`)
	if err != nil {
		return st, unavailable("stats", err)
	}
	for _, r := range rows {
		switch r.Table + "/" + r.State {
		case "inbox/pending":
			st.EventsPending = r.N
		case "inbox/done":
			st.EventsDone = r.N
		case "inbox/failed":
			st.EventsFailed = r.N
		case "outbox/pending":
			st.MessagesPending = r.N
		case "outbox/sent":
			st.MessagesSent = r.N
		case "outbox/failed":
			st.MessagesFailed = r.N
		}
	}
	return st, nil
}
