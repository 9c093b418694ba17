package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// agentMetrics count handoffs per agent. The label is the agent's account
// (chat.Agent.ID, e.g. telegram:123), never a display name: accounts are
// staff, so the series are bounded by the team's size, and a rename does
// not split one person in two.
type agentMetrics struct {
	claimed       *prometheus.CounterVec
	transfers     *prometheus.CounterVec
	firstResponse *prometheus.HistogramVec
	resolution    *prometheus.HistogramVec
}

func newAgentMetrics(reg prometheus.Registerer) agentMetrics {
	m := agentMetrics{
		claimed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_agent_handoffs_claimed_total",
			Help: "Handoffs an agent became the owner of (a claim, or answering a waiting one first), by agent account.",
		}, []string{"agent"}),
		transfers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_agent_transfers_total",
			Help: "Handoffs an agent transferred to another team or agent, by agent account.",
		}, []string{"agent"}),
		firstResponse: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontdesk_agent_first_response_seconds",
			Help:    "From a handoff's opening to the first message to the customer, by the account of the agent who wrote it.",
			Buckets: handoffBuckets,
		}, []string{"agent"}),
		resolution: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontdesk_agent_resolution_seconds",
			Help:    "From a handoff's opening to an agent resolving it or giving it back to the bot, by that agent's account.",
			Buckets: handoffBuckets,
		}, []string{"agent"}),
	}
	reg.MustRegister(m.claimed, m.transfers, m.firstResponse, m.resolution)
	return m
}

// observe counts a handoff's step under the agent who took it; steps no
// identified agent took are not per agent.
func (m agentMetrics) observe(c pipeline.HandoffChange) {
	if c.Agent == "" {
		return
	}
	switch c.Step {
	case pipeline.HandoffClaimed:
		m.claimed.WithLabelValues(c.Agent).Inc()
	case pipeline.HandoffTransferred:
		m.transfers.WithLabelValues(c.Agent).Inc()
	case pipeline.HandoffAnswered:
		m.firstResponse.WithLabelValues(c.Agent).Observe(c.Since.Seconds())
	case pipeline.HandoffClosed:
		m.resolution.WithLabelValues(c.Agent).Observe(c.Since.Seconds())
	}
}
