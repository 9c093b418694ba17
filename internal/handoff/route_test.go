package handoff

import (
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestChoose(t *testing.T) {
	weekdays := map[string]string{"mon-fri": "09:00-18:00"}
	zh := RouteTeam{Name: "zh", Languages: []string{"zh"}, Hours: mustHours(t, weekdays, sh)}
	ru := RouteTeam{Name: "ru", Languages: []string{"ru", "uk"}, Hours: mustHours(t, weekdays, "Europe/Moscow")}
	en := RouteTeam{Name: "en", Languages: []string{"en"}} // always open
	billing := RouteTeam{Name: "billing", Hours: mustHours(t, weekdays, "Europe/London")}
	// zhEU speaks Chinese from Europe: open when Shanghai sleeps.
	zhEU := RouteTeam{Name: "zh-eu", Languages: []string{"zh-hans", "zh-hant"}, Hours: mustHours(t, weekdays, "Europe/Berlin")}
	all := []RouteTeam{zh, ru, en, billing}

	// Tuesday 2026-12-01.
	shNoon := at(t, sh, "2026-12-01 12:00")  // zh open; ru closed (07:00 Moscow); billing closed (04:00 London)
	shNight := at(t, sh, "2026-12-01 23:00") // zh closed; ru closed (18:00 Moscow); en open
	moscowNoon := at(t, "Europe/Moscow", "2026-12-01 12:00")
	friNight := at(t, sh, "2026-12-04 23:00") // zh next opens Monday
	londonNoon := at(t, "Europe/London", "2026-12-01 12:00")

	tests := []struct {
		name            string
		teams           []RouteTeam
		named, fallback string
		lang            string
		now             time.Time
		want            string
		why             chat.RouteReason
		open            bool
		opening         time.Time
	}{
		{name: "ru customer to the ru team, open", teams: all, lang: "ru", now: moscowNoon, want: "ru", why: chat.RouteOpen, open: true},
		{name: "a second language of a team", teams: all, lang: "uk", now: moscowNoon, want: "ru", why: chat.RouteOpen, open: true},
		{name: "Simplified Chinese is zh", teams: all, lang: "zh-hans", now: shNoon, want: "zh", why: chat.RouteOpen, open: true},
		{name: "Traditional Chinese is zh", teams: all, lang: "zh-TW", now: shNoon, want: "zh", why: chat.RouteOpen, open: true},
		{name: "zh at night waits for the zh team's opening", teams: all, fallback: "en", lang: "zh", now: shNight, want: "zh",
			why: chat.RouteClosed, opening: at(t, sh, "2026-12-02 09:00")},
		{name: "zh on Friday night waits until Monday", teams: all, fallback: "en", lang: "zh-hant", now: friNight, want: "zh",
			why: chat.RouteClosed, opening: at(t, sh, "2026-12-07 09:00")},
		{name: "of two closed zh teams the one opening first", teams: []RouteTeam{zh, zhEU, en}, lang: "zh",
			now: at(t, sh, "2026-12-01 05:00"), want: "zh", why: chat.RouteClosed, opening: at(t, sh, "2026-12-01 09:00")},
		{name: "zh at Shanghai night goes to the open European zh team", teams: []RouteTeam{zh, zhEU, en}, lang: "zh",
			now: shNight, want: "zh-eu", why: chat.RouteOpen, open: true},
		{name: "two open speakers: config order", teams: []RouteTeam{zhEU, zh}, lang: "zh",
			now: at(t, sh, "2026-12-01 17:30"), want: "zh-eu", why: chat.RouteOpen, open: true},
		{name: "nobody speaks de: the fallback", teams: all, fallback: "en", lang: "de", now: shNoon, want: "en", why: chat.RouteFallback, open: true},
		{name: "fallback closed: it waits for the fallback", teams: all, fallback: "billing", lang: "de", now: shNoon, want: "billing",
			why: chat.RouteFallback, opening: at(t, "Europe/London", "2026-12-01 09:00")},
		{name: "no fallback configured: the first team", teams: all, lang: "de", now: shNoon, want: "zh", why: chat.RouteFallback, open: true},
		{name: "unknown fallback: the first team", teams: all, fallback: "gone", lang: "de", now: shNoon, want: "zh", why: chat.RouteFallback, open: true},
		{name: "no language known: the fallback", teams: all, fallback: "en", lang: "", now: shNoon, want: "en", why: chat.RouteFallback, open: true},
		{name: "no languages configured anywhere: the first team, as before routing", teams: []RouteTeam{{Name: "a"}, {Name: "b"}},
			lang: "zh", now: shNoon, want: "a", why: chat.RouteFallback, open: true},
		{name: "named team without languages keeps it", teams: all, named: "billing", lang: "zh", now: londonNoon, want: "billing",
			why: chat.RouteNamed, open: true},
		{name: "named team speaking the language keeps it while closed", teams: all, named: "ru", lang: "ru", now: shNoon, want: "ru",
			why: chat.RouteNamed, opening: at(t, "Europe/Moscow", "2026-12-01 09:00")},
		{name: "named team not speaking it gives way to an open speaker", teams: all, named: "ru", lang: "zh", now: shNoon, want: "zh",
			why: chat.RouteOpen, open: true},
		{name: "named team not speaking it keeps it when no speaker is open", teams: all, named: "ru", lang: "zh", now: shNight, want: "ru",
			why: chat.RouteNamed, opening: at(t, "Europe/Moscow", "2026-12-02 09:00")},
		{name: "unknown named team: routed by language", teams: all, named: "gone", lang: "ru", now: moscowNoon, want: "ru", why: chat.RouteOpen, open: true},
		{name: "no teams", teams: nil, lang: "ru", now: moscowNoon},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Choose(tc.teams, tc.named, tc.fallback, tc.lang, tc.now)
			if got.Team != tc.want || got.Reason != tc.why || got.Open != tc.open || !got.Opening.Equal(tc.opening) {
				t.Errorf("Choose = %+v; want team %q (%s), open %v, opening %v", got, tc.want, tc.why, tc.open, tc.opening)
			}
		})
	}
}

// A handoff made while its team is away is due its SLA target after the
// next opening, and its first reminder (at the due time) cannot come
// before: the clock is stopped while nobody is at work.
func TestOutOfHoursClockStops(t *testing.T) {
	h := mustHours(t, map[string]string{"mon-fri": "09:00-18:00"}, sh)
	tests := []struct {
		name string
		prio chat.Priority
		made time.Time
		due  time.Time
	}{
		{"Tuesday night, medium (4h)", chat.PriorityMedium, at(t, sh, "2026-12-01 23:00"), at(t, sh, "2026-12-02 13:00")},
		{"Friday night, high (1h): Monday", chat.PriorityHigh, at(t, sh, "2026-12-04 23:00"), at(t, sh, "2026-12-07 10:00")},
		{"an hour before closing, medium: 3h the next morning", chat.PriorityMedium, at(t, sh, "2026-12-01 17:00"), at(t, sh, "2026-12-02 12:00")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			due := Due(DefaultMatrix(), h, tc.prio, tc.made)
			if !due.Equal(tc.due) {
				t.Fatalf("due %v, want %v", due, tc.due)
			}
			opening := h.NextOpening(tc.made)
			step, _ := NextStep(Escalations(due, 30*time.Minute, 2), 0)
			if step.At.Before(opening) || !h.Open(step.At) {
				t.Errorf("first reminder at %v: before the opening %v or out of hours", step.At, opening)
			}
		})
	}
}

func TestOverflowAt(t *testing.T) {
	h := mustHours(t, map[string]string{"mon-fri": "09:00-18:00"}, sh)
	tests := []struct {
		name  string
		made  time.Time
		after time.Duration
		want  time.Time
	}{
		{"in hours", at(t, sh, "2026-12-01 10:00"), 10 * time.Minute, at(t, sh, "2026-12-01 10:10")},
		{"at night: after the opening", at(t, sh, "2026-12-01 23:00"), 10 * time.Minute, at(t, sh, "2026-12-02 09:10")},
		{"just before closing: the rest the next morning", at(t, sh, "2026-12-01 17:55"), 10 * time.Minute, at(t, sh, "2026-12-02 09:05")},
		{"off", at(t, sh, "2026-12-01 10:00"), 0, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := OverflowAt(h, tc.made, tc.after); !got.Equal(tc.want) {
				t.Errorf("OverflowAt = %v, want %v", got, tc.want)
			}
		})
	}
	if got := OverflowAt(Hours{}, at(t, sh, "2026-12-01 23:00"), time.Minute); !got.Equal(at(t, sh, "2026-12-01 23:01")) {
		t.Errorf("always open: %v", got)
	}
}

// Reminders and escalations come only while the team is at work, except
// for critical handoffs.
func TestEscalationsWithin(t *testing.T) {
	h := mustHours(t, map[string]string{"mon-fri": "09:00-18:00"}, sh)
	tests := []struct {
		name string
		prio chat.Priority
		due  time.Time
		want []time.Time
	}{
		{"within hours: as in plain time", chat.PriorityMedium, at(t, sh, "2026-12-01 13:00"),
			[]time.Time{at(t, sh, "2026-12-01 13:00"), at(t, sh, "2026-12-01 13:30"), at(t, sh, "2026-12-01 14:00")}},
		{"near closing: the rest the next morning", chat.PriorityHigh, at(t, sh, "2026-12-01 17:45"),
			[]time.Time{at(t, sh, "2026-12-01 17:45"), at(t, sh, "2026-12-02 09:15"), at(t, sh, "2026-12-02 09:45")}},
		{"due at closing: the reminder at the opening", chat.PriorityLow, at(t, sh, "2026-12-04 18:00"),
			[]time.Time{at(t, sh, "2026-12-07 09:00"), at(t, sh, "2026-12-07 09:30"), at(t, sh, "2026-12-07 10:00")}},
		{"critical pages at night", chat.PriorityCritical, at(t, sh, "2026-12-01 23:00"),
			[]time.Time{at(t, sh, "2026-12-01 23:00"), at(t, sh, "2026-12-01 23:30"), at(t, sh, "2026-12-02 00:00")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps := EscalationsWithin(h, tc.prio, tc.due, 30*time.Minute, 3)
			if len(steps) != len(tc.want) {
				t.Fatalf("steps %+v", steps)
			}
			for i, s := range steps {
				if !s.At.Equal(tc.want[i]) || s.Tier != i+1 {
					t.Errorf("step %d = %+v, want tier %d at %v", i, s, i+1, tc.want[i])
				}
				if tc.prio != chat.PriorityCritical && !h.Open(s.At) {
					t.Errorf("step %d at %v: out of hours", i, s.At)
				}
			}
		})
	}
}
