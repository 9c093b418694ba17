package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/teamhook"
)

const outageRules = `default_language: en
languages: [en]
rules:
  - id: status
    keywords: [status]
    when: '"outage" in incidents'
    reply: "We know the app is down and are fixing it."
  - id: outage
    keywords: [app down, "can't log in"]
    handoff: {priority: high, team: support}
    reply: "Sorry! A colleague will look into it."
`

// teamHookReceiver is another tool listening to the team webhook; it
// checks every signature.
type teamHookReceiver struct {
	mu     sync.Mutex
	events []pipeline.TeamEvent
	bad    int
}

func (r *teamHookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev pipeline.TeamEvent
	r.mu.Lock()
	defer r.mu.Unlock()
	if teamhook.Verify([]byte(hookSecret), req.Header, body, time.Now(), 0) != nil || json.Unmarshal(body, &ev) != nil {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.events = append(r.events, ev)
}

func (r *teamHookReceiver) count(event string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Event == event {
			n++
		}
	}
	return n
}

const hookSecret = "0123456789abcdef-team-hook"

// TestSixtySimilarComplaintsBecomeOneIncident: the first 49 handoffs of
// one cause are notified one by one; the 50th opens an incident that takes
// them all in, later ones update its single notification, rules can see
// it, and resolving it gives every customer back to the bot. A team
// webhook hears the same story, signed.
func TestSixtySimilarComplaintsBecomeOneIncident(t *testing.T) {
	const scale = 100 // Telegram's limits, sped up: 49 notices must not take minutes
	fake := telegramtest.New(telegramtest.WithLimits(telegramtest.DefaultLimits().Scale(scale)))
	t.Cleanup(fake.Close)
	hooks := &teamHookReceiver{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)

	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Rules = filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(cfg.Rules, []byte(outageRules), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890",
		Webhook: config.TeamWebhook{URL: hookSrv.URL + "/frontdesk", Secret: hookSecret}}}}
	a, err := New(context.Background(), cfg, Options{Log: quietLogger(t), PollInterval: 50 * time.Millisecond,
		Limits: map[chat.Platform]pipeline.Limits{chat.Telegram: pipeline.DefaultLimits[chat.Telegram].Scale(scale)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, cfg: cfg, app: a, client: newClient()}
	t.Cleanup(func() { h.stop(5 * time.Second) })

	const first = 9000
	for i := range 60 {
		h.post(update(int64(100+i), first+int64(i), "en", "the app down again, I can't log in"), secret)
		if i == 48 || i == 49 {
			h.waitIdle(a.Store()) // the 50th must find the 49 before it
		}
	}
	h.waitIdle(a.Store())

	var notices, incident []telegramtest.Message
	for _, m := range fake.Sent() {
		switch {
		case m.ChatID != teamChat:
		case strings.HasPrefix(m.Text, "Handoff"):
			notices = append(notices, m)
		case strings.HasPrefix(m.Text, "Incident"):
			incident = append(incident, m)
		}
	}
	if len(notices) != 49 || len(incident) != 1 {
		t.Fatalf("team chat got %d handoff notices and %d incident messages, want 49 and 1", len(notices), len(incident))
	}
	if !strings.Contains(incident[0].ReplyMarkup, `"callback_data":"incident_resolve:1"`) {
		t.Fatalf("incident notice lacks its button: %s", incident[0].ReplyMarkup)
	}
	// Later complaints edit the one notification; its final text counts all 60.
	var latest string
	for _, c := range fake.CallsTo("editMessageText") {
		if c.Params["message_id"] == jsonInt(incident[0].MessageID) {
			latest = c.Params["text"]
		}
	}
	if !strings.HasPrefix(latest, "Incident · 60 customers handed off by rule outage") {
		t.Fatalf("incident notification last edited to %q, want it to count 60", latest)
	}
	if edits := len(fake.CallsTo("editMessageText")); edits > 10 {
		t.Errorf("%d edits for 10 new handoffs", edits)
	}
	// Every customer got the rule's answer once; none of the 60 is forgotten.
	replies := map[int64]int{}
	for _, m := range fake.Sent() {
		if m.ChatID >= first && m.Text == "Sorry! A colleague will look into it." {
			replies[m.ChatID]++
		}
	}
	if len(replies) != 60 {
		t.Fatalf("%d customers got the answer, want 60", len(replies))
	}

	// Rules see the open incident.
	h.post(update(300, 7777, "en", "status?"), secret)
	if got := h.lastTo(7777, 1).Text; got != "We know the app is down and are fixing it." {
		t.Fatalf("status question answered %q", got)
	}

	// One press resolves all 60 handoffs.
	h.post(buttonPress(400, 7, "Alice", incident[0].MessageID, "incident_resolve:1"), secret)
	h.waitIdle(a.Store())
	if got := fake.Sent()[len(fake.Sent())-1].Text; got != "Alice resolved the incident: 60 customers are back with the bot." {
		t.Fatalf("team chat told %q", got)
	}
	// Back with the bot, and the incident is gone: the rules no longer see
	// it, and the next complaint is a handoff of its own, not a new incident.
	h.post(update(500, first, "en", "status? the app down still"), secret)
	h.waitIdle(a.Store())
	last := fake.Sent()[len(fake.Sent())-1]
	if last.ChatID != teamChat || !strings.HasPrefix(last.Text, "Handoff") {
		t.Fatalf("after the incident, a complaint led to %+v; want a handoff notice of its own", last)
	}

	// The webhook heard it all, signed.
	deadline := time.Now().Add(5 * time.Second)
	for hooks.count(pipeline.EventIncidentResolved) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for event, want := range map[string]int{pipeline.EventHandoffOpened: 49 + 1, pipeline.EventIncidentOpened: 1,
		pipeline.EventIncidentUpdated: 10, pipeline.EventIncidentResolved: 1} {
		if got := hooks.count(event); got != want {
			t.Errorf("webhook got %d %s events, want %d", got, event, want)
		}
	}
	if hooks.bad != 0 {
		t.Errorf("%d webhook calls failed verification", hooks.bad)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// An incident is its team's: "Resolve all" pressed in another team's chat
// (a forged press, or a notice forwarded there) is refused in that chat and
// the incident stays open; its own team resolves it.
func TestAnotherTeamCannotResolveAnIncident(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Rules = filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(cfg.Rules, []byte(outageRules), 0o600); err != nil {
		t.Fatal(err)
	}
	const billingChat = -1009999
	cfg.Handoff = config.Handoff{Teams: []config.Team{
		{Name: "support", Bot: "shop", ChatID: config.ID(strconv.FormatInt(teamChat, 10))},
		{Name: "billing", Bot: "shop", ChatID: config.ID(strconv.FormatInt(billingChat, 10))},
	}, Incidents: config.Incidents{Threshold: 2, Window: config.Duration(time.Hour)}}
	a, err := New(context.Background(), cfg, Options{Log: quietLogger(t), PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, cfg: cfg, app: a, client: newClient()}
	t.Cleanup(func() { h.stop(5 * time.Second) })
	for i := range 3 {
		h.post(update(int64(100+i), 9000+int64(i), "en", "the app down again, I can't log in"), secret)
		h.waitIdle(a.Store())
	}
	var incident *telegramtest.Message
	for _, m := range fake.Sent() {
		if m.ChatID == teamChat && strings.HasPrefix(m.Text, "Incident") {
			incident = &m
		}
	}
	if incident == nil {
		t.Fatalf("no incident notice; sent %+v", fake.Sent())
	}
	press := func(updateID int64, chatID int64) {
		body := fmt.Sprintf(`{"update_id": %d, "callback_query": {"id": "cb%d", "chat_instance": "1",
			"from": {"id": 8, "is_bot": false, "first_name": "Bob"},
			"message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup"}},
			"data": "incident_resolve:1"}}`, updateID, updateID, incident.MessageID, chatID)
		if code := h.post([]byte(body), secret); code != 200 {
			t.Fatalf("press answered %d", code)
		}
		h.waitIdle(a.Store())
	}
	press(400, billingChat)
	if got := h.lastTo(billingChat, 1).Text; !strings.Contains(got, "Not allowed: this incident belongs to team support") {
		t.Fatalf("billing's chat was told %q", got)
	}
	// Still open: the rules still see it.
	h.post(update(300, 7777, "en", "status?"), secret)
	if got := h.lastTo(7777, 1).Text; got != "We know the app is down and are fixing it." {
		t.Fatalf("after a refused press, the status question was answered %q", got)
	}
	press(401, teamChat)
	if got := fake.Sent()[len(fake.Sent())-1].Text; got != "Bob resolved the incident: 3 customers are back with the bot." {
		t.Fatalf("support's chat was told %q", got)
	}
}
