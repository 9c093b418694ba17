package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Apply writes the effects of a batch of decided events in one
// transaction, as given: it decides nothing. Each event's effects are
// written only if its snapshot still holds, checked in the same statement
// that marks the event done; the answer for each event is nil,
// chat.ErrAlreadyDone (another worker finished it first: drop the result)
// or chat.ErrConflict (decide it again on fresh state), or the failure of
// that event alone. One event whose writes fail costs only itself: the
// transaction is rolled back and the batch written again without it. err
// is for the batch as a whole (the database is unavailable).
func (s *Store) Apply(ctx context.Context, batch []chat.Effects, now time.Time) (results []error, err error) {
	results, _, err = s.ApplyAndClaim(ctx, batch, now, chat.SendClaim{})
	return results, err
}

// ApplyAndClaim is Apply, and in the same transaction leases the replies,
// button answers and notices it queued as claim asks, returning them to be
// sent at once, with the chats of those it queued and could not lease.
func (s *Store) ApplyAndClaim(ctx context.Context, batch []chat.Effects, now time.Time, claim chat.SendClaim) (results []error, leased chat.Leased, err error) {
	results = make([]error, len(batch))
	todo := make([]int, len(batch))
	for i := range todo {
		todo[i] = i
	}
	// A failure that follows the batch from event to event is the
	// database's, not an event's: give up after a few.
	oneByOne := false
	for excluded := 0; len(todo) > 0; excluded++ {
		var fail *failure
		var out applied // of this attempt; a rollback forgets it
		err := s.inTxAs(ctx, partApply, func(ctx context.Context, tx *sqlx.Tx) error {
			if !oneByOne {
				err := s.applyAll(ctx, tx, batch, todo, results, now, claim, &out)
				errors.As(err, &fail)
				return err
			}
			// A multi-row statement failed: find the event it was.
			for _, i := range todo {
				if err := s.applyAll(ctx, tx, batch, []int{i}, results, now, claim, &out); err != nil {
					if errors.As(err, &fail) {
						fail.idx = i
					}
					return err
				}
			}
			return nil
		})
		if err == nil {
			sends, err := outgoing(out.leased)
			slices.Sort(out.waiting)
			return results, chat.Leased{Sends: sends, Waiting: slices.Compact(out.waiting), EventsWaiting: out.eventsWaiting,
				Events: out.events}, err
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || fail == nil || excluded >= maxExcluded {
			return nil, chat.Leased{}, unavailable("apply effects", err)
		}
		if fail.idx < 0 {
			if oneByOne || len(todo) == 1 {
				return nil, chat.Leased{}, unavailable("apply effects", err)
			}
			oneByOne, excluded = true, excluded-1
			continue
		}
		results[fail.idx] = fmt.Errorf("apply event %d: %w", batch[fail.idx].Event.ID, fail.err)
		if late := (*lateConflict)(nil); errors.As(fail.err, &late) {
			results[fail.idx], excluded = chat.ErrConflict, excluded-1 // the database is fine
		}
		todo = slices.DeleteFunc(todo, func(i int) bool { return i == fail.idx })
	}
	return results, chat.Leased{}, nil
}

// lateConflict is a conflict found after some of an event's effects were
// written (an incident's count moved): the batch is written again without
// the event, which is decided again.
type lateConflict struct{}

func (*lateConflict) Error() string { return "state changed since it was read" }
func (*lateConflict) Unwrap() error { return chat.ErrConflict }

// maxExcluded is how many events one Apply sets aside as failing before it
// blames the database instead.
const maxExcluded = 3

// nextPendingEvent, in a RETURNING of an update of inbox rows, says whether
// the row's conversation has a later event pending: the done-marks let it
// go (unparkNext) only then.
const nextPendingEvent = `EXISTS (SELECT 1 FROM inbox e WHERE e.state = 'pending' AND e.conversation_key = inbox.conversation_key
			AND e.id > inbox.id)`

// markEventDone marks a claimed event done, and lets its conversation's
// next event go; chat.ErrAlreadyDone means another worker finished it
// first (its claim had expired).
func (s *Store) markEventDone(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	var next []bool
	if err := s.sel(ctx, tx, &next, `UPDATE inbox SET state = 'done', done_at = ?, claimed_by = NULL, claimed_until = NULL
		WHERE id = ? AND state = 'pending' RETURNING `+nextPendingEvent+` AS next`, ms(now), id); err != nil {
		return err
	}
	if len(next) == 0 {
		return chat.ErrAlreadyDone
	}
	if next[0] {
		return s.unparkNext(ctx, tx, inboxLines, []any{id})
	}
	return nil
}

type processing struct {
	s     *Store
	tx    *sqlx.Tx
	ctx   context.Context
	ev    chat.InboxEvent
	now   time.Time
	basis chat.State // the snapshot the plan was decided on
	// notices, when set, collects the team-chat notices queued, for the
	// batch to lease to its sender.
	notices *[]queuedRow
}

type conversationRow struct {
	ID               int64   `db:"id"`
	Key              string  `db:"conversation_key"`
	Status           string  `db:"status"`
	StartedAt        int64   `db:"started_at"`
	LastCustomerAt   int64   `db:"last_customer_at"`
	CustomerMessages int     `db:"customer_messages"`
	LastAlbum        string  `db:"last_album"`
	BurstSends       int     `db:"burst_sends"`
	Collecting       *string `db:"collecting"` // the details being asked before a handoff, as JSON
	PersonAt         *int64  `db:"person_at"`  // a person of the brand last wrote in the chat in person
}

// queueNotice puts a message to a team chat in the outbox, tied to the
// handoff; "{handoff}" in its buttons' data becomes the handoff's id.
func (p *processing) queueNotice(n chat.Notice, handoffID int64, prio int) error {
	return p.queueNoticeFor(n, handoffID, 0, chat.ActionNotice, prio)
}

// queueNoticeFor queues a team-chat message of a handoff or an incident;
// "{handoff}" and "{incident}" in its buttons' data (and in a webhook
// event's JSON) become their ids.
func (p *processing) queueNoticeFor(n chat.Notice, handoffID, incidentID int64, action chat.ActionType, prio int) error {
	ids := strings.NewReplacer("{handoff}", strconv.FormatInt(handoffID, 10), "{incident}", strconv.FormatInt(incidentID, 10))
	buttons, err := encodeButtons(n.Buttons, ids)
	if err != nil {
		return err
	}
	text := n.Text
	if n.Platform == chat.Webhook {
		text = ids.Replace(text)
	}
	media, err := encodeMedia(n.Media)
	if err != nil {
		return err
	}
	queued, err := p.s.queueOutgoing(p.ctx, p.tx, []newOutgoing{{
		inboxID: p.ev.ID, handoffID: handoffID, incidentID: incidentID, platform: n.Platform, bot: n.Bot, chatID: n.ChatID,
		action: action, text: text, due: dueAt(p.now, n.After), created: p.now, priority: prio, buttons: buttons,
		topicKey: n.TopicKey, topicName: n.TopicName, media: media, albumKey: chat.AlbumOf(n.Media),
	}})
	if err != nil {
		return err
	}
	id := queued[0]
	if p.notices != nil {
		*p.notices = append(*p.notices, queuedRow{id: id, line: chat.ChatKey(n.Platform, n.Bot, n.ChatID), due: !n.After.After(p.now)})
	}
	return nil
}

// handoffEffects writes what only some events have: a handoff opened or
// its activity, the team's notices and an incident.
func (p *processing) handoffEffects(plan chat.Plan, convID int64) error {
	ev := p.ev.Event
	if err := p.linkEffects(plan); err != nil {
		return err
	}
	var err error
	var handoffID int64
	prio := 0
	if err := p.feedbackEffects(plan, convID); err != nil {
		return err
	}
	switch {
	case plan.Reopen != nil:
		handoffID, prio = plan.Reopen.HandoffID, plan.Reopen.Priority.Rank()
	case plan.Handoff != nil:
		if handoffID, err = p.openHandoff(convID, plan.Handoff, plan.HandoffDue, plan.DetailsAsked, plan.Route); err != nil {
			return fmt.Errorf("open handoff: %w", err)
		}
		prio = chat.Priority(plan.Handoff.Priority).Rank()
	case p.basis.Conversation.Handoff != nil:
		// The customer writes while people own the conversation: their
		// messages go to the team chat, tied to the same handoff.
		handoffID = p.basis.Conversation.Handoff.ID
		if ev.Kind.Decidable() || !plan.PersonAt.IsZero() {
			// The customer, or someone of the brand in person, talking.
			if _, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET last_activity_at = ? WHERE id = ?`, ms(p.now), handoffID); err != nil {
				return fmt.Errorf("handoff activity: %w", err)
			}
		}
		if plan.ClaimInPerson {
			// Conditional: an agent who claimed it meanwhile keeps it.
			if _, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET state = 'claimed', claimed_by = ?, claimed_by_id = '', claimed_at = ?
				WHERE id = ? AND state = 'waiting'`, chat.InPerson.Name, ms(p.now), handoffID); err != nil {
				return fmt.Errorf("claim in person: %w", err)
			}
		}
		if plan.CancelsClose {
			if _, err := p.s.exec(p.ctx, p.tx, `UPDATE handoffs SET closes_at = NULL WHERE id = ?`, handoffID); err != nil {
				return fmt.Errorf("cancel timed close: %w", err)
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
	return nil
}

// answerCallback answers a button press or slash command without a message.
func (p *processing) answerCallback(id string) error {
	ev := p.ev.Event
	ids, err := p.s.queueOutgoing(p.ctx, p.tx, []newOutgoing{callbackAnswer(ev, p.ev.ID, id, "", p.now)})
	if err != nil {
		return err
	}
	outboxID := ids[0]
	if p.notices != nil {
		*p.notices = append(*p.notices, queuedRow{id: outboxID, line: "callback/" + id, due: true})
	}
	return nil
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
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
