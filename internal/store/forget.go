package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ErrNoSuchCustomer means Forget found nobody to forget.
var ErrNoSuchCustomer = errors.New("no such customer")

// Forgotten counts what Forget erased.
type Forgotten struct {
	Conversations int64 `json:"conversations"`
	Messages      int64 `json:"messages"`
	Events        int64 `json:"events"`
	Sends         int64 `json:"sends"`
	// Pending events still waiting to be processed are left alone: run
	// forget again once they are done.
	Pending int64 `json:"pending"`
}

// Forget erases a customer's personal data (DOMAIN.md D22): their name,
// username and language, the texts of their conversations (theirs, the
// bot's and the agents', which may quote them), the stored events and
// payloads, and the notices agents got about them. The records stay, so
// counts and reports keep adding up, but nothing in them identifies or
// quotes the person. Their platform id is unlinked: if they write again,
// they are a new customer.
func (s *Store) Forget(ctx context.Context, p chat.Platform, bot, externalID string, now time.Time) (Forgotten, error) {
	var out Forgotten
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var customerID int64
		err := s.get(ctx, tx, &customerID, `SELECT id FROM customers WHERE platform = ? AND bot = ? AND external_id = ?`, string(p), bot, externalID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoSuchCustomer
		}
		if err != nil {
			return err
		}
		var convs []struct {
			ID  int64  `db:"id"`
			Key string `db:"conversation_key"`
		}
		if err := s.sel(ctx, tx, &convs, `SELECT id, conversation_key FROM conversations WHERE customer_id = ?`, customerID); err != nil {
			return err
		}
		count := func(into *int64, query string, args ...any) error {
			res, err := s.exec(ctx, tx, query, args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			*into += n
			return err
		}
		var ignored int64
		scope := string(p) + "/" + bot + "/" + externalID
		for _, c := range convs {
			forgotten := "forgotten/" + strconv.FormatInt(c.ID, 10)
			if err := count(&out.Messages, `UPDATE messages SET text = '' WHERE conversation_id = ? AND text <> ''`, c.ID); err != nil {
				return err
			}
			var pending int64
			if err := s.get(ctx, tx, &pending, `SELECT COUNT(*) FROM inbox WHERE conversation_key = ? AND state = 'pending'`, c.Key); err != nil {
				return err
			}
			out.Pending += pending
			if err := count(&out.Events, `UPDATE inbox SET event = '{}', raw = NULL, conversation_key = ?
				WHERE conversation_key = ? AND state <> 'pending'`, forgotten, c.Key); err != nil {
				return err
			}
			if err := count(&out.Sends, `UPDATE outbox SET text = '', buttons = '', topic_name = ''
				WHERE state <> 'pending' AND (conversation_id = ? OR handoff_id IN (SELECT id FROM handoffs WHERE conversation_id = ?))`,
				c.ID, c.ID); err != nil {
				return err
			}
			if err := count(&out.Conversations, `UPDATE conversations SET conversation_key = ?, chat_id = '', closed_at = COALESCE(closed_at, ?)
				WHERE id = ?`, forgotten, ms(now), c.ID); err != nil {
				return err
			}
			if err := count(&ignored, `DELETE FROM team_topics WHERE conversation_key = ?`, c.Key); err != nil {
				return err
			}
		}
		if err := count(&ignored, `DELETE FROM guard_reservations WHERE scope = ?`, scope); err != nil {
			return err
		}
		if err := count(&ignored, `UPDATE outbox SET scope = ? WHERE scope = ?`, "forgotten/"+strconv.FormatInt(customerID, 10), scope); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE customers SET name = '', username = '', language = '', external_id = ? WHERE id = ?`,
			"forgotten/"+strconv.FormatInt(customerID, 10), customerID)
		return err
	})
	switch {
	case errors.Is(err, ErrNoSuchCustomer):
		return out, fmt.Errorf("forget %s/%s/%s: %w", p, bot, externalID, err)
	case err != nil:
		return out, unavailable("forget", err)
	}
	return out, nil
}
