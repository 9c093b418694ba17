package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// TestSpam: a message a rule ignored as spam is listed by rule with its
// text masked; --release queues it once to be answered and refuses a
// second time.
func TestSpam(t *testing.T) {
	cfgPath, db := cliConfig(t)
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "1", Kind: chat.KindText, ChatID: "4242", ChatType: chat.ChatPrivate,
		Text: "where is my order? call 555-0100 http://x.example", Time: now, Customer: chat.Customer{ID: "4242", Name: "Zoe"}}
	if err := st.Accept(ctx, ev); err != nil {
		t.Fatal(err)
	}
	evs, err := st.ClaimEvents(ctx, "w", now, time.Minute, 1, chat.SetAside{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("claim: %v, %v", evs, err)
	}
	plan := chat.Plan{Outcome: chat.OutcomeIgnored, Insight: chat.Insight{Type: chat.TypeSpam},
		Recorded: []chat.Action{{Type: chat.ActionIgnore, Rule: "links-from-new"}}}
	if err := storetest.Process(ctx, st, evs[0], now, time.Hour, func(chat.State) (chat.Plan, error) { return plan, nil }); err != nil {
		t.Fatal(err)
	}
	id := evs[0].ID
	st.Close()

	ids := func(s string) string { return strings.ReplaceAll(s, "ID", strconv.FormatInt(id, 10)) }
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"lists by rule, masked", []string{"spam", "--config", cfgPath}, 0, "links-from-new: 1 message\n  " + strconv.FormatInt(id, 10)},
		{"the text, masked", []string{"spam", "--config", cfgPath}, 0, `"where is my order? call [number] http://x.example"`},
		{"as JSON", []string{"spam", "--config", cfgPath, "--json"}, 0, `"rule": "links-from-new"`},
		{"a bad id", []string{"spam", "--config", cfgPath, "--release", "x"}, 2, "want a message id"},
		{"an unknown id", []string{"spam", "--config", cfgPath, "--release", "99"}, 1, "no such message"},
		{"releases", []string{"spam", "--config", cfgPath, "--release", ids("ID")}, 0, ids("message ID released as not spam")},
		{"not twice", []string{"spam", "--config", cfgPath, "--release", ids("ID")}, 1, "released already"},
		{"shown as released", []string{"spam", "--config", cfgPath}, 0, "1 released as not spam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tt.wantCode, &stdout, &stderr, tt.want)
			}
			if strings.Contains(out, "555-0100") || strings.Contains(out, "Zoe") {
				t.Errorf("the output shows personal data:\n%s", out)
			}
		})
	}

	// One answer is queued, marked as the release of the message.
	st, err = store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err = st.ClaimEvents(ctx, "w", time.Now().Add(time.Minute), time.Minute, 10, chat.SetAside{})
	if err != nil || len(evs) != 1 || evs[0].ReleaseOf != id || evs[0].Text != ev.Text {
		t.Fatalf("queued %+v, %v; want the message once, marked as released", evs, err)
	}
}
