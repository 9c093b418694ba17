package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// The writes of the team-chat commands of issue 19 (close, reopen,
// transfer, escalate, priority, block): each applies what handoff.Move
// decided, on the handoff as it was read; a handoff changed since answers
// chat.ErrConflict and the command is decided again.

// applyHandoffCommand writes close, transfer, escalate and priority on the
// open handoff st.Handoff.
func (s *Store) applyHandoffCommand(ctx context.Context, tx *sqlx.Tx, st chat.AgentState, plan chat.AgentPlan, now time.Time) error {
	h := st.Handoff
	var res sql.Result
	var err error
	switch {
	case plan.Command == chat.AgentClose && plan.ClosesAt.IsZero():
		res, err = s.exec(ctx, tx, `UPDATE handoffs SET state = 'resolved', closed_at = ?, closes_at = NULL WHERE id = ? AND state = ?`, ms(now), h.ID, h.State)
		if err := changed(res, err); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `UPDATE conversations SET status = 'bot' WHERE id = ?`, st.ConversationID)
		return err
	case plan.Command == chat.AgentClose:
		res, err = s.exec(ctx, tx, `UPDATE handoffs SET closes_at = ?, last_activity_at = ? WHERE id = ? AND state = ? AND claimed_by_id = ?`,
			ms(plan.ClosesAt), ms(now), h.ID, h.State, h.ClaimedBy.ID)
	case plan.Command == chat.AgentTransfer && plan.Team != "":
		// Another team's queue: waiting for one of its people, its SLA
		// steps counted again from its new due time.
		res, err = s.exec(ctx, tx, `UPDATE handoffs SET team = ?, state = 'waiting', claimed_by = '', claimed_by_id = '', claimed_at = NULL,
			steps_done = 0, due_at = ?, closes_at = NULL, last_activity_at = ? WHERE id = ? AND state = ? AND claimed_by_id = ?`,
			plan.Team, ms(plan.DueAt), ms(now), h.ID, h.State, h.ClaimedBy.ID)
	case plan.Command == chat.AgentTransfer:
		res, err = s.exec(ctx, tx, `UPDATE handoffs SET state = 'claimed', claimed_by = ?, claimed_by_id = ?, claimed_at = ?, last_activity_at = ?
			WHERE id = ? AND state = ? AND claimed_by_id = ?`, plan.Assign.Name, plan.Assign.ID, ms(now), ms(now), h.ID, h.State, h.ClaimedBy.ID)
	case plan.Command == chat.AgentEscalate || plan.Command == chat.AgentPriority:
		res, err = s.exec(ctx, tx, `UPDATE handoffs SET priority = ?, due_at = ?, steps_done = ? WHERE id = ? AND state = ? AND steps_done = ?`,
			string(plan.Priority), ms(plan.DueAt), plan.StepsDone, h.ID, h.State, h.StepsDone)
	default:
		return fmt.Errorf("handoff command %q: nothing to write", plan.Command)
	}
	return changed(res, err)
}

// reopenHandoff gives the closed handoff st.Closed back to people, owned by
// agent, unless another handoff of the conversation was opened since.
func (s *Store) reopenHandoff(ctx context.Context, tx *sqlx.Tx, st chat.AgentState, agent chat.Agent, now time.Time) error {
	h := st.Closed
	res, err := s.exec(ctx, tx, `UPDATE handoffs SET state = 'claimed', claimed_by = ?, claimed_by_id = ?, claimed_at = ?, closed_at = NULL,
		closed_reason = '', closes_at = NULL, last_activity_at = ?
		WHERE id = ? AND state = ? AND NOT EXISTS (SELECT 1 FROM handoffs o WHERE o.conversation_id = ? AND o.state IN ('waiting', 'claimed'))`,
		agent.Name, agent.ID, ms(now), ms(now), h.ID, h.State, st.ConversationID)
	if err := changed(res, err); err != nil {
		return err
	}
	_, err = s.exec(ctx, tx, `UPDATE conversations SET status = ? WHERE id = ?`, chat.StatusWaitingForHuman, st.ConversationID)
	return err
}

// applyBlock writes /block and /unblock on the customer.
func (s *Store) applyBlock(ctx context.Context, tx *sqlx.Tx, st chat.AgentState, plan chat.AgentPlan) error {
	if plan.Command != chat.AgentBlock && plan.Command != chat.AgentUnblock {
		return nil
	}
	if st.CustomerID == 0 {
		return fmt.Errorf("%s: the conversation has no stored customer", plan.Command)
	}
	blocked, was := 0, 1
	if plan.Command == chat.AgentBlock {
		blocked, was = 1, 0
	}
	res, err := s.exec(ctx, tx, `UPDATE customers SET blocked_by_team = ? WHERE id = ? AND blocked_by_team = ?`, blocked, st.CustomerID, was)
	return changed(res, err)
}

// applyTags sets a handoff's labels to tags, as decided on was.
func (s *Store) applyTags(ctx context.Context, tx *sqlx.Tx, handoffID int64, was, tags []string) error {
	res, err := s.exec(ctx, tx, `UPDATE handoffs SET tags = ? WHERE id = ? AND tags = ?`, strings.Join(tags, " "), handoffID, strings.Join(was, " "))
	return changed(res, err)
}

// rememberAgent keeps who acted in a team's chat, so /transfer @agent can
// name them.
func (s *Store) rememberAgent(ctx context.Context, tx *sqlx.Tx, ev chat.Event, plan chat.AgentPlan, now time.Time) error {
	if plan.AgentTeam == "" || !plan.Agent.Known() || ev.APIToken != "" {
		return nil
	}
	_, err := s.exec(ctx, tx, `INSERT INTO team_agents (team, agent_id, name, username, last_seen_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (team, agent_id) DO UPDATE SET name = excluded.name, username = excluded.username, last_seen_at = excluded.last_seen_at`,
		plan.AgentTeam, plan.Agent.ID, plan.Agent.Name, ev.Customer.Username, ms(now))
	return err
}

// TeamAgent finds an agent who has acted in a team's chat by their
// username (with or without @) or their name, ignoring case; the most
// recently seen of several. ok is false when there is none.
func (s *Store) TeamAgent(ctx context.Context, team, who string) (agent chat.Agent, ok bool, err error) {
	who = strings.ToLower(strings.TrimSpace(who))
	if who == "" {
		return chat.Agent{}, false, nil
	}
	var row struct {
		ID   string `db:"agent_id"`
		Name string `db:"name"`
	}
	err = s.readGet(ctx, &row, `SELECT agent_id, name FROM team_agents WHERE team = ?
		AND (LOWER(username) = ? OR LOWER(username) = ? OR LOWER(name) = ?) ORDER BY last_seen_at DESC LIMIT 1`,
		team, who, strings.TrimPrefix(who, "@"), who)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Agent{}, false, nil
	}
	if err != nil {
		return chat.Agent{}, false, unavailable("team agent", err)
	}
	return chat.Agent{ID: row.ID, Name: row.Name}, true, nil
}

// DueCloses lists open handoffs whose timed close is due by now, oldest
// first.
func (s *Store) DueCloses(ctx context.Context, now time.Time, limit int) ([]chat.TimedClose, error) {
	var rows []struct {
		ID        int64  `db:"id"`
		Team      string `db:"team"`
		State     string `db:"state"`
		ClaimedBy string `db:"claimed_by"`
		OwnerID   string `db:"claimed_by_id"`
		ClosesAt  int64  `db:"closes_at"`
		Name      string `db:"name"`
		Key       string `db:"conversation_key"`
		Priority  string `db:"priority"`
		CreatedAt int64  `db:"created_at"`
	}
	err := s.readSel(ctx, &rows, `SELECT h.id, h.team, h.state, h.claimed_by, h.claimed_by_id, h.closes_at, COALESCE(cu.name, '') AS name, c.conversation_key,
			h.priority, h.created_at
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE h.closes_at IS NOT NULL AND h.closes_at <= ? AND h.state IN ('waiting', 'claimed') ORDER BY h.closes_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, unavailable("due closes", err)
	}
	out := make([]chat.TimedClose, len(rows))
	for i, r := range rows {
		out[i] = chat.TimedClose{ID: r.ID, Team: r.Team, State: chat.HandoffState(r.State), ClaimedBy: chat.Agent{ID: r.OwnerID, Name: r.ClaimedBy},
			ClosesAt: fromMS(r.ClosesAt), Customer: r.Name, ConversationKey: r.Key, Priority: r.Priority, CreatedAt: fromMS(r.CreatedAt)}
	}
	return out, nil
}

// CloseTimed resolves a handoff whose timed close is due, giving the
// conversation back to the bot, and queues what the team is told, only if
// it is still as DueCloses read it: a customer's message meanwhile cancels
// the close (closed is then false).
// toCustomer are the customer's notices of the close (decided on customer,
// as an agent's close is), written with it.
func (s *Store) CloseTimed(ctx context.Context, h chat.TimedClose, notices []chat.Notice, customer chat.AgentState, toCustomer []chat.Send, now time.Time) (closed bool, err error) {
	closed, err = s.closeOnTimer(ctx, h.ID, notices, customer, toCustomer, now, `UPDATE handoffs SET state = 'resolved', closed_at = ?, closed_reason = 'agent', closes_at = NULL
		WHERE id = ? AND state = ? AND closes_at = ? RETURNING conversation_id`, ms(now), h.ID, h.State, ms(h.ClosesAt))
	if err != nil {
		return false, unavailable(fmt.Sprintf("close timed handoff %d", h.ID), err)
	}
	return closed, nil
}
