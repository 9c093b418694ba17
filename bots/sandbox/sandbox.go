// Package sandbox is a web chat for trying the bot out: a person writes as a
// customer, and their messages go through the real pipeline (rules, guard,
// handoff) like any platform's. Beside each reply the page shows why it was
// sent or suppressed; conversations handed to a person appear in an agent
// pane, where the same person answers as an agent (the sandbox is then the
// handoff team's chat, ChatID AgentsChat).
//
// The sandbox is an adapter like bots/telegram: it builds chat.Events and
// hands them to the inbox, and it is the pipeline's Sender for the platform
// "sandbox". Its transcript lives in memory, bounded, on one replica: it is a
// try-out tool, not a platform customers use.
package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Inbox stores an event durably (the owner passes the app's inbox).
type Inbox interface {
	Accept(ctx context.Context, ev chat.Event) error
}

// Previewer decides what the bot would do with a customer's message without
// storing or sending anything: history is the conversation's earlier
// messages, in order, each at its Time, and ev the one to preview. The
// owner decides them in memory (internal/app, as `frontdesk try` does).
type Previewer interface {
	Preview(ctx context.Context, history []chat.Event, ev chat.Event) (chat.Plan, error)
}

// Bot is the bot name of sandbox events.
const Bot = "sandbox"

// AgentsChat is the agent pane's chat id: configure it as a handoff team's
// chat (platform "sandbox", bot "sandbox").
const AgentsChat = "agents"

// Default bounds of the in-memory transcript. When they are reached the
// oldest goes: the least recently active conversation, the oldest message.
const (
	MaxConversations  = 200
	MaxMessages       = 500 // per customer conversation
	MaxAgentMessages  = 1000
	chatPrefix        = "c-" // customer chat ids are "c-" + conversation
	maxStatePage      = 1000 // messages per /api/state answer
	conversationKeyOf = string(chat.Sandbox) + "/" + Bot + "/" + chatPrefix
)

// Message statuses of what the person wrote ("in").
const (
	StatusPending = "pending" // being handed to the inbox
	StatusStored  = "stored"  // in the inbox: the pipeline will decide on it
	StatusFailed  = "failed"  // the inbox refused it (see Error)
)

// Message is one entry of a pane, as /api/state returns it.
type Message struct {
	// Seq is the state's sequence number at the message's last change:
	// creation, a decision attached, an edit.
	Seq int64 `json:"seq"`
	// N orders messages by creation and identifies them in the page;
	// it never changes.
	N int64 `json:"n"`
	// Pane is "customer" or "agents".
	Pane string `json:"pane"`
	// Conversation is the customer conversation ("c1"): the one the
	// message is in, or, in the agent pane, the one a notice is about
	// ("" when unknown, as for an incident's notice).
	Conversation string `json:"conversation,omitempty"`
	// ID is the platform message id: what reply_to and message_id name.
	// Answers to button presses and button presses have none.
	ID string `json:"id,omitempty"`
	// Dir is "in" (the person wrote or pressed a button), "out" (the bot
	// sent it) or "answer" (the bot answered a button press: a short,
	// transient notice to whoever pressed it).
	Dir  string    `json:"dir"`
	Kind string    `json:"kind,omitempty"` // "in": the event kind (text, command, callback)
	From string    `json:"from,omitempty"` // "in": the customer's or agent's name
	Text string    `json:"text"`           // a button press: the button's data
	Time time.Time `json:"time"`
	// ReplyTo is the message this one answers; for a button press, the
	// message whose button was pressed.
	ReplyTo    string          `json:"reply_to,omitempty"`
	CallbackID string          `json:"callback_id,omitempty"` // a press, and the answer to it
	Label      string          `json:"label,omitempty"`       // a press: what the button said
	Buttons    [][]chat.Button `json:"buttons,omitempty"`
	// Rule and Action ("out"): what sent it, from the outbox row.
	Rule      string `json:"rule,omitempty"`
	Action    string `json:"action,omitempty"`
	HandoffID int64  `json:"handoff_id,omitempty"`
	Edited    bool   `json:"edited,omitempty"`
	// Status and Error ("in"): whether the inbox took it.
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// Decision ("in", customer pane) is what the pipeline decided, once
	// it has.
	Decision *Decision `json:"decision,omitempty"`
	// Media are its photos and files (a customer's attachment, a
	// customer's media relayed to the agent pane).
	Media []MediaView `json:"media,omitempty"`

	externalID string
	fileIDs    []string // files attached with it, dropped with it
}

// Decision is the why of a customer message: what the pipeline planned for
// it and what the frequency guard suppressed.
type Decision struct {
	Outcome  chat.Outcome `json:"outcome"`
	Language string       `json:"language,omitempty"`
	// ReadAs is the text the rules read when the message was written in
	// other letters than it means (Russian in Latin letters, the wrong
	// keyboard layout).
	ReadAs string `json:"read_as,omitempty"`
	// Sends are the messages planned and let through, in order.
	Sends []Planned `json:"sends,omitempty"`
	// Suppressed are planned messages the guard stopped, with the reason
	// (chat.Reason…: duplicate_content, rule_cooldown, …).
	Suppressed []chat.Suppression `json:"suppressed,omitempty"`
	// Recorded are actions that send nothing (tag, ignore).
	Recorded []Planned `json:"recorded,omitempty"`
	Handoff  *Planned  `json:"handoff,omitempty"`
	Notices  int       `json:"notices,omitempty"` // messages to agents' team chats
	// Matched are the rules that matched, from the trace; Trace is every
	// step the rules engine recorded.
	Matched []string `json:"matched,omitempty"`
	Trace   []Step   `json:"trace,omitempty"`
	// Why says it all in one line, for the page.
	Why string `json:"why"`
}

// Planned is one action of a decision.
type Planned struct {
	Rule     string          `json:"rule"`
	Action   chat.ActionType `json:"action"`
	Text     string          `json:"text,omitempty"`
	Team     string          `json:"team,omitempty"`
	Priority string          `json:"priority,omitempty"`
}

// Step is one rule the rules engine considered: the JSON of rules.Step,
// which is what chat.Plan.Trace holds (the sandbox may not import rules).
type Step struct {
	Rule    string `json:"rule"`
	Matched bool   `json:"matched"`
	Reason  string `json:"reason"`
	Keyword string `json:"keyword,omitempty"`
	Group   string `json:"group,omitempty"`
}

// conversation is one customer chat.
type conversation struct {
	id      string // "c1"
	name    string
	lang    string
	updated time.Time
	msgs    []*Message
}

// Sandbox is the web chat: an http.Handler for the page and its API, and the
// pipeline's Sender for the platform "sandbox".
type Sandbox struct {
	inbox   Inbox
	preview Previewer // nil: no previews
	now     func() time.Time
	epoch   string // tells this process's ids (and state) from an earlier one's

	maxConversations, maxMessages, maxAgentMessages int

	// rules reports how the last load of the rules went (nil: always
	// fine), so the page does not say "live" over a refused reload.
	rules func() RulesStatus
	// catalog is what the page offers to pick (nil: nothing).
	catalog func() Catalog

	mu       sync.Mutex
	seq      int64 // the last change
	n        int64 // the last id handed out
	convs    map[string]*conversation
	agents   []*Message
	byID     map[string]*Message   // platform message id → message, both panes
	byExtern map[string]*Message   // event external id → what the person wrote
	files    map[string]storedFile // files customers attached, by id
}

// New makes a sandbox that hands events to inbox and asks preview what a
// message would get (nil: /api/preview is off); now is the clock (nil:
// time.Now).
func New(inbox Inbox, preview Previewer, now func() time.Time) *Sandbox {
	if now == nil {
		now = time.Now
	}
	return &Sandbox{
		inbox:   inbox,
		preview: preview,
		now:     now,
		// Ids carry the start time, so that events made after a restart
		// never collide with stored ones (the inbox drops duplicates).
		epoch:            strconv.FormatInt(now().UnixMilli(), 36),
		maxConversations: MaxConversations,
		maxMessages:      MaxMessages,
		maxAgentMessages: MaxAgentMessages,
		convs:            map[string]*conversation{},
		byID:             map[string]*Message{},
		byExtern:         map[string]*Message{},
	}
}

// RulesStatus is how the last load of the rules went, as /api/state tells
// the page: OK false with Error when the last reload was refused (the
// previous rules keep running), and the rules running now.
type RulesStatus struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	Count int    `json:"count"`
	// Version names the rules running now (it changes with each load
	// that succeeds): the page fetches /api/catalog again when it does.
	Version string `json:"version,omitempty"`
}

// WatchRules makes /api/state report the rules' status from status, which
// the owner calls cheaply on every poll. Set it before serving.
func (s *Sandbox) WatchRules(status func() RulesStatus) { s.rules = status }

// CustomerID is the customer id of a sandbox conversation as `frontdesk
// forget --customer` and `frontdesk export` take it.
func CustomerID(conversation string) string { return conversationKeyOf + conversation }

// nextID hands out a number and a process-unique id; s.mu is held.
func (s *Sandbox) nextID(prefix string) (int64, string) {
	s.n++
	return s.n, prefix + s.epoch + "-" + strconv.FormatInt(s.n, 10)
}

// touch gives m the next sequence number; s.mu is held.
func (s *Sandbox) touch(m *Message) {
	s.seq++
	m.Seq = s.seq
}

// conversationByChat finds a customer chat; s.mu is held.
func (s *Sandbox) conversationByChat(chatID string) *conversation {
	id, ok := strings.CutPrefix(chatID, chatPrefix)
	if !ok {
		return nil
	}
	return s.convs[id]
}

// openConversation finds or starts a conversation, making room for a new
// one by dropping the least recently active; s.mu is held.
func (s *Sandbox) openConversation(id string) *conversation {
	if c := s.convs[id]; c != nil {
		return c
	}
	for len(s.convs) >= s.maxConversations && len(s.convs) > 0 {
		var oldest *conversation
		for _, c := range s.convs {
			if oldest == nil || c.updated.Before(oldest.updated) || (c.updated.Equal(oldest.updated) && firstN(c) < firstN(oldest)) {
				oldest = c
			}
		}
		for _, m := range oldest.msgs {
			s.forget(m)
		}
		delete(s.convs, oldest.id)
		s.seq++ // the conversation list changed
	}
	c := &conversation{id: id}
	s.convs[id] = c
	return c
}

func firstN(c *conversation) int64 {
	if len(c.msgs) == 0 {
		return 0
	}
	return c.msgs[0].N
}

// forget drops a message's index entries; s.mu is held.
func (s *Sandbox) forget(m *Message) {
	if m.ID != "" && s.byID[m.ID] == m {
		delete(s.byID, m.ID)
	}
	if m.externalID != "" && s.byExtern[m.externalID] == m {
		delete(s.byExtern, m.externalID)
	}
	for _, id := range m.fileIDs {
		delete(s.files, id)
	}
}

// add appends m to its pane, dropping the oldest message past the bound;
// s.mu is held. m.N is set.
func (s *Sandbox) add(c *conversation, m *Message) {
	s.touch(m)
	if m.ID != "" {
		s.byID[m.ID] = m
	}
	if m.externalID != "" {
		s.byExtern[m.externalID] = m
	}
	if c == nil {
		m.Pane = "agents"
		s.agents = append(s.agents, m)
		for len(s.agents) > s.maxAgentMessages {
			s.forget(s.agents[0])
			s.agents[0] = nil
			s.agents = s.agents[1:]
		}
		return
	}
	m.Pane = "customer"
	m.Conversation = c.id
	c.updated = m.Time
	c.msgs = append(c.msgs, m)
	for len(c.msgs) > s.maxMessages {
		s.forget(c.msgs[0])
		c.msgs[0] = nil
		c.msgs = c.msgs[1:]
	}
}

// Send is the pipeline's Sender for the platform "sandbox". To AgentsChat
// it posts to the agent pane; to "c-…" it is a reply to that customer
// conversation. EditMessageID replaces the text and buttons of that
// message (or posts anew when it is gone, as Telegram's sender does);
// CallbackID makes it an answer to a button press. The only error is a
// *chat.SendError of kind SendPermanent for a chat the sandbox does not
// know (never opened, dropped by the bounds, or from before a restart).
func (s *Sandbox) Send(_ context.Context, out chat.Outgoing) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c *conversation
	if out.ChatID != AgentsChat {
		if c = s.conversationByChat(out.ChatID); c == nil {
			return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("sandbox: no chat %q", out.ChatID)}
		}
	}
	now := s.now()
	if out.CallbackID != "" {
		if out.Text == "" {
			return "", nil // only stops a spinner, which the page has not got
		}
		m := &Message{Dir: "answer", Text: out.Text, CallbackID: out.CallbackID, Time: now, Action: string(out.Action)}
		m.N, _ = s.nextID("")
		if c == nil {
			m.Conversation = s.pressConversation(out.CallbackID)
		}
		s.add(c, m)
		return "", nil
	}
	if out.EditMessageID != "" {
		if m := s.byID[out.EditMessageID]; m != nil && m.Dir == "out" && m.Pane == paneOf(c) && (c == nil || m.Conversation == c.id) {
			m.Text, m.Buttons, m.Edited = out.Text, cloneButtons(out.Buttons), true
			if out.Rule != "" || out.Action != "" {
				m.Rule, m.Action = out.Rule, string(out.Action)
			}
			if out.HandoffID != 0 {
				m.HandoffID = out.HandoffID
			}
			s.touch(m)
			return m.ID, nil
		}
		// The message to update is gone: post the update anew.
	}
	m := &Message{Dir: "out", Text: out.Text, Time: now, ReplyTo: out.ReplyTo, Buttons: cloneButtons(out.Buttons),
		Rule: out.Rule, Action: string(out.Action), HandoffID: out.HandoffID, Media: s.viewsLocked(out.Media)}
	m.N, m.ID = s.nextID("")
	if c == nil {
		m.Conversation = conversationOfKey(out.TopicKey)
	}
	s.add(c, m)
	return m.ID, nil
}

func paneOf(c *conversation) string {
	if c == nil {
		return "agents"
	}
	return "customer"
}

// pressConversation is the conversation of the agent's button press with
// this callback id, for its answer; s.mu is held.
func (s *Sandbox) pressConversation(callbackID string) string {
	for i := len(s.agents) - 1; i >= 0; i-- {
		if m := s.agents[i]; m.Dir == "in" && m.CallbackID == callbackID {
			return m.Conversation
		}
	}
	return ""
}

// conversationOfKey reads the customer conversation out of a notice's
// TopicKey, which is the conversation key "sandbox/sandbox/c-c1".
func conversationOfKey(key string) string {
	id, _ := strings.CutPrefix(key, conversationKeyOf)
	if id == key || !validConversation(id) {
		return ""
	}
	return id
}

func cloneButtons(rows [][]chat.Button) [][]chat.Button {
	if len(rows) == 0 {
		return nil
	}
	out := make([][]chat.Button, len(rows))
	for i, row := range rows {
		out[i] = append([]chat.Button(nil), row...)
	}
	return out
}

// Decided records the why of a decided sandbox event: the owner calls it
// for every one (the pipeline observer's Decided). Events the sandbox does
// not hold (other platforms, dropped by the bounds, from before a restart)
// are ignored.
func (s *Sandbox) Decided(ev chat.Event, plan chat.Plan) {
	if ev.Platform != chat.Sandbox || ev.Bot != Bot || ev.ExternalID == "" {
		return
	}
	d := explain(plan)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.byExtern[ev.ExternalID]
	if m == nil {
		return
	}
	m.Decision = d
	if m.Status == StatusFailed {
		// The inbox did store it after all (its answer was lost).
		m.Status, m.Error = StatusStored, ""
	}
	s.touch(m)
}

// explain turns a plan into the page's why.
func explain(plan chat.Plan) *Decision {
	d := &Decision{Outcome: plan.Outcome, Language: plan.Language, ReadAs: plan.ReadAs, Notices: len(plan.Notices)}
	for _, snd := range plan.Sends {
		d.Sends = append(d.Sends, Planned{Rule: snd.Rule, Action: snd.Type, Text: snd.Text})
	}
	d.Suppressed = append(d.Suppressed, plan.Suppressed...)
	for _, a := range plan.Recorded {
		d.Recorded = append(d.Recorded, Planned{Rule: a.Rule, Action: a.Type})
	}
	if h := plan.Handoff; h != nil {
		d.Handoff = &Planned{Rule: h.Rule, Action: h.Type, Team: h.Team, Priority: h.Priority}
	}
	if len(plan.Trace) > 0 {
		var steps []Step
		if json.Unmarshal(plan.Trace, &steps) == nil {
			d.Trace = steps
			for _, st := range steps {
				if st.Matched {
					d.Matched = append(d.Matched, st.Rule)
				}
			}
		}
	}
	d.Why = why(d)
	return d
}

// why says in one line what happened and why.
func why(d *Decision) string {
	var parts []string
	switch d.Outcome {
	case chat.OutcomeUnanswered:
		parts = append(parts, "no rule answered")
	case chat.OutcomeRecorded:
		parts = append(parts, "recorded, not answered")
	case chat.OutcomeBlocked:
		parts = append(parts, "the team blocked this customer: kept, not answered nor passed on")
	case chat.OutcomeIgnored:
		for _, a := range d.Recorded {
			if a.Action == chat.ActionIgnore {
				parts = append(parts, "ignored by rule "+a.Rule)
			}
		}
	}
	for _, snd := range d.Sends {
		if h := d.Handoff; h != nil && snd.Action == chat.ActionHandoff && snd.Rule == h.Rule {
			continue // its message to the customer: said below
		}
		parts = append(parts, fmt.Sprintf("%s by rule %s", snd.Action, snd.Rule))
	}
	if h := d.Handoff; h != nil {
		s := "handed off by rule " + h.Rule
		if h.Team != "" {
			s += " to team " + h.Team
		}
		if h.Priority != "" {
			s += " (priority " + h.Priority + ")"
		}
		parts = append(parts, s)
	}
	for _, sup := range d.Suppressed {
		s := "suppressed: " + sup.Reason
		if sup.Rule != "" {
			s += " (rule " + sup.Rule + ")"
		}
		parts = append(parts, s)
	}
	if d.Notices > 0 && d.Handoff == nil {
		parts = append(parts, "passed on to the agents")
	}
	if len(parts) == 0 {
		parts = append(parts, string(d.Outcome))
	}
	return strings.Join(parts, "; ")
}

// ForgetCustomer drops, at once, every conversation whose customer
// chat.ErasureSubject names (forgotten in the database by `frontdesk
// forget`), with the agent pane's messages about it. It reports how many
// conversations it dropped.
func (s *Sandbox) ForgetCustomer(subject string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	dropped := map[string]bool{}
	for id, c := range s.convs {
		if chat.ErasureSubject(chat.Sandbox, Bot, chatPrefix+id) != subject {
			continue
		}
		for _, m := range c.msgs {
			s.forget(m)
		}
		delete(s.convs, id)
		dropped[id] = true
	}
	if len(dropped) == 0 {
		return 0
	}
	kept := s.agents[:0]
	for _, m := range s.agents {
		if dropped[m.Conversation] {
			s.forget(m)
			continue
		}
		kept = append(kept, m)
	}
	clear(s.agents[len(kept):])
	s.agents = kept
	s.seq++ // the page reloads its state
	return len(dropped)
}
