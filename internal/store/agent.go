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

// notYetWindow is how long an agent's reply to one of our messages that
// cannot be placed is retried: recording a sent message takes
// milliseconds; after this, it was not a notification.
const notYetWindow = 5 * time.Second

// LoadAgentState finds what an agent's message or button press in a team
// chat is about, for deciding it: the handoff of the team-chat message they
// replied to, of the button (handoffID), or of the customer's forum topic
// they wrote in. found is false when there is no open handoff: then
// st.ConversationKey names the conversation if it is back with the bot
// (the agent is told so), or is empty for chatter in the team chat, which
// is only recorded. chat.ErrNotYet means the agent replied to one of our
// messages that is still being recorded: try again shortly.
func (s *Store) LoadAgentState(ctx context.Context, ie chat.InboxEvent, handoffID int64, now time.Time) (st chat.AgentState, found bool, err error) {
	st, found, err = s.loadAgentState(ctx, ie, handoffID, now)
	if err != nil && !errors.Is(err, chat.ErrNotYet) {
		err = unavailable("load agent state", err)
	}
	return st, found, err
}

func (s *Store) loadAgentState(ctx context.Context, ie chat.InboxEvent, handoffID int64, now time.Time) (chat.AgentState, bool, error) {
	ev := ie.Event
	if handoffID == 0 && ev.ReplyTo != "" {
		err := s.readGet(ctx, &handoffID, `SELECT handoff_id FROM handoff_messages
			WHERE platform = ? AND bot = ? AND chat_id = ? AND message_id = ?`, string(ev.Platform), ev.Bot, ev.ChatID, ev.ReplyTo)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return chat.AgentState{}, false, err
		}
	}
	topicKey := ""
	if handoffID == 0 && ev.ThreadID != "" {
		// Written in a customer's forum topic: it is about that customer.
		err := s.readGet(ctx, &topicKey, `SELECT conversation_key FROM team_topics
			WHERE platform = ? AND bot = ? AND chat_id = ? AND thread_id = ?`, string(ev.Platform), ev.Bot, ev.ChatID, ev.ThreadID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return chat.AgentState{}, false, err
		}
		if topicKey != "" {
			err := s.readGet(ctx, &handoffID, `SELECT h.id FROM conversations c JOIN handoffs h ON h.conversation_id = c.id
				WHERE c.conversation_key = ? AND h.state IN ('waiting', 'claimed')`, topicKey)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return chat.AgentState{}, false, err
			}
		}
	}
	if handoffID == 0 && topicKey != "" {
		// Back with the bot: its last handoff is what /reopen takes back.
		err := s.readGet(ctx, &handoffID, `SELECT h.id FROM conversations c JOIN handoffs h ON h.conversation_id = c.id
			WHERE c.conversation_key = ? ORDER BY h.id DESC LIMIT 1`, topicKey)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return chat.AgentState{}, false, err
		}
		if handoffID == 0 {
			return chat.AgentState{ConversationKey: topicKey}, false, nil
		}
	}
	if handoffID == 0 && ev.ReplyTo != "" && ev.ReplyToBot && now.Sub(ie.ReceivedAt) < notYetWindow {
		// A reply to one of our messages that we cannot place: most
		// likely a notification whose sending is still being recorded.
		// Dropping it would lose the agent's answer.
		return chat.AgentState{}, false, fmt.Errorf("reply to message %s: %w", ev.ReplyTo, chat.ErrNotYet)
	}
	if handoffID == 0 {
		return chat.AgentState{}, false, nil
	}
	var h struct {
		ID             int64             `db:"id"`
		ConversationID int64             `db:"conversation_id"`
		Team           string            `db:"team"`
		State          chat.HandoffState `db:"state"`
		ClaimedBy      string            `db:"claimed_by"`
		ClaimedByID    string            `db:"claimed_by_id"`
		Priority       string            `db:"priority"`
		CreatedAt      int64             `db:"created_at"`
		DueAt          int64             `db:"due_at"`
		FirstResponse  *int64            `db:"first_response_at"`
		Platform       string            `db:"platform"`
		Bot            string            `db:"bot"`
		ChatID         string            `db:"chat_id"`
		LastCustomerAt int64             `db:"last_customer_at"`
		Customer       string            `db:"customer"`
		Key            string            `db:"conversation_key"`
		Language       string            `db:"language"`
		Name           string            `db:"name"`
		Username       string            `db:"username"`
		ClosesAt       *int64            `db:"closes_at"`
		StepsDone      int               `db:"steps_done"`
		CustomerID     *int64            `db:"customer_id"`
		Blocked        *bool             `db:"blocked_by_team"`
		Latest         int64             `db:"latest"`
		Tags           string            `db:"tags"`
		BlockedBot     bool              `db:"blocked"`
		Rated          bool              `db:"rated"`
		Spam           bool              `db:"spam"`
		OverflowTeam   string            `db:"overflowed_to"`
	}
	err := s.readGet(ctx, &h, `SELECT h.id, h.conversation_id, h.team, h.state, h.claimed_by, h.claimed_by_id, h.priority, h.created_at, h.due_at, h.first_response_at,
			h.closes_at, h.steps_done, cu.id AS customer_id, cu.blocked_by_team, h.tags,
			(SELECT MAX(l.id) FROM handoffs l WHERE l.conversation_id = h.conversation_id) AS latest,
			CASE WHEN h.overflowed_at IS NULL THEN '' ELSE h.overflow_team END AS overflowed_to,
			c.platform, c.bot, c.chat_id, c.last_customer_at, COALESCE(cu.external_id, '') AS customer, c.conversation_key,
			COALESCE((SELECT d.language FROM decisions d WHERE d.conversation_id = c.id AND d.language <> '' ORDER BY d.id DESC LIMIT 1),
				cu.language, '') AS language, COALESCE(cu.name, '') AS name, COALESCE(cu.username, '') AS username,
			COALESCE(cu.blocked, 0) <> 0 AS blocked,
			EXISTS (SELECT 1 FROM feedback f WHERE f.conversation_id = c.id AND f.kind = 'rating') AS rated,
			EXISTS (SELECT 1 FROM decisions d WHERE d.conversation_id = c.id AND (d.outcome = 'ignored' OR d.msg_type = 'spam')) AS spam
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN customers cu ON cu.id = c.customer_id WHERE h.id = ?`, handoffID)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.AgentState{}, false, nil // not ours: a button of some other bot's message
	}
	if err != nil {
		return chat.AgentState{}, false, err
	}
	oh := chat.OpenHandoff{ID: h.ID, Team: h.Team, State: h.State, ClaimedBy: chat.Agent{ID: h.ClaimedByID, Name: h.ClaimedBy},
		Priority: h.Priority, CreatedAt: fromMS(h.CreatedAt), DueAt: fromMS(h.DueAt), Answered: h.FirstResponse != nil, StepsDone: h.StepsDone, OverflowTeam: h.OverflowTeam}
	if h.ClosesAt != nil {
		oh.ClosesAt = fromMS(*h.ClosesAt)
	}
	scope := fmt.Sprintf("%s/%s/%s", h.Platform, h.Bot, h.Customer)
	reserved, err := s.reservedFor(ctx, scope, now)
	if err != nil {
		return chat.AgentState{}, false, err
	}
	var customerID int64
	if h.CustomerID != nil {
		customerID = *h.CustomerID
	}
	attrs, err := s.customerAttrs(ctx, []any{customerID})
	if err != nil {
		return chat.AgentState{}, false, err
	}
	st := chat.AgentState{
		BlockedBot: h.BlockedBot, Reserved: reserved, Rated: h.Rated, Spam: h.Spam,
		CustomerAttrs: attrs[customerID],
		Handoff:       oh,
		Platform:      chat.Platform(h.Platform), Bot: h.Bot, ChatID: h.ChatID, LastCustomerAt: fromMS(h.LastCustomerAt),
		ConversationKey: h.Key, ConversationID: h.ConversationID,
		CustomerScope: scope,
		Language:      h.Language, CustomerName: h.Name, CustomerUsername: h.Username,
		Tags: strings.Fields(h.Tags),
	}
	if h.CustomerID != nil {
		st.CustomerID = *h.CustomerID
	}
	if h.Blocked != nil {
		st.CustomerBlocked = *h.Blocked
	}
	if !h.State.Open() {
		// Back with the bot. Only the conversation's last handoff may be
		// reopened: a later one may be open, or closed since.
		st.Handoff = chat.OpenHandoff{}
		if h.Latest == h.ID {
			st.Closed = oh
		}
		return st, false, nil
	}
	return st, true, nil
}

// ApplyAgent writes what an agent's event does, decided on st (as
// LoadAgentState read it), in one transaction with marking the event done:
// relay a message to the customer, claim, resolve, return to the bot, or
// keep an internal note; then what the team chat is told. A handoff that
// changed since it was read (claimed by someone else, closed) writes
// nothing and answers chat.ErrConflict: read it and decide again.
func (s *Store) ApplyAgent(ctx context.Context, ie chat.InboxEvent, st chat.AgentState, plan chat.AgentPlan, now time.Time) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := s.markEventDone(ctx, tx, ie.ID, now); err != nil {
			return err
		}
		if err := s.rememberAgent(ctx, tx, ie.Event, plan, now); err != nil {
			return err
		}
		if err := s.applyBlock(ctx, tx, st, plan); err != nil {
			return err
		}
		h := st.Handoff
		if h.State == "" && plan.Command == chat.AgentReopen {
			if err := s.reopenHandoff(ctx, tx, st, plan.Agent, now); err != nil {
				return err
			}
			return s.queueAgentReplies(ctx, tx, ie, plan, st.Closed.ID, now)
		}
		if h.State == "" && plan.Command == chat.AgentTag {
			if err := s.applyTags(ctx, tx, st.Closed.ID, st.Tags, plan.Tags); err != nil {
				return err
			}
		}
		if h.State == "" {
			// No open handoff when it was decided: only the team is told.
			return s.queueAgentReplies(ctx, tx, ie, plan, st.Closed.ID, now)
		}
		switch plan.Command {
		case chat.AgentRelay, chat.AgentClaim, chat.AgentNote:
			// People are at work in it: the idle timer starts again. The
			// handoff must still be as it was read.
			res, err := s.exec(ctx, tx, `UPDATE handoffs SET last_activity_at = ? WHERE id = ? AND state = ? AND claimed_by_id = ? AND claimed_by = ?`,
				ms(now), h.ID, h.State, h.ClaimedBy.ID, h.ClaimedBy.Name)
			if err := changed(res, err); err != nil {
				return err
			}
		}
		if plan.Claim {
			if err := s.claimHandoff(ctx, tx, h, plan.Agent, now); err != nil {
				return err
			}
			if plan.MoveTo != "" {
				if _, err := s.exec(ctx, tx, `UPDATE handoffs SET team = ? WHERE id = ?`, plan.MoveTo, h.ID); err != nil {
					return err
				}
			}
		}
		// What the customer is told of it goes before an agent's answer.
		if err := s.queueCustomerNotices(ctx, tx, ie, st, plan.ToCustomer, now); err != nil {
			return err
		}
		switch plan.Command {
		case chat.AgentRelay:
			if !h.Answered {
				// The first response, and who wrote it, for reports.
				if _, err := s.exec(ctx, tx, `UPDATE handoffs SET first_response_at = ?, first_response_by_id = ?, first_response_by = ?
					WHERE id = ? AND first_response_at IS NULL`, ms(now), plan.Agent.ID, plan.Agent.Name, h.ID); err != nil {
					return err
				}
			}
			media, err := encodeMedia(plan.Media)
			if err != nil {
				return err
			}
			if _, err := s.queueOutgoing(ctx, tx, []newOutgoing{{
				conversationID: st.ConversationID, inboxID: ie.ID, handoffID: h.ID, platform: st.Platform, bot: st.Bot, chatID: st.ChatID,
				action: chat.ActionRelay, text: plan.Text, due: dueAt(now, plan.After), created: now, scope: st.CustomerScope,
				windowUntil: plan.WindowUntil, priority: 3, media: media, albumKey: chat.AlbumOf(plan.Media),
			}}); err != nil {
				return err
			}
		case chat.AgentTag:
			if err := s.applyTags(ctx, tx, h.ID, st.Tags, plan.Tags); err != nil {
				return err
			}
		case chat.AgentClose, chat.AgentTransfer, chat.AgentEscalate, chat.AgentPriority:
			if err := s.applyHandoffCommand(ctx, tx, st, plan, now); err != nil {
				return err
			}
		case chat.AgentResolve, chat.AgentBot:
			state := chat.HandoffResolved
			if plan.Command == chat.AgentBot {
				state = chat.HandoffReturnedToBot
			}
			res, err := s.exec(ctx, tx, `UPDATE handoffs SET state = ?, closed_at = ? WHERE id = ? AND state = ?`, state, ms(now), h.ID, h.State)
			if err := changed(res, err); err != nil {
				return err
			}
			if _, err := s.exec(ctx, tx, `UPDATE conversations SET status = 'bot' WHERE id = ?`, st.ConversationID); err != nil {
				return err
			}
		case chat.AgentNote:
			if _, err := s.exec(ctx, tx, `INSERT INTO messages (conversation_id, direction, inbox_id, kind, text, created_at)
				VALUES (?, 'note', ?, 'note', ?, ?)`, st.ConversationID, ie.ID, plan.Agent.Name+": "+plan.Text, ms(now)); err != nil {
				return err
			}
		}
		if err := s.recordAgentEvent(ctx, tx, h, plan, now); err != nil {
			return err
		}
		return s.queueAgentReplies(ctx, tx, ie, plan, h.ID, now)
	})
	if err == nil || errors.Is(err, chat.ErrAlreadyDone) || errors.Is(err, chat.ErrConflict) {
		return err
	}
	return unavailable("apply agent event", err)
}

// claimHandoff gives the handoff h, as it was read, to agent. Another
// replica's agent may have claimed it since: then nothing of the event is
// written (chat.ErrConflict), and it is decided again on what is there now,
// so the agent who lost is told who won.
func (s *Store) claimHandoff(ctx context.Context, tx *sqlx.Tx, h chat.OpenHandoff, agent chat.Agent, now time.Time) error {
	res, err := s.exec(ctx, tx, `UPDATE handoffs SET state = 'claimed', claimed_by = ?, claimed_by_id = ?, claimed_at = ?
		WHERE id = ? AND state = ? AND claimed_by_id = ?`, agent.Name, agent.ID, ms(now), h.ID, h.State, h.ClaimedBy.ID)
	return changed(res, err)
}

// changed turns a conditional write that changed no row into
// chat.ErrConflict: the state it was decided on is gone.
func changed(res sql.Result, err error) error { return changedOr(res, err, chat.ErrConflict) }

// changedOr turns a conditional write that changed no row into none.
func changedOr(res sql.Result, err, none error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return none
	}
	return nil
}

// queueAgentReplies queues what the team chat is told about an agent's
// event, and the answer to their button press.
func (s *Store) queueAgentReplies(ctx context.Context, tx *sqlx.Tx, ie chat.InboxEvent, plan chat.AgentPlan, handoffID int64, now time.Time) error {
	p := &processing{s: s, tx: tx, ctx: ctx, ev: ie, now: now}
	for _, n := range plan.Notices {
		if err := p.queueNotice(n, handoffID, 3); err != nil {
			return err
		}
	}
	ev := ie.Event
	if plan.CallbackAnswer == "" || ev.CallbackID == "" {
		return nil
	}
	_, err := s.queueOutgoing(ctx, tx, []newOutgoing{callbackAnswer(ev, ie.ID, ev.CallbackID, plan.CallbackAnswer, now)})
	return err
}
