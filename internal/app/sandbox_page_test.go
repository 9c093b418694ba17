package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// waitEval evaluates expr in the page until it is true, or fails the test
// saying what was waited for and what the page showed.
func waitEval(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			status, _ := chromedp.Run(ctx, chromedp.Text("#status"))
			t.Fatalf("%s: not seen in 15 s (err %v; status %q)", what, err, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSandboxPageAtPhoneAndDesktopWidths opens the sandbox at 1280 and
// 390 px wide, hands a conversation to the agents, and checks what a
// newcomer saw wrong: the page must not scroll sideways, the notice being
// answered must be styled like the other notices (it shared a class name
// with the one-line "Replying to" bar, so it was cut to one line), and the
// customer id that `frontdesk forget --customer` takes must be shown.
// Screenshots of both widths are kept as artifacts.
func TestSandboxPageAtPhoneAndDesktopWidths(t *testing.T) {
	for _, width := range []int64{1280, 390} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			_, url := startSandbox(t)
			ctx := browser(t)
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 844),
				chromedp.Navigate(url),
				chromedp.WaitVisible("#customer-text"),
				chromedp.SendKeys("#customer-text", "this is a scam, I want a human"),
				chromedp.Click("#customer-send"),
				chromedp.WaitVisible("#agents .notice.replying"),
			); err != nil {
				t.Fatal(err)
			}
			waitEval(t, ctx, "the page fits its width", `document.documentElement.scrollWidth <= window.innerWidth`)
			style, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`(() => {
				const n = getComputedStyle(document.querySelector("#agents .notice.replying"));
				const bar = getComputedStyle(document.querySelector(".reply-target"));
				return {noticeWhiteSpace: n.whiteSpace, noticeFont: n.fontSize, paneFont: getComputedStyle(document.getElementById("agents")).fontSize,
					barWhiteSpace: bar.whiteSpace};
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if style["noticeWhiteSpace"] != "pre-wrap" || style["noticeFont"] != style["paneFont"] || style["barWhiteSpace"] != "nowrap" {
				t.Errorf("the notice being answered is styled unlike the others: %v", style)
			}
			id, err := chromedp.Run(ctx, chromedp.Text("#customer-id"))
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^sandbox/sandbox/c-[a-z0-9-]+$`).MatchString(id) {
				t.Errorf("customer id shown: %q, want sandbox/sandbox/c-…", id)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			artifact(t, fmt.Sprintf("sandbox-%d.png", width), shot)
		})
	}
}

// TestSandboxPageShowsARefusedReload: while the last rules reload was
// refused the page says so, with the error /readyz gives, instead of
// "live"; a good reload makes it live again.
func TestSandboxPageShowsARefusedReload(t *testing.T) {
	h, cfg, good, ctx := sandboxPageWithOwnRules(t)
	if err := os.WriteFile(cfg.Rules, []byte("rules:\n  - id: [broken\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.app.ReloadRules(); err == nil {
		t.Fatal("a broken rules file was loaded")
	}
	_, ready := h.app.rulesReadiness()
	waitEval(t, ctx, "the refused reload", `document.getElementById("status").classList.contains("bad")`)
	status, err := chromedp.Run(ctx, chromedp.Text("#status"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, ready["rules"]) || strings.HasPrefix(ready["rules"], "ok") {
		t.Errorf("status %q does not show the error /readyz gives: %q", status, ready["rules"])
	}
	if err := os.WriteFile(cfg.Rules, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.app.ReloadRules(); err != nil {
		t.Fatal(err)
	}
	waitEval(t, ctx, "live again", `document.getElementById("status").textContent === "live"`)
}

// sandboxPageWithOwnRules starts the sandbox on a copy of the shipped
// rules, which only the test reloads (h.app.ReloadRules), and opens its
// page in Chromium, live; good is the copy's content.
func sandboxPageWithOwnRules(t *testing.T) (h *harness, cfg *config.Config, good []byte, ctx context.Context) {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg = sandboxConfig(t, fake)
	good, err := os.ReadFile(cfg.Rules)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rules = filepath.Join(t.TempDir(), "rules.yaml")
	cfg.RulesWatch = false // reloaded by the test, when it says
	if err := os.WriteFile(cfg.Rules, good, 0o644); err != nil {
		t.Fatal(err)
	}
	h, url := startSandboxWith(t, cfg, fake)
	ctx = browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible("#status.ok")); err != nil {
		t.Fatal(err)
	}
	return h, cfg, good, ctx
}

// TestSandboxPageSurvivesARestart: a sandbox page left open while `serve`
// restarts works again by itself. It broke because the token made for the
// run was new at every start, which ended the page's session; the token is
// now kept beside the SQLite database.
func TestSandboxPageSurvivesARestart(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := sandboxConfig(t, fake)
	h1, url1 := startSandboxWith(t, cfg, fake)
	ctx := browser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url1),
		chromedp.WaitVisible("#customer-text"),
		chromedp.SendKeys("#customer-text", "where is my order?"),
		chromedp.Click("#customer-send"),
		chromedp.WaitVisible("#transcript .msg.out"),
	); err != nil {
		t.Fatal(err)
	}
	h1.stop(5 * time.Second)
	waitEval(t, ctx, "not connected while the service is down", `document.getElementById("status").classList.contains("bad")`)

	again := *cfg
	again.Listen = h1.app.Addr() // the address the page has open
	_, url2 := startSandboxWith(t, &again, fake)
	if url2 != url1 {
		t.Errorf("the second start printed %q, the first %q: the open page's session ends", url2, url1)
	}
	waitEval(t, ctx, "live again", `document.getElementById("status").textContent === "live"`)
	if err := chromedp.Do(ctx,
		// Not the same question: the guard would hold back the same answer.
		chromedp.SendKeys("#customer-text", "how do I get a refund"),
		chromedp.Click("#customer-send"),
		chromedp.WaitVisible("#transcript .msg.out"),
	); err != nil {
		t.Fatal(err)
	}
	reply, err := chromedp.Run(ctx, chromedp.Text("#transcript .msg.out .text"))
	if err != nil || reply == "" {
		t.Fatalf("after the restart the reply is %q, %v", reply, err)
	}
}

// TestPageTokenFile: the token made for the pages is kept beside a SQLite
// database file, and made for each run where there is no such file.
func TestPageTokenFile(t *testing.T) {
	tests := []struct {
		database, want string
	}{
		{"sqlite:frontdesk.db", "frontdesk.db.page-token"},
		{"sqlite:/var/lib/frontdesk/fd.db?_pragma=busy_timeout(5000)", "/var/lib/frontdesk/fd.db.page-token"},
		{"sqlite:file:fd.db?mode=rwc", ""},
		{"sqlite::memory:", ""},
		{"postgres://u@db:5432/frontdesk", ""},
		{"nonsense", ""},
	}
	for _, tt := range tests {
		t.Run(tt.database, func(t *testing.T) {
			if got := pageTokenFile(tt.database); got != tt.want {
				t.Errorf("pageTokenFile(%q) = %q, want %q", tt.database, got, tt.want)
			}
		})
	}
}
