package pipeline

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// The team-chat commands of issue 19 (close, reopen, transfer, escalate,
// priority, block) and the handoff notice's buttons: handoff.Transition
// decides them; this turns its move into the plan's effects and notices.

// actsOnClosed says whether a command acts on a conversation back with the
// bot (its last handoff, or its customer).
func actsOnClosed(cmd chat.AgentCommand) bool {
	return cmd == chat.AgentReopen || cmd == chat.AgentBlock || cmd == chat.AgentUnblock || cmd == chat.AgentTag
}

// request gathers what Transition decides an agent's command on.
func (p *Pipeline) request(st chat.AgentState, cmd chat.AgentCommand, agent, to chat.Agent, text string, team *Team, windowOpen, byButton bool) handoff.Request {
	r := handoff.Request{Handoff: st.Handoff, Closed: st.Closed, Command: cmd, Agent: agent, WindowOpen: windowOpen, ByButton: byButton,
		Arg: text, To: to, Blocked: st.CustomerBlocked, NoCustomer: st.CustomerID == 0}
	switch cmd {
	case chat.AgentClose:
		r.CloseIn = handoff.ParseCloseIn(text)
	case chat.AgentPriority:
		r.Priority, _ = chat.ParsePriority(strings.TrimSpace(text))
	case chat.AgentTransfer:
		r.Teams = p.transferTeams(st.Platform)
	case chat.AgentEscalate:
		if team != nil {
			r.Escalations = len(team.Escalation)
		}
	case chat.AgentTag:
		r.Tags, r.Tagged = handoff.ParseTags(text), st.Tags
	}
	return r
}

// transferTeams are the teams a customer of platform may be transferred
// to: all but those that take only another platform's customers.
func (p *Pipeline) transferTeams(platform chat.Platform) []string {
	var out []string
	for _, t := range p.cfg.Teams {
		if t.Customers == "" || t.Customers == platform {
			out = append(out, t.Name)
		}
	}
	return out
}

// teamNamed is the configured team of that name, ignoring case.
func (p *Pipeline) teamNamed(name string) *Team {
	for i := range p.cfg.Teams {
		if strings.EqualFold(p.cfg.Teams[i].Name, strings.TrimSpace(name)) {
			return &p.cfg.Teams[i]
		}
	}
	return nil
}

// transferTarget looks up the agent a /transfer names, as the handoff's
// team knows them (whoever has acted in its chat); none when the argument
// names a team.
func (p *Pipeline) transferTarget(st chat.AgentState, cmd chat.AgentCommand, arg string) (chat.Agent, error) {
	if cmd != chat.AgentTransfer || strings.TrimSpace(arg) == "" || !st.Handoff.State.Open() || p.teamNamed(strings.TrimPrefix(arg, "@")) != nil {
		return chat.Agent{}, nil
	}
	name := st.Handoff.Team
	if t := p.teamFor(name); t != nil {
		name = t.Name
	}
	agent, _, err := p.store.TeamAgent(p.workCtx, name, arg)
	return agent, err
}

// applyMove turns what Transition decided into the plan's effects, and
// tells the chats beyond the agent's what changed.
func (p *Pipeline) applyMove(plan *chat.AgentPlan, st chat.AgentState, move handoff.Move, team *Team, ev chat.Event, now time.Time) {
	h := st.Handoff
	prio, err := handoff.ParsePriority(h.Priority)
	if err != nil {
		prio = chat.PriorityMedium
	}
	var hours handoff.Hours
	if team != nil {
		hours = team.Hours
	}
	switch plan.Command {
	case chat.AgentTag:
		plan.Tags = slices.Clone(st.Tags)
		for _, t := range handoff.ParseTags(plan.Text) {
			if !slices.Contains(plan.Tags, t) {
				plan.Tags = append(plan.Tags, t)
			}
		}
		slices.Sort(plan.Tags)
	case chat.AgentClose:
		if move.CloseIn > 0 {
			plan.ClosesAt = now.Add(move.CloseIn)
		}
	case chat.AgentTransfer:
		plan.Assign = move.Assign
		to := p.teamNamed(move.Team)
		if to == nil {
			return
		}
		plan.Team, plan.DueAt = to.Name, handoff.Due(p.cfg.Matrix, to.Hours, prio, now)
		customer := chat.Customer{Name: st.CustomerName, Username: st.CustomerUsername}
		who := strings.TrimSpace(st.CustomerName)
		if st.CustomerUsername != "" {
			who += " (@" + st.CustomerUsername + ")"
		}
		loc := to.Hours.Location()
		text := "Handoff transferred from team " + h.Team + " by " + plan.Agent.Name + " · " + string(prio) + " priority · first answer due " +
			plan.DueAt.In(loc).Format("Mon 15:04") + " (" + loc.String() + ")\nCustomer: " + strings.TrimSpace(who) + " · " + string(st.Platform) +
			"\n—\nTo answer the customer, reply to this message (in a forum topic, just write there); the commands work the same way."
		plan.Notices = append(plan.Notices, to.withWebhook(chat.Notice{Platform: to.Platform, Bot: to.Bot, ChatID: to.ChatID,
			TopicKey: st.ConversationKey, TopicName: topicName(customer, st.Platform), Text: text, Buttons: noticeButtons(to.Language)},
			TeamEvent{Event: EventHandoffOpened, At: now, Customer: agentFacingName(customer), Platform: string(st.Platform),
				Priority: string(prio), DueAt: plan.DueAt, Agent: plan.Agent.Name, AgentID: plan.Agent.ID})...)
	case chat.AgentEscalate, chat.AgentPriority:
		plan.Priority, plan.StepsDone = move.Priority, max(h.StepsDone, move.Tier)
		plan.DueAt = handoff.Due(p.cfg.Matrix, hours, move.Priority, h.CreatedAt)
		if move.Tier < 2 || team == nil || move.Tier-2 >= len(team.Escalation) {
			return
		}
		who := agentFacingName(chat.Customer{Name: st.CustomerName, Username: st.CustomerUsername})
		plan.Notices = append(plan.Notices, chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: team.Escalation[move.Tier-2],
			Text: "Escalation (tier " + strconv.Itoa(move.Tier) + ") by " + plan.Agent.Name + ": " + who + " (" + move.Priority.Label() +
				", " + string(move.Priority) + ") of team " + team.Name + " needs attention.",
			Buttons: [][]chat.Button{{{Text: buttonLabel(team.Language, "claim"), Data: "claim:{handoff}"}}}})
	}
}

// transferMenu answers "Transfer" pressed (or /transfer alone) with the
// other teams as buttons; pressing one transfers.
func (p *Pipeline) transferMenu(st chat.AgentState, agent chat.Agent, ev chat.Event) chat.AgentPlan {
	lang := ""
	if t := p.teamByChat(ev); t != nil {
		lang = t.Language
	}
	id := strconv.FormatInt(st.Handoff.ID, 10)
	var row []chat.Button
	for _, name := range p.transferTeams(st.Platform) {
		data := "transfer:" + id + ":" + name
		// A team whose name makes the data longer than Telegram takes
		// is reached with /transfer NAME instead.
		if name != st.Handoff.Team && len(data) <= maxButtonData {
			row = append(row, chat.Button{Text: name, Data: data})
		}
	}
	text := buttonLabel(lang, "transfer_to")
	if len(row) == 0 {
		text = buttonLabel(lang, "no_team")
	}
	n := chat.Notice{Platform: ev.Platform, Bot: ev.Bot, ChatID: ev.ChatID, Text: text, TopicKey: st.ConversationKey}
	if len(row) > 0 {
		n.Buttons = [][]chat.Button{row}
	}
	return chat.AgentPlan{Agent: agent, CallbackAnswer: text, Notices: []chat.Notice{n}}
}

// maxButtonData is the most a button may carry: Telegram's callback_data
// limit (Discord's custom_id allows 100).
const maxButtonData = 64

// closeDue closes the handoffs whose timed close (/close in 10m) is due,
// the same move as /close: the team told, its webhook and metrics too.
func (p *Pipeline) closeDue(now time.Time) {
	due, err := p.store.DueCloses(p.workCtx, now, 100)
	if err != nil {
		p.log.Warn("handoff timers: reading timed closes failed", "err", err)
		return
	}
	closedAny := false
	for _, h := range due {
		customer := agentFacingName(chat.Customer{Name: h.Customer})
		move := handoff.CloseDue(chat.OpenHandoff{ID: h.ID, Team: h.Team, State: h.State, ClaimedBy: h.ClaimedBy, ClosesAt: h.ClosesAt}, customer)
		if move.Next != chat.HandoffResolved {
			continue
		}
		var notices []chat.Notice
		if team := p.teamFor(h.Team); team != nil {
			notices = team.withWebhook(chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: team.ChatID, Text: move.Say, TopicKey: h.ConversationKey},
				TeamEvent{Event: EventHandoffResolved, At: now, Customer: h.Customer, Agent: h.ClaimedBy.Name, AgentID: h.ClaimedBy.ID})
		}
		// The customer hears it closed, and is asked whether it was
		// solved, as after /close now: the same move.
		st, found, err := p.store.LoadAgentState(p.workCtx, chat.InboxEvent{}, h.ID, now)
		if err != nil {
			p.log.Warn("handoff timers: reading a timed close's conversation failed", "handoff", h.ID, "err", err)
			return
		}
		var toCustomer []chat.Send
		if found {
			toCustomer = p.customerNotices(st, move, h.ClaimedBy, now)
		}
		closed, err := p.store.CloseTimed(p.workCtx, h, notices, st, toCustomer, now)
		if err != nil {
			p.log.Warn("handoff timers: a timed close failed", "handoff", h.ID, "err", err)
			return
		}
		if closed {
			p.cfg.Observer.HandoffChanged(HandoffChange{Step: HandoffClosed, Reason: "resolved", Priority: h.Priority, Team: h.Team, Since: now.Sub(h.CreatedAt)})
		}
		closedAny = closedAny || closed
	}
	if closedAny {
		p.wakeSender()
	}
}

// noticeButtons are the handoff notice's buttons, labelled in the team's
// language.
func noticeButtons(lang string) [][]chat.Button {
	return [][]chat.Button{{
		{Text: buttonLabel(lang, "claim"), Data: "claim:{handoff}"},
		{Text: buttonLabel(lang, "close"), Data: "close:{handoff}"},
		{Text: buttonLabel(lang, "transfer"), Data: "transfer:{handoff}"},
		{Text: buttonLabel(lang, "bot"), Data: "bot:{handoff}"},
	}}
}

// buttonLabels are the team chat's button labels and prompts per team
// language (config handoff.teams[].language); English where a language
// has none.
var buttonLabels = map[string]map[string]string{
	"en": {"claim": "Claim", "close": "Close", "transfer": "Transfer", "bot": "Back to bot",
		"transfer_to": "Transfer to which team?", "no_team": "There is no other team to transfer to."},
	"ru": {"claim": "Взять", "close": "Закрыть", "transfer": "Передать", "bot": "Вернуть боту",
		"transfer_to": "Какой команде передать?", "no_team": "Других команд для передачи нет."},
	"zh": {"claim": "认领", "close": "关闭", "transfer": "转交", "bot": "交还机器人",
		"transfer_to": "转交给哪个团队？", "no_team": "没有可转交的其他团队。"},
}

func buttonLabel(lang, key string) string {
	if s, ok := buttonLabels[lang][key]; ok {
		return s
	}
	return buttonLabels["en"][key]
}

// commandList names the team chat's commands for an agent who mistyped one.
func commandList() string {
	names := commandNames()
	for i, n := range names {
		names[i] = "/" + n
	}
	return strings.Join(names, ", ")
}

// nearCommand is the command a mistyped one most likely meant, or "".
// Words and commands of one or two letters are left out: any short word
// is two letters from /s.
func nearCommand(typed string) string {
	if len(typed) < 3 {
		return ""
	}
	names := slices.DeleteFunc(commandNames(), func(n string) bool { return len(n) < 3 })
	return rules.Nearest(typed, names)
}

// commandNames are the agents' commands, without their slash.
func commandNames() []string {
	names := make([]string, 0, len(AgentCommands()))
	for _, c := range AgentCommands() {
		names = append(names, c.Name)
	}
	return names
}
