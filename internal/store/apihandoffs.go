package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// HandoffFilter narrows a list of handoffs; zero fields do not narrow.
// Since and Until bound when the handoff was opened: [Since, Until).
type HandoffFilter struct {
	State    chat.HandoffState
	Team     string
	Priority string
	Since    time.Time
	Until    time.Time
	Limit    int
}

// HandoffRecord is a handoff as the HTTP API shows it: the open ones'
// summary, and who it is about and when it closed.
type HandoffRecord struct {
	OpenHandoffSummary
	// Customer is platform/bot/external_id, as `frontdesk forget
	// --customer` and the API's customer routes take it; empty when the
	// conversation names no customer.
	Customer string     `json:"customer"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// Tags are what agents labelled it with (/tag, the API).
	Tags []string `json:"tags"`
}

// HandoffDetail is one handoff with its conversation's messages.
type HandoffDetail struct {
	HandoffRecord
	Messages []ExportedMessage `json:"messages"`
}

const handoffRecordQuery = `SELECT h.id, h.state, h.priority, h.team, h.rule, c.platform, c.bot, c.chat_id,
		h.claimed_by, h.claimed_by_id, h.incident_id, h.created_at, h.due_at, h.claimed_at, h.closed_at,
		COALESCE(cu.external_id, '') AS customer_id, h.conversation_id, h.tags
	FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN customers cu ON cu.id = c.customer_id`

type handoffRecordRow struct {
	OpenHandoffSummary
	Created        int64  `db:"created_at"`
	Due            int64  `db:"due_at"`
	Claimed        *int64 `db:"claimed_at"`
	Closed         *int64 `db:"closed_at"`
	CustomerID     string `db:"customer_id"`
	ConversationID int64  `db:"conversation_id"`
	Tags           string `db:"tags"`
}

func (r handoffRecordRow) record() HandoffRecord {
	out := HandoffRecord{OpenHandoffSummary: r.OpenHandoffSummary, Tags: strings.Fields(r.Tags)}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	out.CreatedAt, out.DueAt = fromMS(r.Created), fromMS(r.Due)
	if r.Claimed != nil {
		at := fromMS(*r.Claimed)
		out.ClaimedAt = &at
	}
	if r.Closed != nil {
		at := fromMS(*r.Closed)
		out.ClosedAt = &at
	}
	if r.CustomerID != "" {
		out.Customer = r.Platform + "/" + r.Bot + "/" + r.CustomerID
	}
	return out
}

// Handoffs lists handoffs, newest first, narrowed by f.
func (s *Store) Handoffs(ctx context.Context, f HandoffFilter) ([]HandoffRecord, error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "h.state = ?"), append(args, string(f.State))
	}
	if f.Team != "" {
		where, args = append(where, "h.team = ?"), append(args, f.Team)
	}
	if f.Priority != "" {
		where, args = append(where, "h.priority = ?"), append(args, f.Priority)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "h.created_at >= ?"), append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "h.created_at < ?"), append(args, ms(f.Until))
	}
	q := handoffRecordQuery
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	var rows []handoffRecordRow
	if err := s.readSel(ctx, &rows, q+" ORDER BY h.id DESC LIMIT ?", append(args, max(f.Limit, 1))...); err != nil {
		return nil, unavailable("handoffs", err)
	}
	out := make([]HandoffRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

// HandoffWithMessages reads one handoff and its conversation's messages,
// oldest first; found is false when there is no such handoff.
func (s *Store) HandoffWithMessages(ctx context.Context, id int64) (d HandoffDetail, found bool, err error) {
	var r handoffRecordRow
	err = s.readGet(ctx, &r, handoffRecordQuery+" WHERE h.id = ?", id)
	if errors.Is(err, sql.ErrNoRows) {
		return HandoffDetail{}, false, nil
	}
	if err != nil {
		return HandoffDetail{}, false, unavailable("handoff", err)
	}
	var msgs []struct {
		Direction string `db:"direction"`
		Kind      string `db:"kind"`
		Text      string `db:"text"`
		CreatedAt int64  `db:"created_at"`
	}
	if err := s.readSel(ctx, &msgs, `SELECT direction, kind, text, created_at FROM messages WHERE conversation_id = ? ORDER BY id`, r.ConversationID); err != nil {
		return HandoffDetail{}, false, unavailable("handoff messages", err)
	}
	d = HandoffDetail{HandoffRecord: r.record(), Messages: make([]ExportedMessage, len(msgs))}
	for i, m := range msgs {
		d.Messages[i] = ExportedMessage{From: messageFrom(m.Direction, m.Kind), Kind: m.Kind, Text: m.Text, At: fromMS(m.CreatedAt)}
	}
	return d, true, nil
}

// HandoffTeam names the team a handoff belongs to; found is false when
// there is no such handoff.
func (s *Store) HandoffTeam(ctx context.Context, id int64) (team string, found bool, err error) {
	err = s.readGet(ctx, &team, `SELECT team FROM handoffs WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, unavailable("handoff team", err)
	}
	return team, true, nil
}
