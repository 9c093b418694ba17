package store

import (
	"context"
	"slices"
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
//
// It is a scalar subquery, not an EXISTS: PostgreSQL may answer an EXISTS
// for all of a statement's rows at once, with a hashed subplan that reads
// every pending row, which it picks on statistics that believe none are
// pending (25 ms for a group of 12 webhooks with 30,000 pending; see
// TestQueueingLooksItsLineUp). A scalar subquery is run row by row, by key.
func (q queueLines) waitsValue() string {
	return `CASE WHEN (SELECT 1 FROM ` + q.table + ` e WHERE e.state = 'pending' AND e.` + q.line + ` = ? AND e.claimed_by IS NULL
		LIMIT 1) IS NULL THEN 0 ELSE 1 END`
}

// unparkNext lets the first unfinished row of the lines of the rows ids,
// which just left the queue, be claimed.
func (s *Store) unparkNext(ctx context.Context, tx *sqlx.Tx, q queueLines, ids []any) error {
	if len(ids) == 0 {
		return nil
	}
	in, ids := s.in(ids)
	_, err := s.exec(ctx, tx, q.unparkNextQuery(in), s.plannedEachCall(ids...)...)
	return err
}

// unparkNextQuery is unparkNext's statement, the ids it is given in the
// list in.
func (q queueLines) unparkNextQuery(in string) string {
	return `UPDATE ` + q.table + ` SET waits = 0 WHERE waits = 1 AND id IN (
		SELECT ` + q.firstPending("h", "", "done."+q.line) + `
		FROM ` + q.table + ` done WHERE done.id IN (` + in + `))`
}

// firstPending is the id of the first unfinished row (and where) of the
// line named by key, an SQL expression.
func (q queueLines) firstPending(alias, where, key string) string {
	return `(SELECT ` + alias + `.id FROM ` + q.table + ` ` + alias + ` WHERE ` + alias + `.state = 'pending'` + where +
		` AND ` + alias + `.` + q.line + ` = ` + key + ` ORDER BY ` + alias + `.id LIMIT 1)`
}

// unparkEvery is how often unparkStale looks over a queue's waiting rows.
const unparkEvery = time.Second

// unparkStale lets every line's first unfinished row that is still marked
// waiting be claimed, at most every unparkEvery (at: when it last looked,
// ms). The look is a read; only what it finds takes a turn at the writer.
// It returns the smallest id it let go, 0 for none: the inbox's mark must
// not stay above it (see ClaimEvents).
func (s *Store) unparkStale(ctx context.Context, q queueLines, at *atomic.Int64, now time.Time) (int64, error) {
	if !turnDue(at, now.UnixMilli(), unparkEvery) {
		return 0, nil
	}
	var stale []int64
	if err := s.readSel(ctx, &stale, q.staleHeadsQuery()); err != nil || len(stale) == 0 {
		return 0, err
	}
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		// Checked again where it is written: the read may be stale.
		in, ids := s.in(anyOf(stale))
		_, err := s.exec(ctx, tx, `UPDATE `+q.table+` SET waits = 0
			WHERE id IN (`+in+`) AND state = 'pending' AND waits = 1
			  AND `+s.firstInLine(q.table, q.table, q.line), ids...)
		return err
	})
	if err != nil {
		return 0, err
	}
	return slices.Min(stale), nil
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
	firstID := func(alias, where string) string { return q.firstPending(alias, where, "lines.k") }
	return `WITH RECURSIVE lines (k) AS (
			SELECT ` + first("w", " AND w.waits = 1") + `
			UNION ALL
			SELECT ` + first("w", " AND w.waits = 1 AND w."+q.line+" > lines.k") + ` FROM lines WHERE lines.k IS NOT NULL)
		SELECT head FROM (
			SELECT ` + firstID("h", "") + ` AS head, ` + firstID("w", " AND w.waits = 1") + ` AS waiting
			FROM lines WHERE lines.k IS NOT NULL) heads
		WHERE head = waiting`
}
