package main

import (
	"bytes"
	"context"
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

func TestForget(t *testing.T) {
	cfgPath, db := cliConfig(t)
	// A customer who wrote once.
	st := seedMessage(t, db, chat.Customer{ID: "4242", Name: "Zoe"}, "my phone is 555-0100", chat.Plan{Outcome: chat.OutcomeUnanswered})
	st.Close()

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"erases", []string{"forget", "--config", cfgPath, "--customer", "telegram/shop/4242"}, 0, "forgot telegram/shop/4242: 1 conversations, 1 messages, 1 stored events"},
		{"already forgotten", []string{"forget", "--config", cfgPath, "--customer", "telegram/shop/4242"}, 1, "no such customer"},
		{"malformed customer", []string{"forget", "--config", cfgPath, "--customer", "4242"}, 2, "--customer platform/bot/id is required"},
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
		{"retries", []string{"outbox", "--config", cfgPath, "--retry", "all"}, 0, "1 message(s) back in line"},
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
