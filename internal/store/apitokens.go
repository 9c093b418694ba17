package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// CreateAPIToken stores a new API token. A live token of the same name
// (or, against all odds, the same hash) answers chat.ErrConflict.
func (s *Store) CreateAPIToken(ctx context.Context, t chat.APIToken, now time.Time) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `INSERT INTO api_tokens (name, scope, hash, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, t.Name, string(t.Scope), t.Hash, ms(now))
		return changedOr(res, err, fmt.Errorf("api token %q: %w", t.Name, chat.ErrConflict))
	})
	if errors.Is(err, chat.ErrConflict) {
		return err
	}
	return unavailable("create api token", err)
}

// APITokens lists the API tokens, live and revoked, by name.
func (s *Store) APITokens(ctx context.Context) ([]chat.APIToken, error) {
	var rows []tokenRow
	if err := s.readSel(ctx, &rows, `SELECT name, scope, hash, created_at, revoked_at FROM api_tokens ORDER BY name, id`); err != nil {
		return nil, unavailable("api tokens", err)
	}
	out := make([]chat.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// RevokeAPIToken revokes the live token of that name; ok is false when
// there is none.
func (s *Store) RevokeAPIToken(ctx context.Context, name string, now time.Time) (ok bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, ms(now), name)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n > 0
		return err
	})
	return ok, unavailable("revoke api token", err)
}

// LiveAPIToken finds the live token with this hash; found is false for an
// unknown or revoked one.
func (s *Store) LiveAPIToken(ctx context.Context, hash string) (t chat.APIToken, found bool, err error) {
	var r tokenRow
	err = s.readGet(ctx, &r, `SELECT name, scope, hash, created_at, revoked_at FROM api_tokens WHERE hash = ? AND revoked_at IS NULL`, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.APIToken{}, false, nil
	}
	if err != nil {
		return chat.APIToken{}, false, unavailable("api token", err)
	}
	return r.token(), true, nil
}

type tokenRow struct {
	Name      string `db:"name"`
	Scope     string `db:"scope"`
	Hash      string `db:"hash"`
	CreatedAt int64  `db:"created_at"`
	RevokedAt *int64 `db:"revoked_at"`
}

func (r tokenRow) token() chat.APIToken {
	t := chat.APIToken{Name: r.Name, Scope: chat.Scope(r.Scope), Hash: r.Hash, CreatedAt: fromMS(r.CreatedAt)}
	if r.RevokedAt != nil {
		at := fromMS(*r.RevokedAt)
		t.RevokedAt = &at
	}
	return t
}
