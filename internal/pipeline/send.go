package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func (p *Pipeline) sendLoop() {
	defer p.loops.Done()
	for !p.stopping() {
		free := cap(p.sendSlots) - len(p.sendSlots)
		if free == 0 {
			p.flights.waitSlot()
			if cap(p.sendSlots) == len(p.sendSlots) && !p.wait(p.sendWake, p.cfg.PollInterval) {
				return
			}
			continue
		}
		p.flights.claiming()
		before := p.flights.inFlight()
		end := p.health.begin("claiming sends", p.now())
		msgs, err := p.store.ClaimOutgoing(p.workCtx, p.owner, p.now(), p.cfg.Lease, free)
		end()
		p.health.wrote("claim sends", err, p.now())
		if err != nil {
			p.log.Warn("sender: claiming messages failed", "err", err)
			if !p.wait(nil, p.cfg.PollInterval) {
				return
			}
			continue
		}
		if len(msgs) < free && p.waitingBehind(before) {
			p.wakeSender()
		}
		if len(msgs) == 0 {
			if !p.wait(p.sendWake, p.untilNextDue()) {
				return
			}
			continue
		}
		for _, m := range msgs {
			p.startDelivery(m)
		}
	}
}

// startDelivery sends a claimed message in the background once a sender
// slot is free.
func (p *Pipeline) startDelivery(m chat.Outgoing) {
	p.flights.start(m.Line)
	p.deliveries.Add(1)
	p.sendSlots <- struct{}{}
	go p.deliverInSlot(m)
}

// deliverInSlot sends a message that holds a sender slot, is noted in
// flight and is counted as a delivery.
func (p *Pipeline) deliverInSlot(m chat.Outgoing) {
	defer p.deliveries.Done()
	sent, refilled := p.deliver(m)
	<-p.sendSlots
	// The chat's next message may go now, if one waits behind it; a
	// message put back may be due before the sender's next look; the
	// slot is the sender's to fill unless the completer did.
	if p.flights.finish(m.Line, refilled) || !sent {
		p.wakeSender()
	}
}

// waitingBehind notes, after a claim came back short, which of the chats
// that had a message in flight when it started hold another message
// waiting behind it: finishing that one must claim again. It reports
// whether to claim again at once (one finished while the claim ran, or
// the store could not tell).
func (p *Pipeline) waitingBehind(before []string) bool {
	if len(before) == 0 {
		return p.flights.short(nil)
	}
	waiting, err := p.store.Waiting(p.workCtx, before)
	if err != nil {
		p.log.Warn("sender: could not tell which chats have messages waiting", "err", err)
		return true
	}
	return p.flights.short(waiting)
}

// untilNextDue is how long the sender may sleep when there is nothing to
// send now: until the earliest retry is due, at most the poll interval.
func (p *Pipeline) untilNextDue() time.Duration {
	due, ok, err := p.store.NextDue(p.workCtx)
	if err != nil || !ok {
		return p.cfg.PollInterval
	}
	return min(max(due.Sub(p.now()), 5*time.Millisecond), p.cfg.PollInterval)
}

// holdsLease makes sure the message's lease outlasts its send: a message
// that waited long for a sender slot or the platform's pace (a backlog,
// a slow database) may be near the end of its lease, and another sender
// may then claim it and send it too. Such a lease is renewed first; when
// it is no longer ours (another holds it, or it left the queue) the
// message is not sent from here.
func (p *Pipeline) holdsLease(m *chat.Outgoing) bool {
	now, needed := p.now(), p.sendTimeout(*m)+leaseMargin
	if m.LeasedUntil.IsZero() || now.Add(needed).Before(m.LeasedUntil) {
		return true
	}
	until := now.Add(max(p.cfg.Lease, needed))
	ok, err := p.store.RenewLease(p.workCtx, m.ID, p.owner, m.LeasedUntil, until)
	p.health.wrote("renew lease", err, p.now())
	if err != nil || !ok {
		p.log.Info("sender: not sending a message whose lease ran out", "outbox", m.ID, "err", err)
		return false
	}
	m.LeasedUntil = until
	return true
}

// leaseMargin is how much of a lease a send leaves unused, for the record
// of it to be written.
const leaseMargin = 5 * time.Second

// deliver sends one claimed message and records the outcome; sent says
// it went and is recorded, anything else put it back or gave it up.
// refilled says the completer, recording it, claimed work for the sender
// slot it frees.
func (p *Pipeline) deliver(m chat.Outgoing) (sent, refilled bool) {
	sender, ok := p.senders[SenderKey(m.Platform, m.Bot)]
	if !ok {
		// The bot is not running (no token in this deployment); keep the
		// message for when it is.
		p.retry(m, time.Minute, fmt.Sprintf("bot %s/%s is not running", m.Platform, m.Bot))
		return false, false
	}
	if p.completer.sentUnrecorded(m.ID) {
		// Sent already; the record of it is on its way (the database was
		// slow or away for longer than the lease).
		return false, false
	}
	if !m.WindowUntil.IsZero() && p.now().After(m.WindowUntil) {
		// Too late: the platform's interaction window has closed (say,
		// after a long outage). Sending now would break its rules.
		p.fail(m, chat.ReasonWindowClosed, false)
		p.cfg.Observer.Sent(m.Platform, "window_closed")
		return false, false
	}
	c, ok := p.call(&m, sender)
	if !ok {
		return false, false
	}
	if c.err == nil {
		refilled = p.recordSentAll(m, c.parts, c.platformID)
		p.cfg.Observer.Sent(m.Platform, "sent")
		return true, refilled
	}
	if len(c.parts) > 0 {
		// They go again with the head's retry.
		ids := make([]int64, len(c.parts))
		for i, part := range c.parts {
			ids[i] = part.ID
		}
		if rerr := p.store.ReleaseOutgoing(context.Background(), ids); rerr != nil {
			p.log.Warn("sender: album parts not released; their lease will expire", "outbox", m.ID, "err", rerr)
		}
	}
	if p.workCtx.Err() != nil {
		// Our own shutdown cut the call short; that says nothing about the
		// platform, so the message is due again at once on the next start.
		p.retry(m, 0, "interrupted by shutdown")
		return
	}
	var se *chat.SendError
	if !errors.As(c.err, &se) {
		se = &chat.SendError{Kind: chat.SendTemporary, Err: c.err}
	}
	if c.timedOut {
		p.unanswered(m, sender, se)
		return
	}
	switch se.Kind {
	case chat.SendRateLimited:
		p.cfg.Observer.Sent(m.Platform, "rate_limited")
		p.retry(m, se.RetryAfter, se.Error())
	case chat.SendBlocked:
		p.cfg.Observer.Sent(m.Platform, "blocked")
		p.fail(m, se.Error(), true)
	case chat.SendThreadGone:
		if m.TopicKey == "" || m.Attempts >= p.cfg.SendAttempts {
			p.cfg.Observer.Sent(m.Platform, "failed")
			p.fail(m, se.Error(), false)
			return
		}
		p.cfg.Observer.Sent(m.Platform, "retry")
		p.topicGone(m, se.Error())
	case chat.SendPermanent:
		p.cfg.Observer.Sent(m.Platform, "failed")
		p.fail(m, se.Error(), false)
	default:
		if m.Attempts >= p.cfg.SendAttempts {
			p.cfg.Observer.Sent(m.Platform, "failed")
			p.fail(m, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, se.Error()), false)
			return
		}
		p.cfg.Observer.Sent(m.Platform, "retry")
		p.retry(m, backoff(m.Attempts, time.Second, 5*time.Minute), se.Error())
	}
	return false, false
}

// heldPerCall is how many messages a replica holds for each send it may
// have running (see Pipeline.sendSlots).
const heldPerCall = 2

// called is what the platform answered to a send.
type called struct {
	platformID string
	parts      []chat.Outgoing // an album's parts that went with it
	err        error
	timedOut   bool
}

// call sends m once the pipeline's calls and the platform's limits allow
// it, and frees its call as soon as the platform answered, before the
// outcome is recorded. ok is false when it did not send (its turn was
// handed back, its lease lost, or the pipeline is stopping).
func (p *Pipeline) call(m *chat.Outgoing, sender Sender) (c called, ok bool) {
	select {
	case p.calls <- struct{}{}:
	case <-p.workCtx.Done():
		p.retry(*m, 0, "interrupted by shutdown")
		return c, false
	}
	defer func() { <-p.calls }()
	if !p.waitForSlot(*m) || !p.holdsLease(m) {
		return c, false
	}
	// An album's parts queued behind it go with it, as one album.
	c.parts = p.gatherAlbum(m)
	p.prepareMedia(m)
	ctx, cancel := context.WithTimeout(p.workCtx, p.sendTimeout(*m))
	defer cancel()
	c.err = p.placeInTopic(ctx, sender, m)
	if c.err == nil {
		c.platformID, c.err = sender.Send(ctx, *m)
		if errTooLarge(c.err) && ctx.Err() == nil {
			// A file ran past the limit while downloading (its size was not
			// known): it goes as a note instead, and nothing fails.
			p.noteForeign(m)
			c.platformID, c.err = sender.Send(ctx, *m)
		}
	}
	c.timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	return c, true
}

// Deduplicator is a Sender whose platform recognizes a repeated send of
// the same message (Discord's enforced nonce): sending it again after an
// unanswered attempt cannot post it twice.
type Deduplicator interface {
	Deduplicates(out chat.Outgoing) bool
}

// causeUnanswered starts the recorded cause of a message once one of its
// sends went unanswered within send_timeout. It stays on the outbox row
// through later retries, so whichever replica or process tries next knows
// the message may have arrived already.
const causeUnanswered = "unanswered send: "

// unanswered handles a send the platform did not answer in time. Cutting
// the call short does not take it back: a slow platform may well have
// delivered it, and sending again may post it twice. Where the platform
// deduplicates (Discord) the retry comes soon, inside its deduplication
// window. Where it does not (Telegram) nothing can tell a slow platform
// that delivered from a hung one that did not, and giving up would lose
// the reply to the hung one: it is retried with the usual backoff, but
// every later attempt waits longer for its answer (sendTimeout), so a
// platform that is slow rather than down answers the second copy and the
// customer gets at most two.
func (p *Pipeline) unanswered(m chat.Outgoing, sender Sender, se *chat.SendError) {
	cause := causeUnanswered + se.Error()
	if m.Attempts >= p.cfg.SendAttempts {
		p.cfg.Observer.Sent(m.Platform, "failed")
		p.fail(m, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, cause), false)
		return
	}
	ceiling := 5 * time.Minute
	if d, ok := sender.(Deduplicator); ok && d.Deduplicates(m) {
		ceiling = 30 * time.Second // Discord remembers a nonce for "a few minutes"
	}
	p.cfg.Observer.Sent(m.Platform, "retry")
	p.retry(m, backoff(m.Attempts, time.Second, ceiling), cause)
}

// sendTimeout is how long a send may take: send_timeout, or for a message
// whose earlier send went unanswered three times that (at most 3/4 of the
// lease, so the claim outlives the call), since cutting a slow platform
// short again may cost the customer another copy.
func (p *Pipeline) sendTimeout(m chat.Outgoing) time.Duration {
	timeout := p.cfg.SendTimeout
	if uploads(m) {
		// Downloading and uploading files takes longer than a text.
		timeout = max(timeout, min(p.cfg.Media.Timeout, p.cfg.Lease*3/4))
	}
	if strings.HasPrefix(m.LastError, causeUnanswered) {
		return max(timeout, min(3*timeout, p.cfg.Lease*3/4))
	}
	return timeout
}

// maxInlineWait is how long a sender waits for a rate-limit slot itself;
// a longer wait hands the message back to the outbox with a due time.
const maxInlineWait = 2 * time.Second

// waitForSlot holds a send until the platform's limits allow it, so the
// platform never has to answer 429: first the message's turn in its chat,
// then a bot-wide token taken at the moment it can really go. It reports
// whether to send now.
func (p *Pipeline) waitForSlot(m chat.Outgoing) bool {
	if m.CallbackID != "" {
		return true // answering a button press is not a message in the chat
	}
	wait, cancel := p.limiter.reserveChat(m, p.now())
	if !p.sleepOrDefer(m, wait, cancel) {
		return false
	}
	wait, cancel = p.limiter.reserveBot(m, p.now())
	return p.sleepOrDefer(m, wait, cancel)
}

// sleepOrDefer waits a short wait out; a long one hands the message back to
// the outbox with a due time, giving the booking back.
func (p *Pipeline) sleepOrDefer(m chat.Outgoing, wait time.Duration, cancel func()) bool {
	if wait <= 0 {
		return true
	}
	if wait > maxInlineWait {
		cancel()
		if err := p.store.DeferOutgoing(context.Background(), m.ID, p.now().Add(wait)); err != nil {
			p.log.Warn("sender: could not defer a rate-limited message; its lease will expire", "outbox", m.ID, "err", err)
		}
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.workCtx.Done():
		cancel()
		p.retry(m, 0, "interrupted by shutdown")
		return false
	}
}

// recordSent hands the send to the completer, which records it with
// others, and waits for that. slot says its delivery holds a sender slot;
// refilled says the completer claimed work for it.
func (p *Pipeline) recordSent(m chat.Outgoing, platformID string, slot bool) (refilled bool) {
	return p.completer.record(chat.SentMessage{ID: m.ID, PlatformMessageID: platformID, At: p.now()}, m.Line, slot, p.workCtx.Done())
}

// recordSentAll records a send that carried an album's parts with it:
// they are sent too, under the same platform message. Only the head
// holds a slot.
func (p *Pipeline) recordSentAll(m chat.Outgoing, parts []chat.Outgoing, platformID string) (refilled bool) {
	var wg sync.WaitGroup
	for _, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.recordSent(part, platformID, false)
		}()
	}
	refilled = p.recordSent(m, platformID, true)
	wg.Wait()
	return refilled
}

func (p *Pipeline) retry(m chat.Outgoing, after time.Duration, cause string) {
	if strings.HasPrefix(m.LastError, causeUnanswered) && !strings.HasPrefix(cause, causeUnanswered) {
		cause = causeUnanswered + cause // the mark stays: it may have arrived
	}
	cause = p.cfg.Redact(cause)
	p.log.Info("sender: message will be retried", "outbox", m.ID, "attempt", m.Attempts, "in", after, "cause", cause)
	if err := p.store.RetryOutgoing(context.Background(), m.ID, p.now().Add(after), cause); err != nil {
		p.log.Warn("sender: could not reschedule; its lease will expire", "outbox", m.ID, "err", err)
	}
}

func (p *Pipeline) fail(m chat.Outgoing, cause string, blocked bool) {
	cause = p.cfg.Redact(cause)
	p.log.Warn("sender: message given up", "outbox", m.ID, "cause", cause, "customer_blocked", blocked)
	if err := p.store.FailOutgoing(context.Background(), m.ID, cause, blocked); err != nil {
		p.log.Warn("sender: could not record failure; its lease will expire", "outbox", m.ID, "err", err)
	}
}
