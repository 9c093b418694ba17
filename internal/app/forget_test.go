package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// The customer forgotten below: their name, words and platform id are the
// markers searched for in every column of every table.
const (
	forgetName   = "Zq7name"
	forgetWords  = "zq7text"
	forgetMarker = "zq7"
	forgetID     = 7313370
	otherWords   = "other7text" // someone else's, which must stay
)

// forgetRules answer a FAQ with the customer's name, hand complaints off,
// and have a `when` that fails on every message, naming its text in the
// trace.
const forgetRules = `rules:
  - id: order-number
    when: 'int(text) > 0'
    reply: "Looking your order up."
  - id: shipping
    keywords: [shipping]
    reply: "Orders ship in two days, {{name}}."
  - id: complaint
    keywords: [scam]
    handoff: {priority: high, team: support}
    reply: "We're sorry, {{name}}: a colleague answers shortly."
`

// customerSays is a private message from the customer to be forgotten.
func customerSays(updateID int64, text string) []byte {
	b, _ := json.Marshal(map[string]any{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": updateID, "date": time.Now().Unix(), "text": text,
			"chat": map[string]any{"id": forgetID, "type": "private", "first_name": forgetName},
			"from": map[string]any{"id": forgetID, "is_bot": false, "first_name": forgetName, "username": forgetName + "_tg", "language_code": "en"},
		},
	})
	return b
}

// agentInTopic is an agent writing in the customer's forum topic; as
// Telegram does, the payload quotes the message the topic started with.
func agentInTopic(updateID int64, thread int64, quoted, text string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"message_thread_id": %d, "is_topic_message": true,
		"chat": {"id": %d, "type": "supergroup", "title": "Support", "is_forum": true},
		"from": {"id": 7, "is_bot": false, "first_name": "Alice"},
		"reply_to_message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup", "is_forum": true},
			"from": {"id": 100000001, "is_bot": true, "first_name": "Shop"}, "text": %q},
		"text": %q}}`, updateID, 10000+updateID, time.Now().Unix(), thread, teamChat, thread, teamChat, quoted, text))
}

// agentPresses is an agent pressing a button under the notification; the
// payload carries the whole notification, as Telegram's does.
func agentPresses(updateID int64, notice telegramtest.Message, data string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "callback_query": {"id": "cb%d", "chat_instance": "1",
		"from": {"id": 7, "is_bot": false, "first_name": "Alice"},
		"message": {"message_id": %d, "date": 1700000000, "message_thread_id": %d, "is_topic_message": true,
			"chat": {"id": %d, "type": "supergroup", "is_forum": true}, "text": %q},
		"data": %q}}`, updateID, updateID, notice.MessageID, notice.ThreadID, teamChat, notice.Text, data))
}

// TestForgetLeavesNoTrace plays a customer's whole story through the
// service (a FAQ answer that could not be delivered, a complaint handed
// off into a forum topic, an agent claiming it with the button, answering
// and quoting them, their answer relayed, a note, an expr error in every
// trace), forgets them, and then searches every text and binary column of
// every table, as the schema lists them, for their name, words and
// platform id: none may remain. A dry run before changes nothing and
// counts what Forget then does.
func TestForgetLeavesNoTrace(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			fake := telegramtest.New()
			t.Cleanup(fake.Close)
			fake.SetForum(teamChat)
			path := filepath.Join(t.TempDir(), "fd.db")
			cfg := testConfig(t, fake, path, "webhook")
			rules := filepath.Join(t.TempDir(), "rules.yaml")
			if err := os.WriteFile(rules, []byte(forgetRules), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg.Rules = rules
			// The team's webhook hears of handoffs too, with the customer's
			// name; two complaints within the hour make an incident.
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
			t.Cleanup(hook.Close)
			cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890",
				Webhook: config.TeamWebhook{URL: hook.URL, Secret: hookSecret}}},
				Incidents: config.Incidents{Threshold: 2, Window: config.Duration(time.Hour)}}
			driver, dsn := "sqlite", "file:"+path+"?mode=ro"
			if db == "postgres" {
				cfg.Database = storetest.PostgresDSN(t)
				driver, dsn = "pgx", cfg.Database
			}
			h := start(t, cfg, fake)

			// The FAQ answer fails for good: a dead letter naming them.
			fake.FailNext("sendMessage", 1, telegramtest.Failure{Status: 400, Description: "Bad Request: can't parse entities"})
			h.post(customerSays(1, "what about shipping? "+forgetWords), secret)
			h.waitIdle(h.app.Store())
			h.post(customerSays(2, "this is a scam, "+forgetWords), secret)
			notice := h.lastTo(teamChat, 1)
			if notice.ThreadID == 0 || !strings.Contains(notice.Text, forgetWords) {
				t.Fatalf("notification %+v, want it in the customer's topic, quoting them", notice)
			}
			h.post(agentPresses(100, notice, "claim:1"), secret)
			h.lastTo(teamChat, 2)
			h.post(agentInTopic(101, notice.ThreadID, notice.Text, "Hi "+forgetName+", about "+forgetWords+": the refund goes out today."), secret)
			h.lastTo(forgetID, 2)
			h.post(customerSays(3, "thank you! "+forgetWords), secret)
			h.lastTo(teamChat, 3)
			h.post(agentInTopic(102, notice.ThreadID, notice.Text, "/note "+forgetName+" is a regular, "+forgetWords), secret)
			h.post(agentInTopic(103, notice.ThreadID, notice.Text, "/resolve"), secret)
			h.lastTo(teamChat, 4)
			// Written after the handoff closed: nothing links this event
			// to them but the topic it was written in.
			h.post(agentInTopic(104, notice.ThreadID, notice.Text, "ps "+forgetName+" "+forgetWords), secret)
			h.waitIdle(h.app.Store())
			// Someone else complains, then they do again: an incident,
			// whose notification quotes the latest customer, them.
			h.post(update(4, 5550001, "en", "this is a scam, "+otherWords), secret)
			h.waitIdle(h.app.Store())
			h.post(customerSays(5, "still a scam, "+forgetWords), secret)
			h.waitIdle(h.app.Store())

			ctx := context.Background()
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { raw.Close() })
			cols, err := storetest.TextColumns(ctx, raw, db == "postgres")
			if err != nil {
				t.Fatal(err)
			}
			find := func(needle string) []string {
				t.Helper()
				found, err := storetest.FindText(ctx, raw, db == "postgres", cols, needle)
				if err != nil {
					t.Fatal(err)
				}
				var where []string
				for c, n := range found {
					where = append(where, fmt.Sprintf("%s (%d rows)", c, n))
				}
				slices.Sort(where)
				return where
			}
			// The story reached every place that can hold a copy.
			before := strings.Join(find(forgetMarker), ", ")
			for _, want := range []string{"customers.name", "customers.username", "inbox.event", "inbox.raw", "messages.text",
				"decisions.trace", "outbox.text", "outbox.topic_name"} {
				if !strings.Contains(before, want+" ") {
					t.Errorf("before forgetting, %s holds no marker; found in: %s", want, before)
				}
			}

			var incidentQuotes int
			if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE incident_id IS NOT NULL AND text LIKE '%`+forgetWords+`%'`).Scan(&incidentQuotes); err != nil || incidentQuotes == 0 {
				t.Errorf("no incident notification quotes them (%v)", err)
			}

			customer := fmt.Sprint(forgetID)
			dry, err := h.app.Store().ForgetDryRun(ctx, chat.Telegram, "shop", customer, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if after := strings.Join(find(forgetMarker), ", "); after != before {
				t.Fatalf("the dry run changed the data:\nbefore %s\nafter  %s", before, after)
			}
			got, err := h.app.Store().Forget(ctx, chat.Telegram, "shop", customer, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(dry) != fmt.Sprint(got) {
				t.Errorf("the dry run counted %+v, forget did %+v", dry, got)
			}
			// Their 4 events and the agent's 5 (the press, the reply, the
			// note, the resolve, the afterthought); the second handoff,
			// joined to the incident, is closed.
			if got.Events != 9 || got.Conversations != 1 || got.Cancelled != 1 || got.Pending != 0 || got.Tables["decisions"] != 4 ||
				got.Tables["handoffs"] != 1 {
				t.Errorf("forgot %+v", got)
			}
			for _, needle := range []string{forgetMarker, customer} {
				if where := find(needle); len(where) > 0 {
					t.Errorf("after forget, %q is still in %s", needle, strings.Join(where, ", "))
				}
			}
			if where := strings.Join(find(otherWords), ", "); !strings.Contains(where, "messages.text") || !strings.Contains(where, "inbox.raw") {
				t.Errorf("another customer's words were erased too; left in: %s", where)
			}
		})
	}
}
