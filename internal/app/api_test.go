package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// apiCall makes one /api/v1 request and decodes its JSON answer.
func (h *harness) apiCall(method, path, token, key string, body any) (int, map[string]any) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+h.app.Addr()+"/api/v1"+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestAPIForAHelpdesk plays what a helpdesk does through /api/v1 against
// the real service: tokens of each scope are admitted or refused, it lists
// and reads the handoff, claims it and replies as a named agent through
// the same lifecycle and outbox as the team chat (a reply posted twice
// with one Idempotency-Key reaches the customer once), then reads,
// exports and forgets the customer.
func TestAPIForAHelpdesk(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { testAPIForAHelpdesk(t, db) })
	}
}

func testAPIForAHelpdesk(t *testing.T, db string) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dbPath := filepath.Join(t.TempDir(), "fd.db")
	cfg := testConfig(t, fake, dbPath, "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	cfg.AdminToken = "shared-admin-token"
	driver, dsn := "sqlite", "file:"+dbPath+"?mode=ro"
	if db == "postgres" {
		cfg.Database = storetest.PostgresDSN(t)
		driver, dsn = "pgx", cfg.Database
	}
	h := start(t, cfg, fake)
	ctx := context.Background()
	tokens := map[chat.Scope]string{}
	for _, s := range []chat.Scope{chat.ScopeRead, chat.ScopeAgent, chat.ScopeAdmin} {
		tok, err := CreateAPIToken(ctx, h.app.Store(), "hd-"+string(s), s, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tokens[s] = tok
	}
	revoked, err := CreateAPIToken(ctx, h.app.Store(), "old", chat.ScopeAdmin, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.app.Store().RevokeAPIToken(ctx, "old", time.Now()); !ok || err != nil {
		t.Fatalf("revoke: %v, %v", ok, err)
	}

	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	h.lastTo(teamChat, 1)
	h.lastTo(customer, 1) // the acknowledgement of the handoff
	h.waitIdle(h.app.Store())
	const customerID = "/customers/telegram%2Fshop%2F4242"

	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		want                      int
	}{
		{"no token", "GET", "/handoffs", "", nil, http.StatusUnauthorized},
		{"unknown token", "GET", "/handoffs", "fd_" + strings.Repeat("x", 43), nil, http.StatusUnauthorized},
		{"revoked token", "GET", "/handoffs", revoked, nil, http.StatusUnauthorized},
		{"read may list", "GET", "/handoffs", tokens[chat.ScopeRead], nil, http.StatusOK},
		{"read may read a customer", "GET", customerID, tokens[chat.ScopeRead], nil, http.StatusOK},
		{"read may not claim", "POST", "/handoffs/1/claim", tokens[chat.ScopeRead], map[string]string{"agent": "Dana"}, http.StatusForbidden},
		{"agent may not export", "GET", customerID + "/export", tokens[chat.ScopeAgent], nil, http.StatusForbidden},
		{"agent may not forget", "DELETE", customerID, tokens[chat.ScopeAgent], nil, http.StatusForbidden},
		{"the shared admin token is admin", "GET", customerID + "/export", cfg.AdminToken, nil, http.StatusOK},
		{"no such handoff", "GET", "/handoffs/99", tokens[chat.ScopeRead], nil, http.StatusNotFound},
		{"no such handoff to claim", "POST", "/handoffs/99/claim", tokens[chat.ScopeAgent], map[string]string{"agent": "Dana"}, http.StatusNotFound},
		{"no such customer", "GET", "/customers/telegram%2Fshop%2F1", tokens[chat.ScopeRead], nil, http.StatusNotFound},
		{"a reply needs a text", "POST", "/handoffs/1/reply", tokens[chat.ScopeAgent], map[string]string{"agent": "Dana"}, http.StatusBadRequest},
		{"a claim needs an agent", "POST", "/handoffs/1/claim", tokens[chat.ScopeAgent], map[string]string{}, http.StatusBadRequest},
		{"a bad filter", "GET", "/handoffs?state=lost", tokens[chat.ScopeRead], nil, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, body := h.apiCall(tc.method, tc.path, tc.token, "", tc.body); got != tc.want {
				t.Fatalf("%s %s: %d %v, want %d", tc.method, tc.path, got, body, tc.want)
			}
		})
	}

	read := tokens[chat.ScopeRead]
	_, list := h.apiCall("GET", "/handoffs?state=waiting&team=support&priority=high&since=2020-01-01T00:00:00Z", read, "", nil)
	hs, _ := list["handoffs"].([]any)
	if len(hs) != 1 || hs[0].(map[string]any)["customer"] != "telegram/shop/4242" {
		t.Fatalf("waiting handoffs: %v", list)
	}
	if _, list := h.apiCall("GET", "/handoffs?state=claimed", read, "", nil); len(list["handoffs"].([]any)) != 0 {
		t.Fatalf("claimed handoffs before any claim: %v", list)
	}
	_, one := h.apiCall("GET", "/handoffs/1", read, "", nil)
	msgs, _ := one["handoff"].(map[string]any)["messages"].([]any)
	if len(msgs) == 0 || msgs[0].(map[string]any)["text"] != "this is a scam, where is my money?" {
		t.Fatalf("handoff 1: %v", one)
	}

	agent := tokens[chat.ScopeAgent]
	if code, body := h.apiCall("POST", "/handoffs/1/claim", agent, "claim-1", map[string]string{"agent": "Dana"}); code != http.StatusAccepted {
		t.Fatalf("claim: %d %v", code, body)
	}
	if got := h.lastTo(teamChat, 2).Text; got != "Dana owns this conversation." {
		t.Fatalf("team chat told %q", got)
	}
	const answer = "Hi, Dana here: I have found your order."
	for range 2 { // a helpdesk retrying after a lost answer
		if code, body := h.apiCall("POST", "/handoffs/1/reply", agent, "reply-1", map[string]string{"agent": "Dana", "text": answer}); code != http.StatusAccepted {
			t.Fatalf("reply: %d %v", code, body)
		}
	}
	if got := h.lastTo(customer, 2).Text; got != "A colleague from support has joined the conversation." {
		t.Fatalf("customer told %q on the claim", got)
	}
	if got := h.lastTo(customer, 3).Text; got != answer {
		t.Fatalf("customer got %q", got)
	}
	h.waitIdle(h.app.Store())
	var copies int
	for _, m := range h.fake.Sent() {
		if m.ChatID == customer && m.Text == answer {
			copies++
		}
	}
	if copies != 1 {
		t.Fatalf("the customer got the reply %d times, want once", copies)
	}
	_, one = h.apiCall("GET", "/handoffs/1", read, "", nil)
	if hd := one["handoff"].(map[string]any); hd["state"] != "claimed" || hd["claimed_by"] != "Dana" || hd["claimed_by_id"] != "api:hd-agent" {
		t.Fatalf("after claim and reply: %v", hd)
	}

	// Resolved through the API; a reply after that changes nothing and
	// the team chat is told, as it would be for one typed there.
	if code, body := h.apiCall("POST", "/handoffs/1/resolve", agent, "resolve-1", map[string]string{"agent": "Dana"}); code != http.StatusAccepted {
		t.Fatalf("resolve: %d %v", code, body)
	}
	if got := h.lastTo(teamChat, 3).Text; got != "Resolved by Dana. The bot answers this customer again." {
		t.Fatalf("team chat told %q", got)
	}
	const late = "zq8late: one more thing"
	if code, body := h.apiCall("POST", "/handoffs/1/reply", agent, "reply-2", map[string]string{"agent": "Dana", "text": late}); code != http.StatusAccepted {
		t.Fatalf("late reply: %d %v", code, body)
	}
	if got := h.lastTo(teamChat, 4).Text; !strings.HasPrefix(got, "Not sent: this conversation is closed") {
		t.Fatalf("team chat told %q", got)
	}
	h.waitIdle(h.app.Store())

	admin := tokens[chat.ScopeAdmin]
	if code, body := h.apiCall("GET", customerID, read, "", nil); code != http.StatusOK ||
		body["customer"].(map[string]any)["customer"].(map[string]any)["name"] != "Ann" {
		t.Fatalf("customer: %d %v", code, body)
	}
	if code, body := h.apiCall("DELETE", customerID, admin, "", nil); code != http.StatusOK || body["forgotten"].(map[string]any)["conversations"] != 1.0 {
		t.Fatalf("forget: %d %v", code, body)
	}
	if code, body := h.apiCall("GET", customerID+"/export", admin, "", nil); code != http.StatusNotFound {
		t.Fatalf("export after forget: %d %v", code, body)
	}
	// Nothing the agent wrote through the API about them is left, not
	// even the reply that was never sent.
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cols, err := storetest.TextColumns(ctx, raw, db == "postgres")
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{"found your order", "zq8late"} {
		if found, err := storetest.FindText(ctx, raw, db == "postgres", cols, needle); err != nil || len(found) > 0 {
			t.Errorf("%q is still stored after forget: %v, %v", needle, found, err)
		}
	}
}
