package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// Team is a group of agents and the team chat they work in.
type Team struct {
	Name     string
	Platform chat.Platform
	Bot      string // the bot that posts in the team chat
	ChatID   string
	Hours    handoff.Hours // zero: always open
	// Escalation lists the chats of the next tiers (managers, then
	// leadership, D16); an unclaimed handoff goes up one every Every.
	Escalation []string
	Every      time.Duration
	// Webhook says the team's events also go, as signed JSON, to the
	// sender registered as SenderKey(chat.Webhook, Name).
	Webhook bool
	// ChannelWebhook says the team's notices are also posted, as plain
	// text, through a Discord channel webhook (notifications without a
	// bot: nobody can answer there), sender SenderKey(chat.DiscordWebhook, Name).
	ChannelWebhook bool
	// Language labels the buttons of the team chat (en, ru, zh; "" is en).
	Language string
	// Customers, when set, makes this team take every handoff of
	// customers on that platform, whatever team the rule names (the
	// sandbox's agent pane answers the sandbox's customers), and no
	// other handoffs.
	Customers chat.Platform
	// Languages the team answers in; see handoff.Choose.
	Languages []string
	// OverflowAfter of business time unclaimed, a handoff is offered to
	// team OverflowTo too (once); zero: never.
	OverflowAfter time.Duration
	OverflowTo    string
}

// teamFor picks the team a handoff goes to: the one the rule names, else
// the first configured that takes any customer.
func (p *Pipeline) teamFor(name string) *Team {
	for i := range p.cfg.Teams {
		if p.cfg.Teams[i].Name == name {
			return &p.cfg.Teams[i]
		}
	}
	for i := range p.cfg.Teams {
		if p.cfg.Teams[i].Customers == "" {
			return &p.cfg.Teams[i]
		}
	}
	return nil
}

// teamByChat is the team whose chat (or escalation chat) an event comes from.
func (p *Pipeline) teamByChat(ev chat.Event) *Team {
	for i, t := range p.cfg.Teams {
		if t.Platform != ev.Platform || t.Bot != ev.Bot {
			continue
		}
		if t.ChatID == ev.ChatID || slices.Contains(t.Escalation, ev.ChatID) {
			return &p.cfg.Teams[i]
		}
	}
	return nil
}

// isTeamChat reports whether an event comes from an agents' team chat:
// agents are not customers, and the rules must never answer them.
func (p *Pipeline) isTeamChat(ev chat.Event) bool { return p.teamByChat(ev) != nil }

// DefaultEscalateEvery spaces reminders and escalations of an unclaimed handoff.
const DefaultEscalateEvery = 30 * time.Minute

// timerLoop makes the reminders and escalations of handoffs nobody claimed
// by their due time: first a reminder to the team, then one step up per
// tier, each exactly once. It also closes idle handoffs and looks for
// spikes.
func (p *Pipeline) timerLoop() {
	defer p.done.Done()
	for p.wait(nil, p.cfg.PollInterval) {
		if len(p.cfg.Teams) == 0 {
			continue
		}
		now := p.now()
		due, err := p.store.DueHandoffs(p.workCtx, now, 100)
		if err != nil {
			p.log.Warn("handoff timers: listing due handoffs failed", "err", err)
			continue
		}
		for _, h := range due {
			p.escalate(h, now)
		}
		p.overflow(now)
		p.closeIdle(now)
		p.closeDue(now)
		p.checkSpikes(now)
	}
}

// closeIdle resolves claimed handoffs nobody has written in for
// HandoffIdle, so a forgotten conversation does not keep the bot quiet
// for good. Waiting handoffs are not timed out: they escalate instead.
func (p *Pipeline) closeIdle(now time.Time) {
	idle, err := p.store.IdleHandoffs(p.workCtx, now.Add(-p.cfg.HandoffIdle), 100)
	if err != nil {
		p.log.Warn("handoff timers: reading idle handoffs failed", "err", err)
		return
	}
	closedAny := false
	for _, h := range idle {
		move := handoff.TimeOut(chat.OpenHandoff{ID: h.ID, Team: h.Team, State: h.State, ClaimedBy: h.ClaimedBy},
			agentFacingName(chat.Customer{Name: h.Customer}), shortDuration(p.cfg.HandoffIdle))
		if move.Next != chat.HandoffResolved {
			continue
		}
		closed, err := p.store.CloseIdleHandoff(p.workCtx, h, p.idleNotices(h, move.Say, now), now)
		if err != nil {
			p.log.Warn("handoff timers: closing an idle handoff failed", "handoff", h.ID, "err", err)
			return
		}
		closedAny = closedAny || closed
	}
	if closedAny {
		p.wakeSender()
	}
}

// idleNotices tells the team (its chat and webhook) what the idle timer's
// move says.
func (p *Pipeline) idleNotices(h chat.IdleHandoff, text string, now time.Time) []chat.Notice {
	team := p.teamFor(h.Team)
	if team == nil {
		return nil
	}
	return team.withWebhook(chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: team.ChatID, Text: text, TopicKey: h.ConversationKey},
		TeamEvent{Event: EventHandoffIdleClosed, At: now, Customer: h.Customer, Agent: h.ClaimedBy.Name, AgentID: h.ClaimedBy.ID})
}

func (p *Pipeline) escalate(h chat.DueHandoff, now time.Time) {
	team := p.teamFor(h.Team)
	if team == nil {
		return
	}
	every := team.Every
	if every <= 0 {
		every = DefaultEscalateEvery
	}
	step, ok := handoff.NextStep(handoff.EscalationsWithin(team.Hours, chat.Priority(h.Priority), h.DueAt, every, 1+len(team.Escalation)), h.StepsDone)
	if !ok || step.At.After(now) {
		return
	}
	who := agentFacingName(chat.Customer{Name: h.Customer})
	due := h.DueAt.In(team.Hours.Location()).Format("Mon 15:04 MST")
	chatID, text := team.ChatID, fmt.Sprintf("Reminder: %s is waiting for a person (%s priority, first answer was due %s). Nobody has claimed it.",
		who, h.Priority, due)
	if step.Tier > 1 {
		chatID = team.Escalation[step.Tier-2]
		text = fmt.Sprintf("Escalation (tier %d): %s is waiting for a person (%s priority, first answer was due %s); team %s has not claimed it.",
			step.Tier, who, h.Priority, due, team.Name)
	}
	n := chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: chatID, Text: text,
		Buttons: [][]chat.Button{{{Text: buttonLabel(team.Language, "claim"), Data: "claim:{handoff}"}}}}
	event := EventHandoffReminder
	if step.Tier > 1 {
		event = EventHandoffEscalated
	}
	notices := team.withWebhook(n, TeamEvent{Event: event, At: now, Customer: h.Customer, Priority: h.Priority, DueAt: h.DueAt})
	if _, err := p.store.TakeHandoffStep(p.workCtx, h.ID, h.StepsDone, notices, now); err != nil {
		p.log.Warn("handoff timers: step not taken", "handoff", h.ID, "err", err)
		return
	}
	p.wakeSender()
}

// planHandoff sets the handoff's due time and the notification to its team.
func (p *Pipeline) planHandoff(plan *chat.Plan, ev chat.Event, st chat.State, now time.Time) {
	h := plan.Handoff
	prio, err := handoff.ParsePriority(h.Priority)
	if err != nil {
		prio = chat.PriorityMedium
	}
	team := p.teamFor(h.Team) // routed already (route)
	var hours handoff.Hours
	if team != nil {
		hours = team.Hours
		h.Team = team.Name // recorded with the handoff: its later steps go there too
	}
	plan.HandoffDue = handoff.Due(p.cfg.Matrix, hours, prio, now)
	if team != nil && team.OverflowTo != "" && p.teamFor(team.OverflowTo) != nil {
		plan.Route.OverflowAt, plan.Route.OverflowTeam = handoff.OverflowAt(hours, now, team.OverflowAfter), team.OverflowTo
	}
	if team == nil {
		p.log.Warn("handoff without a team chat: configure handoff.teams so agents are told", "rule", h.Rule)
		return
	}
	if p.planIncident(plan, ev, st, team, now) {
		return
	}
	notice := team.topicNotice(ev, detailsHeader(plan)+noticeText(h, prio, plan.HandoffDue, hours, handoffContext(noticeEvent(ev, st.Link), st, plan, now), p.cfg.ContextMessages, plan.Insight))
	notice.Buttons = withRow(noticeButtons(team.Language), p.snippetButtons(h.Snippets))
	plan.Notices = append(plan.Notices, team.withWebhook(notice, TeamEvent{Event: EventHandoffOpened, At: now, Customer: agentFacingName(ev.Customer), Platform: string(ev.Platform),
		Priority: string(prio), DueAt: plan.HandoffDue, Rule: h.Rule})...)
	if len(ev.Media) > 0 {
		// The notice quotes the message; its media follow as themselves.
		plan.Notices = append(plan.Notices, p.mediaNotice(team.topicNotice(ev, ""), ev, now))
	}
}

// planIncident files the handoff under an incident when its cause (the
// rule) is open as one, or has handed off IncidentThreshold customers in
// the window with this one (D17). Agents then get one notification,
// updated as customers join, instead of one each. It reports whether the
// handoff went to an incident.
func (p *Pipeline) planIncident(plan *chat.Plan, ev chat.Event, st chat.State, team *Team, now time.Time) bool {
	h := plan.Handoff
	if !p.cfg.incidentsOn() || !isIncidentCause(h.Rule) {
		return false
	}
	inc := chat.IncidentPlan{Team: h.Team, Cause: h.Rule, Since: now.Add(-p.cfg.IncidentWindow)}
	count, since := 0, inc.Since
	var owner chat.Agent
	var status string
	for _, open := range st.Incidents {
		if open.Team == h.Team && open.Cause == h.Rule {
			inc.ID, inc.Handoffs, count, since = open.ID, open.Handoffs, open.Handoffs+1, open.Started.Add(-p.cfg.IncidentWindow)
			inc.Updates, owner, status = open.Updates, open.Owner, open.Status
		}
	}
	if inc.ID == 0 {
		n, ok := st.Details.RecentHandoffs[chat.TeamCause{Team: h.Team, Cause: h.Rule}]
		if !ok {
			return false // not loaded: this is the first pass, decided again with them
		}
		if count = n + 1; count < p.cfg.IncidentThreshold {
			return false
		}
		inc.Handoffs = count
	}
	event := EventIncidentUpdated
	if inc.ID == 0 {
		event = EventIncidentOpened
	}
	loc := team.Hours.Location()
	text := fmt.Sprintf("Incident · %d customers handed off by rule %s since %s (%s), team %s.\nLatest: %s: %s\n"+
		"Each got the rule's answer (and the latest status, once there is one); the bot stays quiet with them until you resolve the incident, which gives them all back to the bot.",
		count, h.Rule, since.In(loc).Format("Mon 15:04"), loc, team.Name, agentFacingName(ev.Customer), oneLine(ev.Text))
	inc.Notice = chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: team.ChatID,
		Text: withIncidentStatus(text, owner, status, false), Buttons: incidentButtons(owner, false)}
	// The webhook hears of it like of any handoff, with the incident's id.
	for _, n := range team.withWebhook(inc.Notice, TeamEvent{Event: event, IncidentID: "{incident}", At: now,
		Customer: agentFacingName(ev.Customer), Platform: string(ev.Platform), Priority: h.Priority, Rule: h.Rule})[1:] {
		// A channel webhook cannot edit the incident's post in place:
		// it hears of the incident once, not of every customer joining.
		if n.Platform != chat.DiscordWebhook || inc.ID == 0 {
			inc.Webhook = append(inc.Webhook, n)
		}
	}
	plan.Incident = &inc
	return true
}

// noticeText is the notification agents read: the handoff, then who the
// customer is and the conversation's last lines messages (the one handed
// off last), so the customer is not asked again (D20). It is plain text:
// sent without a parse mode, nothing the customer wrote can format it.
func noticeText(h *chat.Action, prio chat.Priority, due time.Time, hours handoff.Hours, c chat.CustomerContext, lines int, in chat.Insight) string {
	var b strings.Builder
	loc := hours.Location()
	fmt.Fprintf(&b, "Handoff · %s priority · first answer due %s (%s)\n", prio, due.In(loc).Format("Mon 15:04"), loc)
	if in.Type != "" {
		// What the message is and how the customer sounds, so an angry
		// complaint is seen before it is read.
		fmt.Fprintf(&b, "Message: %s · %s %s (%+.2f)\n", in.Type, sentimentMark[in.Sentiment], in.Sentiment, in.SentimentScore)
	}
	if h.Rule != "" {
		fmt.Fprintf(&b, "Rule: %s", h.Rule)
		if h.Team != "" {
			fmt.Fprintf(&b, " · team %s", h.Team)
		}
		b.WriteByte('\n')
	}
	b.WriteString(contextCard(c, lines, loc))
	b.WriteString("\n—\nTo answer the customer, reply to this message (in a forum topic, just write there); /claim, /close, /transfer, /history, /s NAME and the other commands work the same way.")
	return b.String()
}

var sentimentMark = map[chat.Sentiment]string{chat.SentimentNegative: "😠", chat.SentimentNeutral: "😐", chat.SentimentPositive: "🙂"}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	if s == "" {
		s = "(no text)"
	}
	return s
}

func agentFacingName(c chat.Customer) string {
	if c.Name != "" {
		return c.Name
	}
	if c.Username != "" {
		return "@" + c.Username
	}
	return "Customer"
}

// outOfHoursNote tells a customer handed off while the team is away when a
// person will answer (D19), in their language; "" while the team is open.
func (p *Pipeline) outOfHoursNote(teamName, lang string, now time.Time) string {
	team := p.teamFor(teamName)
	if team == nil || team.Hours.Open(now) {
		return ""
	}
	opening := team.Hours.NextOpening(now)
	if opening.IsZero() {
		return ""
	}
	when := handoff.OpeningText(lang, opening, now)
	switch lang {
	case "zh":
		return "\n现在是非工作时间，客服将于" + when + "回复您。"
	case "ru":
		return "\nСейчас нерабочее время; оператор ответит " + when + "."
	}
	return "\nOur team is away right now; a person will answer " + when + "."
}

// shortDuration writes 24h rather than 24h0m0s.
func shortDuration(d time.Duration) string { return handoff.ShortDuration(d) }

func (c Config) incidentsOn() bool { return c.IncidentThreshold >= 0 }

// isIncidentCause says whether handoffs by a rule can make an incident: a
// customer asking for a person is no incident.
func isIncidentCause(rule string) bool { return rule != "" && rule != rules.BuiltinHuman }

// mayOpenIncident says whether a new handoff by rule in team could open an
// incident, so its cause's recent handoffs must be counted: incidents are
// on, the rule can cause one, and none of the cause is open already (an
// open one is joined without counting).
func (p *Pipeline) mayOpenIncident(rule, team string, open []chat.Incident) bool {
	if !p.cfg.incidentsOn() || !isIncidentCause(rule) {
		return false
	}
	for _, inc := range open {
		if inc.Team == team && inc.Cause == rule {
			return false
		}
	}
	return true
}
