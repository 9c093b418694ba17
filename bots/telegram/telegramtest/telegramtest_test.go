package telegramtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

const token = "123456:test-token"

func start(t *testing.T, opts ...telegramtest.Option) (*telegramtest.Server, *bot.Bot) {
	t.Helper()
	srv := telegramtest.New(opts...)
	t.Cleanup(srv.Close)
	return srv, newBot(t, srv, token)
}

func newBot(t *testing.T, srv *telegramtest.Server, token string, opts ...bot.Option) *bot.Bot {
	t.Helper()
	b, err := bot.New(token, append([]bot.Option{bot.WithServerURL(srv.URL())}, opts...)...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

func send(t *testing.T, b *bot.Bot, chatID int64, text string) (*models.Message, error) {
	t.Helper()
	return b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: chatID, Text: text})
}

func mustSend(t *testing.T, b *bot.Bot, chatID int64, text string) *models.Message {
	t.Helper()
	m, err := send(t, b, chatID, text)
	if err != nil {
		t.Fatalf("SendMessage(%d, %q): %v", chatID, text, err)
	}
	return m
}

func statuses(calls []telegramtest.Call) []int {
	var out []int
	for _, c := range calls {
		out = append(out, c.Status)
	}
	return out
}

// envelope is the Bot API response, decoded for raw HTTP tests.
type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
}

func do(t *testing.T, method, url, contentType, body string) (int, envelope) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("decoding %s %s: %v", method, url, err)
	}
	return resp.StatusCode, env
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestSendMessage(t *testing.T) {
	keyboard := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
		{{Text: "Take", CallbackData: "take:1"}},
	}}
	tests := []struct {
		name     string
		params   *bot.SendMessageParams
		want     telegramtest.Message
		chatType string
	}{
		{
			name:     "private chat",
			params:   &bot.SendMessageParams{ChatID: int64(42), Text: "hi"},
			want:     telegramtest.Message{ChatID: 42, MessageID: 1, Text: "hi"},
			chatType: "private",
		},
		{
			name: "topic reply with keyboard",
			params: &bot.SendMessageParams{
				ChatID:          int64(-1001),
				MessageThreadID: 7,
				Text:            "<b>re</b>",
				ParseMode:       models.ParseModeHTML,
				ReplyParameters: &models.ReplyParameters{MessageID: 5},
				ReplyMarkup:     keyboard,
			},
			want:     telegramtest.Message{ChatID: -1001, ThreadID: 7, MessageID: 1, Text: "<b>re</b>", ReplyTo: 5},
			chatType: "supergroup",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, b := start(t)
			msg, err := b.SendMessage(t.Context(), tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if msg.ID != int(tt.want.MessageID) || msg.Chat.ID != tt.want.ChatID || msg.Chat.Type != models.ChatType(tt.chatType) ||
				msg.MessageThreadID != int(tt.want.ThreadID) || msg.Text != tt.want.Text || msg.From == nil || !msg.From.IsBot {
				t.Errorf("client got %+v", msg)
			}
			if tt.want.ReplyTo != 0 && (msg.ReplyToMessage == nil || msg.ReplyToMessage.ID != int(tt.want.ReplyTo)) {
				t.Errorf("reply_to_message = %+v, want id %d", msg.ReplyToMessage, tt.want.ReplyTo)
			}
			if (tt.params.ReplyMarkup != nil) != (msg.ReplyMarkup != nil) {
				t.Errorf("reply_markup = %+v, sent %+v", msg.ReplyMarkup, tt.params.ReplyMarkup)
			}

			sent := srv.Sent()
			if len(sent) != 1 {
				t.Fatalf("Sent() = %+v, want one message", sent)
			}
			got := sent[0]
			if got.At.IsZero() {
				t.Error("Sent()[0].At is zero")
			}
			if tt.params.ReplyMarkup != nil && !strings.Contains(got.ReplyMarkup, `"callback_data":"take:1"`) {
				t.Errorf("ReplyMarkup = %s", got.ReplyMarkup)
			}
			got.At, got.ReplyMarkup = time.Time{}, ""
			if got != tt.want {
				t.Errorf("Sent()[0] = %+v, want %+v", got, tt.want)
			}
			calls := srv.CallsTo("sendMessage")
			if len(calls) != 1 || calls[0].Status != http.StatusOK || calls[0].Params["parse_mode"] != string(tt.params.ParseMode) {
				t.Errorf("CallsTo(sendMessage) = %+v", calls)
			}
		})
	}
}

func TestMessageIDsIncreasePerChat(t *testing.T) {
	srv, b := start(t)
	chats := []int64{42, 43, 42, -100, 42}
	var got []int
	for _, chat := range chats {
		got = append(got, mustSend(t, b, chat, "x").ID)
	}
	if want := []int{1, 1, 2, 1, 3}; !slices.Equal(got, want) {
		t.Errorf("message ids = %v, want %v", got, want)
	}
	if n := len(srv.Sent()); n != len(chats) {
		t.Errorf("len(Sent()) = %d, want %d", n, len(chats))
	}
}

func TestSendMessageValidation(t *testing.T) {
	tests := []struct {
		name     string
		chatID   any
		text     string
		wantDesc string // empty: accepted
	}{
		{"unknown chat", "@nobody", "hi", "chat not found"},
		{"empty text", int64(42), "", "message text is empty"},
		{"blank text", int64(42), " \n", "message text is empty"},
		{"too long", int64(42), strings.Repeat("a", 4097), "message is too long"},
		{"4096 runes", int64(42), strings.Repeat("é", 4096), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, b := start(t)
			_, err := b.SendMessage(t.Context(), &bot.SendMessageParams{ChatID: tt.chatID, Text: tt.text})
			if tt.wantDesc == "" {
				if err != nil {
					t.Fatalf("SendMessage: %v", err)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantDesc) {
				t.Fatalf("SendMessage error = %v, want bad request %q", err, tt.wantDesc)
			}
			if sent := srv.Sent(); len(sent) != 0 {
				t.Errorf("Sent() = %+v, want none", sent)
			}
			if got := statuses(srv.CallsTo("sendMessage")); !slices.Equal(got, []int{400}) {
				t.Errorf("recorded statuses %v, want [400]", got)
			}
		})
	}
}

func TestToken(t *testing.T) {
	srv := telegramtest.New(telegramtest.WithToken(token), telegramtest.WithBotUser(777, "desk_bot"))
	t.Cleanup(srv.Close)

	_, err := bot.New("999:wrong", bot.WithServerURL(srv.URL()))
	if !errors.Is(err, bot.ErrorUnauthorized) {
		t.Fatalf("bot.New with a wrong token: %v, want ErrorUnauthorized", err)
	}
	b := newBot(t, srv, token)
	me, err := b.GetMe(t.Context())
	if err != nil || me.ID != 777 || me.Username != "desk_bot" || !me.IsBot {
		t.Fatalf("GetMe = %+v, %v", me, err)
	}
	if got := statuses(srv.CallsTo("getMe")); !slices.Equal(got, []int{401, 200, 200}) {
		t.Errorf("getMe statuses = %v, want [401 200 200]", got)
	}
}

func TestUnknownMethod(t *testing.T) {
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	status, env := do(t, http.MethodPost, srv.URL()+"/bot"+token+"/frobnicate", "application/json", `{}`)
	if status != http.StatusNotFound || env.OK || env.ErrorCode != 404 || env.Description != "Not Found: method not found" {
		t.Errorf("got %d %+v", status, env)
	}
	if calls := srv.CallsTo("frobnicate"); len(calls) != 1 || calls[0].Status != 404 {
		t.Errorf("CallsTo(frobnicate) = %+v", calls)
	}
}

func TestParameterEncodings(t *testing.T) {
	form := url.Values{"chat_id": {"42"}, "text": {"hi"}, "reply_parameters": {`{"message_id":3}`}}.Encode()
	tests := []struct {
		name, httpMethod, path, contentType, body string
	}{
		{"json", http.MethodPost, "sendMessage", "application/json", `{"chat_id": 42, "text": "hi", "reply_parameters": {"message_id": 3}}`},
		{"urlencoded", http.MethodPost, "sendMessage", "application/x-www-form-urlencoded", form},
		{"query string, lower-case method", http.MethodGet, "sendmessage?" + form, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New()
			t.Cleanup(srv.Close)
			status, env := do(t, tt.httpMethod, srv.URL()+"/bot"+token+"/"+tt.path, tt.contentType, tt.body)
			if status != http.StatusOK || !env.OK {
				t.Fatalf("got %d %+v", status, env)
			}
			sent := srv.Sent()
			if len(sent) != 1 || sent[0].ChatID != 42 || sent[0].Text != "hi" || sent[0].ReplyTo != 3 {
				t.Errorf("Sent() = %+v", sent)
			}
			calls := srv.CallsTo("sendMessage")
			if len(calls) != 1 || calls[0].Params["chat_id"] != "42" || calls[0].Params["reply_parameters"] != `{"message_id":3}` {
				t.Errorf("CallsTo(sendMessage) = %+v", calls)
			}
		})
	}
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		name    string
		failure telegramtest.Failure
		check   func(t *testing.T, err error)
	}{
		{"429", telegramtest.Failure{Status: 429, RetryAfter: 3}, func(t *testing.T, err error) {
			var tooMany *bot.TooManyRequestsError
			if !errors.As(err, &tooMany) || tooMany.RetryAfter != 3 {
				t.Errorf("error = %v, want TooManyRequestsError with RetryAfter 3", err)
			}
		}},
		{"500", telegramtest.Failure{Status: 500}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "500") {
				t.Errorf("error = %v, want a 500", err)
			}
		}},
		{"custom description", telegramtest.Failure{Status: 400, Description: "Bad Request: TOPIC_CLOSED"}, func(t *testing.T, err error) {
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "TOPIC_CLOSED") {
				t.Errorf("error = %v, want bad request TOPIC_CLOSED", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, b := start(t)
			srv.FailNext("sendMessage", 2, tt.failure)
			for range 2 {
				_, err := send(t, b, 42, "hi")
				tt.check(t, err)
			}
			mustSend(t, b, 42, "hi")
			want := []int{tt.failure.Status, tt.failure.Status, 200}
			if got := statuses(srv.CallsTo("sendMessage")); !slices.Equal(got, want) {
				t.Errorf("statuses = %v, want %v", got, want)
			}
			if len(srv.Sent()) != 1 {
				t.Errorf("Sent() = %+v, want only the last message", srv.Sent())
			}
		})
	}
}

func TestSetFailure(t *testing.T) {
	srv, b := start(t)
	srv.SetFailure("sendMessage", &telegramtest.Failure{Status: http.StatusBadGateway})
	for range 3 {
		if _, err := send(t, b, 42, "hi"); err == nil {
			t.Fatal("SendMessage succeeded during an outage")
		}
	}
	if _, err := b.SendChatAction(t.Context(), &bot.SendChatActionParams{ChatID: 42, Action: models.ChatActionTyping}); err != nil {
		t.Errorf("other methods should be unaffected: %v", err)
	}
	srv.SetFailure("sendMessage", nil)
	mustSend(t, b, 42, "hi")
}

func TestDelay(t *testing.T) {
	tests := []struct {
		name          string
		failure       telegramtest.Failure
		clientTimeout time.Duration
		wantErr       error
		delivered     int // messages the delayed call sent
	}{
		{"client gives up", telegramtest.Failure{Delay: time.Minute}, 50 * time.Millisecond, context.DeadlineExceeded, 0},
		{"late answer", telegramtest.Failure{Delay: 100 * time.Millisecond}, 10 * time.Second, nil, 1},
		{"late error", telegramtest.Failure{Status: 500, Delay: time.Minute}, 50 * time.Millisecond, context.DeadlineExceeded, 0},
		// A slow Bot API that delivered the message before it answers.
		{"delivered, answered late", telegramtest.Failure{Late: 100 * time.Millisecond}, 10 * time.Second, nil, 1},
		{"delivered, client gives up", telegramtest.Failure{Late: time.Minute}, 50 * time.Millisecond, context.DeadlineExceeded, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, b := start(t)
			srv.FailNext("sendMessage", 1, tt.failure)
			ctx, cancel := context.WithTimeout(t.Context(), tt.clientTimeout)
			defer cancel()
			began := time.Now()
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "hi"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if elapsed := time.Since(began); elapsed < min(max(tt.failure.Delay, tt.failure.Late), tt.clientTimeout) {
				t.Errorf("answered after %v, before the delay", elapsed)
			}
			if n := len(srv.Sent()); n != tt.delivered {
				t.Errorf("%d messages delivered, want %d", n, tt.delivered)
			}
			// Only one call was delayed.
			mustSend(t, b, 42, "again")
		})
	}
}

func TestRateLimits(t *testing.T) {
	private := func(int) int64 { return 42 }
	group := func(int) int64 { return -100 }
	distinct := func(i int) int64 { return int64(1000 + i) }
	tests := []struct {
		name           string
		limits         telegramtest.Limits
		chat           func(i int) int64
		step           time.Duration // clock advance after each send
		sends          int
		wantSent       int // before the first 429
		wantRetryAfter int // 0: never limited
	}{
		{"private chat burst", telegramtest.DefaultLimits(), private, 0, 10, 3, 1},
		{"private chat at 50/s", telegramtest.DefaultLimits(), private, 20 * time.Millisecond, 10, 3, 1},
		{"private chat at 50/s, scaled 100x", telegramtest.DefaultLimits().Scale(100), private, 20 * time.Millisecond, 50, 50, 0},
		{"group per minute", telegramtest.DefaultLimits(), group, 0, 30, 20, 3},
		{"group per minute, scaled 0.5x", telegramtest.DefaultLimits().Scale(0.5), group, 0, 30, 10, 6},
		{"all chats of one bot", telegramtest.DefaultLimits(), distinct, 0, 40, 30, 1},
		{"disabled", telegramtest.Limits{Disabled: true}, private, 0, 40, 40, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			srv, b := start(t, telegramtest.WithLimits(tt.limits), telegramtest.WithClock(clock.Now))
			var tooMany *bot.TooManyRequestsError
			sent := 0
			for ; sent < tt.sends; sent++ {
				if _, err := send(t, b, tt.chat(sent), "x"); err != nil {
					if !errors.As(err, &tooMany) {
						t.Fatalf("send %d: %v", sent, err)
					}
					break
				}
				clock.Advance(tt.step)
			}
			if sent != tt.wantSent {
				t.Errorf("%d sends passed, want %d", sent, tt.wantSent)
			}
			if tt.wantRetryAfter == 0 {
				if srv.RateLimited() != 0 {
					t.Errorf("RateLimited() = %d, want 0", srv.RateLimited())
				}
				return
			}
			if tooMany == nil || tooMany.RetryAfter != tt.wantRetryAfter {
				t.Fatalf("429 = %+v, want retry_after %d", tooMany, tt.wantRetryAfter)
			}
			if srv.RateLimited() != 1 || len(srv.Sent()) != sent {
				t.Errorf("RateLimited() = %d, Sent() has %d, want 1 and %d", srv.RateLimited(), len(srv.Sent()), sent)
			}
			// Waiting as told is enough.
			clock.Advance(time.Duration(tooMany.RetryAfter) * time.Second)
			mustSend(t, b, tt.chat(sent), "after waiting")
		})
	}
}

func TestRateLimitsRealClock(t *testing.T) {
	srv, b := start(t)
	first := mustSend(t, b, 42, "1")
	mustSend(t, b, 42, "2")
	mustSend(t, b, 42, "3")

	var tooMany *bot.TooManyRequestsError
	if _, err := send(t, b, 42, "4"); !errors.As(err, &tooMany) || tooMany.RetryAfter != 1 {
		t.Fatalf("4th quick send: %v, want 429 with retry_after 1", err)
	}
	_, err := b.EditMessageText(t.Context(), &bot.EditMessageTextParams{ChatID: 42, MessageID: first.ID, Text: "edited"})
	if !errors.As(err, &tooMany) {
		t.Errorf("edit counts against the chat's limit: %v", err)
	}
	if _, err := b.SendChatAction(t.Context(), &bot.SendChatActionParams{ChatID: 42, Action: models.ChatActionTyping}); err != nil {
		t.Errorf("chat actions are not limited: %v", err)
	}
	keyboard := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Take", CallbackData: "take"}}}}
	if _, err := b.EditMessageReplyMarkup(t.Context(), &bot.EditMessageReplyMarkupParams{ChatID: 42, MessageID: first.ID, ReplyMarkup: keyboard}); err != nil {
		t.Errorf("keyboard edits are not limited: %v", err)
	}
	mustSend(t, b, 43, "other chats have their own limit")
	if got := srv.RateLimited(); got != 2 {
		t.Errorf("RateLimited() = %d, want 2", got)
	}
}

func TestBlock(t *testing.T) {
	srv, b := start(t)
	srv.Block(42)
	if _, err := send(t, b, 42, "hi"); !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "blocked by the user") {
		t.Fatalf("send to a blocked chat: %v, want ErrorForbidden", err)
	}
	mustSend(t, b, 43, "others still get messages")
	srv.Unblock(42)
	mustSend(t, b, 42, "hi again")
}

func TestEditsAndTopics(t *testing.T) {
	srv, b := start(t)
	ctx := t.Context()

	if _, err := b.CreateForumTopic(ctx, &bot.CreateForumTopicParams{ChatID: int64(-100), Name: "Ticket #0"}); !errors.Is(err, bot.ErrorBadRequest) ||
		!strings.Contains(err.Error(), "not a forum") {
		t.Fatalf("topic in a plain group: %v, want Bad Request: the chat is not a forum", err)
	}
	if c, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: int64(-100)}); err != nil || c.IsForum {
		t.Fatalf("GetChat(plain group) = %+v, %v; want is_forum false", c, err)
	}
	srv.SetForum(-100)
	if c, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: int64(-100)}); err != nil || !c.IsForum {
		t.Fatalf("GetChat(forum) = %+v, %v; want is_forum true", c, err)
	}
	topic, err := b.CreateForumTopic(ctx, &bot.CreateForumTopicParams{ChatID: int64(-100), Name: "Ticket #1"})
	if err != nil || topic.MessageThreadID != 1 || topic.Name != "Ticket #1" || topic.IconColor != 7322096 {
		t.Fatalf("CreateForumTopic = %+v, %v", topic, err)
	}
	topic2, err := b.CreateForumTopic(ctx, &bot.CreateForumTopicParams{ChatID: int64(-100), Name: "Ticket #2"})
	if err != nil || topic2.MessageThreadID <= topic.MessageThreadID {
		t.Fatalf("second topic = %+v, %v; want a larger thread id than %d", topic2, err, topic.MessageThreadID)
	}

	keyboard := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Take", CallbackData: "take"}}}}
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(-100), MessageThreadID: topic.MessageThreadID, Text: "new ticket", ReplyMarkup: keyboard})
	if err != nil || msg.ReplyMarkup == nil {
		t.Fatalf("SendMessage = %+v, %v", msg, err)
	}

	edited, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: int64(-100), MessageID: msg.ID})
	if err != nil || edited.ReplyMarkup != nil || edited.EditDate == 0 || edited.Text != "new ticket" {
		t.Fatalf("EditMessageReplyMarkup = %+v, %v", edited, err)
	}
	edited, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: int64(-100), MessageID: msg.ID, Text: "taken by Ann"})
	if err != nil || edited.Text != "taken by Ann" || edited.ID != msg.ID || edited.MessageThreadID != topic.MessageThreadID {
		t.Fatalf("EditMessageText = %+v, %v", edited, err)
	}

	for _, tt := range []struct {
		name   string
		params *bot.EditMessageTextParams
		want   string
	}{
		{"unchanged", &bot.EditMessageTextParams{ChatID: int64(-100), MessageID: msg.ID, Text: "taken by Ann"}, "message is not modified"},
		{"unknown message", &bot.EditMessageTextParams{ChatID: int64(-100), MessageID: 99, Text: "x"}, "message to edit not found"},
		{"empty text", &bot.EditMessageTextParams{ChatID: int64(-100), MessageID: msg.ID, Text: ""}, "message text is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.EditMessageText(ctx, tt.params)
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want bad request %q", err, tt.want)
			}
		})
	}
	if sent := srv.Sent(); len(sent) != 1 || sent[0].Text != "new ticket" {
		t.Errorf("Sent() = %+v, want the message as sent", sent)
	}
	if got := srv.Topics(); len(got) != 2 || got[1].Name != "Ticket #2" {
		t.Errorf("Topics() = %+v, want both topics", got)
	}
	srv.DeleteTopic(-100, int64(topic.MessageThreadID))
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(-100), MessageThreadID: topic.MessageThreadID, Text: "into the void"})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message thread not found") {
		t.Errorf("send into a deleted topic: %v, want Bad Request: message thread not found", err)
	}
}

func TestAcknowledgedMethods(t *testing.T) {
	tests := []struct {
		method     string
		call       func(ctx context.Context, b *bot.Bot) (bool, error)
		param, has string
	}{
		{"answerCallbackQuery", func(ctx context.Context, b *bot.Bot) (bool, error) {
			return b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "q1", Text: "taken"})
		}, "callback_query_id", "q1"},
		{"setMyCommands", func(ctx context.Context, b *bot.Bot) (bool, error) {
			return b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "start", Description: "Start"}}})
		}, "commands", `"command":"start"`},
		{"sendChatAction", func(ctx context.Context, b *bot.Bot) (bool, error) {
			return b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: 42, Action: models.ChatActionTyping})
		}, "action", "typing"},
		{"setWebhook", func(ctx context.Context, b *bot.Bot) (bool, error) {
			return b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://example.com/hook"})
		}, "url", "https://example.com/hook"},
		{"deleteWebhook", func(ctx context.Context, b *bot.Bot) (bool, error) {
			return b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: true})
		}, "drop_pending_updates", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			srv, b := start(t)
			if got, err := tt.call(t.Context(), b); !got || err != nil {
				t.Fatalf("= %v, %v; want true", got, err)
			}
			calls := srv.CallsTo(tt.method)
			if len(calls) != 1 || !strings.Contains(calls[0].Params[tt.param], tt.has) {
				t.Errorf("CallsTo(%s) = %+v, want %s containing %q", tt.method, calls, tt.param, tt.has)
			}
		})
	}
}

func TestGetUpdates(t *testing.T) {
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	base := srv.URL() + "/bot" + token + "/"
	// pollErr reports instead of failing, so goroutines can use it.
	pollErr := func(params string) ([]int64, error) {
		resp, err := http.Post(base+"getUpdates", "application/json", strings.NewReader(params))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var env struct {
			Result []struct {
				ID int64 `json:"update_id"`
			} `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("getUpdates %s: status %d, %v", params, resp.StatusCode, err)
		}
		ids := []int64{}
		for _, u := range env.Result {
			ids = append(ids, u.ID)
		}
		return ids, nil
	}
	poll := func(t *testing.T, params string) []int64 {
		t.Helper()
		ids, err := pollErr(params)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	update := func(id int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":0,"chat":{"id":42,"type":"private"},"text":"hi"}}`, id, id))
	}

	srv.QueueUpdate(update(10))
	srv.QueueUpdate(update(11))

	t.Run("unconfirmed updates are served again", func(t *testing.T) {
		for range 2 {
			if got := poll(t, `{"offset":0}`); !slices.Equal(got, []int64{10, 11}) {
				t.Fatalf("got %v, want [10 11]", got)
			}
		}
		if got := poll(t, `{"offset":0,"limit":1}`); !slices.Equal(got, []int64{10}) {
			t.Errorf("with limit 1 got %v, want [10]", got)
		}
	})
	t.Run("offset confirms", func(t *testing.T) {
		if got := poll(t, `{"offset":12}`); len(got) != 0 {
			t.Fatalf("got %v, want none", got)
		}
		began := time.Now()
		if got := poll(t, `{"offset":0,"timeout":1}`); len(got) != 0 {
			t.Fatalf("confirmed updates came back: %v", got)
		}
		if waited := time.Since(began); waited < time.Second {
			t.Errorf("empty long poll answered after %v, want about 1s", waited)
		}
	})
	t.Run("long poll wakes on a new update", func(t *testing.T) {
		type result struct {
			ids    []int64
			err    error
			waited time.Duration
		}
		done := make(chan result, 1)
		go func() {
			began := time.Now()
			ids, err := pollErr(`{"offset":12,"timeout":30}`)
			done <- result{ids, err, time.Since(began)}
		}()
		if !srv.WaitPolling(5 * time.Second) {
			t.Error("getUpdates never started waiting")
		}
		srv.QueueUpdate(update(12))
		r := <-done
		if r.err != nil || !slices.Equal(r.ids, []int64{12}) || r.waited >= time.Second {
			t.Errorf("got %v, %v after %v; want [12] at once", r.ids, r.err, r.waited)
		}
	})
}

func TestPollingRoundTrip(t *testing.T) {
	srv := telegramtest.New()
	t.Cleanup(srv.Close)
	echo := func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, _ = b.SendMessage(ctx, &bot.SendMessageParams{
			ChatID:          u.Message.Chat.ID,
			Text:            "echo: " + u.Message.Text,
			ReplyParameters: &models.ReplyParameters{MessageID: u.Message.ID},
		})
	}
	b := newBot(t, srv, token, bot.WithDefaultHandler(echo))
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		b.Start(ctx)
		close(stopped)
	}()
	defer func() {
		cancel()
		<-stopped
	}()

	srv.QueueUpdate(json.RawMessage(`{"update_id":1,"message":{"message_id":9,"date":0,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ann"},"text":"hello"}}`))
	sent, err := srv.WaitSent(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if sent[0].ChatID != 42 || sent[0].Text != "echo: hello" || sent[0].ReplyTo != 9 {
		t.Errorf("sent %+v", sent[0])
	}
}

func TestWaitSent(t *testing.T) {
	t.Run("times out", func(t *testing.T) {
		srv, b := start(t)
		mustSend(t, b, 42, "only one")
		sent, err := srv.WaitSent(2, 50*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), "1 of 2") || len(sent) != 1 {
			t.Errorf("WaitSent = %d messages, %v; want 1 and an error saying 1 of 2", len(sent), err)
		}
	})
	t.Run("returns when messages arrive", func(t *testing.T) {
		srv, b := start(t, telegramtest.WithLimits(telegramtest.Limits{Disabled: true}))
		go func() {
			for i := range 3 {
				_, _ = b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: 42, Text: fmt.Sprint(i)})
			}
		}()
		began := time.Now()
		sent, err := srv.WaitSent(3, 30*time.Second)
		if err != nil || len(sent) < 3 {
			t.Fatalf("WaitSent = %+v, %v", sent, err)
		}
		if waited := time.Since(began); waited > 5*time.Second {
			t.Errorf("WaitSent returned after %v", waited)
		}
	})
}

func TestConcurrentSends(t *testing.T) {
	srv, b := start(t, telegramtest.WithLimits(telegramtest.Limits{Disabled: true}))
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				if _, err := send(t, b, int64(40+w%2), "x"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	ids := map[int64][]int64{}
	for _, m := range srv.Sent() {
		ids[m.ChatID] = append(ids[m.ChatID], m.MessageID)
	}
	for chat, got := range ids {
		for i, id := range got {
			if id != int64(i+1) {
				t.Fatalf("chat %d ids %v, want 1..%d in order", chat, got, len(got))
			}
		}
	}
	if n := len(srv.CallsTo("sendMessage")); n != workers*each {
		t.Errorf("%d sendMessage calls recorded, want %d", n, workers*each)
	}
}
