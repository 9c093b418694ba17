package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/jmoiron/sqlx"
)

// VolumeCounts counts the customer messages of the window [until-window,
// until) and of the same window periods, 2×period … back, per rule acted
// on, per type and per sentiment: a few rows, one per volume and window
// where something arrived. Each window is a range of the decisions'
// time index, so the cost follows the messages of those hours, not the
// table.
func (s *Store) VolumeCounts(ctx context.Context, until time.Time, window, period time.Duration, periods int) ([]chat.VolumeCount, error) {
	if window <= 0 || window > period || periods < 0 {
		return nil, fmt.Errorf("volume counts: window %s must be positive and within period %s, periods %d not negative", window, period, periods)
	}
	ranges := make([]string, periods+1)
	var rangeArgs []any
	for i := range ranges {
		end := until.Add(-time.Duration(i) * period)
		ranges[i] = "(d.created_at >= ? AND d.created_at < ?)"
		rangeArgs = append(rangeArgs, ms(end.Add(-window)), ms(end))
	}
	// A message of window i is (i×period, i×period+window] before until,
	// so the integer division by period gives i.
	where := `d.outcome <> 'recorded' AND (` + strings.Join(ranges, " OR ") + `)`
	ago := `(? - d.created_at) / ?`
	q := `SELECT 'type' AS kind, ` + ago + ` AS ago, d.msg_type AS name, COUNT(*) AS n
			FROM decisions d WHERE ` + where + ` AND d.msg_type <> '' GROUP BY 2, 3
		UNION ALL SELECT 'sentiment', ` + ago + `, d.sentiment, COUNT(*)
			FROM decisions d WHERE ` + where + ` AND d.sentiment <> '' GROUP BY 2, 3
		UNION ALL SELECT 'rule', ` + ago + `, a.rule, COUNT(DISTINCT d.id)
			FROM decisions d JOIN decision_actions a ON a.decision_id = d.id WHERE ` + where + ` AND a.rule <> '' GROUP BY 2, 3`
	var args []any
	for range 3 {
		args = append(args, ms(until), period.Milliseconds())
		args = append(args, rangeArgs...)
	}
	var rows []struct {
		Kind string `db:"kind"`
		Ago  int64  `db:"ago"`
		Name string `db:"name"`
		N    int    `db:"n"`
	}
	if err := s.readSel(ctx, &rows, q, args...); err != nil {
		return nil, unavailable("volume counts", err)
	}
	out := make([]chat.VolumeCount, len(rows))
	for i, r := range rows {
		out[i] = chat.VolumeCount{Kind: chat.SpikeKind(r.Kind), Name: r.Name, WeeksAgo: int(r.Ago), Count: r.N}
	}
	return out, nil
}

// VolumeExamples lists the texts of up to limit customer messages of one
// volume in [since, until), the latest first; messages without text are
// left out.
func (s *Store) VolumeExamples(ctx context.Context, kind chat.SpikeKind, name string, since, until time.Time, limit int) ([]string, error) {
	var filter string
	switch kind {
	case chat.SpikeType:
		filter = `d.msg_type = ?`
	case chat.SpikeSentiment:
		filter = `d.sentiment = ?`
	case chat.SpikeRule:
		filter = `EXISTS (SELECT 1 FROM decision_actions a WHERE a.decision_id = d.id AND a.rule = ?)`
	default:
		return nil, fmt.Errorf("volume examples: unknown kind %q", kind)
	}
	var out []string
	if err := s.readSel(ctx, &out, `SELECT m.text FROM decisions d
		JOIN messages m ON m.conversation_id = d.conversation_id AND m.inbox_id = d.inbox_id AND m.direction = 'in'
		WHERE `+customerMessages+` AND `+filter+` AND m.text <> ''
		ORDER BY d.id DESC LIMIT ?`, ms(since), ms(until), name, limit); err != nil {
		return nil, unavailable("volume examples", err)
	}
	return out, nil
}

// OpenSpikes lists the spikes not ended.
func (s *Store) OpenSpikes(ctx context.Context) ([]chat.Spike, error) {
	var rows []struct {
		ID      int64   `db:"id"`
		Kind    string  `db:"kind"`
		Name    string  `db:"name"`
		Team    string  `db:"team"`
		Count   int     `db:"count"`
		Usual   float64 `db:"usual"`
		Started int64   `db:"started_at"`
	}
	if err := s.readSel(ctx, &rows, `SELECT id, kind, name, team, count, usual, started_at
		FROM spikes WHERE ended_at IS NULL ORDER BY id`); err != nil {
		return nil, unavailable("open spikes", err)
	}
	out := make([]chat.Spike, len(rows))
	for i, r := range rows {
		out[i] = chat.Spike{ID: r.ID, Kind: chat.SpikeKind(r.Kind), Name: r.Name, Team: r.Team, Count: r.Count, Usual: r.Usual, Started: fromMS(r.Started)}
	}
	return out, nil
}

// StartSpike records a spike as open and queues its notices in the same
// transaction, unless one of the same volume is open already (another
// replica saw it first): then nothing is written and started is false.
func (s *Store) StartSpike(ctx context.Context, sp chat.Spike, notices []chat.Notice, now time.Time) (started bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var id int64
		err := s.get(ctx, tx, &id, `INSERT INTO spikes (kind, name, team, count, usual, started_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, name) WHERE ended_at IS NULL DO NOTHING RETURNING id`,
			string(sp.Kind), sp.Name, sp.Team, sp.Count, sp.Usual, ms(now))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		started = true
		p := &processing{s: s, tx: tx, ctx: ctx, now: now}
		for _, n := range notices {
			if err := p.queueNoticeFor(n, 0, 0, chat.ActionNotice, 3); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, unavailable("start spike", err)
	}
	return started, nil
}

// EndSpike closes an open spike; ended is false when it was closed
// already.
func (s *Store) EndSpike(ctx context.Context, id int64, now time.Time) (ended bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE spikes SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, ms(now), id)
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		ended = k > 0
		return err
	})
	if err != nil {
		return false, unavailable(fmt.Sprintf("end spike %d", id), err)
	}
	return ended, nil
}
