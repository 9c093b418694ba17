package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// DefaultAPIURL is Telegram's Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// NewClient makes a go-telegram/bot client for sending. It does not call
// getMe: the service must start even while Telegram is unreachable.
func NewClient(token, apiURL string, errorsHandler func(error)) (*bot.Bot, error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	// Every call gets a deadline even if a caller forgets one. net/http
	// keeps only two idle connections per host by default: with dozens of
	// sends in flight, most would dial (and TLS-handshake) the Bot API anew.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 256, 256
	client := &http.Client{Timeout: 30 * time.Second, Transport: wholeBodies{next: transport}}
	b, err := bot.New(token,
		bot.WithServerURL(apiURL),
		bot.WithSkipGetMe(),
		bot.WithHTTPClient(25*time.Second, client),
		bot.WithErrorsHandler(errorsHandler),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	return b, nil
}

// Sender delivers outgoing messages to Telegram chats.
type Sender struct {
	b *bot.Bot
}

func NewSender(b *bot.Bot) *Sender { return &Sender{b: b} }

// Send sends one message as plain text (no parse mode, so nothing in it is
// interpreted as formatting) and returns Telegram's message id. Errors are
// *chat.SendError so the outbox knows whether to retry.
func (s *Sender) Send(ctx context.Context, out chat.Outgoing) (string, error) {
	if out.CallbackID != "" {
		// An answer to a button press: a short notice to the agent who pressed it.
		_, err := s.b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: out.CallbackID, Text: out.Text})
		if err != nil {
			return "", classify(err)
		}
		return "", nil
	}
	chatID, business, err := splitChatID(out.ChatID)
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: err}
	}
	p := &bot.SendMessageParams{ChatID: chatID, BusinessConnectionID: business, Text: out.Text}
	if out.ThreadID != "" {
		if id, err := strconv.Atoi(out.ThreadID); err == nil {
			p.MessageThreadID = id
		}
	}
	if out.ReplyTo != "" {
		if id, err := strconv.Atoi(out.ReplyTo); err == nil {
			// The customer may have deleted their message; answer anyway.
			p.ReplyParameters = &models.ReplyParameters{MessageID: id, AllowSendingWithoutReply: true}
		}
	}
	if len(out.Buttons) > 0 {
		p.ReplyMarkup = keyboard(out.Buttons)
	}
	if len(out.Media) > 0 {
		return s.sendMedia(ctx, out, place{chatID: chatID, business: business, thread: p.MessageThreadID, reply: p.ReplyParameters, markup: p.ReplyMarkup})
	}
	if out.EditMessageID != "" {
		if id, err := s.edit(ctx, chatID, business, out); !errors.Is(err, errEditedGone) {
			return id, err
		}
		// The message to update was deleted: post the update anew.
	}
	m, err := s.b.SendMessage(ctx, p)
	if err != nil {
		return "", classify(err)
	}
	return strconv.Itoa(m.ID), nil
}

func keyboard(rows [][]chat.Button) *models.InlineKeyboardMarkup {
	kb := make([][]models.InlineKeyboardButton, len(rows))
	for i, row := range rows {
		for _, b := range row {
			if b.URL != "" {
				// A link (a t.me deep link): it opens, nothing comes back.
				kb[i] = append(kb[i], models.InlineKeyboardButton{Text: b.Text, URL: b.URL})
				continue
			}
			kb[i] = append(kb[i], models.InlineKeyboardButton{Text: b.Text, CallbackData: b.Data})
		}
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: kb}
}

var errEditedGone = errors.New("message to edit not found")

// edit replaces the text (and buttons) of a message the bot sent.
func (s *Sender) edit(ctx context.Context, chatID int64, business string, out chat.Outgoing) (string, error) {
	id, err := strconv.Atoi(out.EditMessageID)
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("message id %q: %w", out.EditMessageID, err)}
	}
	p := &bot.EditMessageTextParams{ChatID: chatID, BusinessConnectionID: business, MessageID: id, Text: out.Text}
	if len(out.Buttons) > 0 {
		p.ReplyMarkup = keyboard(out.Buttons)
	}
	_, err = s.b.EditMessageText(ctx, p)
	switch {
	case err == nil, errors.Is(err, bot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified"):
		return out.EditMessageID, nil
	case errors.Is(err, bot.ErrorBadRequest) && strings.Contains(err.Error(), "message to edit not found"):
		return "", errEditedGone
	}
	return "", classify(err)
}

// IsForum reports whether a group is a forum, where each customer
// conversation gets its own topic.
func (s *Sender) IsForum(ctx context.Context, chatID string) (bool, error) {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return false, &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("chat id %q: %w", chatID, err)}
	}
	c, err := s.b.GetChat(ctx, &bot.GetChatParams{ChatID: id})
	if err != nil {
		return false, classify(err)
	}
	return c.IsForum, nil
}

// CreateTopic opens a forum topic and returns its thread id.
func (s *Sender) CreateTopic(ctx context.Context, chatID, name string) (string, error) {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("chat id %q: %w", chatID, err)}
	}
	t, err := s.b.CreateForumTopic(ctx, &bot.CreateForumTopicParams{ChatID: id, Name: topicName(name)})
	if err != nil {
		return "", classify(err)
	}
	return strconv.Itoa(t.MessageThreadID), nil
}

// topicName fits Telegram's limit of 1-128 characters.
func topicName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if r := []rune(name); len(r) > 128 {
		name = string(r[:127]) + "…"
	}
	if name == "" {
		name = "Customer"
	}
	return name
}

// classify maps go-telegram/bot's errors onto the outbox's retry classes.
func classify(err error) error {
	var tooMany *bot.TooManyRequestsError
	var migrated *bot.MigrateError
	switch {
	case errors.Is(err, bot.ErrorBadRequest) && threadGone(err):
		return &chat.SendError{Kind: chat.SendThreadGone, Err: err}
	case errors.As(err, &tooMany):
		return &chat.SendError{Kind: chat.SendRateLimited, RetryAfter: time.Duration(max(tooMany.RetryAfter, 1)) * time.Second, Err: err}
	case errors.Is(err, bot.ErrorForbidden), errors.Is(err, bot.ErrorBadRequest) && chatGone(err):
		return &chat.SendError{Kind: chat.SendBlocked, Err: err}
	case errors.As(err, &migrated), errors.Is(err, bot.ErrorBadRequest):
		return &chat.SendError{Kind: chat.SendPermanent, Err: err}
	}
	return &chat.SendError{Kind: chat.SendTemporary, Err: err}
}

// chatGone recognizes a chat that no longer exists (the customer deleted
// their account or the chat): as final as being blocked.
func chatGone(err error) bool {
	return strings.Contains(err.Error(), "chat not found")
}

// threadGone recognizes Telegram's answers for a deleted forum topic.
func threadGone(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "message thread not found") || strings.Contains(msg, "TOPIC_DELETED")
}

// Admin does the Bot API calls that configure a bot rather than talk to customers.
type Admin struct {
	b *bot.Bot
}

func NewAdmin(b *bot.Bot) *Admin { return &Admin{b: b} }

// Username asks Telegram for the bot's username (getMe), for t.me links.
func (a *Admin) Username(ctx context.Context) (string, error) {
	me, err := a.b.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("getMe: %w", err)
	}
	return me.Username, nil
}

// SetWebhook points Telegram at url with the secret it must send back; an
// empty url removes the webhook, which long polling needs.
func (a *Admin) SetWebhook(ctx context.Context, url, secret string) error {
	if url == "" {
		_, err := a.b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{})
		return err
	}
	_, err := a.b.SetWebhook(ctx, &bot.SetWebhookParams{URL: url, SecretToken: secret})
	return err
}

// Command is a bot command as Telegram's menu and autocompletion show it.
type Command struct {
	Name        string // without the slash
	Description string
}

// SetChatCommands lists cmds for everyone in one chat (a team chat), where
// they take precedence over the private-chat list.
func (a *Admin) SetChatCommands(ctx context.Context, chatID string, cmds []Command) error {
	id, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("chat id %q: %w", chatID, err)
	}
	return a.setCommands(ctx, &models.BotCommandScopeChat{ChatID: id}, cmds)
}

// SetPrivateCommands lists cmds in every private chat: what customers see.
func (a *Admin) SetPrivateCommands(ctx context.Context, cmds []Command) error {
	return a.setCommands(ctx, &models.BotCommandScopeAllPrivateChats{}, cmds)
}

// setCommands replaces the list for scope. Telegram keeps the last list
// set, so calling it again with the same list changes nothing.
func (a *Admin) setCommands(ctx context.Context, scope models.BotCommandScope, cmds []Command) error {
	list := make([]models.BotCommand, len(cmds))
	for i, c := range cmds {
		list[i] = models.BotCommand{Command: c.Name, Description: c.Description}
	}
	if _, err := a.b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: list, Scope: scope}); err != nil {
		return fmt.Errorf("setMyCommands: %w", err)
	}
	return nil
}
