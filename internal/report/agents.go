package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// AgentWork is what one agent (an account) did with handoffs in the
// period: how many they claimed (by /claim, its button, or answering a
// waiting one first) and transferred, by their commands of the period;
// and, of the handoffs opened in the period, how many they owned when
// those closed, with the resolution times.
type AgentWork struct {
	ID         string // the account, chat.Agent.ID
	Name       string // for display: the name last seen for it
	Claimed    int
	Transfers  int
	Resolved   int
	Resolution Percentiles
}

// addAgentWork sums up per agent the commands of the period (activity)
// and the closed handoffs they owned, the busiest first.
func (r *Report) addAgentWork(hs []store.HandoffTimes, activity []store.AgentActivity) {
	work := map[string]*AgentWork{}
	resolutions := map[string][]time.Duration{}
	get := func(a chat.Agent) *AgentWork {
		w := work[a.ID]
		if w == nil {
			w = &AgentWork{ID: a.ID}
			work[a.ID] = w
		}
		w.Name = cmp.Or(a.Name, w.Name)
		return w
	}
	for _, h := range hs {
		if o := handoffOutcome(h, r.Until); o.closed && h.Owner.Known() {
			get(h.Owner).Resolved++
			resolutions[h.Owner.ID] = append(resolutions[h.Owner.ID], o.resolution)
		}
	}
	for _, a := range activity {
		w := get(a.Agent) // the commands' name is the one last seen
		w.Claimed, w.Transfers = a.Claimed, a.Transfers
	}
	for id, w := range work {
		w.Resolution = percentiles(resolutions[id])
		r.AgentWork = append(r.AgentWork, *w)
	}
	slices.SortFunc(r.AgentWork, func(a, b AgentWork) int {
		return cmp.Or(cmp.Compare(b.Claimed, a.Claimed), cmp.Compare(b.Resolved, a.Resolved), strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
}

// writeAgentWork is the text report's table of AgentWork.
func writeAgentWork(b *strings.Builder, r Report) {
	b.WriteString("\nHandoffs: claimed, resolved and transferred by agent\n")
	if len(r.AgentWork) == 0 {
		b.WriteString("  none\n")
		return
	}
	as := make([]AgentStats, len(r.AgentWork))
	for i, w := range r.AgentWork {
		as[i] = AgentStats{ID: w.ID, Name: w.Name}
	}
	names := agentNames(as)
	t := table{indent: "  ", header: []string{"agent", "claimed", "resolved", "p50", "p90", "transfers"}, right: []bool{false, true, true, true, true, true}}
	for i, w := range r.AgentWork {
		t.add(names[i], strconv.Itoa(w.Claimed), strconv.Itoa(w.Resolved), pNText(w.Resolution, 50), pNText(w.Resolution, 90), strconv.Itoa(w.Transfers))
	}
	t.write(b)
}

type jsonAgentWork struct {
	ID            string   `json:"agent_id"`
	Name          string   `json:"agent"`
	Claimed       int      `json:"claimed"`
	Resolved      int      `json:"resolved"`
	ResolutionP50 *float64 `json:"resolution_p50_seconds"`
	ResolutionP90 *float64 `json:"resolution_p90_seconds"`
	Transfers     int      `json:"transfers"`
}

func agentWorkJSON(r Report) []jsonAgentWork {
	out := []jsonAgentWork{}
	for _, w := range r.AgentWork {
		out = append(out, jsonAgentWork{ID: w.ID, Name: w.Name, Claimed: w.Claimed, Resolved: w.Resolved,
			ResolutionP50: seconds(w.Resolution, 50), ResolutionP90: seconds(w.Resolution, 90), Transfers: w.Transfers})
	}
	return out
}

func agentWorkCSV(row func(section, key, metric, value string), j jsonReport, opt func(*float64) string) {
	for _, w := range j.AgentWork {
		for _, m := range []struct{ metric, value string }{
			{"agent", spreadsheetSafe(w.Name)}, {"claimed", strconv.Itoa(w.Claimed)}, {"resolved", strconv.Itoa(w.Resolved)},
			{"resolution_p50_seconds", opt(w.ResolutionP50)}, {"resolution_p90_seconds", opt(w.ResolutionP90)},
			{"transfers", strconv.Itoa(w.Transfers)},
		} {
			row("agent_work", w.ID, m.metric, m.value)
		}
	}
}
