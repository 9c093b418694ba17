package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ErrNoOpenHandoff means the conversation has no waiting or claimed handoff.
var ErrNoOpenHandoff = errors.New("no open handoff")

// Handoff is a conversation handed to people.
type Handoff struct {
	ID             int64             `db:"id"`
	ConversationID int64             `db:"conversation_id"`
	State          chat.HandoffState `db:"state"`
	Priority       string            `db:"priority"`
	Team           string            `db:"team"`
	Rule           string            `db:"rule"`
	CreatedAt      time.Time         `db:"-"`
	DueAt          time.Time         `db:"-"`
	ClaimedBy      string            `db:"claimed_by"`    // the owner's name, for display
	ClaimedByID    string            `db:"claimed_by_id"` // the owner's account; "" for a claim made before accounts were kept
	StepsDone      int               `db:"steps_done"`
}

type handoffRow struct {
	Handoff
	CreatedMS int64 `db:"created_at"`
	DueMS     int64 `db:"due_at"`
}

func (r handoffRow) handoff() Handoff {
	h := r.Handoff
	h.CreatedAt, h.DueAt = fromMS(r.CreatedMS), fromMS(r.DueMS)
	return h
}

// openHandoff starts a handoff for a conversation in the event's
// transaction, unless one is open already (a customer asking twice gets
// the same people, not a second queue entry). It returns the open one's id.
func (p *processing) openHandoff(convID int64, h *chat.Action, due time.Time, detailsAsked int, r chat.Route) (int64, error) {
	if convID == 0 {
		return 0, nil
	}
	if due.IsZero() {
		due = p.now
	}
	var overflowAt any // how it was routed, and its overflow timer
	if !r.OverflowAt.IsZero() && r.OverflowTeam != "" {
		overflowAt = ms(r.OverflowAt)
	}
	if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO handoffs (conversation_id, priority, team, rule, created_at, due_at, last_activity_at, details_asked,
			route_language, route_reason, out_of_hours, overflow_at, overflow_team)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id) WHERE state IN ('waiting', 'claimed') DO NOTHING`,
		convID, firstNonEmpty(h.Priority, "medium"), h.Team, h.Rule, ms(p.now), ms(due), ms(p.now), detailsAsked,
		r.Language, string(r.Reason), boolInt(r.OutOfHours), overflowAt, r.OverflowTeam); err != nil {
		return 0, err
	}
	var id int64
	err := p.s.get(p.ctx, p.tx, &id, `SELECT id FROM handoffs WHERE conversation_id = ? AND state IN ('waiting', 'claimed')`, convID)
	return id, err
}

func encodeButtons(rows [][]chat.Button, ids *strings.Replacer) (string, error) {
	if len(rows) == 0 {
		return "", nil
	}
	out := make([][]chat.Button, len(rows))
	for i, row := range rows {
		out[i] = make([]chat.Button, len(row))
		for j, b := range row {
			out[i][j] = chat.Button{Text: b.Text, Data: ids.Replace(b.Data), URL: b.URL}
		}
	}
	data, err := json.Marshal(out)
	return string(data), err
}

// OpenHandoff returns the conversation's waiting or claimed handoff.
func (s *Store) OpenHandoff(ctx context.Context, conversationID int64) (Handoff, error) {
	var r handoffRow
	err := s.readGet(ctx, &r, `SELECT id, conversation_id, state, priority, team, rule, created_at, due_at, claimed_by, claimed_by_id, steps_done
		FROM handoffs WHERE conversation_id = ? AND state IN ('waiting', 'claimed')`, conversationID)
	if errors.Is(err, sql.ErrNoRows) {
		return Handoff{}, ErrNoOpenHandoff
	}
	if err != nil {
		return Handoff{}, unavailable("open handoff", err)
	}
	return r.handoff(), nil
}

// ClaimHandoff makes agent the owner of a waiting handoff. Exactly one of
// several agents claiming at once succeeds; the others get ok false and the
// owner, to be told who has it.
func (s *Store) ClaimHandoff(ctx context.Context, handoffID int64, agent chat.Agent, now time.Time) (ok bool, owner chat.Agent, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, `UPDATE handoffs SET state = 'claimed', claimed_by = ?, claimed_by_id = ?, claimed_at = ?
			WHERE id = ? AND state = 'waiting'`, agent.Name, agent.ID, ms(now), handoffID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			ok, owner = true, agent
			return nil
		}
		var st struct {
			State     chat.HandoffState `db:"state"`
			ClaimedBy string            `db:"claimed_by"`
			OwnerID   string            `db:"claimed_by_id"`
		}
		if err := s.get(ctx, tx, &st, `SELECT state, claimed_by, claimed_by_id FROM handoffs WHERE id = ?`, handoffID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNoOpenHandoff
			}
			return err
		}
		if st.State != chat.HandoffClaimed {
			return fmt.Errorf("handoff %d is %s: %w", handoffID, st.State, ErrNoOpenHandoff)
		}
		owner = chat.Agent{ID: st.OwnerID, Name: st.ClaimedBy}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNoOpenHandoff) {
		err = unavailable("claim handoff", err)
	}
	return ok, owner, err
}

// CloseHandoff ends an open handoff as resolved or returned_to_bot and
// gives the conversation back to the bot.
func (s *Store) CloseHandoff(ctx context.Context, handoffID int64, state chat.HandoffState, now time.Time) error {
	if state != chat.HandoffResolved && state != chat.HandoffReturnedToBot {
		return fmt.Errorf("close handoff: %q is not a closing state", state)
	}
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var convID int64
		if err := s.get(ctx, tx, &convID, `UPDATE handoffs SET state = ?, closed_at = ?
			WHERE id = ? AND state IN ('waiting', 'claimed') RETURNING conversation_id`, state, ms(now), handoffID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNoOpenHandoff
			}
			return err
		}
		_, err := s.exec(ctx, tx, `UPDATE conversations SET status = 'bot' WHERE id = ?`, convID)
		return err
	})
	if err != nil && !errors.Is(err, ErrNoOpenHandoff) {
		err = unavailable("close handoff", err)
	}
	return err
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// DueHandoffs lists waiting handoffs due by now, oldest due first.
func (s *Store) DueHandoffs(ctx context.Context, now time.Time, limit int) ([]chat.DueHandoff, error) {
	var rows []struct {
		ID        int64  `db:"id"`
		Team      string `db:"team"`
		Priority  string `db:"priority"`
		DueAt     int64  `db:"due_at"`
		StepsDone int    `db:"steps_done"`
		Name      string `db:"name"`
	}
	err := s.readSel(ctx, &rows, `SELECT h.id, h.team, h.priority, h.due_at, h.steps_done, COALESCE(cu.name, '') AS name
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE h.state = 'waiting' AND h.due_at <= ? AND h.incident_id IS NULL ORDER BY h.due_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, unavailable("due handoffs", err)
	}
	out := make([]chat.DueHandoff, len(rows))
	for i, r := range rows {
		out[i] = chat.DueHandoff{ID: r.ID, Team: r.Team, Priority: r.Priority, DueAt: fromMS(r.DueAt), StepsDone: r.StepsDone, Customer: r.Name}
	}
	return out, nil
}

// TakeHandoffStep records that reminder or escalation number stepsDone+1
// was made and queues its notice, in one transaction. Only the first of
// several workers taking the same step succeeds (ok false for the rest),
// so each step is made once.
func (s *Store) TakeHandoffStep(ctx context.Context, handoffID int64, stepsDone int, notices []chat.Notice, now time.Time) (ok bool, err error) {
	ok, err = s.timerStep(ctx, handoffID, notices, now, `UPDATE handoffs SET steps_done = steps_done + 1
		WHERE id = ? AND state = 'waiting' AND steps_done = ?`, handoffID, stepsDone)
	return ok, unavailable("take handoff step", err)
}

// timerStep makes one step of a handoff's timers: a conditional update,
// and when it changed the row (only the first of several workers), its
// notices queued in the same transaction.
func (s *Store) timerStep(ctx context.Context, handoffID int64, notices []chat.Notice, now time.Time, update string, args ...any) (ok bool, err error) {
	err = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := s.exec(ctx, tx, update, args...)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return err
		}
		ok = true
		p := &processing{s: s, tx: tx, ctx: ctx, now: now}
		for _, n := range notices {
			if err := p.queueNotice(n, handoffID, 3); err != nil {
				return err
			}
		}
		return nil
	})
	return ok, err
}

// OpenHandoffSummary is a waiting or claimed handoff as an operator lists
// it: ids, no names or texts.
type OpenHandoffSummary struct {
	ID          int64             `json:"id" db:"id"`
	State       chat.HandoffState `json:"state" db:"state"`
	Priority    string            `json:"priority" db:"priority"`
	Team        string            `json:"team" db:"team"`
	Rule        string            `json:"rule" db:"rule"`
	Platform    string            `json:"platform" db:"platform"`
	Bot         string            `json:"bot" db:"bot"`
	ChatID      string            `json:"chat_id" db:"chat_id"`
	ClaimedBy   string            `json:"claimed_by,omitempty" db:"claimed_by"`       // the owner's name
	ClaimedByID string            `json:"claimed_by_id,omitempty" db:"claimed_by_id"` // the owner's account
	IncidentID  *int64            `json:"incident_id,omitempty" db:"incident_id"`
	CreatedAt   time.Time         `json:"created_at" db:"-"`
	DueAt       time.Time         `json:"due_at" db:"-"`
	ClaimedAt   *time.Time        `json:"claimed_at,omitempty" db:"-"`
}

// OpenHandoffs lists the waiting and claimed handoffs, the most overdue
// first.
func (s *Store) OpenHandoffs(ctx context.Context, limit int) ([]OpenHandoffSummary, error) {
	var rows []struct {
		OpenHandoffSummary
		Created int64  `db:"created_at"`
		Due     int64  `db:"due_at"`
		Claimed *int64 `db:"claimed_at"`
	}
	err := s.readSel(ctx, &rows, `SELECT h.id, h.state, h.priority, h.team, h.rule, c.platform, c.bot, c.chat_id,
			h.claimed_by, h.claimed_by_id, h.incident_id, h.created_at, h.due_at, h.claimed_at
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE h.state IN ('waiting', 'claimed') ORDER BY h.due_at, h.id LIMIT ?`, limit)
	if err != nil {
		return nil, unavailable("open handoffs", err)
	}
	out := make([]OpenHandoffSummary, len(rows))
	for i, r := range rows {
		out[i] = r.OpenHandoffSummary
		out[i].CreatedAt, out[i].DueAt = fromMS(r.Created), fromMS(r.Due)
		if r.Claimed != nil {
			at := fromMS(*r.Claimed)
			out[i].ClaimedAt = &at
		}
	}
	return out, nil
}
