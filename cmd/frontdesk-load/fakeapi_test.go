package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// startFake runs the fake and a real go-telegram/bot client against it;
// bot.New calls getMe, so a wrong getMe fails here.
func startFake(t *testing.T) (*fakeAPI, *bot.Bot) {
	t.Helper()
	return startFakeLatency(t, 0)
}

func startFakeLatency(t *testing.T, latency time.Duration) (*fakeAPI, *bot.Bot) {
	t.Helper()
	f, err := startFakeAPI("", time.Now(), latency)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := bot.New("123456:TEST", bot.WithServerURL(f.URL()), bot.WithHTTPClient(5*time.Second, &http.Client{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	me, err := b.GetMe(ctx)
	if err != nil || !me.IsBot || me.Username == "" {
		t.Fatalf("getMe: %+v, %v", me, err)
	}
	return f, b
}

func TestFakeAPISendMessage(t *testing.T) {
	f, b := startFake(t)
	ctx := context.Background()
	for _, tt := range []struct {
		chat   int64
		text   string
		marker int
	}{
		{4242, "Orders ship within 48 hours. [m17]", 17},
		{4243, "已为您转接人工客服，请稍候。[m0]", 0},
		{-100777, "Handoff · m3 wants a person", noMarker},
		{4244, "no marker here", noMarker},
	} {
		m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: tt.chat, Text: tt.text})
		if err != nil {
			t.Fatalf("sendMessage %q: %v", tt.text, err)
		}
		if m.ID == 0 || m.Chat.ID != tt.chat || m.Text != tt.text || m.Date == 0 {
			t.Errorf("sendMessage %q answered %+v", tt.text, m)
		}
		got := f.since(0)
		if last := got[len(got)-1]; last.chat != tt.chat || last.msg != tt.marker || last.at <= 0 {
			t.Errorf("sendMessage %q recorded as %+v, want chat %d marker %d", tt.text, last, tt.chat, tt.marker)
		}
	}
	if n := len(f.since(0)); n != 4 {
		t.Errorf("%d messages recorded, want 4", n)
	}
	if got := f.since(3); len(got) != 1 || got[0].chat != 4244 {
		t.Errorf("since(3) = %+v", got)
	}
}

// TestFakeAPIMethods calls everything frontdesk's Telegram adapter calls.
func TestFakeAPIMethods(t *testing.T) {
	_, b := startFake(t)
	ctx := context.Background()
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: -100777, Text: "notice",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Claim", CallbackData: "claim:1"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method string
		call   func() error
	}{
		{"setWebhook", func() error {
			_, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://bot.example.com/webhooks/telegram/shop", SecretToken: "s"})
			return err
		}},
		{"deleteWebhook", func() error { _, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{}); return err }},
		{"setMyCommands", func() error {
			_, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "human", Description: "a person"}}})
			return err
		}},
		{"answerCallbackQuery", func() error {
			_, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "42", Text: "claimed"})
			return err
		}},
		{"sendChatAction", func() error {
			_, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: 4242, Action: models.ChatActionTyping})
			return err
		}},
		{"getChat", func() error {
			c, err := b.GetChat(ctx, &bot.GetChatParams{ChatID: -100777})
			if err == nil && (c.ID != -100777 || c.IsForum) {
				t.Errorf("getChat answered %+v", c)
			}
			return err
		}},
		{"editMessageText", func() error {
			m, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: -100777, MessageID: sent.ID, Text: "notice, claimed"})
			if err == nil && (m.ID != sent.ID || m.Text != "notice, claimed") {
				t.Errorf("editMessageText answered %+v", m)
			}
			return err
		}},
		{"editMessageReplyMarkup", func() error {
			_, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: -100777, MessageID: sent.ID})
			return err
		}},
	} {
		if err := tt.call(); err != nil {
			t.Errorf("%s: %v", tt.method, err)
		}
	}
}

func TestFakeAPIOutage(t *testing.T) {
	f, b := startFake(t)
	ctx := context.Background()
	send := func() error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 4242, Text: "hello [m1]"})
		return err
	}
	f.setOutage(true)
	err := send()
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("during the outage sendMessage answered %v, want a 500", err)
	}
	if _, err := b.GetMe(ctx); err != nil {
		t.Errorf("the outage is only sendMessage's, getMe failed: %v", err)
	}
	f.setOutage(false)
	if err := send(); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if got := f.since(0); len(got) != 1 || f.refused.Load() != 1 {
		t.Errorf("recorded %d messages and %d refusals, want 1 and 1", len(got), f.refused.Load())
	}
}

// TestFakeAPIOtherEncodings: bots other than go-telegram/bot (a --target)
// send JSON or form bodies.
func TestFakeAPIOtherEncodings(t *testing.T) {
	f, _ := startFake(t)
	client := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range []struct {
		name, contentType, body string
	}{
		{"json", "application/json", `{"chat_id": 77, "text": "hi [m5]"}`},
		{"form", "application/x-www-form-urlencoded", url.Values{"chat_id": {"77"}, "text": {"hi [m5]"}}.Encode()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.since(0))
			resp, err := client.Post(f.URL()+"/bot1:x/sendMessage", tt.contentType, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := f.since(before)
			if resp.StatusCode != http.StatusOK || len(got) != 1 || got[0].chat != 77 || got[0].msg != 5 {
				t.Fatalf("status %d, recorded %+v", resp.StatusCode, got)
			}
		})
	}
}

// TestFakeAPILatency: with --api-latency every call takes at least the
// delay, and calls in flight wait side by side, not one after the other.
func TestFakeAPILatency(t *testing.T) {
	const latency = 200 * time.Millisecond
	f, b := startFakeLatency(t, latency)
	ctx := context.Background()
	began := time.Now()
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 4242, Text: "hello [m1]"}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < latency {
		t.Errorf("sendMessage answered after %s, want at least %s", took, latency)
	}

	const calls = 50
	errs := make(chan error, calls)
	began = time.Now()
	for i := range calls {
		go func() {
			start := time.Now()
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(5000 + i), Text: fmt.Sprintf("hi [m%d]", i)})
			if err == nil && time.Since(start) < latency {
				err = fmt.Errorf("answered after %s", time.Since(start))
			}
			errs <- err
		}()
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	// One after the other would take 10 s; side by side about the delay.
	if took := time.Since(began); took > 10*latency {
		t.Errorf("%d concurrent calls took %s: they waited in turn", calls, took)
	}
	if n := len(f.since(0)); n != calls+1 {
		t.Errorf("%d replies recorded, want %d", n, calls+1)
	}
}
