package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

const spikeRules = `default_language: en
languages: [en]
rules:
  - id: outage
    keywords: [app down]
    reply: "We know the app is down and are fixing it."
`

// spikeHooks records the team webhook's spike events; signatures are the
// teamhook tests' business (the clock here is a week off).
type spikeHooks struct {
	mu     sync.Mutex
	spikes []string
}

func (r *spikeHooks) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev pipeline.TeamEvent
	if json.Unmarshal(body, &ev) == nil && ev.Event == pipeline.EventSpikeStarted {
		r.mu.Lock()
		r.spikes = append(r.spikes, ev.Spike)
		r.mu.Unlock()
	}
}

func (r *spikeHooks) count(spike string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.spikes {
		if s == spike {
			n++
		}
	}
	return n
}

// TestSpikeAlertsOnceWhileItLasts: after a quiet week, a burst of one
// complaint posts one alert per volume that spiked (the rule's, its type's)
// to the team chat and its webhook, with masked examples; further looks
// while it lasts say nothing; once the hour calms down the spike ends,
// and a new burst alerts again.
func TestSpikeAlertsOnceWhileItLasts(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	hooks := &spikeHooks{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Rules = filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(cfg.Rules, []byte(spikeRules), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890",
		Webhook: config.TeamWebhook{URL: hookSrv.URL + "/frontdesk", Secret: hookSecret}}}}
	h, clk := startWithClock(t, cfg, fake)
	a := h.app
	clk.add(-7 * 24 * time.Hour)

	// Each jump of the clock past a minute lets the timer loop look for
	// spikes once more; the pause gives it several ticks to do so, and
	// where the outcome matters the test waits for the gauge as well.
	advance := func(d time.Duration) {
		t.Helper()
		h.waitIdle(a.Store())
		clk.add(d)
		time.Sleep(100 * time.Millisecond) // several timer ticks at 20 ms
		h.waitIdle(a.Store())
	}
	alerts := func() map[string]int {
		out := map[string]int{}
		for _, m := range fake.Sent() {
			if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Spike · ") {
				out[strings.SplitN(strings.TrimPrefix(m.Text, "Spike · "), ":", 2)[0]]++
			}
		}
		return out
	}
	updates := int64(0)
	post := func(n int, text string) {
		t.Helper()
		for range n {
			updates++
			h.post(update(updates, 7000+updates, "en", text), secret)
		}
		h.waitIdle(a.Store())
	}

	// A quiet week: two complaints a day, at this hour and six hours on.
	for range 7 {
		post(2, "the app down again")
		advance(6 * time.Hour)
		post(1, "the app down again")
		advance(18 * time.Hour)
	}
	if got := alerts(); len(got) != 0 {
		t.Fatalf("a quiet week alerted %v", got)
	}

	// A burst at the same hour of the week: 25 complaints in minutes.
	post(25, "the app down again, order 123456789, write me at ann@example.com")
	advance(time.Minute)
	h.waitMetrics(`frontdesk_spike_active{kind="rule",name="outage"} 1`)
	var alert string
	for _, m := range fake.Sent() {
		if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Spike · rule outage") {
			alert = m.Text
		}
	}
	for _, want := range []string{"Spike · rule outage: 25 messages in the last hour; usually 0 at this hour of the week (alert from 20).",
		"Latest:\n• the app down again, order [number], write me at [email]\nSaid once"} {
		if !strings.Contains(alert, want) {
			t.Errorf("alert %q lacks %q", alert, want)
		}
	}
	if strings.Contains(alert, "123456789") || strings.Contains(alert, "ann@example.com") {
		t.Errorf("alert shows personal data: %q", alert)
	}
	// The rule's volume spiked, and so did its messages' type; they were
	// not negative.
	first := alerts()
	if want := map[string]int{"rule outage": 1, "type inquiry": 1}; !reflect.DeepEqual(first, want) {
		t.Fatalf("the burst alerted %v, want %v", first, want)
	}

	// While it lasts: more complaints, more looks, no new alert.
	for range 3 {
		post(5, "the app down again")
		advance(time.Minute)
	}
	if got := alerts(); !reflect.DeepEqual(got, first) {
		t.Fatalf("while the spike lasts the team chat has %v, want still %v", got, first)
	}

	// It calms down: an hour later nothing of it arrives, the spike ends.
	advance(2 * time.Hour)
	h.waitMetrics(`frontdesk_spike_active{kind="rule",name="outage"} 0`)
	if got := alerts(); !reflect.DeepEqual(got, first) {
		t.Fatalf("the end of the spike alerted: %v", got)
	}

	// It comes back: a new alert.
	post(25, "the app down again")
	advance(time.Minute)
	h.waitMetrics(`frontdesk_spike_active{kind="rule",name="outage"} 1`)
	if got := alerts(); got["rule outage"] != 2 || got["type inquiry"] != 2 {
		t.Fatalf("the second burst: team chat has %v, want the rule outage alerted twice in all", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for hooks.count("rule:outage") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := hooks.count("rule:outage"); got != 2 {
		t.Errorf("the team webhook heard %d spike.started of rule:outage, want 2", got)
	}
}
