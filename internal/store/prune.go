package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Retention says how long what is kept.
type Retention struct {
	// Payloads: the raw platform payload of a processed event. The event's
	// row stays longer, for deduplication and history.
	Payloads time.Duration
	// History: events, decisions, messages, sends, conversations, handoffs,
	// incidents and spikes, once done or closed.
	History time.Duration
}

// MinHistory keeps inbox rows long enough to recognize every retry a
// platform makes (Telegram retries for up to 24 h).
const MinHistory = 48 * time.Hour

// Pruned counts what Prune removed.
type Pruned struct {
	Payloads, Events, Decisions, Messages, Sends, Conversations, Customers, Handoffs, Reservations, Spikes int64
}

// pruneBatch bounds one statement, so pruning never holds locks for long.
const pruneBatch = 2000

// Prune removes what is older than the retention allows. Replicas may run
// it at the same time: every step is a conditional delete.
func (s *Store) Prune(ctx context.Context, now time.Time, r Retention) (Pruned, error) {
	var p Pruned
	if r.History < MinHistory {
		return p, fmt.Errorf("prune: history retention %s is shorter than %s, the platforms' retry window", r.History, MinHistory)
	}
	payloads, history := ms(now.Add(-r.Payloads)), ms(now.Add(-r.History))
	steps := []struct {
		into  *int64
		query string
		args  []any
	}{
		{&p.Payloads, `UPDATE inbox SET raw = NULL WHERE id IN (SELECT id FROM inbox
			WHERE state <> 'pending' AND received_at < ? AND raw IS NOT NULL LIMIT ?)`, []any{payloads}},
		{new(int64), `DELETE FROM erasures WHERE id IN (SELECT id FROM erasures WHERE at < ? LIMIT ?)`, []any{ms(now.Add(-erasureLife))}},
		{&p.Reservations, `DELETE FROM guard_reservations WHERE key IN (SELECT key FROM guard_reservations WHERE expires_at < ? LIMIT ?)`, []any{ms(now)}},
		{new(int64), `DELETE FROM public_links WHERE token IN (SELECT token FROM public_links WHERE expires_at < ? LIMIT ?)`, []any{ms(now)}},
		{&p.Decisions, `DELETE FROM decision_actions WHERE id IN (SELECT a.id FROM decision_actions a JOIN decisions d ON d.id = a.decision_id
			WHERE d.created_at < ? LIMIT ?)`, []any{history}},
		{&p.Decisions, `DELETE FROM decisions WHERE id IN (SELECT id FROM decisions WHERE created_at < ? LIMIT ?)`, []any{history}},
		{&p.Decisions, `DELETE FROM spam_releases WHERE inbox_id IN (SELECT inbox_id FROM spam_releases WHERE released_at < ? LIMIT ?)`, []any{history}},
		{&p.Messages, `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE created_at < ? LIMIT ?)`, []any{history}},
		{&p.Events, `DELETE FROM inbox WHERE id IN (SELECT i.id FROM inbox i WHERE i.state <> 'pending' AND i.received_at < ?
			AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.inbox_id = i.id)
			AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.inbox_id = i.id) LIMIT ?)`, []any{history}},
		{&p.Sends, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state <> 'pending' AND created_at < ? LIMIT ?)`, []any{history}},
		{&p.Handoffs, `DELETE FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs
			WHERE state NOT IN ('waiting', 'claimed') AND closed_at < ? LIMIT ?)`, []any{history}},
		{&p.Handoffs, `DELETE FROM handoffs WHERE id IN (SELECT id FROM handoffs WHERE state NOT IN ('waiting', 'claimed') AND closed_at < ? LIMIT ?)`, []any{history}},
		{&p.Handoffs, `DELETE FROM agent_events WHERE id IN (SELECT id FROM agent_events WHERE created_at < ? LIMIT ?)`, []any{history}},
		{&p.Handoffs, `DELETE FROM incidents WHERE id IN (SELECT i.id FROM incidents i WHERE i.state <> 'open' AND i.closed_at < ?
			AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.incident_id = i.id) LIMIT ?)`, []any{history}},
		{&p.Spikes, `DELETE FROM spikes WHERE id IN (SELECT id FROM spikes WHERE ended_at < ? LIMIT ?)`, []any{history}},
		{&p.Conversations, `DELETE FROM conversations WHERE id IN (SELECT c.id FROM conversations c WHERE c.last_customer_at < ?
			AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)
			AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id) LIMIT ?)`, []any{history}},
		{&p.Customers, `DELETE FROM customers WHERE id IN (SELECT cu.id FROM customers cu WHERE cu.last_seen_at < ?
			AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.customer_id = cu.id) LIMIT ?)`, []any{history}},
	}
	for _, st := range steps {
		for {
			var n int64
			err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
				res, err := s.exec(ctx, tx, st.query, append(st.args, pruneBatch)...)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return p, unavailable("prune", err)
			}
			*st.into += n
			if n < pruneBatch {
				break
			}
		}
	}
	return p, nil
}
