package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// The spam review (issue 22): customer messages the rules ignored as spam,
// and their release by an operator who says they are not. Which messages
// count as spam and whether one may be released is decided by the caller
// (internal/app, internal/pipeline); these statements read and write.

// ErrNoSuchMessage means no customer message was decided under that id.
var ErrNoSuchMessage = errors.New("no such message")

// SpamMessage is a customer message the rules ignored or typed as spam.
type SpamMessage struct {
	InboxID int64
	At      time.Time // when it was decided
	// Rule is the rule that ignored it; "" when none did (only its type
	// said spam).
	Rule    string
	Outcome chat.Outcome
	Type    chat.MessageType
	// Text is the message as written, "" for one without text or erased
	// by forget.
	Text string
	// Released is when an operator released it as not spam, if one did.
	Released *time.Time
}

type spamRow struct {
	InboxID  int64  `db:"inbox_id"`
	At       int64  `db:"created_at"`
	Rule     string `db:"rule"`
	Outcome  string `db:"outcome"`
	Type     string `db:"msg_type"`
	Text     string `db:"text"`
	Released *int64 `db:"released_at"`
	Event    string `db:"event"`
}

func (r spamRow) message() SpamMessage {
	return SpamMessage{InboxID: r.InboxID, At: fromMS(r.At), Rule: r.Rule, Outcome: chat.Outcome(r.Outcome), Type: chat.MessageType(r.Type),
		Text: r.Text, Released: optionalTime(r.Released)}
}

// spamSelect reads a decision d with its ignoring rule (the first named
// by an action of type ignore, its placeholder), its text and release.
const spamSelect = `SELECT d.inbox_id, d.created_at, d.outcome, d.msg_type,
		COALESCE((SELECT MIN(a.rule) FROM decision_actions a WHERE a.decision_id = d.id AND a.action = ?), '') AS rule,
		COALESCE(m.text, '') AS text, r.released_at`

const spamFrom = ` FROM decisions d
		LEFT JOIN messages m ON m.conversation_id = d.conversation_id AND m.inbox_id = d.inbox_id AND m.direction = 'in'
		LEFT JOIN spam_releases r ON r.inbox_id = d.inbox_id`

// SpamMessages lists the customer messages of [since, until) whose
// decision's outcome is outcome or whose type is msgType, newest first, at
// most limit of them.
func (s *Store) SpamMessages(ctx context.Context, since, until time.Time, outcome chat.Outcome, msgType chat.MessageType, limit int) ([]SpamMessage, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("spam messages: limit %d must be positive", limit)
	}
	var rows []spamRow
	if err := s.readSel(ctx, &rows, spamSelect+spamFrom+` WHERE `+customerMessages+` AND (d.outcome = ? OR d.msg_type = ?)
		ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
		string(chat.ActionIgnore), ms(since), ms(until), string(outcome), string(msgType), limit); err != nil {
		return nil, unavailable("spam messages", err)
	}
	out := make([]SpamMessage, len(rows))
	for i, r := range rows {
		out[i] = r.message()
	}
	return out, nil
}

// DecidedMessage reads the customer message of inbox event id as
// SpamMessages does, with the event as stored. ErrNoSuchMessage when no
// decision was made on it.
func (s *Store) DecidedMessage(ctx context.Context, id int64) (SpamMessage, chat.Event, error) {
	var row spamRow
	err := s.readGet(ctx, &row, spamSelect+`, i.event`+spamFrom+` JOIN inbox i ON i.id = d.inbox_id WHERE d.inbox_id = ?`,
		string(chat.ActionIgnore), id)
	if errors.Is(err, sql.ErrNoRows) {
		return SpamMessage{}, chat.Event{}, fmt.Errorf("message %d: %w", id, ErrNoSuchMessage)
	}
	if err != nil {
		return SpamMessage{}, chat.Event{}, unavailable("decided message", err)
	}
	var ev chat.Event
	if err := json.Unmarshal([]byte(row.Event), &ev); err != nil {
		return SpamMessage{}, chat.Event{}, fmt.Errorf("message %d: the stored event does not decode: %w", id, err)
	}
	return row.message(), ev, nil
}

// SpamRelease is an operator's release of a message ignored as spam: the
// false positive of Rule, and Answer, the event queued to answer it.
type SpamRelease struct {
	InboxID int64
	Rule    string
	Answer  chat.Event
	By      string
	At      time.Time
}

// ReleaseSpam records a release and queues its answer event, in one
// transaction; it returns the answer's inbox id. A message released before
// is refused with an error wrapping chat.ErrAlreadyDone, and nothing is
// queued.
func (s *Store) ReleaseSpam(ctx context.Context, rel SpamRelease) (int64, error) {
	ev := storable(rel.Answer)
	data, err := json.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("release spam: %w", err)
	}
	key := ev.ConversationKey()
	if key == "" {
		// As Accept keys it: events outside any chat queue behind nothing.
		key = "none/" + string(ev.Platform) + "/" + ev.Bot + "/" + ev.ExternalID
	}
	var answer int64
	var done bool
	err = s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var ids []int64
		if err := s.sel(ctx, tx, &ids, `INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, bot, external_id) DO NOTHING RETURNING id`,
			string(ev.Platform), ev.Bot, ev.ExternalID, key, string(ev.Kind), string(data), ms(rel.At)); err != nil {
			return err
		}
		if len(ids) == 0 {
			done = true
			return nil
		}
		answer = ids[0]
		var n []int64
		if err := s.sel(ctx, tx, &n, `INSERT INTO spam_releases (inbox_id, rule, answer_id, released_by, released_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (inbox_id) DO NOTHING RETURNING inbox_id`,
			rel.InboxID, rel.Rule, answer, rel.By, ms(rel.At)); err != nil {
			return err
		}
		if len(n) == 0 {
			done = true
			return errAlreadyReleased
		}
		return nil
	})
	if done {
		return 0, fmt.Errorf("message %d: released before: %w", rel.InboxID, chat.ErrAlreadyDone)
	}
	if err != nil {
		return 0, unavailable("release spam", err)
	}
	// The answer may sit below a running claim's mark: count it again.
	s.inboxRecountAt.Store(0)
	return answer, nil
}

// errAlreadyReleased rolls back a release whose answer was queued before
// the release row was found taken.
var errAlreadyReleased = errors.New("already released")

// ReportSpamFalsePositives counts the messages released as not spam in
// [since, until), by the rule that had ignored them.
func (s *Store) ReportSpamFalsePositives(ctx context.Context, since, until time.Time) ([]NameCount, error) {
	var out []NameCount
	if err := s.readSel(ctx, &out, `SELECT rule AS name, COUNT(*) AS n FROM spam_releases
		WHERE released_at >= ? AND released_at < ? GROUP BY rule ORDER BY rule`, ms(since), ms(until)); err != nil {
		return nil, unavailable("report spam false positives", err)
	}
	return out, nil
}
