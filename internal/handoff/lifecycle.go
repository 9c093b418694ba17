package handoff

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/timespan"
)

// Move is what an agent's command does to a handoff, decided by Transition:
// the command to write (none when refused), whether the agent becomes its
// owner, the state the handoff is in after it, what the team chat is told,
// and the changes the store applies as given.
type Move struct {
	Apply chat.AgentCommand // written; "" when the command is refused
	Claim bool              // the agent becomes the owner
	Next  chat.HandoffState // the handoff's state afterwards ("" when closed)
	Say   string            // told in the team chat and to a pressed button; "" says nothing
	// OnlyToPresser keeps Say to the button's answer: a claim pressed
	// again tells the team nothing new.
	OnlyToPresser bool

	CloseIn  time.Duration // close: the timed close's delay; 0 closes now
	Priority chat.Priority // escalate, priority: the new priority
	Team     string        // transfer: the team it goes to, waiting for a person
	Assign   chat.Agent    // transfer: the agent who owns it now
	Tier     int           // escalate: the tier told (2 is the first escalation chat); 0 none
	Block    bool          // block: true; unblock: false (with Apply set)
}

// Request is an agent's command on a conversation, with what deciding it
// reads; the caller parses the command's argument and looks up the agent
// it names.
type Request struct {
	// Handoff is the open handoff; its State is "" when the conversation
	// is back with the bot, and Closed is then its last handoff (what
	// /reopen takes back; ID 0 when it never had one).
	Handoff chat.OpenHandoff
	Closed  chat.OpenHandoff
	Command chat.AgentCommand
	Agent   chat.Agent
	// WindowOpen says the platform still lets the bot write to the
	// customer; ByButton says the command came from a button press.
	WindowOpen, ByButton bool

	CloseIn  time.Duration // /close in 10m
	Priority chat.Priority // /priority P2 ("" when the argument is none)
	Arg      string        // /priority's or /transfer's argument as written
	// Teams are the configured teams (/transfer TEAM names one of them);
	// To is the agent the argument names, as the team knows them (ID ""
	// when none).
	Teams []string
	To    chat.Agent
	// Escalations is how many escalation chats the handoff's team has.
	Escalations int
	// Blocked says the team has blocked the customer; NoCustomer that
	// the conversation has none on record (nobody to block).
	Blocked, NoCustomer bool
	// Tags are /tag's words (ParseTags; nil when Arg holds none that is
	// valid), Tagged the handoff's labels already.
	Tags, Tagged []string
}

// Transition is the handoff lifecycle as one table: a handoff waiting for a
// person, claimed by one, or closed (state ""), and an agent's command. The
// moves no agent's command makes are below it: TimeOut (the idle timer),
// CloseDue (a timed close), CustomerWrote (which cancels one) and
// ResolveIncident (an incident's "Resolve all").
//
//	state \ command          relay                       claim                  resolve / bot / close   note
//	waiting                  → claimed by agent, sent    → claimed by agent     → closed                kept
//	claimed by agent         sent                        (said again)           → closed                kept
//	claimed by other         refused: other owns it      refused: told owner    → closed                kept
//	claimed, owner unknown   sent                        → claimed by agent     → closed                kept
//	closed                   refused: back with the bot  refused: closed        refused: closed         dropped
//
//	state \ command   close in D           reopen                 transfer TEAM|@agent              escalate / priority P     block / unblock
//	open              closes at now+D      refused: open          TEAM → waiting in TEAM            priority raised/set;      customer (un)blocked
//	                  unless the customer                         @agent → claimed by agent         escalate tells the next   (refused when it
//	                  writes first                                unknown: refused, teams listed    escalation chat           already is)
//	closed            refused: closed      → claimed by agent     refused: closed                   refused: closed           as when open
//
//	state \ command   tag WORD…
//	open or closed    labels added (refused: none new, or not words); closed without any handoff: refused
//
// Agents are accounts (chat.Agent.ID), never names: two people called Anna
// are two agents, and the refusal says which Anna owns it. "Owner unknown"
// is a claim made before agents were identified by account (a name only):
// any member of the team may answer it until someone claims it again. An
// agent whose account is unknown (an anonymous group admin) may neither
// answer, claim nor reopen, since nobody could tell them from the next one.
//
// Any relay outside the platform's window is refused (D13: two people must
// not answer one customer; the window is the platform's rule).
func Transition(r Request) Move {
	h, cmd, agent, byButton := r.Handoff, r.Command, r.Agent, r.ByButton
	switch cmd {
	case chat.AgentBlock, chat.AgentUnblock:
		// The customer, not the handoff: open or closed alike.
		switch {
		case r.NoCustomer || (!h.State.Open() && r.Closed.ID == 0):
			return Move{Next: h.State, Say: "Not done: this conversation has no customer on record to block or unblock."}
		case cmd == chat.AgentBlock && r.Blocked:
			return Move{Next: h.State, Say: "This customer is blocked already."}
		case cmd == chat.AgentUnblock && !r.Blocked:
			return Move{Next: h.State, Say: "This customer is not blocked."}
		case cmd == chat.AgentBlock:
			return Move{Apply: cmd, Next: h.State, Block: true,
				Say: agent.Name + " blocked this customer: their messages are kept, never answered by the bot nor passed on here. /unblock undoes it."}
		}
		return Move{Apply: cmd, Next: h.State, Say: agent.Name + " unblocked this customer: the bot answers them again, and their messages reach you while you own the conversation."}
	case chat.AgentTag:
		return tag(r)
	case chat.AgentReopen:
		switch {
		case h.State.Open():
			return Move{Next: h.State, Say: "Not reopened: this conversation is open already."}
		case r.Closed.ID == 0:
			return Move{Say: "Not reopened: there is no handoff of this conversation to reopen."}
		case !agent.Known():
			return Move{Say: anonymous}
		}
		return Move{Apply: cmd, Claim: true, Next: chat.HandoffClaimed,
			Say: agent.Name + " reopened the conversation and owns it; the bot stays quiet with this customer."}
	}
	if !h.State.Open() {
		switch cmd {
		case chat.AgentRelay:
			return Move{Say: "Not sent: this conversation is closed and the customer is with the bot again. It reopens when the customer asks for a person, or with /reopen."}
		case chat.AgentNote:
			return Move{}
		}
		// A claim button pressed on a closed conversation: the presser is
		// told; the team chat has heard it closed already.
		return Move{Say: "This conversation is already closed.", OnlyToPresser: byButton && cmd == chat.AgentClaim}
	}
	if !agent.Known() && (cmd == chat.AgentRelay || cmd == chat.AgentClaim) {
		return Move{Next: h.State, Say: anonymous, OnlyToPresser: byButton}
	}
	claimed := h.State == chat.HandoffClaimed
	ownerKnown := claimed && h.ClaimedBy.Known()
	ownedByOther := ownerKnown && !h.ClaimedBy.Is(agent)
	switch cmd {
	case chat.AgentRelay:
		switch {
		case ownedByOther:
			return Move{Next: h.State, Say: "Not sent: " + ownerName(h.ClaimedBy, agent) + " owns this conversation."}
		case !r.WindowOpen:
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
	case chat.AgentClose:
		if strings.TrimSpace(r.Arg) != "" && r.CloseIn <= 0 {
			return Move{Next: h.State, Say: "Not closed: write /close, or /close in 10m (2h, 1h30m, 1d, 2 hours) to close later."}
		}
		if r.CloseIn > 0 {
			return Move{Apply: cmd, Next: h.State, CloseIn: r.CloseIn,
				Say: agent.Name + " will close this conversation in " + ShortDuration(r.CloseIn) + "; if the customer writes before then, it stays open."}
		}
		return Move{Apply: cmd, Next: chat.HandoffResolved, Say: "Closed by " + agent.Name + ". The bot answers this customer again."}
	case chat.AgentBot:
		return Move{Apply: cmd, Next: chat.HandoffReturnedToBot, Say: agent.Name + " gave the conversation back to the bot."}
	case chat.AgentNote:
		return Move{Apply: cmd, Next: h.State}
	case chat.AgentTransfer:
		return transfer(r)
	case chat.AgentEscalate:
		prio := chat.Priority(h.Priority).Raise()
		// The tier after those the SLA timer has told already: steps are
		// the reminder (tier 1), then one per escalation chat.
		next := max(h.StepsDone-1, 0)
		if next >= r.Escalations {
			if prio == chat.Priority(h.Priority) {
				return Move{Next: h.State, Say: "Not escalated: it is " + prio.Label() + " already and no escalation chat is left to tell."}
			}
			return Move{Apply: cmd, Next: h.State, Priority: prio,
				Say: agent.Name + " escalated this conversation to " + prio.Label() + " (" + string(prio) + "); no escalation chat is left to tell."}
		}
		return Move{Apply: cmd, Next: h.State, Priority: prio, Tier: next + 2,
			Say: fmt.Sprintf("%s escalated this conversation to %s (%s); escalation tier %d is told.", agent.Name, prio.Label(), prio, next+2)}
	case chat.AgentPriority:
		switch {
		case r.Priority == "":
			return Move{Next: h.State, Say: "Not changed: write /priority P1, P2, P3 or P4 (P1 critical, P2 high, P3 medium, P4 low)."}
		case r.Priority == chat.Priority(h.Priority):
			return Move{Next: h.State, Say: "The priority is " + r.Priority.Label() + " already."}
		}
		return Move{Apply: cmd, Next: h.State, Priority: r.Priority,
			Say: agent.Name + " set the priority to " + r.Priority.Label() + " (" + string(r.Priority) + ")."}
	}
	return Move{Next: h.State}
}

// transfer is /transfer TEAM|@agent on an open handoff: a team takes it
// waiting for one of its people, an agent the team knows owns it.
func transfer(r Request) Move {
	h, agent := r.Handoff, r.Agent
	arg := strings.TrimPrefix(strings.TrimSpace(r.Arg), "@")
	for _, t := range r.Teams {
		if arg == "" || !strings.EqualFold(t, arg) {
			continue
		}
		if t == h.Team {
			return Move{Next: h.State, Say: "Not transferred: this conversation is with team " + t + " already."}
		}
		return Move{Apply: chat.AgentTransfer, Next: chat.HandoffWaiting, Team: t,
			Say: agent.Name + " transferred this conversation to team " + t + "."}
	}
	switch {
	case arg == "" || !r.To.Known():
		return Move{Next: h.State, Say: fmt.Sprintf("Not transferred: %q is no team nor agent known here. Teams: %s.", arg, strings.Join(r.Teams, ", "))}
	case h.State == chat.HandoffClaimed && h.ClaimedBy.Is(r.To):
		return Move{Next: h.State, Say: "Not transferred: " + r.To.Name + " owns this conversation already."}
	}
	return Move{Apply: chat.AgentTransfer, Next: chat.HandoffClaimed, Assign: r.To,
		Say: agent.Name + " transferred this conversation to " + r.To.Name + ", who owns it now."}
}

// tag is /tag WORD… on a conversation, open or closed: labels for
// reports, helpdesks and CRMs, which change nothing else.
func tag(r Request) Move {
	next := r.Handoff.State
	var added []string
	for _, t := range r.Tags {
		if !slices.Contains(r.Tagged, t) && !slices.Contains(added, t) {
			added = append(added, t)
		}
	}
	switch {
	case !next.Open() && r.Closed.ID == 0:
		return Move{Say: "Not tagged: there is no handoff of this conversation."}
	case len(r.Tags) == 0:
		return Move{Next: next, Say: "Not tagged: write /tag WORD … (up to 10 words of letters, digits, - and _)."}
	case len(added) == 0:
		return Move{Next: next, Say: "Already tagged: " + strings.Join(r.Tags, ", ") + "."}
	}
	return Move{Apply: chat.AgentTag, Next: next, Say: r.Agent.Name + " tagged this conversation: " + strings.Join(added, ", ") + "."}
}

// MaxTags bounds a handoff's labels, and a tag's length in runes.
const (
	MaxTags   = 10
	maxTagLen = 32
)

// ParseTags reads /tag's words, separated by spaces or commas and
// lower-cased: letters, digits, - and _, at most maxTagLen each, at most
// MaxTags. nil when there are none, or any is not a tag.
func ParseTags(arg string) []string {
	words := strings.FieldsFunc(strings.ToLower(arg), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(words) == 0 || len(words) > MaxTags {
		return nil
	}
	for _, w := range words {
		if utf8.RuneCountInString(w) > maxTagLen || strings.ContainsFunc(w, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
		}) {
			return nil
		}
	}
	return words
}

// anonymous refuses what needs an account from an agent writing without one.
const anonymous = "Not done: this message does not say which account sent it; write as yourself, not anonymously."

// CloseDue is a timed close's move (/close in 10m), when its time comes:
//
//	state \ timer   closes_at reached
//	open            → resolved, the team told
//	closed          stays
func CloseDue(h chat.OpenHandoff, customer string) Move {
	if !h.State.Open() {
		return Move{Next: h.State}
	}
	return Move{Apply: chat.AgentClose, Next: chat.HandoffResolved,
		Say: "Closed as planned: " + customer + "'s conversation is back with the bot."}
}

// CustomerWrote is what a customer's message does to a pending timed
// close: it is cancelled, and the team told why; "" when none is pending.
func CustomerWrote(h chat.OpenHandoff, customer string) (cancel bool, say string) {
	if !h.State.Open() || h.ClosesAt.IsZero() {
		return false, ""
	}
	return true, "Timed close cancelled: " + customer + " wrote again, so the conversation stays open."
}

// PersonAnswered is what someone of the brand answering the customer in
// their chat in person (chat.KindPersonReply) does to the open handoff: a
// waiting one is taken by them, its owner unknown (chat.InPerson), so its
// reminders and escalations stop while any agent of the team may still
// answer or claim it; the team is told either way. Nothing happens to a
// closed handoff.
//
//	state \ event           a person answered in the chat
//	waiting                 → claimed, owner unknown; the team told
//	claimed                 stays; the team told
//	closed                  stays
func PersonAnswered(h chat.OpenHandoff, customer, text string) (claim bool, say string) {
	switch h.State {
	case chat.HandoffWaiting:
		return true, "Answered in person in " + customer + "'s chat, not through this team: " + text +
			"\nNo more reminders: the handoff counts as claimed. Claim it to own it."
	case chat.HandoffClaimed:
		return false, "Answered in person in " + customer + "'s chat, not through this team: " + text
	}
	return false, ""
}

// ShortDuration writes 24h rather than 24h0m0s, and 1h30m rather than
// 1h30m0s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
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

// ParseCloseIn reads /close's argument: "in 10m", "in 2h", "in 1h30m",
// "in 2 hours", "через 2 часа", "1天后" (or the length alone); 0 when it
// is none, or not a positive length of time.
func ParseCloseIn(arg string) time.Duration {
	arg = strings.TrimSpace(strings.ToLower(arg))
	for _, word := range []string{"in ", "через "} {
		arg = strings.TrimPrefix(arg, word)
	}
	for _, word := range []string{"以后", "以後", "后", "後"} {
		arg = strings.TrimSuffix(arg, word)
	}
	d, err := timespan.Parse(arg)
	if err != nil || d <= 0 {
		return 0
	}
	return d
}
