package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
)

// handleAgentEvent applies an agent's message or button press in a team
// chat: relay a reply to the customer, or claim, resolve, return to the bot,
// keep a note.
func (p *Pipeline) handleAgentEvent(ie chat.InboxEvent) {
	now := p.now()
	defer p.health.begin("agent event", now)()
	ev := ie.Event
	cmd, text, id := parseAgentEvent(ev)
	if cmd == "" {
		p.finishRecorded(ie, now)
		return
	}
	agent := agentOf(ev)
	var found bool
	var err error
	if isIncidentCommand(cmd) {
		found, err = p.handleIncident(ie, cmd, text, id, agent, now)
	} else {
		// A handoff claimed or closed by someone else since it was read is
		// read again, and the agent told what happened instead.
		for range conflictRounds {
			var st chat.AgentState
			if st, found, err = p.store.LoadAgentState(p.workCtx, ie, id, now); err != nil {
				break
			}
			if err = p.loadHistory(&st, cmd, text); err != nil {
				break
			}
			var plan chat.AgentPlan
			var to chat.Agent
			if to, err = p.transferTarget(st, cmd, text); err != nil {
				break
			}
			if found || st.ConversationKey != "" || cmd == agentUnknown || cmd == agentSnippet || cmd == chat.AgentSnippets {
				plan = p.agentPlanTo(st, cmd, agent, text, to, ev, now)
			}
			err = p.store.ApplyAgent(p.workCtx, ie, st, plan, now)
			p.health.wrote("apply agent event", err, p.now())
			if err == nil && found {
				p.observeAgent(st.Handoff, plan, now)
			}
			if !errors.Is(err, chat.ErrConflict) {
				break
			}
		}
	}
	switch {
	case err == nil:
		if !found {
			p.log.Debug("team chat: message concerns no open handoff", "event", ie.ID)
		}
		p.wakeSender()
	case errors.Is(err, chat.ErrAlreadyDone):
	case errors.Is(err, chat.ErrNotYet):
		p.log.Debug("team chat: agent replied to a message still being recorded; trying again", "event", ie.ID)
		// Not a failure: it is tried again shortly without spending an
		// attempt, for as long as the store answers ErrNotYet (a few
		// seconds after it arrived).
		if rerr := p.store.DeferEvent(p.workCtx, ie.ID, now.Add(200*time.Millisecond), p.cfg.Redact(err.Error())); rerr != nil {
			p.log.Warn("team chat: could not reschedule event", "event", ie.ID, "err", rerr)
		}
	default:
		p.log.Warn("team chat: agent event not processed", "event", ie.ID, "err", err)
		if rerr := p.store.RetryEvent(p.workCtx, ie.ID, now.Add(backoff(1, time.Second, time.Minute)), p.cfg.Redact(err.Error()), p.cfg.EventAttempts); rerr != nil {
			p.log.Warn("team chat: could not reschedule event", "event", ie.ID, "err", rerr)
		}
	}
}

// observeAgent reports what an agent's command, now recorded, did to the
// handoff: the first message to the customer is its first response (a
// claim alone tells the customer nothing), resolving or giving it back
// closes it.
func (p *Pipeline) observeAgent(h chat.OpenHandoff, plan chat.AgentPlan, now time.Time) {
	done, closesNow := plan.Command, plan.ClosesAt.IsZero()
	change := HandoffChange{Priority: h.Priority, Team: h.Team, Since: now.Sub(h.CreatedAt), Agent: plan.Agent.ID}
	if h.State != "" && plan.Claim {
		claimed := change
		claimed.Step = HandoffClaimed
		p.cfg.Observer.HandoffChanged(claimed)
	}
	switch {
	case h.State != "" && done == chat.AgentRelay && !h.Answered:
		change.Step, change.WithinSLA = HandoffAnswered, !now.After(h.DueAt)
	case h.State != "" && done == chat.AgentResolve:
		change.Step, change.Reason = HandoffClosed, "resolved"
	case h.State != "" && done == chat.AgentBot:
		change.Step, change.Reason = HandoffClosed, "returned_to_bot"
	case h.State != "" && done == chat.AgentClose && closesNow:
		change.Step, change.Reason = HandoffClosed, "resolved"
	case h.State != "" && done == chat.AgentTransfer:
		change.Step = HandoffTransferred
	default:
		return
	}
	p.cfg.Observer.HandoffChanged(change)
}

// finishRecorded marks an event done with nothing to do (chatter in a team
// chat), through the ordinary path so it is kept in the history.
func (p *Pipeline) finishRecorded(ie chat.InboxEvent, now time.Time) {
	plan := chat.Plan{Outcome: chat.OutcomeRecorded}
	plan.Place(ie.Event)
	err := p.record(ie, plan, now)
	if err != nil && !errors.Is(err, chat.ErrAlreadyDone) {
		p.log.Warn("team chat: event not recorded", "event", ie.ID, "err", err)
	}
}

// parseAgentEvent reads what an agent wants: a button's data
// ("claim:12"), a command sent as a reply (/claim, /resolve, /bot,
// /note …), or any other reply, which goes to the customer.
func parseAgentEvent(ev chat.Event) (cmd chat.AgentCommand, text string, handoffID int64) {
	if ev.APIToken != "" && ev.Kind == chat.KindText {
		// A reply through the API names its handoff; the text is never
		// read as a command.
		if ev.HandoffID == 0 || strings.TrimSpace(ev.Text) == "" {
			return "", "", 0
		}
		return chat.AgentRelay, ev.Text, ev.HandoffID
	}
	if ev.Kind == chat.KindCallback {
		if name, id, ok := parseSnippetButton(ev.Text); ok {
			return agentSnippet, name, id
		}
		action, rest, ok := strings.Cut(ev.Text, ":")
		id, arg, _ := strings.Cut(rest, ":") // transfer:12:billing
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return "", "", 0
		}
		switch chat.AgentCommand(action) {
		case chat.AgentClaim, chat.AgentResolve, chat.AgentBot, agentResolveIncident, chat.AgentClose, agentTakeIncident:
			return chat.AgentCommand(action), "", n
		case chat.AgentTransfer, chat.AgentTag:
			return chat.AgentCommand(action), arg, n
		}
		return "", "", 0
	}
	if isCommand(ev.Text, chat.AgentSnippets) {
		// Listing the snippets concerns no customer: asked anywhere in
		// the team chat.
		return chat.AgentSnippets, "", 0
	}
	if (ev.ReplyTo == "" && ev.ThreadID == "") || strings.TrimSpace(ev.Text) == "" && len(ev.Media) == 0 {
		return "", "", 0 // neither a reply nor in a topic: not addressed to a customer
	}
	if strings.HasPrefix(ev.Text, "/") {
		word, rest, _ := strings.Cut(ev.Text, " ")
		word, _, _ = strings.Cut(word, "@") // /claim@shop_bot in groups
		switch chat.AgentCommand(strings.ToLower(strings.TrimPrefix(word, "/"))) {
		case chat.AgentClaim:
			return chat.AgentClaim, "", 0
		case chat.AgentResolve:
			return chat.AgentResolve, "", 0
		case chat.AgentBot:
			return chat.AgentBot, "", 0
		case chat.AgentNote:
			return chat.AgentNote, strings.TrimSpace(rest), 0
		case agentSnippet:
			return agentSnippet, strings.TrimSpace(rest), 0
		case chat.AgentClose, chat.AgentReopen, chat.AgentTransfer, chat.AgentEscalate, chat.AgentPriority, chat.AgentBlock, chat.AgentUnblock,
			chat.AgentTag:
			return chat.AgentCommand(strings.ToLower(strings.TrimPrefix(word, "/"))), strings.TrimSpace(rest), 0
		case chat.AgentHistory:
			return chat.AgentHistory, strings.TrimSpace(rest), 0
		case chat.AgentIncident:
			return chat.AgentIncident, strings.TrimSpace(rest), 0
		}
		return agentUnknown, word, 0
	}
	return chat.AgentRelay, ev.Text, 0
}

// agentUnknown is a reply to a customer's conversation that starts with
// "/" but names no command: the agent is told, and the customer gets
// nothing (a mistyped /resolve must never reach them).
const agentUnknown chat.AgentCommand = "unknown"

// agentResolveIncident is the "Resolve all" button of an incident.
const agentResolveIncident chat.AgentCommand = "incident_resolve"

// agentEvents names what an agent's command tells a team webhook.
var agentEvents = map[chat.AgentCommand]string{
	chat.AgentRelay:    EventAgentReply,
	chat.AgentClaim:    EventHandoffClaimed,
	chat.AgentResolve:  EventHandoffResolved,
	chat.AgentBot:      EventHandoffReturned,
	chat.AgentClose:    EventHandoffResolved,
	chat.AgentReopen:   EventHandoffClaimed,
	chat.AgentEscalate: EventHandoffEscalated,
}

// agentOf is who wrote in a team chat: their account, and the name shown
// for them. A bot's message has no person's account: Telegram's anonymous
// group admins all write as one bot (GroupAnonymousBot), so its id would
// make them one agent.
func agentOf(ev chat.Event) chat.Agent {
	if ev.APIToken != "" {
		// Everyone writing through one token is one account: the token
		// is what proves who they are, not the name they give.
		return chat.Agent{ID: chat.APIAgentID(ev.APIToken), Name: agentName(ev.Customer)}
	}
	a := chat.Agent{Name: agentName(ev.Customer)}
	if !ev.Customer.IsBot {
		a.ID = chat.AgentID(ev.Platform, ev.Customer.ID)
	}
	return a
}

func agentName(c chat.Customer) string {
	if c.Name != "" {
		return c.Name
	}
	if c.Username != "" {
		return "@" + c.Username
	}
	return "agent " + c.ID
}

// agentPlan decides the effect of an agent's command on a handoff, and what
// the team chat is told.
func (p *Pipeline) agentPlan(st chat.AgentState, cmd chat.AgentCommand, agent chat.Agent, text string, ev chat.Event, now time.Time) chat.AgentPlan {
	return p.agentPlanTo(st, cmd, agent, text, chat.Agent{}, ev, now)
}

// agentPlanTo is agentPlan with the agent a /transfer names (to), as the
// handoff's team knows them.
func (p *Pipeline) agentPlanTo(st chat.AgentState, cmd chat.AgentCommand, agent chat.Agent, text string, to chat.Agent, ev chat.Event, now time.Time) chat.AgentPlan {
	if cmd == agentUnknown {
		hint := ""
		if near := nearCommand(strings.ToLower(strings.TrimPrefix(text, "/"))); near != "" {
			hint = " (did you mean /" + near + "?)"
		}
		msg := fmt.Sprintf("Unknown command %s%s: nothing was sent to the customer. Commands: %s. "+
			"To send the customer a text that starts with /, begin it with another character.", text, hint, commandList())
		return chat.AgentPlan{Agent: agent, Notices: []chat.Notice{{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: msg, TopicKey: st.ConversationKey}}}
	}
	if cmd == chat.AgentSnippets {
		cmd, text = agentSnippet, "" // as /s alone: the list
	}
	pressed := p.pressedSnippet(ev, cmd, text)
	if pressed != "" {
		text = pressed
	}
	if ev.APIToken == "" {
		// Snippets become their text before anything else, so the relay
		// below (guard, window, outbox) carries what the customer reads.
		var refused string
		if cmd, text, refused = p.expandSnippets(st, cmd, agent, text); refused != "" {
			return chat.AgentPlan{Agent: agent, Notices: []chat.Notice{{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: refused, TopicKey: st.ConversationKey}}}
		}
	}
	plan := chat.AgentPlan{Agent: agent, Text: text}
	if from := p.teamByChat(ev); from != nil {
		plan.AgentTeam = from.Name
	}
	team := p.teamFor(st.Handoff.Team)
	if st.Handoff.State != "" && !p.mayActOn(ev, st.Handoff) {
		// Another team's conversation: the agent is told in the chat they
		// wrote in, and nothing reaches the customer or the handoff.
		refused := p.refusal(ev, agent, "conversation", st.Handoff.Team)
		refused.Text = text
		return refused
	}
	if st.Handoff.State == "" && st.Closed.ID != 0 && actsOnClosed(cmd) {
		if !p.mayAct(ev, st.Closed.Team) {
			return p.refusal(ev, agent, "conversation", st.Closed.Team)
		}
		team = p.teamFor(st.Closed.Team)
	}
	if cmd == chat.AgentTransfer && text == "" && st.Handoff.State.Open() {
		return p.transferMenu(st, agent, ev)
	}
	if cmd == chat.AgentHistory {
		return p.historyPlan(st, agent, text, ev)
	}
	if cmd == chat.AgentRelay {
		plan.WindowUntil = p.guard.WindowUntil(st.Platform, st.LastCustomerAt)
		// An agent's photo, file or album reaches the customer as itself.
		plan.Media, plan.After = ev.Media, p.albumHold(ev.Media, now)
	}
	move := handoff.Transition(p.request(st, cmd, agent, to, text, team, cmd != chat.AgentRelay || !now.After(plan.WindowUntil), ev.Kind == chat.KindCallback))
	plan.Command, plan.Claim, plan.CallbackAnswer = move.Apply, move.Claim, move.Say
	if plan.CallbackAnswer == "" && ev.Kind == chat.KindCommand && ev.CallbackID != "" {
		// A Discord slash command (/note) waits for an answer: its
		// "thinking…" stays until Discord gives up otherwise.
		plan.CallbackAnswer = "Done."
	}
	if pressed != "" && plan.Command == chat.AgentRelay {
		snippetSent(&plan, st, ev, pressed)
	}
	if move.Apply != "" && st.Handoff.State != "" {
		plan.ToCustomer = p.customerNotices(st, move, agent, now)
	}
	if from := p.teamByChat(ev); plan.Claim && from != nil && from.Name == st.Handoff.OverflowTeam && !p.mayAct(ev, st.Handoff.Team) {
		// The overflow team took it: it is theirs now, and the customer's
		// next messages go to their chat.
		plan.MoveTo, team = from.Name, from
	}
	if move.Say == "" || move.OnlyToPresser {
		return plan
	}
	if move.Say != "" && !move.OnlyToPresser {
		// Into the customer's topic where the team chat is a forum.
		n := chat.Notice{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: move.Say, TopicKey: st.ConversationKey}
		event := agentEvents[plan.Command]
		if plan.Command == chat.AgentClose && move.CloseIn > 0 {
			event = "" // closes later, if at all: the webhook hears of it then
		}
		if team == nil || (st.Handoff.State == "" && plan.Command != chat.AgentReopen) || event == "" {
			plan.Notices = append(plan.Notices, n)
		} else {
			plan.Notices = append(plan.Notices, team.withWebhook(n, TeamEvent{Event: event, At: now, Agent: agent.Name, AgentID: agent.ID})...)
		}
	}
	if plan.Command != "" {
		p.applyMove(&plan, st, move, team, ev, now)
	}
	return plan
}

// record applies a plan made without the rules (chatter in a team chat),
// on a fresh snapshot, through the same path as every decision.
func (p *Pipeline) record(ie chat.InboxEvent, plan chat.Plan, now time.Time) error {
	var err error
	for range conflictRounds {
		var states []chat.State
		if states, err = p.store.LoadStates(p.workCtx, []chat.InboxEvent{ie}, now, p.cfg.ConversationIdle); err != nil {
			return err
		}
		var results []error
		if results, err = p.store.Apply(p.workCtx, []chat.Effects{{Event: ie, Basis: states[0], Plan: plan}}, now); err != nil {
			return err
		}
		if err = results[0]; !errors.Is(err, chat.ErrConflict) {
			return err
		}
	}
	return err
}

// refusal is what an agent of another team is told, in the chat they
// wrote in, when they act on a team's conversation or incident (what):
// nothing else happens.
func (p *Pipeline) refusal(ev chat.Event, agent chat.Agent, what, owner string) chat.AgentPlan {
	name := owner
	if t := p.teamFor(owner); t != nil {
		name = t.Name
	}
	msg := fmt.Sprintf("Not allowed: this %s belongs to team %s; only that team or a supervisor team may act on it.", what, name)
	return chat.AgentPlan{Agent: agent, CallbackAnswer: msg, Notices: []chat.Notice{{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: msg}}}
}

// mayAct says whether an agent writing in ev's chat may act on a handoff of
// the named team: from that team's chat (or one of its escalation chats),
// or from a supervisor team's. A handoff of a team no longer configured
// goes where its notices go (teamFor), and may be acted on from there.
func (p *Pipeline) mayAct(ev chat.Event, handoffTeam string) bool {
	from := p.teamByChat(ev)
	if from == nil {
		return false
	}
	if owner := p.teamFor(handoffTeam); owner == nil || owner.Name == from.Name {
		return true
	}
	return slices.Contains(p.cfg.Supervisors, from.Name)
}

// CommandHelp is a command as a platform lists it for autocompletion.
type CommandHelp struct {
	Name        string // without the slash
	Description string
	Arg         string // its argument's name, where the platform asks for one ("" for none)
}

// AgentCommands are the commands parseAgentEvent understands in a team
// chat, in the order agents see them listed. A command added there belongs
// here too (TestAgentCommandsAreUnderstood holds them together).
func AgentCommands() []CommandHelp {
	return []CommandHelp{
		{Name: string(chat.AgentClaim), Description: "Take this conversation"},
		{Name: string(chat.AgentResolve), Description: "Mark it resolved and hand it back to the bot"},
		{Name: string(chat.AgentBot), Description: "Hand it back to the bot without resolving"},
		{Name: string(chat.AgentNote), Description: "Keep a note the customer never sees", Arg: "text"},
		{Name: string(agentSnippet), Description: "Send a snippet: /s NAME (alone: list them)", Arg: "name"},
		{Name: string(chat.AgentClose), Description: "Close now, or later: /close in 10m (cancelled if the customer writes)", Arg: "when"},
		{Name: string(chat.AgentReopen), Description: "Take a closed conversation back from the bot"},
		{Name: string(chat.AgentTransfer), Description: "Hand it to another team or agent: /transfer TEAM or @agent", Arg: "to"},
		{Name: string(chat.AgentEscalate), Description: "Raise the priority one step and tell the next escalation chat"},
		{Name: string(chat.AgentPriority), Description: "Set the priority: /priority P1 (critical) to P4 (low)", Arg: "level"},
		{Name: string(chat.AgentBlock), Description: "Block this customer: kept, never answered nor passed on"},
		{Name: string(chat.AgentUnblock), Description: "Unblock this customer"},
		{Name: string(chat.AgentTag), Description: "Label this conversation: /tag vip refund", Arg: "tags"},
		{Name: string(chat.AgentSnippets), Description: "List the snippets"},
		{Name: string(chat.AgentHistory), Description: "Who the customer is and the last messages: /history [N]", Arg: "n"},
		{Name: string(chat.AgentIncident), Description: "On an incident: take, update TEXT (to its customers), resolve TEXT", Arg: "action"},
	}
}
