// Package handoff owns the SLA and business-time arithmetic of handoffs: the
// priority matrix, first-response due times counted in a team's business
// hours, the reminder and escalation steps of an unclaimed handoff, and the
// customer-facing text that says when a person will answer.
package handoff

import (
	"fmt"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"strings"
	"time"
)

// ParsePriority reads a priority as written in a rules file. Case and
// surrounding spaces are ignored; "" is medium, the rules' default.
func ParsePriority(s string) (chat.Priority, error) {
	switch p := chat.Priority(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return chat.PriorityMedium, nil
	case chat.PriorityCritical, chat.PriorityHigh, chat.PriorityMedium, chat.PriorityLow:
		return p, nil
	}
	return "", fmt.Errorf("priority %q is not one of critical, high, medium, low", s)
}

// Matrix is the first-response target per priority. Zero (or negative)
// fields take DOMAIN.md D15's defaults, so a config only names what it
// changes.
type Matrix struct {
	Critical, High, Medium, Low time.Duration
}

// DefaultMatrix is D15: critical 30 min (the slow end of 15–30 min, so the
// promise is one a team can keep), high 1 h, medium 4 h, low 24 h.
func DefaultMatrix() Matrix {
	return Matrix{Critical: 30 * time.Minute, High: time.Hour, Medium: 4 * time.Hour, Low: 24 * time.Hour}
}

// Target is the first-response target for p. A priority that is not one of
// the four levels gets medium's, as "" does in ParsePriority.
func (m Matrix) Target(p chat.Priority) time.Duration {
	def := DefaultMatrix()
	v, d := m.Medium, def.Medium
	switch p {
	case chat.PriorityCritical:
		v, d = m.Critical, def.Critical
	case chat.PriorityHigh:
		v, d = m.High, def.High
	case chat.PriorityLow:
		v, d = m.Low, def.Low
	}
	if v <= 0 {
		return d
	}
	return v
}

// Due is the first-response due time of a handoff made at t: the
// priority's target counted in h's business time.
func Due(m Matrix, h Hours, p chat.Priority, t time.Time) time.Time {
	if p == chat.PriorityCritical {
		// Outages and security issues do not wait for opening hours (D15:
		// escalate at once).
		return t.Add(m.Target(p))
	}
	return h.Add(t, m.Target(p))
}

// Step kinds.
const (
	KindReminder   = "reminder"   // to the handoff's own team (tier 1)
	KindEscalation = "escalation" // to the next tier up
)

// Step is one thing to do about an unclaimed handoff: remind its team, or
// escalate to a higher tier (D16: 1 agents, 2 managers, 3 leadership).
type Step struct {
	Tier int
	At   time.Time
	Kind string // KindReminder or KindEscalation
}

// Escalations lists the steps of a handoff due at due: a reminder to tier 1
// at due, then one escalation per further tier, every apart in plain time
// (people are paged out of hours too), up to maxTier. Tiers start at 1, so
// maxTier < 1 gives no steps; every <= 0 puts every step at due (D15's
// "escalate at once"), still one at a time through NextStep.
func Escalations(due time.Time, every time.Duration, maxTier int) []Step {
	if maxTier < 1 {
		return nil
	}
	every = max(every, 0)
	steps := make([]Step, maxTier)
	steps[0] = Step{Tier: 1, At: due, Kind: KindReminder}
	for i := 1; i < maxTier; i++ {
		steps[i] = Step{Tier: i + 1, At: due.Add(time.Duration(i) * every), Kind: KindEscalation}
	}
	return steps
}

// NextStep is the step to take after done steps have been taken, and whether
// one is left. Callers store done with the handoff and advance it in the same
// transaction that records the step, so each step happens once — like
// Alertmanager's repeat interval, a reminder is never repeated by a retry.
func NextStep(steps []Step, done int) (Step, bool) {
	if done < 0 {
		done = 0
	}
	if done >= len(steps) {
		return Step{}, false
	}
	return steps[done], true
}
