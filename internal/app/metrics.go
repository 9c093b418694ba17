package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
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
