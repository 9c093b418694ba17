package telegram

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func newTestSender(t *testing.T, srv *telegramtest.Server) *Sender {
	t.Helper()
	client, err := NewClient("123:test", srv.URL(), func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	return NewSender(client)
}

func TestSenderDelivers(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	s := newTestSender(t, srv)
	id, err := s.Send(context.Background(), chat.Outgoing{ChatID: "-100200", ThreadID: "4", ReplyTo: "17", Text: "Hello <b>not bold</b> *not italic*"})
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages", len(sent))
	}
	m := sent[0]
	if m.ChatID != -100200 || m.ThreadID != 4 || m.ReplyTo != 17 || m.Text != "Hello <b>not bold</b> *not italic*" {
		t.Errorf("sent %+v", m)
	}
	if id == "" || id == "0" {
		t.Errorf("platform message id = %q", id)
	}
	// Text is sent without a parse mode, so nothing in it is formatting.
	if pm := srv.CallsTo("sendMessage")[0].Params["parse_mode"]; pm != "" {
		t.Errorf("parse_mode = %q, want none", pm)
	}
}

func TestSenderClassifiesErrors(t *testing.T) {
	tests := []struct {
		name       string
		failure    telegramtest.Failure
		block      bool
		chatID     string
		want       chat.SendErrorKind
		retryAfter time.Duration
	}{
		{"rate limited", telegramtest.Failure{Status: 429, Description: "Too Many Requests: retry after 7", RetryAfter: 7}, false, "5", chat.SendRateLimited, 7 * time.Second},
		{"server error", telegramtest.Failure{Status: 500, Description: "Internal Server Error"}, false, "5", chat.SendTemporary, 0},
		{"bad gateway", telegramtest.Failure{Status: 502, Description: "Bad Gateway"}, false, "5", chat.SendTemporary, 0},
		{"blocked by the user", telegramtest.Failure{}, true, "5", chat.SendBlocked, 0},
		{"deactivated account", telegramtest.Failure{Status: 403, Description: "Forbidden: user is deactivated"}, false, "5", chat.SendBlocked, 0},
		{"chat not found", telegramtest.Failure{Status: 400, Description: "Bad Request: chat not found"}, false, "5", chat.SendBlocked, 0},
		{"message too long", telegramtest.Failure{Status: 400, Description: "Bad Request: message is too long"}, false, "5", chat.SendPermanent, 0},
		{"timeout is temporary", telegramtest.Failure{Status: 504, Description: "Gateway Timeout"}, false, "5", chat.SendTemporary, 0},
		{"chat id that is not a number", telegramtest.Failure{}, false, "abc", chat.SendPermanent, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New()
			defer srv.Close()
			if tt.failure.Status != 0 {
				srv.FailNext("sendMessage", 1, tt.failure)
			}
			if tt.block {
				srv.Block(5)
			}
			_, err := newTestSender(t, srv).Send(context.Background(), chat.Outgoing{ChatID: tt.chatID, Text: "hi"})
			var se *chat.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *chat.SendError", err, err)
			}
			if se.Kind != tt.want || se.RetryAfter != tt.retryAfter {
				t.Errorf("kind %v retry after %v, want %v %v", se.Kind, se.RetryAfter, tt.want, tt.retryAfter)
			}
		})
	}
}

func TestSenderTimeout(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	srv.FailNext("sendMessage", 1, telegramtest.Failure{Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := newTestSender(t, srv).Send(ctx, chat.Outgoing{ChatID: "5", Text: "hi"})
	var se *chat.SendError
	if !errors.As(err, &se) || se.Kind != chat.SendTemporary {
		t.Fatalf("err = %v, want a temporary send error", err)
	}
}

func TestSenderTopics(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	s := newTestSender(t, srv)
	ctx := t.Context()
	if forum, err := s.IsForum(ctx, "-100200"); err != nil || forum {
		t.Fatalf("IsForum(plain group) = %v, %v", forum, err)
	}
	srv.SetForum(-100200)
	if forum, err := s.IsForum(ctx, "-100200"); err != nil || !forum {
		t.Fatalf("IsForum(forum) = %v, %v", forum, err)
	}
	long := strings.Repeat("Анна ", 40)
	thread, err := s.CreateTopic(ctx, "-100200", long)
	if err != nil {
		t.Fatal(err)
	}
	topics := srv.Topics()
	if len(topics) != 1 || strconv.FormatInt(topics[0].ThreadID, 10) != thread || utf8.RuneCountInString(topics[0].Name) != 128 {
		t.Fatalf("topics = %+v, thread %q; want one topic named within Telegram's 128 characters", topics, thread)
	}
	if _, err := s.Send(ctx, chat.Outgoing{ChatID: "-100200", ThreadID: thread, Text: "in the topic"}); err != nil {
		t.Fatal(err)
	}
	srv.DeleteTopic(-100200, topics[0].ThreadID)
	_, err = s.Send(ctx, chat.Outgoing{ChatID: "-100200", ThreadID: thread, Text: "topic deleted meanwhile"})
	var se *chat.SendError
	if !errors.As(err, &se) || se.Kind != chat.SendThreadGone {
		t.Fatalf("send into a deleted topic: %v, want %s", err, chat.SendThreadGone)
	}
}

func TestSenderEdits(t *testing.T) {
	srv := telegramtest.New()
	defer srv.Close()
	s := newTestSender(t, srv)
	ctx := t.Context()
	buttons := [][]chat.Button{{{Text: "Resolve all", Data: "incident_resolve:1"}}}
	id, err := s.Send(ctx, chat.Outgoing{ChatID: "-100200", Text: "Incident: 50 customers", Buttons: buttons})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Incident: 51 customers", "Incident: 51 customers"} { // the second changes nothing
		got, err := s.Send(ctx, chat.Outgoing{ChatID: "-100200", Text: text, Buttons: buttons, EditMessageID: id})
		if err != nil || got != id {
			t.Fatalf("edit = %q, %v; want the same message %q", got, err, id)
		}
	}
	if edits := srv.CallsTo("editMessageText"); len(edits) != 2 || len(srv.Sent()) != 1 {
		t.Fatalf("%d edits and %d messages, want 2 edits of one message", len(edits), len(srv.Sent()))
	}
	// The message to edit is gone: the update is posted anew.
	got, err := s.Send(ctx, chat.Outgoing{ChatID: "-100200", Text: "Incident: 52 customers", EditMessageID: "999"})
	if err != nil || got == id || got == "" {
		t.Fatalf("edit of a missing message = %q, %v; want a new message", got, err)
	}
}

// TestSenderBusinessChats: every message to a chat reached through a
// Telegram Business connection (a text, a reply, an edit, each kind of
// media, an album) names the connection and the customer's chat, or
// Telegram would refuse it: the bot cannot write to that customer itself.
func TestSenderBusinessChats(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithLimits(telegramtest.Limits{Disabled: true}))
	defer srv.Close()
	s := newTestSender(t, srv)
	ctx := t.Context()
	to := BusinessChatID("AbC-dE_f:9", "5")
	own := func(k chat.MediaKind, id string) chat.Media {
		return chat.Media{Kind: k, Platform: chat.Telegram, Bot: "shop", FileID: id}
	}
	open := func(_ context.Context, m chat.Media) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("bytes")), nil
	}
	id, err := s.Send(ctx, chat.Outgoing{Bot: "shop", ChatID: to, ReplyTo: "3", Text: "Заказ в пути", Buttons: [][]chat.Button{{{Text: "👍", Data: "helpful:up:x"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, chat.Outgoing{Bot: "shop", ChatID: to, Text: "Заказ в пути!", EditMessageID: id}); err != nil {
		t.Fatal(err)
	}
	for _, media := range [][]chat.Media{
		{own(chat.MediaPhoto, "P")}, {own(chat.MediaVoice, "V")}, {own(chat.MediaSticker, "S")},
		{own(chat.MediaDocument, "D1"), own(chat.MediaDocument, "D2")},
		{{Kind: chat.MediaDocument, Platform: chat.Discord, Bot: "community", Name: "a.pdf", MIME: "application/pdf"}},
		{{Kind: chat.MediaContact, Phone: "+1555", Contact: "Bob Lee"}},
	} {
		if _, err := s.Send(ctx, chat.Outgoing{Bot: "shop", ChatID: to, Text: "Anna: here", Media: media, Open: open}); err != nil {
			t.Fatal(err)
		}
	}
	calls := srv.Calls()
	if len(calls) < 9 {
		t.Fatalf("%d calls", len(calls))
	}
	for _, c := range calls {
		if c.Params["business_connection_id"] != "AbC-dE_f:9" || c.Params["chat_id"] != "5" {
			t.Errorf("%s: business_connection_id %q chat_id %q, want the connection and chat 5", c.Method, c.Params["business_connection_id"], c.Params["chat_id"])
		}
	}
	// A chat of the bot's own names no connection.
	if _, err := s.Send(ctx, chat.Outgoing{ChatID: "5", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if c := srv.Calls()[len(srv.Calls())-1]; c.Params["business_connection_id"] != "" || c.Params["chat_id"] != "5" {
		t.Errorf("own chat: %v", c.Params)
	}
	// A business chat id without its connection is refused for good.
	_, err = s.Send(ctx, chat.Outgoing{ChatID: "business:5", Text: "hi"})
	var se *chat.SendError
	if !errors.As(err, &se) || se.Kind != chat.SendPermanent {
		t.Errorf("business:5: err = %v, want a permanent send error", err)
	}
}
