package store

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// acceptLeases leases events to the pipeline in the transaction that
// accepts them, and hands them over in memory once they are durable. An
// event that is first in line in its conversation would otherwise cost a
// claim of its own: a wake-up, a turn of the writer and a transaction
// before it is decided. At moderate rates that was a third of SQLite's
// transactions. Only SQLite does it: its one writer runs the insert and the
// check that nothing of the conversation is pending before it as one step,
// so no event can pass an earlier one being committed meanwhile. On
// PostgreSQL another replica's insert may not be visible yet, and its
// claims keep their own order checks.
//
// At most one group's leases wait to be taken: while they do, the pipeline
// is busy (all its workers are), and the next events wait in the inbox for
// its claims, as they did before. So the leases never outrun the pipeline.
type acceptLeases struct {
	// config is held by the accept loop while it leases and commits, so
	// that once StopLeasing returns no lease of the old owner is still
	// being written (the owner's release of its claims comes after).
	config sync.Mutex
	owner  string // "" when nobody takes leases
	lease  time.Duration
	limit  int

	mu      sync.Mutex
	pending int               // leased, not yet taken (in the queue or being flushed)
	queue   []chat.InboxEvent // durable, waiting to be taken
	others  bool              // events were accepted that were not leased
	ready   chan struct{}     // told when queue or others changed
}

// leased is an event a group commit inserted: its row and its request's
// place in the group, and whether it was leased.
type leased struct {
	id  int64
	req int
	// waits: inserted behind an event of its conversation that nobody
	// has claimed (see queueLines.waitsValue).
	waits  bool
	leased bool
	offer  offer
}

// othersToClaim says whether a group's inserted events that were not
// leased at accept need a claim of the pipeline's: those behind an event
// nobody holds, and those not offered a lease though they may be first in
// line (see offer). One behind an event the pipeline holds needs none:
// that event's apply leases it (chat.EventClaim), or says it waits;
// likewise one behind an event this group inserted, once that one's turn
// comes. On SQLite, the only store that leases at accept, the one writer
// orders the apply after this insert, so the apply sees it. Those claims
// found nothing: at 1,000 webhooks a second, more than half of all event
// claims.
func othersToClaim(inserted []leased) bool {
	for _, r := range inserted {
		if !r.leased && (r.waits || r.offer == unoffered) {
			return true
		}
	}
	return false
}

// LeaseAtAccept makes the store lease to owner, for lease, up to limit of
// the events it accepts that are first in line in their conversations, in
// the transaction that stores them. Once durable they wait for TakeLeased;
// the returned channel is told when they, or events not leased, are
// accepted. It returns nil on PostgreSQL, which does not lease at accept.
// StopLeasing ends it.
func (s *Store) LeaseAtAccept(owner string, lease time.Duration, limit int) <-chan struct{} {
	if s.postgres || owner == "" || limit <= 0 {
		return nil
	}
	l := &s.acceptLeases
	l.config.Lock()
	defer l.config.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.owner, l.lease, l.limit = owner, lease, limit
	// Whatever an earlier owner left was given back with its claims.
	l.pending, l.queue, l.others = 0, nil, false
	if l.ready == nil {
		l.ready = make(chan struct{}, 1)
	}
	return l.ready
}

// StopLeasing ends LeaseAtAccept. When it returns, no more events are
// leased, and every lease already written is in the database: the owner's
// ReleaseClaims then gives them all back.
func (s *Store) StopLeasing() {
	l := &s.acceptLeases
	l.config.Lock()
	defer l.config.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.owner = ""
	l.queue = nil
}

// TakeLeased returns the events leased at accept and not yet taken, and
// whether events were accepted since the last call that were not leased
// (they wait for a claim).
func (s *Store) TakeLeased() (events []chat.InboxEvent, others bool) {
	l := &s.acceptLeases
	l.mu.Lock()
	defer l.mu.Unlock()
	events, others = l.queue, l.others
	l.pending -= len(events)
	l.queue, l.others = nil, false
	return events, others
}

// leaseTo says whether someone takes what is accepted (watched), and who
// leases the group being committed, and how many: owner "" when nobody
// does, or a group's leases still wait to be taken.
func (l *acceptLeases) leaseTo() (watched bool, owner string, lease time.Duration, limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.owner == "" {
		return false, "", 0, 0
	}
	if l.pending > 0 {
		return true, "", 0, 0
	}
	return true, l.owner, l.lease, l.limit
}

// noteLeased records, once a group is committed, how many of its events
// wait to be handed over, so no other group leases meanwhile.
func (l *acceptLeases) noteLeased(n int) {
	if n == 0 {
		return
	}
	l.mu.Lock()
	l.pending += n
	l.mu.Unlock()
}

// handOver queues a durable group's leased events for TakeLeased and tells
// the pipeline, with whether the group held events it did not lease. It
// runs before the webhooks are answered.
func (l *acceptLeases) handOver(batch []acceptReq, rows []leased, receivedAt time.Time, others bool) {
	if len(rows) == 0 && !others {
		return
	}
	events := make([]chat.InboxEvent, 0, len(rows))
	for _, r := range rows {
		req := batch[r.req]
		// Decoded from what was stored, as a claim would, so an event
		// taken here is the event a claim would have returned.
		ie := chat.InboxEvent{ID: r.id, ReceivedAt: receivedAt, Attempts: 1}
		if err := json.Unmarshal(req.data, &ie.Event); err != nil {
			// It was encoded by Accept a moment ago; were it ever
			// unreadable, a claim after the lease would report it.
			others = true
			continue
		}
		ie.Raw = req.ev.Raw
		events = append(events, ie)
	}
	l.mu.Lock()
	if l.owner == "" {
		// Nobody takes them any more; the owner's release gives them back.
		l.mu.Unlock()
		return
	}
	l.pending -= len(rows) - len(events)
	l.queue = append(l.queue, events...)
	l.others = l.others || others
	ready := l.ready
	l.mu.Unlock()
	select {
	case ready <- struct{}{}:
	default:
	}
}
