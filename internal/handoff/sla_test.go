package handoff

import (
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"strings"
	"testing"
	"time"
)

func TestParsePriority(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want chat.Priority
		err  string
	}{
		{in: "", want: chat.PriorityMedium},
		{in: "critical", want: chat.PriorityCritical},
		{in: "high", want: chat.PriorityHigh},
		{in: "medium", want: chat.PriorityMedium},
		{in: "low", want: chat.PriorityLow},
		{in: " High ", want: chat.PriorityHigh},
		{in: "urgent", err: `priority "urgent" is not one of critical, high, medium, low`},
		{in: "p1", err: `"p1"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePriority(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParsePriority(%q) error = %v, want one containing %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParsePriority(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestMatrixTarget(t *testing.T) {
	custom := Matrix{Critical: 15 * time.Minute, Low: 48 * time.Hour, High: -time.Hour}
	for _, tc := range []struct {
		name string
		m    Matrix
		p    chat.Priority
		want time.Duration
	}{
		{"default critical", DefaultMatrix(), chat.PriorityCritical, 30 * time.Minute},
		{"default high", DefaultMatrix(), chat.PriorityHigh, time.Hour},
		{"default medium", DefaultMatrix(), chat.PriorityMedium, 4 * time.Hour},
		{"default low", DefaultMatrix(), chat.PriorityLow, 24 * time.Hour},
		{"zero matrix takes defaults", Matrix{}, chat.PriorityLow, 24 * time.Hour},
		{"override critical", custom, chat.PriorityCritical, 15 * time.Minute},
		{"override low", custom, chat.PriorityLow, 48 * time.Hour},
		{"unset field keeps default", custom, chat.PriorityMedium, 4 * time.Hour},
		{"negative field keeps default", custom, chat.PriorityHigh, time.Hour},
		{"unknown priority is medium", custom, chat.Priority("urgent"), 4 * time.Hour},
		{"empty priority is medium", Matrix{Medium: 2 * time.Hour}, "", 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Target(tc.p); got != tc.want {
				t.Fatalf("Target(%q) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestDue(t *testing.T) {
	team := mustHours(t, map[string]string{"mon-fri": "09:00-18:00"}, "Asia/Shanghai")
	mon10 := at(t, "Asia/Shanghai", "2026-01-05 10:00") // a Monday
	fri17 := at(t, "Asia/Shanghai", "2026-01-02 17:00") // a Friday
	for _, tc := range []struct {
		name string
		m    Matrix
		h    Hours
		p    chat.Priority
		t    time.Time
		want time.Time
	}{
		{"critical", DefaultMatrix(), team, chat.PriorityCritical, mon10, at(t, "Asia/Shanghai", "2026-01-05 10:30")},
		{"high", DefaultMatrix(), team, chat.PriorityHigh, mon10, at(t, "Asia/Shanghai", "2026-01-05 11:00")},
		{"medium", DefaultMatrix(), team, chat.PriorityMedium, mon10, at(t, "Asia/Shanghai", "2026-01-05 14:00")},
		// 8 h on Monday, 9 h on Tuesday, 7 h on Wednesday.
		{"low", DefaultMatrix(), team, chat.PriorityLow, mon10, at(t, "Asia/Shanghai", "2026-01-07 16:00")},
		{"medium on friday evening", DefaultMatrix(), team, chat.PriorityMedium, fri17, at(t, "Asia/Shanghai", "2026-01-05 12:00")},
		{"critical after closing is due at once, hours or not", DefaultMatrix(), team, chat.PriorityCritical, at(t, "Asia/Shanghai", "2026-01-05 18:00"), at(t, "Asia/Shanghai", "2026-01-05 18:30")},
		{"overridden matrix", Matrix{High: 2 * time.Hour}, team, chat.PriorityHigh, mon10, at(t, "Asia/Shanghai", "2026-01-05 12:00")},
		{"always open", DefaultMatrix(), Hours{}, chat.PriorityLow, fri17, fri17.Add(24 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Due(tc.m, tc.h, tc.p, tc.t); !got.Equal(tc.want) {
				t.Fatalf("Due(%s, %v) = %v, want %v", tc.p, tc.t, got, tc.want)
			}
		})
	}
}

func TestEscalations(t *testing.T) {
	due := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		every   time.Duration
		maxTier int
		want    []Step
	}{
		{"three tiers", 30 * time.Minute, 3, []Step{
			{Tier: 1, At: due, Kind: KindReminder},
			{Tier: 2, At: due.Add(30 * time.Minute), Kind: KindEscalation},
			{Tier: 3, At: due.Add(time.Hour), Kind: KindEscalation},
		}},
		{"one tier is only the reminder", time.Hour, 1, []Step{{Tier: 1, At: due, Kind: KindReminder}}},
		{"no tiers", time.Hour, 0, nil},
		{"negative tiers", time.Hour, -2, nil},
		{"at once", 0, 2, []Step{{Tier: 1, At: due, Kind: KindReminder}, {Tier: 2, At: due, Kind: KindEscalation}}},
		{"negative every is at once", -time.Hour, 2, []Step{{Tier: 1, At: due, Kind: KindReminder}, {Tier: 2, At: due, Kind: KindEscalation}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Escalations(due, tc.every, tc.maxTier)
			if len(got) != len(tc.want) {
				t.Fatalf("Escalations = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i].Tier != tc.want[i].Tier || got[i].Kind != tc.want[i].Kind || !got[i].At.Equal(tc.want[i].At) {
					t.Fatalf("step %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestNextStep(t *testing.T) {
	due := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	steps := Escalations(due, 30*time.Minute, 3)

	t.Run("each step once as done grows", func(t *testing.T) {
		var taken []Step
		for done := 0; ; done++ {
			s, ok := NextStep(steps, done)
			if !ok {
				break
			}
			if done > len(steps) {
				t.Fatalf("NextStep kept returning steps at done=%d", done)
			}
			taken = append(taken, s)
		}
		if len(taken) != len(steps) {
			t.Fatalf("took %d steps, want %d", len(taken), len(steps))
		}
		for i, s := range taken {
			if s != steps[i] {
				t.Fatalf("step %d = %+v, want %+v", i, s, steps[i])
			}
			for j := range i {
				if taken[j] == s {
					t.Fatalf("step %+v returned twice (done=%d and done=%d)", s, j, i)
				}
			}
		}
	})
	for _, tc := range []struct {
		name   string
		steps  []Step
		done   int
		want   Step
		wantOK bool
	}{
		{"none done: the reminder", steps, 0, steps[0], true},
		{"reminder done: tier 2", steps, 1, steps[1], true},
		{"two done: tier 3", steps, 2, steps[2], true},
		{"all done", steps, 3, Step{}, false},
		{"past the end", steps, 7, Step{}, false},
		{"negative done starts over", steps, -1, steps[0], true},
		{"no steps", nil, 0, Step{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NextStep(tc.steps, tc.done)
			if ok != tc.wantOK || got != tc.want {
				t.Fatalf("NextStep(done=%d) = %+v, %v; want %+v, %v", tc.done, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
