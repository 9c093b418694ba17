package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// seedIncident files five customers' handoffs under one incident: "1"
// wrote 50 hours before at (outside the window), "2" is blocked, "3" had a
// reply within the hour, "4" and "5" (who speaks Russian) can be written
// to. It returns the incident's id.
func seedIncident(t *testing.T, s *Store, at time.Time) int64 {
	t.Helper()
	handoff := &chat.Action{Type: chat.ActionHandoff, Rule: "outage", Team: "support", Priority: "high"}
	for i, c := range []struct {
		id   string
		at   time.Time
		lang string
	}{{"1", at.Add(-50 * time.Hour), "en"}, {"2", at.Add(-2 * time.Hour), "en"}, {"3", at.Add(-30 * time.Minute), "en"},
		{"4", at.Add(-20 * time.Minute), "en"}, {"5", at.Add(-10 * time.Minute), "ru-RU"}} {
		ev := event(c.id, "90"+c.id, "the app is down")
		ev.Customer.Language = c.lang
		plan := chat.Plan{Outcome: chat.OutcomeHandedOff, Handoff: handoff}
		if c.id == "3" {
			plan.Sends = []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "outage", Text: "Sorry!"}}}
		}
		if i == 4 {
			plan.Incident = &chat.IncidentPlan{Team: "support", Cause: "outage", Since: at.Add(-72 * time.Hour), Handoffs: 5,
				Notice: chat.Notice{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "Incident · 5 customers"}}
		}
		decideAt(t, s, ev, c.at, plan)
	}
	if _, err := s.w.Exec(s.w.Rebind(`UPDATE customers SET blocked = 1 WHERE external_id = ?`), "902"); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := s.r.Get(&id, `SELECT id FROM incidents`); err != nil {
		t.Fatal(err)
	}
	return id
}

// agentEventAt is an agent's message in a team chat of its own (an event
// left pending holds back the next of its chat), claimed at at.
func agentEventAt(t *testing.T, s *Store, id string, at time.Time) chat.InboxEvent {
	t.Helper()
	mustAccept(t, s, chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: id, Kind: chat.KindText, ChatID: "-100" + id,
		ChatType: chat.ChatGroup, Text: "/incident update", Customer: chat.Customer{ID: "7", Name: "Alice"}})
	return claimOne(t, s, at)
}

// TestIncidentUpdateReachesEachCustomerOnce: one update is one outbox row
// for each customer who can be written to, in their language, bounded by
// their window; the others are counted by reason. The same event applied
// again, or a change decided on an incident that changed since, writes
// nothing.
func TestIncidentUpdateReachesEachCustomerOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := t0.Add(100 * time.Hour)
		id := seedIncident(t, s, at)
		inc, err := s.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !inc.Open || inc.Handoffs != 5 || inc.Notice != "Incident · 5 customers" || inc.Owner.Known() || inc.Updates != 0 {
			t.Fatalf("incident read %+v", inc)
		}
		alice := chat.Agent{ID: "telegram:7", Name: "Alice"}
		reach := 47 * time.Hour
		change := chat.IncidentChange{ID: id, Read: inc, Take: true, Agent: alice, Status: "Fixing it",
			Update: &chat.IncidentUpdate{Texts: map[string]string{"": "Update: Fixing it", "ru": "Новости: Fixing it"},
				Reach: map[chat.Platform]time.Duration{chat.Telegram: reach, chat.Discord: reach}, PerHour: 1},
			Notice: &chat.Notice{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "Incident · 5 customers\nOwner: Alice."}}
		plan := chat.AgentPlan{Agent: alice, Notices: []chat.Notice{{Platform: chat.Telegram, Bot: "shop", ChatID: "-100",
			Text: "sent to {sent}; {outside_window} outside; {skipped} skipped"}}}
		ie := agentEventAt(t, s, "a1", at)
		sent, err := s.ApplyIncident(ctx, ie, change, plan, at)
		if err != nil {
			t.Fatal(err)
		}
		if want := (chat.IncidentSent{Customers: 5, Sent: 2, OutsideWindow: 1, Skipped: 2}); sent != want {
			t.Fatalf("sent %+v, want %+v", sent, want)
		}
		var rows []struct {
			ChatID string `db:"chat_id"`
			Text   string `db:"text"`
			Scope  string `db:"scope"`
			Until  int64  `db:"window_until"`
		}
		if err := s.r.Select(&rows, `SELECT chat_id, text, scope, window_until FROM outbox WHERE action = 'incident_update' ORDER BY chat_id`); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].ChatID != "904" || rows[0].Text != "Update: Fixing it" || rows[1].ChatID != "905" || rows[1].Text != "Новости: Fixing it" ||
			rows[0].Scope != "telegram/shop/904" || rows[0].Until != ms(at.Add(-20*time.Minute+reach)) {
			t.Fatalf("outbox %+v", rows)
		}
		var told string
		if err := s.r.Get(&told, s.r.Rebind(`SELECT text FROM outbox WHERE action = 'notice' AND inbox_id = ?`), ie.ID); err != nil {
			t.Fatal(err)
		}
		if told != "sent to 2; 1 outside; 2 skipped" {
			t.Fatalf("team told %q", told)
		}
		after, err := s.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !after.Owner.Is(alice) || after.Owner.Name != "Alice" || after.Status != "Fixing it" || after.Updates != 1 || after.Notice != "Incident · 5 customers\nOwner: Alice." {
			t.Fatalf("after the update, incident read %+v", after)
		}

		// The same event again (a crash before it was acknowledged).
		if _, err := s.ApplyIncident(ctx, ie, change, plan, at); !errors.Is(err, chat.ErrAlreadyDone) {
			t.Fatalf("applied again: %v, want ErrAlreadyDone", err)
		}
		// Another agent's update decided on the incident before Alice's.
		stale := change
		stale.Agent, stale.Status = chat.Agent{ID: "telegram:8", Name: "Bob"}, "Other"
		if _, err := s.ApplyIncident(ctx, agentEventAt(t, s, "a2", at), stale, plan, at); !errors.Is(err, chat.ErrConflict) {
			t.Fatalf("a stale update: %v, want ErrConflict", err)
		}
		if n := countWhere(t, s, "outbox", "action = 'incident_update'"); n != 2 {
			t.Fatalf("%d updates queued, want 2", n)
		}

		// Alice resolves it: closed with its handoffs, the resolution sent.
		resolve := chat.IncidentChange{ID: id, Read: after, Status: "Fixed", Resolve: true,
			Update: &chat.IncidentUpdate{Texts: map[string]string{"": "Fixed"}, Reach: change.Update.Reach, PerHour: 10}}
		if sent, err = s.ApplyIncident(ctx, agentEventAt(t, s, "a3", at), resolve, chat.AgentPlan{Agent: alice}, at); err != nil {
			t.Fatal(err)
		}
		if sent.Sent != 3 || sent.Skipped != 1 || sent.OutsideWindow != 1 { // "3" is under the hourly limit of 10 now
			t.Fatalf("resolution sent %+v", sent)
		}
		if got, _ := s.Incident(ctx, id); got.Open || got.Status != "Fixed" {
			t.Fatalf("after resolving, incident read %+v", got)
		}
		if n := countWhere(t, s, "handoffs", "state IN ('waiting', 'claimed')"); n != 0 {
			t.Fatalf("%d handoffs still open", n)
		}

		// Reports see how long it lasted and whom it affected.
		got, err := s.ReportIncidents(ctx, t0, at.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != id || got[0].Cause != "outage" || got[0].Team != "support" || got[0].Owner != alice ||
			got[0].Resolved == nil || !got[0].Resolved.Equal(at) || got[0].Customers != 5 || got[0].Updates != 2 || got[0].UpdatesSent != 0 {
			t.Fatalf("report incidents %+v", got)
		}
		if got, err := s.ReportIncidents(ctx, t0, at.Add(-time.Second)); err != nil || len(got) != 1 || got[0].Resolved != nil {
			t.Fatalf("before its resolution, report incidents %+v, %v; want it open", got, err)
		}
	})
}

func countWhere(t *testing.T, s *Store, table, where string) int {
	t.Helper()
	var n int
	if err := s.r.Get(&n, "SELECT COUNT(*) FROM "+table+" WHERE "+where); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIncidentUpdateOfThousands: an incident of thousands of customers is
// updated in one transaction of a few set-based statements, in seconds on
// either database, each customer once.
func TestIncidentUpdateOfThousands(t *testing.T) {
	const many = 3000
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := t0.Add(100 * time.Hour)
		id := seedIncident(t, s, at)
		for _, q := range []string{
			`WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO customers (platform, bot, external_id, language, first_seen_at, last_seen_at)
			SELECT 'telegram', 'shop', 'c' || i, 'en', ?, ? FROM n`,
			`INSERT INTO conversations (conversation_key, platform, bot, chat_id, chat_type, customer_id, status, started_at, last_customer_at)
			SELECT 'telegram/shop/' || external_id, platform, bot, external_id, 'private', id, 'waiting_for_human', ?, ?
			FROM customers WHERE external_id LIKE 'c%'`,
			`INSERT INTO handoffs (conversation_id, team, rule, created_at, due_at, incident_id)
			SELECT id, 'support', 'outage', ?, ?, ? FROM conversations WHERE chat_id LIKE 'c%'`,
		} {
			args := []any{ms(at.Add(-time.Hour)), ms(at.Add(-time.Hour))}
			switch {
			case strings.Contains(q, "RECURSIVE"):
				args = append([]any{many}, args...)
			case strings.Contains(q, "INTO handoffs"):
				args = append(args, id)
			}
			if _, err := s.w.Exec(s.w.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		inc, err := s.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		reach := map[chat.Platform]time.Duration{chat.Telegram: 47 * time.Hour}
		change := chat.IncidentChange{ID: id, Read: inc, Status: "Fixing it",
			Update: &chat.IncidentUpdate{Texts: map[string]string{"": "Update: Fixing it", "ru": "Новости"}, Reach: reach, PerHour: 1}}
		start := time.Now()
		sent, err := s.ApplyIncident(ctx, agentEventAt(t, s, "a1", at), change, chat.AgentPlan{}, at)
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d customers updated in %v", sent.Sent, took)
		if want := (chat.IncidentSent{Customers: many + 5, Sent: many + 2, OutsideWindow: 1, Skipped: 2}); sent != want {
			t.Fatalf("sent %+v, want %+v", sent, want)
		}
		if n := countWhere(t, s, "outbox", "action = 'incident_update'"); n != many+2 {
			t.Fatalf("%d updates queued, want %d", n, many+2)
		}
		if took > 10*time.Second {
			t.Errorf("an update of %d customers took %v", many, took)
		}
	})
}

// TestIncidentOf: an agent's /incident is about the incident whose
// notification they replied to (in that chat), or the one the conversation
// they replied to or wrote in the topic of is filed under; a reply to a
// message of ours not yet recorded is ErrNotYet, anything else none.
func TestIncidentOf(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		at := t0.Add(100 * time.Hour)
		id := seedIncident(t, s, at)
		var handoffID int64
		if err := s.r.Get(&handoffID, `SELECT h.id FROM handoffs h JOIN conversations c ON c.id = h.conversation_id WHERE c.chat_id = '904'`); err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE incidents SET message_id = '555' WHERE id = ?`, []any{id}},
			{`INSERT INTO handoff_messages (handoff_id, platform, bot, chat_id, message_id) VALUES (?, 'telegram', 'shop', '-100', '444')`, []any{handoffID}},
			{`INSERT INTO team_topics (platform, bot, chat_id, conversation_key, thread_id, created_at)
				SELECT 'telegram', 'shop', '-100', conversation_key, '77', 0 FROM conversations WHERE chat_id = '905'`, nil},
		} {
			if _, err := s.w.Exec(s.w.Rebind(q.sql), q.args...); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			name            string
			chat, reply, in string
			toBot           bool
			received        time.Time
			want            int64
			err             error
		}{
			{"a reply to the notification", "-100", "555", "", true, at, id, nil},
			{"the same message id in another chat", "-200", "555", "", false, at, 0, nil},
			{"a reply to a notice of a conversation under it", "-100", "444", "", true, at, id, nil},
			{"in the topic of a conversation under it", "-100", "", "77", false, at, id, nil},
			{"a reply to our message still being recorded", "-100", "999", "", true, at, 0, chat.ErrNotYet},
			{"a reply to it long after", "-100", "999", "", true, at.Add(-time.Minute), 0, nil},
			{"a reply to an agent's message", "-100", "999", "", false, at, 0, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				ie := chat.InboxEvent{ReceivedAt: tt.received, Event: chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: tt.chat,
					ReplyTo: tt.reply, ReplyToBot: tt.toBot, ThreadID: tt.in}}
				got, err := s.IncidentOf(ctx, ie, at)
				if got != tt.want || !errors.Is(err, tt.err) {
					t.Fatalf("IncidentOf = %d, %v; want %d, %v", got, err, tt.want, tt.err)
				}
			})
		}
	})
}
