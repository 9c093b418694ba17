package pipeline

import (
	"fmt"
	"strconv"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// APICommand is what a helpdesk asks of a handoff through the HTTP API,
// on behalf of a named agent.
type APICommand struct {
	Token     string            // the API token's name
	Agent     string            // the agent's name, shown to the team and in reports
	Command   chat.AgentCommand // AgentClaim, AgentResolve or AgentRelay
	HandoffID int64
	Team      string // the handoff's team, whose chat the command is placed in
	Text      string // what AgentRelay sends the customer
	// Target is where AgentTransfer goes: a team, or an agent as the
	// handoff's team knows them.
	Target string
	// Key makes the command idempotent: one key of one token is one event
	// however often it is posted.
	Key string
}

// APIEvent turns an API command into the event an agent in the handoff's
// team chat would have made: it goes into the inbox, and is decided by the
// same lifecycle (who owns the conversation, the platform's window) and
// written through the same outbox as one typed in the chat. A claim or
// resolve is a button press, a reply is a reply naming its handoff. It
// fails when no team chat takes the team's handoffs or the command is not
// one the API makes.
func (p *Pipeline) APIEvent(c APICommand, now time.Time) (chat.Event, error) {
	team := p.teamFor(c.Team)
	if team == nil {
		return chat.Event{}, fmt.Errorf("team %q: no team chat takes its handoffs", c.Team)
	}
	ev := chat.Event{
		Platform: team.Platform, Bot: team.Bot, ChatID: team.ChatID, ChatType: chat.ChatGroup,
		// Scoped by token, so one helpdesk's keys never collide with
		// another's, nor with a platform's own ids.
		ExternalID: "api:" + c.Token + ":" + c.Key,
		Customer:   chat.Customer{ID: chat.APIAgentID(c.Token), Name: c.Agent},
		APIToken:   c.Token, HandoffID: c.HandoffID, Time: now,
	}
	switch c.Command {
	case chat.AgentClaim, chat.AgentResolve:
		ev.Kind, ev.Text = chat.KindCallback, string(c.Command)+":"+strconv.FormatInt(c.HandoffID, 10)
	case chat.AgentTransfer, chat.AgentTag:
		// As /transfer TEAM|@agent or /tag WORD… would.
		if c.Target == "" {
			return chat.Event{}, fmt.Errorf("%s: name a team, an agent or tags", c.Command)
		}
		ev.Kind, ev.Text = chat.KindCallback, string(c.Command)+":"+strconv.FormatInt(c.HandoffID, 10)+":"+c.Target
	case chat.AgentRelay:
		ev.Kind, ev.Text = chat.KindText, c.Text
	default:
		return chat.Event{}, fmt.Errorf("command %q: the API makes claim, resolve, transfer, tag and reply", c.Command)
	}
	return ev, nil
}
