package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// pipelineMetrics counts what the pipeline decides and sends. Labels are
// bounded: outcomes, suppression reasons and send results are fixed sets.
type pipelineMetrics struct {
	decisions    *prometheus.CounterVec
	suppressions *prometheus.CounterVec
	sends        *prometheus.CounterVec
}

func newPipelineMetrics(reg prometheus.Registerer) *pipelineMetrics {
	m := &pipelineMetrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_decisions_total",
			Help: "Customer events decided, by outcome.",
		}, []string{"outcome"}),
		suppressions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_guard_suppressions_total",
			Help: "Planned messages the frequency guard stopped, by reason.",
		}, []string{"reason"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_sends_total",
			Help: "Send attempts to the platforms, by platform and result.",
		}, []string{"platform", "result"}),
	}
	for _, r := range []string{chat.ReasonDuplicateContent, chat.ReasonRuleCooldown, chat.ReasonAckAlreadySent, chat.ReasonPerMessageCap,
		chat.ReasonPerHourCap, chat.ReasonWindowClosed, chat.ReasonHumanOwnsConversation, chat.ReasonCustomerBlocked, chat.ReasonFromBot} {
		m.suppressions.WithLabelValues(r)
	}
	reg.MustRegister(m.decisions, m.suppressions, m.sends)
	return m
}

func (m *pipelineMetrics) Decided(outcome chat.Outcome, suppressed []chat.Suppression) {
	m.decisions.WithLabelValues(string(outcome)).Inc()
	for _, s := range suppressed {
		m.suppressions.WithLabelValues(s.Reason).Inc()
	}
}

func (m *pipelineMetrics) Sent(p chat.Platform, result string) {
	m.sends.WithLabelValues(string(p), result).Inc()
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
