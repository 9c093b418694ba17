package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Details before the wait (issue 20): the store keeps a conversation's
// collection and a customer's attributes exactly as decisions give them.

// collectEffects writes what a decision did to the details asked before a
// handoff: the conversation's collection (or its end) and the customer's
// attributes.
func (p *processing) collectEffects(plan chat.Plan, convID, customerID int64) error {
	if c := plan.Collect; c != nil && convID != 0 {
		var next any
		if c.Next != nil {
			b, err := json.Marshal(c.Next)
			if err != nil {
				return fmt.Errorf("collection: %w", err)
			}
			next = string(b)
		}
		if _, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET collecting = ? WHERE id = ?`, next, convID); err != nil {
			return fmt.Errorf("collection: %w", err)
		}
	}
	if customerID == 0 {
		return nil
	}
	for _, a := range plan.Attrs {
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO customer_attrs (customer_id, name, value, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (customer_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			customerID, a.Name, a.Value, ms(p.now)); err != nil {
			return fmt.Errorf("customer attribute: %w", err)
		}
	}
	return nil
}

// decodeCollection reads a conversation's stored collection; one that
// cannot be read (written by a later version) is dropped, not fatal: the
// customer is then handed off without the questions, never stuck.
func decodeCollection(raw *string) *chat.Collection {
	if raw == nil || *raw == "" {
		return nil
	}
	var c chat.Collection
	if err := json.Unmarshal([]byte(*raw), &c); err != nil || c.Rule == "" {
		return nil
	}
	return &c
}

// customerAttrs loads the attributes of the customers with the given ids.
func (s *Store) customerAttrs(ctx context.Context, ids []any) (map[int64]map[string]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []attrRow
	query, args := s.attrsQuery(ids)
	if err := s.readSel(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	return attrsByCustomer(rows), nil
}

// attrRow is one attribute of one customer.
type attrRow struct {
	Customer int64  `db:"customer_id"`
	Name     string `db:"name"`
	Value    string `db:"value"`
}

// attrsQuery reads the attributes of the customers with the given ids.
func (s *Store) attrsQuery(ids []any) (string, []any) {
	in, ids := s.in(ids)
	return `SELECT customer_id, name, value FROM customer_attrs WHERE customer_id IN (` + in + `)`, ids
}

func attrsByCustomer(rows []attrRow) map[int64]map[string]string {
	out := map[int64]map[string]string{}
	for _, r := range rows {
		if out[r.Customer] == nil {
			out[r.Customer] = map[string]string{}
		}
		out[r.Customer][r.Name] = r.Value
	}
	return out
}
