package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// pendingHeads returns, per chat, the first message waiting in the outbox:
// the one the sender tries next in that chat.
func pendingHeads(t *testing.T, st *store.Store) (heads map[string]store.OutboxEntry, all []store.OutboxEntry) {
	t.Helper()
	all, err := st.OutboxEntries(context.Background(), store.OutboxPending, 100)
	if err != nil {
		t.Fatal(err)
	}
	heads = map[string]store.OutboxEntry{}
	for _, e := range all {
		if h, ok := heads[e.ChatID]; !ok || e.ID < h.ID {
			heads[e.ChatID] = e
		}
	}
	return heads, all
}

// waitAttempts waits until the head message of every chat named has been
// tried n times and put back with a next time after now.
func waitAttempts(t *testing.T, st *store.Store, now time.Time, n int, chats ...string) map[string]store.OutboxEntry {
	t.Helper()
	deadline := time.Now().Add(messageWait)
	for {
		heads, _ := pendingHeads(t, st)
		done := true
		for _, c := range chats {
			// Claiming counts the attempt; only the retry moves the time on.
			if h, ok := heads[c]; !ok || h.Attempts != n || !h.NextAttempt.After(now) {
				done = false
			}
		}
		if done {
			return heads
		}
		if time.Now().After(deadline) {
			t.Fatalf("chats %v not put back after attempt %d within 10s: %+v", chats, n, heads)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitPending waits until n messages wait in the outbox.
func waitPending(t *testing.T, st *store.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(messageWait)
	for {
		_, all := pendingHeads(t, st)
		if len(all) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages pending after %v, want %d", len(all), messageWait, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPlatformOutageWaitsAndRecoversInOrder: the Bot API answers 500s, then
// hangs past the send timeout, then asks to wait with retry_after, for
// at least five minutes of (moved) clock. Replies wait in the outbox with an
// exponential, jittered backoff, a chat's later reply waits behind its
// first, and when the API recovers everything goes out once, in order.
func TestPlatformOutageWaitsAndRecoversInOrder(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Pipeline.SendAttempts = 20
	cfg.Pipeline.SendTimeout = config.Duration(300 * time.Millisecond)
	h, clk := startWithClock(t, cfg, fake)
	st := h.app.Store()

	fake.SetFailure("sendMessage", &telegramtest.Failure{Status: 500, Description: "Internal Server Error"})
	h.post(update(1, 10, "en", "hello, I have a question"), secret) // acknowledged
	h.post(update(2, 10, "en", "how do I get a refund"), secret)    // the refund answer, after the acknowledgement
	h.post(update(3, 20, "en", "where is my order"), secret)
	// Deciding and sending run side by side: chat 10's first reply may be
	// tried before its second is decided. Start once all three wait.
	waitPending(t, st, 3)
	heads := waitAttempts(t, st, clk.now(), 1, "10", "20")
	next := func() time.Duration {
		return max(heads["10"].NextAttempt.Sub(clk.now()), heads["20"].NextAttempt.Sub(clk.now())) + time.Millisecond
	}

	start := clk.now()
	var gaps10, gaps20 []time.Duration
	for attempt := 1; attempt <= 10; attempt++ {
		if attempt == 6 {
			// The API now hangs instead: each call is cut at the send timeout.
			fake.SetFailure("sendMessage", &telegramtest.Failure{Delay: time.Minute})
		}
		now := clk.now()
		ceiling := min(time.Second<<(attempt-1), 5*time.Minute)
		for chatID, gaps := range map[string]*[]time.Duration{"10": &gaps10, "20": &gaps20} {
			// Times are stored in milliseconds: allow for the rounding.
			gap := heads[chatID].NextAttempt.Sub(now)
			if gap < ceiling/2-time.Millisecond || gap > ceiling {
				t.Fatalf("attempt %d of chat %s: retry in %v, want between %v and %v", attempt, chatID, gap, ceiling/2, ceiling)
			}
			*gaps = append(*gaps, gap)
		}
		_, all := pendingHeads(t, st)
		if len(all) != 3 {
			t.Fatalf("%d messages pending, want 3", len(all))
		}
		for _, e := range all {
			if e.ChatID == "10" && e.ID != heads["10"].ID && e.Attempts != 0 {
				t.Fatalf("chat 10's second reply was tried (%d attempts) while its first waits", e.Attempts)
			}
		}
		clk.add(next())
		heads = waitAttempts(t, st, clk.now(), attempt+1, "10", "20")
	}
	if slices.Equal(gaps10, gaps20) {
		t.Errorf("two chats retried at identical intervals %v: no jitter", gaps10)
	}

	// Telegram asks for 42 seconds: the next try is then, not sooner.
	fake.SetFailure("sendMessage", &telegramtest.Failure{Status: 429, Description: "Too Many Requests: retry after 42", RetryAfter: 42})
	clk.add(next())
	now := clk.now()
	heads = waitAttempts(t, st, now, 12, "10", "20")
	for chatID, e := range heads {
		if got := e.NextAttempt.Sub(now); got < 42*time.Second-time.Millisecond || got > 42*time.Second {
			t.Errorf("chat %s after a 429 with retry_after 42: next try in %v", chatID, got)
		}
	}
	if outage := clk.now().Sub(start); outage < 5*time.Minute {
		t.Fatalf("the outage lasted %v of clock, want minutes", outage)
	}
	if n := len(fake.Sent()); n != 0 {
		t.Fatalf("%d messages delivered during the outage", n)
	}

	fake.SetFailure("sendMessage", nil)
	clk.add(43 * time.Second)
	sent, err := fake.WaitSent(3, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	h.waitIdle(st)
	var to10 []string
	for _, m := range fake.Sent() {
		if m.ChatID == 10 {
			to10 = append(to10, m.Text)
		}
	}
	if len(fake.Sent()) != 3 || len(to10) != 2 || !strings.HasPrefix(to10[0], "Thanks Ann") || !strings.Contains(to10[1], "refund") {
		t.Fatalf("after recovery sent %+v; want the acknowledgement then the refund answer to chat 10, and one reply to 20", sent)
	}
	h.waitMetrics(
		`frontdesk_sends_total{platform="telegram",result="rate_limited"} 2`,
		`frontdesk_sends_total{platform="telegram",result="retry"} 22`,
		`frontdesk_sends_total{platform="telegram",result="sent"} 3`,
		"frontdesk_outbox_pending 0",
	)
}

// TestGivenUpMessagesAreListedAndRetried: a reply that keeps failing is
// given up after send_attempts, one to a customer who blocked the bot is
// given up at once and marks the customer, both show in the metrics and
// the admin API, and an operator's retry delivers the first once the
// platform is back.
func TestGivenUpMessagesAreListedAndRetried(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Pipeline.SendAttempts = 3
	cfg.AdminToken = adminToken
	h, clk := startWithClock(t, cfg, fake)
	st := h.app.Store()

	// The blocked customer first: the fake's injected failures would
	// otherwise answer for the block.
	fake.Block(40)
	h.post(update(1, 40, "en", "where is my order"), secret)
	h.waitMetrics("frontdesk_outbox_dead_letters 1")
	fake.SetFailure("sendMessage", &telegramtest.Failure{Status: 502, Description: "Bad Gateway"})
	h.post(update(2, 30, "en", "where is my order"), secret)
	for attempt := 1; attempt < 3; attempt++ {
		waitAttempts(t, st, clk.now(), attempt, "30")
		clk.add(10 * time.Minute)
	}
	h.waitMetrics("frontdesk_outbox_dead_letters 2", "frontdesk_outbox_pending 0")
	if n := len(fake.CallsTo("sendMessage")); n != 3+1 {
		t.Errorf("sendMessage called %d times, want 3 for the failing chat and 1 for the blocked one", n)
	}

	var listed struct {
		Messages []store.OutboxEntry `json:"messages"`
	}
	h.admin("GET", "/admin/outbox", "", http.StatusOK, &listed)
	if len(listed.Messages) != 2 {
		t.Fatalf("admin lists %+v, want 2 dead letters", listed.Messages)
	}
	byChat := map[string]store.OutboxEntry{}
	for _, m := range listed.Messages {
		byChat[m.ChatID] = m
	}
	if e := byChat["30"]; e.Attempts != 3 || !strings.Contains(e.LastError, "gave up after 3 attempts") || !strings.Contains(e.LastError, "Bad Gateway") {
		t.Errorf("dead letter to chat 30: %+v", e)
	}
	if e := byChat["40"]; e.Attempts != 1 || !strings.Contains(e.LastError, "blocked") {
		t.Errorf("dead letter to the blocked chat 40: %+v", e)
	}
	h.admin("GET", "/admin/outbox", "", http.StatusUnauthorized, nil, "no token")

	fake.SetFailure("sendMessage", nil)
	var retried struct {
		Requeued int `json:"requeued"`
	}
	h.admin("POST", "/admin/outbox/retry", fmt.Sprintf(`{"ids":[%d]}`, byChat["30"].ID), http.StatusOK, &retried)
	if retried.Requeued != 1 {
		t.Fatalf("requeued %d", retried.Requeued)
	}
	sent, err := fake.WaitSent(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if sent[0].ChatID != 30 || !strings.HasPrefix(sent[0].Text, "Orders ship") {
		t.Fatalf("after the retry sent %+v", sent[0])
	}
	h.waitMetrics("frontdesk_outbox_dead_letters 1")
	// Writing again makes the blocked customer reachable again.
	fake.Unblock(40)
	h.post(update(3, 40, "en", "how do I get a refund"), secret)
	if sent, err := fake.WaitSent(2, 10*time.Second); err != nil || sent[1].ChatID != 40 {
		t.Fatalf("the customer who wrote again got %+v, %v", sent, err)
	}
}

// admin calls the admin API with the test token (or without one when a
// reason to leave it out is given) and decodes the answer into out.
func (h *harness) admin(method, path, body string, want int, out any, withoutToken ...string) {
	h.t.Helper()
	req, err := http.NewRequest(method, "http://"+h.app.Addr()+path, bytes.NewReader([]byte(body)))
	if err != nil {
		h.t.Fatal(err)
	}
	if len(withoutToken) == 0 {
		req.Header.Set("Authorization", "Bearer "+adminToken)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		h.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

// waitMetrics polls /metrics until it shows every line wanted: counters
// move right after the store commits.
func (h *harness) waitMetrics(want ...string) {
	h.t.Helper()
	deadline := time.Now().Add(messageWait)
	for {
		resp, err := h.client.Get("http://" + h.app.Addr() + "/metrics")
		if err != nil {
			h.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var missing []string
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("/metrics lacks %q", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
