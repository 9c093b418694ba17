package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// startSandbox runs the service as a newcomer does: no bot token, so the
// sandbox is on and guarded by a token made for the run, which the start
// log shows in a URL. It returns that URL.
func startSandbox(t *testing.T) (*harness, string) {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	return startSandboxWith(t, sandboxConfig(t, fake), fake)
}

// sandboxConfig is a newcomer's config: no bot token, so the sandbox is on.
func sandboxConfig(t *testing.T, fake *telegramtest.Server) *config.Config {
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Bots[0].Token = ""
	cfg.Guard.Debounce = 0
	return cfg
}

// startSandboxWith starts the service with cfg and returns the sandbox's
// URL from the start log.
func startSandboxWith(t *testing.T, cfg *config.Config, fake *telegramtest.Server) (*harness, string) {
	t.Helper()
	logs := &lockedWriter{w: &bytes.Buffer{}}
	h := startWith(t, cfg, fake, Options{Log: slog.New(slog.NewJSONHandler(logs, nil)), PollInterval: 20 * time.Millisecond})
	return h, loggedURL(t, logs, "try the bot in your browser")
}

// loggedURL is the url of the JSON log line whose message starts with
// prefix, or fails the test showing the log.
func loggedURL(t *testing.T, logs *lockedWriter, prefix string) string {
	t.Helper()
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, line := range strings.Split(logs.w.String(), "\n") {
		var rec struct{ Msg, URL string }
		if json.Unmarshal([]byte(line), &rec) == nil && strings.HasPrefix(rec.Msg, prefix) {
			return rec.URL
		}
	}
	t.Fatalf("the start log has no %q line:\n%s", prefix, logs.w.String())
	return ""
}

// sandboxState is what the test reads of GET /sandbox/api/state.
type sandboxState struct {
	Messages []struct {
		Pane     string `json:"pane"`
		Dir      string `json:"dir"`
		Text     string `json:"text"`
		Rule     string `json:"rule"`
		ID       string `json:"id"`
		Decision *struct {
			Outcome string `json:"outcome"`
			Why     string `json:"why"`
		} `json:"decision"`
		Buttons [][]struct {
			Data string `json:"data"`
		} `json:"buttons"`
	} `json:"messages"`
}

// sandboxWaitFor polls the sandbox's state until a message matches, and
// returns its id and its buttons' data.
func sandboxWaitFor(t *testing.T, h *harness, token, what string, match func(pane, dir, text, rule string) bool) (id string, buttons []string) {
	t.Helper()
	state := func() sandboxState {
		t.Helper()
		var st sandboxState
		sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &st)
		return st
	}
	deadline := time.Now().Add(messageWait)
	for time.Now().Before(deadline) {
		for _, m := range state().Messages {
			if match(m.Pane, m.Dir, m.Text, m.Rule) {
				for _, row := range m.Buttons {
					for _, b := range row {
						buttons = append(buttons, b.Data)
					}
				}
				return m.ID, buttons
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("no %s within 10s: %+v", what, state())
	return "", nil
}

// sandboxCall calls the sandbox's API with the run's token and decodes
// the answer into out; anything but 200 fails the test.
func sandboxCall(t *testing.T, h *harness, token, method, path string, body, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, "http://"+h.app.Addr()+"/sandbox"+path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
}

// TestSandboxThroughThePipeline: a customer in the sandbox gets the real
// rules' answer with the reason, asks for a person, and the agent pane's
// notice, claim and answer work as in a team chat.
func TestSandboxThroughThePipeline(t *testing.T) {
	h, url := startSandbox(t)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(url, "/sandbox/?token=") {
		t.Fatalf("start log URL %q", url)
	}
	token := url[strings.Index(url, "token=")+len("token="):]
	if h.get("/sandbox/") != http.StatusUnauthorized || h.get("/admin/handoffs") != http.StatusNotFound {
		t.Fatal("the sandbox is open without its token, or the run's token opened an admin API that is off")
	}
	call := func(method, path string, body any) sandboxState {
		t.Helper()
		var st sandboxState
		sandboxCall(t, h, token, method, path, body, &st)
		return st
	}
	waitFor := func(what string, match func(pane, dir, text, rule string) bool) (id string, buttons []string) {
		t.Helper()
		return sandboxWaitFor(t, h, token, what, match)
	}

	call("POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "text": "where is my order?"})
	waitFor("FAQ answer with its rule", func(pane, dir, text, rule string) bool {
		return pane == "customer" && dir == "out" && strings.HasPrefix(text, "Orders ship") && rule == "shipping"
	})
	// The reason is attached once the decision is recorded, which may be
	// a moment after the reply went out.
	deadline := time.Now().Add(messageWait)
	for reason := ""; reason == ""; {
		for _, m := range call("GET", "/api/state?since=0", nil).Messages {
			if m.Pane == "customer" && m.Dir == "in" && m.Decision != nil && m.Decision.Outcome == "answered" {
				reason = m.Decision.Why
			}
		}
		if reason == "" && time.Now().After(deadline) {
			t.Fatal("the customer's message has no reason beside it")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A menu's button, pressed in the page, is genuine: the press names the
	// message whose id the outbox recorded for that send.
	call("POST", "/api/customer", map[string]string{"conversation": "c2", "name": "Bo", "lang": "en", "text": "/help"})
	menu, _ := waitFor("the /help menu", func(pane, dir, text, rule string) bool {
		return pane == "customer" && dir == "out" && rule == "help"
	})
	call("POST", "/api/customer", map[string]string{"conversation": "c2", "name": "Bo", "lang": "en", "button": "rule:hours", "message_id": menu})
	waitFor("the pressed button's answer", func(pane, dir, text, rule string) bool {
		return pane == "customer" && dir == "out" && rule == "hours"
	})

	call("POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "text": "this is a scam, I want a human"})
	notice, buttons := waitFor("notice in the agent pane", func(pane, dir, text, rule string) bool {
		return pane == "agents" && dir == "out" && strings.Contains(text, "this is a scam")
	})
	var claim string
	for _, b := range buttons {
		if strings.HasPrefix(b, "claim:") {
			claim = b
		}
	}
	if claim == "" {
		t.Fatalf("the notice has no Claim button: %v", buttons)
	}
	call("POST", "/api/agent", map[string]string{"name": "Alice", "button": claim, "message_id": notice})
	waitFor("claim confirmation", func(pane, dir, text, rule string) bool {
		return pane == "agents" && strings.Contains(text, "Alice owns this conversation")
	})
	call("POST", "/api/agent", map[string]string{"name": "Alice", "text": "Hi Ann, Alice here.", "reply_to": notice})
	waitFor("the agent's answer at the customer", func(pane, dir, text, rule string) bool {
		return pane == "customer" && dir == "out" && text == "Hi Ann, Alice here."
	})
	h.waitMetrics(`frontdesk_handoffs_total{priority="high",step="answered",team="sandbox"} 1`)
}

// rowCounts counts the rows of every table of the SQLite database at path.
func rowCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, table := range tables {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + table + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

// TestSandboxPreviewLeavesTheDatabaseUntouched: a preview shows what the
// bot would do with a message (the FAQ answer, a handoff to the sandbox
// team, the guard's suppression of a repeat, given the conversation so far)
// and writes nothing: every table has the rows it had, the transcript the
// messages it had, and the real message, sent afterwards, is decided the
// same way.
func TestSandboxPreviewLeavesTheDatabaseUntouched(t *testing.T) {
	h, url := startSandbox(t)
	token := url[strings.Index(url, "token=")+len("token="):]
	var accepted struct{ OK bool }
	sandboxCall(t, h, token, "POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "text": "where is my order?"}, &accepted)
	h.waitIdle(h.app.store)
	var before sandboxState
	sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &before)
	dbPath := strings.TrimPrefix(h.cfg.Database, "sqlite:")
	rowsBefore := rowCounts(t, dbPath)

	type preview struct {
		OK       bool
		Decision struct {
			Outcome string
			Why     string
			Sends   []struct{ Rule, Action, Text string }
			Handoff *struct{ Rule, Team, Priority string }
		}
	}
	tests := []struct {
		name, conversation, text string
		outcome, why             string
		sendRule, handoffTeam    string
	}{
		{"FAQ in a new conversation", "c2", "where is my order?", "answered", "", "shipping", ""},
		{"a person asked for", "c1", "this is a scam, I want a human", "", "", "", "sandbox"},
		{"a repeat the guard stops", "c1", "where is my order?", "", "suppressed: ", "", ""},
	}
	previews := map[string]preview{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got preview
			sandboxCall(t, h, token, "POST", "/api/preview", map[string]string{"conversation": tt.conversation, "name": "Ann", "lang": "en", "text": tt.text}, &got)
			d := got.Decision
			previews[tt.name] = got
			if !got.OK || (tt.outcome != "" && d.Outcome != tt.outcome) || !strings.Contains(d.Why, tt.why) {
				t.Fatalf("preview %+v, want outcome %q, why containing %q", d, tt.outcome, tt.why)
			}
			if tt.sendRule != "" && (len(d.Sends) == 0 || d.Sends[0].Rule != tt.sendRule || !strings.HasPrefix(d.Sends[0].Text, "Orders ship")) {
				t.Fatalf("preview sends %+v, want the %s answer", d.Sends, tt.sendRule)
			}
			if tt.handoffTeam != "" && (d.Handoff == nil || d.Handoff.Team != tt.handoffTeam) {
				t.Fatalf("preview hands off %+v, want to team %s", d.Handoff, tt.handoffTeam)
			}
		})
	}

	if after := rowCounts(t, dbPath); !maps.Equal(after, rowsBefore) {
		t.Fatalf("previews wrote to the database: rows before %v, after %v", rowsBefore, after)
	}
	var after sandboxState
	sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &after)
	if len(after.Messages) != len(before.Messages) {
		t.Fatalf("previews changed the transcript: %d messages, then %d", len(before.Messages), len(after.Messages))
	}

	// The repeat, sent for real, is decided as its preview said.
	sandboxCall(t, h, token, "POST", "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "text": "where is my order?"}, &accepted)
	h.waitIdle(h.app.store)
	want := previews["a repeat the guard stops"].Decision.Why
	deadline := time.Now().Add(messageWait)
	for {
		var st sandboxState
		sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &st)
		var whys []string
		for _, m := range st.Messages {
			if m.Pane == "customer" && m.Dir == "in" && m.Decision != nil {
				whys = append(whys, m.Decision.Why)
			}
		}
		if len(whys) == 2 {
			if whys[1] != want {
				t.Fatalf("the real message was decided %q, its preview said %q", whys[1], want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the real message has no decision: %q", whys)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSandboxInABrowser drives the sandbox page in headless Chromium as a
// newcomer would: opens the URL from the start log, asks a question, sees
// the reply and why, asks for a person, claims and answers in the agent
// pane. A screenshot is kept as an artifact.
func TestSandboxInABrowser(t *testing.T) {
	h, url := startSandbox(t)
	ctx := browser(t)
	_ = h
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible("#customer-text"),
		chromedp.SendKeys("#customer-text", "where is my order?"),
		chromedp.Click("#customer-send"),
		chromedp.WaitVisible("#transcript .msg.out"),
		chromedp.WaitVisible("#transcript .msg.in .why b"),
	); err != nil {
		t.Fatal(err)
	}
	reply, err := chromedp.Run(ctx, chromedp.Text("#transcript .msg.out .text"))
	if err != nil {
		t.Fatal(err)
	}
	why, err := chromedp.Run(ctx, chromedp.Text("#transcript .msg.in .why"))
	if err != nil {
		t.Fatal(err)
	}
	tag, err := chromedp.Run(ctx, chromedp.Text("#transcript .msg.out .why"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(reply, "Orders ship") || !strings.HasPrefix(why, "answered") || !strings.Contains(tag, "shipping") {
		t.Fatalf("reply %q, why %q, tag %q", reply, why, tag)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#customer-text", "this is a scam, I want a human"),
		chromedp.Click("#customer-send"),
		chromedp.WaitVisible(`#agents .notice button[data-data^="claim:"]`),
		chromedp.Click(`#agents .notice button[data-data^="claim:"]`),
		chromedp.SendKeys("#agent-text", "Hi Ann, Alice here."),
		chromedp.Click("#agent-send"),
	); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		texts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll("#transcript .msg.out .text")].map(e => e.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) > 0 && texts[len(texts)-1] == "Hi Ann, Alice here." {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent's answer did not reach the customer pane: %q", texts)
		}
		time.Sleep(100 * time.Millisecond)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	artifact(t, "sandbox.png", shot)
}

// TestForgetReachesTheSandbox: `frontdesk forget` runs as another process
// against the database; a running sandbox drops its copy of the forgotten
// customer's conversation (their name, their words, the agents' notices
// about them) within seconds, and keeps everyone else's.
func TestForgetReachesTheSandbox(t *testing.T) {
	h, url := startSandbox(t)
	token := url[strings.Index(url, "token=")+len("token="):]
	state := func() string {
		var raw json.RawMessage
		sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &raw)
		return string(raw)
	}
	for _, c := range []struct{ conv, name, text string }{
		{"c1", "Annabelle", "human please, Annabelle speaking"},
		{"c2", "Boris", "where is my order?"},
	} {
		var ok json.RawMessage
		sandboxCall(t, h, token, "POST", "/api/customer", map[string]string{"conversation": c.conv, "name": c.name, "lang": "en", "text": c.text}, &ok)
	}
	deadline := time.Now().Add(messageWait)
	for !strings.Contains(state(), `"pane":"agents"`) || !strings.Contains(state(), "Orders ship") {
		if time.Now().After(deadline) {
			t.Fatalf("no handoff notice and answer in the sandbox: %s", state())
		}
		time.Sleep(30 * time.Millisecond)
	}
	h.waitIdle(h.app.Store())
	// The CLI's forget: another store on the same database file.
	cli, err := OpenStore(context.Background(), h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Forget(context.Background(), chat.Sandbox, "sandbox", "c-c1", time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(messageWait)
	for strings.Contains(state(), "Annabelle") || strings.Contains(state(), "Annabelle speaking") {
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox still shows the forgotten customer: %s", state())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := state(); !strings.Contains(s, "Boris") || !strings.Contains(s, "where is my order?") {
		t.Fatalf("the other customer's conversation went too: %s", s)
	}
}
