package pipeline

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// completer records the sends the platforms accepted, many per
// transaction, as River's completer marks jobs done: the first result is
// written at once with whatever else queued meanwhile (group commit), so
// batches grow with the load and an idle service waits for nothing. Each
// sender waits for its result to be written before it takes more work, so
// nothing is held unrecorded for longer than a write takes, well inside the
// lease. A write that fails is tried again, with backoff, for as long as
// the process lives: the platform has the message, and forgetting that
// would send it again when its lease runs out. Until it is written, the
// sender skips a message it holds (sentUnrecorded), so the same process
// never sends it twice even when an outage outlasts the lease.
type completer struct {
	in      chan completion
	mu      sync.Mutex
	pending map[int64]bool // accepted by the platform, not yet written
}

// maxCompletions bounds one transaction of completions.
const maxCompletions = 256

// completion is a send to record, its chat, and who waits for it.
type completion struct {
	chat.SentMessage
	line string
	slot bool // its delivery holds a sender slot, free once it is written
	// written is told, once it is, whether the completer claimed work for
	// that slot.
	written chan bool
}

func newCompleter() *completer {
	return &completer{in: make(chan completion, maxCompletions), pending: map[int64]bool{}}
}

// record queues a send and waits until it is written, or until abort ends
// (a stop that ran out of time); refilled says work was claimed for the
// sender slot its delivery holds.
func (c *completer) record(m chat.SentMessage, line string, slot bool, abort <-chan struct{}) (refilled bool) {
	c.mu.Lock()
	c.pending[m.ID] = true
	c.mu.Unlock()
	done := make(chan bool, 1)
	select {
	case c.in <- completion{m, line, slot, done}:
	case <-abort:
		return false
	}
	select {
	case refilled = <-done:
	case <-abort:
	}
	return refilled
}

// sentUnrecorded reports whether a message was sent and is waiting to be
// written: sending it again would duplicate it.
func (c *completer) sentUnrecorded(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending[id]
}

// close says no more sends will come; run writes what it holds and returns.
func (c *completer) close() { close(c.in) }

// run writes completions until close, then flushes the rest.
func (p *Pipeline) runCompleter() {
	defer p.done.Done()
	c := p.completer
	batch := make([]completion, 0, maxCompletions)
	sent := make([]chat.SentMessage, 0, maxCompletions)
	for first := range c.in {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxCompletions {
			select {
			case m, ok := <-c.in:
				if !ok {
					break fill
				}
				batch = append(batch, m)
			default:
				break fill
			}
		}
		sent = sent[:0]
		lines := make([]string, len(batch))
		for i, m := range batch {
			lines[i] = m.line
		}
		// A chat known to hold a message behind this one moves on in the
		// same write.
		followed := p.flights.followed(lines)
		slots, heads := 0, 0
		for i, m := range batch {
			m.ClaimNext = followed[i]
			sent = append(sent, m.SentMessage)
			if m.slot {
				slots++
			}
			if followed[i] {
				heads++
			}
		}
		// While the sender waits for slots, there is more to send than
		// slots: claim for the ones these sends free in the same write,
		// rather than have the sender claim in a transaction of its own.
		more := 0
		if slots > heads && p.flights.slotWanted() {
			more = slots - heads
		}
		// In id order, so two replicas' writes lock rows in one order.
		slices.SortFunc(sent, func(a, b chat.SentMessage) int { return cmp.Compare(a.ID, b.ID) })
		next := p.writeCompletions(sent, more)
		// Short of the slots freed, the sender claims for the rest (and
		// notes which chats wait behind ones in flight).
		refilled := more > 0 && len(next) >= slots
		c.mu.Lock()
		for _, m := range batch {
			delete(c.pending, m.ID)
		}
		c.mu.Unlock()
		// The chats' next messages are in flight before the senders of
		// these go on (their chats are not idle, see flights.finish), and
		// counted as deliveries before those end (so a stop waits for
		// them too).
		for _, m := range next {
			p.flights.start(m.Line)
		}
		p.deliveries.Add(len(next))
		for _, m := range batch {
			m.written <- refilled
		}
		for _, m := range next {
			// Waiting for a slot here would hold up recording the sends
			// that free them.
			go func() {
				p.sendSlots <- struct{}{}
				p.deliverInSlot(m)
			}()
		}
	}
}

// writeCompletions writes one batch, trying again until it is written or
// the pipeline is aborted (a stop that ran out of time): then the lease
// will let the messages be sent again, the one duplicate window left.
// Unless the pipeline is stopping, it leases the message next in line in
// each of their chats, and up to more other messages due, returned to be
// sent at once.
func (p *Pipeline) writeCompletions(batch []chat.SentMessage, more int) []chat.Outgoing {
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		now := p.now()
		var claim chat.SendClaim
		if !p.stopping() {
			claim = chat.SendClaim{Owner: p.owner, Until: now.Add(p.cfg.Lease), Max: cap(p.sendSlots), More: more}
		}
		next, err := p.store.MarkSentAndClaimNext(context.WithoutCancel(p.workCtx), batch, claim, now)
		p.health.wrote("record sends", err, p.now())
		if err == nil {
			return next
		}
		if p.workCtx.Err() != nil {
			p.log.Error("sender: sent messages could not be recorded before the stop; they may be sent again", "messages", len(batch), "err", err)
			return nil
		}
		level := p.log.Warn
		if attempt%20 == 0 {
			level = p.log.Error
		}
		level("sender: recording sent messages failed, retrying", "messages", len(batch), "attempt", attempt, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-p.workCtx.Done():
			t.Stop()
		}
		wait = min(wait*2, 2*time.Second)
	}
}
