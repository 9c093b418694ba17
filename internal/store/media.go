package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// encodeMedia is the media column of an outbox or messages row: JSON, or
// empty for none.
func encodeMedia(media []chat.Media) (string, error) {
	if len(media) == 0 {
		return "", nil
	}
	data, err := json.Marshal(media)
	if err != nil {
		return "", fmt.Errorf("encode media: %w", err)
	}
	return string(data), nil
}

func decodeMedia(s string) ([]chat.Media, error) {
	if s == "" {
		return nil, nil
	}
	var media []chat.Media
	if err := json.Unmarshal([]byte(s), &media); err != nil {
		return nil, fmt.Errorf("decode media: %w", err)
	}
	return media, nil
}

// dueAt is when a queued message may first go: now, or later when the
// decision holds it back (an album's part waiting for the rest).
func dueAt(now, after time.Time) time.Time {
	if after.After(now) {
		return after
	}
	return now
}

// ClaimAlbum leases to owner, with head (claimed already), the pending
// messages queued right behind it in its chat for the same album (parts
// that arrived as separate messages), so the sender sends them as one.
// A message of anything else between them ends the album. They keep their
// attempts: sending them with the head is not an attempt of theirs.
func (s *Store) ClaimAlbum(ctx context.Context, head chat.Outgoing, owner string, now, until time.Time, max int) ([]chat.Outgoing, error) {
	if head.AlbumKey == "" || max <= 0 {
		return nil, nil
	}
	var rows []outboxRow
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		return s.sel(ctx, tx, &rows, `UPDATE outbox SET claimed_by = ?, claimed_until = ?
			WHERE id IN (SELECT o.id FROM outbox o
				WHERE o.chat_key = ? AND o.state = 'pending' AND o.album_key = ? AND o.id > ?
				  AND (o.claimed_until IS NULL OR o.claimed_until < ?)
				  AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.chat_key = o.chat_key AND e.state = 'pending'
				                  AND e.id > ? AND e.id < o.id AND e.album_key <> o.album_key)
				ORDER BY o.id LIMIT ?)
			RETURNING `+claimedColumns,
			owner, ms(until), chat.ChatKey(head.Platform, head.Bot, head.ChatID), head.AlbumKey, head.ID, ms(now), head.ID, max)
	})
	if err != nil {
		return nil, unavailable("claim album", err)
	}
	slices.SortFunc(rows, func(a, b outboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return outgoing(rows)
}

// ReleaseOutgoing hands leased messages back untouched (an album's parts
// whose head's send failed): they go with the head's retry.
func (s *Store) ReleaseOutgoing(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := anyOf(ids)
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := s.exec(ctx, tx, `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
			WHERE id IN (`+placeholders(len(ids), 1)+`) AND state = 'pending'`, args...)
		return err
	})
	return unavailable("release outgoing", err)
}
