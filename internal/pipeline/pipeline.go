// Package pipeline turns stored events into sent replies: it claims inbox
// events one conversation at a time, asks the rules what to do, records the
// plan with the outbox rows in one transaction, and delivers the outbox
// through the platform senders with per-chat order and retries.
package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/internal/spike"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// Store is the durable state the pipeline works on.
type Store interface {
	ClaimEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, aside chat.SetAside) ([]chat.InboxEvent, error)
	LoadStates(ctx context.Context, events []chat.InboxEvent, now time.Time, conversationIdle time.Duration) ([]chat.State, error)
	LoadDetails(ctx context.Context, events []chat.InboxEvent, states []*chat.State, want chat.DetailsWanted) error
	ConversationContext(ctx context.Context, key string, lines int) (c chat.CustomerContext, found bool, err error)
	Apply(ctx context.Context, batch []chat.Effects, now time.Time) ([]error, error)
	ApplyAndClaim(ctx context.Context, batch []chat.Effects, now time.Time, claim chat.SendClaim) ([]error, chat.Leased, error)
	RetryEvent(ctx context.Context, id int64, next time.Time, cause string, maxAttempts int) error
	DeferEvent(ctx context.Context, id int64, next time.Time, cause string) error
	DueHandoffs(ctx context.Context, now time.Time, limit int) ([]chat.DueHandoff, error)
	TakeHandoffStep(ctx context.Context, handoffID int64, stepsDone int, notices []chat.Notice, now time.Time) (bool, error)
	LoadAgentState(ctx context.Context, ie chat.InboxEvent, handoffID int64, now time.Time) (st chat.AgentState, found bool, err error)
	ApplyAgent(ctx context.Context, ie chat.InboxEvent, st chat.AgentState, plan chat.AgentPlan, now time.Time) error
	ClaimOutgoing(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]chat.Outgoing, error)
	MarkSentAndClaimNext(ctx context.Context, sent []chat.SentMessage, next chat.SendClaim, now time.Time) ([]chat.Outgoing, error)
	RetryOutgoing(ctx context.Context, id int64, next time.Time, cause string) error
	FailOutgoing(ctx context.Context, id int64, cause string, customerBlocked bool) error
	DeferOutgoing(ctx context.Context, id int64, until time.Time) error
	ClaimAlbum(ctx context.Context, head chat.Outgoing, owner string, now, until time.Time, max int) ([]chat.Outgoing, error)
	ReleaseOutgoing(ctx context.Context, ids []int64) error
	RenewLease(ctx context.Context, id int64, owner string, leased, until time.Time) (bool, error)
	NextDue(ctx context.Context) (time.Time, bool, error)
	Waiting(ctx context.Context, lines []string) ([]string, error)
	ReleaseClaims(ctx context.Context, owner string) error
	IdleHandoffs(ctx context.Context, idleSince time.Time, limit int) ([]chat.IdleHandoff, error)
	CloseIdleHandoff(ctx context.Context, h chat.IdleHandoff, notices []chat.Notice, now time.Time) (bool, error)
	DueCloses(ctx context.Context, now time.Time, limit int) ([]chat.TimedClose, error)
	CloseTimed(ctx context.Context, h chat.TimedClose, notices []chat.Notice, customer chat.AgentState, toCustomer []chat.Send, now time.Time) (bool, error)
	TeamAgent(ctx context.Context, team, who string) (chat.Agent, bool, error)
	Incident(ctx context.Context, incidentID int64) (chat.IncidentRead, error)
	IncidentOf(ctx context.Context, ie chat.InboxEvent, now time.Time) (int64, error)
	IncidentAudience(ctx context.Context, incidentID int64, now time.Time) ([]chat.IncidentCustomer, error)
	ApplyIncident(ctx context.Context, ie chat.InboxEvent, ch chat.IncidentChange, plan chat.AgentPlan, now time.Time) error
	SaveTopic(ctx context.Context, out chat.Outgoing, threadID string, now time.Time) error
	ForgetTopic(ctx context.Context, out chat.Outgoing) error
	VolumeCounts(ctx context.Context, until time.Time, window, period time.Duration, periods int) ([]chat.VolumeCount, error)
	VolumeExamples(ctx context.Context, kind chat.SpikeKind, name string, since, until time.Time, limit int) ([]string, error)
	OpenSpikes(ctx context.Context) ([]chat.Spike, error)
	StartSpike(ctx context.Context, sp chat.Spike, notices []chat.Notice, now time.Time) (started bool, err error)
	EndSpike(ctx context.Context, id int64, now time.Time) (ended bool, err error)
	PublicLink(ctx context.Context, platform chat.Platform, bot, token string) (*chat.PublicLink, error)
	OverflowHandoffs(ctx context.Context, now time.Time, limit int) ([]chat.OverflowHandoff, error)
	TakeOverflow(ctx context.Context, handoffID int64, notices []chat.Notice, now time.Time) (bool, error)
}

// Decider is the rules engine, as currently loaded.
type Decider interface {
	Decide(ev chat.Event, st chat.State, now time.Time) rules.Decision
}

// Preparer is a Decider that fetches, once per batch and within its own
// budget, what deciding the batch's messages will read from elsewhere
// (their embeddings), so that no single decision waits on the network.
type Preparer interface {
	Prepare(ctx context.Context, events []chat.InboxEvent)
}

// Sender delivers one message on one platform bot.
type Sender interface {
	Send(ctx context.Context, out chat.Outgoing) (platformMessageID string, err error)
}

// Observer is told what the pipeline decides and sends, for metrics. Its
// methods must be cheap and safe for concurrent use.
type Observer interface {
	// Decided is told of every customer event decided, with its plan.
	Decided(ev chat.Event, plan chat.Plan)
	Sent(platform chat.Platform, result string) // "sent", "retry", "rate_limited", "failed", "blocked", "window_closed"
	// HandoffChanged is told when a handoff opens, an agent first writes
	// to the customer and an agent closes it.
	HandoffChanged(c HandoffChange)
	// SpikesOpen is told, after each look for spikes, which are open.
	SpikesOpen(open []chat.Spike)
	// Overflowed is told when a team's unclaimed handoff is offered to
	// its overflow team.
	Overflowed(team, to string)
}

// HandoffChange is one step in a handoff's life, for metrics.
type HandoffChange struct {
	Step     string // HandoffOpened, HandoffAnswered or HandoffClosed
	Priority string
	Team     string
	// Since is, when answered, the first-response time; when closed, the
	// resolution time (both from the handoff's opening).
	Since time.Duration
	// WithinSLA says a handoff was answered by its due time.
	WithinSLA bool
	// Reason is how it closed: resolved or returned_to_bot.
	Reason string
	// Agent is the account (chat.Agent.ID) of the agent who claimed,
	// answered, transferred or closed it; empty for an anonymous one and
	// for steps no agent took.
	Agent string
}

// Handoff steps.
const (
	HandoffOpened   = "opened"
	HandoffAnswered = "answered"
	HandoffClosed   = "closed"
	// HandoffClaimed: an agent became its owner (a claim, or answering a
	// waiting one first); HandoffTransferred: an agent passed it on.
	HandoffClaimed     = "claimed"
	HandoffTransferred = "transferred"
)

type nopObserver struct{}

func (nopObserver) Decided(chat.Event, chat.Plan) {}
func (nopObserver) Sent(chat.Platform, string)    {}
func (nopObserver) HandoffChanged(HandoffChange)  {}
func (nopObserver) SpikesOpen([]chat.Spike)       {}
func (nopObserver) Overflowed(string, string)     {}

// Config tunes the pipeline.
type Config struct {
	Workers          int           // batches of events decided at once
	Batch            int           // events claimed, decided and applied together (default 64)
	Senders          int           // sends running at once (twice as many are held)
	ConversationIdle time.Duration // silence after which a conversation starts anew
	SendAttempts     int           // tries before a message is given up
	EventAttempts    int           // tries before an event is set aside as failed, counted at claim: a crash counts
	Lease            time.Duration // how long a claim holds before another worker may take over
	SendTimeout      time.Duration // deadline of one platform call
	// Redact masks secrets in a failure's text before it is stored or
	// logged: platform client errors may repeat a URL holding the token.
	Redact       func(string) string
	PollInterval time.Duration // how often to look for work nobody announced
	Guard        guard.Config
	Limits       map[chat.Platform]Limits // nil means DefaultLimits
	Observer     Observer                 // nil means none
	Teams        []Team                   // agents' team chats; the first is the default
	// Supervisors name teams whose agents may act on any team's handoffs.
	Supervisors []string
	// AgentNames are agents' names as customers read them ("Anna from
	// support has joined"), by account (chat.AgentID); an agent without
	// one is "a colleague", never their platform handle.
	AgentNames map[string]string
	// FallbackTeam takes the handoffs of customers whose language no team
	// speaks ("": the first team).
	FallbackTeam string
	// Username is a Telegram bot's username by its SenderKey ("" while
	// unknown), for the t.me link offered instead of a handoff in a public
	// chat; PublicLinkTTL is how long such a link works (default 24h).
	Username      func(senderKey string) string
	PublicLinkTTL time.Duration
	Matrix        handoff.Matrix // first-response targets per priority
	// HandoffIdle resolves a claimed handoff nobody has written in for
	// this long (default 24h).
	HandoffIdle time.Duration
	// IncidentThreshold handoffs of one cause within IncidentWindow make
	// an incident (defaults 50 and 1h); a negative threshold turns
	// incidents off.
	IncidentThreshold int
	IncidentWindow    time.Duration
	// ContextMessages is how many of the conversation's last messages a
	// handoff's notice shows (default 5); /history shows as many unless
	// the agent asks for another number.
	ContextMessages int
	// Spikes tunes the spike detector; SpikeEvery is how often it looks
	// (default a minute; negative turns spikes off).
	Spikes     spike.Config
	SpikeEvery time.Duration
	// Media bounds media sent on across platforms and bots, and holds
	// albums together.
	Media MediaConfig
}

func (c *Config) setDefaults() {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Batch <= 0 {
		c.Batch = 64
	}
	if c.Senders <= 0 {
		c.Senders = 64
	}
	if c.ConversationIdle <= 0 {
		c.ConversationIdle = 24 * time.Hour
	}
	if c.Redact == nil {
		c.Redact = func(s string) string { return s }
	}
	if c.SendAttempts <= 0 {
		c.SendAttempts = 10
	}
	if c.EventAttempts <= 0 {
		c.EventAttempts = 5
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 20 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	c.Media.setDefaults()
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.HandoffIdle <= 0 {
		c.HandoffIdle = 24 * time.Hour
	}
	if c.IncidentThreshold == 0 {
		c.IncidentThreshold = 50
	}
	if c.IncidentWindow <= 0 {
		c.IncidentWindow = time.Hour
	}
	if c.ContextMessages <= 0 {
		c.ContextMessages = DefaultContextMessages
	}
	if c.Username == nil {
		c.Username = func(string) string { return "" }
	}
	if c.PublicLinkTTL <= 0 {
		c.PublicLinkTTL = 24 * time.Hour
	}
	if c.SpikeEvery == 0 {
		c.SpikeEvery = time.Minute
	}
}

// Pipeline runs the event workers and the sender.
type Pipeline struct {
	cfg     Config
	store   Store
	decider Decider
	senders map[string]Sender // by chat.ChatKey-style "platform/bot"
	now     func() time.Time
	log     *slog.Logger
	owner   string
	guard   *guard.Guard
	limiter *limiter
	forums  forums
	// completer records accepted sends in batches.
	completer *completer
	health    *health
	// sendSlots bound the messages this replica holds to send: leased,
	// waiting for a call, being sent, or being recorded as sent. calls
	// bound those being sent (pipeline.senders). There are twice as many
	// slots as calls, so that while one message's send is recorded
	// (a database write, milliseconds on PostgreSQL) the next is already
	// on its way: a sender waits on the platform, not on the database.
	// deliveries are the messages held, started by the sender's claims or
	// straight from a batch's Apply. loops are the event and send loops,
	// which start them.
	sendSlots  chan struct{}
	calls      chan struct{}
	flights    *flights
	deliveries sync.WaitGroup
	loops      sync.WaitGroup

	eventWake chan struct{}
	sendWake  chan struct{}
	// leaser, when the store leases events as it accepts them, hands
	// them over; accepted is told when it has some, or events it did not
	// lease. Both are set by Start; leasing says so to Accepted.
	leaser   acceptLeaser
	accepted <-chan struct{}
	leasing  atomic.Bool
	// next holds the events a batch's apply leased to this replica, next
	// in its conversations, until the event loop takes them.
	next nextEvents

	stop    chan struct{}
	done    sync.WaitGroup
	workCtx context.Context // cancelled only when a graceful stop runs out of time
	// nextSpikeCheck is when the timer loop next looks for spikes; only
	// that loop reads and writes it.
	nextSpikeCheck time.Time
	abort          context.CancelFunc
}

// New makes a pipeline. senders maps "platform/bot" to the bot's sender.
func New(cfg Config, store Store, decider Decider, senders map[string]Sender, now func() time.Time, log *slog.Logger) *Pipeline {
	cfg.setDefaults()
	if now == nil {
		now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Pipeline{
		cfg: cfg, store: store, decider: decider, senders: senders, now: now, log: log,
		owner:     newOwnerID(),
		guard:     guard.New(cfg.Guard),
		limiter:   newLimiter(cfg.Limits),
		completer: newCompleter(),
		health:    newHealth(),
		sendSlots: make(chan struct{}, heldPerCall*cfg.Senders),
		calls:     make(chan struct{}, cfg.Senders),
		flights:   newFlights(),
		eventWake: make(chan struct{}, 1),
		sendWake:  make(chan struct{}, 1),
		next:      nextEvents{ready: make(chan struct{}, 1)},
		stop:      make(chan struct{}),
		workCtx:   ctx,
		abort:     cancel,
	}
}

// SenderKey is the key of a bot's sender in the map given to New.
func SenderKey(p chat.Platform, bot string) string { return string(p) + "/" + bot }

func newOwnerID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// acceptLeaser is a store that leases events to the pipeline in the
// transaction that accepts them and hands them over in memory (SQLite):
// an event first in line in its conversation is then decided without a
// claim of its own.
type acceptLeaser interface {
	LeaseAtAccept(owner string, lease time.Duration, limit int) <-chan struct{}
	TakeLeased() (events []chat.InboxEvent, others bool)
	StopLeasing()
}

// Start runs the pipeline in the background until Stop.
func (p *Pipeline) Start() {
	// Only a running pipeline takes leases: a tool that makes a pipeline
	// to decide must not take events from the service it runs beside.
	if l, ok := p.store.(acceptLeaser); ok {
		// At most half a batch, so that a batch always has room for the
		// claim of older events (a conversation's next ones) however many
		// new conversations a burst of webhooks brings.
		if p.accepted = l.LeaseAtAccept(p.owner, p.cfg.Lease, max(1, p.cfg.Batch/2)); p.accepted != nil {
			p.leaser = l
			p.leasing.Store(true)
		}
	}
	p.loops.Add(2)
	go p.eventLoop()
	go p.sendLoop()
	p.done.Add(3)
	go p.runCompleter()
	go p.timerLoop()
	go func() {
		// When nothing can start a send any more and every send has
		// handed its result over, the completer writes what it holds
		// and stops.
		defer p.done.Done()
		p.loops.Wait()
		p.deliveries.Wait()
		p.completer.close()
	}()
}

// Stop stops taking new work, lets work in progress finish until ctx ends
// (then aborts it), and hands back unfinished claims for the next start.
func (p *Pipeline) Stop(ctx context.Context) error {
	if p.leaser != nil {
		// Events accepted from now on wait in the inbox for the next
		// start; those leased and not taken are given back below.
		p.leaser.StopLeasing()
	}
	close(p.stop)
	finished := make(chan struct{})
	go func() { p.loops.Wait(); p.done.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		p.abort()
		<-finished
	}
	p.abort()
	release, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.store.ReleaseClaims(release, p.owner)
}

// WakeEvents tells the pipeline there are events to claim (a new one was
// accepted, or one was released), so it need not wait for its next poll.
func (p *Pipeline) WakeEvents() { notify(p.eventWake) }

// Accepted tells the pipeline a new event was accepted. A store that
// leases at accept tells it itself, with the event, and a claim would find
// nothing.
func (p *Pipeline) Accepted() {
	if !p.leasing.Load() {
		p.WakeEvents()
	}
}

func (p *Pipeline) wakeSender() { notify(p.sendWake) }

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// wait sleeps until woken, d passes, or the pipeline stops; it reports
// whether to go on.
func (p *Pipeline) wait(wake <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-wake:
		return true
	case <-t.C:
		return true
	case <-p.stop:
		return false
	}
}

func (p *Pipeline) stopping() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// backoff is exponential with full jitter, capped, so many failing rows do
// not retry in lockstep.
func backoff(attempt int, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := uint64(0)
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	return d/2 + time.Duration(n%uint64(d/2+1))
}
