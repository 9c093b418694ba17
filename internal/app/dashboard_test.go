package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strconv"
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
	return startWithMessages(t, customerMessage{"en", "where is my order"}, customerMessage{"en", "do you sell gift cards"},
		customerMessage{"en", "how do I get a refund"})
}

// customerMessage is what one customer wrote, in their language.
type customerMessage struct{ lang, text string }

// startWithMessages runs the service with an admin token after each
// message came from a customer of its own, and everything was answered.
func startWithMessages(t *testing.T, msgs ...customerMessage) *harness {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.AdminToken = adminToken
	h := start(t, cfg, fake)
	for i, m := range msgs {
		if code := h.post(update(int64(i+1), int64(10+i), m.lang, m.text), secret); code != http.StatusOK {
			t.Fatalf("webhook answered %d", code)
		}
	}
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

// TestInsightChartsInABrowser loads the dashboard over a history with
// every kind of message in headless Chromium, at a desktop's and a
// phone's width, and checks that each chart of the insights is drawn and
// visible and that the page never scrolls sideways; a screenshot at each
// width is kept as an artifact.
func TestInsightChartsInABrowser(t *testing.T) {
	h := startWithMessages(t,
		customerMessage{"en", "where is my order"},                           // inquiry, answered
		customerMessage{"en", "do you sell gift cards"},                      // inquiry no rule answers
		customerMessage{"ru", "где мой заказ"},                               // inquiry in another language
		customerMessage{"en", "My parcel arrived broken, this is terrible!"}, // after_sales, negative
		customerMessage{"en", "Do you sell wholesale? We are a distributor"}, // business
		customerMessage{"en", "thank you, great service!"},                   // praise, positive
		customerMessage{"en", "hi"},                                          // chitchat
	)
	ctx := browser(t) // after the service: the browser closes first
	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+h.app.Addr()+"/dashboard?token="+adminToken),
		chromedp.WaitVisible("#types-by-day svg rect.bar"),
	); err != nil {
		t.Fatal(err)
	}
	// How many elements each selector finds that the browser really draws
	// (a rendered box, not only an attribute).
	const visible = `Object.fromEntries(%s.map(s => [s, [...document.querySelectorAll(s)].filter(e => {
		const r = e.getBoundingClientRect(), st = getComputedStyle(e);
		return r.width > 0 && r.height > 0 && st.visibility !== "hidden" && st.display !== "none";
	}).length]))`
	charts := []struct {
		sel  string
		want int // at least
	}{
		{`#types-by-day svg[role="img"][aria-label]`, 1},
		{"#types-by-day svg rect.bar", 5}, // five types today: a segment each
		{"#types-by-day .legend li", 6},   // all six types, spam's 0 too
		{`#sentiment-by-day svg[role="img"][aria-label]`, 1},
		{"#sentiment-by-day svg rect.bar", 3},
		{"#type-sentiment .stack .hbar", 5},
		{"#type-sentiment td.note", 6},
		{"#coverage-value", 1},
		{`#coverage svg.target[aria-label]`, 3}, // overall, en, ru
		{"#top-questions td.note", 2},
		{"#negative-conversations td", 3},
	}
	sels := make([]string, len(charts))
	for i, c := range charts {
		sels[i] = c.sel
	}
	list, _ := json.Marshal(sels)
	for _, width := range []int64{1280, 390} {
		t.Run(strconv.FormatInt(width, 10)+"px", func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			seen, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](fmt.Sprintf(visible, list)))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range charts {
				if n := int(seen[c.sel]); n < c.want {
					t.Errorf("%d visible %s, want at least %d", n, c.sel, c.want)
				}
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth - window.innerWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if overflow > 0 {
				// Which sections stick out, to say where to look.
				wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...new Set([...document.querySelectorAll("section")].
					filter(e => e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > window.innerWidth).map(e => e.id))]`))
				t.Errorf("the page is %v px wider than the %d px window (sections %v)", overflow, width, wide)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: a PNG
			if err != nil {
				t.Fatal(err)
			}
			artifact(t, fmt.Sprintf("dashboard-insights-%d.png", width), shot)
		})
	}
}
