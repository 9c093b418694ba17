package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/httpapi"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// TestTokenCommands creates, lists and revokes API tokens while a server
// holds the database, as an operator would beside a running serve.
func TestTokenCommands(t *testing.T) {
	cfgPath, db := cliConfig(t)
	ctx := context.Background()
	server, err := store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if err := server.TakeOver(ctx); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (code int, stdout, stderr string) {
		var out, errOut bytes.Buffer
		code = run(append(append([]string{"token"}, args[:1]...), append([]string{"--config", cfgPath}, args[1:]...)...), &out, &errOut)
		return code, out.String(), errOut.String()
	}

	code, secret, stderr := cli("create", "--name", "helpdesk", "--scope", "agent")
	secret = strings.TrimSpace(secret)
	if code != 0 || !regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`).MatchString(secret) {
		t.Fatalf("create: exit %d, token %q, stderr %q", code, secret, stderr)
	}
	// The server finds it by its hash; the secret itself is nowhere stored.
	got, found, err := server.LiveAPIToken(ctx, httpapi.HashAPIToken(secret))
	if err != nil || !found || got.Name != "helpdesk" || got.Scope != chat.ScopeAgent || got.Hash == secret {
		t.Fatalf("server sees %+v, %v, %v", got, found, err)
	}

	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"name taken", []string{"create", "--name", "helpdesk", "--scope", "read"}, 1, "named \"helpdesk\" already"},
		{"unknown scope", []string{"create", "--name", "crm", "--scope", "owner"}, 1, "want read, agent or admin"},
		{"bad name", []string{"create", "--name", "a b", "--scope", "read"}, 1, "token name"},
		{"revoke nobody", []string{"revoke", "nobody"}, 1, "no live token named \"nobody\""},
		{"revoke without a name", []string{"revoke"}, 2, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tc.wantCode, tc.wantErr)
			}
		})
	}

	if code, out, stderr := cli("revoke", "helpdesk"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: exit %d, %q, %q", code, out, stderr)
	}
	if _, found, err := server.LiveAPIToken(ctx, httpapi.HashAPIToken(secret)); err != nil || found {
		t.Fatalf("revoked token still live: %v, %v", found, err)
	}
	code, out, stderr := cli("list", "--json")
	var list []chat.APIToken
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Name != "helpdesk" || list[0].RevokedAt == nil {
		t.Fatalf("list: exit %d, %q, %q", code, out, stderr)
	}
	if strings.Contains(out, secret) || strings.Contains(out, got.Hash) {
		t.Fatal("list shows the secret or its hash")
	}
	if code, out, _ := cli("list"); code != 0 || !strings.Contains(out, "helpdesk") || !strings.Contains(out, "revoked") {
		t.Fatalf("list: exit %d, %q", code, out)
	}
}
