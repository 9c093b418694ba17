package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

type acceptReq struct {
	ctx  context.Context
	ev   chat.Event
	data []byte // ev as JSON, encoded by the caller rather than the writer
	done chan error
}

// maxBatch bounds one group commit: big enough to amortize the fsync,
// small enough that the first request in a batch does not wait long.
const maxBatch = 128

// Accept stores an event in the inbox and returns once it is committed, so
// the caller may tell the platform 200. An event already stored (the same
// platform, bot and external id) is accepted again without change. Errors
// wrap chat.ErrUnavailable: the platform should retry.
//
// Concurrent calls are committed together by one writer goroutine (group
// commit), which is what makes durable ingest fast on SQLite.
func (s *Store) Accept(ctx context.Context, ev chat.Event) error {
	req := acceptReq{ctx: ctx, ev: storable(ev), done: make(chan error, 1)}
	data, err := json.Marshal(req.ev)
	if err != nil {
		return unavailable("accept", fmt.Errorf("event %s: %w", ev.ExternalID, err))
	}
	req.data = data
	select {
	case s.accepts <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return fmt.Errorf("accept: %w: store closed", chat.ErrUnavailable)
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The row may still be committed; the platform's retry will then be
		// a harmless duplicate.
		return ctx.Err()
	case <-s.writerDone:
		// The writer exited while this request sat in the queue.
		select {
		case err := <-req.done:
			return err
		default:
			return fmt.Errorf("accept: %w: store closed", chat.ErrUnavailable)
		}
	}
}

func (s *Store) acceptLoop() {
	defer s.wg.Done()
	defer close(s.writerDone)
	// Unbuffered: a group is handed to the flusher once the flush before
	// it is done. So one group commits while the one before it is flushed,
	// and the webhooks that arrive during a flush make the next group,
	// rather than a commit each.
	var flushes chan committed
	// spare holds the batches the flusher has answered, for reuse.
	spare := make(chan []acceptReq, 3)
	if s.wal != nil {
		flushes = make(chan committed)
		flushed := make(chan struct{})
		go func() {
			defer close(flushed)
			s.flushLoop(flushes, spare)
		}()
		defer func() {
			close(flushes)
			<-flushed
		}()
	}
	for {
		var batch []acceptReq
		select {
		case batch = <-spare:
		default:
			batch = make([]acceptReq, 0, maxBatch)
		}
		select {
		case req := <-s.accepts:
			batch = append(batch, req)
		case <-s.stop:
			// Answer whoever is still queued rather than leave them hanging.
			for {
				select {
				case req := <-s.accepts:
					req.done <- fmt.Errorf("accept: %w: store closed", chat.ErrUnavailable)
				default:
					return
				}
			}
		}
		// The group takes in whoever came while it waited for the writer:
		// under load, groups grow with the wait instead of queueing
		// behind each other.
		_ = s.writerTurn(context.Background(), true)
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-s.accepts:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		start := time.Now()
		g := s.commitGroup(batch)
		s.turns.spend(partAccept, time.Since(start))
		s.endTurn()
		if flushes != nil {
			flushes <- g
			continue
		}
		s.acceptLeases.handOver(g.batch, g.leased, g.at, g.others)
		answer(batch, g.errs)
		recycle(spare, batch)
	}
}

// committed is a group commit whose requests wait for the write-ahead log
// to reach the disk, with the events it leased at accept.
type committed struct {
	batch  []acceptReq
	errs   []error
	leased []leased
	others bool      // it stored events it did not lease
	at     time.Time // when it stored them
}

// flushLoop answers each group commit once the log holding it is on disk.
func (s *Store) flushLoop(in <-chan committed, spare chan<- []acceptReq) {
	for g := range in {
		if slices.Contains(g.errs, nil) {
			if err := s.wal.flush(); err != nil {
				err = unavailable("accept", err)
				for i := range g.errs {
					g.errs[i] = cmp.Or(g.errs[i], err)
				}
			}
		}
		// Leased events are handed over once durable, and even when the
		// flush failed: they are committed, and the webhooks, answered
		// with an error, will find them stored when they retry.
		s.acceptLeases.handOver(g.batch, g.leased, g.at, g.others)
		answer(g.batch, g.errs)
		recycle(spare, g.batch)
	}
}

// recycle offers an answered batch for the next group: a batch holds
// maxBatch events, tens of kilobytes to allocate for every commit.
func recycle(spare chan<- []acceptReq, batch []acceptReq) {
	clear(batch) // no request outlives its answer
	select {
	case spare <- batch[:0]:
	default:
	}
}

func answer(batch []acceptReq, errs []error) {
	for i, req := range batch {
		req.done <- errs[i]
	}
}

// commitGroup stores a batch in one transaction and returns each request's
// outcome. When one event is at fault (the database refuses a value of
// it), the others must not fail with it again on every retry: the batch is
// stored again one event at a time, so only the bad one is refused. A
// failure of the database itself is every request's.
func (s *Store) commitGroup(batch []acceptReq) committed {
	g := committed{batch: batch, errs: make([]error, len(batch)), at: fromMS(ms(s.Now()))}
	// Leases are written under config, so that StopLeasing, once it
	// returns, has no lease of the old owner still on its way.
	l := &s.acceptLeases
	l.config.Lock()
	defer l.config.Unlock()
	rows, others, err := s.insertBatch(batch, g.at)
	var re *rowError
	if err == nil || len(batch) == 1 || !errors.As(err, &re) {
		for i := range g.errs {
			g.errs[i] = err
		}
		g.leased, g.others = rows, others
		l.noteLeased(len(g.leased))
		return g
	}
	for i := range batch {
		one, others, err := s.insertBatch(batch[i:i+1], g.at)
		g.errs[i] = err
		for _, r := range one {
			g.leased = append(g.leased, leased{id: r.id, req: i})
		}
		g.others = g.others || others
		l.noteLeased(len(one))
	}
	return g
}

// rowError is a failure caused by one event's values, not by the database
// being unreachable.
type rowError struct{ err error }

func (e *rowError) Error() string { return e.err.Error() }
func (e *rowError) Unwrap() error { return e.err }

// acceptedRow is one row of insertBatch's VALUES: the event's columns, then
// whether it waits behind a pending event of its conversation (its key
// bound once more; see queueLines).
var acceptedRow = rowShape{
	text: "(" + strings.Repeat("?, ", 8) + inboxLines.waitsValue() + ")",
	// platform, bot, external_id, conversation_key, kind, event, raw, received_at, the key again
	types: []string{"TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "BYTEA", "BIGINT", "TEXT"},
}

// leasedRow is acceptedRow with the lease at accept (see LeaseAtAccept):
// the owner, the lease's end and the attempts a request is offered (NULL,
// NULL and 0 when the group may not lease it), which leasedInsert keeps
// only where nothing of the event's conversation is pending.
var leasedRow = rowShape{
	text:  "(" + strings.Repeat("?, ", 8) + inboxLines.waitsValue() + ", ?, ?, ?)",
	types: append(slices.Clip(acceptedRow.types), "TEXT", "BIGINT", "INTEGER"),
}

// leasedInsert is the insert of leasedRow's rows, as SQLite writes them
// (see Store.rows: their columns are column2 to column13). The rows are
// all read before any is inserted, so a row's lookups do not see the
// group's other rows.
func leasedInsert(rows string) string {
	return `INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, raw, received_at, waits, claimed_by, claimed_until, attempts)
		SELECT column2, column3, column4, column5, column6, column7, column8, column9, column10,
			CASE WHEN free THEN column11 END, CASE WHEN free THEN column12 END, CASE WHEN free THEN column13 ELSE 0 END
		FROM (SELECT *, NOT EXISTS (SELECT 1 FROM inbox e WHERE e.state = 'pending' AND e.conversation_key = column5) AS free
		      FROM (` + rows + `))
		WHERE true`
}

// acceptInsert is the insert of a group's rows (of leasedRow when
// leasing, else of acceptedRow); an event stored already is left as it is.
func acceptInsert(rows string, leasing bool) string {
	query := `INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, raw, received_at, waits)
		` + rows
	if leasing {
		query = leasedInsert(rows)
	}
	return query + ` ON CONFLICT (platform, bot, external_id) DO NOTHING`
}

// offer is what a group commit offers a request's event.
type offer uint8

const (
	offered   offer = iota // a lease, taken if nothing of its conversation is pending
	behind                 // none: an earlier event of its conversation in the group was inserted with it, and its turn comes first
	unoffered              // none, though it may be first in line: past the group's limit, or behind a repeated webhook of the group
)

// insertBatch stores a group with one statement, its own transaction: one
// round trip where BEGIN, the insert, a lease and COMMIT were four (about
// 0.9 ms of SQLite's writer for a group of one, the lease rewriting each
// row just written). When the pipeline takes leases at accept (see
// LeaseAtAccept), the insert leases the events that are first in line in
// their conversations: those are returned, and others says some inserted
// need a claim (see othersToClaim).
func (s *Store) insertBatch(batch []acceptReq, at time.Time) (leasedRows []leased, others bool, err error) {
	now := ms(at)
	ctx := context.Background()
	watched, owner, lease, limit := s.acceptLeases.leaseTo()
	leasing := owner != ""
	row := acceptedRow
	var offers []offer
	var keys []string
	var firsts map[string]int // a conversation's first request in the group
	if leasing {
		row = leasedRow
		offers, keys, firsts = make([]offer, len(batch)), make([]string, len(batch)), make(map[string]int, len(batch))
	}
	// A request whose caller gave up is still inserted: the platform will
	// retry it, and the retry must find it (or insert it) either way.
	args := make([]any, 0, len(row.types)*len(batch))
	offeredSoFar := 0
	for i, req := range batch {
		ev := req.ev
		key := ev.ConversationKey()
		if key == "" {
			// Events outside any chat must not queue behind each other.
			key = "none/" + string(ev.Platform) + "/" + ev.Bot + "/" + ev.ExternalID
		}
		args = append(args, string(ev.Platform), ev.Bot, ev.ExternalID, key, string(ev.Kind), string(req.data), []byte(ev.Raw), now, key)
		if !leasing {
			continue
		}
		keys[i] = key
		// Only the first of a conversation's events in the group may be
		// leased: the statement's lookups do not see the rows it inserts.
		var by, until any
		attempts := 0
		switch _, seen := firsts[key]; {
		case seen:
			offers[i] = behind
		case offeredSoFar == limit:
			firsts[key], offers[i] = i, unoffered
		default:
			firsts[key] = i
			offeredSoFar++
			by, until, attempts = owner, ms(at.Add(lease)), 1
		}
		args = append(args, by, until, attempts)
	}
	rows, args := s.rows(row, len(batch), args)
	query := acceptInsert(rows, leasing)
	if !watched {
		return nil, false, s.insertAlone(ctx, query, args)
	}
	// Someone takes what is accepted from here: they are told of the
	// events inserted, leased or not.
	query += ` RETURNING id, platform, bot, external_id, waits, claimed_by IS NOT NULL AS leased`
	inserted, err := s.insertedRows(ctx, query, args, batch)
	if err != nil {
		return nil, false, unavailable("accept", err)
	}
	if !leasing {
		return nil, len(inserted) > 0, nil
	}
	// One behind a repeated webhook of the group may be first in line: the
	// repeated event may be done already.
	firstStored := make(map[string]bool, len(inserted))
	for _, r := range inserted {
		if firsts[keys[r.req]] == r.req {
			firstStored[keys[r.req]] = true
		}
	}
	for i, r := range inserted {
		inserted[i].offer = offers[r.req]
		if offers[r.req] == behind && !firstStored[keys[r.req]] {
			inserted[i].offer = unoffered
		}
		if r.leased {
			leasedRows = append(leasedRows, inserted[i])
		}
	}
	return leasedRows, othersToClaim(inserted), nil
}

// insertAlone runs a group's insert as its own transaction: one round
// trip where BEGIN, the insert and COMMIT were three. On PostgreSQL, with
// several replicas, each one's groups are small (about four webhooks), and
// those round trips were a quarter of its statements per message. A
// failure is most likely one event's value (a rowError: commitGroup then
// stores them one by one), but on PostgreSQL only a statement the server
// refused is: any other failure is the database's.
func (s *Store) insertAlone(ctx context.Context, query string, args []any) error {
	s.stats.statements.Add(1)
	s.stats.commits.Add(1)
	var err error
	if s.postgres {
		_, err = s.w.ExecContext(ctx, s.pg(query), args...)
	} else {
		_, err = s.execWriter(ctx, query, args...)
	}
	if err == nil {
		return nil
	}
	if pgErr := (*pgconn.PgError)(nil); !s.postgres || errors.As(err, &pgErr) {
		err = &rowError{err}
	}
	return unavailable("accept", err)
}

// insertedRows runs a group's insert as its own transaction and returns
// the rows it inserted (not those stored before), lowest id first, with
// their requests' places. Only SQLite watches its accepts.
func (s *Store) insertedRows(ctx context.Context, query string, args []any, batch []acceptReq) ([]leased, error) {
	type key struct{ platform, bot, id string }
	var rows []struct {
		ID         int64  `db:"id"`
		Platform   string `db:"platform"`
		Bot        string `db:"bot"`
		ExternalID string `db:"external_id"`
		Waits      int    `db:"waits"`
		Leased     bool   `db:"leased"`
	}
	s.stats.statements.Add(1)
	s.stats.commits.Add(1)
	if err := s.selWriter(ctx, &rows, query, args...); err != nil {
		return nil, &rowError{err}
	}
	at := make(map[key]int, len(batch))
	for i := len(batch) - 1; i >= 0; i-- { // the first of a repeated id wins
		ev := batch[i].ev
		at[key{string(ev.Platform), ev.Bot, ev.ExternalID}] = i
	}
	out := make([]leased, 0, len(rows))
	for _, r := range rows {
		out = append(out, leased{id: r.ID, req: at[key{r.Platform, r.Bot, r.ExternalID}], waits: r.Waits == 1, leased: r.Leased})
	}
	slices.SortFunc(out, func(a, b leased) int { return cmp.Compare(a.id, b.id) })
	return out, nil
}

// inboxMarkQuery finds where event claims start (see ClaimEvents).
const inboxMarkQuery = `SELECT MIN(id) FROM inbox WHERE state = 'pending' AND waits = 0 AND id >= ?`

// lowerTo sets v to x if x is smaller.
func lowerTo(v *atomic.Int64, x int64) {
	for {
		cur := v.Load()
		if x >= cur || v.CompareAndSwap(cur, x) {
			return
		}
	}
}

// raiseTo sets v to x if x is larger.
func raiseTo(v *atomic.Int64, x int64) {
	for {
		cur := v.Load()
		if x <= cur || v.CompareAndSwap(cur, x) {
			return
		}
	}
}

// ClaimEvents leases up to limit pending events to owner until now+lease.
// Only the oldest pending event of each conversation is eligible, so a
// conversation's events are handed out one at a time, in order; it walks
// only the events that do not wait behind another (see queueLines). It is
// one statement (its own transaction): the candidates are chosen and leased
// together, and on PostgreSQL rows another replica is leasing are skipped,
// not waited for.
//
// Claiming counts an attempt, before the event is tried: an event whose
// processing kills the process (a fatal error no recover catches, an out
// of memory kill) is counted all the same. One that has been claimed
// aside.Attempts times already, none of which finished, is set aside
// (state failed, last_error aside.Cause) by the same statement instead of
// being handed out again.
func (s *Store) ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, aside chat.SetAside) ([]chat.InboxEvent, error) {
	// Start past the events already done. On PostgreSQL their index
	// entries stay until vacuum, and walking them on every claim made
	// claims slower the more had been processed. The mark is the first
	// event the claim's walk could take: pending and first in line
	// (waits = 0), the index the claim walks. An event that waits gets in
	// line behind a pending one with a smaller id, so it is never below
	// the mark when it is let go with that one's finishing; one let go by
	// the look over stuck lines may be, and lowers the mark below. Pending
	// events get an id below the mark otherwise only when an operator
	// retries failed ones, so the mark rises but for a periodic recount;
	// it is refreshed now and then, not on every claim.
	var ceiling func(context.Context, int64) (int64, error)
	if s.postgres {
		ceiling = s.inboxCeiling
	}
	if err := s.refreshMark(ctx, &s.inboxLow, &s.inboxMarkAt, &s.inboxRecountAt, now, inboxMarkQuery, 0, 0, ceiling); err != nil {
		return nil, unavailable("claim events", err)
	}
	unparked, err := s.unparkStale(ctx, inboxLines, &s.inboxUnparkAt, now)
	if err != nil {
		return nil, unavailable("claim events", err)
	}
	if unparked > 0 {
		lowerTo(&s.inboxLow, unparked)
	}
	setAsideAt := setAsideAt(aside)
	var rows []claimedEvent
	// Every SET expression reads the row as it was, so "attempts >= ?"
	// means: claimed that often before this claim.
	err = s.leaseSel(ctx, partClaimEvents, &rows, s.claimEventsQuery(), s.plannedEachCall(
		s.inboxLow.Load(), ms(now), ms(now), limit,
		setAsideAt, owner, setAsideAt, ms(now.Add(lease)), setAsideAt, aside.Cause, setAsideAt, setAsideAt, ms(now))...)
	if err != nil {
		return nil, unavailable("claim events", err)
	}
	slices.SortFunc(rows, func(a, b claimedEvent) int { return cmp.Compare(a.ID, b.ID) })
	out := make([]chat.InboxEvent, 0, len(rows))
	var setAside []any
	for _, r := range rows {
		if r.State != "pending" {
			setAside = append(setAside, r.ID)
			continue
		}
		ie, err := r.inboxEvent()
		if err != nil {
			return nil, fmt.Errorf("claim events: %w", err)
		}
		out = append(out, ie)
	}
	if len(setAside) > 0 {
		// Their conversations' next events go on. Failing here must not
		// lose the events just claimed: a look finds those next events
		// within unparkEvery all the same (unparkStale).
		_ = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			return s.unparkNext(ctx, tx, inboxLines, setAside)
		})
	}
	return out, nil
}

// setAsideAt is the number of claims after which a claim sets an event
// aside instead of handing it out again: never, when aside.Attempts is 0.
func setAsideAt(aside chat.SetAside) int {
	if aside.Attempts <= 0 {
		return math.MaxInt32
	}
	return aside.Attempts
}

// claimedEvent is an inbox row as a claim reads it back.
type claimedEvent struct {
	ID         int64  `db:"id"`
	State      string `db:"state"`
	Attempts   int    `db:"attempts"`
	Event      string `db:"event"`
	Raw        []byte `db:"raw"`
	ReceivedAt int64  `db:"received_at"`
}

// claimedEventColumns are what a claim reads back of an inbox row.
const claimedEventColumns = `id, state, attempts, event, raw, received_at`

// inboxEvent decodes the row as the pipeline takes it.
func (r claimedEvent) inboxEvent() (chat.InboxEvent, error) {
	ie := chat.InboxEvent{ID: r.ID, ReceivedAt: fromMS(r.ReceivedAt), Attempts: r.Attempts}
	if err := json.Unmarshal([]byte(r.Event), &ie.Event); err != nil {
		return chat.InboxEvent{}, fmt.Errorf("decode event %d: %w", r.ID, err)
	}
	ie.Raw = r.Raw
	return ie, nil
}

// claimEventsQuery is ClaimEvents' statement. Its arguments: the mark,
// now (twice), the limit; then setAsideAt, owner, setAsideAt, the lease's
// end, setAsideAt, the cause, setAsideAt, setAsideAt, and now again.
func (s *Store) claimEventsQuery() string {
	return `WITH candidates AS MATERIALIZED (
			SELECT i.id FROM inbox i
			WHERE i.state = 'pending' AND i.waits = 0 AND i.id >= ? AND i.next_attempt_at <= ?
			  AND (i.claimed_until IS NULL OR i.claimed_until < ?)
			  AND ` + s.firstInLine("inbox", "i", "conversation_key") + `
			ORDER BY i.id LIMIT ?` + s.skipLocked() + `)
		UPDATE inbox SET
			claimed_by = CASE WHEN attempts >= ? THEN NULL ELSE ? END,
			claimed_until = CASE WHEN attempts >= ? THEN NULL ELSE CAST(? AS BIGINT) END,
			last_error = CASE WHEN attempts >= ? THEN ? ELSE last_error END,
			state = CASE WHEN attempts >= ? THEN 'failed' ELSE state END,
			attempts = CASE WHEN attempts >= ? THEN attempts ELSE attempts + 1 END
		WHERE ` + s.chosenCandidates() + ` AND (claimed_until IS NULL OR claimed_until < ?)
		RETURNING ` + claimedEventColumns
}

// markEvery is how often a claim refreshes its starting mark.
const markEvery = 250 * time.Millisecond

// markRecountEvery is how often the mark is counted again from the
// bottom, where it may go down: rows an operator puts back in line (failed
// events, dead letters) keep their place in the order, below the mark, and
// the command that does it runs in another process.
const markRecountEvery = 30 * time.Second

// refreshMark raises *mark to what query (given the mark) finds, less
// slack, at most every markEvery; every markRecountEvery it sets it to what
// query finds from floor. A mark lower than it could be is only slower,
// never wrong. ceiling, when given, is the highest the mark may be (rows
// below it may still be on their way).
func (s *Store) refreshMark(ctx context.Context, mark, at, recountAt *atomic.Int64, now time.Time, query string, floor, slack int64,
	ceiling func(ctx context.Context, nowMS int64) (int64, error)) error {
	nowMS := now.UnixMilli()
	if !turnDue(at, nowMS, markEvery) {
		return nil
	}
	from, recount := mark.Load(), false
	if r := recountAt.Load(); (nowMS < r || nowMS-r >= markRecountEvery.Milliseconds()) && recountAt.CompareAndSwap(r, nowMS) {
		from, recount = floor, true
	}
	var first sql.NullInt64
	if err := s.readGet(ctx, &first, query, from); err != nil {
		return err
	}
	if ceiling != nil {
		c, err := ceiling(ctx, nowMS)
		if err != nil {
			return err
		}
		// Nothing pending, or pending rows past the ceiling: the mark
		// rises to the ceiling, no further.
		if !first.Valid || first.Int64 > c+slack {
			first = sql.NullInt64{Int64: c + slack, Valid: true}
		}
	}
	switch {
	case first.Valid && recount:
		mark.Store(first.Int64 - slack)
	case first.Valid:
		raiseTo(mark, first.Int64-slack)
	}
	return nil
}

// turnDue says whether a periodic job last run at *at (ms, 0: never) is
// due again at nowMS, every apart, and takes the turn if so: of callers
// racing for one turn, one gets it. A clock gone backwards makes it due.
func turnDue(at *atomic.Int64, nowMS int64, every time.Duration) bool {
	last := at.Load()
	if last != 0 && nowMS >= last && nowMS-last < every.Milliseconds() {
		return false
	}
	return at.CompareAndSwap(last, nowMS)
}

// inboxSettle is how long after an inbox id became the highest visible
// every lower id is surely visible too: longer than any webhook's group
// commit takes (a webhook waits AcceptTimeout, 5 s by default, for its).
const inboxSettle = 10 * time.Second

// inboxCeiling is the highest mark event claims may start from. On
// PostgreSQL an id is taken when a webhook's row is inserted and becomes
// visible when its group commit ends; group commits of several replicas
// end in another order than they took their ids. A mark raised to the
// lowest pending id visible could pass over a lower one committed a
// moment later, and claims would not see that event until the next
// recount (30 s: measured as p99 ≈ 30 s with three replicas). So the
// mark rises only to the highest id that was visible inboxSettle ago,
// which every group commit then in progress has passed by now. (On SQLite
// one writer commits ids in the order it takes them: no ceiling.)
func (s *Store) inboxCeiling(ctx context.Context, nowMS int64) (int64, error) {
	var top sql.NullInt64
	if err := s.readGet(ctx, &top, `SELECT MAX(id) FROM inbox`); err != nil {
		return 0, err
	}
	return s.inboxSettled.note(nowMS, top.Int64+1), nil
}

// settledMarks remembers the highest inbox id visible at each of its
// recent refreshes, to tell which was visible inboxSettle ago.
type settledMarks struct {
	mu      sync.Mutex
	samples []settledSample // oldest first
}

type settledSample struct{ at, next int64 }

// note records next (one past the highest id visible) at nowMS and
// returns the latest such value noted at least inboxSettle earlier; 0
// until there is one (the mark does not rise).
func (m *settledMarks) note(nowMS, next int64) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples = append(m.samples, settledSample{at: nowMS, next: next})
	settle := inboxSettle.Milliseconds()
	// Keep the newest sample old enough and everything after it.
	keep := 0
	for i, x := range m.samples {
		if nowMS-x.at >= settle {
			keep = i
		}
	}
	m.samples = m.samples[keep:]
	if x := m.samples[0]; nowMS-x.at >= settle {
		return x.next
	}
	return 0
}

// skipLocked makes a claim's candidate query skip rows another replica's
// claim holds (PostgreSQL); SQLite has one writer and no row locks.
func (s *Store) skipLocked() string {
	if s.postgres {
		return " FOR NO KEY UPDATE SKIP LOCKED"
	}
	return ""
}

// The statements that read the queues' pending rows must not depend on
// the statistics: they lag a burst by seconds (after a drain, until a fifth
// of the table changes), and PostgreSQL keeps a prepared statement's
// generic plan until the next ANALYZE. Planned on a nearly empty inbox, or
// on statistics that believed few or no events pending, the event claim's
// "no earlier pending event in this conversation" read every pending event
// per candidate (a join on nothing, or inbox_claim read whole), and its
// update joined the candidates to every pending event the same way. With
// three replicas single claims took 0.1–4.7 s (auto_explain), and the rows
// they held locked kept other replicas' "done" updates waiting up to 12 s.
// Now those statements are planned per call (plannedEachCall), spelled so
// that no plan reads a line but by its key (firstInLine, chosenCandidates),
// and inbox_claim is gone on PostgreSQL (migration 22): 0.4 ms in every
// state that gave the bad plans (TestClaimPlansIgnoreStaleStatistics).

// plannedEachCall marks a statement's arguments so that PostgreSQL plans it
// at each call, with its arguments and the statistics of the moment,
// instead of keeping one generic plan: the queues change too fast for a
// plan made once. The statement is still described once and sent in one
// round trip (pgx's QueryExecModeCacheDescribe); planning a claim took
// 0.2–0.6 ms in EXPLAIN ANALYZE with 3,000 events pending.
func (s *Store) plannedEachCall(args ...any) []any {
	if !s.postgres {
		return args
	}
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}

// firstInLine is a claim's check that row alias of table is the first
// pending one of its line (key): no pending row of the line has a smaller
// id. On PostgreSQL the OFFSET keeps it a probe per candidate (an index
// lookup by the candidate's line) instead of a join the planner may choose
// to run without one. SQLite probes per row anyway.
func (s *Store) firstInLine(table, alias, key string) string {
	fence := ""
	if s.postgres {
		fence = " OFFSET 0"
	}
	return "NOT EXISTS (SELECT 1 FROM " + table + " e WHERE e.state = 'pending' AND e." + key + " = " + alias + "." + key +
		" AND e.id < " + alias + ".id" + fence + ")"
}

// chosenCandidates matches the rows a claim's candidates CTE chose, still
// pending (its caller checks the lease). On PostgreSQL the ids go as one
// array, looked up by key whatever the statistics say ("IN (SELECT …)"
// could become a join that walks every pending row), and the state is not
// checked again: the CTE locked the rows (skipLocked), and PostgreSQL
// checks a row it locks against the CTE's conditions again if it changed
// meanwhile, so nobody else can have finished them. Saying "state =
// 'pending'" would let the planner read the candidates through a pending
// rows' index that statistics taken while nothing was pending believe
// empty, every pending row once per claim (20 ms with 30,000 pending).
func (s *Store) chosenCandidates() string {
	if s.postgres {
		return "id = ANY (ARRAY(SELECT id FROM candidates))"
	}
	return "id IN (SELECT id FROM candidates) AND state = 'pending'"
}

// RetryEvent gives back a claimed event that could not be processed, to
// be tried again from next. Its claim counted the attempt; once maxAttempts
// are spent it is marked failed so it no longer holds up its conversation.
func (s *Store) RetryEvent(ctx context.Context, id int64, next time.Time, cause string, maxAttempts int) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var states []string
		if err := s.sel(ctx, tx, &states, `UPDATE inbox SET last_error = ?, next_attempt_at = ?,
			claimed_by = NULL, claimed_until = NULL,
			state = CASE WHEN attempts >= ? THEN 'failed' ELSE state END
			WHERE id = ? AND state = 'pending' RETURNING state`, cause, ms(next), maxAttempts, id); err != nil {
			return err
		}
		if len(states) == 1 && states[0] == "failed" {
			// Set aside: its conversation's next event goes on.
			return s.unparkNext(ctx, tx, inboxLines, []any{id})
		}
		return nil
	})
	return unavailable("retry event", err)
}

// DeferEvent gives back a claimed event to be tried again from next
// without spending an attempt: it was not tried, only found early (an
// agent's reply to a message whose sending is still being recorded).
func (s *Store) DeferEvent(ctx context.Context, id int64, next time.Time, cause string) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := s.exec(ctx, tx, `UPDATE inbox SET last_error = ?, next_attempt_at = ?,
			claimed_by = NULL, claimed_until = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
			WHERE id = ? AND state = 'pending'`, cause, ms(next), id)
		return err
	})
	return unavailable("defer event", err)
}

// ReleaseClaims gives back everything owner holds but has not finished, so
// the next start need not wait for the leases to expire; owner "" gives
// back every claim (see TakeOver). An owner stopping gracefully gives its
// events' attempts back too: they were not tried to the end, and did not
// crash anything. Claims taken over from a process that is gone keep
// theirs, since that process may have died of them.
func (s *Store) ReleaseClaims(ctx context.Context, owner string) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := s.exec(ctx, tx, `UPDATE inbox SET claimed_by = NULL, claimed_until = NULL,
			attempts = CASE WHEN ? <> '' AND attempts > 0 THEN attempts - 1 ELSE attempts END
			WHERE (claimed_by = ? OR (? = '' AND claimed_by IS NOT NULL)) AND state = 'pending'`, owner, owner, owner); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
			WHERE (claimed_by = ? OR (? = '' AND claimed_by IS NOT NULL)) AND state = 'pending'`, owner, owner)
		return err
	})
	return unavailable("release claims", err)
}

// storable makes an event's strings safe for both databases: PostgreSQL's
// text refuses NUL characters and invalid UTF-8, which a hostile payload
// can carry, and one such event would fail its whole group commit again
// and again. NULs are dropped and bad bytes replaced; the raw payload
// keeps the original.
func storable(ev chat.Event) chat.Event {
	for _, f := range []*string{&ev.ExternalID, &ev.ChatID, &ev.ThreadID, &ev.MessageID, &ev.ReplyTo, &ev.CallbackID,
		&ev.Text, &ev.AlbumID, &ev.Customer.ID, &ev.Customer.Name, &ev.Customer.Username, &ev.Customer.Language} {
		if strings.IndexByte(*f, 0) >= 0 || !utf8.ValidString(*f) {
			*f = strings.ToValidUTF8(strings.ReplaceAll(*f, "\x00", ""), "\uFFFD")
		}
	}
	return ev
}
