package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// fileUnderIncident files a new handoff under an incident in the event's
// transaction. A new incident also takes in the waiting handoffs of its
// cause since plan.Since, and posts its notification; an open one counts
// the handoff and updates its notification (one pending edit at most:
// a burst of handoffs becomes one edit with the latest count).
func (p *processing) fileUnderIncident(plan chat.IncidentPlan, handoffID int64) error {
	id := plan.ID
	if id == 0 {
		err := p.s.get(p.ctx, p.tx, &id, `INSERT INTO incidents (team, cause, started_at, last_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (team, cause) WHERE state = 'open' DO NOTHING RETURNING id`, plan.Team, plan.Cause, ms(p.now), ms(p.now))
		switch {
		case err == nil:
			if _, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET incident_id = ?
				WHERE team = ? AND rule = ? AND created_at >= ? AND state = 'waiting' AND incident_id IS NULL`,
				id, plan.Team, plan.Cause, ms(plan.Since)); err != nil {
				return err
			}
			// It counts every handoff of the cause in the window, as its
			// notification says, claimed ones included.
			if _, err := p.s.exec(p.ctx, p.tx, `UPDATE incidents SET handoffs = ? WHERE id = ?`, plan.Handoffs, id); err != nil {
				return err
			}
			if err := p.queueWebhooks(plan, id); err != nil {
				return err
			}
			return p.queueNoticeFor(plan.Notice, 0, id, chat.ActionNotice, 3)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		// Another worker opened it meanwhile: decide again, to join it.
		return &lateConflict{}
	}
	if _, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET incident_id = ? WHERE id = ?`, id, handoffID); err != nil {
		return err
	}
	if err := p.queueWebhooks(plan, id); err != nil {
		return err
	}
	// The notice counts the handoffs the decision saw, plus this one:
	// another worker's handoff filed meanwhile means deciding again.
	// So does its status note: an update posted meanwhile means deciding
	// again, so the customer gets the newest status.
	res, err := p.s.exec(p.ctx, p.tx, `UPDATE incidents SET handoffs = handoffs + 1, last_at = ? WHERE id = ? AND handoffs = ? AND updates = ? AND state = 'open'`,
		ms(p.now), id, plan.Handoffs, plan.Updates)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return &lateConflict{}
	}
	return p.editIncidentNotice(plan.Notice, id)
}

// editIncidentNotice queues an edit of the incident's team notification to
// n, or rewrites the edit still pending: a burst of changes becomes one
// edit with the latest text.
func (p *processing) editIncidentNotice(n chat.Notice, id int64) error {
	buttons, err := encodeButtons(n.Buttons, strings.NewReplacer("{incident}", strconv.FormatInt(id, 10)))
	if err != nil {
		return err
	}
	res, err := p.s.exec(p.ctx, p.tx, `UPDATE outbox SET text = ?, buttons = ? WHERE incident_id = ? AND action = 'incident_edit'
		AND state = 'pending' AND claimed_until IS NULL`, n.Text, buttons, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	return p.queueNoticeFor(n, 0, id, chat.ActionIncidentEdit, 3)
}

func (p *processing) queueWebhooks(plan chat.IncidentPlan, incidentID int64) error {
	for _, n := range plan.Webhook {
		if err := p.queueNoticeFor(n, 0, incidentID, chat.ActionNotice, 3); err != nil {
			return err
		}
	}
	return nil
}

// Incident reads an incident as an agent's command on it is decided: its
// team, whether it is open, how many handoffs it counts, its owner and
// status, and the text of its team notification as last queued.
func (s *Store) Incident(ctx context.Context, incidentID int64) (chat.IncidentRead, error) {
	var r struct {
		Team     string `db:"team"`
		State    string `db:"state"`
		Handoffs int    `db:"handoffs"`
		OwnerID  string `db:"owner_id"`
		Owner    string `db:"owner"`
		Status   string `db:"status"`
		Updates  int    `db:"updates"`
		Notice   string `db:"notice"`
	}
	err := s.readGet(ctx, &r, `SELECT team, state, handoffs, owner_id, owner, status, updates,
			COALESCE((SELECT o.text FROM outbox o WHERE o.incident_id = incidents.id AND o.action IN ('notice', 'incident_edit')
				AND o.platform NOT IN ('webhook', 'discord_webhook') ORDER BY o.id DESC LIMIT 1), '') AS notice
		FROM incidents WHERE id = ?`, incidentID)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.IncidentRead{}, nil
	}
	if err != nil {
		return chat.IncidentRead{}, unavailable("read incident", err)
	}
	return chat.IncidentRead{Team: r.Team, Open: r.State == "open", Handoffs: r.Handoffs,
		Owner: chat.Agent{ID: r.OwnerID, Name: r.Owner}, Status: r.Status, Updates: r.Updates, Notice: r.Notice}, nil
}

// resolveIncident closes an incident as read (open, counting handoffs) and
// every open handoff filed under it, giving their conversations back to the
// bot.
func (s *Store) resolveIncident(ctx context.Context, tx *sqlx.Tx, incidentID int64, handoffs int, now time.Time) error {
	res, err := s.exec(ctx, tx, `UPDATE incidents SET state = 'resolved', closed_at = ? WHERE id = ? AND state = 'open' AND handoffs = ?`,
		ms(now), incidentID, handoffs)
	if err := changed(res, err); err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `UPDATE conversations SET status = 'bot' WHERE id IN (
		SELECT conversation_id FROM handoffs WHERE incident_id = ? AND state IN ('waiting', 'claimed'))`, incidentID); err != nil {
		return err
	}
	_, err = s.exec(ctx, tx, `UPDATE handoffs SET state = 'resolved', closed_at = ?, closed_reason = 'incident'
		WHERE incident_id = ? AND state IN ('waiting', 'claimed')`, ms(now), incidentID)
	return err
}

// IdleHandoffs lists claimed handoffs in which nobody has written since
// before idleSince, oldest first.
func (s *Store) IdleHandoffs(ctx context.Context, idleSince time.Time, limit int) ([]chat.IdleHandoff, error) {
	var rows []struct {
		ID        int64  `db:"id"`
		Team      string `db:"team"`
		State     string `db:"state"`
		ClaimedBy string `db:"claimed_by"`
		OwnerID   string `db:"claimed_by_id"`
		Last      int64  `db:"last_activity_at"`
		Name      string `db:"name"`
		Key       string `db:"conversation_key"`
	}
	err := s.readSel(ctx, &rows, `SELECT h.id, h.team, h.state, h.claimed_by, h.claimed_by_id, h.last_activity_at, COALESCE(cu.name, '') AS name, c.conversation_key
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE h.state = 'claimed' AND h.last_activity_at < ? ORDER BY h.last_activity_at LIMIT ?`, ms(idleSince), limit)
	if err != nil {
		return nil, unavailable("idle handoffs", err)
	}
	out := make([]chat.IdleHandoff, len(rows))
	for i, r := range rows {
		out[i] = chat.IdleHandoff{ID: r.ID, Team: r.Team, State: chat.HandoffState(r.State), ClaimedBy: chat.Agent{ID: r.OwnerID, Name: r.ClaimedBy}, LastActivity: fromMS(r.Last), Customer: r.Name, ConversationKey: r.Key}
	}
	return out, nil
}

// CloseIdleHandoff resolves an idle handoff, giving the conversation back
// to the bot, and queues what the team is told, only if it is still as
// IdleHandoffs read it: a message arriving meanwhile keeps it open
// (closed is then false).
func (s *Store) CloseIdleHandoff(ctx context.Context, h chat.IdleHandoff, notices []chat.Notice, now time.Time) (closed bool, err error) {
	closed, err = s.closeOnTimer(ctx, h.ID, notices, chat.AgentState{}, nil, now, `UPDATE handoffs SET state = 'resolved', closed_at = ?, closed_reason = 'timeout'
		WHERE id = ? AND state = 'claimed' AND last_activity_at = ? RETURNING conversation_id`, ms(now), h.ID, ms(h.LastActivity))
	if err != nil {
		return false, unavailable(fmt.Sprintf("close idle handoff %d", h.ID), err)
	}
	return closed, nil
}

// closeOnTimer closes a handoff a timer found due, in one transaction: the
// conditional update (close, returning the conversation) changes nothing
// when the handoff is no longer as the timer read it (closed false);
// otherwise the conversation goes back to the bot and the team is told.
func (s *Store) closeOnTimer(ctx context.Context, handoffID int64, notices []chat.Notice, customer chat.AgentState, toCustomer []chat.Send, now time.Time,
	update string, args ...any) (closed bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var convID int64
		err := s.get(ctx, tx, &convID, update, args...)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // written in, or closed, meanwhile
		}
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE conversations SET status = 'bot' WHERE id = ?`, convID); err != nil {
			return err
		}
		closed = true
		p := &processing{s: s, tx: tx, ctx: ctx, now: now}
		for _, n := range notices {
			if err := p.queueNotice(n, handoffID, 3); err != nil {
				return err
			}
		}
		return s.queueCustomerNotices(ctx, tx, chat.InboxEvent{}, customer, toCustomer, now)
	})
	return closed, err
}
