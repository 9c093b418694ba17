package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// recordAgentEvent keeps what an agent's command did to handoff h, as
// applied, for per-agent reports: the command, and whether it made the
// agent the owner.
func (s *Store) recordAgentEvent(ctx context.Context, tx *sqlx.Tx, h chat.OpenHandoff, plan chat.AgentPlan, now time.Time) error {
	if plan.Command == "" || h.ID == 0 {
		return nil
	}
	_, err := s.exec(ctx, tx, `INSERT INTO agent_events (handoff_id, agent_id, agent_name, command, claimed, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		h.ID, plan.Agent.ID, plan.Agent.Name, string(plan.Command), boolInt(plan.Claim), ms(now))
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AgentActivity is what one agent (an account) did to handoffs in a
// period: how many they claimed (by /claim, the button, or answering
// first) and how many they transferred.
type AgentActivity struct {
	Agent     chat.Agent // Name is the one last seen for the account
	Claimed   int
	Transfers int
}

// ReportAgents sums up, per agent account, the commands agents applied in
// [since, until). Commands of agents without an account are left out.
func (s *Store) ReportAgents(ctx context.Context, since, until time.Time) ([]AgentActivity, error) {
	var rows []struct {
		ID        string `db:"agent_id"`
		Name      string `db:"agent_name"`
		Claimed   int    `db:"claimed"`
		Transfers int    `db:"transfers"`
	}
	err := s.readSel(ctx, &rows, `SELECT a.agent_id, a.claimed, a.transfers, e.agent_name FROM (
			SELECT agent_id, COUNT(DISTINCT CASE WHEN claimed = 1 THEN handoff_id END) AS claimed,
				COALESCE(SUM(CASE WHEN command = ? THEN 1 ELSE 0 END), 0) AS transfers, MAX(id) AS last
			FROM agent_events WHERE created_at >= ? AND created_at < ? AND agent_id <> '' GROUP BY agent_id
		) a JOIN agent_events e ON e.id = a.last ORDER BY a.agent_id`, string(chat.AgentTransfer), ms(since), ms(until))
	if err != nil {
		return nil, unavailable("report agents", err)
	}
	out := make([]AgentActivity, len(rows))
	for i, r := range rows {
		out[i] = AgentActivity{Agent: chat.Agent{ID: r.ID, Name: r.Name}, Claimed: r.Claimed, Transfers: r.Transfers}
	}
	return out, nil
}
