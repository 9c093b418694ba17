package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestQueueOutgoingWritesEveryColumnInOrder: the one write path of the
// outbox stores each field in its own column, returns the ids in the order
// the messages were given, across the statements a large batch takes, and
// leaves optional references NULL.
func TestQueueOutgoingWritesEveryColumnInOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		due, created, window := t0.Add(time.Minute), t0, t0.Add(24*time.Hour)
		n := 2*outgoingPerStatement + 7 // three statements
		msgs := make([]newOutgoing, n)
		for i := range msgs {
			msgs[i] = newOutgoing{
				platform: chat.Telegram, bot: "main", chatID: fmt.Sprint(1000 + i), text: fmt.Sprintf("message %d", i),
				action: chat.ActionReply, due: due, created: created, priority: i % 4,
			}
		}
		full := newOutgoing{
			conversationID: 0, inboxID: 0, handoffID: 41, incidentID: 42, platform: chat.Discord, bot: "side", chatID: "c9",
			line: "callback/x1", threadID: "t1", replyTo: "r1", rule: "faq", action: chat.ActionNotice, text: "all of it",
			due: due, created: created, scope: "discord/side/u1", windowUntil: window, priority: 3, callbackID: "x1",
			buttons: `[[{"text":"a","data":"b"}]]`, media: `[{"kind":"photo"}]`, albumKey: "al", topicKey: "tk", topicName: "tn",
		}
		msgs[n/2] = full
		var ids []int64
		err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			var err error
			ids, err = s.queueOutgoing(ctx, tx, msgs)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != n {
			t.Fatalf("%d ids for %d messages", len(ids), n)
		}
		for i := 1; i < n; i++ {
			if ids[i] <= ids[i-1] {
				t.Fatalf("ids out of order at %d: %d after %d", i, ids[i], ids[i-1])
			}
		}
		var texts []string
		if err := s.readSel(ctx, &texts, `SELECT text FROM outbox ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{0, outgoingPerStatement - 1, outgoingPerStatement, n - 1} {
			if texts[want] != msgs[want].text {
				t.Errorf("row %d (check %d) holds %q, want %q", want, i, texts[want], msgs[want].text)
			}
		}

		// outboxRow is what a claim reads; the rest of the columns besides.
		var got struct {
			outboxRow
			ConversationID *int64 `db:"conversation_id"`
			InboxID        *int64 `db:"inbox_id"`
			IncidentID     *int64 `db:"incident_id"`
			Due            int64  `db:"next_attempt_at"`
			Scope          string `db:"scope"`
			Priority       int    `db:"priority"`
			State          string `db:"state"`
		}
		if err := s.readGet(ctx, &got, `SELECT `+outgoingColumns+`, state FROM outbox WHERE id = ?`, ids[n/2]); err != nil {
			t.Fatal(err)
		}
		if got.ConversationID != nil || got.InboxID != nil {
			t.Errorf("absent references stored as %v, %v; want NULL", got.ConversationID, got.InboxID)
		}
		if got.HandoffID == nil || *got.HandoffID != 41 || got.IncidentID == nil || *got.IncidentID != 42 {
			t.Errorf("handoff, incident = %v, %v; want 41, 42", got.HandoffID, got.IncidentID)
		}
		checks := []struct {
			column    string
			got, want any
		}{
			{"platform", got.Platform, "discord"}, {"bot", got.Bot, "side"}, {"chat_id", got.ChatID, "c9"},
			{"chat_key", got.ChatKey, "callback/x1"}, {"thread_id", got.ThreadID, "t1"}, {"reply_to", got.ReplyTo, "r1"},
			{"rule", got.Rule, "faq"}, {"action", got.Action, string(chat.ActionNotice)}, {"text", got.Text, "all of it"},
			{"next_attempt_at", got.Due, due.UnixMilli()}, {"created_at", got.CreatedAt, created.UnixMilli()},
			{"scope", got.Scope, "discord/side/u1"}, {"window_until", got.WindowUntil, window.UnixMilli()}, {"priority", got.Priority, 3},
			{"callback_id", got.CallbackID, "x1"}, {"buttons", got.Buttons, full.buttons}, {"media", got.Media, full.media},
			{"album_key", got.AlbumKey, "al"}, {"topic_key", got.TopicKey, "tk"}, {"topic_name", got.TopicName, "tn"},
			{"state", got.State, "pending"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.column, c.got, c.want)
			}
		}
		// A message without a line of its own queues in its chat's.
		var line string
		if err := s.readGet(ctx, &line, `SELECT chat_key FROM outbox WHERE id = ?`, ids[0]); err != nil {
			t.Fatal(err)
		}
		if want := chat.ChatKey(chat.Telegram, "main", "1000"); line != want {
			t.Errorf("chat_key %q, want %q", line, want)
		}
	})
}

// TestRecordingSendsClaimsMore: recording sends with More claims, in the
// same transaction, what the sender's claim would: due messages first in
// their chats (the chat just recorded included), in claim order, at most
// More, never one that is not due or that another holds.
func TestRecordingSendsClaimsMore(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		msg := func(chatID, text string, due time.Time) newOutgoing {
			return newOutgoing{platform: chat.Telegram, bot: "main", chatID: chatID, action: chat.ActionReply, text: text, due: due, created: t0}
		}
		err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
			_, err := s.queueOutgoing(ctx, tx, []newOutgoing{
				msg("a", "a1", t0), msg("a", "a2", t0), msg("b", "b1", t0), msg("c", "c1", t0.Add(time.Hour)), msg("d", "d1", t0),
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.ClaimOutgoing(ctx, "w", t0, time.Minute, 1)
		if err != nil || len(first) != 1 || first[0].Text != "a1" {
			t.Fatalf("first claim %+v, %v; want a1", first, err)
		}
		// b1 is held by another sender.
		if other, err := s.ClaimOutgoing(ctx, "other", t0, time.Minute, 1); err != nil || len(other) != 1 || other[0].Text != "b1" {
			t.Fatalf("other's claim %+v, %v; want b1", other, err)
		}
		claim := chat.SendClaim{Owner: "w", Until: t0.Add(time.Minute), Max: 10, More: 5}
		got, err := s.MarkSentAndClaimNext(ctx, []chat.SentMessage{{ID: first[0].ID, PlatformMessageID: "1", At: t0}}, claim, t0)
		if err != nil {
			t.Fatal(err)
		}
		if texts := outTexts(got); texts != "a2 d1" {
			t.Fatalf("recording a1 claimed %q, want a2 (next in its chat) and d1; b1 is held, c1 not due", texts)
		}
		claim.More = 1
		got, err = s.MarkSentAndClaimNext(ctx, []chat.SentMessage{{ID: got[0].ID, PlatformMessageID: "2", At: t0}}, claim, t0)
		if err != nil || len(got) != 0 {
			t.Fatalf("recording a2 claimed %+v, %v; want nothing (c1 is not due)", got, err)
		}
		// Two hours on, c1 is due and the other sender's lease of b1 has
		// run out.
		later := t0.Add(2 * time.Hour)
		claim.More = 5
		got, err = s.MarkSentAndClaimNext(ctx, []chat.SentMessage{{ID: first[0].ID + 4, PlatformMessageID: "4", At: later}}, claim, later)
		if err != nil || outTexts(got) != "b1 c1" {
			t.Fatalf("two hours on, recording d1 claimed %q, %v; want b1 c1", outTexts(got), err)
		}
	})
}

func outTexts(msgs []chat.Outgoing) string {
	texts := make([]string, len(msgs))
	for i, m := range msgs {
		texts[i] = m.Text
	}
	return strings.Join(texts, " ")
}

// TestMessagesBehindOthersWaitUntilTheirTurn: a message queued behind an
// unsent one of its chat is marked waiting, and the sender's claim does
// not walk it; it is claimable the moment the one before it is sent or
// given up, and within about a second when that one leaves the queue any
// other way. A waiting message is not reported as due either.
func TestMessagesBehindOthersWaitUntilTheirTurn(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		queue := func(chatID, text string) int64 {
			t.Helper()
			var ids []int64
			err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) (err error) {
				ids, err = s.queueOutgoing(ctx, tx, []newOutgoing{{platform: chat.Telegram, bot: "main", chatID: chatID,
					action: chat.ActionNotice, text: text, due: t0, created: t0}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids[0]
		}
		waits := func(id int64) bool {
			t.Helper()
			var w int
			if err := s.readGet(ctx, &w, `SELECT waits FROM outbox WHERE id = ?`, id); err != nil {
				t.Fatal(err)
			}
			return w == 1
		}
		claim := func(at time.Time) string {
			t.Helper()
			got, err := s.ClaimOutgoing(ctx, "w", at, time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			return outTexts(got)
		}
		t1, t2, t3 := queue("team", "t1"), queue("team", "t2"), queue("team", "t3")
		c1 := queue("c", "c1")
		for id, want := range map[int64]bool{t1: false, t2: true, t3: true, c1: false} {
			if waits(id) != want {
				t.Errorf("message %d waits %v, want %v", id, !want, want)
			}
		}
		if got := claim(t0); got != "t1 c1" {
			t.Fatalf("claimed %q, want the first of each chat: t1 c1", got)
		}
		if _, err := s.MarkSentAndClaimNext(ctx, []chat.SentMessage{{ID: t1, PlatformMessageID: "1", At: t0}}, chat.SendClaim{}, t0); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0); got != "t2" {
			t.Fatalf("after t1 was sent, claimed %q, want t2 at once", got)
		}
		if err := s.FailOutgoing(ctx, t2, "chat not found", false); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0); got != "t3" {
			t.Fatalf("after t2 was given up, claimed %q, want t3 at once", got)
		}

		// A message that leaves the queue unsent any other way (here
		// cancelled, as an erasure does) lets the next one go at the next
		// look over waiting messages, and only then is that one due.
		x1, x2 := queue("x", "x1"), queue("x", "x2")
		if _, err := s.w.ExecContext(ctx, s.pg(`UPDATE outbox SET state = 'cancelled' WHERE id = ?`), x1); err != nil {
			t.Fatal(err)
		}
		if got := claim(t0); got != "" {
			t.Fatalf("claimed %q before the next look, want nothing yet", got)
		}
		if due, ok, err := s.NextDue(ctx); err != nil || ok {
			t.Fatalf("next due %v, %v, %v: x2 still waits, nothing is due", due, ok, err)
		}
		if got := claim(t0.Add(unparkEvery)); got != "x2" {
			t.Fatalf("at the next look claimed %q, want x2", got)
		}
		if waits(x2) {
			t.Error("x2 still marked waiting once claimed")
		}
	})
}

// TestAnIdleSenderLooksOverWaitingMessagesWithoutWriting: the once-a-second
// look over waiting messages only reads while none waits, so an idle
// sender's polls cost one write transaction each (its claim), not two.
func TestAnIdleSenderLooksOverWaitingMessagesWithoutWriting(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		before := s.Work().Commits
		for i := range 3 {
			if got, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Duration(i)*unparkEvery), time.Minute, 10); err != nil || len(got) != 0 {
				t.Fatalf("claim %d: %+v, %v", i, got, err)
			}
		}
		if got := s.Work().Commits - before; got != 3 {
			t.Errorf("three idle claims committed %d transactions, want 3", got)
		}
	})
}

// TestRecordingASendLetsItsChatGoOnlyWhenOneWaits: recording a reply that
// is its chat's only message costs no statement to let the chat's next
// one go; a reply with another behind it lets that one be claimed.
func TestRecordingASendLetsItsChatGoOnlyWhenOneWaits(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		evs, states := claimBatch(t, s, 2, t0)
		alone := replyPlan(evs[0].Event, "content/a", t0)
		twice := replyPlan(evs[1].Event, "content/b", t0)
		second := twice.Sends[0]
		second.Text, second.Reservations = "And one more thing.", nil
		twice.Sends = append(twice.Sends, second)
		if _, err := s.Apply(ctx, []chat.Effects{{Event: evs[0], Basis: states[0], Plan: alone}, {Event: evs[1], Basis: states[1], Plan: twice}}, t0); err != nil {
			t.Fatal(err)
		}
		heads, err := s.ClaimOutgoing(ctx, "w", t0, time.Minute, 10)
		if err != nil || len(heads) != 2 {
			t.Fatalf("claim: %v, %+v, want each chat's first reply", err, heads)
		}
		record := func(m chat.Outgoing) uint64 {
			t.Helper()
			before := s.Work().Statements
			if _, err := s.MarkSentAndClaimNext(ctx, []chat.SentMessage{{ID: m.ID, PlatformMessageID: "p", At: t0}}, chat.SendClaim{}, t0); err != nil {
				t.Fatal(err)
			}
			return s.Work().Statements - before
		}
		// On SQLite: BEGIN, the update, the line in the conversation's
		// history, COMMIT; and for the second, the statement that lets the
		// reply behind it go. On PostgreSQL a record is one script, one
		// round trip either way.
		only, behind := uint64(4), uint64(5)
		if s.postgres {
			only, behind = 1, 1
		}
		if n := record(heads[0]); n != only {
			t.Errorf("recording a chat's only reply took %d statements, want %d", n, only)
		}
		if n := record(heads[1]); n != behind {
			t.Errorf("recording a reply with another behind it took %d statements, want %d", n, behind)
		}
		next, err := s.ClaimOutgoing(ctx, "w", t0, time.Minute, 10)
		if err != nil || len(next) != 1 || next[0].Text != "And one more thing." {
			t.Errorf("claim after the sends: %v, %+v, want the second reply", err, next)
		}
	})
}
