package app

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// newOverBudget counts and logs, once per rule and message, a rule skipped
// because its `when` ran out of its budget: the rule is broken for that
// message, and the person who wrote it needs to know which and why. The log
// names the event, never its text.
func newOverBudget(reg prometheus.Registerer, log *slog.Logger) func(chat.Event, rules.Step) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_rules_over_budget_total",
		Help: "Rules skipped for a message because their when ran out of its budget (steps, bytes or time), by rule.",
	}, []string{"rule"})
	reg.MustRegister(c)
	return func(ev chat.Event, s rules.Step) {
		c.WithLabelValues(s.Rule).Inc()
		log.Warn("rule skipped: its when ran out of its budget", "rule", s.Rule, "budget", s.Detail,
			"platform", ev.Platform, "bot", ev.Bot, "event", ev.ExternalID)
	}
}

// pipelineMetrics counts what the pipeline decides and sends. Labels are
// bounded: platforms, bots, teams and rules come from the configuration,
// outcomes, kinds, reasons and results are fixed sets; never a customer.
type pipelineMetrics struct {
	messagesIn    *prometheus.CounterVec
	decisions     *prometheus.CounterVec
	ruleActions   *prometheus.CounterVec
	suppressions  *prometheus.CounterVec
	sends         *prometheus.CounterVec
	handoffs      *prometheus.CounterVec
	sla           *prometheus.CounterVec
	firstResponse *prometheus.HistogramVec
	resolution    *prometheus.HistogramVec
	agents        agentMetrics
	types         *prometheus.CounterVec
	sentiment     *prometheus.CounterVec
	spikeActive   *prometheus.GaugeVec
	// Customers' feedback (issue 20): ratings, solved or not, and 👍/👎
	// per rule with ask_helpful.
	csat     *prometheus.CounterVec
	solved   *prometheus.CounterVec
	helpful  *prometheus.CounterVec
	overflow *prometheus.CounterVec
	// spikesSeen are the volumes that ever had a spike here, whose gauge
	// goes back to 0 when it ends.
	spikesMu   sync.Mutex
	spikesSeen map[[2]string]bool
}

// handoffBuckets span a fast claim (10 s) to a weekend (3 days).
var handoffBuckets = []float64{10, 30, 60, 120, 300, 600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600, 72 * 3600}

func newPipelineMetrics(reg prometheus.Registerer) *pipelineMetrics {
	m := &pipelineMetrics{
		messagesIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_messages_in_total",
			Help: "Customer events decided, by platform, bot and kind (text, photo, command, …).",
		}, []string{"platform", "bot", "kind"}),
		types: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_messages_by_type_total",
			Help: "Customer messages decided, by type (inquiry, after_sales, praise, business, chitchat, spam).",
		}, []string{"type"}),
		sentiment: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_sentiment_total",
			Help: "Customer messages decided, by sentiment (negative, neutral, positive).",
		}, []string{"sentiment"}),
		spikeActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "frontdesk_spike_active",
			Help: "1 while a spike of a volume is open (kind rule, type or sentiment, and its name), 0 after it ended.",
		}, []string{"kind", "name"}),
		spikesSeen: map[[2]string]bool{},
		csat: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_csat_total",
			Help: "Satisfaction ratings customers gave after a handled conversation, by rating (1 to 5).",
		}, []string{"rating"}),
		solved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_csat_solved_total",
			Help: "Answers to \"Was your question solved?\", by answer (yes, no: the handoff reopens).",
		}, []string{"answer"}),
		helpful: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_faq_helpful_total",
			Help: "👍 (up) and 👎 (down) under the answers of rules with ask_helpful, by rule and vote.",
		}, []string{"rule", "vote"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_decisions_total",
			Help: "Customer events decided, by outcome.",
		}, []string{"outcome"}),
		ruleActions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_rule_actions_total",
			Help: "Messages the rules planned, by rule and action (sent or suppressed by the guard).",
		}, []string{"rule", "action"}),
		suppressions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_guard_suppressions_total",
			Help: "Planned messages the frequency guard stopped, by reason.",
		}, []string{"reason"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_sends_total",
			Help: "Send attempts to the platforms, by platform and result.",
		}, []string{"platform", "result"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_handoffs_total",
			Help: "Handoff steps: opened, answered (an agent's first message to the customer), closed; by priority and team.",
		}, []string{"step", "priority", "team"}),
		sla: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_handoff_sla_total",
			Help: "Handoffs answered by an agent, by priority and whether within their SLA (met or breached).",
		}, []string{"priority", "result"}),
		firstResponse: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontdesk_handoff_first_response_seconds",
			Help:    "From a handoff's opening to an agent's first message to the customer, by priority.",
			Buckets: handoffBuckets,
		}, []string{"priority"}),
		resolution: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontdesk_handoff_resolution_seconds",
			Help:    "From a handoff's opening to an agent resolving it or giving it back to the bot, by priority.",
			Buckets: handoffBuckets,
		}, []string{"priority"}),
	}
	for _, r := range []string{chat.ReasonDuplicateContent, chat.ReasonRuleCooldown, chat.ReasonAckAlreadySent, chat.ReasonPerMessageCap,
		chat.ReasonPerHourCap, chat.ReasonWindowClosed, chat.ReasonHumanOwnsConversation, chat.ReasonCustomerBlocked, chat.ReasonFromBot} {
		m.suppressions.WithLabelValues(r)
	}
	m.overflow = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_handoff_overflow_total",
		Help: "Handoffs nobody in their team claimed in time, offered to the overflow team (to), by team.",
	}, []string{"team", "to"})
	m.agents = newAgentMetrics(reg)
	reg.MustRegister(m.messagesIn, m.decisions, m.ruleActions, m.suppressions, m.sends, m.handoffs, m.sla, m.firstResponse, m.resolution,
		m.types, m.sentiment, m.spikeActive, m.csat, m.solved, m.helpful, m.overflow)
	for r := chat.RatingMin; r <= chat.RatingMax; r++ {
		m.csat.WithLabelValues(strconv.Itoa(r))
	}
	// Every type and sentiment from the start, so a rate() sees its first message.
	for _, t := range chat.MessageTypes {
		m.types.WithLabelValues(string(t))
	}
	for _, s := range chat.Sentiments {
		m.sentiment.WithLabelValues(string(s))
	}
	return m
}

func (m *pipelineMetrics) Decided(ev chat.Event, plan chat.Plan) {
	m.messagesIn.WithLabelValues(string(ev.Platform), ev.Bot, string(ev.Kind)).Inc()
	m.decisions.WithLabelValues(string(plan.Outcome)).Inc()
	if in := plan.Insight; in.Type != "" {
		m.types.WithLabelValues(string(in.Type)).Inc()
		m.sentiment.WithLabelValues(string(in.Sentiment)).Inc()
	}
	if f := plan.Feedback; f != nil {
		switch f.Kind {
		case chat.FeedbackRating:
			m.csat.WithLabelValues(strconv.Itoa(f.Value)).Inc()
		case chat.FeedbackSolved:
			m.solved.WithLabelValues(map[bool]string{true: "yes", false: "no"}[f.Value == 1]).Inc()
		case chat.FeedbackHelpful:
			m.helpful.WithLabelValues(f.Rule, map[bool]string{true: "up", false: "down"}[f.Value == 1]).Inc()
		}
	}
	for _, s := range plan.Sends {
		if s.Action.Rule != "" {
			m.ruleActions.WithLabelValues(s.Action.Rule, string(s.Action.Type)).Inc()
		}
	}
	for _, s := range plan.Suppressed {
		m.suppressions.WithLabelValues(s.Reason).Inc()
		if s.Rule != "" {
			m.ruleActions.WithLabelValues(s.Rule, "suppressed").Inc()
		}
	}
}

func (m *pipelineMetrics) Sent(p chat.Platform, result string) {
	m.sends.WithLabelValues(string(p), result).Inc()
}

func (m *pipelineMetrics) HandoffChanged(c pipeline.HandoffChange) {
	m.handoffs.WithLabelValues(c.Step, c.Priority, c.Team).Inc()
	switch c.Step {
	case pipeline.HandoffAnswered:
		result := "breached"
		if c.WithinSLA {
			result = "met"
		}
		m.sla.WithLabelValues(c.Priority, result).Inc()
		m.firstResponse.WithLabelValues(c.Priority).Observe(c.Since.Seconds())
	case pipeline.HandoffClosed:
		m.resolution.WithLabelValues(c.Priority).Observe(c.Since.Seconds())
	}
	m.agents.observe(c)
}

// SpikesOpen sets the gauge of every open spike to 1, and of every
// volume whose spike ended to 0. The open spikes are read from the
// database, so every replica reports the same.
func (m *pipelineMetrics) SpikesOpen(open []chat.Spike) {
	m.spikesMu.Lock()
	defer m.spikesMu.Unlock()
	now := map[[2]string]bool{}
	for _, sp := range open {
		now[[2]string{string(sp.Kind), sp.Name}] = true
	}
	for k := range m.spikesSeen {
		if !now[k] {
			m.spikeActive.WithLabelValues(k[0], k[1]).Set(0)
		}
	}
	for k := range now {
		m.spikesSeen[k] = true
		m.spikeActive.WithLabelValues(k[0], k[1]).Set(1)
	}
}

// outboxCollector reads the outbox's depth when Prometheus scrapes, so the
// figures are the database's, shared by all replicas.
type outboxCollector struct {
	depth   func(ctx context.Context, now time.Time) (store.OutboxDepth, error)
	pending *prometheus.Desc
	failed  *prometheus.Desc
	oldest  *prometheus.Desc
}

func newOutboxCollector(depth func(ctx context.Context, now time.Time) (store.OutboxDepth, error)) *outboxCollector {
	return &outboxCollector{
		depth:   depth,
		pending: prometheus.NewDesc("frontdesk_outbox_pending", "Messages waiting to be sent.", nil, nil),
		failed: prometheus.NewDesc("frontdesk_outbox_dead_letters", "Messages given up for good; list them with `frontdesk outbox`, "+
			"retry them with `frontdesk outbox --retry all`.", nil, nil),
		oldest: prometheus.NewDesc("frontdesk_outbox_oldest_pending_seconds", "Age of the oldest message waiting to be sent.", nil, nil),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.failed
	ch <- c.oldest
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d, err := c.depth(ctx, time.Now())
	if err != nil {
		// No figures rather than wrong ones; the scrape shows the gap.
		ch <- prometheus.NewInvalidMetric(c.pending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(d.Pending))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, float64(d.Failed))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, d.OldestPending.Seconds())
}

// webhookMetrics registers the webhook latency histogram and returns what
// the router reports each webhook to. Only configured bots are reported,
// so the labels are bounded.
func (a *App) webhookMetrics() func(platform, bot string, status int, took time.Duration) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "frontdesk_webhook_duration_seconds",
		Help: "Time to answer a platform's webhook (store and acknowledge), by platform, bot and HTTP status.",
		// Ingest is a group commit: milliseconds normally, up to the 5 s
		// accept deadline when the database is in trouble.
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"platform", "bot", "code"})
	a.metrics.MustRegister(h)
	return func(platform, bot string, status int, took time.Duration) {
		h.WithLabelValues(platform, bot, strconv.Itoa(status)).Observe(took.Seconds())
	}
}

// dbWorkMetrics count this replica's round trips to the database and its
// commits, to tell how much database work a message costs (the load tool
// divides them by the messages it sent).
func dbWorkMetrics(work func() store.Work) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "frontdesk_db_statements_total",
			Help: "Round trips to the database by this replica: each statement, multi-row statement, BEGIN, COMMIT and ROLLBACK counts once.",
		}, func() float64 { return float64(work().Statements) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "frontdesk_db_commits_total",
			Help: "Write transactions committed by this replica.",
		}, func() float64 { return float64(work().Commits) }),
		// SQLite has one writer: the rate of the first is the share of the
		// time it is busy (near 1, the replica writes as fast as it can),
		// the second's is what waiting for it costs.
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "frontdesk_db_writer_held_seconds_total",
			Help: "SQLite: time the one writer was held by this replica's transactions (0 on PostgreSQL).",
		}, func() float64 { return work().WriterHeld.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "frontdesk_db_writer_waited_seconds_total",
			Help: "SQLite: time this replica's transactions waited for the one writer, summed over them (0 on PostgreSQL).",
		}, func() float64 { return work().WriterWaited.Seconds() }),
		writerParts{work: work, desc: prometheus.NewDesc("frontdesk_db_writer_part_seconds_total",
			"SQLite: time the one writer was held, by what it did (accept, apply, sent, claim_events, claim_sends, commit, checkpoint, other); "+
				"the parts add up to frontdesk_db_writer_held_seconds_total. None on PostgreSQL.",
			[]string{"part"}, nil)},
	}
}

// writerParts exports store.Work's WriterParts, one series per part. The
// parts are read together, so that they add up to the held time read with
// them.
type writerParts struct {
	work func() store.Work
	desc *prometheus.Desc
}

func (c writerParts) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c writerParts) Collect(ch chan<- prometheus.Metric) {
	for part, d := range c.work().WriterParts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, d.Seconds(), part)
	}
}
