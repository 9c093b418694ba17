package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

const discordToken = "MTIzNDU2.discord.test"

// discordHarness runs the service with one Discord bot against the fake
// Discord (REST and gateway).
type discordHarness struct {
	t    *testing.T
	fake *discordtest.Server
	app  *App
	key  ed25519.PrivateKey
}

func startDiscord(t *testing.T, fake *discordtest.Server, extra string) *discordHarness {
	t.Helper()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	rulesPath, err := filepath.Abs("../../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`listen: "127.0.0.1:0"
database: "sqlite:%s"
rules: %q
bots:
  - name: community
    platform: discord
    token: "Bot %s"
    public_key: %q
    api_url: %q
    channels:
      - {id: "500", messages: mentions}
      - {id: "600", messages: all}
    staff_roles: ["880"]
%s`, filepath.Join(t.TempDir(), "fd.db"), rulesPath, discordToken, hex.EncodeToString(key.Public().(ed25519.PublicKey)), fake.URL(), extra)
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "frontdesk.yaml"), []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), cfg, Options{Log: quietLogger(t), PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	})
	return &discordHarness{t: t, fake: fake, app: a, key: key}
}

// sentTo waits for the n-th message to a channel.
func (h *discordHarness) sentTo(channel string, n int) discordtest.Message {
	h.t.Helper()
	var got []discordtest.Message
	err := h.fake.WaitUntil(10*time.Second, func() bool {
		got = got[:0]
		for _, m := range h.fake.Sent() {
			if m.ChannelID == channel {
				got = append(got, m)
			}
		}
		return len(got) >= n
	})
	if err != nil {
		h.t.Fatalf("channel %s got %d messages, want %d: %+v", channel, len(got), n, got)
	}
	return got[n-1]
}

// sentCount is how many messages the bot has sent to a channel so far.
func (h *discordHarness) sentCount(channel string) int {
	n := 0
	for _, m := range h.fake.Sent() {
		if m.ChannelID == channel {
			n++
		}
	}
	return n
}

func (h *discordHarness) dispatch(data map[string]any) {
	h.t.Helper()
	if err := h.fake.Dispatch("MESSAGE_CREATE", data); err != nil {
		h.t.Fatal(err)
	}
}

func newDiscordFake(t *testing.T, opts ...discordtest.Option) *discordtest.Server {
	fake := discordtest.New(append([]discordtest.Option{discordtest.WithToken(discordToken),
		discordtest.WithHeartbeatInterval(time.Second)}, opts...)...)
	t.Cleanup(fake.Close)
	return fake
}

// TestDiscordCustomers: a DM gets the FAQ answer; in a guild channel the
// bot answers mentions only (or everything in a support channel); a
// dispatch Discord repeats after a resume is answered once.
func TestDiscordCustomers(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, "")
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	bot := fake.BotID()

	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "where is my order?"))
	if got := h.sentTo("900", 1); !strings.HasPrefix(got.Content, "Orders ship") {
		t.Fatalf("DM answered %q", got.Content)
	}

	h.dispatch(discordtest.MessageCreate("", "500", "77", "12", "Bob", "where is my order?")) // no mention: not for us
	mention := discordtest.MessageCreate("", "500", "77", "12", "Bob", "<@"+bot+"> where is my order?", bot)
	h.dispatch(mention)
	got := h.sentTo("500", 1)
	if !strings.HasPrefix(got.Content, "Orders ship") || got.ReplyTo != mention["id"] {
		t.Fatalf("mention answered %+v, want the FAQ answer quoting the question", got)
	}
	h.dispatch(discordtest.MessageCreate("", "600", "77", "13", "Cy", "какие часы работы?")) // support channel: all messages
	if got := h.sentTo("600", 1); !strings.Contains(got.Content, "9:00") {
		t.Fatalf("support channel answered %q", got.Content)
	}

	// The connection drops; Discord replays on resume what the bot may have
	// missed, including a message it already stored.
	repeat := discordtest.MessageCreate("", "901", "", "14", "Dee", "how do I get a refund?")
	h.dispatch(repeat)
	h.sentTo("901", 1)
	if !fake.CloseConnection(4000) {
		t.Fatal("no connection to close")
	}
	h.dispatch(repeat) // held by the fake until the bot resumes
	h.dispatch(discordtest.MessageCreate("", "902", "", "15", "Eve", "where is my order?"))
	h.sentTo("902", 1)
	if fake.Resumes() == 0 {
		t.Fatal("the bot reconnected without resuming")
	}
	h.waitIdle()
	n := 0
	for _, m := range fake.Sent() {
		if m.ChannelID == "901" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the repeated message was answered %d times", n)
	}
}

func (h *discordHarness) waitIdle() {
	h.t.Helper()
	deadline := time.Now().Add(messageWait)
	for {
		s, err := h.app.Store().Stats(context.Background())
		if err == nil && s.Idle() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("not idle: %+v, %v", s, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// interaction POSTs a signed interaction, as Discord does.
func (h *discordHarness) interaction(body []byte, sign bool) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+h.app.Addr()+"/webhooks/discord/community", bytes.NewReader(body))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(h.key, append([]byte(ts), body...))
	if !sign {
		sig[0] ^= 1
	}
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", ts)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDiscordInteractions: a PING and a badly signed request are told
// apart; /human from a DM is deferred at once and completed with the
// handoff's answer through the interaction's token.
func TestDiscordInteractions(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, "")
	if code, body := h.interaction([]byte(`{"type":1}`), true); code != 200 || body != `{"type":1}` {
		t.Fatalf("PING answered %d %s", code, body)
	}
	if code, _ := h.interaction([]byte(`{"type":1}`), false); code != http.StatusUnauthorized {
		t.Fatalf("a bad signature answered %d, want 401", code)
	}
	human, _ := json.Marshal(map[string]any{"id": "1300000000000000001", "application_id": fake.BotID(), "type": 2, "token": "itoken-human",
		"channel_id": "903", "locale": "en-US", "user": map[string]any{"id": "16", "username": "fay", "global_name": "Fay"},
		"data": map[string]any{"id": "1", "name": "human", "type": 1}})
	if code, body := h.interaction(human, true); code != 200 || body != `{"type":5}` {
		t.Fatalf("/human answered %d %s, want a deferred response", code, body)
	}
	var answer discordtest.Message
	err := fake.WaitUntil(10*time.Second, func() bool {
		for _, m := range fake.Sent() {
			if m.Interaction == "itoken-human" {
				answer = m
				return true
			}
		}
		return false
	})
	if err != nil || answer.Content == "" {
		t.Fatalf("the deferred /human was not completed: %v, sent %+v", err, fake.Sent())
	}
	if code, _ := h.interaction(human, true); code != 200 { // Discord retrying: stored once
		t.Fatalf("repeated interaction answered %d", code)
	}
	h.waitIdle()
	n := 0
	for _, m := range fake.Sent() {
		if m.Interaction == "itoken-human" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the interaction was answered %d times", n)
	}
}

// TestDiscordRefusedTokenStopsOnlyThatBot: Discord closes the gateway with
// 4004; the bot is not retried in a loop, and the service keeps serving.
func TestDiscordRefusedTokenStopsOnlyThatBot(t *testing.T) {
	fake := newDiscordFake(t)
	fake.AllowPrivileged(discordToken, false) // the Message Content intent is not enabled: 4014
	h := startDiscord(t, fake, "")
	if err := fake.WaitUntil(5*time.Second, func() bool { return fake.Identifies() >= 1 }); err != nil {
		t.Fatal("the bot never identified")
	}
	time.Sleep(1500 * time.Millisecond) // a reconnect loop would have dialled again by now
	if n := fake.Connections(); n != 1 {
		t.Fatalf("%d gateway connections after a fatal close code, want 1", n)
	}
	resp, err := http.Get("http://" + h.app.Addr() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the service stopped serving: %v", err)
	}
	resp.Body.Close()
	if code, body := h.interaction([]byte(`{"type":1}`), true); code != 200 || body != `{"type":1}` {
		t.Fatalf("interactions endpoint down with the gateway: %d %s", code, body)
	}
}

// TestDiscordHandoffInThread plays a handoff with the agents on Discord:
// the complaint opens a thread in the agents' channel, an agent claims it
// with the button, answers by writing in the thread, the customer's answer
// lands there, /resolve gives the customer back to the bot.
func TestDiscordHandoffInThread(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscordTeam(t, fake)
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "this is a scam, where is my money?"))
	h.sentTo("900", 1) // the rule's answer to the customer
	var thread string
	if err := fake.WaitUntil(10*time.Second, func() bool {
		ts := fake.Threads()
		if len(ts) == 1 {
			thread = ts[0].ID
		}
		return thread != ""
	}); err != nil {
		t.Fatalf("no thread opened for the handoff: %v", err)
	}
	notice := h.sentTo(thread, 1)
	if !strings.Contains(notice.Content, "Rule: complaint") || !strings.Contains(string(notice.Components), `"custom_id":"claim:1"`) {
		t.Fatalf("notice in the thread: %+v", notice)
	}

	press := fake.ComponentInteraction(thread, "77", "21", "Alice", notice.ID, "claim:1")
	body, _ := json.Marshal(press)
	if code, resp := h.interaction(body, true); code != 200 || resp != `{"type":6}` {
		t.Fatalf("Claim answered %d %s", code, resp)
	}
	if got := h.sentTo(thread, 2); got.Content != "Alice owns this conversation." {
		t.Fatalf("thread told %q", got.Content)
	}
	h.dispatch(discordtest.MessageCreate("", thread, "77", "21", "Alice", "Hi Ann, the refund goes out today."))
	if got := h.sentTo("900", 2); got.Content != "A colleague from support has joined the conversation." {
		t.Fatalf("customer told %q on the claim", got.Content)
	}
	if got := h.sentTo("900", 3); got.Content != "Hi Ann, the refund goes out today." {
		t.Fatalf("customer got %q", got.Content)
	}
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "thanks! and how do refunds work?"))
	if got := h.sentTo(thread, 3); got.Content != "Ann: thanks! and how do refunds work?" {
		t.Fatalf("the customer's answer reached the thread as %q", got.Content)
	}
	h.dispatch(discordtest.MessageCreate("", thread, "77", "21", "Alice", "/resolve"))
	if got := h.sentTo(thread, 4); !strings.HasPrefix(got.Content, "Resolved by Alice.") {
		t.Fatalf("thread told %q", got.Content)
	}
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "where is my order?"))
	// 4 and 5 told the customer it closed and asked whether it was solved.
	if got := h.sentTo("900", 6); !strings.HasPrefix(got.Content, "Orders ship") {
		t.Fatalf("after resolving, the customer got %q", got.Content)
	}
}

// TestDiscordHelpAndPrivateReplies: /help completes with the FAQ buttons;
// a press answers in the channel; a refund question asked in a public
// channel is answered in the customer's direct messages (D12).
func TestDiscordHelpAndPrivateReplies(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, "")
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	help, _ := json.Marshal(map[string]any{"id": "1300000000000000002", "application_id": fake.BotID(), "type": 2, "token": "itoken-help",
		"channel_id": "600", "guild_id": "77", "locale": "ru", "member": map[string]any{"user": map[string]any{"id": "17", "username": "gleb"}},
		"data": map[string]any{"id": "2", "name": "help", "type": 1}})
	if code, body := h.interaction(help, true); code != 200 || body != `{"type":5}` {
		t.Fatalf("/help answered %d %s", code, body)
	}
	var menu discordtest.Message
	if err := fake.WaitUntil(10*time.Second, func() bool {
		for _, m := range fake.Sent() {
			if m.Interaction == "itoken-help" {
				menu = m
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal("/help was not completed")
	}
	if menu.Content != "Чем можем помочь?" || !strings.Contains(string(menu.Components), `"custom_id":"rule:hours"`) {
		t.Fatalf("/help completed with %+v", menu)
	}
	press, _ := json.Marshal(fake.ComponentInteraction("600", "77", "17", "gleb", menu.ID, "rule:hours"))
	if code, body := h.interaction(press, true); code != 200 || body != `{"type":6}` {
		t.Fatalf("button answered %d %s", code, body)
	}
	if got := h.sentTo("600", 1); !strings.Contains(got.Content, "9:00") {
		t.Fatalf("the button's answer: %q", got.Content)
	}

	// A refund question in the support channel: the answer goes to a DM.
	h.dispatch(discordtest.MessageCreate("", "600", "77", "18", "Hana", "how do I get a refund?"))
	dm := h.dmTo("18")
	if !strings.HasPrefix(dm.Content, "Refunds:") {
		t.Fatalf("DM said %q", dm.Content)
	}
	for _, m := range fake.Sent() {
		if m.ChannelID == "600" && strings.HasPrefix(m.Content, "Refunds:") {
			t.Fatal("the refund answer was posted in the public channel")
		}
	}
}

// TestDiscordForgedButtonPress (issue 17): a signed component interaction
// naming a rule the menu did not offer, on the menu's message, runs no
// rule; the presser alone is told, in a private (ephemeral) follow-up,
// that the button is no longer valid. The menu's own message id (the
// interaction response's) is what the press names, so its genuine buttons
// still answer (TestDiscordHelpAndPrivateReplies).
func TestDiscordForgedButtonPress(t *testing.T) {
	fake := newDiscordFake(t)
	h := startDiscord(t, fake, "")
	help, _ := json.Marshal(map[string]any{"id": "1300000000000000003", "application_id": fake.BotID(), "type": 2, "token": "itoken-help",
		"channel_id": "600", "guild_id": "77", "locale": "en-US", "member": map[string]any{"user": map[string]any{"id": "17", "username": "gleb"}},
		"data": map[string]any{"id": "2", "name": "help", "type": 1}})
	if code, _ := h.interaction(help, true); code != 200 {
		t.Fatalf("/help answered %d", code)
	}
	var menu discordtest.Message
	if err := fake.WaitUntil(10*time.Second, func() bool {
		for _, m := range fake.Sent() {
			if m.Interaction == "itoken-help" {
				menu = m
				return true
			}
		}
		return false
	}); err != nil || strings.Contains(string(menu.Components), "rule:coupon") {
		t.Fatalf("/help completed with %+v (%v), want a menu without coupon", menu, err)
	}
	h.waitIdle() // the menu's id is recorded
	forged := fake.ComponentInteraction("600", "77", "17", "gleb", menu.ID, "rule:coupon")
	body, _ := json.Marshal(forged)
	if code, resp := h.interaction(body, true); code != 200 || resp != `{"type":6}` {
		t.Fatalf("forged press answered %d %s", code, resp)
	}
	var answer discordtest.Message
	if err := fake.WaitUntil(10*time.Second, func() bool {
		for _, m := range fake.Sent() {
			if m.Interaction == forged["token"] {
				answer = m
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("the forged press was not answered; sent %+v", fake.Sent())
	}
	if answer.Content != "This button is no longer valid." || answer.Flags&64 == 0 {
		t.Errorf("the forged press was answered %+v, want a private no-longer-valid notice", answer)
	}
	h.waitIdle()
	for _, m := range fake.Sent() {
		if strings.Contains(strings.ToLower(m.Content), "coupon") {
			t.Errorf("a forged press made the bot send %q", m.Content)
		}
	}
}

// startDiscordTeam starts the service with one team, support, working in
// Discord channel 700, once the fake's gateway has it connected.
func startDiscordTeam(t *testing.T, fake *discordtest.Server) *discordHarness {
	t.Helper()
	h := startDiscord(t, fake, `handoff:
  teams:
    - {name: support, bot: community, chat_id: "700"}
`)
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	return h
}

// onlyThread waits for the one thread in the fake, a handoff's, and
// returns its id.
func onlyThread(t *testing.T, fake *discordtest.Server) string {
	t.Helper()
	var thread string
	if err := fake.WaitUntil(10*time.Second, func() bool {
		if ts := fake.Threads(); len(ts) == 1 {
			thread = ts[0].ID
		}
		return thread != ""
	}); err != nil {
		t.Fatalf("no thread opened for the handoff: %v", err)
	}
	return thread
}
