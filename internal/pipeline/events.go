package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// eventLoop claims events in batches and hands each batch to a worker:
// a team chat's events one by one (agents act on handoffs), customers'
// events together, decided in memory and applied in one transaction. A
// claim holds at most one event of a conversation, so a conversation's
// events are decided one at a time, in order, in any number of workers.
func (p *Pipeline) eventLoop() {
	defer p.loops.Done()
	var inflight sync.WaitGroup
	defer inflight.Wait()
	slots := make(chan struct{}, p.cfg.Workers)
	// claims counts the claims begun: a batch finishing after another
	// claim began cannot tell whether that claim passed over one of its
	// conversations' next events (not claimable while the batch held the
	// conversation), so it has the loop claim again. Except a batch of
	// customers' events on SQLite: its apply, which the one writer orders
	// after every accept committed before it, leases those next events
	// or says they wait (handleBatch), and every event accepted after it
	// is first in line, leased at accept or announced by it.
	var claims atomic.Uint64
	ordered := p.leaser != nil
	// wantWorker says the loop waits for a worker to finish.
	var wantWorker atomic.Bool
	// claimDue says the loop was woken for a claim (an event accepted and
	// not leased, a worker done, a poll), not only for events leased at
	// accept.
	claimDue := true
	// batchDone is told of every batch that finishes (see claimGate).
	batchDone := make(chan struct{}, 1)
	var took batchTimes
	for !p.stopping() {
		if len(slots) == cap(slots) {
			wantWorker.Store(true)
			if len(slots) == cap(slots) && !p.wait(p.eventWake, p.cfg.PollInterval) {
				return
			}
			claimDue = true
			continue
		}
		var events []chat.InboxEvent
		if p.leaser != nil {
			var others bool
			events, others = p.leaser.TakeLeased()
			claimDue = claimDue || others
		}
		events = append(events, p.next.take(p.cfg.Batch-len(events))...)
		var err error
		if claimDue && len(events) < p.cfg.Batch {
			end := p.health.begin("claiming events", p.now())
			claims.Add(1)
			var claimed []chat.InboxEvent
			claimed, err = p.store.ClaimEvents(p.workCtx, p.owner, p.now(), p.cfg.Lease, p.cfg.Batch-len(events), p.setAside())
			end()
			p.health.wrote("claim events", err, p.now())
			if err != nil {
				p.log.Warn("pipeline: claiming events failed", "err", err)
			}
			events = append(events, claimed...)
		}
		if err == nil && len(events) == 0 {
			if claimDue = p.waitEvents(); p.stopping() {
				return
			}
			continue
		}
		// Less than a batch: everything claimable now was claimed, and
		// claiming again before an event arrives (or a conversation's next
		// becomes eligible) would find nothing, at a writer turn each.
		short := len(events) < p.cfg.Batch
		var customers []chat.InboxEvent
		run := func(customerBatch bool, work func() (claimAgain bool)) {
			slots <- struct{}{}
			inflight.Add(1)
			since := claims.Load()
			go func() {
				defer inflight.Done()
				start := time.Now()
				again := work()
				took.observe(time.Since(start))
				<-slots
				notify(batchDone)
				// The conversations' next events are eligible now; claim
				// them if one is waiting, or may be; and the loop may be
				// waiting for this worker.
				passedOver := claims.Load() != since && !(customerBatch && ordered)
				if again || passedOver || wantWorker.Swap(false) {
					p.WakeEvents()
				}
			}()
		}
		for _, ie := range events {
			switch {
			case p.isTeamChat(ie.Event):
				run(false, func() bool { p.handleAgentEvent(ie); return true })
			case ie.Attempts > 1:
				// Tried before: alone, so that if it is what crashed or
				// hung the last try, it does not take other customers'
				// events down with it again, and their attempts are not
				// spent on it.
				run(true, func() bool { return p.handleBatch([]chat.InboxEvent{ie}) })
			default:
				customers = append(customers, ie)
			}
		}
		if len(customers) > 0 {
			run(true, func() bool { return p.handleBatch(customers) })
		}
		switch {
		case err != nil:
			// The leased events are on their way; the claim is tried
			// again after a pause.
			if !p.wait(nil, p.cfg.PollInterval) {
				return
			}
			claimDue = true
		case short:
			if claimDue = p.waitEvents(); p.stopping() {
				return
			}
			// All there was is claimed: the next claim waits for the
			// batches in flight to finish, so what comes meanwhile goes
			// together.
			if claimDue && p.leaser == nil && !p.waitBatches(slots, batchDone, took.claimGate(p.cfg.PollInterval)) {
				return
			}
		default:
			claimDue = true
		}
	}
}

// nextEvents holds the events a batch's apply leased to this replica
// (chat.EventClaim) until the event loop takes them; ready is told when it
// has some.
type nextEvents struct {
	mu    sync.Mutex
	queue []chat.InboxEvent
	ready chan struct{}
}

func (n *nextEvents) put(events []chat.InboxEvent) {
	if len(events) == 0 {
		return
	}
	n.mu.Lock()
	n.queue = append(n.queue, events...)
	n.mu.Unlock()
	notify(n.ready)
}

// take returns up to limit of the events held, oldest first; what it
// leaves keeps ready told.
func (n *nextEvents) take(limit int) []chat.InboxEvent {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := min(max(limit, 0), len(n.queue))
	if k == 0 {
		return nil
	}
	out := slices.Clone(n.queue[:k])
	n.queue = n.queue[k:]
	if len(n.queue) > 0 {
		notify(n.ready)
	}
	return out
}

// batchTimes is how long batches take lately: a moving average.
type batchTimes struct{ avg atomic.Int64 }

func (b *batchTimes) observe(d time.Duration) {
	for {
		old := b.avg.Load()
		next := int64(d)
		if old > 0 {
			next = old + (int64(d)-old)/8
		}
		if b.avg.CompareAndSwap(old, next) {
			return
		}
	}
}

// claimGate is how long, after a claim that came back short, the next
// claim waits for the batches in flight to finish: twice what batches take
// lately, at most the poll interval. A short claim took all there was;
// claiming again at the next event accepted starts a batch of one or two
// events beside the first, each paying the batch's fixed cost (about
// twenty statements on PostgreSQL, loading and applying) for little.
// Waiting lets the events accepted meanwhile go together in the next.
// Batches still run side by side whenever claims come back full. A batch
// that hangs holds claims back by twice the usual time of a batch, not
// more. Only without leases at accept (PostgreSQL): on SQLite most events
// are leased as they are accepted and their batches go at once.
func (b *batchTimes) claimGate(poll time.Duration) time.Duration {
	return min(2*time.Duration(b.avg.Load()), poll)
}

// waitBatches waits until no batch is in flight (slots empty), at most
// for gate; it reports whether to go on.
func (p *Pipeline) waitBatches(slots chan struct{}, batchDone <-chan struct{}, gate time.Duration) bool {
	if gate <= 0 {
		return true
	}
	t := time.NewTimer(gate)
	defer t.Stop()
	for len(slots) > 0 {
		select {
		case <-batchDone:
		case <-t.C:
			return true
		case <-p.stop:
			return false
		}
	}
	return true
}

// waitEvents sleeps until there are events to take or claim, or the poll
// interval passes; it reports whether a claim is due (anything but events
// leased at accept or by a batch woke it).
func (p *Pipeline) waitEvents() (claimDue bool) {
	t := time.NewTimer(p.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-p.accepted:
		return false
	case <-p.next.ready:
		return false
	case <-p.eventWake:
	case <-t.C:
	case <-p.stop:
	}
	return true
}

// setAside is when a claim sets an event aside: after EventAttempts claims
// none of which finished, the processing crashed or hung every time.
func (p *Pipeline) setAside() chat.SetAside {
	return chat.SetAside{Attempts: p.cfg.EventAttempts,
		Cause: fmt.Sprintf("set aside after %d attempts: processing never finished", p.cfg.EventAttempts)}
}

// Decide decides one event on its snapshot with no I/O: what the workers
// do between loading and applying, for tools that keep state of their own
// (frontdesk try). A decision that hands off needs st.Details loaded (see
// chat.Plan.NeedsDetails).
func (p *Pipeline) Decide(ev chat.Event, st chat.State, now time.Time) (chat.Plan, error) {
	return p.safePlan(ev, st, now)
}

// Config is the configuration in force, defaults filled in.
func (p *Pipeline) Config() Config { return p.cfg }

// safePlan is plan, with a panic turned into an error: a bug in deciding
// must cost one event, not the process.
func (p *Pipeline) safePlan(ev chat.Event, st chat.State, now time.Time) (plan chat.Plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while deciding: %v", r)
		}
	}()
	return p.plan(ev, st, now), nil
}

// handleBatch decides a batch of customers' events and records the
// results; an event that fails goes back to the inbox to be tried again
// later, alone. It reports whether to claim events again: a conversation
// of the batch has its next event waiting, or it cannot tell.
func (p *Pipeline) handleBatch(events []chat.InboxEvent) (claimAgain bool) {
	now := p.now()
	defer p.health.begin("batch", now)()
	since := p.flights.leasing()
	done, got, left := p.processBatch(p.workCtx, events, now, true)
	claimed, waiting := got.Sends, got.Waiting
	claimAgain = got.EventsWaiting || left
	// Whatever became of this batch, the events leased with it are this
	// replica's to decide next.
	p.next.put(got.Events)
	for _, d := range done {
		switch {
		case d.err == nil:
			p.cfg.Observer.Decided(d.event.Event, d.plan)
			if d.plan.Handoff != nil && !d.handedOff {
				p.cfg.Observer.HandoffChanged(HandoffChange{Step: HandoffOpened, Priority: d.plan.Handoff.Priority, Team: d.plan.Handoff.Team})
			}
		case errors.Is(d.err, chat.ErrAlreadyDone):
			// Another worker finished it after our lease expired; nothing to do.
		default:
			claimAgain = true
			p.log.Warn("pipeline: event not processed", "event", d.event.ID, "err", d.err)
			next := now.Add(backoff(1, time.Second, time.Minute))
			rerr := p.store.RetryEvent(p.workCtx, d.event.ID, next, p.cfg.Redact(d.err.Error()), p.cfg.EventAttempts)
			p.health.wrote("retry event", rerr, p.now())
			if rerr != nil {
				p.log.Warn("pipeline: could not reschedule event; trying it again while its lease lasts", "event", d.event.ID, "err", rerr)
				p.retryHeld(d.event, now.Add(p.cfg.Lease/2))
			}
		}
	}
	// The replies Apply leased to this replica go at once; the sender
	// claims the rest.
	lines := make([]string, len(claimed))
	for i, m := range claimed {
		p.startDelivery(m)
		lines[i] = m.Line
	}
	// A message queued behind one of ours goes when that one is recorded
	// (the completer leases it); any other needs the sender's claim.
	if p.flights.missed(since) {
		// A claim that came back short meanwhile could not see these in
		// flight; a message may wait behind one of them all the same.
		more, err := p.store.Waiting(p.workCtx, lines)
		waiting = append(waiting, more...)
		left = left || err != nil
	}
	if p.flights.behind(waiting) || left {
		p.wakeSender()
	}
	return claimAgain
}

// heldRetryPause is how long an event whose failure could not be recorded
// waits before this replica tries it again.
const heldRetryPause = time.Second

// retryHeld tries an event again after a pause, here, when neither it nor
// the note of its failure could be written (the database refused both: a
// full disk, an outage). It is still leased to this replica, so nobody
// else takes it or its conversation's next events; left to its lease, its
// customer would wait a minute after the database is back. It keeps trying
// until until (within the lease); after that the lease running out brings
// it back, as before. Trying twice is safe: an event is applied once, by
// whoever marks it done first.
func (p *Pipeline) retryHeld(ie chat.InboxEvent, until time.Time) {
	p.loops.Add(1)
	go func() {
		defer p.loops.Done()
		if !p.wait(nil, heldRetryPause) || p.now().After(until) {
			return
		}
		if p.handleBatch([]chat.InboxEvent{ie}) {
			p.WakeEvents()
		}
	}()
}

// decided is one event's fate in a batch.
type decided struct {
	event     chat.InboxEvent
	plan      chat.Plan
	handedOff bool // the conversation was with people already
	err       error
}

// conflictRounds bounds how often an event whose snapshot changed before
// its effects were applied is decided again before it goes back to the
// inbox.
const conflictRounds = 3

// processBatch loads the batch's snapshots, decides every event in memory,
// and applies all their effects in one transaction. Events whose snapshot
// changed meanwhile (chat.ErrConflict) are loaded and decided again.
//
// Events of one round are decided on snapshots read together, so two of
// them must not depend on the same state beyond their own conversation: a
// round takes one event per customer (the guard counts a customer's
// messages across chats) and, of the new handoffs of one team and cause
// (they count towards an incident), only as many as cannot open one
// together (see sharesRound). The others wait for the next round, which
// sees what the first wrote.
//
// With send, the replies and notices it queues are leased to this
// replica's sender as far as it has free slots, and returned to be sent at
// once (got.Sends); got.Waiting are the chats of those it queued and could
// not lease, got.EventsWaiting says a conversation's next event waits, and
// left says the sender's claim must look for them all the same (the batch
// failed, or leased nothing).
func (p *Pipeline) processBatch(ctx context.Context, events []chat.InboxEvent, now time.Time, send bool) (out []decided, got chat.Leased, left bool) {
	out = make([]decided, len(events))
	todo := make([]int, len(events))
	for i, ie := range events {
		out[i].event, todo[i] = ie, i
	}
	if pr, ok := p.decider.(Preparer); ok {
		pr.Prepare(ctx, events)
	}
	conflicts := make([]int, len(events))
	for len(todo) > 0 {
		var round, later []int
		customers := map[string]bool{}
		for _, i := range todo {
			if sc := events[i].CustomerScope(); customers[sc] {
				later = append(later, i)
			} else {
				customers[sc] = true
				round = append(round, i)
			}
		}
		batch := make([]chat.InboxEvent, len(round))
		for j, i := range round {
			batch[j] = events[i]
		}
		states, err := p.store.LoadStates(ctx, batch, now, p.cfg.ConversationIdle)
		if err != nil {
			for _, i := range todo {
				out[i].err = err
			}
			return out, got, true
		}
		effects := make([]chat.Effects, 0, len(round))
		applied := make([]int, 0, len(round))
		causes := map[chat.TeamCause]int{}     // new handoffs in this round
		incidents := map[chat.TeamCause]bool{} // one of them opens or joins an incident
		plans, errs := p.decideFully(ctx, batch, states, now)
		for j, i := range round {
			st, plan := states[j], plans[j]
			if errs[j] != nil {
				out[i].err = errs[j]
				continue
			}
			if h := plan.Handoff; h != nil {
				tc := chat.TeamCause{Team: h.Team, Cause: h.Rule}
				if !p.sharesRound(tc, plan, st, causes[tc], incidents[tc]) {
					later = append(later, i)
					continue
				}
				causes[tc]++
				incidents[tc] = incidents[tc] || plan.Incident != nil
			}
			out[i].plan, out[i].handedOff = plan, st.Conversation.Handoff != nil
			effects = append(effects, chat.Effects{Event: events[i], Basis: st, Plan: plan})
			applied = append(applied, i)
		}
		var claim chat.SendClaim
		if send {
			until := now.Add(p.cfg.Lease)
			claim = chat.SendClaim{Owner: p.owner, Until: until, Max: cap(p.sendSlots) - len(p.sendSlots) - len(got.Sends),
				Events: chat.EventClaim{Owner: p.owner, Until: until, Aside: p.setAside()}}
		}
		results, leased, err := p.store.ApplyAndClaim(ctx, effects, now, claim)
		p.health.wrote("apply", err, p.now())
		got.Sends = append(got.Sends, leased.Sends...)
		got.Waiting = append(got.Waiting, leased.Waiting...)
		got.EventsWaiting = got.EventsWaiting || leased.EventsWaiting
		got.Events = append(got.Events, leased.Events...)
		left = left || err != nil || !send
		todo = later
		for j, i := range applied {
			switch {
			case err != nil:
				out[i].err = err
			case errors.Is(results[j], chat.ErrConflict) && conflicts[i]+1 < conflictRounds:
				conflicts[i]++
				todo = append(todo, i)
			default:
				out[i].err = results[j]
			}
		}
		if err != nil {
			for _, i := range todo {
				out[i].err = err
			}
			return out, got, left
		}
		// Keep the batch's order: a later round must not reorder events.
		slices.Sort(todo)
	}
	return out, got, left
}

// sharesRound says whether a new handoff of tc may be applied in a round
// that has inRound of them already. They were decided on one snapshot, so
// together they must not be able to reach the incident threshold none of
// them saw, and one that opens or joins an incident (whose count each
// checks) goes alone. Handoffs no incident can come of share freely: a
// round of one each cost a burst of handoffs a whole round apiece.
func (p *Pipeline) sharesRound(tc chat.TeamCause, plan chat.Plan, st chat.State, inRound int, withIncident bool) bool {
	switch {
	case inRound == 0:
		return true
	case withIncident || plan.Incident != nil:
		return false
	case !p.mayOpenIncident(tc.Cause, tc.Team, st.Incidents):
		return true
	}
	n, counted := st.Details.RecentHandoffs[tc]
	return counted && n+inRound+1 < p.cfg.IncidentThreshold
}

// decideFully decides events on their snapshots; decisions that hand off
// need the snapshots' details (the customer's context, recent handoffs),
// which are loaded for all of them at once, and those events decided
// again with them. states get the details.
func (p *Pipeline) decideFully(ctx context.Context, events []chat.InboxEvent, states []chat.State, now time.Time) ([]chat.Plan, []error) {
	plans, errs := make([]chat.Plan, len(events)), make([]error, len(events))
	var need []int
	var causes []chat.TeamCause
	for j, ie := range events {
		if errs[j] = p.loadLink(ctx, ie.Event, &states[j]); errs[j] != nil {
			continue
		}
		plans[j], errs[j] = p.safePlan(ie.Event, states[j], now)
		if errs[j] != nil || !plans[j].NeedsDetails(states[j]) {
			continue
		}
		need = append(need, j)
		if h := plans[j].Handoff; p.mayOpenIncident(h.Rule, h.Team, states[j].Incidents) {
			// Counting a cause's handoffs costs a query that grows with
			// them; it is asked only where an incident could open.
			if tc := (chat.TeamCause{Team: h.Team, Cause: h.Rule}); !slices.Contains(causes, tc) {
				causes = append(causes, tc)
			}
		}
	}
	if len(need) == 0 {
		return plans, errs
	}
	evs, sts := make([]chat.InboxEvent, len(need)), make([]*chat.State, len(need))
	for k, j := range need {
		evs[k], sts[k] = events[j], &states[j]
	}
	if err := p.store.LoadDetails(ctx, evs, sts, chat.DetailsWanted{HistoryLines: p.cfg.ContextMessages, Causes: causes,
		Since: now.Add(-p.cfg.IncidentWindow), CountUpTo: p.cfg.IncidentThreshold}); err != nil {
		for _, j := range need {
			plans[j], errs[j] = chat.Plan{}, err
		}
		return plans, errs
	}
	for _, j := range need {
		plans[j], errs[j] = p.safePlan(events[j].Event, states[j], now)
	}
	return plans, errs
}

// plan turns the rules' decision into what will be sent and what is
// suppressed, with the reason for each suppression: the frequency guard
// has the last word on every send.
func (p *Pipeline) plan(ev chat.Event, st chat.State, now time.Time) chat.Plan {
	if !ev.Kind.Decidable() || p.isTeamChat(ev) {
		// Agents' messages are handled by the handoff side, never by the rules.
		plan := chat.Plan{Outcome: chat.OutcomeRecorded}
		if ev.Kind == chat.KindPersonReply {
			// Someone of the brand is talking to the customer in person:
			// the guard keeps the bot out of their way for a while, and
			// the team owning the conversation learns of it, so that two
			// people do not answer one customer (D13).
			plan.PersonAt = ev.Time
			if plan.PersonAt.IsZero() || plan.PersonAt.After(now) {
				plan.PersonAt = now
			}
			p.tellTeamOfPerson(&plan, ev, st, now)
		}
		plan.Place(ev)
		return plan
	}
	if ev.Customer.IsBot {
		// Loop protection: never answer a bot, ours or anyone's.
		plan := chat.Plan{Outcome: chat.OutcomeRecorded, Suppressed: []chat.Suppression{{Reason: chat.ReasonFromBot}}}
		plan.Place(ev)
		return plan
	}
	if st.Customer.BlockedByTeam {
		// Blocked by the team (/block): kept in the history and counted
		// as blocked, never answered nor passed on to the agents.
		plan := chat.Plan{Outcome: chat.OutcomeBlocked}
		plan.Place(ev)
		return plan
	}
	if plan, ok := p.feedback(ev, st, now); ok {
		return plan
	}
	if linkOpens(ev, st, now) {
		// A question asked in public, continued here: its handoff starts.
		return p.planLinkHandoff(ev, st, now)
	}
	d := p.decider.Decide(ev, st, now)
	st = answering(st)
	if d.Refused != "" {
		return refusedPress(ev, d)
	}
	plan := chat.Plan{Language: d.Language, Trace: traceJSON(d), ContinuesBurst: p.guard.InBurst(ev, st.Conversation, now),
		Insight: d.Insight, TypeReason: d.TypeReason, ReadAs: d.ReadAs, ReadFrom: d.ReadFrom}
	var sends []chat.Action
	noted := false // an incident's status, said once per answer
	for _, a := range d.Actions {
		if !a.Type.Sends() {
			plan.Recorded = append(plan.Recorded, a)
			continue
		}
		if a.Type == chat.ActionHandoff {
			// Routed once: the handoff, its out-of-hours note and its
			// notice all name the same team.
			route := p.routeHandoff(&a, d.Language, ev, now)
			if st.Conversation.Status != chat.StatusWaitingForHuman {
				h := a
				plan.Handoff, plan.Route = &h, route
			}
		}
		if note := p.incidentNote(a, ev, st, plan.Handoff != nil, d.Language); note != "" && !noted {
			a.Text, noted = a.Text+note, true
		}
		if a.Text != "" {
			sends = append(sends, a)
		}
	}
	if kept, offered := p.offerPrivate(&plan, sends, ev, d.Language, now); offered {
		sends, plan.Route = kept, chat.Route{}
	}
	plan.Sends, plan.Suppressed = p.guard.Check(ev, st, sends, now)
	if h := st.Conversation.Handoff; h != nil {
		// The customer wrote again: a pending timed close no longer holds.
		if cancel, say := handoff.CustomerWrote(*h, agentFacingName(ev.Customer)); cancel {
			plan.CancelsClose = true
			if team := p.teamFor(h.Team); team != nil {
				plan.Notices = append(plan.Notices, team.topicNotice(ev, say))
			}
		}
	}
	if d.Collect != nil {
		p.collected(&plan, *d.Collect, ev, st, sends, now)
	}
	switch h := st.Conversation.Handoff; {
	case plan.Handoff != nil:
		p.planHandoff(&plan, ev, st, now)
	case h != nil && h.IncidentID == 0:
		// People own the conversation: the customer's message goes to them.
		// (Under an incident it does not: sixty customers' follow-ups would
		// bury the incident's one notification. It is in the history.)
		if team := p.teamFor(h.Team); team != nil {
			plan.Notices = append(plan.Notices, p.withMedia(team.withWebhook(team.topicNotice(ev, agentFacingName(ev.Customer)+": "+customerLine(ev)),
				TeamEvent{Event: EventCustomerMessage, At: now, Customer: agentFacingName(ev.Customer), Platform: string(ev.Platform)}), ev, now)...)
		}
	}
	plan.Outcome = outcome(d, plan)
	if ev.ReleaseOf != 0 {
		// Released as not spam: the customer's message is in the history
		// and counted already (as ignored); this decision only answers it.
		plan.Outcome, plan.Repeats = chat.OutcomeRecorded, true
	}
	plan.Place(ev)
	return plan
}

// tellTeamOfPerson tells the team that owns the conversation (an open
// handoff, not under an incident) that someone of the brand answered the
// customer in their chat in person, with what they wrote.
func (p *Pipeline) tellTeamOfPerson(plan *chat.Plan, ev chat.Event, st chat.State, now time.Time) {
	h := st.Conversation.Handoff
	if h == nil || h.IncidentID != 0 {
		return
	}
	name := agentFacingName(ev.Customer)
	claim, say := handoff.PersonAnswered(*h, name, customerLine(ev))
	plan.ClaimInPerson = claim
	team := p.teamFor(h.Team)
	if team == nil || say == "" {
		return
	}
	plan.Notices = append(plan.Notices, team.withWebhook(team.topicNotice(ev, say),
		TeamEvent{Event: EventPersonReply, At: now, Customer: name, Platform: string(ev.Platform)})...)
}

// buttonNoLongerValid answers a refused button press, in the customer's
// language where there is a text for it.
var buttonNoLongerValid = map[string]string{
	"en": "This button is no longer valid.",
	"ru": "Эта кнопка больше не действует.",
	"zh": "此按钮已失效。",
}

// refusedPress plans a button press the rules refused (forged, of another
// message, of a rule gone or whose when no longer holds): the press alone
// is answered, "this button is no longer valid", so the platform's spinner
// stops; nothing is sent to the chat, and the trace says why.
func refusedPress(ev chat.Event, d rules.Decision) chat.Plan {
	plan := chat.Plan{Language: d.Language, Trace: traceJSON(d), Outcome: chat.OutcomeRecorded}
	if ev.CallbackID != "" {
		text, ok := buttonNoLongerValid[d.Language]
		if !ok {
			text = buttonNoLongerValid["en"]
		}
		plan.CallbackAnswers = []chat.CallbackAnswer{{ID: ev.CallbackID, Text: text}}
	}
	return plan
}

func outcome(d rules.Decision, plan chat.Plan) chat.Outcome {
	ignored := false
	for _, a := range plan.Recorded {
		ignored = ignored || a.Type == chat.ActionIgnore
	}
	switch {
	case plan.Handoff != nil:
		return chat.OutcomeHandedOff
	case plan.NewLink != nil:
		// Sent to a private chat for a person: no answer yet, and the
		// handoff is counted when it starts there.
		return chat.OutcomeAcknowledged
	case ignored && len(plan.Sends) == 0:
		return chat.OutcomeIgnored
	case len(plan.Sends) == 0 && len(plan.Suppressed) > 0:
		return chat.OutcomeSuppressed
	case len(plan.Sends) == 0:
		return chat.OutcomeUnanswered
	}
	for _, a := range plan.Sends {
		if a.Type == chat.ActionReply {
			return chat.OutcomeAnswered
		}
	}
	for _, a := range plan.Sends {
		if a.Type == chat.ActionAsk {
			return chat.OutcomeAsked
		}
	}
	return chat.OutcomeAcknowledged
}

func traceJSON(d rules.Decision) json.RawMessage {
	b, err := json.Marshal(d.Trace)
	if err != nil {
		return nil
	}
	return b
}
