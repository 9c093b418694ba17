package handoff

import (
	"fmt"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Move is what an agent's command does to a handoff, decided by Transition:
// the command to write (none when refused), whether the agent becomes its
// owner, the state the handoff is in after it, and what the team chat is
// told.
type Move struct {
	Apply chat.AgentCommand // written; "" when the command is refused
	Claim bool              // the agent becomes the owner
	Next  chat.HandoffState // the handoff's state afterwards ("" when closed)
	Say   string            // told in the team chat and to a pressed button; "" says nothing
	// OnlyToPresser keeps Say to the button's answer: a claim pressed
	// again tells the team nothing new.
	OnlyToPresser bool
}

// Transition is the handoff lifecycle as one table: a handoff waiting for a
// person, claimed by one, or closed (state ""), and an agent's command. The
// moves no agent's command makes are below it: TimeOut (the idle timer) and
// ResolveIncident (an incident's "Resolve all").
// windowOpen says the platform still lets the bot write to the customer;
// byButton says the command came from a button press.
//
//	state \ command          relay                       claim                  resolve / bot      note
//	waiting                  → claimed by agent, sent    → claimed by agent     → closed           kept
//	claimed by agent         sent                        (said again)           → closed           kept
//	claimed by other         refused: other owns it      refused: told owner    → closed           kept
//	claimed, owner unknown   sent                        → claimed by agent     → closed           kept
//	closed                   refused: back with the bot  refused: closed        refused: closed    dropped
//
// Agents are accounts (chat.Agent.ID), never names: two people called Anna
// are two agents, and the refusal says which Anna owns it. "Owner unknown"
// is a claim made before agents were identified by account (a name only):
// any member of the team may answer it until someone claims it again. An
// agent whose account is unknown (an anonymous group admin) may neither
// answer nor claim, since nobody could tell them from the next one.
//
// Any relay outside the platform's window is refused (D13: two people must
// not answer one customer; the window is the platform's rule).
func Transition(h chat.OpenHandoff, cmd chat.AgentCommand, agent chat.Agent, windowOpen, byButton bool) Move {
	if !h.State.Open() {
		switch cmd {
		case chat.AgentRelay:
			return Move{Say: "Not sent: this conversation is closed and the customer is with the bot again. It reopens when the customer asks for a person."}
		case chat.AgentNote:
			return Move{}
		}
		// A claim button pressed on a closed conversation: the presser is
		// told; the team chat has heard it closed already.
		return Move{Say: "This conversation is already closed.", OnlyToPresser: byButton && cmd == chat.AgentClaim}
	}
	if !agent.Known() && (cmd == chat.AgentRelay || cmd == chat.AgentClaim) {
		return Move{Next: h.State, Say: "Not done: this message does not say which account sent it; write as yourself, not anonymously.",
			OnlyToPresser: byButton}
	}
	claimed := h.State == chat.HandoffClaimed
	ownerKnown := claimed && h.ClaimedBy.Known()
	ownedByOther := ownerKnown && !h.ClaimedBy.Is(agent)
	switch cmd {
	case chat.AgentRelay:
		switch {
		case ownedByOther:
			return Move{Next: h.State, Say: "Not sent: " + ownerName(h.ClaimedBy, agent) + " owns this conversation."}
		case !windowOpen:
			return Move{Next: h.State, Say: "Not sent: the customer's last message is too old; the platform no longer lets us write to them."}
		case h.State == chat.HandoffWaiting:
			return Move{Apply: cmd, Claim: true, Next: chat.HandoffClaimed, Say: agent.Name + " answered and owns this conversation."}
		}
		return Move{Apply: cmd, Next: chat.HandoffClaimed}
	case chat.AgentClaim:
		switch {
		case ownedByOther:
			return Move{Next: h.State, Say: "Already claimed by " + ownerName(h.ClaimedBy, agent) + ".", OnlyToPresser: true}
		case ownerKnown:
			// The owner claims again: nothing changes, only they hear it.
			return Move{Apply: cmd, Next: chat.HandoffClaimed, Say: agent.Name + " owns this conversation.", OnlyToPresser: byButton}
		}
		return Move{Apply: cmd, Claim: true, Next: chat.HandoffClaimed, Say: agent.Name + " owns this conversation."}
	case chat.AgentResolve:
		return Move{Apply: cmd, Next: chat.HandoffResolved, Say: "Resolved by " + agent.Name + ". The bot answers this customer again."}
	case chat.AgentBot:
		return Move{Apply: cmd, Next: chat.HandoffReturnedToBot, Say: agent.Name + " gave the conversation back to the bot."}
	case chat.AgentNote:
		return Move{Apply: cmd, Next: h.State}
	}
	return Move{Next: h.State}
}

// TimeOut is the idle timer's move: a claimed handoff nobody has written in
// for the idle timeout (idleFor, as the team reads it) is resolved and the
// conversation goes back to the bot, so a forgotten conversation does not
// keep the bot quiet for good; customer names it for the team.
//
//	state \ timer   idle for the timeout
//	waiting         stays: it escalates instead (reminders, tiers)
//	claimed         → resolved, the team told
//	closed          stays
func TimeOut(h chat.OpenHandoff, customer, idleFor string) Move {
	if h.State != chat.HandoffClaimed {
		return Move{Next: h.State}
	}
	return Move{Next: chat.HandoffResolved,
		Say: "Resolved after " + idleFor + " without messages: " + customer + "'s conversation (claimed by " + h.ClaimedBy.Name + ") is back with the bot."}
}

// IncidentMove is what an agent's "Resolve all" or /incident does to an
// incident (ResolveIncident, IncidentAct).
type IncidentMove struct {
	// Resolve closes the incident and every open handoff filed under it
	// (waiting or claimed → resolved), giving their customers back to
	// the bot; false when the incident is resolved already.
	Resolve bool
	// Take makes the agent the incident's owner.
	Take bool
	// Status is the incident's new status; Announce sends it to every
	// customer filed under the incident.
	Status   string
	Announce bool
	// Say is told to the presser, and to the team when anything changed.
	Say string
}

// Changed says whether the move changes the incident (the team is told).
func (m IncidentMove) Changed() bool { return m.Resolve || m.Take || m.Announce }

// ResolveIncident is the incident's move: open (counting handoffs) or
// resolved already, and an agent pressing "Resolve all".
//
//	incident \ press   Resolve all
//	open               → resolved with its open handoffs, the team told how many
//	resolved           stays; the presser told
func ResolveIncident(open bool, handoffs int, agent string) IncidentMove {
	if !open {
		return IncidentMove{Say: "This incident is already resolved."}
	}
	return IncidentMove{Resolve: true, Say: fmt.Sprintf("%s resolved the incident: %d customers are back with the bot.", agent, handoffs)}
}

// ownerName names a handoff's owner to another agent: by name, and by
// account too where the two share the name, so that "Anna owns this
// conversation" cannot read as "you own it".
func ownerName(owner, agent chat.Agent) string {
	if owner.Name == agent.Name {
		return "another " + owner.Name + " (" + owner.ID + ")"
	}
	return owner.Name
}
