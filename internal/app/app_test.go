package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

const secret = "test-secret"

// harness is one frontdesk running in-process against a fake Bot API, with
// the example rules from configs/.
type harness struct {
	t      *testing.T
	fake   *telegramtest.Server
	cfg    *config.Config
	app    *App
	client *http.Client
}

func testConfig(t testing.TB, fake *telegramtest.Server, dbPath, mode string) *config.Config {
	t.Helper()
	rulesPath, err := filepath.Abs("../../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`listen: "127.0.0.1:0"
database: "sqlite:%s"
rules: %q
bots:
  - name: shop
    platform: telegram
    token: "123:TEST"
    mode: %s
    webhook_secret: %s
    api_url: %q
`, dbPath, rulesPath, mode, secret, fake.URL())
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "frontdesk.yaml"), []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func quietLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// onEachDatabase runs fn on SQLite and on PostgreSQL (skipped, saying why,
// without FRONTDESK_TEST_POSTGRES), each with its own fake Bot API and the
// test config pointed at that database, for fn to adjust and start.
func onEachDatabase(t *testing.T, fn func(t *testing.T, fake *telegramtest.Server, cfg *config.Config)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			fake := telegramtest.New()
			t.Cleanup(fake.Close)
			cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
			if db == "postgres" {
				cfg.Database = storetest.PostgresDSN(t)
			}
			fn(t, fake, cfg)
		})
	}
}

func start(t *testing.T, cfg *config.Config, fake *telegramtest.Server) *harness {
	t.Helper()
	return startWith(t, cfg, fake, Options{PollInterval: 50 * time.Millisecond})
}

// startWith starts the service with the options given; a missing logger is
// a quiet one. It stops when the test ends.
func startWith(t *testing.T, cfg *config.Config, fake *telegramtest.Server, opt Options) *harness {
	t.Helper()
	if opt.Log == nil {
		opt.Log = quietLogger(t)
	}
	ctx := context.Background()
	a, err := New(ctx, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, cfg: cfg, app: a, client: newClient()}
	t.Cleanup(func() { h.stop(5 * time.Second) })
	return h
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	return start(t, testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook"), fake)
}

func (h *harness) stop(grace time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := h.app.Stop(ctx); err != nil {
		h.t.Logf("stop: %v", err)
	}
}

func (h *harness) post(body []byte, secret string) int {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+h.app.Addr()+"/webhooks/telegram/shop", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// update builds a private-chat text message as Telegram sends it.
func update(updateID, chatID int64, lang, text string) []byte {
	u := map[string]any{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": updateID, "date": time.Now().Unix(), "text": text,
			"chat": map[string]any{"id": chatID, "type": "private", "first_name": "Ann"},
			"from": map[string]any{"id": chatID, "is_bot": false, "first_name": "Ann", "language_code": lang},
		},
	}
	b, _ := json.Marshal(u)
	return b
}

// waitIdle waits until everything accepted is decided and sent.
func (h *harness) waitIdle(st *store.Store) store.Stats {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := st.Stats(context.Background())
		if err == nil && s.Idle() {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("not idle after 15s: %+v, %v", s, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCustomerGetsFAQAnswer(t *testing.T) {
	h := newHarness(t)
	if code := h.post(update(1, 4242, "zh-hans", "我想退钱"), secret); code != 200 {
		t.Fatalf("webhook answered %d", code)
	}
	sent, err := h.fake.WaitSent(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := sent[0]
	if m.ChatID != 4242 || !strings.HasPrefix(m.Text, "退款说明") {
		t.Fatalf("sent %+v, want the Chinese refund answer to chat 4242", m)
	}
	h.waitIdle(h.app.Store())
	hist, err := h.app.Store().History(context.Background(), chat.Telegram, "shop", "4242")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Direction != "in" || hist[0].Text != "我想退钱" || hist[1].Direction != "out" || hist[1].Text != m.Text {
		t.Fatalf("history = %+v, want the message in and the reply out", hist)
	}
}

func TestAcknowledgementAndHandoff(t *testing.T) {
	h := newHarness(t)
	h.post(update(1, 7, "en", "hello, I have a question"), secret) // nothing matches: acknowledged
	if _, err := h.fake.WaitSent(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	h.post(update(2, 7, "en", "this is a scam!"), secret) // complaint: handed to a human
	sent, err := h.fake.WaitSent(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sent[0].Text, "Thanks Ann, we've got your message") {
		t.Errorf("first reply %q, want the acknowledgement", sent[0].Text)
	}
	if !strings.Contains(sent[1].Text, "senior colleague") {
		t.Errorf("second reply %q, want the handoff message", sent[1].Text)
	}
	// While the conversation waits for a human the bot stays quiet.
	h.post(update(3, 7, "en", "how do I get a refund?"), secret)
	h.waitIdle(h.app.Store())
	if n := len(h.fake.Sent()); n != 2 {
		t.Fatalf("sent %d messages, want 2: the bot must not talk over a human", n)
	}
}

func TestDuplicateUpdateAnsweredOnce(t *testing.T) {
	h := newHarness(t)
	body := update(99, 555, "ru", "где мой заказ?")
	if code := h.post(body, secret); code != 200 {
		t.Fatalf("first post: %d", code)
	}
	if code := h.post(body, secret); code != 200 {
		t.Fatalf("repeated post: %d (a duplicate must still get 200)", code)
	}
	var wg sync.WaitGroup
	codes := make(chan int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- h.post(body, secret) }()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Fatalf("concurrent duplicate answered %d", c)
		}
	}
	st := h.waitIdle(h.app.Store())
	if sent := h.fake.Sent(); len(sent) != 1 {
		t.Fatalf("sent %d replies to one update, want exactly 1", len(sent))
	}
	if st.EventsDone != 1 {
		t.Errorf("events done = %d, want 1", st.EventsDone)
	}
}

func TestWebhookRejectsBadRequests(t *testing.T) {
	h := newHarness(t)
	valid := update(1, 1, "en", "hi")
	tests := []struct {
		name   string
		body   []byte
		secret string
		want   int
	}{
		{"missing secret", valid, "", 401},
		{"wrong secret", valid, "test-secreT", 401},
		{"malformed json", []byte(`{"update_id": 1, "message": `), secret, 400},
		{"oversized body", append([]byte(`{"update_id": 1, "pad": "`), bytes.Repeat([]byte("x"), 2<<20)...), secret, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := h.post(tt.body, tt.secret); code != tt.want {
				t.Fatalf("status %d, want %d", code, tt.want)
			}
		})
	}
	st, err := h.app.Store().Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.EventsPending+st.EventsDone+st.EventsFailed != 0 {
		t.Fatalf("rejected requests stored events: %+v", st)
	}
	resp, err := h.client.Post("http://"+h.app.Addr()+"/webhooks/telegram/nosuchbot", "application/json", bytes.NewReader(valid))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown bot: %d, want 404", resp.StatusCode)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := h.client.Get("http://" + h.app.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

func TestEveryFixtureIsHandled(t *testing.T) {
	h := newHarness(t)
	files, err := filepath.Glob("../../bots/telegram/testdata/fixtures/telegram_*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var u map[string]any
		if strings.HasSuffix(f, ".message.json") {
			var m any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			u = map[string]any{"message": m}
		} else if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		// Several official examples share update_id 10000; give each its own.
		u["update_id"] = 1000 + i
		body, _ := json.Marshal(u)
		if code := h.post(body, secret); code != 200 {
			t.Errorf("%s: webhook answered %d", filepath.Base(f), code)
		}
	}
	st := h.waitIdle(h.app.Store())
	if st.EventsDone != len(files) || st.EventsFailed != 0 || st.MessagesFailed != 0 {
		t.Fatalf("stats %+v: want all %d fixtures processed without failures", st, len(files))
	}
}

func TestRestartLosesNothingAndAnswersOnce(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dbPath := filepath.Join(t.TempDir(), "fd.db")
	cfg := testConfig(t, fake, dbPath, "webhook")

	// Updates accepted by a previous run that stopped before deciding them.
	st, err := store.OpenSQLite(context.Background(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const early = 5
	for i := int64(1); i <= early; i++ {
		ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(i), Kind: chat.KindText,
			ChatID: fmt.Sprint(100 + i), ChatType: chat.ChatPrivate, Text: "refund", Time: time.Now(),
			Customer: chat.Customer{ID: fmt.Sprint(100 + i), Name: "Ann", Language: "en"}}
		if err := st.Accept(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	// A run that is stopped while its sends hang: the Bot API answers only
	// after the shutdown deadline, so those replies are not delivered.
	fake.SetFailure("sendMessage", &telegramtest.Failure{Delay: time.Minute})
	h1 := start(t, cfg, fake)
	const late = 10
	for i := int64(1); i <= late; i++ {
		if code := h1.post(update(1000+i, 200+i, "en", "where is my order"), secret); code != 200 {
			t.Fatalf("post: %d", code)
		}
	}
	h1.stop(300 * time.Millisecond)
	if n := len(fake.Sent()); n != 0 {
		t.Fatalf("%d messages delivered while the API hung", n)
	}
	fake.SetFailure("sendMessage", nil)

	h2 := start(t, cfg, fake)
	if _, err := fake.WaitSent(early+late, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	h2.waitIdle(h2.app.Store())
	perChat := map[int64]int{}
	for _, m := range fake.Sent() {
		perChat[m.ChatID]++
	}
	for i := int64(1); i <= early; i++ {
		if perChat[100+i] != 1 {
			t.Errorf("chat %d got %d replies, want 1", 100+i, perChat[100+i])
		}
	}
	for i := int64(1); i <= late; i++ {
		if perChat[200+i] != 1 {
			t.Errorf("chat %d got %d replies, want 1", 200+i, perChat[200+i])
		}
	}
}

func TestPollingMode(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	h := start(t, testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "polling"), fake)
	fake.QueueUpdate(update(5, 31, "en", "what are your opening hours?"))
	sent, err := fake.WaitSent(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if sent[0].ChatID != 31 || !strings.Contains(sent[0].Text, "Monday to Friday") {
		t.Fatalf("sent %+v", sent[0])
	}
	if len(fake.CallsTo("deleteWebhook")) == 0 {
		t.Error("polling mode did not remove the webhook first (getUpdates fails while one is set)")
	}
	h.waitIdle(h.app.Store())
}

// newClient is an HTTP client for posting to the app; keep-alive
// connections spare the burst tests a TCP handshake per update.
func newClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func TestMetricsCountDecisionsAndSuppressions(t *testing.T) {
	h := newHarness(t)
	h.post(update(1, 77, "en", "how do I get a refund"), secret)
	h.post(update(2, 77, "en", "how do I get a refund"), secret) // the same answer again: suppressed
	if _, err := h.fake.WaitSent(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	h.waitMetrics(
		`frontdesk_decisions_total{outcome="answered"} 1`,
		`frontdesk_guard_suppressions_total{reason="duplicate_content"} 1`,
		`frontdesk_sends_total{platform="telegram",result="sent"} 1`,
		"frontdesk_outbox_pending 0",
		"frontdesk_outbox_dead_letters 0",
		"frontdesk_outbox_oldest_pending_seconds 0",
	)
}

// TestHelpMenu: /help offers the FAQ as buttons; pressing one answers with
// that rule, and the press itself is answered so Telegram stops spinning.
func TestHelpMenu(t *testing.T) {
	h := newHarness(t)
	h.post(update(1, 4242, "en", "/help"), secret)
	sent, err := h.fake.WaitSent(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if sent[0].Text != "What can we help you with?" || !strings.Contains(sent[0].ReplyMarkup, `"callback_data":"rule:shipping"`) ||
		!strings.Contains(sent[0].ReplyMarkup, `"text":"Where is my order?"`) {
		t.Fatalf("/help sent %+v", sent[0])
	}
	press := []byte(fmt.Sprintf(`{"update_id": 2, "callback_query": {"id": "cb-menu", "chat_instance": "1",
		"from": {"id": 4242, "is_bot": false, "first_name": "Ann", "language_code": "en"},
		"message": {"message_id": %d, "date": 1700000000, "chat": {"id": 4242, "type": "private"}},
		"data": "rule:shipping"}}`, sent[0].MessageID))
	h.post(press, secret)
	sent, err = h.fake.WaitSent(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sent[1].Text, "Orders ship") {
		t.Fatalf("the button answered %q", sent[1].Text)
	}
	h.waitIdle(h.app.Store())
	answers := h.fake.CallsTo("answerCallbackQuery")
	if len(answers) != 1 || answers[0].Params["callback_query_id"] != "cb-menu" {
		t.Fatalf("button press answered %+v, want one answerCallbackQuery", answers)
	}
}
