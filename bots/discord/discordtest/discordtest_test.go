package discordtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
)

const (
	token   = "test-token"
	channel = "1200000000000000001"
	guild   = "1300000000000000001"
	user    = "1400000000000000001"
	wait    = 2 * time.Second
)

const intents = discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent

func start(t *testing.T, opts ...discordtest.Option) *discordtest.Server {
	t.Helper()
	srv := discordtest.New(append([]discordtest.Option{discordtest.WithToken(token)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// newSession is a real discordgo session wired to srv.
func newSession(t *testing.T, srv *discordtest.Server, tok string) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + tok)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = srv.Client()
	s.ShouldReconnectOnError = false
	s.SyncEvents = true
	s.Identify.Intents = intents
	return s
}

// open opens s and has it closed in the background when the test ends:
// discordgo's Close sleeps a second before it returns. It waits for the
// first heartbeat, which discordgo sends from a goroutine Open starts: a
// Close that wins the race against it makes that goroutine fail its write
// and call Close (and reconnect) once more, which would hit the next
// connection.
func open(t *testing.T, srv *discordtest.Server, s *discordgo.Session) {
	t.Helper()
	t.Cleanup(func() { go s.Close() })
	reopen(t, srv, s)
}

// reopen opens s again (it is already to be closed at the end).
func reopen(t *testing.T, srv *discordtest.Server, s *discordgo.Session) {
	t.Helper()
	beats := srv.Heartbeats()
	if err := s.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := srv.WaitUntil(wait, func() bool { return srv.Heartbeats() > beats }); err != nil {
		t.Fatalf("no heartbeat after Open: %v", err)
	}
}

// receive returns the next value from ch, failing the test after a while.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("no %s within %v", what, wait)
		panic("unreachable")
	}
}

func restError(t *testing.T, err error, status, code int) {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		t.Fatalf("got error %v, want a *discordgo.RESTError", err)
	}
	if re.Response.StatusCode != status {
		t.Errorf("status %d, want %d (%s)", re.Response.StatusCode, status, re.ResponseBody)
	}
	got := 0
	if re.Message != nil {
		got = re.Message.Code
	}
	if got != code {
		t.Errorf("code %d, want %d (%s)", got, code, re.ResponseBody)
	}
}

func closeCode(t *testing.T, err error) int {
	t.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v (%T), want a *websocket.CloseError", err, err)
	}
	return ce.Code
}

func statuses(calls []discordtest.Call) []int {
	var out []int
	for _, c := range calls {
		out = append(out, c.Status)
	}
	return out
}

func TestGatewayReadyAndDispatch(t *testing.T) {
	t.Parallel()
	srv := start(t, discordtest.WithHeartbeatInterval(20*time.Millisecond))
	s := newSession(t, srv, token)
	ready := make(chan *discordgo.Ready, 1)
	created := make(chan *discordgo.MessageCreate, 1)
	clicks := make(chan *discordgo.InteractionCreate, 1)
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		select {
		case ready <- r:
		default:
		}
	})
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { created <- m })
	s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { clicks <- i })
	open(t, srv, s)

	select {
	case r := <-ready:
		if r.SessionID == "" || r.SessionID != srv.SessionID() {
			t.Errorf("READY session %q, server's %q", r.SessionID, srv.SessionID())
		}
		if r.User == nil || r.User.ID != srv.BotID() || !r.User.Bot {
			t.Errorf("READY user %+v, want the bot %s", r.User, srv.BotID())
		}
		if r.Application == nil || r.Application.ID != srv.BotID() {
			t.Errorf("READY application %+v", r.Application)
		}
	default:
		t.Fatal("Open returned before READY was handled")
	}
	if ids := srv.Identified(); len(ids) != 1 || ids[0].Intents != int(intents) || ids[0].Token != "Bot "+token || ids[0].Closed != 0 {
		t.Errorf("Identified() = %+v, want one with intents %d", ids, intents)
	}
	if err := srv.WaitConnected(wait); err != nil {
		t.Fatal(err)
	}

	// MESSAGE_CREATE reaches the handler shaped like Discord's.
	if err := srv.Dispatch("MESSAGE_CREATE", discordtest.MessageCreate("", channel, guild, user, "alice", "hi <@"+srv.BotID()+">", srv.BotID())); err != nil {
		t.Fatal(err)
	}
	m := receive(t, created, "MESSAGE_CREATE")
	if m.Author == nil || m.Author.ID != user || m.Author.Username != "alice" || m.GuildID != guild || m.ChannelID != channel {
		t.Errorf("message %+v", m.Message)
	}
	if m.Member == nil || m.Member.User != nil {
		t.Errorf("member %+v: want one without user, as Discord sends it", m.Member)
	}
	if len(m.Mentions) != 1 || m.Mentions[0].ID != srv.BotID() {
		t.Errorf("mentions %+v", m.Mentions)
	}
	if m.Timestamp.IsZero() || time.Since(m.Timestamp) > time.Minute {
		t.Errorf("timestamp %v", m.Timestamp)
	}

	// The user's message is known now, but not the bot's to edit.
	if got, ok := srv.Message(m.ID); !ok || got.Content != m.Content {
		t.Errorf("Message(%s) = %+v, %v", m.ID, got, ok)
	}
	_, err := s.ChannelMessageEdit(channel, m.ID, "hijacked")
	restError(t, err, http.StatusForbidden, 50005)

	// The bot replies with a button, a user clicks it, the bot updates the
	// message in the interaction response.
	reply, err := s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{
		Content:   "take it?",
		Reference: m.Reference(),
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Take", Style: discordgo.PrimaryButton, CustomID: "take:1"},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Type != discordgo.MessageTypeReply || reply.ReferencedMessage == nil || reply.ReferencedMessage.ID != m.ID {
		t.Errorf("reply type %v, referenced %+v", reply.Type, reply.ReferencedMessage)
	}
	click := srv.ComponentInteraction(channel, guild, user, "alice", reply.ID, "take:1")
	if err := srv.Dispatch("INTERACTION_CREATE", click); err != nil {
		t.Fatal(err)
	}
	in := receive(t, clicks, "INTERACTION_CREATE")
	if in.Type != discordgo.InteractionMessageComponent || in.MessageComponentData().CustomID != "take:1" ||
		in.Member == nil || in.Member.User.ID != user || in.AppID != srv.BotID() {
		t.Fatalf("interaction %+v", in.Interaction)
	}
	err = s.InteractionRespond(in.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: "taken by alice", Components: []discordgo.MessageComponent{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	edits := srv.Edits()
	if len(edits) != 1 || edits[0].ID != reply.ID || edits[0].Content != "taken by alice" || edits[0].Components != nil {
		t.Errorf("Edits() = %+v", edits)
	}
	if err := s.InteractionRespond(in.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}); err == nil {
		t.Error("second response to an interaction accepted")
	} else {
		restError(t, err, 400, 40060)
	}

	// discordgo heartbeats on the interval HELLO gave.
	if err := srv.WaitUntil(wait, func() bool { return srv.Heartbeats() >= 3 }); err != nil {
		t.Errorf("heartbeats: %d: %v", srv.Heartbeats(), err)
	}
	if srv.Connections() != 1 || srv.Identifies() != 1 || srv.Resumes() != 0 {
		t.Errorf("connections %d, identifies %d, resumes %d", srv.Connections(), srv.Identifies(), srv.Resumes())
	}
}

func TestOpenBadToken(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, "wrong-token")
	err := s.Open()
	if err == nil {
		_ = s.Close()
		t.Fatal("Open with a bad token succeeded")
	}
	if code := closeCode(t, err); code != discordtest.CloseAuthenticationFailed {
		t.Errorf("close code %d, want 4004", code)
	}
	if ids := srv.Identified(); len(ids) != 1 || ids[0].Closed != 4004 {
		t.Errorf("Identified() = %+v", ids)
	}
	// REST calls with the bad token are refused too.
	_, err = s.ChannelMessageSend(channel, "hello")
	restError(t, err, http.StatusUnauthorized, 0)
	if calls := srv.CallsTo("POST /channels/{id}/messages"); len(calls) != 1 || calls[0].Status != 401 || calls[0].Token != "wrong-token" {
		t.Errorf("calls %+v", calls)
	}
}

func TestOpenDisallowedIntents(t *testing.T) {
	t.Parallel()
	srv := start(t, discordtest.WithPrivilegedIntents(false))
	s := newSession(t, srv, token)
	err := s.Open()
	if err == nil {
		_ = s.Close()
		t.Fatal("Open with MESSAGE_CONTENT succeeded")
	}
	if code := closeCode(t, err); code != discordtest.CloseDisallowedIntents {
		t.Errorf("close code %d, want 4014", code)
	}

	// Once the portal allows them, the same session identifies.
	srv.AllowPrivileged(token, true)
	open(t, srv, s)
	if srv.Identifies() != 2 || srv.Connections() != 2 {
		t.Errorf("identifies %d, connections %d", srv.Identifies(), srv.Connections())
	}
}

func TestResumeReplaysMissedEvents(t *testing.T) {
	t.Parallel()
	srv := start(t, discordtest.WithCompression())
	s := newSession(t, srv, token)
	got := make(chan string, 10)
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { got <- m.Content })
	open(t, srv, s)
	if err := srv.Dispatch("MESSAGE_CREATE", discordtest.MessageCreate("", channel, guild, user, "alice", "one")); err != nil {
		t.Fatal(err)
	}
	if c := receive(t, got, "message"); c != "one" {
		t.Fatalf("got %q", c)
	}

	if !srv.CloseConnection(discordtest.CloseUnknownError) {
		t.Fatal("no connection to close")
	}
	// The server's connection ends when discordgo answers the close, which
	// it does from Close while holding the session lock, so the Open below
	// waits for Close to finish instead of finding the socket still open.
	if err := srv.WaitDisconnected(wait); err != nil {
		t.Fatal(err)
	}
	if err := srv.Dispatch("MESSAGE_CREATE", discordtest.MessageCreate("", channel, guild, user, "alice", "two")); err != nil {
		t.Fatal(err)
	}
	reopen(t, srv, s)
	if c := receive(t, got, "replayed message"); c != "two" {
		t.Errorf("got %q, want the message dispatched while disconnected", c)
	}
	if srv.Resumes() != 1 || srv.Identifies() != 1 || srv.Connections() != 2 {
		t.Errorf("resumes %d, identifies %d, connections %d", srv.Resumes(), srv.Identifies(), srv.Connections())
	}
	// Events after the resume arrive with the sequence continuing.
	if err := srv.Dispatch("MESSAGE_CREATE", discordtest.MessageCreate("", channel, guild, user, "alice", "three")); err != nil {
		t.Fatal(err)
	}
	if c := receive(t, got, "message"); c != "three" {
		t.Errorf("got %q", c)
	}
	select {
	case c := <-got:
		t.Errorf("unexpected message %q", c)
	default:
	}
}

func TestCloseInvalidatesSession(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)
	open(t, srv, s)
	// discordgo closes with 1000, which ends the session on Discord: its
	// next Open tries to resume, gets INVALID_SESSION and identifies.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	reopen(t, srv, s)
	if err := srv.WaitUntil(wait, func() bool { return srv.Identifies() == 2 && srv.Connected() }); err != nil {
		t.Fatalf("identifies %d: %v", srv.Identifies(), err)
	}
	if srv.Resumes() != 0 {
		t.Errorf("resumes %d", srv.Resumes())
	}
}

func TestDispatchWithoutSession(t *testing.T) {
	t.Parallel()
	srv := start(t)
	if err := srv.Dispatch("MESSAGE_CREATE", map[string]any{}); err == nil {
		t.Error("Dispatch without a session succeeded")
	}
	if srv.CloseConnection(4000) || srv.Connected() {
		t.Error("closed a connection that does not exist")
	}
}

func TestChannelMessageSend(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)
	first, err := s.ChannelMessageSend(channel, "hello")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.ChannelMessageSendReply(channel, "again", &discordgo.MessageReference{MessageID: first.ID})
	if err != nil {
		t.Fatal(err)
	}
	if first.Content != "hello" || first.ChannelID != channel || first.Author == nil || first.Author.ID != srv.BotID() || first.Timestamp.IsZero() {
		t.Errorf("first %+v", first)
	}
	a, _ := strconv.ParseUint(first.ID, 10, 64)
	b, _ := strconv.ParseUint(second.ID, 10, 64)
	if a == 0 || b <= a {
		t.Errorf("ids %s, %s: want increasing snowflakes", first.ID, second.ID)
	}
	sent, err := srv.WaitSent(2, wait)
	if err != nil {
		t.Fatal(err)
	}
	if sent[0].ID != first.ID || sent[0].Content != "hello" || sent[1].ReplyTo != first.ID || sent[1].ChannelID != channel {
		t.Errorf("Sent() = %+v", sent)
	}
	calls := srv.CallsTo("POST /channels/{id}/messages")
	if len(calls) != 2 || calls[0].Route != "POST /channels/{channel}/messages" || calls[0].Path != "/channels/"+channel+"/messages" {
		t.Fatalf("calls %+v", calls)
	}
	var body struct{ Content string }
	if err := json.Unmarshal(calls[0].Body, &body); err != nil || body.Content != "hello" {
		t.Errorf("body %s", calls[0].Body)
	}
	if n := len(srv.CallsTo("POST /channels/" + channel + "/messages")); n != 2 {
		t.Errorf("calls to the channel: %d", n)
	}
	if n := len(srv.CallsTo("POST /channels/9/messages")); n != 0 {
		t.Errorf("calls to another channel: %d", n)
	}
	if n := len(srv.CallsTo("* /channels/**")); n != 2 {
		t.Errorf("calls under /channels: %d", n)
	}
	if n := len(srv.CallsTo("GET /api/v9/channels/{id}/messages")); n != 0 {
		t.Errorf("GET calls: %d", n)
	}

	// Attachments go as multipart with payload_json.
	if _, err := s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{
		Content: "see attached",
		Files:   []*discordgo.File{{Name: "log.txt", ContentType: "text/plain", Reader: strings.NewReader("hi")}},
	}); err != nil {
		t.Fatal(err)
	}
	if c := srv.Calls(); len(c[len(c)-1].Files) != 1 || c[len(c)-1].Files[0] != "log.txt" || !strings.Contains(string(c[len(c)-1].Body), "see attached") {
		t.Errorf("multipart call %+v", c[len(c)-1])
	}

	// Edits replace the content; unknown ids and users' messages fail.
	edited, err := s.ChannelMessageEdit(channel, first.ID, "hello, edited")
	if err != nil {
		t.Fatal(err)
	}
	if edited.Content != "hello, edited" || edited.EditedTimestamp == nil {
		t.Errorf("edited %+v", edited)
	}
	if e := srv.Edits(); len(e) != 1 || e[0].Content != "hello, edited" || e[0].Edited.IsZero() {
		t.Errorf("Edits() = %+v", e)
	}
	_, err = s.ChannelMessageEdit(channel, "1", "x")
	restError(t, err, http.StatusNotFound, 10008)
	_, err = s.ChannelMessageEdit("1", first.ID, "x")
	restError(t, err, http.StatusNotFound, 10008)
}

func TestMessageValidation(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)

	_, err := s.ChannelMessageSend(channel, strings.Repeat("é", 2001))
	restError(t, err, http.StatusBadRequest, 50035)
	var re *discordgo.RESTError
	errors.As(err, &re)
	if !strings.Contains(string(re.ResponseBody), "BASE_TYPE_MAX_LENGTH") {
		t.Errorf("body %s", re.ResponseBody)
	}
	if _, err := s.ChannelMessageSend(channel, strings.Repeat("é", 2000)); err != nil {
		t.Errorf("2000 runes: %v", err)
	}
	_, err = s.ChannelMessageSend(channel, "")
	restError(t, err, http.StatusBadRequest, 50006)

	row := func(cs ...discordgo.MessageComponent) []discordgo.MessageComponent {
		return []discordgo.MessageComponent{discordgo.ActionsRow{Components: cs}}
	}
	if _, err := s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{
		Components: row(discordgo.Button{Label: "ok", Style: discordgo.SuccessButton, CustomID: "ok"}),
	}); err != nil {
		t.Errorf("components without content: %v", err)
	}
	for name, cs := range map[string][]discordgo.MessageComponent{
		"no custom_id": row(discordgo.Button{Label: "x", Style: discordgo.PrimaryButton}),
		"duplicate":    row(discordgo.Button{Label: "a", Style: 1, CustomID: "a"}, discordgo.Button{Label: "b", Style: 1, CustomID: "a"}),
		"long id":      row(discordgo.Button{Label: "a", Style: 1, CustomID: strings.Repeat("x", 101)}),
		"no row":       {discordgo.Button{Label: "a", Style: 1, CustomID: "a"}},
	} {
		_, err := s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{Content: "x", Components: cs})
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		restError(t, err, http.StatusBadRequest, 50035)
	}
	if n := len(srv.Sent()); n != 2 {
		t.Errorf("%d messages sent, want the 2 valid ones", n)
	}
}

func TestChannelsAndDMs(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)

	dm, err := s.UserChannelCreate(user)
	if err != nil {
		t.Fatal(err)
	}
	if dm.Type != discordgo.ChannelTypeDM || len(dm.Recipients) != 1 || dm.Recipients[0].ID != user {
		t.Errorf("DM channel %+v", dm)
	}
	again, err := s.UserChannelCreate(user)
	if err != nil || again.ID != dm.ID || srv.DMChannel(user) != dm.ID {
		t.Errorf("second DM channel %+v, %v; want %s", again, err, dm.ID)
	}
	if _, err := s.ChannelMessageSend(dm.ID, "psst"); err != nil {
		t.Fatal(err)
	}
	if sent := srv.Sent(); len(sent) != 1 || sent[0].Recipient != user {
		t.Errorf("Sent() = %+v", sent)
	}
	srv.BlockDM(user)
	_, err = s.ChannelMessageSend(dm.ID, "psst")
	restError(t, err, http.StatusForbidden, 50007)
	srv.UnblockDM(user)
	if _, err := s.ChannelMessageSend(dm.ID, "psst"); err != nil {
		t.Error(err)
	}

	srv.SetUnknownChannel("5")
	_, err = s.ChannelMessageSend("5", "hello")
	restError(t, err, http.StatusNotFound, 10003)
	_, err = s.ChannelMessageSend("general", "hello")
	restError(t, err, http.StatusBadRequest, 50035)
}

func TestThreads(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)

	th, err := s.ThreadStart(channel, "Ticket 1", discordgo.ChannelTypeGuildPublicThread, 1440)
	if err != nil {
		t.Fatal(err)
	}
	if th.Type != discordgo.ChannelTypeGuildPublicThread || th.ParentID != channel || th.Name != "Ticket 1" || th.ID == channel {
		t.Errorf("thread %+v", th)
	}
	if _, err := s.ChannelMessageSend(th.ID, "in the thread"); err != nil {
		t.Fatal(err)
	}
	if sent := srv.Sent(); len(sent) != 1 || !sent[0].InThread || sent[0].ParentID != channel || sent[0].ChannelID != th.ID {
		t.Errorf("Sent() = %+v", sent)
	}

	// A thread from a message takes the message's id, once.
	m, err := s.ChannelMessageSend(channel, "start here")
	if err != nil {
		t.Fatal(err)
	}
	th2, err := s.MessageThreadStart(channel, m.ID, "Ticket 2", 60)
	if err != nil {
		t.Fatal(err)
	}
	if th2.ID != m.ID || th2.Type != discordgo.ChannelTypeGuildPublicThread {
		t.Errorf("thread from message %+v", th2)
	}
	_, err = s.MessageThreadStart(channel, m.ID, "Ticket 2", 60)
	restError(t, err, http.StatusBadRequest, 160004)
	_, err = s.ThreadStart(th.ID, "nested", discordgo.ChannelTypeGuildPublicThread, 60)
	restError(t, err, http.StatusBadRequest, 50024)
	_, err = s.ThreadStart(channel, "", discordgo.ChannelTypeGuildPublicThread, 60)
	restError(t, err, http.StatusBadRequest, 50035)
	_, err = s.ThreadStart(channel, "bad archive", discordgo.ChannelTypeGuildPublicThread, 30)
	restError(t, err, http.StatusBadRequest, 50035)
	// Without a type, API v9 (discordgo's) makes a private thread.
	if private, err := s.ThreadStart(channel, "typeless", 0, 60); err != nil || private.Type != discordgo.ChannelTypeGuildPrivateThread {
		t.Errorf("typeless thread %+v, %v", private, err)
	}

	if !srv.DeleteThread(th.ID) {
		t.Fatal("DeleteThread: no such thread")
	}
	_, err = s.ChannelMessageSend(th.ID, "anyone?")
	restError(t, err, http.StatusNotFound, 10003)
	if ts := srv.Threads(); len(ts) != 3 || !ts[0].Deleted || ts[1].MessageID != m.ID || ts[2].Type != 12 {
		t.Errorf("Threads() = %+v", ts)
	}
}

func TestInteractionFollowUps(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)
	in := &discordgo.Interaction{ID: discordtest.Snowflake(), AppID: srv.BotID(), Token: "itoken"}

	err := s.InteractionRespond(in, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Sent()) != 0 {
		t.Errorf("a deferred response is not sent until edited: %+v", srv.Sent())
	}
	content := "working on it"
	orig, err := s.InteractionResponseEdit(in, &discordgo.WebhookEdit{Content: &content})
	if err != nil {
		t.Fatal(err)
	}
	if orig.Content != content || orig.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("original %+v", orig)
	}
	follow, err := s.FollowupMessageCreate(in, true, &discordgo.WebhookParams{Content: "done"})
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent()
	if len(sent) != 2 || sent[0].Interaction != "itoken" || sent[0].Content != content || sent[1].ID != follow.ID || sent[1].Interaction != "itoken" {
		t.Errorf("Sent() = %+v", sent)
	}
	if r := srv.InteractionResponses(); len(r) != 1 || r[0].Type != 5 || r[0].Token != "itoken" {
		t.Errorf("InteractionResponses() = %+v", r)
	}
	if n := len(srv.CallsTo("/webhooks/" + srv.BotID() + "/itoken/**")); n != 2 {
		t.Errorf("%d webhook calls", n)
	}

	// The wrong application id is an unknown webhook.
	_, err = s.FollowupMessageCreate(&discordgo.Interaction{AppID: "1", Token: "itoken"}, true, &discordgo.WebhookParams{Content: "x"})
	restError(t, err, http.StatusNotFound, 10015)

	// An interaction the server never heard of can be answered by editing
	// @original directly.
	other := &discordgo.Interaction{ID: discordtest.Snowflake(), AppID: srv.BotID(), Token: "other"}
	if _, err := s.InteractionResponseEdit(other, &discordgo.WebhookEdit{Content: &content}); err != nil {
		t.Fatal(err)
	}
	if sent := srv.Sent(); len(sent) != 3 || sent[2].Interaction != "other" {
		t.Errorf("Sent() = %+v", sent)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	// 1 message per 50 ms window per channel.
	srv := start(t, discordtest.WithRateLimit(20, 1))
	a := newSession(t, srv, token)
	b := newSession(t, srv, token) // another process with the same token
	b.ShouldRetryOnRateLimit = false

	if _, err := a.ChannelMessageSend(channel, "one"); err != nil {
		t.Fatal(err)
	}
	_, err := b.ChannelMessageSend(channel, "two")
	var rl *discordgo.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("got %v, want a *discordgo.RateLimitError", err)
	}
	if rl.RetryAfter <= 0 || rl.RetryAfter > 50*time.Millisecond {
		t.Errorf("retry after %v", rl.RetryAfter)
	}
	// Other channels have their own buckets.
	if _, err := b.ChannelMessageSend("77", "elsewhere"); err != nil {
		t.Error(err)
	}
	// a saw X-RateLimit-Remaining: 0 and waits for the reset by itself.
	if _, err := a.ChannelMessageSend(channel, "three"); err != nil {
		t.Fatal(err)
	}
	if srv.RateLimited() != 1 {
		t.Errorf("RateLimited() = %d, want 1", srv.RateLimited())
	}
	if got := statuses(srv.CallsTo("POST /channels/" + channel + "/messages")); len(got) != 3 || got[1] != 429 {
		t.Errorf("statuses %v", got)
	}
}

func TestRateLimitAnswer(t *testing.T) {
	t.Parallel()
	srv := start(t, discordtest.WithRateLimit(1, 1))
	post := func() *http.Response {
		req, _ := http.NewRequest("POST", "https://discord.com/api/v10/channels/"+channel+"/messages", strings.NewReader(`{"content":"x"}`))
		req.Header.Set("Authorization", "Bot "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if resp := post(); resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Limit") != "1" {
		t.Errorf("first: %d %v", resp.StatusCode, resp.Header)
	}
	resp := post()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" || resp.Header.Get("X-RateLimit-Reset-After") == "" {
		t.Errorf("second: %d %v", resp.StatusCode, resp.Header)
	}
	var body struct {
		Message    string
		RetryAfter float64 `json:"retry_after"`
		Global     *bool
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil || body.RetryAfter <= 0 || body.RetryAfter > 1 || body.Global == nil || *body.Global {
		t.Errorf("body %s", b)
	}
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)
	srv.FailNext("POST /channels/{id}/messages", 1, 500, "")
	_, err := s.ChannelMessageSend(channel, "x")
	restError(t, err, 500, 0)

	// An injected 429: discordgo (retrying by default) waits retry_after and
	// tries again.
	srv.FailNext("POST /channels/{id}/messages", 1, 429, "")
	if _, err := s.ChannelMessageSend(channel, "y"); err != nil {
		t.Fatal(err)
	}
	if got := statuses(srv.CallsTo("POST /channels/{id}/messages")); len(got) != 3 || got[0] != 500 || got[1] != 429 || got[2] != 200 {
		t.Errorf("statuses %v", got)
	}
	if sent := srv.Sent(); len(sent) != 1 || sent[0].Content != "y" {
		t.Errorf("Sent() = %+v", sent)
	}

	srv.FailNext("PATCH /channels/*/messages/*", 1, 403, `{"message":"Missing Permissions","code":50013}`)
	_, err = s.ChannelMessageEdit(channel, srv.Sent()[0].ID, "z")
	restError(t, err, 403, 50013)
}

func TestConcurrentSends(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := s.ChannelMessageSend(strconv.Itoa(1000+i%4), "m"+strconv.Itoa(i)); err != nil {
				t.Error(err)
			}
		})
	}
	sent, err := srv.WaitSent(20, wait)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	seen := map[string]bool{}
	var last uint64
	for _, m := range sent {
		id, _ := strconv.ParseUint(m.ID, 10, 64)
		if seen[m.ID] || id <= last {
			t.Errorf("id %s not new and increasing", m.ID)
		}
		seen[m.ID], last = true, id
	}
}

func TestTransport(t *testing.T) {
	t.Parallel()
	srv := start(t)
	if _, err := srv.Client().Get("https://example.com/"); err == nil {
		t.Error("request to another host went out")
	}
	resp, err := srv.Client().Get("https://discord.com/api/v10/gateway")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var g struct{ URL string }
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil || g.URL != srv.GatewayURL() {
		t.Errorf("gateway %+v, %v", g, err)
	}
	s := newSession(t, srv, token)
	gb, err := s.GatewayBot()
	if err != nil || !strings.HasPrefix(gb.URL, srv.GatewayURL()) || gb.Shards != 1 {
		t.Errorf("GatewayBot %+v, %v", gb, err)
	}
	me, err := s.User("@me")
	if err != nil || me.ID != srv.BotID() || !me.Bot {
		t.Errorf("User(@me) %+v, %v", me, err)
	}
	resp2, err := srv.Client().Get("https://discord.com/api/v10/nothing/here")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 404 {
		t.Errorf("unknown route: %d", resp2.StatusCode)
	}
}

// TestEnforcedNonce: a create with enforce_nonce and a nonce the bot used
// already (enforced or not) answers with the first message and creates
// nothing, as Discord does; without enforce_nonce, or with another nonce,
// a message is created. A nonce may be a string or an integer, at most 25 characters.
func TestEnforcedNonce(t *testing.T) {
	t.Parallel()
	type send struct {
		nonce   any
		enforce bool
	}
	for _, tc := range []struct {
		name    string
		sends   []send
		created int
		sameID  bool // every answer names the first message
	}{
		{"enforced twice", []send{{"n-1", true}, {"n-1", true}}, 1, true},
		{"enforced integer", []send{{12345, true}, {12345, true}}, 1, true},
		{"not enforced", []send{{"n-1", false}, {"n-1", false}}, 2, false},
		{"enforced after a plain one", []send{{"n-1", false}, {"n-1", true}}, 1, true},
		{"plain after an enforced one", []send{{"n-1", true}, {"n-1", false}}, 2, false},
		{"other nonce", []send{{"n-1", true}, {"n-2", true}}, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t)
			s := newSession(t, srv, token)
			var ids []string
			for _, sd := range tc.sends {
				m, err := createWithNonce(s, "hello", sd.nonce, sd.enforce)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, m.ID)
			}
			if n := len(srv.Sent()); n != tc.created {
				t.Errorf("%d messages created, want %d", n, tc.created)
			}
			if same := ids[0] == ids[len(ids)-1]; same != tc.sameID {
				t.Errorf("answers named messages %v", ids)
			}
		})
	}
	t.Run("too long", func(t *testing.T) {
		srv := start(t)
		_, err := createWithNonce(newSession(t, srv, token), "hello", strings.Repeat("n", 26), true)
		restError(t, err, http.StatusBadRequest, 50035)
	})
}

// createWithNonce posts a message with a nonce, which discordgo's
// MessageSend cannot carry.
func createWithNonce(s *discordgo.Session, content string, nonce any, enforce bool) (*discordgo.Message, error) {
	body := map[string]any{"content": content, "nonce": nonce, "enforce_nonce": enforce}
	endpoint := discordgo.EndpointChannelMessages(channel)
	raw, err := s.RequestWithBucketID(http.MethodPost, endpoint, body, endpoint)
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	return &m, json.Unmarshal(raw, &m)
}

// TestAnswerLate: a late answer comes after the message was created; a
// client that gives up first finds it created all the same.
func TestAnswerLate(t *testing.T) {
	t.Parallel()
	srv := start(t)
	s := newSession(t, srv, token)
	srv.AnswerLate("POST /channels/{id}/messages", 1, 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.ChannelMessageSend(channel, "slow", discordgo.WithContext(ctx)); err == nil {
		t.Fatal("the send was answered before the client's deadline")
	}
	if n := len(srv.Sent()); n != 1 {
		t.Fatalf("%d messages created by the unanswered send, want 1", n)
	}
	began := time.Now()
	if _, err := s.ChannelMessageSend(channel, "fast"); err != nil || time.Since(began) > 200*time.Millisecond {
		t.Fatalf("the next send: %v after %v, want a prompt answer", err, time.Since(began))
	}
}
