package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// ledger keeps what was posted and what the fake Bot API received, and
// matches them. Replies are matched by the message number they name, or,
// against a --target whose replies name nothing, by chat.
type ledger struct {
	epoch  time.Time
	byChat bool // --target: any reply to a chat answers its messages in turn

	// Counters for the progress line.
	posted, accepted, retries, errors atomic.Int64

	mu       sync.Mutex
	msgs     []msgRecord
	webhook  []int64 // acceptance latencies, ns
	firstAt  int64   // first post, ns since epoch; -1 until then
	lastAcc  int64   // last acceptance
	replies  int     // replies to customers, read from the fake so far
	notices  int     // messages to group chats: the handoff team's notices
	strays   int     // replies naming no message of this run
	lastRep  int64   // last reply to a customer
	open     int     // accepted messages still waiting for their reply
	chats    map[int64]*chatTally
	perChat  map[int64][]int64 // byChat: reply times per chat, in order
	consumed int               // replies taken from the fake
}

// msgRecord is one customer message (retries share their original's).
type msgRecord struct {
	at       int64 // scheduled (open loop) or first posted (closed loop), ns since epoch
	chat     int64
	firstRep int64 // first reply, ns since epoch
	kind     kind
	accepted bool
	replies  uint32
}

// chatTally counts a chat's messages expecting a reply and its replies,
// for matching by chat.
type chatTally struct{ want, got int }

func newLedger(epoch time.Time, byChat bool) *ledger {
	l := &ledger{epoch: epoch, byChat: byChat, firstAt: -1}
	if byChat {
		l.chats = map[int64]*chatTally{}
		l.perChat = map[int64][]int64{}
	}
	return l
}

func (l *ledger) since(t time.Time) int64 { return int64(t.Sub(l.epoch)) }

// record notes a new customer message before its first post.
func (l *ledger) record(u update, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, msgRecord{at: l.since(at), chat: u.ChatID, kind: u.Kind})
	if l.firstAt < 0 {
		l.firstAt = l.since(at)
	}
}

// accept notes that the webhook answered 200 for a delivery scheduled at
// `at`.
func (l *ledger) accept(u update, at, done time.Time) {
	l.accepted.Add(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.webhook = append(l.webhook, int64(done.Sub(at)))
	l.lastAcc = max(l.lastAcc, l.since(done))
	m := &l.msgs[u.Msg]
	if m.accepted {
		return
	}
	m.accepted = true
	if !m.kind.expectsReply() {
		return
	}
	if !l.byChat {
		if m.replies == 0 {
			l.open++
		}
		return
	}
	c := l.chat(m.chat)
	if c.want++; c.want > c.got {
		l.open++
	}
}

func (l *ledger) chat(id int64) *chatTally {
	c := l.chats[id]
	if c == nil {
		c = &chatTally{}
		l.chats[id] = c
	}
	return c
}

// take matches the replies the fake received since the last call.
func (l *ledger) take(f *fakeAPI) {
	l.mu.Lock()
	defer l.mu.Unlock()
	news := f.since(l.consumed)
	l.consumed += len(news)
	for _, r := range news {
		if r.chat < 0 {
			l.notices++
			continue
		}
		l.replies++
		l.lastRep = max(l.lastRep, r.at)
		if l.byChat {
			l.perChat[r.chat] = append(l.perChat[r.chat], r.at)
			c := l.chat(r.chat)
			if c.got++; c.got <= c.want {
				l.open--
			}
			continue
		}
		if r.msg < 0 || r.msg >= len(l.msgs) || l.msgs[r.msg].chat != r.chat {
			l.strays++
			continue
		}
		m := &l.msgs[r.msg]
		if m.replies++; m.replies == 1 {
			m.firstRep = r.at
			if m.accepted && m.kind.expectsReply() {
				l.open--
			}
		}
	}
}

// progress returns the replies to customers so far and the accepted
// messages still waiting for one.
func (l *ledger) progress() (replies, open int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.replies, l.open
}

// outstanding is how many accepted messages still wait for a reply.
func (l *ledger) outstanding() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// tally is the outcome of a run, from the ledger's point of view.
type tally struct {
	accepted, posted, retries, errors int64
	acceptWindow                      time.Duration // first post to last acceptance
	webhook                           []int64
	replies, notices                  int
	replyWindow                       time.Duration // first post to last reply
	send                              []int64       // message → its first reply
	duplicates, lost, unexpected      int
	// messages counts the customer messages accepted, each once: an
	// update posted again (kindRetry, or a post retried after a failure)
	// is not another message.
	messages int
}

// close computes the outcome; call it once posting and draining are over.
func (l *ledger) close() tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := tally{
		accepted: l.accepted.Load(), posted: l.posted.Load(), retries: l.retries.Load(), errors: l.errors.Load(),
		webhook: l.webhook, replies: l.replies, notices: l.notices, unexpected: l.strays,
	}
	for _, m := range l.msgs {
		if m.accepted {
			t.messages++
		}
	}
	if l.firstAt >= 0 {
		t.acceptWindow = time.Duration(l.lastAcc - l.firstAt)
		t.replyWindow = time.Duration(l.lastRep - l.firstAt)
	}
	if l.byChat {
		l.closeByChat(&t)
		return t
	}
	for _, m := range l.msgs {
		switch {
		case !m.kind.expectsReply():
			t.unexpected += int(m.replies)
		case m.replies > 1:
			t.duplicates++
		case m.replies == 0 && m.accepted:
			t.lost++
		}
		if m.replies > 0 && m.kind.expectsReply() {
			t.send = append(t.send, m.firstRep-m.at)
		}
	}
	return t
}

// closeByChat matches a chat's replies to its messages expecting one, in
// order. Without markers a second answer to a message cannot be told from
// an answer to spam, so extra replies all count as unexpected.
func (l *ledger) closeByChat(t *tally) {
	waiting := map[int64][]int64{} // chat → times of its messages expecting a reply
	for _, m := range l.msgs {
		if m.accepted && m.kind.expectsReply() {
			waiting[m.chat] = append(waiting[m.chat], m.at)
		}
	}
	for chat, c := range l.chats {
		t.lost += max(0, c.want-c.got)
		t.unexpected += max(0, c.got-c.want)
		for i, at := range l.perChat[chat] {
			if i < len(waiting[chat]) {
				t.send = append(t.send, at-waiting[chat][i])
			}
		}
	}
}
