package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// The queries behind `frontdesk report` (internal/report). Each reads a
// period [since, until) of the history and aggregates in SQL where the
// two databases can; what they cannot do alike (percentiles, reading the
// rules' trace) is left to Go over bounded rows.
//
// A customer message is a decision whose outcome is not "recorded":
// recorded events are edits, blocks, service messages, bots' messages and
// agents' team-chat messages, none of which the rules decide on. A
// message's time is its decision's, when the bot handled it.
//
// decisions has no index on created_at: these queries scan it (and
// decision_actions) once each. The history is pruned to its retention
// (90 days by default), and reports are run now and then, not per message.

// customerMessages restricts decisions d to the customer messages of a
// period; its two placeholders are since and until.
const customerMessages = `d.created_at >= ? AND d.created_at < ? AND d.outcome <> 'recorded'`

// NameCount is a name (a rule, a tag, a keyword group, a message's text)
// and how many customer messages it counts.
type NameCount struct {
	Name  string `db:"name"`
	Count int    `db:"n"`
}

// MessageReport counts a period's customer messages.
type MessageReport struct {
	// Outcomes counts messages by their decision's outcome (chat.Outcome).
	Outcomes map[string]int
	// Conversations counts the conversations with at least one of them.
	Conversations int
	// BlockedCustomers counts the customers whose messages were kept
	// unanswered because the team blocked them (outcome "blocked").
	BlockedCustomers int
	// Rules counts, per rule, the messages it planned an action for:
	// sent, recorded (tag, ignore) or suppressed by the guard. A rule
	// with several actions on one message counts once.
	Rules []NameCount
	// Tags counts the tags rules put on messages. A message that two rules
	// give the same tag counts twice.
	Tags []NameCount
	// KeywordGroups counts, per keyword group, the messages in which a
	// rule matched through a keyword of that group.
	KeywordGroups []NameCount
	// Hourly counts the messages per hour (its start), oldest first, hours
	// without messages left out: hours, not days, so the caller can fold
	// them into days of its own time zone.
	Hourly []TimeCount
}

// TimeCount is how many customer messages fell in the hour starting At.
type TimeCount struct {
	At    time.Time
	Count int
}

// ReportMessages counts the customer messages of [since, until): by
// outcome, conversations, rules, tags and keyword groups. The lists are
// complete (they are as long as the rules file has rules, tags and
// groups) and in no particular order.
func (s *Store) ReportMessages(ctx context.Context, since, until time.Time) (MessageReport, error) {
	var out MessageReport
	period := []any{ms(since), ms(until)}
	var outcomes []NameCount
	if err := s.readSel(ctx, &outcomes, `SELECT d.outcome AS name, COUNT(*) AS n FROM decisions d
		WHERE `+customerMessages+` GROUP BY d.outcome`, period...); err != nil {
		return out, unavailable("report outcomes", err)
	}
	out.Outcomes = make(map[string]int, len(outcomes))
	for _, o := range outcomes {
		out.Outcomes[o.Name] = o.Count
	}
	if err := s.readGet(ctx, &out.Conversations, `SELECT COUNT(DISTINCT d.conversation_id) FROM decisions d
		WHERE `+customerMessages, period...); err != nil {
		return out, unavailable("report conversations", err)
	}
	if err := s.readGet(ctx, &out.BlockedCustomers, `SELECT COUNT(DISTINCT c.customer_id) FROM decisions d
		JOIN conversations c ON c.id = d.conversation_id WHERE `+customerMessages+` AND d.outcome = 'blocked'`, period...); err != nil {
		return out, unavailable("report blocked customers", err)
	}
	if err := s.readSel(ctx, &out.Rules, `SELECT a.rule AS name, COUNT(DISTINCT a.decision_id) AS n
		FROM decisions d JOIN decision_actions a ON a.decision_id = d.id
		WHERE `+customerMessages+` AND a.rule <> '' GROUP BY a.rule`, period...); err != nil {
		return out, unavailable("report rules", err)
	}
	var hours []struct {
		Hour  int64 `db:"hour"`
		Count int   `db:"n"`
	}
	if err := s.readSel(ctx, &hours, `SELECT d.created_at / 3600000 AS hour, COUNT(*) AS n FROM decisions d
		WHERE `+customerMessages+` GROUP BY d.created_at / 3600000 ORDER BY hour`, period...); err != nil {
		return out, unavailable("report hourly", err)
	}
	for _, h := range hours {
		out.Hourly = append(out.Hourly, TimeCount{At: fromMS(h.Hour * 3600000), Count: h.Count})
	}
	tags, err := s.reportTags(ctx, period)
	if err != nil {
		return out, err
	}
	out.Tags = tags
	groups, err := s.reportKeywordGroups(ctx, period)
	if err != nil {
		return out, err
	}
	out.KeywordGroups = groups
	return out, nil
}

// reportTags counts tags. A tag action stores its tags comma-separated
// (see processing.apply), so SQL groups the distinct combinations, of
// which there are few, and Go splits them.
func (s *Store) reportTags(ctx context.Context, period []any) ([]NameCount, error) {
	var combos []NameCount
	if err := s.readSel(ctx, &combos, `SELECT a.detail AS name, COUNT(*) AS n
		FROM decisions d JOIN decision_actions a ON a.decision_id = d.id
		WHERE `+customerMessages+` AND a.action = 'tag' AND a.detail <> '' GROUP BY a.detail`, period...); err != nil {
		return nil, unavailable("report tags", err)
	}
	counts := map[string]int{}
	for _, c := range combos {
		for _, tag := range strings.Split(c.Name, ",") {
			if tag != "" {
				counts[tag] += c.Count
			}
		}
	}
	return nameCounts(counts), nil
}

// traceStep is what the report reads of a step of the rules' trace
// (rules.Step, stored as JSON with the decision): whether the rule
// matched, and the keyword group of the keyword it matched on.
type traceStep struct {
	Matched bool   `json:"matched"`
	Group   string `json:"group"`
}

// reportKeywordGroups counts the keyword groups rules matched through.
// The group is only in the decision's trace, a JSON column the two
// databases cannot read alike, so the traces are streamed and decoded
// here, one row at a time: memory stays bounded by the number of groups.
// Only traces that name a group are read.
func (s *Store) reportKeywordGroups(ctx context.Context, period []any) ([]NameCount, error) {
	q := `SELECT d.trace FROM decisions d WHERE ` + customerMessages + ` AND d.trace LIKE '%"group":%'`
	if s.postgres {
		q = s.pg(q)
	}
	rows, err := s.r.QueryContext(ctx, q, period...)
	if err != nil {
		return nil, unavailable("report keyword groups", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var trace string
		if err := rows.Scan(&trace); err != nil {
			return nil, unavailable("report keyword groups", err)
		}
		var steps []traceStep
		if err := json.Unmarshal([]byte(trace), &steps); err != nil {
			// A trace is written by the pipeline from rules.Step; one that
			// does not decode is skipped rather than failing the report.
			continue
		}
		seen := map[string]bool{}
		for _, st := range steps {
			if st.Matched && st.Group != "" && !seen[st.Group] {
				seen[st.Group] = true
				counts[st.Group]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("report keyword groups", err)
	}
	return nameCounts(counts), nil
}

func nameCounts(m map[string]int) []NameCount {
	out := make([]NameCount, 0, len(m))
	for name, n := range m {
		out = append(out, NameCount{Name: name, Count: n})
	}
	return out
}

// ReportUnanswered lists the texts of [since, until)'s customer messages
// that no FAQ rule answered, grouped by exact text, the most frequent
// first (ties: the one seen first), at most limit of them.
//
// Unanswered means the decision's outcome is "unanswered" (no rule
// matched, or only rules that tag) or "acknowledged" (only an
// acknowledgement, the rules' catch-all, was sent). Left out are messages
// without text (stickers, photos without a caption, texts erased by
// forget) and messages written while a person owned the conversation (a
// handoff was open): those were for the agent, not questions for the FAQ.
func (s *Store) ReportUnanswered(ctx context.Context, since, until time.Time, limit int) ([]NameCount, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("report unanswered: limit %d must be positive", limit)
	}
	// The handoffs that overlap the period are read once into a derived
	// table (DISTINCT keeps SQLite from folding it into the subquery), so
	// SQLite indexes it on the fly instead of scanning handoffs again for
	// every message: 20,000 messages took 18 s the naive way, 40 ms so.
	var out []NameCount
	err := s.readSel(ctx, &out, `SELECT m.text AS name, COUNT(*) AS n
		FROM decisions d JOIN messages m ON m.conversation_id = d.conversation_id AND m.inbox_id = d.inbox_id AND m.direction = 'in'
		WHERE `+customerMessages+` AND d.outcome IN ('unanswered', 'acknowledged') AND m.text <> ''
		  AND NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT conversation_id, created_at, closed_at FROM handoffs
		                                 WHERE created_at < ? AND (closed_at IS NULL OR closed_at > ?)) h
		                  WHERE h.conversation_id = d.conversation_id
		                    AND h.created_at <= d.created_at AND (h.closed_at IS NULL OR h.closed_at > d.created_at))
		GROUP BY m.text ORDER BY n DESC, MIN(d.id) LIMIT ?`, ms(since), ms(until), ms(until), ms(since), limit)
	if err != nil {
		return nil, unavailable("report unanswered", err)
	}
	return out, nil
}

// HandoffTimes is what a report needs of one handoff: when it opened, was
// due a first answer, first got one and was closed, as of the report's
// end.
type HandoffTimes struct {
	ID       int64
	Priority string
	// ChatType is the type of the customer's chat the handoff is about:
	// private, or a group or channel where the customer mentioned the bot.
	ChatType chat.ChatType
	Created  time.Time
	Due      time.Time
	// FirstReply is when an agent's first message to the customer (a
	// relay) was written; nil if none was by the report's end.
	FirstReply *time.Time
	// FirstResponder wrote the first response; its ID is empty when that
	// predates agents' accounts being kept.
	FirstResponder chat.Agent
	// Closed is when it was resolved or given back to the bot; nil if it
	// was still open at the report's end.
	Closed *time.Time
	// Owner claimed it last, as it is now (its ID empty when nobody did,
	// or before agents' accounts were kept): who resolved it, when it is
	// closed.
	Owner chat.Agent
	// DetailsAsked is how many details the customer was asked for before
	// it opened (a rule's collect:).
	DetailsAsked int
	// StepsDone counts the reminders and escalations made while nobody
	// had claimed it (see handoff.Escalations: a reminder, then one
	// escalation per tier). It is the current count, not as of the end.
	StepsDone int
}

// ReportHandoffs lists the handoffs opened in [since, until), oldest
// first. They are people's work, so a period holds a human number of
// them; percentiles need every one.
func (s *Store) ReportHandoffs(ctx context.Context, since, until time.Time) ([]HandoffTimes, error) {
	var rows []struct {
		ID         int64  `db:"id"`
		Priority   string `db:"priority"`
		ChatType   string `db:"chat_type"`
		Created    int64  `db:"created_at"`
		Due        int64  `db:"due_at"`
		FirstReply *int64 `db:"first_reply"`
		Closed     *int64 `db:"closed"`
		StepsDone  int    `db:"steps_done"`
		ByID       string `db:"first_response_by_id"`
		ByName     string `db:"first_response_by"`
		OwnerID    string `db:"claimed_by_id"`
		OwnerName  string `db:"claimed_by"`
		Details    int    `db:"details_asked"`
	}
	// The relays are read in one pass over the period's outbox rows
	// (outbox has no index on handoff_id), not once per handoff.
	err := s.readSel(ctx, &rows, `SELECT h.id, h.priority, c.chat_type, h.created_at, h.due_at, r.first_reply,
			CASE WHEN h.closed_at < ? THEN h.closed_at END AS closed, h.steps_done,
			h.first_response_by_id, h.first_response_by, h.claimed_by_id, h.claimed_by, h.details_asked
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id LEFT JOIN (
			SELECT handoff_id, MIN(created_at) AS first_reply FROM outbox
			WHERE action = 'relay' AND handoff_id IS NOT NULL AND created_at >= ? AND created_at < ?
			GROUP BY handoff_id
		) r ON r.handoff_id = h.id
		WHERE h.created_at >= ? AND h.created_at < ? ORDER BY h.created_at, h.id`,
		ms(until), ms(since), ms(until), ms(since), ms(until))
	if err != nil {
		return nil, unavailable("report handoffs", err)
	}
	out := make([]HandoffTimes, len(rows))
	for i, r := range rows {
		out[i] = HandoffTimes{ID: r.ID, Priority: r.Priority, ChatType: chat.ChatType(r.ChatType), Created: fromMS(r.Created), Due: fromMS(r.Due), StepsDone: r.StepsDone,
			FirstReply: optionalTime(r.FirstReply), Closed: optionalTime(r.Closed), Owner: chat.Agent{ID: r.OwnerID, Name: r.OwnerName},
			DetailsAsked: r.Details}
		if r.FirstReply != nil {
			out[i].FirstResponder = chat.Agent{ID: r.ByID, Name: r.ByName}
		}
	}
	return out, nil
}

func optionalTime(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMS(*v)
	return &t
}
