package pipeline

import (
	"encoding/json"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Event names of the team webhook, one per thing agents are told.
const (
	EventHandoffOpened     = "handoff.opened"
	EventCustomerMessage   = "handoff.customer_message"
	EventHandoffClaimed    = "handoff.claimed"
	EventHandoffResolved   = "handoff.resolved"
	EventHandoffReturned   = "handoff.returned_to_bot"
	EventHandoffReopened   = "handoff.reopened" // the customer said their question was not solved
	EventHandoffReminder   = "handoff.reminder"
	EventHandoffEscalated  = "handoff.escalated"
	EventHandoffOverflow   = "handoff.overflow"
	EventHandoffIdleClosed = "handoff.timeout"
	EventAgentReply        = "handoff.agent_reply"
	EventPersonReply       = "handoff.person_reply" // someone of the brand answered in the customer's chat in person
	EventIncidentOpened    = "incident.opened"
	EventIncidentUpdated   = "incident.updated"
	EventIncidentResolved  = "incident.resolved"
	EventSpikeStarted      = "spike.started"
)

// TeamEvent is the JSON body of a team webhook call. Ids are strings so
// that no JSON reader rounds them.
type TeamEvent struct {
	Event      string `json:"event"`
	Team       string `json:"team"`
	HandoffID  string `json:"handoff_id,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
	// Spike names the volume of a spike.started event: "rule:outage",
	// "type:after_sales", "sentiment:negative"; Count is its messages in
	// the last hour.
	Spike    string    `json:"spike,omitempty"`
	Count    int       `json:"count,omitempty"`
	At       time.Time `json:"at"`
	Customer string    `json:"customer,omitempty"` // display name
	Platform string    `json:"platform,omitempty"` // the customer's
	Priority string    `json:"priority,omitempty"`
	DueAt    time.Time `json:"due_at,omitzero"`
	Rule     string    `json:"rule,omitempty"`
	Agent    string    `json:"agent,omitempty"` // display name
	// AgentID is the agent's account ("telegram:123"), which names them
	// where Agent may not: two agents can share a name.
	AgentID string `json:"agent_id,omitempty"`
	// Text is what the team chat is told, so a tool can show it as is.
	Text string `json:"text"`
}

// topicNotice is a notice to the team chat about ev's conversation, in its
// topic where the team chat has topics.
func (t *Team) topicNotice(ev chat.Event, text string) chat.Notice {
	return chat.Notice{Platform: t.Platform, Bot: t.Bot, ChatID: t.ChatID,
		TopicKey: ev.ConversationKey(), TopicName: topicName(ev.Customer, ev.Platform), Text: text}
}

// withWebhook returns the team-chat notice and, when the team has a
// webhook, the same event for it. "{handoff}" and "{incident}" are filled
// in when the notice is stored.
func (t *Team) withWebhook(n chat.Notice, ev TeamEvent) []chat.Notice {
	out := []chat.Notice{n}
	if t.ChannelWebhook {
		out = append(out, chat.Notice{Platform: chat.DiscordWebhook, Bot: t.Name, ChatID: t.Name, Text: n.Text})
	}
	if !t.Webhook {
		return out
	}
	ev.Team, ev.Text = t.Name, n.Text
	if ev.HandoffID == "" && ev.IncidentID == "" && ev.Spike == "" {
		ev.HandoffID = "{handoff}"
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return out // a TeamEvent always marshals
	}
	return append(out, chat.Notice{Platform: chat.Webhook, Bot: t.Name, ChatID: t.Name, Text: string(body)})
}
