package handoff

import (
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// IncidentOp is what an agent's /incident asks of an incident.
type IncidentOp string

const (
	IncidentTake    IncidentOp = "take"    // become its owner
	IncidentUpdate  IncidentOp = "update"  // post a status to its customers
	IncidentResolve IncidentOp = "resolve" // close it, with an optional last word to its customers
)

// IncidentUsage is what an agent is told when /incident is not understood.
const IncidentUsage = "Incident commands, as a reply to the incident's notification: /incident take, /incident update TEXT (sent to its customers), /incident resolve TEXT."

// IncidentAct is the incident's lifecycle as one table: an incident as
// read, and an agent's /incident take, update TEXT or resolve [TEXT] (the
// "Resolve all" button is resolve without a text).
//
//	incident \ op        take                  update TEXT                    resolve [TEXT]
//	resolved or unknown  refused: resolved     refused: resolved              refused: resolved
//	no owner             → owner: agent        → owner: agent; status, sent   → resolved (TEXT sent)
//	owned by agent       (said again)          → status, sent                 → resolved (TEXT sent)
//	owned by other       refused: told owner   refused: only the owner        refused: only the owner
//
// One person speaks for an incident (D17: assign an owner, post updates),
// as one person answers a customer (D13): while it has an owner only they
// update or resolve it; until then any agent of the team may, and the first
// update makes its writer the owner. An agent whose account is unknown (an
// anonymous group admin) may do none of it. An update without a text, or
// repeating the current status (a message sent again, or redelivered as a
// new one), sends nothing: every customer has it already.
func IncidentAct(inc chat.IncidentRead, op IncidentOp, text string, agent chat.Agent) IncidentMove {
	text = strings.TrimSpace(text)
	switch {
	case op != IncidentTake && op != IncidentUpdate && op != IncidentResolve:
		return IncidentMove{Say: IncidentUsage}
	case !inc.Open:
		return IncidentMove{Say: "This incident is already resolved."}
	case !agent.Known():
		return IncidentMove{Say: "Not done: this message does not say which account sent it; write as yourself, not anonymously."}
	}
	owned := inc.Owner.Known()
	if owned && !inc.Owner.Is(agent) {
		if op == IncidentTake {
			return IncidentMove{Say: "This incident is owned by " + ownerName(inc.Owner, agent) + " already."}
		}
		return IncidentMove{Say: "Not done: " + ownerName(inc.Owner, agent) + " owns this incident; only they post its updates and resolve it."}
	}
	switch op {
	case IncidentTake:
		if owned {
			return IncidentMove{Say: agent.Name + " owns this incident."}
		}
		return IncidentMove{Take: true, Say: agent.Name + " owns this incident now: /incident update TEXT tells its customers, /incident resolve TEXT closes it."}
	case IncidentUpdate:
		switch {
		case text == "":
			return IncidentMove{Say: "Not sent: write the update after the command: /incident update TEXT."}
		case text == inc.Status:
			return IncidentMove{Say: "Not sent again: this is the incident's current status, and its customers have it."}
		}
		return IncidentMove{Take: !owned, Status: text, Announce: true,
			Say: agent.Name + " posted an update: " + sentSummary}
	}
	move := ResolveIncident(inc.Open, inc.Handoffs, agent.Name)
	if text != "" {
		move.Status, move.Announce = text, true
		move.Say += " The resolution: " + sentSummary
	}
	return move
}

// sentSummary is how a confirmation says whom an update reached; the
// pipeline fills in the counts decided (chat.IncidentSent).
const sentSummary = "sent to {sent} customers; {outside_window} outside the platform's window and {skipped} blocked or over the hourly limit were skipped."

// Announcement is an incident's status as it is to reach its customers
// (an update, or the resolution's last word).
type Announcement struct {
	// Texts by language (the first two letters of the customer's, lower
	// case); "" is for every other language.
	Texts map[string]string
	// Reach is, per platform, how long after the customer's last message
	// the bot may still write (the window less its margin); customers of
	// platforms not named are not written to.
	Reach map[chat.Platform]time.Duration
	// PerHour is the guard's hourly limit of messages to one customer.
	PerHour int
}

// To decides the announcement's messages to an incident's customers, as
// read at now: one to each customer whose window is still open, who
// neither blocked the bot nor was blocked, and who had fewer than PerHour
// messages in the hour, in their language. The others are counted by
// reason (outside the window first). It is exempt from the guard's
// per-message cap (D8): it answers an agent's action, not a customer's
// message.
func (a Announcement) To(customers []chat.IncidentCustomer, now time.Time) chat.IncidentUpdate {
	u := chat.IncidentUpdate{Sent: chat.IncidentSent{Customers: len(customers)}}
	for _, c := range customers {
		reach, ok := a.Reach[c.Platform]
		until := c.LastMessageAt.Add(reach)
		switch {
		case !ok || until.Before(now):
			u.Sent.OutsideWindow++
		case c.Blocked || c.SentLastHour >= a.PerHour:
			u.Sent.Skipped++
		default:
			u.Messages = append(u.Messages, chat.IncidentMessage{To: c, Text: a.text(c.Language), WindowUntil: until})
		}
	}
	u.Sent.Sent = len(u.Messages)
	return u
}

// text is the announcement in language, or in the one for every other.
func (a Announcement) text(language string) string {
	lang := strings.ToLower(language)
	if len(lang) > 2 {
		lang = lang[:2]
	}
	if t, ok := a.Texts[lang]; ok && lang != "" {
		return t
	}
	return a.Texts[""]
}
