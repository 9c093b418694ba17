package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// newOutgoing is one message on its way into the outbox, as decided: a
// reply, a team notice, an agent's relay, an incident update, the answer
// to a button press. queueOutgoing is the one place that knows the
// outbox's columns, so every kind of message is written alike.
type newOutgoing struct {
	conversationID, inboxID int64 // 0: none
	handoffID, incidentID   int64 // 0: none
	platform                chat.Platform
	bot, chatID             string
	// line is the outbox line the message queues in (chat_key); empty
	// means the chat's own line. Answers to button presses have one each:
	// they do not wait behind the chat's messages.
	line              string
	threadID, replyTo string
	rule              string
	action            chat.ActionType
	text              string
	due, created      time.Time
	scope             string
	windowUntil       time.Time
	priority          int
	callbackID        string
	buttons, media    string // encoded (encodeButtons, encodeMedia)
	albumKey          string
	topicKey          string
	topicName         string
}

// outgoingColumns is the outbox's columns in the order queueOutgoing
// binds them.
const outgoingColumns = `conversation_id, inbox_id, handoff_id, incident_id, platform, bot, chat_id, chat_key, thread_id, reply_to,
	rule, action, text, next_attempt_at, created_at, scope, window_until, priority, callback_id, buttons, media, album_key,
	topic_key, topic_name`

const outgoingColumnCount = 24

// outgoingRow is one row of queueOutgoing's VALUES: the outbox's columns,
// then whether the message waits behind an unsent one of its chat (its
// chat_key bound once more; see queueLines).
var outgoingRow = rowShape{
	text: "(" + strings.Repeat("?, ", outgoingColumnCount) + outboxLines.waitsValue() + ")",
	types: []string{"BIGINT", "BIGINT", "BIGINT", "BIGINT", // conversation_id, inbox_id, handoff_id, incident_id
		"TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", // platform … text
		"BIGINT", "BIGINT", "TEXT", "BIGINT", "INTEGER", // next_attempt_at, created_at, scope, window_until, priority
		"TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", // callback_id … topic_name
		"TEXT"}, // the chat_key again
}

// outgoingPerStatement bounds one INSERT's rows: SQLite takes at most
// 32,766 bound values in a statement and PostgreSQL 65,535 (each row binds
// outgoingColumnCount+1).
const outgoingPerStatement = 1000

// queueOutgoing writes messages to the outbox, one statement per
// outgoingPerStatement of them, and returns their ids in the order given.
func (s *Store) queueOutgoing(ctx context.Context, tx *sqlx.Tx, msgs []newOutgoing) ([]int64, error) {
	ids := make([]int64, 0, len(msgs))
	for chunk := range slices.Chunk(msgs, outgoingPerStatement) {
		args := make([]any, 0, outgoingColumnCount*len(chunk))
		for _, m := range chunk {
			line := m.line
			if line == "" {
				line = chat.ChatKey(m.platform, m.bot, m.chatID)
			}
			args = append(args, nullID(m.conversationID), nullID(m.inboxID), nullID(m.handoffID), nullID(m.incidentID),
				string(m.platform), m.bot, m.chatID, line, m.threadID, m.replyTo,
				m.rule, string(m.action), m.text, ms(m.due), ms(m.created), m.scope, msOrZero(m.windowUntil), m.priority,
				m.callbackID, m.buttons, m.media, m.albumKey, m.topicKey, m.topicName, line)
		}
		rows, args := s.rows(outgoingRow, len(chunk), args)
		var got []int64
		if err := s.sel(ctx, tx, &got, outgoingInsert(rows), args...); err != nil {
			return nil, err
		}
		// One statement's rows get ids in the order of its VALUES (a rowid
		// or a sequence taken row by row); RETURNING promises no order.
		slices.Sort(got)
		ids = append(ids, got...)
	}
	return ids, nil
}

// outgoingInsert is the insert of outgoingRow's rows, returning their ids.
func outgoingInsert(rows string) string {
	return `INSERT INTO outbox (` + outgoingColumns + `, waits)
			` + rows + ` RETURNING id`
}

// callbackAnswer is the answer to a button press or slash command, in a
// line of its own: platforms want it within seconds.
func callbackAnswer(ev chat.Event, inboxID int64, id, text string, now time.Time) newOutgoing {
	return newOutgoing{
		inboxID: inboxID, platform: ev.Platform, bot: ev.Bot, chatID: ev.ChatID, line: "callback/" + id,
		action: chat.ActionCallbackAnswer, text: text, due: now, created: now, priority: 3, callbackID: id,
	}
}
