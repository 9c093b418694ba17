package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// waitCommands waits until the fake holds want for every scope in it.
func waitCommands(t *testing.T, fake *telegramtest.Server, want map[string][]string) {
	t.Helper()
	var got map[string][]string
	for deadline := time.Now().Add(messageWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = map[string][]string{}
		for scope, cmds := range fake.Commands() {
			for _, c := range cmds {
				got[scope] = append(got[scope], c.Command)
			}
		}
		if reflect.DeepEqual(got, want) {
			return
		}
	}
	t.Fatalf("commands = %v, want %v", got, want)
}

const welcomeRule = `
  - id: welcome
    keywords: ["/start"]
    match: full
    reply: "Hello!"
`

// Agents get their commands in the team chat and its escalation chat,
// customers theirs in private chats; a reload that adds /start lists it,
// without sending the unchanged team lists again.
func TestCommandsRegisteredAtStartAndReload(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	rulesPath := filepath.Join(t.TempDir(), "rules.yaml")
	base := "rules:\n  - id: refund\n    keywords: [refund]\n    reply: \"Refunds take 5 days.\"\n"
	if err := os.WriteFile(rulesPath, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Rules = rulesPath
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890", Escalation: []config.ID{"-1009"}}}}
	h := start(t, cfg, fake)
	var agents []string // every command agents may use, as the team chat lists them
	for _, c := range pipeline.AgentCommands() {
		agents = append(agents, c.Name)
	}
	waitCommands(t, fake, map[string][]string{
		"chat:-1001234567890": agents,
		"chat:-1009":          agents,
		"all_private_chats":   {"human"},
	})

	if err := os.WriteFile(rulesPath, []byte(base+welcomeRule), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.app.ReloadRules(); err != nil {
		t.Fatal(err)
	}
	waitCommands(t, fake, map[string][]string{
		"chat:-1001234567890": agents,
		"chat:-1009":          agents,
		"all_private_chats":   {"start", "human"},
	})
	var team, private int
	for _, c := range fake.CallsTo("setMyCommands") {
		if strings.Contains(c.Params["scope"], "all_private_chats") {
			private++
		} else {
			team++
		}
	}
	if team != 2 || private != 2 {
		t.Errorf("setMyCommands: %d team-chat calls (want 2: unchanged lists are not resent), %d private (want 2)", team, private)
	}
}

// A Bot API that refuses setMyCommands costs autocompletion only: the
// service starts and answers customers.
func TestCommandsRefusedDoNotStopTheStart(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	fake.SetFailure("setMyCommands", &telegramtest.Failure{Status: 500})
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	logs := &syncBuffer{}
	h := startWith(t, cfg, fake, Options{PollInterval: 50 * time.Millisecond, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if code := h.post(update(1, 4242, "en", "/start"), secret); code != 200 {
		t.Fatalf("webhook answered %d", code)
	}
	sent, err := fake.WaitSent(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if sent[0].ChatID != 4242 || !strings.HasPrefix(sent[0].Text, "Hello Ann") {
		t.Errorf("sent %+v, want the welcome to 4242", sent[0])
	}
	for deadline := time.Now().Add(messageWait); len(fake.CallsTo("setMyCommands")) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("setMyCommands never tried")
		}
	}
	const skipped = "commands not registered for autocompletion"
	for deadline := time.Now().Add(messageWait); !strings.Contains(logs.String(), skipped); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line saying the commands were skipped:\n%s", logs)
		}
	}
	if n := strings.Count(logs.String(), skipped); n != 1 {
		t.Errorf("%d log lines about the skipped commands, want 1", n)
	}
	if got := fake.Commands(); len(got) != 0 {
		t.Errorf("commands kept despite the failure: %v", got)
	}
}
