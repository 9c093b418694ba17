package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// batchApply writes the effects of several events with one multi-row
// statement per kind of row (check, mark done, customers, conversations,
// messages, decisions, outbox, reservations, decision actions), so a batch
// of n events costs about ten statements instead of ten per event. What
// only a few events have (a handoff, its notices, an incident) is written
// per event afterwards.
type batchApply struct {
	s     *Store
	tx    *sqlx.Tx
	ctx   context.Context
	now   time.Time
	items []*applyItem
	claim chat.SendClaim
	out   *applied
	// notices are the team-chat notices queued for the batch's events,
	// leased with the replies when due, so a handoff needs no claim of the
	// sender's own either.
	notices []queuedRow
}

// applied is what applying tells the caller besides each event's result;
// a rolled-back attempt starts a fresh one.
type applied struct {
	// leased are the replies leased to the caller's sender.
	leased []outboxRow
	// waiting are the chats of the messages queued that were not leased:
	// behind an unsent one, not due yet, or past the claim's Max.
	waiting []string
	// eventsWaiting is set when a conversation of the batch has its next
	// event waiting, not leased in events.
	eventsWaiting bool
	// events are the conversations' next events leased to the caller.
	events []chat.InboxEvent
}

// queuedRow is an outbox row written by the batch, and its chat.
type queuedRow struct {
	id   int64
	line string
	due  bool
}

// applyItem is one event of the batch as it is written.
type applyItem struct {
	idx        int // in the batch given to Apply
	fx         chat.Effects
	result     error // ErrAlreadyDone or ErrConflict: set aside, nothing written
	customerID int64
	convID     int64
	opened     bool // convID is a conversation this batch opened
	decisionID int64
	outboxIDs  []int64  // per plan.Sends
	answerIDs  []int64  // per plan.CallbackAnswers
	lost       []string // per plan.Sends: why its reservation could not be taken; "" when it holds
	sent       int
}

func (it *applyItem) ev() chat.Event { return it.fx.Event.Event }

// failure is a write that failed for one event of the batch; idx -1 means
// a multi-row statement failed, and Apply writes the batch event by event
// to find out which one.
type failure struct {
	idx int
	err error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// The rows batchApply writes, typed as the columns they fill.
var (
	// platform, bot, external_id, name, username, language, blocked, first_seen_at, last_seen_at
	customerRow = rowOf("TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "INTEGER", "BIGINT", "BIGINT")
	// conversation_key, platform, bot, chat_id, chat_type, customer_id, status, started_at,
	// last_customer_at, customer_messages, last_album, burst_sends
	openedConversationRow = rowOf("TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT", "BIGINT", "BIGINT", "INTEGER", "TEXT", "INTEGER", "BIGINT")
	// conversation_id, direction, inbox_id, kind, text, platform_message_id, created_at, media
	messageRow = rowOf("BIGINT", "TEXT", "BIGINT", "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT")
	// inbox_id, conversation_id, outcome, language, trace, created_at, msg_type, sentiment, sentiment_score
	decisionRow = rowOf("BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT", "TEXT", "DOUBLE PRECISION")
	// key, scope, outbox_id, expires_at, created_at
	reservationRow = rowOf("TEXT", "TEXT", "BIGINT", "BIGINT", "BIGINT")
	// decision_id, rule, action, outbox_id, suppressed, detail
	decisionActionRow = rowOf("BIGINT", "TEXT", "TEXT", "BIGINT", "TEXT", "TEXT")
)

// applyAll writes the effects of batch[idxs]. results get ErrAlreadyDone or
// ErrConflict for the events whose snapshot no longer holds; nothing of
// those is written. A *failure says which event failed, if one did.
func (s *Store) applyAll(ctx context.Context, tx *sqlx.Tx, batch []chat.Effects, idxs []int, results []error, now time.Time,
	claim chat.SendClaim, out *applied) error {
	b := &batchApply{s: s, tx: tx, ctx: ctx, now: now, claim: claim, out: out}
	for _, i := range idxs {
		results[i] = nil
		b.items = append(b.items, &applyItem{idx: i, fx: batch[i]})
	}
	steps := []func() error{b.check, b.markDone, b.customers, b.openConversations, b.messages, b.decisions, b.outbox,
		b.reservations, b.updateConversations, b.decisionActions}
	for _, step := range steps {
		if len(b.items) == 0 {
			return nil
		}
		if err := step(); err != nil {
			return &failure{idx: -1, err: err}
		}
		b.items = slices.DeleteFunc(b.items, func(it *applyItem) bool {
			if it.result != nil {
				results[it.idx] = it.result
				return true
			}
			return false
		})
	}
	for _, it := range b.items {
		p := &processing{s: s, tx: tx, ctx: ctx, ev: it.fx.Event, now: now, basis: it.fx.Basis, notices: &b.notices}
		if err := p.handoffEffects(it.fx.Plan, it.convID); err != nil {
			return &failure{idx: it.idx, err: err}
		}
		if err := p.collectEffects(it.fx.Plan, it.convID, it.customerID); err != nil {
			return &failure{idx: it.idx, err: err}
		}
	}
	if err := b.claimSends(); err != nil {
		return &failure{idx: -1, err: err}
	}
	return nil
}

// check sets aside the events whose conversation is no longer as their
// snapshot read it: an agent resolved it, or it was closed or opened
// meanwhile. On PostgreSQL the rows stay locked until the commit, so what
// was checked holds for the writes that follow.
func (b *batchApply) check() error {
	var keys []any
	for _, it := range b.items {
		if it.ev().ChatID != "" {
			keys = append(keys, it.ev().ConversationKey())
		}
	}
	if len(keys) == 0 {
		return nil
	}
	in, keys := b.s.in(keys)
	q := `SELECT id, conversation_key, status FROM conversations WHERE conversation_key IN (` + in + `) AND closed_at IS NULL ORDER BY id`
	if b.s.postgres {
		q += ` FOR NO KEY UPDATE`
	}
	var rows []struct {
		ID     int64  `db:"id"`
		Key    string `db:"conversation_key"`
		Status string `db:"status"`
	}
	if err := b.s.sel(b.ctx, b.tx, &rows, q, keys...); err != nil {
		return err
	}
	open := make(map[string]chat.ConversationBasis, len(rows))
	for _, r := range rows {
		open[r.Key] = chat.ConversationBasis{ID: r.ID, Status: chat.ConversationStatus(r.Status)}
	}
	var changed []any
	for _, it := range b.items {
		if it.ev().ChatID != "" && open[it.ev().ConversationKey()] != it.fx.Basis.Conversation.Basis {
			it.result = chat.ErrConflict
			changed = append(changed, it.fx.Event.ID)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	// An event that is done changed its conversation itself: it was
	// finished by another worker whose claim outlived ours, and is not to
	// be decided again.
	var done []int64
	in, changed = b.s.in(changed)
	if err := b.s.sel(b.ctx, b.tx, &done, `SELECT id FROM inbox WHERE id IN (`+in+`) AND state <> 'pending'`, changed...); err != nil {
		return err
	}
	for _, it := range b.items {
		if it.result != nil && slices.Contains(done, it.fx.Event.ID) {
			it.result = chat.ErrAlreadyDone
		}
	}
	return nil
}

// markDone marks the events done; one already done was finished by another
// worker whose claim outlived ours.
func (b *batchApply) markDone() error {
	ids := make([]any, 0, len(b.items))
	for _, it := range b.items {
		ids = append(ids, it.fx.Event.ID)
	}
	in, ids := b.s.in(ids)
	var rows []struct {
		ID   int64 `db:"id"`
		Next bool  `db:"next"`
	}
	// And whether each conversation's next event is waiting already, so
	// the event loop claims again only then (or when another event came).
	if err := b.s.sel(b.ctx, b.tx, &rows, markDoneQuery(in), append([]any{ms(b.now)}, ids...)...); err != nil {
		return err
	}
	done := make(map[int64]bool, len(rows))
	var followed []any
	for _, r := range rows {
		done[r.ID] = true
		if r.Next {
			followed = append(followed, r.ID)
		}
	}
	if len(followed) > 0 {
		leased, err := b.leaseNextEvents(followed)
		if err != nil {
			return err
		}
		// What was not leased (due later, someone else's, tried too often,
		// or not asked for) waits for a claim: let it be claimed.
		if len(leased) < len(followed) {
			b.out.eventsWaiting = true
			if err := b.s.unparkNext(b.ctx, b.tx, inboxLines, followed); err != nil {
				return err
			}
		}
	}
	for _, it := range b.items {
		if !done[it.fx.Event.ID] {
			it.result = chat.ErrAlreadyDone
		}
	}
	return nil
}

// leaseNextEvents leases to the claim's Events.Owner the events next in
// the conversations of the events done (ids), as far as a claim would hand
// them out, and keeps them for the caller (see chat.EventClaim). The
// checks are in the WHERE, not in CASEs: on PostgreSQL a row another
// replica is leasing at this moment is checked again once that is
// committed, and stays theirs.
func (b *batchApply) leaseNextEvents(ids []any) ([]chat.InboxEvent, error) {
	c := b.claim.Events
	if c.Owner == "" {
		return nil, nil
	}
	in, ids := b.s.in(ids)
	args := make([]any, 0, len(ids)+5)
	args = append(args, c.Owner, ms(c.Until))
	args = append(args, ids...)
	args = append(args, ms(b.now), ms(b.now), setAsideAt(c.Aside))
	var rows []claimedEvent
	if err := b.s.sel(b.ctx, b.tx, &rows, leaseNextQuery(in), b.s.plannedEachCall(args...)...); err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(x, y claimedEvent) int { return cmp.Compare(x.ID, y.ID) })
	events := make([]chat.InboxEvent, 0, len(rows))
	for _, r := range rows {
		ie, err := r.inboxEvent()
		if err != nil {
			return nil, fmt.Errorf("lease next events: %w", err)
		}
		events = append(events, ie)
	}
	b.out.events = append(b.out.events, events...)
	return events, nil
}

// leaseNextQuery is leaseNextEvents' statement, the ids of the events done
// in the list in. Its arguments: owner, the lease's end, the ids, now twice
// and the attempts at which a claim sets an event aside.
func leaseNextQuery(in string) string {
	return `UPDATE inbox SET waits = 0, claimed_by = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT ` + inboxLines.firstPending("h", "", "done.conversation_key") + `
			FROM inbox done WHERE done.id IN (` + in + `))
		  AND state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
		  AND attempts < ?
		RETURNING ` + claimedEventColumns
}

// markDoneQuery marks the events in the list in done, as of its one
// argument before them, and reads back which it marked and whether each
// one's conversation has another event pending.
func markDoneQuery(in string) string {
	return `UPDATE inbox SET state = 'done', done_at = ?, claimed_by = NULL, claimed_until = NULL
		WHERE id IN (` + in + `) AND state = 'pending'
		RETURNING id, ` + nextPendingEvent + ` AS next`
}

// blockedChange is what an event says of whether the customer can be
// reached: -1 nothing, 0 reachable (they wrote), 1 blocked the bot.
func blockedChange(k chat.Kind) int {
	switch {
	case k == chat.KindBlocked:
		return 1
	case k == chat.KindUnblocked, k.Decidable():
		// Writing again proves the customer can be reached again.
		return 0
	}
	return -1
}

// customers records who wrote, one statement for each kind of change to
// whether they can be reached (nearly always one: they wrote).
func (b *batchApply) customers() error {
	type key struct{ platform, bot, id string }
	for _, change := range []int{0, -1, 1} {
		rows := map[key]chat.Event{}
		var order []key
		for _, it := range b.items {
			ev := it.ev()
			if ev.Customer.ID == "" || blockedChange(ev.Kind) != change {
				continue
			}
			k := key{string(ev.Platform), ev.Bot, ev.Customer.ID}
			if _, seen := rows[k]; !seen {
				order = append(order, k)
			}
			rows[k] = ev // the latest name and language win
		}
		if len(order) == 0 {
			continue
		}
		args := make([]any, 0, 9*len(order))
		for _, k := range order {
			ev := rows[k]
			args = append(args, k.platform, k.bot, k.id, ev.Customer.Name, ev.Customer.Username, ev.Customer.Language,
				max(change, 0), ms(b.now), ms(b.now))
		}
		blocked, reason := `excluded.blocked`, `''`
		switch change {
		case -1:
			blocked, reason = `customers.blocked`, `customers.unreachable_reason`
		case 1:
			reason = `'blocked the bot'`
		}
		var ids []struct {
			ID       int64  `db:"id"`
			Platform string `db:"platform"`
			Bot      string `db:"bot"`
			External string `db:"external_id"`
		}
		source, args := b.s.rows(customerRow, len(order), args)
		if err := b.s.sel(b.ctx, b.tx, &ids, `INSERT INTO customers (platform, bot, external_id, name, username, language, blocked, first_seen_at, last_seen_at)
			`+source+`
			ON CONFLICT (platform, bot, external_id) DO UPDATE SET
				name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE customers.name END,
				username = CASE WHEN excluded.username <> '' THEN excluded.username ELSE customers.username END,
				language = CASE WHEN excluded.language <> '' THEN excluded.language ELSE customers.language END,
				blocked = `+blocked+`, unreachable_reason = `+reason+`,
				last_seen_at = excluded.last_seen_at
			RETURNING id, platform, bot, external_id`, args...); err != nil {
			return err
		}
		got := make(map[key]int64, len(ids))
		for _, r := range ids {
			got[key{r.Platform, r.Bot, r.External}] = r.ID
		}
		for _, it := range b.items {
			ev := it.ev()
			if id, ok := got[key{string(ev.Platform), ev.Bot, ev.Customer.ID}]; ok && ev.Customer.ID != "" && blockedChange(ev.Kind) == change {
				it.customerID = id
			}
		}
	}
	return nil
}

// openConversations files each event with its conversation: the open one,
// or a new one when the customer writes after the idle period (the old one
// is closed) or for the first time. An edit or a block does not reopen an
// idle conversation; it is filed with the old one.
func (b *batchApply) openConversations() error {
	var closing []any
	var opening []*applyItem
	for _, it := range b.items {
		ev, conv := it.ev(), it.fx.Basis.Conversation
		switch {
		case ev.ChatID == "":
		case !conv.New:
			it.convID = conv.Basis.ID
		case !ev.Kind.Decidable() && conv.Basis.ID != 0:
			it.convID = conv.Basis.ID
		default:
			if conv.Basis.ID != 0 {
				closing = append(closing, conv.Basis.ID)
			}
			opening = append(opening, it)
		}
	}
	if len(closing) > 0 {
		in, closing := b.s.in(closing)
		if _, err := b.s.exec(b.ctx, b.tx, `UPDATE conversations SET closed_at = ? WHERE id IN (`+in+`)`,
			append([]any{ms(b.now)}, closing...)...); err != nil {
			return err
		}
	}
	if len(opening) == 0 {
		return nil
	}
	args := make([]any, 0, 13*len(opening))
	for _, it := range opening {
		ev := it.ev()
		it.opened = true
		count, album, burst := 0, "", 0
		if ev.Kind.Decidable() {
			// Every reply counts towards the burst unless it loses its
			// reservation (then updateConversations corrects it).
			count, album, burst = 1, ev.AlbumID, len(it.fx.Plan.Sends)
		}
		// A person's word in the chat outlives the idle period.
		personAt := it.fx.Basis.Conversation.PersonAt
		if !it.fx.Plan.PersonAt.IsZero() {
			personAt = it.fx.Plan.PersonAt
		}
		args = append(args, ev.ConversationKey(), string(ev.Platform), ev.Bot, ev.ChatID, string(ev.ChatType), nullID(it.customerID),
			string(openingStatus(it.fx.Plan)), ms(b.now), ms(b.now), count, album, burst, nullMS(personAt))
	}
	var ids []struct {
		ID  int64  `db:"id"`
		Key string `db:"conversation_key"`
	}
	rows, args := b.s.rows(openedConversationRow, len(opening), args)
	if err := b.s.sel(b.ctx, b.tx, &ids, `INSERT INTO conversations (conversation_key, platform, bot, chat_id, chat_type, customer_id, status,
		started_at, last_customer_at, customer_messages, last_album, burst_sends, person_at) `+rows+`
		RETURNING id, conversation_key`, args...); err != nil {
		return err
	}
	byKey := make(map[string]int64, len(ids))
	for _, r := range ids {
		byKey[r.Key] = r.ID
	}
	for _, it := range opening {
		it.convID = byKey[it.ev().ConversationKey()]
	}
	return nil
}

// messages adds the customers' messages to their conversations' history.
func (b *batchApply) messages() error {
	var args []any
	n := 0
	for _, it := range b.items {
		if it.convID == 0 || it.fx.Plan.Repeats {
			continue
		}
		ev := it.ev()
		at := ev.Time
		if at.IsZero() {
			at = it.fx.Event.ReceivedAt
		}
		media, err := encodeMedia(ev.Media)
		if err != nil {
			return err
		}
		direction := "in"
		if !it.fx.Plan.PersonAt.IsZero() {
			direction = "out" // the brand's words, though they came in
		}
		args = append(args, it.convID, direction, it.fx.Event.ID, string(ev.Kind), ev.Text, ev.MessageID, ms(at), media)
		n++
	}
	if n == 0 {
		return nil
	}
	rows, args := b.s.rows(messageRow, n, args)
	_, err := b.s.exec(b.ctx, b.tx, `INSERT INTO messages (conversation_id, direction, inbox_id, kind, text, platform_message_id, created_at, media)
		`+rows, args...)
	return err
}

// decisions records each event's decision with its trace.
func (b *batchApply) decisions() error {
	args := make([]any, 0, 9*len(b.items))
	for _, it := range b.items {
		plan := it.fx.Plan
		args = append(args, it.fx.Event.ID, nullID(it.convID), string(plan.Outcome), plan.Language, nullString(string(plan.Trace)), ms(b.now),
			string(plan.Insight.Type), string(plan.Insight.Sentiment), plan.Insight.SentimentScore)
	}
	var ids []struct {
		ID    int64 `db:"id"`
		Inbox int64 `db:"inbox_id"`
	}
	rows, args := b.s.rows(decisionRow, len(b.items), args)
	if err := b.s.sel(b.ctx, b.tx, &ids, `INSERT INTO decisions (inbox_id, conversation_id, outcome, language, trace, created_at, msg_type, sentiment, sentiment_score)
		`+rows+` RETURNING id, inbox_id`, args...); err != nil {
		return err
	}
	byInbox := make(map[int64]int64, len(ids))
	for _, r := range ids {
		byInbox[r.Inbox] = r.ID
	}
	for _, it := range b.items {
		it.decisionID = byInbox[it.fx.Event.ID]
	}
	return nil
}

// outbox queues every reply and every answer to a button press or slash
// command, in one statement; each event's replies are matched to their
// ids in the order given.
func (b *batchApply) outbox() error {
	var msgs []newOutgoing
	for _, it := range b.items {
		ev := it.ev()
		it.outboxIDs = make([]int64, len(it.fx.Plan.Sends))
		it.answerIDs = make([]int64, len(it.fx.Plan.CallbackAnswers))
		it.lost = make([]string, len(it.fx.Plan.Sends))
		for _, snd := range it.fx.Plan.Sends {
			buttons, err := encodeButtons(snd.Buttons, strings.NewReplacer())
			if err != nil {
				return err
			}
			to := snd.To
			msgs = append(msgs, newOutgoing{
				conversationID: it.convID, inboxID: it.fx.Event.ID, platform: ev.Platform, bot: ev.Bot, chatID: to.ChatID,
				threadID: to.ThreadID, replyTo: to.ReplyTo, rule: snd.Rule, action: snd.Type, text: snd.Text,
				due: b.now, created: b.now, scope: ev.CustomerScope(), windowUntil: snd.WindowUntil,
				priority: chat.Priority(snd.Priority).Rank(), callbackID: to.CallbackID, buttons: buttons,
			})
		}
		for _, a := range it.fx.Plan.CallbackAnswers {
			msgs = append(msgs, callbackAnswer(ev, it.fx.Event.ID, a.ID, a.Text, b.now))
		}
	}
	ids, err := b.s.queueOutgoing(b.ctx, b.tx, msgs)
	if err != nil {
		return err
	}
	for _, it := range b.items {
		n := copy(it.outboxIDs, ids)
		ids = ids[n:]
		n = copy(it.answerIDs, ids)
		ids = ids[n:]
	}
	return nil
}

// reservations takes every reply's guard keys in one statement. A key is
// free when nobody holds it or its holder expired; the conditional upsert
// makes taking it atomic. A reply whose key another worker took between
// our read and now is not sent (that send is theirs to make): its row and
// the keys it did take are removed, and the suppression is recorded.
func (b *batchApply) reservations() error {
	type want struct {
		it   *applyItem
		send int
		res  chat.Reservation
	}
	var wants []want
	seen := map[string]bool{}
	for _, it := range b.items {
		for j, snd := range it.fx.Plan.Sends {
			for _, r := range snd.Reservations {
				if seen[r.Key] {
					// Two replies of one batch under one key: the first
					// one holds it.
					if it.lost[j] == "" {
						it.lost[j] = r.Reason
					}
					continue
				}
				seen[r.Key] = true
				wants = append(wants, want{it, j, r})
			}
		}
	}
	if len(wants) > 0 {
		args := make([]any, 0, 5*len(wants)+1)
		for _, w := range wants {
			args = append(args, w.res.Key, w.it.ev().CustomerScope(), w.it.outboxIDs[w.send], ms(w.res.Expires), ms(b.now))
		}
		rows, args := b.s.rows(reservationRow, len(wants), args)
		args = append(args, ms(b.now))
		var taken []string
		if err := b.s.sel(b.ctx, b.tx, &taken, `INSERT INTO guard_reservations (key, scope, outbox_id, expires_at, created_at)
			`+rows+`
			ON CONFLICT (key) DO UPDATE SET scope = excluded.scope, outbox_id = excluded.outbox_id,
				expires_at = excluded.expires_at, created_at = excluded.created_at
			WHERE guard_reservations.expires_at <= ? RETURNING key`, args...); err != nil {
			return err
		}
		got := make(map[string]bool, len(taken))
		for _, k := range taken {
			got[k] = true
		}
		for _, w := range wants {
			if !got[w.res.Key] && w.it.lost[w.send] == "" {
				w.it.lost[w.send] = w.res.Reason
			}
		}
	}
	var drop []any
	for _, it := range b.items {
		for j, reason := range it.lost {
			if reason == "" {
				it.sent++
				continue
			}
			drop = append(drop, it.outboxIDs[j])
			it.outboxIDs[j] = 0
			if cb := it.fx.Plan.Sends[j].To.CallbackID; cb != "" {
				// The interaction it was to answer still needs its answer.
				p := &processing{s: b.s, tx: b.tx, ctx: b.ctx, ev: it.fx.Event, now: b.now, notices: &b.notices}
				if err := p.answerCallback(cb); err != nil {
					return err
				}
			}
		}
	}
	if len(drop) == 0 {
		return nil
	}
	in, drop := b.s.in(drop)
	if _, err := b.s.exec(b.ctx, b.tx, `DELETE FROM guard_reservations WHERE outbox_id IN (`+in+`)`, drop...); err != nil {
		return err
	}
	_, err := b.s.exec(b.ctx, b.tx, `DELETE FROM outbox WHERE id IN (`+in+`)`, drop...)
	return err
}

// updateConversations records, for conversations that were open already,
// who answers them now and the customer's latest message, and for every
// conversation the burst the message belongs to: a burst's sends add up,
// a message that starts one starts at zero.
func (b *batchApply) updateConversations() error {
	var args []any
	n := 0
	for _, it := range b.items {
		ev, conv, plan := it.ev(), it.fx.Basis.Conversation, it.fx.Plan
		decidable := ev.Kind.Decidable()
		status, counted, burst := "", 0, -1 // burst: -1 keep, 0 start at sent, 1 add sent
		var at any
		person := nullMS(plan.PersonAt)
		switch {
		case it.convID == 0:
			continue
		case it.opened:
			if !decidable || it.sent == len(plan.Sends) {
				continue // inserted as it is
			}
			status, burst = string(openingStatus(plan)), 0 // a reply lost its reservation
		case conv.New && person != nil:
			status = string(conv.Basis.Status) // a person wrote in an idle conversation: only that changes
		case conv.New:
			continue // an edit or a block filed with an idle conversation changes nothing
		default:
			status = string(conv.Basis.Status)
			if plan.Handoff != nil {
				status = string(chat.StatusWaitingForHuman)
			}
			if decidable {
				counted, at, burst = 1, ms(b.now), 0
				if plan.ContinuesBurst {
					burst = 1
				}
			}
		}
		args = append(args, it.convID, status, counted, at, burst, it.sent, ev.AlbumID, person)
		n++
	}
	if n == 0 {
		return nil
	}
	rows, args := b.s.typedRows(n, args, "BIGINT", "TEXT", "INTEGER", "BIGINT", "INTEGER", "INTEGER", "TEXT", "BIGINT")
	_, err := b.s.exec(b.ctx, b.tx, `WITH v (id, status, counted, at, burst, sent, album, person) AS (`+rows+`)
		UPDATE conversations SET status = v.status,
			last_customer_at = COALESCE(v.at, conversations.last_customer_at),
			person_at = COALESCE(v.person, conversations.person_at),
			customer_messages = conversations.customer_messages + v.counted,
			burst_sends = CASE v.burst WHEN -1 THEN conversations.burst_sends WHEN 1 THEN conversations.burst_sends + v.sent ELSE v.sent END,
			last_album = CASE v.burst WHEN -1 THEN conversations.last_album ELSE v.album END
		FROM v WHERE conversations.id = v.id`, args...)
	return err
}

// openingStatus is who answers a conversation the event opens.
func openingStatus(plan chat.Plan) chat.ConversationStatus {
	if plan.Handoff != nil {
		return chat.StatusWaitingForHuman
	}
	return chat.StatusBot
}

// decisionActions records what each decision did: each reply with its
// outbox row or the reason it was held back, each tag or ignore, each
// suppression.
func (b *batchApply) decisionActions() error {
	var args []any
	n := 0
	row := func(decision int64, rule, action string, outbox int64, suppressed, detail string) {
		args = append(args, decision, rule, action, nullID(outbox), suppressed, detail)
		n++
	}
	for _, it := range b.items {
		plan := it.fx.Plan
		for j, snd := range plan.Sends {
			row(it.decisionID, snd.Rule, string(snd.Type), it.outboxIDs[j], it.lost[j], "")
		}
		for _, a := range plan.Recorded {
			row(it.decisionID, a.Rule, string(a.Type), 0, "", strings.Join(a.Tags, ","))
		}
		for _, sup := range plan.Suppressed {
			row(it.decisionID, sup.Rule, "", 0, sup.Reason, "")
		}
	}
	if n == 0 {
		return nil
	}
	rows, args := b.s.rows(decisionActionRow, n, args)
	_, err := b.s.exec(b.ctx, b.tx, `INSERT INTO decision_actions (decision_id, rule, action, outbox_id, suppressed, detail)
		`+rows, args...)
	return err
}

// claimSends leases the batch's replies to the caller's sender, up to the
// number it can send at once: each is due now and, unless an earlier
// message of its chat is still unsent, needs no claim of its own. The
// sender claims the rest as usual.
func (b *batchApply) claimSends() error {
	if b.claim.Owner == "" {
		return nil
	}
	var ids []any
	lines := map[int64]string{}
	asked := map[string]bool{} // a chat's second message waits for its first
	take := func(q queuedRow) {
		switch {
		case q.id == 0: // not queued: the guard held it back
		case q.due && !asked[q.line] && len(ids) < b.claim.Max-len(b.out.leased):
			ids = append(ids, q.id)
			lines[q.id], asked[q.line] = q.line, true
		default:
			b.out.waiting = append(b.out.waiting, q.line)
		}
	}
	for _, it := range b.items {
		ev := it.ev()
		for j, id := range it.outboxIDs {
			take(queuedRow{id: id, line: chat.ChatKey(ev.Platform, ev.Bot, it.fx.Plan.Sends[j].To.ChatID), due: true})
		}
		for j, id := range it.answerIDs {
			take(queuedRow{id: id, line: "callback/" + it.fx.Plan.CallbackAnswers[j].ID, due: true})
		}
	}
	for _, q := range b.notices {
		take(q)
	}
	if len(ids) == 0 {
		return nil
	}
	in, ids := b.s.in(ids)
	var rows []outboxRow
	if err := b.s.sel(b.ctx, b.tx, &rows, `UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1
		WHERE id IN (`+in+`) AND state = 'pending'
		  AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.state = 'pending' AND e.chat_key = outbox.chat_key AND e.id < outbox.id)
		RETURNING `+claimedColumns, append([]any{b.claim.Owner, ms(b.claim.Until)}, ids...)...); err != nil {
		return err
	}
	slices.SortFunc(rows, func(a, b outboxRow) int { return cmp.Compare(a.ID, b.ID) })
	b.out.leased = append(b.out.leased, rows...)
	for _, r := range rows {
		delete(lines, r.ID)
	}
	for _, l := range lines {
		b.out.waiting = append(b.out.waiting, l)
	}
	return nil
}
