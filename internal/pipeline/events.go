package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

func (p *Pipeline) eventLoop() {
	defer p.done.Done()
	var inflight sync.WaitGroup
	defer inflight.Wait()
	slots := make(chan struct{}, p.cfg.Workers)
	for !p.stopping() {
		free := p.cfg.Workers - len(slots)
		if free == 0 {
			if !p.wait(p.eventWake, p.cfg.PollInterval) {
				return
			}
			continue
		}
		events, err := p.store.ClaimEvents(p.workCtx, p.owner, p.now(), p.cfg.Lease, free)
		if err != nil {
			p.log.Warn("pipeline: claiming events failed", "err", err)
			if !p.wait(nil, p.cfg.PollInterval) {
				return
			}
			continue
		}
		if len(events) == 0 {
			if !p.wait(p.eventWake, p.cfg.PollInterval) {
				return
			}
			continue
		}
		for _, ie := range events {
			slots <- struct{}{}
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				if p.isTeamChat(ie.Event) {
					p.handleAgentEvent(ie)
				} else {
					p.handleEvent(ie)
				}
				<-slots
				// The conversation's next event (if any) is eligible now.
				p.WakeEvents()
			}()
		}
	}
}

// ProcessOne decides one claimed event and records the result, as the
// workers do, and returns the plan. It is for tools (frontdesk try) that
// play events one by one.
func (p *Pipeline) ProcessOne(ctx context.Context, ie chat.InboxEvent) (chat.Plan, error) {
	var plan chat.Plan
	now := p.now()
	err := p.store.ProcessEvent(ctx, ie, now, p.cfg.ConversationIdle, func(st chat.State) (chat.Plan, error) {
		var err error
		plan, err = p.safePlan(ie.Event, st, now)
		return plan, err
	})
	return plan, err
}

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

// handleEvent decides one event and records the result; on failure the
// event goes back to the inbox to be tried again later.
func (p *Pipeline) handleEvent(ie chat.InboxEvent) {
	now := p.now()
	var plan chat.Plan
	var alreadyHandedOff bool
	err := p.store.ProcessEvent(p.workCtx, ie, now, p.cfg.ConversationIdle, func(st chat.State) (chat.Plan, error) {
		var err error
		alreadyHandedOff = st.Conversation.Handoff != nil
		plan, err = p.safePlan(ie.Event, st, now)
		return plan, err
	})
	switch {
	case err == nil:
		p.cfg.Observer.Decided(ie.Event, plan)
		if plan.Handoff != nil && !alreadyHandedOff {
			p.cfg.Observer.HandoffChanged(HandoffChange{Step: HandoffOpened, Priority: plan.Handoff.Priority, Team: plan.Handoff.Team})
		}
		p.wakeSender()
	case errors.Is(err, chat.ErrAlreadyDone):
		// Another worker finished it after our lease expired; nothing to do.
	default:
		p.log.Warn("pipeline: event not processed", "event", ie.ID, "err", err)
		next := now.Add(backoff(1, time.Second, time.Minute))
		if rerr := p.store.RetryEvent(p.workCtx, ie.ID, next, p.cfg.Redact(err.Error()), p.cfg.EventAttempts); rerr != nil {
			p.log.Warn("pipeline: could not reschedule event; its lease will expire", "event", ie.ID, "err", rerr)
		}
	}
}

// plan turns the rules' decision into what will be sent and what is
// suppressed, with the reason for each suppression: the frequency guard
// has the last word on every send.
func (p *Pipeline) plan(ev chat.Event, st chat.State, now time.Time) chat.Plan {
	if !ev.Kind.Decidable() || p.isTeamChat(ev) {
		// Agents' messages are handled by the handoff side, never by the rules.
		return chat.Plan{Outcome: chat.OutcomeRecorded}
	}
	if ev.Customer.IsBot {
		// Loop protection: never answer a bot, ours or anyone's.
		return chat.Plan{Outcome: chat.OutcomeRecorded, Suppressed: []chat.Suppression{{Reason: chat.ReasonFromBot}}}
	}
	d := p.decider.Decide(ev, st, now)
	plan := chat.Plan{Language: d.Language, Trace: traceJSON(d), ContinuesBurst: p.guard.InBurst(ev, st.Conversation, now)}
	var sends []chat.Action
	for _, a := range d.Actions {
		if !a.Type.Sends() {
			plan.Recorded = append(plan.Recorded, a)
			continue
		}
		if a.Type == chat.ActionHandoff && st.Conversation.Status != chat.StatusWaitingForHuman {
			h := a
			plan.Handoff = &h
		}
		if a.Type == chat.ActionHandoff && a.Text != "" {
			a.Text += p.outOfHoursNote(a.Team, d.Language, now)
		}
		if a.Text != "" {
			sends = append(sends, a)
		}
	}
	plan.Sends, plan.Suppressed = p.guard.Check(ev, st, sends, now)
	switch h := st.Conversation.Handoff; {
	case plan.Handoff != nil:
		p.planHandoff(&plan, ev, st, now)
	case h != nil && h.IncidentID == 0:
		// People own the conversation: the customer's message goes to them.
		// (Under an incident it does not: sixty customers' follow-ups would
		// bury the incident's one notification. It is in the history.)
		if team := p.teamFor(h.Team); team != nil {
			plan.Notices = append(plan.Notices, team.withWebhook(chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: team.ChatID,
				TopicKey: ev.ConversationKey(), TopicName: topicName(ev.Customer, ev.Platform),
				Text: agentFacingName(ev.Customer) + ": " + ev.Text},
				TeamEvent{Event: EventCustomerMessage, At: now, Customer: agentFacingName(ev.Customer), Platform: string(ev.Platform)})...)
		}
	}
	plan.Outcome = outcome(d, plan)
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
	return chat.OutcomeAcknowledged
}

func traceJSON(d rules.Decision) json.RawMessage {
	b, err := json.Marshal(d.Trace)
	if err != nil {
		return nil
	}
	return b
}
