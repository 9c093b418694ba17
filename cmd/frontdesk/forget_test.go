package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// cliConfig writes a config with a fresh SQLite database for a command.
func cliConfig(t *testing.T) (cfgPath, db string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "fd.db")
	cfgPath = filepath.Join(dir, "frontdesk.yaml")
	rules, err := filepath.Abs("../../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("database: \"sqlite:%s\"\nrules: %q\n", db, rules)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfgPath, db
}

// seedMessage stores and decides one customer message, as the service
// would, and returns the open store.
func seedMessage(t *testing.T, db string, c chat.Customer, text string, plan chat.Plan) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "1", Kind: chat.KindText, ChatID: c.ID, ChatType: chat.ChatPrivate,
		Text: text, Customer: c}
	if err := st.Accept(ctx, ev); err != nil {
		t.Fatal(err)
	}
	evs, err := st.ClaimEvents(ctx, "w", time.Now(), time.Minute, 1, chat.SetAside{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("claim: %d, %v", len(evs), err)
	}
	if err := storetest.Process(ctx, st, evs[0], time.Now(), time.Hour, func(chat.State) (chat.Plan, error) { return plan, nil }); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestForget runs forget and export in the order an operator would: look
// at what forget would touch, export the customer's data for them, erase,
// and find nobody left to erase or export.
func TestForget(t *testing.T) {
	cfgPath, db := cliConfig(t)
	// A customer who wrote once and got an answer not sent yet.
	st := seedMessage(t, db, chat.Customer{ID: "4242", Name: "Zoe"}, "my phone is 555-0100", chat.Plan{Outcome: chat.OutcomeAnswered,
		Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "Thanks Zoe"}}}})
	st.Close()

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
		wantNot  []string // personal data a dry run must not print
	}{
		{"dry run", []string{"forget", "--config", cfgPath, "--customer", "telegram/shop/4242", "--dry-run"}, 0,
			[]string{"would touch (nothing changed)", fmt.Sprintf("%-20s 1 rows", "customers"), fmt.Sprintf("%-20s 1 rows", "inbox"), fmt.Sprintf("%-20s 1 rows", "outbox"),
				"it would erase 1 stored events, 1 messages and 0 sends, and cancel 1 unsent messages"}, []string{"Zoe", "555-0100", "erased", "cancelled"}},
		{"dry run as JSON", []string{"forget", "--config", cfgPath, "--customer", "telegram/shop/4242", "--dry-run", "--json"}, 0,
			[]string{`"cancelled":1`, `"tables":{`}, []string{"Zoe", "555"}},
		{"export", []string{"export", "--config", cfgPath, "--customer", "telegram/shop/4242"}, 0,
			[]string{`"name": "Zoe"`, `"text": "my phone is 555-0100"`, `"from": "customer"`, `"outcome": "answered"`,
				`"rule": "faq"`, `"state": "pending"`}, nil},
		{"erases", []string{"forget", "--config", cfgPath, "--customer", "telegram/shop/4242"}, 0,
			[]string{"forgot telegram/shop/4242: 1 conversations, 1 messages, 1 stored events, 0 sends erased, 1 unsent messages cancelled"}, nil},
		{"already forgotten", []string{"forget", "--config", cfgPath, "--customer", "telegram/shop/4242"}, 1, []string{"no such customer"}, nil},
		{"nothing left to export", []string{"export", "--config", cfgPath, "--customer", "telegram/shop/4242"}, 1, []string{"no such customer"}, nil},
		{"malformed customer", []string{"forget", "--config", cfgPath, "--customer", "4242"}, 2, []string{"--customer platform/bot/id is required"}, nil},
		{"export without customer", []string{"export", "--config", cfgPath}, 2, []string{"--customer platform/bot/id is required"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.wantCode {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tt.wantCode, &stdout, &stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("output shows %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestExportIsJSON: export's output decodes into the store's export type,
// the shape an API serves too.
func TestExportIsJSON(t *testing.T) {
	cfgPath, db := cliConfig(t)
	st := seedMessage(t, db, chat.Customer{ID: "4242", Name: "Zoe"}, "hello", chat.Plan{Outcome: chat.OutcomeUnanswered})
	st.Close()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"export", "--config", cfgPath, "--customer", "telegram/shop/4242"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	var got store.CustomerExport
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Customer.Name != "Zoe" || len(got.Conversations) != 1 || len(got.Conversations[0].Messages) != 1 ||
		got.Conversations[0].Messages[0].Text != "hello" || got.Conversations[0].Decisions[0].Outcome != string(chat.OutcomeUnanswered) {
		t.Errorf("export = %+v", got)
	}
}

func TestOutbox(t *testing.T) {
	cfgPath, db := cliConfig(t)
	// One reply that was given up.
	ctx := context.Background()
	st := seedMessage(t, db, chat.Customer{ID: "4242"}, "hi",
		chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "hello"}}}})
	msgs, _ := st.ClaimOutgoing(ctx, "w", time.Now(), time.Minute, 1)
	if err := st.FailOutgoing(ctx, msgs[0].ID, "gave up after 10 attempts: 502 Bad Gateway", false); err != nil {
		t.Fatal(err)
	}
	st.Close()

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"lists", []string{"outbox", "--config", cfgPath}, 0, "telegram/shop chat 4242  reply faq  after 1 attempt(s): gave up after 10 attempts: 502 Bad Gateway"},
		{"bad ids", []string{"outbox", "--config", cfgPath, "--retry", "x"}, 2, "want message ids"},
		{"unknown id", []string{"outbox", "--config", cfgPath, "--retry", "999999"}, 1, "no message given up with id 999999"},
		// The known one goes back in line ("nothing left" below), the
		// other is named.
		{"known and unknown ids", []string{"outbox", "--config", cfgPath, "--retry", fmt.Sprintf("999999,%d", msgs[0].ID)}, 1,
			"1 message(s) back in line; the running service sends them in their chats' order\nfrontdesk outbox: no message given up with id 999999 "},
		{"all, when none is left", []string{"outbox", "--config", cfgPath, "--retry", "all"}, 0, "0 message(s) back in line"},
		{"nothing left", []string{"outbox", "--config", cfgPath}, 0, "no messages given up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stdout.String()+stderr.String(), tt.want) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tt.wantCode, &stdout, &stderr, tt.want)
			}
		})
	}
}
