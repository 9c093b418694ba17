package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

const adminToken = "test-admin-token-0123456789abcdef"

func rulesV(reply string) string {
	return "rules:\n  - id: any\n    when: \"true\"\n    reply: \"" + reply + "\"\n"
}

// brokenRules has two problems, each reported with its position (v3's
// misspelt replly: is its one problem: it is not also said to do nothing).
const brokenRules = `rules:
  - id: v2
    keywords: [hi]
    when: "txt == 1"
    reply: "broken"
  - id: v3
    keywords: [bye]
    replly: "x"
`

// brokenRulesErrors are the starts of brokenRules' errors, after its path.
var brokenRulesErrors = []string{
	`:4:12: rule "v2": when: unknown name txt`,
	`:8:5: unknown field "replly"`,
}

// twoRules is a valid file with two rules.
const twoRules = `rules:
  - id: hello
    keywords: [hello]
    reply: "hello to you"
  - id: any
    reply: "new"
`

// liveHarness is a harness whose rules file lives in a temp dir the test
// rewrites.
type liveHarness struct {
	*harness
	dir   string
	asked int64
	logs  *syncBuffer
}

// rulesWriter replaces the rules file's content one way or another.
type rulesWriter struct {
	name  string
	setup func(t *testing.T, dir, body string) string // writes the first version, returns the rules path
	write func(t *testing.T, dir, body string)
}

func mustWrite(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func plainFile(t *testing.T, dir, body string) string {
	p := filepath.Join(dir, "rules.yaml")
	mustWrite(t, p, body)
	return p
}

var rulesWriters = []rulesWriter{
	{
		name:  "in-place write",
		setup: plainFile,
		write: func(t *testing.T, dir, body string) { mustWrite(t, filepath.Join(dir, "rules.yaml"), body) },
	},
	{
		// What editors (vim, VS Code) and most deploy tools do.
		name:  "write to a temp file then rename",
		setup: plainFile,
		write: func(t *testing.T, dir, body string) {
			tmp := filepath.Join(dir, ".rules.yaml.tmp")
			mustWrite(t, tmp, body)
			if err := os.Rename(tmp, filepath.Join(dir, "rules.yaml")); err != nil {
				t.Fatal(err)
			}
		},
	},
	{
		// Kubernetes ConfigMap volume: rules.yaml -> ..data/rules.yaml,
		// ..data -> ..<timestamp>; an update writes a new timestamped dir
		// and renames a new ..data symlink over the old one.
		name: "ConfigMap ..data symlink swap",
		setup: func(t *testing.T, dir, body string) string {
			configMapVersion(t, dir, body)
			p := filepath.Join(dir, "rules.yaml")
			if err := os.Symlink(filepath.Join("..data", "rules.yaml"), p); err != nil {
				t.Fatal(err)
			}
			return p
		},
		write: configMapVersion,
	},
}

var configMapGen int

func configMapVersion(t *testing.T, dir, body string) {
	t.Helper()
	configMapGen++
	ts := fmt.Sprintf("..2026_01_01_00_00_%02d.%d", configMapGen, configMapGen)
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, ts, "rules.yaml"), body)
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if old != "" {
		os.RemoveAll(filepath.Join(dir, old))
	}
}

func startLive(t *testing.T, w rulesWriter, first string, tweak func(*liveHarnessConfig)) *liveHarness {
	t.Helper()
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Rules = w.setup(t, dir, first)
	lc := &liveHarnessConfig{}
	if tweak != nil {
		tweak(lc)
	}
	cfg.AdminToken = lc.adminToken
	cfg.RulesWatch = !lc.noWatch
	cfg.Matching.Embeddings = lc.embeddings
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(logs, logSink(t)), &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(context.Background(), cfg, Options{Log: log, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, cfg: cfg, app: a, client: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(func() { h.stop(5 * time.Second) })
	return &liveHarness{harness: h, dir: dir, logs: logs}
}

type liveHarnessConfig struct {
	adminToken string
	noWatch    bool
	embeddings config.Embeddings
}

func logSink(t *testing.T) io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ask sends a new customer's message and returns the bot's answer.
func (h *liveHarness) ask() string {
	h.t.Helper()
	return h.askText("hi")
}

// askText is ask with a text of the test's choosing.
func (h *liveHarness) askText(text string) string {
	h.t.Helper()
	h.asked++
	id := h.asked
	if code := h.post(update(id, 900+id, "en", text), secret); code != 200 {
		h.t.Fatalf("webhook answered %d", code)
	}
	sent, err := h.fake.WaitSent(int(id), 10*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	return sent[id-1].Text
}

func (h *liveHarness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := h.client.Get("http://" + h.app.Addr() + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// metric reads one series from GET /metrics, e.g.
// `frontdesk_rules_reload_total{result="success"}`.
func (h *liveHarness) metric(series string) float64 {
	h.t.Helper()
	code, body := h.get("/metrics")
	if code != 200 {
		h.t.Fatalf("/metrics: %d", code)
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && name == series {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				h.t.Fatalf("%s: %v", sc.Text(), err)
			}
			return v
		}
	}
	h.t.Fatalf("/metrics has no %s:\n%s", series, body)
	return 0
}

// wantErrorLogged checks that an error-level record lists every problem
// with its position.
func (h *liveHarness) wantErrorLogged(problems []string) {
	h.t.Helper()
	path := filepath.Join(h.dir, "rules.yaml")
	for _, line := range strings.Split(h.logs.String(), "\n") {
		var rec struct {
			Level  string   `json:"level"`
			Errors []string `json:"errors"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Level != "ERROR" || len(rec.Errors) < len(problems) {
			continue
		}
		all := true
		for _, p := range problems {
			found := false
			for _, e := range rec.Errors {
				found = found || strings.HasPrefix(e, path+p)
			}
			all = all && found
		}
		if all {
			return
		}
	}
	h.t.Fatalf("no error-level log record lists every problem %q:\n%s", problems, h.logs.String())
}

// waitFor polls until cond holds, up to a deadline.
func (h *liveHarness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(messageWait)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("after 10s still not: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var positioned = regexp.MustCompile(`^:\d+:\d+: `)

const (
	reloadOK     = `frontdesk_rules_reload_total{result="success"}`
	reloadFailed = `frontdesk_rules_reload_total{result="failure"}`
	reloadGood   = `frontdesk_rules_reload_success`
)

func TestRulesFileWatch(t *testing.T) {
	for _, w := range rulesWriters {
		t.Run(w.name, func(t *testing.T) {
			h := startLive(t, w, rulesV("version one"), nil)
			if got := h.ask(); got != "version one" {
				t.Fatalf("reply %q", got)
			}
			if g := h.metric(reloadGood); g != 1 {
				t.Fatalf("%s = %v at start, want 1", reloadGood, g)
			}
			if n := h.metric("frontdesk_rules_loaded"); n != 1 {
				t.Fatalf("frontdesk_rules_loaded = %v, want 1", n)
			}

			// A new valid version is picked up without a signal.
			w.write(t, h.dir, rulesV("version two"))
			h.waitFor("the new rules are loaded", func() bool { return h.metric(reloadOK) >= 1 })
			if got := h.ask(); got != "version two" {
				t.Fatalf("after the file changed the reply is %q, want version two", got)
			}

			// A broken version is refused: old answers continue, and
			// the failure shows in /readyz (still 200) and /metrics.
			w.write(t, h.dir, brokenRules)
			h.waitFor(reloadGood+" = 0", func() bool { return h.metric(reloadGood) == 0 })
			if got := h.ask(); got != "version two" {
				t.Fatalf("after a broken file the reply is %q, want the last good rules' answer", got)
			}
			code, body := h.get("/readyz")
			if code != 200 {
				t.Fatalf("/readyz %d after a failed reload; the service still answers, so it must stay ready", code)
			}
			var ready map[string]string
			if err := json.Unmarshal([]byte(body), &ready); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ready["rules"], "reload failed: ") || !strings.Contains(ready["rules"], "rules.yaml"+brokenRulesErrors[0]) {
				t.Fatalf("/readyz rules = %q, want the first positioned error", ready["rules"])
			}
			if n := h.metric(reloadFailed); n < 1 {
				t.Fatalf("%s = %v, want ≥ 1", reloadFailed, n)
			}
			h.wantErrorLogged(brokenRulesErrors)

			// Fixed: back to 1 and the new answer.
			w.write(t, h.dir, rulesV("version three"))
			h.waitFor(reloadGood+" = 1", func() bool { return h.metric(reloadGood) == 1 })
			if got := h.ask(); got != "version three" {
				t.Fatalf("after the fix the reply is %q", got)
			}
			if _, body := h.get("/readyz"); !strings.Contains(body, `"rules":"ok"`) {
				t.Fatalf("/readyz after the fix: %s", body)
			}
			if ts := h.metric("frontdesk_rules_last_reload_success_timestamp_seconds"); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
				t.Fatalf("last success timestamp %v is not recent", ts)
			}
		})
	}
}

func TestRulesWatchDebouncesBursts(t *testing.T) {
	h := startLive(t, rulesWriters[0], rulesV("v0"), nil)
	// An editor saving in pieces: many writes within the quiet period.
	for i := 1; i <= 20; i++ {
		mustWrite(t, filepath.Join(h.dir, "rules.yaml"), rulesV(fmt.Sprintf("v%d", i)))
	}
	wrote := time.Now()
	h.waitFor("a reload after the last write", func() bool { return h.app.RulesStatus().Attempt.After(wrote) })
	if got := h.ask(); got != "v20" {
		t.Fatalf("reply %q, want the last version", got)
	}
	// Without the debounce this would be about 40 (each write is a
	// truncate and a write). One is expected; a second only if the
	// machine stalled for the whole quiet period in the middle of the burst.
	if n := h.metric(reloadOK) + h.metric(reloadFailed); n > 2 {
		t.Fatalf("%v reloads for one burst of writes, want 1 (debounced)", n)
	}
}

func TestAdminReloadEndpoint(t *testing.T) {
	tests := []struct {
		name       string
		adminToken string
		auth       string
		file       string // rules written before the request
		want       int
		wantRules  int      // the count in a 200
		wantErrors []string // starts of the errors in a 422, after the path
		wantReply  string   // what the bot answers afterwards
	}{
		{name: "admin API off without admin_token", adminToken: "", auth: "Bearer " + adminToken, file: rulesV("new"), want: 404, wantReply: "old"},
		{name: "missing token", adminToken: adminToken, file: rulesV("new"), want: 401, wantReply: "old"},
		{name: "wrong token", adminToken: adminToken, auth: "Bearer " + strings.ToUpper(adminToken), file: rulesV("new"), want: 401, wantReply: "old"},
		{name: "valid rules", adminToken: adminToken, auth: "Bearer " + adminToken, file: twoRules, want: 200, wantRules: 2, wantReply: "new"},
		{name: "broken rules", adminToken: adminToken, auth: "Bearer " + adminToken, file: brokenRules, want: 422,
			wantErrors: brokenRulesErrors, wantReply: "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The watch is off so only the endpoint reloads.
			h := startLive(t, rulesWriters[0], rulesV("old"), func(c *liveHarnessConfig) {
				c.adminToken, c.noWatch = tt.adminToken, true
			})
			if h.app.watcher != nil {
				t.Fatal("rules_watch: false still started a watcher")
			}
			mustWrite(t, filepath.Join(h.dir, "rules.yaml"), tt.file)
			req, _ := http.NewRequest(http.MethodPost, "http://"+h.app.Addr()+"/admin/reload", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := h.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
			if tt.want == 401 && resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("401 without WWW-Authenticate: Bearer (got %q)", resp.Header.Get("WWW-Authenticate"))
			}
			var got struct {
				Status string   `json:"status"`
				Rules  int      `json:"rules"`
				Errors []string `json:"errors"`
			}
			if tt.want == 200 || tt.want == 422 {
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("%s: %v", body, err)
				}
			}
			switch tt.want {
			case 200:
				if got.Status != "ok" || got.Rules != tt.wantRules {
					t.Errorf("body %s, want status ok and %d rules", body, tt.wantRules)
				}
			case 422:
				if got.Status != "error" {
					t.Fatalf("body %s, want status error", body)
				}
				// One string per problem, each with its position.
				path := filepath.Join(h.dir, "rules.yaml")
				for _, want := range tt.wantErrors {
					found := false
					for _, e := range got.Errors {
						found = found || strings.HasPrefix(e, path+want)
					}
					if !found {
						t.Errorf("errors %q: none starts with %q", got.Errors, path+want)
					}
				}
				for _, e := range got.Errors {
					if !positioned.MatchString(strings.TrimPrefix(e, path)) || strings.Contains(e, "\n") {
						t.Errorf("error %q is not one line starting with %s:LINE:COL:", e, path)
					}
				}
				if h.metric(reloadGood) != 0 || h.metric(reloadFailed) != 1 {
					t.Errorf("metrics do not show the refused reload")
				}
			}
			if reply := h.ask(); reply != tt.wantReply {
				t.Errorf("afterwards the bot answers %q, want %q", reply, tt.wantReply)
			}
		})
	}
}

func TestWatchStopsWithApp(t *testing.T) {
	h := startLive(t, rulesWriters[0], rulesV("one"), nil)
	w := h.app.watcher
	if w == nil {
		t.Fatal("no watcher started")
	}
	h.stop(5 * time.Second)
	// Stop has returned, so the watch goroutine must be gone already.
	select {
	case <-w.done:
	default:
		t.Fatal("the rules watch goroutine still runs after Stop")
	}
	before := h.app.RulesStatus()
	mustWrite(t, filepath.Join(h.dir, "rules.yaml"), rulesV("two"))
	// Nothing may happen now; watch for well over the debounce period.
	for end := time.Now().Add(4 * rulesDebounce); time.Now().Before(end); time.Sleep(25 * time.Millisecond) {
		if st := h.app.RulesStatus(); st.Attempt != before.Attempt {
			t.Fatalf("rules reloaded after Stop: %+v", st)
		}
	}
}

func TestStartsWithoutWatch(t *testing.T) {
	// The rules directory vanishes between New and Start, so the watch
	// cannot be set up: the service must start anyway and say so.
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	dir := filepath.Join(t.TempDir(), "rules")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Rules = plainFile(t, dir, rulesV("one"))
	logs := &syncBuffer{}
	a, err := New(context.Background(), cfg, Options{Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, cfg: cfg, app: a, client: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(func() { h.stop(5 * time.Second) })
	if a.watcher != nil {
		t.Fatal("a watcher on a missing directory")
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"rules watch off") {
		t.Fatalf("no warning logged:\n%s", logs)
	}
	resp, err := h.client.Get("http://" + a.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/readyz %d", resp.StatusCode)
	}
}
