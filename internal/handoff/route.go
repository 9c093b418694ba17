package handoff

import (
	"slices"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// RouteTeam is what routing knows of a team: the languages its agents
// answer in and when they are at work.
type RouteTeam struct {
	Name string
	// Languages are primary language subtags ("zh", "ru"); a region or
	// script ("zh-hant", "zh-CN") is the same language. Empty: the team is
	// routed to only by name or as the fallback.
	Languages []string
	Hours     Hours // zero: always open
}

// Routed is the team Choose picked and why.
type Routed struct {
	Team   string // "" when there are no teams
	Reason chat.RouteReason
	// Open says the team is at work at the handoff; otherwise Opening is
	// when it next is (zero when it never opens).
	Open    bool
	Opening time.Time
}

// Choose picks the team a new handoff goes to, for a customer writing in
// lang at now. In this order:
//
//  1. The team a rule names (named) keeps the handoff, unless that team
//     does not speak the customer's language and a team that does is open
//     now: a person who understands the customer now beats a specialist
//     who does not. A named team that speaks the language, or one nobody
//     better could replace now, keeps it even while closed (the customer
//     waits for its opening).
//  2. The first team (in config order) that speaks lang and is open now.
//  3. Of the teams that speak lang, all closed, the one opening first: the
//     handoff waits for it.
//  4. The fallback team; without one (or an unknown name), the first team.
//
// /human names no team. A name that is not a team counts as none.
func Choose(teams []RouteTeam, named, fallback, lang string, now time.Time) Routed {
	if len(teams) == 0 {
		return Routed{}
	}
	lang = language(lang)
	routed := func(t RouteTeam, why chat.RouteReason) Routed {
		r := Routed{Team: t.Name, Reason: why, Open: t.Hours.Open(now)}
		if !r.Open {
			r.Opening = t.Hours.NextOpening(now)
		}
		return r
	}
	var openSpeaker, closedSpeaker *RouteTeam
	var closedAt time.Time
	for i := range teams {
		t := &teams[i]
		if !speaks(*t, lang) {
			continue
		}
		if t.Hours.Open(now) {
			if openSpeaker == nil {
				openSpeaker = t
			}
			continue
		}
		at := t.Hours.NextOpening(now)
		if at.IsZero() {
			continue // never opens: no use waiting for it
		}
		if closedSpeaker == nil || at.Before(closedAt) {
			closedSpeaker, closedAt = t, at
		}
	}
	if i := slices.IndexFunc(teams, func(t RouteTeam) bool { return named != "" && t.Name == named }); i >= 0 {
		if speaks(teams[i], lang) || openSpeaker == nil || len(teams[i].Languages) == 0 {
			return routed(teams[i], chat.RouteNamed)
		}
	}
	switch {
	case openSpeaker != nil:
		return routed(*openSpeaker, chat.RouteOpen)
	case closedSpeaker != nil:
		return routed(*closedSpeaker, chat.RouteClosed)
	}
	if i := slices.IndexFunc(teams, func(t RouteTeam) bool { return t.Name == fallback }); i >= 0 {
		return routed(teams[i], chat.RouteFallback)
	}
	return routed(teams[0], chat.RouteFallback)
}

// PrimaryLanguage is the language of a tag as routing and reports count
// it: its primary subtag ("zh-hant" and "zh-CN" are "zh").
func PrimaryLanguage(tag string) string { return language(tag) }

// speaks reports whether the team answers in lang.
func speaks(t RouteTeam, lang string) bool {
	if lang == "" {
		return false
	}
	for _, l := range t.Languages {
		if language(l) == lang {
			return true
		}
	}
	return false
}

// OverflowAt is when a handoff made at t, unclaimed, is offered to the
// overflow team: after of the team's business time, so a handoff waiting
// overnight overflows after the opening, not at night. Zero when after is
// not positive.
func OverflowAt(h Hours, t time.Time, after time.Duration) time.Time {
	if after <= 0 {
		return time.Time{}
	}
	return h.Add(t, after)
}

// EscalationsWithin is Escalations with every step counted in the team's
// business time: the reminder at due (already within it, Due sees to
// that), each escalation every of open time later, so nobody is reminded
// or paged about the team's handoff while the team is away. A critical
// handoff's steps stay in plain time, as its due time does (D15: escalate
// at once).
func EscalationsWithin(h Hours, p chat.Priority, due time.Time, every time.Duration, maxTier int) []Step {
	steps := Escalations(due, every, maxTier)
	if p == chat.PriorityCritical {
		return steps
	}
	every = max(every, 0)
	for i := range steps {
		steps[i].At = h.Add(due, time.Duration(i)*every)
		if i == 0 {
			steps[i].At = h.NextOpening(due)
		}
	}
	return steps
}
