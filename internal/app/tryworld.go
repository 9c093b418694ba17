package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// planner decides one event on a snapshot: *pipeline.Pipeline, whose Decide
// is pure; its Config says how long a conversation and an incident window
// last.
type planner interface {
	Decide(ev chat.Event, st chat.State, now time.Time) (chat.Plan, error)
	Config() pipeline.Config
}

// playInMemory decides events in order, each at its Time, on a fresh
// in-memory world, and returns each one's plan. It is how `frontdesk try`
// and the sandbox's previews decide: the real deciding, with the state kept
// in memory, so nothing is read from or written to any database.
func playInMemory(ctx context.Context, p planner, events []chat.Event) ([]chat.Plan, error) {
	cfg := p.Config()
	w := newTryWorld(cfg.ConversationIdle, cfg.IncidentWindow)
	plans := make([]chat.Plan, 0, len(events))
	for i, ev := range events {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if ev.Kind == chat.KindCallback {
			// A scripted press presses the bot's latest menu in its chat.
			ev.ReplyTo = w.lastMenu(ev)
		}
		st := w.state(ev, ev.Time)
		plan, err := p.Decide(ev, st, ev.Time)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i+1, err)
		}
		w.apply(ev, st, plan, ev.Time)
		plans = append(plans, plan)
	}
	return plans, nil
}

// tryWorld is the state `frontdesk try` decides on, kept in memory: the
// customers, conversations, guard keys and handoffs its script makes. It
// plays the store's part (a snapshot before each decision, the effects
// written after) with no database, so a marketer's try needs no disk and
// shows what deciding alone does.
type tryWorld struct {
	idle, incidentWindow time.Duration
	convs                map[string]*tryConv // open conversations by key
	seen                 map[string]bool     // customers by scope
	received             map[string][]time.Time
	sent                 map[string][]time.Time
	keys                 map[string]time.Time // guard key → expiry
	handoffs             map[chat.TeamCause][]time.Time
	incidents            []chat.Incident
	lastID               int64
	// menus are the bot's messages with buttons, by chat (chat.ChatKey),
	// as the outbox keeps them: a press is checked against them.
	menus map[string][]chat.Offer
	// attrs are the customers' attributes by scope: what they told
	// before a handoff (collect:).
	attrs map[string]map[string]string
}

type tryConv struct {
	id            int64
	status        chat.ConversationStatus
	started, last time.Time
	messages      int
	album         string
	burst         int
	handoff       *chat.OpenHandoff
	history       []chat.HistoryEntry
	collecting    *chat.Collection // details being asked before a handoff
	personAt      time.Time        // a person of the brand last wrote in the chat in person
}

func newTryWorld(idle, incidentWindow time.Duration) *tryWorld {
	return &tryWorld{idle: idle, incidentWindow: incidentWindow, convs: map[string]*tryConv{}, seen: map[string]bool{},
		received: map[string][]time.Time{}, sent: map[string][]time.Time{}, keys: map[string]time.Time{},
		handoffs: map[chat.TeamCause][]time.Time{}, menus: map[string][]chat.Offer{}, attrs: map[string]map[string]string{}}
}

// lastMenu is the id of the bot's latest message with buttons where a
// press in ev's chat can be made; "" when there is none.
func (w *tryWorld) lastMenu(ev chat.Event) string {
	id := ""
	for _, k := range ev.PressedChats() {
		if ms := w.menus[k]; len(ms) > 0 && (id == "" || ms[len(ms)-1].MessageID > id) {
			id = ms[len(ms)-1].MessageID
		}
	}
	return id
}

func since(ts []time.Time, from time.Time) int {
	n := 0
	for _, t := range ts {
		if !t.Before(from) {
			n++
		}
	}
	return n
}

// state is the snapshot an event is decided on, details included (they
// cost nothing here).
func (w *tryWorld) state(ev chat.Event, now time.Time) chat.State {
	scope := ev.CustomerScope()
	st := chat.State{Customer: chat.CustomerState{New: !w.seen[scope], Reserved: map[string]bool{},
		Messages1h: since(w.received[scope], now.Add(-time.Hour)), Messages24h: since(w.received[scope], now.Add(-24*time.Hour)),
		SentLastHour: since(w.sent[scope], now.Add(-time.Hour)), Attrs: w.attrs[scope]}}
	for k, exp := range w.keys {
		if exp.After(now) {
			st.Customer.Reserved[k] = true
		}
	}
	if ev.Kind == chat.KindCallback && ev.ReplyTo != "" {
		for _, k := range ev.PressedChats() {
			for _, o := range w.menus[k] {
				if o.MessageID == ev.ReplyTo {
					st.Offered = append(st.Offered, o)
				}
			}
		}
	}
	st.Incidents = slices.Clone(w.incidents)
	st.Details = chat.Details{Loaded: true, RecentHandoffs: map[chat.TeamCause]int{}}
	for tc, at := range w.handoffs {
		st.Details.RecentHandoffs[tc] = since(at, now.Add(-w.incidentWindow))
	}
	c := w.convs[ev.ConversationKey()]
	if c == nil || now.Sub(c.last) >= w.idle {
		st.Conversation = chat.Conversation{New: true, Status: chat.StatusBot, Started: now}
		if c != nil {
			st.Conversation.PersonAt = c.personAt // it outlives the idle period, as in the store
		}
		return st
	}
	st.Conversation = chat.Conversation{ID: c.id, Status: c.status, Started: c.started, LastCustomerAt: c.last,
		LastAlbum: c.album, BurstSends: c.burst, CustomerMessages: c.messages, Handoff: c.handoff, Collecting: c.collecting,
		PersonAt: c.personAt}
	st.Details.Context.Messages = c.history[max(0, len(c.history)-pipeline.DefaultContextMessages):]
	return st
}

// apply writes a decision's effects as the store would: the customer's
// message, the conversation (opened, handed off, its burst), the guard
// keys and counts of the replies, the handoff and its incident.
func (w *tryWorld) apply(ev chat.Event, st chat.State, plan chat.Plan, now time.Time) {
	scope := ev.CustomerScope()
	key := ev.ConversationKey()
	c := w.convs[key]
	if !plan.PersonAt.IsZero() {
		if c == nil {
			w.lastID++
			c = &tryConv{id: w.lastID, status: chat.StatusBot, started: now, last: now}
			w.convs[key] = c
		}
		c.personAt = plan.PersonAt
		c.history = append(c.history, chat.HistoryEntry{Direction: "out", Kind: string(ev.Kind), Text: ev.Text, At: now})
		return
	}
	if !ev.Kind.Decidable() {
		return
	}
	w.seen[scope] = true
	w.received[scope] = append(w.received[scope], now)
	if st.Conversation.New {
		w.lastID++
		c = &tryConv{id: w.lastID, status: chat.StatusBot, started: now, personAt: st.Conversation.PersonAt}
		w.convs[key] = c
	}
	if plan.Handoff != nil {
		c.status = chat.StatusWaitingForHuman
		if c.handoff == nil {
			w.lastID++
			c.handoff = &chat.OpenHandoff{ID: w.lastID, Team: plan.Handoff.Team, State: chat.HandoffWaiting}
			tc := chat.TeamCause{Team: plan.Handoff.Team, Cause: plan.Handoff.Rule}
			w.handoffs[tc] = append(w.handoffs[tc], now)
		}
	}
	if inc := plan.Incident; inc != nil && plan.Handoff != nil {
		w.fileIncident(*inc, now)
	}
	if plan.Collect != nil {
		c.collecting = plan.Collect.Next
	}
	for _, a := range plan.Attrs {
		if w.attrs[scope] == nil {
			w.attrs[scope] = map[string]string{}
		}
		w.attrs[scope][a.Name] = a.Value
	}
	c.last, c.album = now, ev.AlbumID
	c.messages++
	c.history = append(c.history, chat.HistoryEntry{Direction: "in", Kind: string(ev.Kind), Text: ev.Text, At: now})
	sent := 0
	for _, snd := range plan.Sends {
		for _, r := range snd.Reservations {
			w.keys[r.Key] = r.Expires
		}
		w.sent[scope] = append(w.sent[scope], now)
		if len(snd.Buttons) > 0 {
			w.lastID++ // zero-padded below, so a later message's id sorts later
			k := chat.ChatKey(ev.Platform, ev.Bot, snd.To.ChatID)
			w.menus[k] = append(w.menus[k], chat.Offer{MessageID: fmt.Sprintf("%012d", w.lastID), Buttons: slices.Concat(snd.Buttons...)})
		}
		c.history = append(c.history, chat.HistoryEntry{Direction: "out", Kind: string(snd.Type), Text: snd.Text, At: now})
		sent++
	}
	if plan.ContinuesBurst && !st.Conversation.New {
		c.burst += sent
	} else {
		c.burst = sent
	}
}

func (w *tryWorld) fileIncident(inc chat.IncidentPlan, now time.Time) {
	for i := range w.incidents {
		if w.incidents[i].ID == inc.ID {
			w.incidents[i].Handoffs++
			return
		}
	}
	w.lastID++
	w.incidents = append(w.incidents, chat.Incident{ID: w.lastID, Team: inc.Team, Cause: inc.Cause, Handoffs: inc.Handoffs, Started: now})
}
