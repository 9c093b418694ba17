package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// linkEffects stores a public question's new link, or spends the one the
// event opened: spent or expired meanwhile (another replica, a double
// tap), the event is decided again and finds it so.
func (p *processing) linkEffects(plan chat.Plan) error {
	if l := plan.NewLink; l != nil {
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO public_links (token, platform, bot, customer_id, rule, team, priority, reply, question, language, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, l.Token, string(l.Platform), l.Bot, l.CustomerID, l.Rule, l.Team, l.Priority,
			l.Reply, l.Question, l.Language, ms(l.Created), ms(l.Expires)); err != nil {
			return err
		}
	}
	if plan.UseLink != "" {
		res, err := p.s.exec(p.ctx, p.tx, `UPDATE public_links SET used_at = ?, question = '', reply = '' WHERE token = ? AND used_at IS NULL AND expires_at > ?`,
			ms(p.now), plan.UseLink, ms(p.now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return &lateConflict{}
		}
	}
	return nil
}

// PublicLink reads a public question's link by its token, for the bot it
// was made by; nil when there is none.
func (s *Store) PublicLink(ctx context.Context, platform chat.Platform, bot, token string) (*chat.PublicLink, error) {
	var r struct {
		Token      string `db:"token"`
		CustomerID string `db:"customer_id"`
		Rule       string `db:"rule"`
		Team       string `db:"team"`
		Priority   string `db:"priority"`
		Reply      string `db:"reply"`
		Question   string `db:"question"`
		Language   string `db:"language"`
		Created    int64  `db:"created_at"`
		Expires    int64  `db:"expires_at"`
		Used       *int64 `db:"used_at"`
	}
	err := s.readGet(ctx, &r, `SELECT token, customer_id, rule, team, priority, reply, question, language, created_at, expires_at, used_at
		FROM public_links WHERE token = ? AND platform = ? AND bot = ?`, token, string(platform), bot)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("public link", err)
	}
	return &chat.PublicLink{Token: r.Token, Platform: platform, Bot: bot, CustomerID: r.CustomerID, Rule: r.Rule, Team: r.Team,
		Priority: r.Priority, Reply: r.Reply, Question: r.Question, Language: r.Language,
		Created: fromMS(r.Created), Expires: fromMS(r.Expires), Used: r.Used != nil}, nil
}

// OverflowHandoffs lists waiting handoffs whose overflow time has passed
// and that were not offered to their overflow team yet, oldest first.
func (s *Store) OverflowHandoffs(ctx context.Context, now time.Time, limit int) ([]chat.OverflowHandoff, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Team     string `db:"team"`
		To       string `db:"overflow_team"`
		Priority string `db:"priority"`
		Created  int64  `db:"created_at"`
		Due      int64  `db:"due_at"`
		Name     string `db:"name"`
		Key      string `db:"conversation_key"`
	}
	err := s.readSel(ctx, &rows, `SELECT h.id, h.team, h.overflow_team, h.priority, h.created_at, h.due_at, COALESCE(cu.name, '') AS name, c.conversation_key
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE h.state = 'waiting' AND h.overflowed_at IS NULL AND h.overflow_at <= ? AND h.incident_id IS NULL
		ORDER BY h.overflow_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, unavailable("overflow handoffs", err)
	}
	out := make([]chat.OverflowHandoff, len(rows))
	for i, r := range rows {
		out[i] = chat.OverflowHandoff{ID: r.ID, Team: r.Team, To: r.To, Priority: r.Priority, Created: fromMS(r.Created),
			DueAt: fromMS(r.Due), Customer: r.Name, Key: r.Key}
	}
	return out, nil
}

// TakeOverflow records that a waiting handoff was offered to its overflow
// team and queues the notices, in one transaction; only the first of
// several workers succeeds (ok false for the others), so it happens once.
func (s *Store) TakeOverflow(ctx context.Context, handoffID int64, notices []chat.Notice, now time.Time) (ok bool, err error) {
	ok, err = s.timerStep(ctx, handoffID, notices, now, `UPDATE handoffs SET overflowed_at = ? WHERE id = ? AND state = 'waiting' AND overflowed_at IS NULL`,
		ms(now), handoffID)
	return ok, unavailable("take overflow", err)
}
