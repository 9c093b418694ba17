package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/report"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// TestSpamRelease: a new customer's question with a link is ignored by the
// spam rule of configs/rules.yaml; an operator releases it as not spam and
// the customer gets exactly one message, the apology and the answer the
// rules give now; a second release is refused, and the report counts one
// false positive of the rule without counting the message twice. On
// SQLite and PostgreSQL.
func TestSpamRelease(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, fake *telegramtest.Server, cfg *config.Config) {
		h := start(t, cfg, fake)
		ctx := context.Background()
		const customer = 6161
		if code := h.post(update(1, customer, "en", "where is my order? I paid on http://shop.example/checkout"), secret); code != 200 {
			t.Fatalf("webhook answered %d", code)
		}
		h.waitIdle(h.app.Store())
		if n := sentTo(fake, customer); n != 0 {
			t.Fatalf("the spam got %d answers", n)
		}
		since := time.Now().Add(-time.Hour)
		review, err := report.BuildSpam(ctx, h.app.Store(), since, time.Now().Add(time.Minute), 10)
		if err != nil || len(review.Messages) != 1 || review.Messages[0].Rule != "spam" {
			t.Fatalf("spam review %+v, %v: want the message, ignored by rule spam", review, err)
		}
		id := review.Messages[0].ID

		if _, err := h.app.ReleaseSpam(ctx, id, "ops"); err != nil {
			t.Fatal(err)
		}
		got := h.lastTo(customer, 1).Text
		if !strings.HasPrefix(got, "Sorry for the late answer") || !strings.Contains(got, "Orders ship") {
			t.Errorf("the customer got %q, want the apology, then the shipping answer", got)
		}
		_, err = h.app.ReleaseSpam(ctx, id, "ops")
		if !errors.Is(err, chat.ErrAlreadyDone) || !strings.Contains(err.Error(), "released already") {
			t.Errorf("second release: %v, want it refused as released already", err)
		}
		h.waitIdle(h.app.Store())
		if n := sentTo(fake, customer); n != 1 {
			t.Errorf("the customer got %d messages, want exactly one", n)
		}
		// The history has the message once, and the late answer.
		hist, err := h.app.Store().History(ctx, chat.Telegram, "shop", "6161")
		if err != nil || len(hist) != 2 || hist[0].Direction != "in" || hist[1].Direction != "out" || hist[1].Text != got {
			t.Errorf("history %+v, %v; want the message in and the late answer out", hist, err)
		}

		// A message that was answered is no spam to release.
		h.post(update(2, customer+1, "en", "where is my order?"), secret)
		h.lastTo(customer+1, 1)
		h.waitIdle(h.app.Store())
		answered := answeredID(t, h.app.Store(), since)
		if _, err := h.app.ReleaseSpam(ctx, answered, "ops"); !errors.Is(err, pipeline.ErrNotSpam) {
			t.Errorf("releasing an answered message: %v, want ErrNotSpam", err)
		}
		if _, err := h.app.ReleaseSpam(ctx, 987654, "ops"); !errors.Is(err, store.ErrNoSuchMessage) {
			t.Errorf("releasing an unknown id: %v, want ErrNoSuchMessage", err)
		}

		r, err := report.Build(ctx, h.app.Store(), since, time.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.SpamFalsePositives) != 1 || r.SpamFalsePositives[0] != (report.Count{Name: "spam", Count: 1}) {
			t.Errorf("false positives %+v, want one of rule spam", r.SpamFalsePositives)
		}
		if r.MessagesIn != 2 || r.Ignored != 1 {
			t.Errorf("%d customer messages, %d ignored; want 2 and 1: the release is no new message", r.MessagesIn, r.Ignored)
		}
		review, err = report.BuildSpam(ctx, h.app.Store(), since, time.Now().Add(time.Minute), 10)
		if err != nil || len(review.Messages) != 1 || review.Messages[0].Released == nil {
			t.Errorf("after the release the review shows %+v, %v", review.Messages, err)
		}
	})
}

func sentTo(fake *telegramtest.Server, chatID int64) int {
	n := 0
	for _, m := range fake.Sent() {
		if m.ChatID == chatID {
			n++
		}
	}
	return n
}

// answeredID is the inbox id of the one message the bot answered since.
func answeredID(t *testing.T, s *store.Store, since time.Time) int64 {
	t.Helper()
	ms, err := s.SpamMessages(context.Background(), since, time.Now().Add(time.Minute), chat.OutcomeAnswered, "-", 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("answered messages %+v, %v; want one", ms, err)
	}
	return ms[0].InboxID
}

// TestSpamReleaseFromTheDashboard: an admin's session sees the spam on the
// dashboard and its "not spam" button answers the customer.
func TestSpamReleaseFromTheDashboard(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.AdminToken = adminToken
	h := start(t, cfg, fake)
	const customer = 7171
	h.post(update(1, customer, "en", "where is my order? I paid on http://shop.example/checkout"), secret)
	h.waitIdle(h.app.Store())

	base := "http://" + h.app.Addr()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%d at %s: %s", resp.StatusCode, resp.Request.URL, body)
		}
		return string(body)
	}
	body := page(browser.Get(base + "/dashboard?token=" + adminToken))
	if !strings.Contains(body, `<section id="spam">`) || !strings.Contains(body, "http://shop.example/checkout") {
		t.Fatalf("the dashboard does not list the spam:\n%s", body)
	}
	review, err := report.BuildSpam(context.Background(), h.app.Store(), time.Now().Add(-time.Hour), time.Now().Add(time.Minute), 10)
	if err != nil || len(review.Messages) != 1 {
		t.Fatalf("%+v, %v", review, err)
	}
	id := strconv.FormatInt(review.Messages[0].ID, 10)
	if !strings.Contains(body, `name="id" value="`+id+`"`) {
		t.Fatalf("no button for message %s", id)
	}
	// Without the session, the button does nothing.
	if resp, err := http.PostForm(base+"/dashboard/release", url.Values{"id": {id}}); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: %v, %v", resp, err)
	}
	body = page(browser.PostForm(base+"/dashboard/release", url.Values{"id": {id}, "since": {"7d"}}))
	if !strings.Contains(body, "released as not spam") {
		t.Errorf("the page after the release does not confirm it")
	}
	if got := h.lastTo(customer, 1).Text; !strings.HasPrefix(got, "Sorry for the late answer") {
		t.Errorf("the customer got %q", got)
	}
}
