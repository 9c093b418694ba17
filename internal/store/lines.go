package store

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
)

// Both queues serve their rows line by line: the inbox one conversation at
// a time, the outbox one chat at a time, each line in order. A row queued
// while an unfinished one of its line is ahead of it waits (waits = 1),
// and claims walk only the rows that do not (waits = 0). Finishing a row
// lets the next of its line go in the same transaction (unparkNext).
//
// The mark is a hint, never the order: claims still check that nothing
// older of the line is unfinished. A row not marked although it waits is
// only walked, as before the mark. A row marked although it is first of
// its line (its predecessor left the queue another way, or on PostgreSQL
// finished while this one was being queued by another replica and not
// yet visible) is found by a look at most every unparkEvery
// (unparkStale): claimed that much late, never out of order.
type queueLines struct {
	table string // inbox, outbox
	line  string // the column naming a row's line
}

var (
	inboxLines  = queueLines{table: "inbox", line: "conversation_key"}
	outboxLines = queueLines{table: "outbox", line: "chat_key"}
)

// waitsValue is what a row's waits column is queued with: 1 when its line
// has an unfinished row that nobody has claimed, the line bound as its
// parameter. A claimed row may be finishing at this moment: on PostgreSQL
// another replica can mark it done, look for the line's next row, and
// not see this one, still uncommitted; marked waiting, it would wait for
// the look (about one event in a hundred with three replicas under load:
// 189 of 15,782). A row behind an unclaimed one is safe to mark: that one
// must be claimed, decided and finished first, which takes longer than
// queueing this one. A row queued by the same statement behind another
// may be counted as not waiting. A row not marked is only walked.
func (q queueLines) waitsValue() string {
	return `CASE WHEN EXISTS (SELECT 1 FROM ` + q.table + ` e WHERE e.state = 'pending' AND e.` + q.line + ` = ? AND e.claimed_by IS NULL) THEN 1 ELSE 0 END`
}

// unparkNext lets the first unfinished row of the lines of the rows ids,
// which just left the queue, be claimed.
func (s *Store) unparkNext(ctx context.Context, tx *sqlx.Tx, q queueLines, ids []any) error {
	if len(ids) == 0 {
		return nil
	}
	in, ids := s.in(ids)
	_, err := s.exec(ctx, tx, `UPDATE `+q.table+` SET waits = 0 WHERE waits = 1 AND id IN (
		SELECT (SELECT h.id FROM `+q.table+` h WHERE h.state = 'pending' AND h.`+q.line+` = done.`+q.line+` ORDER BY h.id LIMIT 1)
		FROM `+q.table+` done WHERE done.id IN (`+in+`))`, ids...)
	return err
}

// unparkEvery is how often unparkStale looks over a queue's waiting rows.
const unparkEvery = time.Second

// unparkStale lets every line's first unfinished row that is still marked
// waiting be claimed, at most every unparkEvery (at: when it last looked,
// ms). The look is a read; only what it finds takes a turn at the writer.
func (s *Store) unparkStale(ctx context.Context, q queueLines, at *atomic.Int64, now time.Time) error {
	if !turnDue(at, now.UnixMilli(), unparkEvery) {
		return nil
	}
	var stale []any
	if err := s.readSel(ctx, &stale, q.staleHeadsQuery()); err != nil || len(stale) == 0 {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		// Checked again where it is written: the read may be stale.
		in, stale := s.in(stale)
		_, err := s.exec(ctx, tx, `UPDATE `+q.table+` SET waits = 0
			WHERE id IN (`+in+`) AND state = 'pending' AND waits = 1
			  AND NOT EXISTS (SELECT 1 FROM `+q.table+` e WHERE e.state = 'pending' AND e.`+q.line+` = `+q.table+`.`+q.line+` AND e.id < `+q.table+`.id)`,
			stale...)
		return err
	})
}

// staleHeadsQuery finds the rows first of their line and marked waiting.
// It goes from line to line through the index of waiting rows (each step
// the next line after the last, one index probe) and compares each line's
// first unfinished row with its first waiting one: a few probes a line
// that has waiting rows, however many wait. Walking the waiting rows
// themselves took half a second a look on PostgreSQL with a backlog of
// replies, three replicas looking every second.
func (q queueLines) staleHeadsQuery() string {
	first := func(alias, where string) string {
		return `(SELECT ` + alias + `.` + q.line + ` FROM ` + q.table + ` ` + alias + ` WHERE ` + alias + `.state = 'pending'` + where +
			` ORDER BY ` + alias + `.` + q.line + ` LIMIT 1)`
	}
	firstID := func(alias, where string) string {
		return `(SELECT ` + alias + `.id FROM ` + q.table + ` ` + alias + ` WHERE ` + alias + `.state = 'pending'` + where +
			` AND ` + alias + `.` + q.line + ` = lines.k ORDER BY ` + alias + `.id LIMIT 1)`
	}
	return `WITH RECURSIVE lines (k) AS (
			SELECT ` + first("w", " AND w.waits = 1") + `
			UNION ALL
			SELECT ` + first("w", " AND w.waits = 1 AND w."+q.line+" > lines.k") + ` FROM lines WHERE lines.k IS NOT NULL)
		SELECT head FROM (
			SELECT ` + firstID("h", "") + ` AS head, ` + firstID("w", " AND w.waits = 1") + ` AS waiting
			FROM lines WHERE lines.k IS NOT NULL) heads
		WHERE head = waiting`
}
