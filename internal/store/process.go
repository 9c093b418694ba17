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

// ProcessEvent applies one claimed event in a single transaction: it loads
// the customer and conversation, asks decide for a plan, and records the
// customer, the conversation, the message, the decision and the outbox rows,
// marking the event done. Either all of it is committed or none.
// conversationIdle is how long a conversation may be silent before the
// customer's next message opens a new one. decide runs inside the
// transaction, so the state it sees cannot change under it.
func (s *Store) ProcessEvent(ctx context.Context, ie chat.InboxEvent, now time.Time, conversationIdle time.Duration, decide func(chat.State) (chat.Plan, error)) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.markEventDone(ctx, tx, ie.ID, now); err != nil {
			return err
		}
		p := &processing{s: s, tx: tx, ctx: ctx, ev: ie, now: now, idle: conversationIdle, skipGuard: s.skipGuardState}
		if err := p.loadState(); err != nil {
			return err
		}
		plan, err := decide(p.state)
		if err != nil {
			return &decideError{err}
		}
		return p.apply(plan)
	})
	var de *decideError
	if err == nil || errors.Is(err, chat.ErrAlreadyDone) || errors.As(err, &de) {
		return err
	}
	return unavailable("process event", err)
}

// markEventDone marks a claimed event done; chat.ErrAlreadyDone means
// another worker finished it first (its claim had expired).
func (s *Store) markEventDone(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	res, err := s.exec(ctx, tx, `UPDATE inbox SET state = 'done', done_at = ?, claimed_by = NULL, claimed_until = NULL
		WHERE id = ? AND state = 'pending'`, ms(now), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return chat.ErrAlreadyDone
	}
	return nil
}

// decideError keeps the decide function's own failures apart from database
// failures, which callers treat as "try again".
type decideError struct{ err error }

func (e *decideError) Error() string { return "decide: " + e.err.Error() }
func (e *decideError) Unwrap() error { return e.err }

type processing struct {
	s     *Store
	tx    *sqlx.Tx
	ctx   context.Context
	ev    chat.InboxEvent
	now   time.Time
	idle  time.Duration
	state chat.State

	customerID int64 // 0 when the event has no customer
	conv       *conversationRow
	convIsNew  bool
	skipGuard  bool
	// openIncidents is how many incidents are open, from loadGuard.
	openIncidents int
}

type conversationRow struct {
	ID               int64  `db:"id"`
	Status           string `db:"status"`
	StartedAt        int64  `db:"started_at"`
	LastCustomerAt   int64  `db:"last_customer_at"`
	CustomerMessages int    `db:"customer_messages"`
	LastAlbum        string `db:"last_album"`
	BurstSends       int    `db:"burst_sends"`
}

type customerRow struct {
	ID      int64 `db:"id"`
	Blocked bool  `db:"blocked"`
}

func (p *processing) loadState() error {
	ev := p.ev.Event
	p.state.Customer.New = true
	if ev.Customer.ID != "" {
		var c customerRow
		err := p.s.get(p.ctx, p.tx, &c, `SELECT id, blocked FROM customers WHERE platform = ? AND bot = ? AND external_id = ?`,
			string(ev.Platform), ev.Bot, ev.Customer.ID)
		switch {
		case err == nil:
			p.customerID = c.ID
			// A customer who writes has unblocked the bot, whatever an
			// earlier refused send recorded.
			p.state.Customer = chat.CustomerState{New: false, Blocked: c.Blocked && !ev.Kind.Decidable()}
			if err := p.loadCounts(); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	if ev.ChatID == "" {
		return nil
	}
	var c conversationRow
	err := p.s.get(p.ctx, p.tx, &c, `SELECT id, status, started_at, last_customer_at, customer_messages, last_album, burst_sends
		FROM conversations WHERE conversation_key = ? AND closed_at IS NULL`, ev.ConversationKey())
	switch {
	case err == nil:
		p.conv = &c
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if err := p.loadGuard(); err != nil {
		return err
	}
	if p.skipGuard || p.openIncidents > 0 {
		if err := p.loadIncidents(); err != nil {
			return err
		}
	}
	p.state.History = p.history
	p.state.RecentHandoffs = p.recentHandoffs
	idle := p.conv != nil && p.now.Sub(fromMS(p.conv.LastCustomerAt)) >= p.idle
	if p.conv == nil || idle {
		p.convIsNew = true
		p.state.Conversation = chat.Conversation{New: true, Status: chat.StatusBot, Started: p.now}
		return nil
	}
	p.state.Conversation = chat.Conversation{
		ID:               c.ID,
		Status:           chat.ConversationStatus(c.Status),
		Started:          fromMS(c.StartedAt),
		CustomerMessages: c.CustomerMessages,
		LastCustomerAt:   fromMS(c.LastCustomerAt),
		LastAlbum:        c.LastAlbum,
		BurstSends:       c.BurstSends,
	}
	if c.Status == string(chat.StatusWaitingForHuman) {
		var h struct {
			ID         int64  `db:"id"`
			Team       string `db:"team"`
			State      string `db:"state"`
			ClaimedBy  string `db:"claimed_by"`
			IncidentID *int64 `db:"incident_id"`
		}
		err := p.s.get(p.ctx, p.tx, &h, `SELECT id, team, state, claimed_by, incident_id FROM handoffs
			WHERE conversation_id = ? AND state IN ('waiting', 'claimed')`, c.ID)
		switch {
		case err == nil:
			p.state.Conversation.Handoff = &chat.OpenHandoff{ID: h.ID, Team: h.Team, State: h.State, ClaimedBy: h.ClaimedBy}
			if h.IncidentID != nil {
				p.state.Conversation.Handoff.IncidentID = *h.IncidentID
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	return nil
}

// loadIncidents reads the open incidents, which rules may mention. There
// are few, and the partial index holds only open ones.
func (p *processing) loadIncidents() error {
	var rows []struct {
		ID       int64  `db:"id"`
		Team     string `db:"team"`
		Cause    string `db:"cause"`
		Handoffs int    `db:"handoffs"`
		Started  int64  `db:"started_at"`
	}
	if err := p.s.sel(p.ctx, p.tx, &rows, `SELECT id, team, cause, handoffs, started_at FROM incidents WHERE state = 'open'`); err != nil {
		return err
	}
	for _, r := range rows {
		p.state.Incidents = append(p.state.Incidents, chat.Incident{ID: r.ID, Team: r.Team, Cause: r.Cause, Handoffs: r.Handoffs, Started: fromMS(r.Started)})
	}
	return nil
}

// recentHandoffs counts a team's handoffs with a cause since a moment,
// leaving out those before the cause's last incident was resolved: they
// were dealt with, and must not reopen it with the next handoff.
func (p *processing) recentHandoffs(team, cause string, since time.Time) (int, error) {
	var n int
	err := p.s.get(p.ctx, p.tx, &n, `SELECT COUNT(*) FROM handoffs WHERE team = ? AND rule = ? AND created_at >= ?
		AND created_at >= COALESCE((SELECT MAX(closed_at) FROM incidents WHERE team = ? AND cause = ?), 0)`, team, cause, ms(since), team, cause)
	return n, err
}

// history loads the conversation's last n messages inside the event's
// transaction, for handoff notifications.
func (p *processing) history(n int) ([]chat.HistoryEntry, error) {
	if p.conv == nil || p.convIsNew {
		return nil, nil
	}
	var rows []struct {
		Direction string `db:"direction"`
		Kind      string `db:"kind"`
		Text      string `db:"text"`
		CreatedAt int64  `db:"created_at"`
	}
	err := p.s.sel(p.ctx, p.tx, &rows, `SELECT direction, kind, text, created_at FROM (
			SELECT id, direction, kind, text, created_at FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?
		) AS recent ORDER BY id`, p.conv.ID, n)
	out := make([]chat.HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = chat.HistoryEntry{Direction: r.Direction, Kind: r.Kind, Text: r.Text, At: fromMS(r.CreatedAt)}
	}
	return out, err
}

// queueNotice puts a message to a team chat in the outbox, tied to the
// handoff; "{handoff}" in its buttons' data becomes the handoff's id.
func (p *processing) queueNotice(n chat.Notice, handoffID int64, prio int) error {
	return p.queueNoticeFor(n, handoffID, 0, "notice", prio)
}

// queueNoticeFor queues a team-chat message of a handoff or an incident;
// "{handoff}" and "{incident}" in its buttons' data (and in a webhook
// event's JSON) become their ids.
func (p *processing) queueNoticeFor(n chat.Notice, handoffID, incidentID int64, action string, prio int) error {
	ids := strings.NewReplacer("{handoff}", strconv.FormatInt(handoffID, 10), "{incident}", strconv.FormatInt(incidentID, 10))
	buttons, err := encodeButtons(n.Buttons, ids)
	if err != nil {
		return err
	}
	text := n.Text
	if n.Platform == chat.Webhook {
		text = ids.Replace(text)
	}
	_, err = p.s.exec(p.ctx, p.tx, `INSERT INTO outbox (inbox_id, platform, bot, chat_id, chat_key, rule, action, text,
		next_attempt_at, created_at, priority, buttons, handoff_id, incident_id, topic_key, topic_name)
		VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullID(p.ev.ID), string(n.Platform), n.Bot, n.ChatID, chat.ChatKey(n.Platform, n.Bot, n.ChatID), action, text,
		ms(p.now), ms(p.now), prio, buttons, nullID(handoffID), nullID(incidentID), n.TopicKey, n.TopicName)
	return err
}

// scope is the customer as the guard keys it.
func (p *processing) scope() string {
	ev := p.ev.Event
	id := ev.Customer.ID
	if id == "" {
		id = "chat:" + ev.ChatID
	}
	return string(ev.Platform) + "/" + ev.Bot + "/" + id
}

// loadGuard reads what the frequency guard decides from: the keys taken
// for this customer and how many messages the bot sent them in the last
// hour. Inside the event's transaction this is consistent; the keys'
// uniqueness is the backstop where it is not.
func (p *processing) loadGuard() error {
	if p.skipGuard {
		return nil
	}
	// One statement for both: each costs tens of microseconds here.
	var g struct {
		Keys      sql.NullString `db:"keys"`
		Sent      int            `db:"sent"`
		Incidents int            `db:"incidents"`
	}
	// Open incidents are counted here too: there are seldom any, and then
	// loading them costs no statement of its own.
	err := p.s.get(p.ctx, p.tx, &g, `SELECT
			(SELECT group_concat(key, char(10)) FROM guard_reservations WHERE scope = ? AND expires_at > ?) AS keys,
			(SELECT COUNT(*) FROM outbox WHERE scope = ? AND created_at > ? AND state <> 'failed') AS sent,
			(SELECT COUNT(*) FROM incidents WHERE state = 'open') AS incidents`,
		p.scope(), ms(p.now), p.scope(), ms(p.now.Add(-time.Hour)))
	if err != nil {
		return err
	}
	p.openIncidents = g.Incidents
	p.state.Customer.SentLastHour = g.Sent
	p.state.Customer.Reserved = map[string]bool{}
	if g.Keys.Valid {
		for _, k := range strings.Split(g.Keys.String, "\n") {
			p.state.Customer.Reserved[k] = true
		}
	}
	return nil
}

// loadCounts counts the customer's recent messages, across conversations.
func (p *processing) loadCounts() error {
	var c struct {
		H1  int `db:"h1"`
		H24 int `db:"h24"`
	}
	err := p.s.get(p.ctx, p.tx, &c, `SELECT
			COALESCE(SUM(CASE WHEN m.created_at >= ? THEN 1 ELSE 0 END), 0) AS h1,
			COUNT(*) AS h24
		FROM conversations c JOIN messages m ON m.conversation_id = c.id
		WHERE c.customer_id = ? AND m.direction = 'in' AND m.created_at >= ?`,
		ms(p.now.Add(-time.Hour)), p.customerID, ms(p.now.Add(-24*time.Hour)))
	if err != nil {
		return err
	}
	p.state.Customer.Messages1h, p.state.Customer.Messages24h = c.H1, c.H24
	return nil
}

func (p *processing) apply(plan chat.Plan) error {
	if err := p.saveCustomer(); err != nil {
		return fmt.Errorf("save customer: %w", err)
	}
	convID, err := p.saveConversation(plan)
	if err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	ev := p.ev.Event
	if convID != 0 {
		at := ev.Time
		if at.IsZero() {
			at = p.ev.ReceivedAt
		}
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO messages (conversation_id, direction, inbox_id, kind, text, platform_message_id, created_at)
			VALUES (?, 'in', ?, ?, ?, ?, ?)`, convID, p.ev.ID, string(ev.Kind), ev.Text, ev.MessageID, ms(at)); err != nil {
			return fmt.Errorf("save message: %w", err)
		}
	}
	var decisionID int64
	err = p.s.get(p.ctx, p.tx, &decisionID, `INSERT INTO decisions (inbox_id, conversation_id, outcome, language, trace, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, p.ev.ID, nullID(convID), string(plan.Outcome), plan.Language, nullString(string(plan.Trace)), ms(p.now))
	if err != nil {
		return fmt.Errorf("save decision: %w", err)
	}
	sent := 0
	// A Discord slash command was answered "thinking…"; the first reply
	// replaces that through the interaction's token.
	interaction := ""
	if ev.Platform == chat.Discord && ev.Kind == chat.KindCommand && ev.CallbackID != "" {
		interaction = ev.CallbackID
	}
	for _, snd := range plan.Sends {
		chatID, threadID, replyTo, callback := ev.ChatID, ev.ThreadID, "", interaction
		if ev.ChatType != chat.ChatPrivate {
			// In a group, quote the customer's message so it is clear whom the bot answers.
			replyTo = ev.MessageID
		}
		if snd.Private && ev.ChatType != chat.ChatPrivate && ev.Platform == chat.Discord && ev.Customer.ID != "" {
			// Personal matters leave the public channel (D12). Telegram
			// bots cannot open a chat with someone who never wrote to them,
			// so there the reply stays where it was asked.
			chatID, threadID, replyTo, callback = chat.DirectMessagePrefix+ev.Customer.ID, "", "", ""
		}
		buttons, err := encodeButtons(snd.Buttons, strings.NewReplacer())
		if err != nil {
			return fmt.Errorf("queue reply: %w", err)
		}
		var outboxID int64
		err = p.s.get(p.ctx, p.tx, &outboxID, `INSERT INTO outbox (conversation_id, inbox_id, platform, bot, chat_id, chat_key, thread_id, reply_to,
			rule, action, text, next_attempt_at, created_at, scope, window_until, priority, callback_id, buttons)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			nullID(convID), p.ev.ID, string(ev.Platform), ev.Bot, chatID, chat.ChatKey(ev.Platform, ev.Bot, chatID), threadID, replyTo,
			snd.Rule, string(snd.Type), snd.Text, ms(p.now), ms(p.now), p.scope(), msOrZero(snd.WindowUntil), priority(snd.Priority), callback, buttons)
		if err != nil {
			return fmt.Errorf("queue reply: %w", err)
		}
		if reason, err := p.reserve(snd, outboxID); err != nil {
			return fmt.Errorf("reserve: %w", err)
		} else if reason != "" {
			// Another worker took a key between our read and now: this
			// send is theirs to make.
			if _, err := p.s.exec(p.ctx, p.tx, `DELETE FROM outbox WHERE id = ?`, outboxID); err != nil {
				return fmt.Errorf("reserve: %w", err)
			}
			if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, suppressed) VALUES (?, ?, ?, ?)`,
				decisionID, snd.Rule, string(snd.Type), reason); err != nil {
				return fmt.Errorf("save decision: %w", err)
			}
			continue
		}
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, outbox_id) VALUES (?, ?, ?, ?)`,
			decisionID, snd.Rule, string(snd.Type), outboxID); err != nil {
			return fmt.Errorf("save decision: %w", err)
		}
		sent++
		if callback != "" {
			interaction = ""
		}
	}
	if ev.Platform == chat.Telegram && ev.Kind == chat.KindCallback && ev.CallbackID != "" {
		// A customer pressed a button: Telegram shows a spinner until the
		// press is answered, whatever the bot says in the chat.
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO outbox (inbox_id, platform, bot, chat_id, chat_key, action, text, next_attempt_at, created_at, priority, callback_id)
			VALUES (?, ?, ?, ?, ?, 'callback_answer', '', ?, ?, 3, ?)`, p.ev.ID, string(ev.Platform), ev.Bot, ev.ChatID,
			"callback/"+ev.CallbackID, ms(p.now), ms(p.now), ev.CallbackID); err != nil {
			return fmt.Errorf("answer button: %w", err)
		}
	}
	if interaction != "" {
		// Nothing to say: take the "thinking…" away rather than leave it
		// until Discord reports that the application did not respond.
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO outbox (inbox_id, platform, bot, chat_id, chat_key, action, text, next_attempt_at, created_at, priority, callback_id)
			VALUES (?, ?, ?, ?, ?, 'callback_answer', '', ?, ?, 3, ?)`, p.ev.ID, string(ev.Platform), ev.Bot, ev.ChatID,
			"callback/"+interaction, ms(p.now), ms(p.now), interaction); err != nil {
			return fmt.Errorf("end interaction: %w", err)
		}
	}
	var handoffID int64
	prio := 0
	switch {
	case plan.Handoff != nil:
		if handoffID, err = p.openHandoff(convID, plan.Handoff, plan.HandoffDue); err != nil {
			return fmt.Errorf("open handoff: %w", err)
		}
		prio = priority(plan.Handoff.Priority)
	case p.state.Conversation.Handoff != nil:
		// The customer writes while people own the conversation: their
		// messages go to the team chat, tied to the same handoff.
		handoffID = p.state.Conversation.Handoff.ID
		if ev.Kind.Decidable() {
			if _, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET last_activity_at = ? WHERE id = ?`, ms(p.now), handoffID); err != nil {
				return fmt.Errorf("handoff activity: %w", err)
			}
		}
	}
	if handoffID != 0 {
		for _, n := range plan.Notices {
			if err := p.queueNotice(n, handoffID, prio); err != nil {
				return fmt.Errorf("queue notice: %w", err)
			}
		}
		if plan.Incident != nil && plan.Handoff != nil {
			if err := p.fileUnderIncident(*plan.Incident, handoffID); err != nil {
				return fmt.Errorf("incident: %w", err)
			}
		}
	}
	if err := p.saveBurst(convID, sent, plan.ContinuesBurst); err != nil {
		return fmt.Errorf("save burst: %w", err)
	}
	for _, a := range plan.Recorded {
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, detail) VALUES (?, ?, ?, ?)`,
			decisionID, a.Rule, string(a.Type), strings.Join(a.Tags, ",")); err != nil {
			return fmt.Errorf("save decision: %w", err)
		}
	}
	for _, sup := range plan.Suppressed {
		if _, err := p.s.exec(p.ctx, p.tx, `INSERT INTO decision_actions (decision_id, rule, action, suppressed) VALUES (?, ?, ?, ?)`,
			decisionID, sup.Rule, "", sup.Reason); err != nil {
			return fmt.Errorf("save decision: %w", err)
		}
	}
	return nil
}

// reserve takes a send's keys for outboxID in one statement. A key is free
// when nobody holds it or its holder expired; the conditional upsert makes
// taking it atomic. If any key is held, the ones just taken are given back
// and the held key's reason is returned.
func (p *processing) reserve(snd chat.Send, outboxID int64) (reason string, err error) {
	if len(snd.Reservations) == 0 {
		return "", nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO guard_reservations (key, scope, outbox_id, expires_at, created_at) VALUES `)
	args := make([]any, 0, 5*len(snd.Reservations)+1)
	for i, r := range snd.Reservations {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, r.Key, p.scope(), outboxID, ms(r.Expires), ms(p.now))
	}
	q.WriteString(` ON CONFLICT (key) DO UPDATE SET scope = excluded.scope, outbox_id = excluded.outbox_id,
		expires_at = excluded.expires_at, created_at = excluded.created_at
		WHERE guard_reservations.expires_at <= ? RETURNING key`)
	args = append(args, ms(p.now))
	var taken []string
	if err := p.s.sel(p.ctx, p.tx, &taken, q.String(), args...); err != nil {
		return "", err
	}
	if len(taken) == len(snd.Reservations) {
		return "", nil
	}
	got := map[string]bool{}
	for _, k := range taken {
		got[k] = true
	}
	for _, r := range snd.Reservations {
		if !got[r.Key] {
			reason = r.Reason
			break
		}
	}
	_, err = p.s.exec(p.ctx, p.tx, `DELETE FROM guard_reservations WHERE scope = ? AND outbox_id = ?`, p.scope(), outboxID)
	return reason, err
}

// saveBurst remembers the message for burst detection: a burst's sends
// accumulate, a new message that is not part of one starts at zero.
func (p *processing) saveBurst(convID int64, sent int, inBurst bool) error {
	ev := p.ev.Event
	if convID == 0 || !ev.Kind.Decidable() {
		return nil
	}
	set := `burst_sends = ?, last_album = ?`
	if inBurst {
		set = `burst_sends = burst_sends + ?, last_album = ?`
	}
	_, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET `+set+` WHERE id = ?`, sent, ev.AlbumID, convID)
	return err
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// priority orders sends under a burst: urgent handoffs first, each level
// worth a minute of waiting (see migration 00006), so nothing starves.
func priority(p string) int {
	switch p {
	case "critical":
		return 3
	case "high":
		return 2
	case "medium":
		return 1
	}
	return 0
}

func (p *processing) saveCustomer() error {
	ev := p.ev.Event
	if ev.Customer.ID == "" {
		return nil
	}
	blocked := -1 // keep
	switch ev.Kind {
	case chat.KindBlocked:
		blocked = 1
	case chat.KindUnblocked:
		blocked = 0
	default:
		if ev.Kind.Decidable() {
			// Writing again proves the customer can be reached again.
			blocked = 0
		}
	}
	return p.s.get(p.ctx, p.tx, &p.customerID, `INSERT INTO customers (platform, bot, external_id, name, username, language, blocked, first_seen_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, bot, external_id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE customers.name END,
			username = CASE WHEN excluded.username <> '' THEN excluded.username ELSE customers.username END,
			language = CASE WHEN excluded.language <> '' THEN excluded.language ELSE customers.language END,
			blocked = CASE WHEN ? < 0 THEN customers.blocked ELSE excluded.blocked END,
			unreachable_reason = CASE WHEN ? < 0 THEN customers.unreachable_reason WHEN ? = 1 THEN 'blocked the bot' ELSE '' END,
			last_seen_at = excluded.last_seen_at
		RETURNING id`,
		string(ev.Platform), ev.Bot, ev.Customer.ID, ev.Customer.Name, ev.Customer.Username, ev.Customer.Language,
		max(blocked, 0), ms(p.now), ms(p.now), blocked, blocked, blocked)
}

func (p *processing) saveConversation(plan chat.Plan) (int64, error) {
	ev := p.ev.Event
	if ev.ChatID == "" {
		return 0, nil
	}
	customerMsg := ev.Kind.Decidable()
	if !p.convIsNew {
		status := p.conv.Status
		if plan.Handoff != nil {
			status = string(chat.StatusWaitingForHuman)
		}
		set := `status = ?`
		args := []any{status}
		if customerMsg {
			set += `, last_customer_at = ?, customer_messages = customer_messages + 1`
			args = append(args, ms(p.now))
		}
		args = append(args, p.conv.ID)
		_, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET `+set+` WHERE id = ?`, args...)
		return p.conv.ID, err
	}
	if !customerMsg && p.conv != nil {
		// An edit or a block does not reopen an idle conversation; file it with the old one.
		return p.conv.ID, nil
	}
	if p.conv != nil {
		if _, err := p.s.exec(p.ctx, p.tx, `UPDATE conversations SET closed_at = ? WHERE id = ?`, ms(p.now), p.conv.ID); err != nil {
			return 0, err
		}
	}
	status := chat.StatusBot
	if plan.Handoff != nil {
		status = chat.StatusWaitingForHuman
	}
	count := 0
	if customerMsg {
		count = 1
	}
	var id int64
	err := p.s.get(p.ctx, p.tx, &id, `INSERT INTO conversations (conversation_key, platform, bot, chat_id, chat_type, customer_id, status,
		started_at, last_customer_at, customer_messages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ev.ConversationKey(), string(ev.Platform), ev.Bot, ev.ChatID, string(ev.ChatType), nullID(p.customerID), string(status),
		ms(p.now), ms(p.now), count)
	return id, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
