package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// CustomerContexts reads who the customers of some conversations are (see
// chat.CustomerContext), one per key in keys' order, with the last lines
// messages of each conversation: a handful of set-based queries however
// many keys there are.
func (s *Store) CustomerContexts(ctx context.Context, keys []chat.ContextKey, lines int) ([]chat.CustomerContext, error) {
	out, err := s.customerContexts(ctx, keys, lines)
	if err != nil {
		return nil, unavailable("load customer context", err)
	}
	return out, nil
}

// customerContextQuery reads what an agent is shown of the customers of
// keys, three values each (see customersByKey).
func (s *Store) customerContextQuery(keys []any) (string, []any) {
	return s.customersByKey(`c.id, c.platform, c.bot, c.external_id, c.name, c.username, c.language, c.first_seen_at,
		c.blocked_by_team <> 0 AS blocked_by_team`, keys)
}

func (s *Store) customerContexts(ctx context.Context, keys []chat.ContextKey, lines int) ([]chat.CustomerContext, error) {
	out := make([]chat.CustomerContext, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	type customerKey struct{ platform, bot, id string }
	var args []any
	seen := map[customerKey]bool{}
	for i, k := range keys {
		out[i].Platform = k.Platform
		ck := customerKey{string(k.Platform), k.Bot, k.CustomerID}
		if ck.id == "" || seen[ck] {
			continue
		}
		seen[ck] = true
		args = append(args, ck.platform, ck.bot, ck.id)
	}
	type customer struct {
		ID        int64  `db:"id"`
		Platform  string `db:"platform"`
		Bot       string `db:"bot"`
		External  string `db:"external_id"`
		Name      string `db:"name"`
		Username  string `db:"username"`
		Language  string `db:"language"`
		FirstSeen int64  `db:"first_seen_at"`
		Blocked   bool   `db:"blocked_by_team"`
	}
	var rows []customer
	if len(args) > 0 {
		query, args := s.customerContextQuery(args)
		if err := s.readSel(ctx, &rows, query, args...); err != nil {
			return nil, err
		}
	}
	byKey := make(map[customerKey]customer, len(rows))
	ids := make([]any, 0, len(rows))
	for _, r := range rows {
		byKey[customerKey{r.Platform, r.Bot, r.External}] = r
		ids = append(ids, r.ID)
	}
	conversations, handoffs := map[int64]int{}, map[int64]int{}
	tags := map[int64][]string{}
	if len(ids) > 0 {
		in := placeholders(len(ids), 1)
		var counts []struct {
			Customer      int64 `db:"customer_id"`
			Conversations int   `db:"conversations"`
			Handoffs      int   `db:"handoffs"`
		}
		// Closed handoffs only: the open one is the one being shown.
		if err := s.readSel(ctx, &counts, `SELECT c.customer_id, COUNT(DISTINCT c.id) AS conversations,
				COUNT(h.id) AS handoffs
			FROM conversations c LEFT JOIN handoffs h ON h.conversation_id = c.id AND h.state NOT IN ('waiting', 'claimed')
			WHERE c.customer_id IN (`+in+`) GROUP BY c.customer_id`, ids...); err != nil {
			return nil, err
		}
		for _, c := range counts {
			conversations[c.Customer], handoffs[c.Customer] = c.Conversations, c.Handoffs
		}
		var tagRows []struct {
			Customer int64  `db:"customer_id"`
			Detail   string `db:"detail"`
			First    int64  `db:"first"`
		}
		if err := s.readSel(ctx, &tagRows, `SELECT c.customer_id, a.detail, MIN(a.id) AS first
			FROM conversations c JOIN decisions d ON d.conversation_id = c.id JOIN decision_actions a ON a.decision_id = d.id
			WHERE c.customer_id IN (`+in+`) AND a.action = ? AND a.detail <> ''
			GROUP BY c.customer_id, a.detail ORDER BY first`, append(ids, string(chat.ActionTag))...); err != nil {
			return nil, err
		}
		for _, t := range tagRows {
			for _, tag := range strings.Split(t.Detail, ",") {
				tags[t.Customer] = appendNew(tags[t.Customer], tag)
			}
		}
	}
	lastCSAT := map[int64]int{}
	if len(ids) > 0 {
		// The customer's latest rating, of any conversation: an agent
		// sees how the last one went before answering.
		var ratings []struct {
			Customer int64 `db:"customer_id"`
			Value    int   `db:"value"`
		}
		if err := s.readSel(ctx, &ratings, `SELECT c.customer_id, f.value FROM feedback f JOIN conversations c ON c.id = f.conversation_id
			WHERE c.customer_id IN (`+placeholders(len(ids), 1)+`) AND f.kind = ? ORDER BY f.id`,
			append(ids, string(chat.FeedbackRating))...); err != nil {
			return nil, err
		}
		for _, r := range ratings {
			lastCSAT[r.Customer] = r.Value
		}
	}
	messages, err := s.lastMessages(ctx, keys, lines)
	if err != nil {
		return nil, err
	}
	for i, k := range keys {
		out[i].Messages = messages[k.ConversationID]
		c, ok := byKey[customerKey{string(k.Platform), k.Bot, k.CustomerID}]
		if !ok {
			continue
		}
		out[i].Name, out[i].Username, out[i].Language, out[i].FirstSeen = c.Name, c.Username, c.Language, fromMS(c.FirstSeen)
		out[i].Conversations, out[i].Handoffs, out[i].Tags = conversations[c.ID], handoffs[c.ID], tags[c.ID]
		out[i].Blocked, out[i].LastCSAT = c.Blocked, lastCSAT[c.ID]
		if k.ConversationID != 0 && out[i].Conversations > 0 {
			out[i].Conversations-- // this one
		}
	}
	return out, nil
}

// ConversationContext reads the context of the latest conversation with
// key (see chat.Event.ConversationKey), open or closed, for /history;
// found is false when there is none.
func (s *Store) ConversationContext(ctx context.Context, key string, lines int) (c chat.CustomerContext, found bool, err error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Platform string `db:"platform"`
		Bot      string `db:"bot"`
		Customer string `db:"customer"`
	}
	if err := s.readSel(ctx, &rows, `SELECT c.id, c.platform, c.bot, COALESCE(cu.external_id, '') AS customer
		FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE c.conversation_key = ? ORDER BY c.id DESC LIMIT 1`, key); err != nil {
		return c, false, unavailable("load conversation context", err)
	}
	if len(rows) == 0 {
		return c, false, nil
	}
	r := rows[0]
	out, err := s.CustomerContexts(ctx, []chat.ContextKey{{Platform: chat.Platform(r.Platform), Bot: r.Bot, CustomerID: r.Customer, ConversationID: r.ID}}, lines)
	if err != nil {
		return c, false, err
	}
	return out[0], true, nil
}

// lastMessages reads the last lines messages of each key's conversation,
// oldest first, in one query.
func (s *Store) lastMessages(ctx context.Context, keys []chat.ContextKey, lines int) (map[int64][]chat.HistoryEntry, error) {
	var ids []any
	seen := map[int64]bool{}
	for _, k := range keys {
		if k.ConversationID != 0 && !seen[k.ConversationID] {
			seen[k.ConversationID] = true
			ids = append(ids, k.ConversationID)
		}
	}
	out := map[int64][]chat.HistoryEntry{}
	if len(ids) == 0 || lines <= 0 {
		return out, nil
	}
	var rows []struct {
		Conversation int64  `db:"conversation_id"`
		Direction    string `db:"direction"`
		Kind         string `db:"kind"`
		Text         string `db:"text"`
		CreatedAt    int64  `db:"created_at"`
		Media        string `db:"media"`
	}
	if err := s.readSel(ctx, &rows, `SELECT conversation_id, direction, kind, text, created_at, media FROM (
			SELECT id, conversation_id, direction, kind, text, created_at, media,
				ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY id DESC) AS n
			FROM messages WHERE conversation_id IN (`+placeholders(len(ids), 1)+`)
		) AS recent WHERE n <= ? ORDER BY conversation_id, id`, append(ids, lines)...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		media, err := decodeMedia(r.Media)
		if err != nil {
			return nil, fmt.Errorf("load history: %w", err)
		}
		out[r.Conversation] = append(out[r.Conversation], chat.HistoryEntry{Direction: r.Direction, Kind: r.Kind, Text: r.Text, At: fromMS(r.CreatedAt), Media: media})
	}
	return out, nil
}

// appendNew appends s to list unless it is empty or there already.
func appendNew(list []string, s string) []string {
	if s = strings.TrimSpace(s); s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
