package app

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

// TestDashboardShowsTheHistory: the dashboard opens with the admin token
// once, then with the session cookie, and shows what the service did.
// startWithHistory runs the service with an admin token, after three
// customers wrote: two questions the rules answer and one they do not.
func startWithHistory(t *testing.T) *harness {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.AdminToken = adminToken
	h := start(t, cfg, fake)
	h.post(update(1, 10, "en", "where is my order"), secret)
	h.post(update(2, 11, "en", "do you sell gift cards"), secret)
	h.post(update(3, 12, "en", "how do I get a refund"), secret)
	h.waitIdle(h.app.Store())
	return h
}

func TestDashboardShowsTheHistory(t *testing.T) {
	h := startWithHistory(t)

	base := "http://" + h.app.Addr()
	if code := h.get("/dashboard/"); code != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", code)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(base + "/dashboard?token=" + adminToken)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RawQuery != "" {
		t.Fatalf("%d at %s", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{`<b id="messages-in">3</b>`, "do you sell gift cards", `<td>shipping</td>`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	resp, err = browser.Get(base + "/dashboard/?since=24h")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("with the session cookie: %d", resp.StatusCode)
	}
}

// TestDashboardInABrowser loads the dashboard in headless Chromium and
// checks that the charts render: the volume bars drawn with their size,
// the SLA bar, and the figures; a screenshot is kept as an artifact.
func TestDashboardInABrowser(t *testing.T) {
	h := startWithHistory(t)
	ctx := browser(t) // after the service: the browser closes first

	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+h.app.Addr()+"/dashboard?token="+adminToken),
		chromedp.WaitVisible("#volume svg rect.bar"),
	); err != nil {
		t.Fatal(err)
	}
	messages, err := chromedp.Run(ctx, chromedp.Text("#messages-in"))
	if err != nil {
		t.Fatal(err)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelectorAll("#volume svg rect.bar").length`))
	if err != nil {
		t.Fatal(err)
	}
	// Rendered size, not the attribute: the chart really is drawn.
	tallest, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
		`Math.max(...[...document.querySelectorAll("#volume svg rect.bar")].map(r => r.getBoundingClientRect().height))`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	artifact(t, "dashboard.png", shot)
	if messages != "3" || bars < 7 || tallest < 50 {
		t.Fatalf("dashboard shows %q messages, %v bars, the tallest %v px high", messages, bars, tallest)
	}
}
