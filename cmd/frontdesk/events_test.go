package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// TestEvents: an event whose processing never finished is set aside; the
// command lists it with its error but not what the customer wrote or
// their name, and puts it back in line.
func TestEvents(t *testing.T) {
	cfgPath, db := cliConfig(t)
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "1", Kind: chat.KindText, ChatID: "4242", ChatType: chat.ChatPrivate,
		Text: "my phone is 555-0100", Customer: chat.Customer{ID: "4242", Name: "Zoe"}}
	if err := st.Accept(ctx, ev); err != nil {
		t.Fatal(err)
	}
	aside := chat.SetAside{Attempts: 1, Cause: "set aside after 1 attempts: processing never finished"}
	// Claimed once and abandoned (the process died); the claim after the
	// lease sets it aside.
	for _, at := range []time.Time{time.Now(), time.Now().Add(2 * time.Minute)} {
		if _, err := st.ClaimEvents(ctx, "w", at, time.Minute, 1, aside); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"lists", []string{"events", "--config", cfgPath}, 0, "chat telegram/shop/4242  text  after 1 attempt(s): set aside after 1 attempts: processing never finished"},
		{"lists as JSON", []string{"events", "--config", cfgPath, "--json"}, 0, `"chat":"telegram/shop/4242","kind":"text","attempts":1`},
		{"bad ids", []string{"events", "--config", cfgPath, "--retry", "1,x"}, 2, "want event ids"},
		{"unknown id", []string{"events", "--config", cfgPath, "--retry", "99"}, 1, "no event set aside with id 99"},
		// The known one goes back in line ("nothing left" below), the
		// others are named.
		{"known and unknown ids", []string{"events", "--config", cfgPath, "--retry", "99,1,98"}, 1, "frontdesk events: no event set aside with id 99, 98 "},
		{"already back in line", []string{"events", "--config", cfgPath, "--retry", "1"}, 1, "no event set aside with id 1 "},
		{"all, when none is set aside", []string{"events", "--config", cfgPath, "--retry", "all"}, 0, "0 event(s) back in line"},
		{"nothing left", []string{"events", "--config", cfgPath}, 0, "no events set aside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tt.wantCode, &stdout, &stderr, tt.want)
			}
			for _, private := range []string{"555-0100", "Zoe"} {
				if strings.Contains(out, private) {
					t.Errorf("the output shows %q:\n%s", private, out)
				}
			}
		})
	}

	// Back in line with its attempts counted afresh.
	st, err = store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.ClaimEvents(ctx, "w", time.Now().Add(3*time.Minute), time.Minute, 1, aside)
	if err != nil || len(evs) != 1 || evs[0].Attempts != 1 {
		t.Fatalf("claim after the retry: %+v, %v; want the event at its first attempt", evs, err)
	}
}
