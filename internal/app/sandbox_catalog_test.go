package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/frontdesk-bot/frontdesk/bots/sandbox"
	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// TestSandboxPickerFollowsARulesReload: the rule picker and the agent
// pane's snippets show the rules running now; a reload adds a rule and a
// snippet to the open page without reloading it, a refused reload keeps
// them, and a rule's try text goes into the customer's box.
func TestSandboxPickerFollowsARulesReload(t *testing.T) {
	h, cfg, good, ctx := sandboxPageWithOwnRules(t)
	listed := func(sel, attr string) []string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
			`[...document.querySelectorAll(%q)].map(e => e.getAttribute(%q))`, sel, attr)))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	running := h.app.rules.p.Load()
	waitEval(t, ctx, "the rules listed", fmt.Sprintf(`document.querySelectorAll("#rules-list [data-rule]").length === %d`, running.Len()))
	if got := listed("#rules-list [data-rule]", "data-rule"); !slices.Equal(got, running.RuleIDs()) {
		t.Errorf("the picker lists %q, the rules are %q", got, running.RuleIDs())
	}
	if got := listed("#agent-snippets [data-snippet]", "data-snippet"); !slices.Equal(got, running.SnippetNames()) {
		t.Errorf("the agent pane offers snippets %q, the rules have %q", got, running.SnippetNames())
	}

	// A reload with one more rule and one more snippet reaches the open page.
	more := strings.Replace(string(good), "\nrules:\n", "\nrules:\n  - id: picker-zebra\n    keywords: [zebra]\n    reply: Zebras are striped.\n", 1)
	more = strings.Replace(more, "\nsnippets:\n", "\nsnippets:\n  picker-hello: Hello from a snippet added by a reload.\n", 1)
	more = strings.Replace(more, "\ntests:\n", "\ntests:\n  - text: do you have a zebra\n    hits: [picker-zebra]\n", 1)
	if err := os.WriteFile(cfg.Rules, []byte(more), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.app.ReloadRules(); err != nil {
		t.Fatal(err)
	}
	waitEval(t, ctx, "the new rule in the picker", `!!document.querySelector('#rules-list [data-rule="picker-zebra"]')`)
	waitEval(t, ctx, "the new snippet in the agent pane", `!!document.querySelector('#agent-snippets [data-snippet="picker-hello"]')`)

	// A refused reload changes nothing the page offers.
	if err := os.WriteFile(cfg.Rules, []byte("rules:\n  - id: [broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.app.ReloadRules(); err == nil {
		t.Fatal("a broken rules file was loaded")
	}
	waitEval(t, ctx, "the refused reload", `document.getElementById("status").classList.contains("bad")`)
	if !slices.Contains(listed("#rules-list [data-rule]", "data-rule"), "picker-zebra") {
		t.Error("a refused reload emptied the picker")
	}

	// Picking a rule puts its example in the customer's box; sent, the
	// rule answers it.
	if err := chromedp.Do(ctx,
		chromedp.Click("#rules-picker summary"),
		chromedp.Click(`#rules-list [data-rule="picker-zebra"]`),
	); err != nil {
		t.Fatal(err)
	}
	waitEval(t, ctx, "the example in the customer's box", `document.getElementById("customer-text").value === "do you have a zebra"`)
	if err := chromedp.Do(ctx, chromedp.Click("#customer-send"), chromedp.WaitVisible("#transcript .msg.out")); err != nil {
		t.Fatal(err)
	}
	waitEval(t, ctx, "the picked rule's answer", `document.querySelector("#transcript .msg.out .text").textContent === "Zebras are striped."`)

	// The open picker fits a phone.
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		waitEval(t, ctx, fmt.Sprintf("the page fits %d px", width), `document.documentElement.scrollWidth <= window.innerWidth`)
		shot, err := chromedp.Run(ctx, chromedp.Screenshot("#customer"))
		if err != nil {
			t.Fatal(err)
		}
		artifact(t, fmt.Sprintf("sandbox-rule-picker-%d.png", width), shot)
	}
}

// TestSandboxAgentPaneOffersTheTeamChatCommands: the agent pane lists the
// team chat's commands (pipeline.AgentCommands, so new ones show by
// themselves) and completes them as the agent types; the notice's buttons
// are the notice's own; a snippet chip inserts #name, which the customer
// gets as the snippet's text. Screenshots of the pane at 1280 and 390 px
// are kept as artifacts, the page must not scroll sideways at 390 px, and
// with FRONTDESK_UPDATE_SCREENSHOTS=1 the README's picture of the pane
// (bots/sandbox/docs/agent-pane.png) is made again.
func TestSandboxAgentPaneOffersTheTeamChatCommands(t *testing.T) {
	h, url := startSandbox(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible("#customer-text"),
		chromedp.SendKeys("#customer-text", "this is a scam, I want a human"),
		chromedp.Click("#customer-send"),
		chromedp.WaitVisible(`#agents .notice button[data-data^="claim:"]`),
	); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range pipeline.AgentCommands() {
		want = append(want, c.Name)
	}
	waitEval(t, ctx, "the commands listed", fmt.Sprintf(`document.querySelectorAll("#agent-commands [data-command]").length === %d`, len(want)))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#agent-commands [data-command]")].map(e => e.getAttribute("data-command"))`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the agent pane lists commands %q, the team chat understands %q", got, want)
	}

	// The notice shows exactly the buttons the pipeline gave it.
	token := url[strings.Index(url, "token=")+len("token="):]
	var st sandboxState
	sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &st)
	var buttons []string
	for _, m := range st.Messages {
		if m.Pane == "agents" && m.Dir == "out" && len(m.Buttons) > 0 {
			buttons = buttons[:0]
			for _, row := range m.Buttons {
				for _, b := range row {
					buttons = append(buttons, b.Data)
				}
			}
		}
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...[...document.querySelectorAll("#agents .notice")].pop().querySelectorAll(".buttons button")].map(b => b.getAttribute("data-data"))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(buttons) == 0 || !slices.Equal(shown, buttons) {
		t.Errorf("the notice shows buttons %q, it has %q", shown, buttons)
	}

	// Typing "/cl" offers the commands that start so; Tab completes.
	var cl []string
	for _, c := range want {
		if strings.HasPrefix(c, "cl") {
			cl = append(cl, "/"+c)
		}
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys("#agent-text", "/cl")); err != nil {
		t.Fatal(err)
	}
	if len(cl) > 1 {
		waitEval(t, ctx, "suggestions", `!document.getElementById("agent-suggest").hidden`)
		offered, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#agent-suggest [data-word]")].map(e => e.getAttribute("data-word"))`))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(offered, cl) {
			t.Errorf("for /cl the pane suggests %q, want %q", offered, cl)
		}
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys("#agent-text", kb.Tab)); err != nil {
		t.Fatal(err)
	}
	waitEval(t, ctx, "/cl completed", fmt.Sprintf(`document.getElementById("agent-text").value === %q`, cl[0]+" "))
	if cl[0] != "/claim" {
		t.Fatalf("the first command starting with cl is %s, not /claim", cl[0])
	}
	if err := chromedp.Do(ctx, chromedp.Click("#agent-send")); err != nil { // "/claim ", as completed
		t.Fatal(err)
	}
	// Claimed: the team chat is told, in a second notice.
	waitEval(t, ctx, "the claim answered", `document.querySelectorAll("#agents .notice").length === 2`)

	// A snippet chip inserts #name; sent, the customer gets its text.
	snippet := h.app.rules.p.Load().SnippetNames()[0]
	if err := chromedp.Do(ctx, chromedp.Click(fmt.Sprintf(`#agent-snippets [data-snippet=%q]`, snippet))); err != nil {
		t.Fatal(err)
	}
	waitEval(t, ctx, "#"+snippet+" inserted", fmt.Sprintf(`document.getElementById("agent-text").value === %q`, "#"+snippet+" "))
	text, _ := h.app.rules.p.Load().Snippet(snippet, "en", map[string]string{"name": "Ann", "agent": "Alice"})
	if err := chromedp.Do(ctx, chromedp.Click("#agent-send")); err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(text)
	waitEval(t, ctx, "the snippet's text to the customer", fmt.Sprintf(`[...document.querySelectorAll("#transcript .msg.out .text")].some(e => e.textContent === %s)`, quoted))

	// What the README shows: the agent about to pick a command.
	if err := chromedp.Do(ctx, chromedp.SendKeys("#agent-text", "/")); err != nil {
		t.Fatal(err)
	}
	waitEval(t, ctx, "suggestions", `!document.getElementById("agent-suggest").hidden`)
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		if width == 390 {
			waitEval(t, ctx, "the page fits 390 px", `document.documentElement.scrollWidth <= window.innerWidth`)
		}
		pane, err := chromedp.Run(ctx, chromedp.Screenshot("#agents-pane"))
		if err != nil {
			t.Fatal(err)
		}
		artifact(t, fmt.Sprintf("sandbox-agent-pane-%d.png", width), pane)
		full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		artifact(t, fmt.Sprintf("sandbox-agents-%d.png", width), full)
		if width == 1280 && os.Getenv("FRONTDESK_UPDATE_SCREENSHOTS") == "1" {
			if err := os.WriteFile("../../bots/sandbox/docs/agent-pane.png", pane, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Log("wrote bots/sandbox/docs/agent-pane.png")
		}
	}
}

// TestStartLogOpensTheDashboard: next to the sandbox's address the start
// log prints the dashboard's, which a newcomer can open as printed: the
// run's token starts a session, and the period asked for survives the
// redirect that drops the token. With an admin_token, the line names it
// instead of printing it.
func TestStartLogOpensTheDashboard(t *testing.T) {
	for _, admin := range []string{"", "s3cret-admin-token-for-the-test"} {
		t.Run(fmt.Sprintf("admin token %v", admin != ""), func(t *testing.T) {
			fake := telegramtest.New()
			t.Cleanup(fake.Close)
			cfg := sandboxConfig(t, fake)
			cfg.AdminToken = admin
			logs := &lockedWriter{w: &bytes.Buffer{}}
			startWith(t, cfg, fake, Options{Log: slog.New(slog.NewJSONHandler(logs, nil)), PollInterval: 20 * time.Millisecond})
			url := loggedURL(t, logs, "the reports as charts")
			if admin != "" {
				if !strings.HasSuffix(url, "/dashboard?since=7d&token=<admin_token>") || strings.Contains(url, admin) {
					t.Fatalf("start log's dashboard URL %q", url)
				}
				url = strings.Replace(url, "<admin_token>", admin, 1)
			}
			if !strings.Contains(url, "/dashboard?since=7d&token=") {
				t.Fatalf("the start log does not say where the dashboard is (%q)", url)
			}
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
			resp, err := client.Get(strings.Replace(url, "localhost", "127.0.0.1", 1))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Query().Get("since") != "7d" || resp.Request.URL.Query().Has("token") {
				t.Errorf("opening %s ended at %s with %d", url, resp.Request.URL, resp.StatusCode)
			}
		})
	}
}

// refusingInbox takes no event, as an inbox whose database is down.
type refusingInbox struct{}

func (refusingInbox) Accept(context.Context, chat.Event) error {
	return errors.New("database is locked")
}

// TestSandboxPageShowsAMessageNotStored: a message the inbox refused is
// marked in the transcript with its reason in the colour of errors, not
// styled as the customer-id bar (the two shared a rule), and the pane's
// error line says what to do.
func TestSandboxPageShowsAMessageNotStored(t *testing.T) {
	srv := httptest.NewServer(sandbox.New(refusingInbox{}, nil, nil))
	t.Cleanup(srv.Close)
	ctx := browser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible("#customer-text"),
		chromedp.SendKeys("#customer-text", "where is my order?"),
		chromedp.Click("#customer-send"),
		chromedp.WaitVisible("#transcript .msg.in.failed .why.error"),
		chromedp.WaitVisible("#customer-error"),
	); err != nil {
		t.Fatal(err)
	}
	style, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
		const why = getComputedStyle(document.querySelector("#transcript .msg.failed .why.error"));
		const bar = getComputedStyle(document.querySelector(".customer-id"));
		const pane = getComputedStyle(document.getElementById("customer-error"));
		return {whyBorder: why.borderBottomStyle, whyColor: why.color, whyPadding: why.paddingLeft,
			barBorder: bar.borderBottomStyle, paneColor: pane.color, paneMargin: pane.marginLeft};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if style["whyBorder"] != "none" || style["whyPadding"] != "0px" || style["whyColor"] != style["paneColor"] ||
		style["barBorder"] != "solid" || style["paneMargin"] == "0px" {
		t.Errorf("a failed message's reason is styled as another thing: %v", style)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("#customer-error"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "try again") {
		t.Errorf("the pane's error says %q", text)
	}
}
