// Package guard is the frequency guard: whatever the rules plan, what the bot
// sends stays within what a customer finds polite and what the platform
// allows. Every send it stops gets a named reason (chat.Reason…), as
// Alertmanager's dedup stage names every notify/suppress decision.
//
// The guard is pure: it decides from the state the store read inside the
// event's transaction. What must hold across workers and replicas (no two
// sends of the same content, rule or acknowledgement) it expresses as
// reservation keys, which the store inserts atomically.
package guard

import (
	"hash/fnv"
	"strconv"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Config holds the policies. The zero value of a field means its default.
type Config struct {
	ContentCooldown time.Duration // same text to a customer at most once per this (default 10m)
	RuleCooldown    time.Duration // same rule for a customer at most once per this (default 10m)
	PerMessage      int           // bot messages per customer message or burst (default 2)
	PerHour         int           // bot messages per customer per hour (default 10)
	// Window is how long after the customer's last message a platform lets
	// the bot write (default 48h for every platform); Margin is kept back
	// from it, because latency can push a reply past it (default 1h).
	Window map[chat.Platform]time.Duration
	Margin time.Duration
	// Debounce joins messages that follow each other this closely (or share
	// a Telegram album) into one burst, answered as one message (default 2s;
	// negative turns it off).
	Debounce time.Duration
	// AckKeep is how long an acknowledgement reservation lasts; a new
	// conversation gets a new key anyway (default 30 days).
	AckKeep time.Duration
	// PersonQuiet is how long the bot keeps quiet in a chat after a person
	// of the brand wrote there in person (chat.KindPersonReply), as while
	// an agent owns the conversation: two must not answer one customer
	// (D13) (default 30m; negative turns it off).
	PersonQuiet time.Duration
}

// Defaults.
const (
	DefaultContentCooldown = 10 * time.Minute
	DefaultRuleCooldown    = 10 * time.Minute
	DefaultPerMessage      = 2
	DefaultPerHour         = 10
	DefaultWindow          = 48 * time.Hour
	DefaultMargin          = time.Hour
	DefaultDebounce        = 2 * time.Second
	DefaultPersonQuiet     = 30 * time.Minute
)

// Guard applies the policies.
type Guard struct {
	cfg Config
}

// New fills in defaults.
func New(cfg Config) *Guard {
	if cfg.ContentCooldown == 0 {
		cfg.ContentCooldown = DefaultContentCooldown
	}
	if cfg.RuleCooldown == 0 {
		cfg.RuleCooldown = DefaultRuleCooldown
	}
	if cfg.PerMessage <= 0 {
		cfg.PerMessage = DefaultPerMessage
	}
	if cfg.PerHour <= 0 {
		cfg.PerHour = DefaultPerHour
	}
	if cfg.Margin == 0 {
		cfg.Margin = DefaultMargin
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.AckKeep == 0 {
		cfg.AckKeep = 30 * 24 * time.Hour
	}
	if cfg.PersonQuiet == 0 {
		cfg.PersonQuiet = DefaultPersonQuiet
	}
	return &Guard{cfg: cfg}
}

// Config is the guard's configuration with defaults filled in.
func (g *Guard) Config() Config { return g.cfg }

func (g *Guard) window(p chat.Platform) time.Duration {
	if w, ok := g.cfg.Window[p]; ok && w > 0 {
		return w
	}
	return DefaultWindow
}

// InBurst reports whether ev continues the customer's previous message: same
// album, or within the debounce. Its sends then count with the burst's.
func (g *Guard) InBurst(ev chat.Event, conv chat.Conversation, now time.Time) bool {
	if conv.New || conv.LastCustomerAt.IsZero() {
		return false
	}
	if ev.AlbumID != "" && ev.AlbumID == conv.LastAlbum {
		return true
	}
	return g.cfg.Debounce > 0 && now.Sub(conv.LastCustomerAt) <= g.cfg.Debounce
}

// PersonAnswering reports whether a person of the brand wrote in the
// conversation's chat in person recently enough that the bot keeps quiet.
func (g *Guard) PersonAnswering(conv chat.Conversation, now time.Time) bool {
	return g.cfg.PersonQuiet > 0 && !conv.PersonAt.IsZero() && now.Sub(conv.PersonAt) < g.cfg.PersonQuiet
}

// Check decides, in order, which planned actions may be sent. Actions that
// send nothing (tags, ignores, a handoff without text) are not its business.
func (g *Guard) Check(ev chat.Event, st chat.State, planned []chat.Action, now time.Time) (sends []chat.Send, suppressed []chat.Suppression) {
	suppress := func(a chat.Action, reason string) {
		suppressed = append(suppressed, chat.Suppression{Rule: a.Rule, Reason: reason})
	}
	customer := customerKey(ev)
	burstSends := 0
	if g.InBurst(ev, st.Conversation, now) {
		burstSends = st.Conversation.BurstSends
	}
	// The customer's message opens the window now; a late decision (after
	// an outage) may find it already closed.
	msgAt := ev.Time
	if msgAt.IsZero() || msgAt.After(now) {
		msgAt = now
	}
	windowUntil := msgAt.Add(g.window(ev.Platform) - g.cfg.Margin)
	taken := map[string]bool{} // keys taken earlier in this same plan
	for _, a := range planned {
		if a.Text == "" {
			continue
		}
		switch {
		case ev.Customer.IsBot:
			suppress(a, chat.ReasonFromBot)
			continue
		case st.Customer.Blocked:
			suppress(a, chat.ReasonCustomerBlocked)
			continue
		case (st.Conversation.Status == chat.StatusWaitingForHuman || g.PersonAnswering(st.Conversation, now)) && !a.AllowWhileHuman:
			suppress(a, chat.ReasonHumanOwnsConversation)
			continue
		case now.After(windowUntil):
			suppress(a, chat.ReasonWindowClosed)
			continue
		}
		res := g.reservations(a, customer, ev, st.Conversation, now)
		if reason := firstTaken(res, st.Customer.Reserved, taken); reason != "" {
			suppress(a, reason)
			continue
		}
		switch {
		case burstSends+len(sends) >= g.cfg.PerMessage:
			suppress(a, chat.ReasonPerMessageCap)
			continue
		case st.Customer.SentLastHour+len(sends) >= g.cfg.PerHour:
			suppress(a, chat.ReasonPerHourCap)
			continue
		}
		for _, r := range res {
			taken[r.Key] = true
		}
		sends = append(sends, chat.Send{Action: a, Reservations: res, WindowUntil: windowUntil})
	}
	return sends, suppressed
}

// reservations names what a send takes: its content for the customer, its
// rule for the customer, and for an acknowledgement the conversation's one
// acknowledgement.
func (g *Guard) reservations(a chat.Action, customer string, ev chat.Event, conv chat.Conversation, now time.Time) []chat.Reservation {
	var res []chat.Reservation
	if a.Once != "" {
		res = append(res, chat.Reservation{Key: "once/" + a.Once, Reason: chat.ReasonCSATAsked, Expires: now.Add(g.cfg.AckKeep)})
	}
	if a.Type == chat.ActionAck {
		// First, so a repeated acknowledgement is reported as such.
		started := conv.Started
		if conv.New || started.IsZero() {
			started = now
		}
		res = append(res, chat.Reservation{
			Key:     "ack/" + ev.ConversationKey() + "/" + strconv.FormatInt(started.UnixMilli(), 10),
			Reason:  chat.ReasonAckAlreadySent,
			Expires: now.Add(g.cfg.AckKeep),
		})
	}
	res = append(res, chat.Reservation{
		Key:     "content/" + customer + "/" + contentHash(a.Text),
		Reason:  chat.ReasonDuplicateContent,
		Expires: now.Add(g.cfg.ContentCooldown),
	})
	cooldown := g.cfg.RuleCooldown
	if a.Cooldown != 0 {
		cooldown = a.Cooldown
	}
	if cooldown > 0 && a.Rule != "" {
		res = append(res, chat.Reservation{Key: "rule/" + customer + "/" + a.Rule, Reason: chat.ReasonRuleCooldown, Expires: now.Add(cooldown)})
	}
	return res
}

func firstTaken(res []chat.Reservation, reserved, taken map[string]bool) string {
	for _, r := range res {
		if reserved[r.Key] || taken[r.Key] {
			return r.Reason
		}
	}
	return ""
}

// CustomerKey identifies a customer for the guard's keys.
func CustomerKey(p chat.Platform, bot, customerID string) string {
	return string(p) + "/" + bot + "/" + customerID
}

func customerKey(ev chat.Event) string {
	id := ev.Customer.ID
	if id == "" {
		id = "chat:" + ev.ChatID
	}
	return CustomerKey(ev.Platform, ev.Bot, id)
}

func contentHash(text string) string {
	h := fnv.New64a()
	h.Write([]byte(text))
	return strconv.FormatUint(h.Sum64(), 36)
}

// WindowUntil is the last moment the bot may write to a customer whose last
// message was at last on platform p: the interaction window less the margin.
func (g *Guard) WindowUntil(p chat.Platform, last time.Time) time.Time {
	return last.Add(g.Reach(p))
}

// Reach is how long after a customer's last message on platform p the bot
// may still write to them: the interaction window less the margin.
func (g *Guard) Reach(p chat.Platform) time.Duration {
	return g.window(p) - g.cfg.Margin
}

// Recipient is the customer a notice answering an agent's action goes to.
type Recipient struct {
	Platform chat.Platform
	// Scope is the customer as the guard counts them (chat.Event.CustomerScope).
	Scope          string
	LastCustomerAt time.Time
	// Unreachable: the customer blocked the bot (or an agent blocked
	// them): nothing goes to them.
	Unreachable bool
	Reserved    map[string]bool // the guard keys taken for them
}

// Notify decides which notices answering an agent's action (a person
// joined, the conversation is closed, was it solved?) may go to the
// customer (issue 20). They answer no customer message, so the per-message
// cap (D8) does not count them; everything else holds: never the same
// content twice within the cooldown, only within the platform's window,
// never to a customer who blocked the bot.
func (g *Guard) Notify(to Recipient, planned []chat.Action, now time.Time) (sends []chat.Send, suppressed []chat.Suppression) {
	windowUntil := g.WindowUntil(to.Platform, to.LastCustomerAt)
	taken := map[string]bool{}
	for _, a := range planned {
		var reason string
		res := g.reservations(a, to.Scope, chat.Event{}, chat.Conversation{}, now)
		switch {
		case a.Text == "":
			continue
		case to.Unreachable:
			reason = chat.ReasonCustomerBlocked
		case to.LastCustomerAt.IsZero() || now.After(windowUntil):
			reason = chat.ReasonWindowClosed
		default:
			reason = firstTaken(res, to.Reserved, taken)
		}
		if reason != "" {
			suppressed = append(suppressed, chat.Suppression{Rule: a.Rule, Reason: reason})
			continue
		}
		for _, r := range res {
			taken[r.Key] = true
		}
		sends = append(sends, chat.Send{Action: a, Reservations: res, WindowUntil: windowUntil})
	}
	return sends, suppressed
}
