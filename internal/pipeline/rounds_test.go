package pipeline

import (
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestSharesRound: new handoffs of one cause share a round of a batch
// only while, all together, they cannot reach the incident threshold none
// of them saw; one that opens or joins an incident goes alone, and causes
// no incident can come of share freely.
func TestSharesRound(t *testing.T) {
	tc := chat.TeamCause{Team: "support", Cause: "outage"}
	counted := func(n int) chat.State {
		return chat.State{Details: chat.Details{RecentHandoffs: map[chat.TeamCause]int{tc: n}}}
	}
	incident := chat.Plan{Incident: &chat.IncidentPlan{Team: "support", Cause: "outage"}}
	cases := []struct {
		name         string
		threshold    int
		plan         chat.Plan
		st           chat.State
		inRound      int
		withIncident bool
		want         bool
	}{
		{"the first always goes", 50, incident, counted(49), 0, false, true},
		{"far below the threshold", 50, chat.Plan{}, counted(10), 5, false, true},
		{"the last that stays below it", 50, chat.Plan{}, counted(45), 3, false, true},
		{"together they would reach it", 50, chat.Plan{}, counted(46), 3, false, false},
		{"not counted: wait for the next round", 50, chat.Plan{}, chat.State{}, 1, false, false},
		{"one that opens or joins an incident goes alone", 50, incident, counted(1), 1, false, false},
		{"none beside one that did", 50, chat.Plan{}, counted(1), 1, true, false},
		{"incidents off", -1, chat.Plan{}, chat.State{}, 7, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := decidingPipeline(nil, c.threshold)
			if got := p.sharesRound(tc, c.plan, c.st, c.inRound, c.withIncident); got != c.want {
				t.Errorf("sharesRound = %v, want %v", got, c.want)
			}
		})
	}
}
