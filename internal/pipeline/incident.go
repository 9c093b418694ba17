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

// agentTakeIncident is the "Take" button of an incident's notification.
const agentTakeIncident chat.AgentCommand = "incident_take"

// isIncidentCommand says whether an agent's command acts on an incident
// rather than on one conversation.
func isIncidentCommand(cmd chat.AgentCommand) bool {
	return cmd == chat.AgentIncident || cmd == agentTakeIncident || cmd == agentResolveIncident
}

// incidentOp reads what an incident command asks: the buttons are take and
// resolve (without a text); /incident names it in its first word.
func incidentOp(cmd chat.AgentCommand, text string) (handoff.IncidentOp, string) {
	switch cmd {
	case agentTakeIncident:
		return handoff.IncidentTake, ""
	case agentResolveIncident:
		return handoff.IncidentResolve, ""
	}
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	return handoff.IncidentOp(strings.ToLower(word)), strings.TrimSpace(rest)
}

// handleIncident applies an agent's /incident take, update TEXT or resolve
// TEXT, or an incident's button: decided by the lifecycle table on the
// incident as read, written by the store only while it still is so (else
// read and decided again). It reports whether the incident changed.
func (p *Pipeline) handleIncident(ie chat.InboxEvent, cmd chat.AgentCommand, text string, id int64, agent chat.Agent, now time.Time) (changed bool, err error) {
	ev := ie.Event
	op, rest := incidentOp(cmd, text)
	if id == 0 {
		if id, err = p.store.IncidentOf(p.workCtx, ie, now); err != nil {
			return false, err
		}
	}
	for range conflictRounds {
		var inc chat.IncidentRead
		if id != 0 {
			if inc, err = p.store.Incident(p.workCtx, id); err != nil {
				return false, err
			}
		}
		if inc.Team == "" {
			// Not about an incident: the agent is told where to write it.
			msg := "Not done: reply with /incident to an incident's notification (or to a conversation filed under one). " + handoff.IncidentUsage
			plan := chat.AgentPlan{Agent: agent, CallbackAnswer: msg, Notices: []chat.Notice{{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: msg}}}
			return false, p.store.ApplyAgent(p.workCtx, ie, chat.AgentState{}, plan, now)
		}
		ch := chat.IncidentChange{ID: id, Read: inc}
		var plan chat.AgentPlan
		if !p.mayAct(ev, inc.Team) {
			// Another team's incident: the agent is told, and it stays as it is.
			plan = p.refusal(ev, agent, "incident", inc.Team)
		} else {
			move := handoff.IncidentAct(inc, op, rest, agent)
			var audience []chat.IncidentCustomer
			if move.Announce {
				if audience, err = p.store.IncidentAudience(p.workCtx, id, now); err != nil {
					return false, err
				}
			}
			ch, plan = p.incidentChange(ev, id, inc, move, agent, audience, now)
		}
		err = p.store.ApplyIncident(p.workCtx, ie, ch, withIncidentCounts(plan, ch), now)
		if err == nil && ch.Update != nil {
			sent := ch.Update.Sent
			p.log.Info("incident update queued", "incident", id, "customers", sent.Customers, "sent", sent.Sent,
				"outside_window", sent.OutsideWindow, "skipped", sent.Skipped)
		}
		if !errors.Is(err, chat.ErrConflict) {
			return ch.Resolve || ch.Take || ch.Update != nil, err
		}
	}
	return false, err
}

// incidentChange routes what the lifecycle table's move on an incident
// says: to the agent (and the team's webhook when it changed anything),
// to the incident's customers (audience, as read) in their language, and
// into the incident's notification, which shows its owner and status.
func (p *Pipeline) incidentChange(ev chat.Event, id int64, inc chat.IncidentRead, move handoff.IncidentMove, agent chat.Agent, audience []chat.IncidentCustomer, now time.Time) (chat.IncidentChange, chat.AgentPlan) {
	ch := chat.IncidentChange{ID: id, Read: inc, Take: move.Take, Agent: agent, Status: move.Status, Resolve: move.Resolve}
	plan := chat.AgentPlan{Agent: agent, CallbackAnswer: move.Say}
	n := chat.Notice{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: move.Say}
	team := p.teamFor(inc.Team)
	if !move.Changed() || team == nil {
		plan.Notices = []chat.Notice{n}
		return ch, plan
	}
	event := EventIncidentUpdated
	if move.Resolve {
		event = EventIncidentResolved
	}
	plan.Notices = team.withWebhook(n, TeamEvent{Event: event, IncidentID: "{incident}", At: now, Agent: agent.Name, AgentID: agent.ID})
	if move.Announce {
		reach := map[chat.Platform]time.Duration{}
		for _, pl := range []chat.Platform{chat.Telegram, chat.Discord, chat.Sandbox} {
			reach[pl] = p.guard.Reach(pl)
		}
		a := handoff.Announcement{Texts: incidentTexts(move.Resolve, move.Status), Reach: reach, PerHour: p.guard.Config().PerHour}
		u := a.To(audience, now)
		ch.Update = &u
	}
	if inc.Notice != "" {
		owner, status := inc.Owner, inc.Status
		if move.Take {
			owner = agent
		}
		if move.Status != "" {
			status = move.Status
		}
		ch.Notice = &chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: team.ChatID,
			Text:    withIncidentStatus(inc.Notice, owner, status, move.Resolve),
			Buttons: incidentButtons(owner, move.Resolve)}
	}
	return ch, plan
}

// withIncidentCounts fills the incident's id and its update's counts
// (handoff's sentSummary) into what the agent and the team are told.
func withIncidentCounts(plan chat.AgentPlan, ch chat.IncidentChange) chat.AgentPlan {
	var sent chat.IncidentSent
	if ch.Update != nil {
		sent = ch.Update.Sent
	}
	counts := strings.NewReplacer("{incident}", strconv.FormatInt(ch.ID, 10), "{sent}", strconv.Itoa(sent.Sent),
		"{outside_window}", strconv.Itoa(sent.OutsideWindow), "{skipped}", strconv.Itoa(sent.Skipped))
	plan.CallbackAnswer = counts.Replace(plan.CallbackAnswer)
	plan.Notices = slices.Clone(plan.Notices)
	for i, n := range plan.Notices {
		plan.Notices[i].Text = counts.Replace(n.Text)
	}
	return plan
}

// incidentStatusMark starts the part of an incident's notification that
// says who owns it and what its status is; it is rewritten on every change.
const incidentStatusMark = "\nOwner: "

// withIncidentStatus is an incident's notification text with its owner and
// status (as of now) in place of the ones it had.
func withIncidentStatus(text string, owner chat.Agent, status string, resolved bool) string {
	if i := strings.LastIndex(text, incidentStatusMark); i >= 0 {
		text = text[:i]
	}
	var b strings.Builder
	b.WriteString(text)
	b.WriteString(incidentStatusMark)
	if owner.Name == "" {
		b.WriteString("nobody yet. Reply /incident take to own it, then /incident update TEXT to tell its customers.")
	} else {
		b.WriteString(owner.Name + ".")
	}
	switch {
	case resolved && status != "":
		b.WriteString("\nResolved: " + oneLine(status))
	case resolved:
		b.WriteString("\nResolved.")
	case status != "":
		b.WriteString("\nStatus: " + oneLine(status))
	}
	return b.String()
}

// incidentButtons are the notification's buttons: take it while nobody
// owns it, resolve it while it is open.
func incidentButtons(owner chat.Agent, resolved bool) [][]chat.Button {
	if resolved {
		return nil
	}
	row := []chat.Button{{Text: "Resolve all", Data: string(agentResolveIncident) + ":{incident}"}}
	if owner.Name == "" {
		row = append([]chat.Button{{Text: "Take", Data: string(agentTakeIncident) + ":{incident}"}}, row...)
	}
	return [][]chat.Button{row}
}

// incidentUpdateTexts and incidentResolvedTexts carry an incident's status
// to its customers, per language ("" for the others); incidentStatusNotes
// add the latest status to the answer of a customer joining the incident.
var (
	incidentUpdateTexts = map[string]string{
		"":   "Update on the problem you reported: %s",
		"ru": "Новости о проблеме, о которой вы сообщили: %s",
		"zh": "关于您反馈的问题，最新进展：%s",
	}
	incidentResolvedTexts = map[string]string{
		"":   "The problem you reported is resolved: %s",
		"ru": "Проблема, о которой вы сообщили, решена: %s",
		"zh": "您反馈的问题已解决：%s",
	}
	incidentStatusNotes = map[string]string{
		"":   "\n\nLatest update: %s",
		"ru": "\n\nПоследние новости: %s",
		"zh": "\n\n最新进展：%s",
	}
)

// incidentTexts is an update (or the resolution) in every language.
func incidentTexts(resolved bool, status string) map[string]string {
	texts := incidentUpdateTexts
	if resolved {
		texts = incidentResolvedTexts
	}
	out := make(map[string]string, len(texts))
	for lang, t := range texts {
		out[lang] = fmt.Sprintf(t, status)
	}
	return out
}

// incidentNote is the latest status of an open incident, in the
// customer's language, for an answer: of the incident a new handoff by the
// rule would join (opens says it opens one), or of one the rule's when
// asks about ("outage" in incidents). "" when there is none or it has no
// status yet. A customer who writes about an incident hears at once what
// its customers were last told.
func (p *Pipeline) incidentNote(a chat.Action, ev chat.Event, st chat.State, opens bool, lang string) string {
	if a.Text == "" || len(st.Incidents) == 0 {
		return ""
	}
	team := ""
	// A handoff's action is routed already: a.Team is the team it goes to.
	if t := p.teamFor(a.Team); t != nil && a.Type == chat.ActionHandoff && opens {
		team = t.Name
	}
	for _, inc := range st.Incidents {
		joins := team != "" && inc.Team == team && inc.Cause == a.Rule
		if inc.Status == "" || !(joins || slices.Contains(a.Incidents, inc.Cause)) {
			continue
		}
		t, ok := incidentStatusNotes[lang]
		if !ok {
			t = incidentStatusNotes[""]
		}
		return fmt.Sprintf(t, inc.Status)
	}
	return ""
}
