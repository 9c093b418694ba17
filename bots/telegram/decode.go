// Package telegram connects frontdesk to Telegram's Bot API: a webhook
// handler and a long-polling receiver that store every update before
// acknowledging it, and a sender that delivers replies through go-telegram/bot.
package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ErrMalformed marks a payload that is not a Telegram update.
var ErrMalformed = errors.New("malformed update")

// ErrDate marks an update whose date no real one has: before Telegram's
// Bot API existed, or further ahead than any clock skew. Such a date must
// be refused here, for that update alone: the database may not store it,
// and a failed write would fail every update committed with it.
var ErrDate = fmt.Errorf("%w: date out of range", ErrMalformed)

// Dates an update may carry: from 2013 (the Bot API is from 2015; older
// history may be forwarded) to a day ahead of our clock.
var (
	earliestDate = time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)
	dateSkew     = 24 * time.Hour
)

// Decode turns a raw update into a normalized event for the named bot. Every
// well-formed update becomes an event, even the ones frontdesk does not act
// on (they are stored with kind "other"), so that nothing Telegram sends is
// silently lost.
func Decode(botName string, raw []byte) (chat.Event, error) {
	return DecodeAt(botName, raw, time.Now())
}

// DecodeAt is Decode with the current time given, to check the update's date.
func DecodeAt(botName string, raw []byte, now time.Time) (chat.Event, error) {
	var probe struct {
		ID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return chat.Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if probe.ID == nil {
		return chat.Event{}, fmt.Errorf("%w: no update_id", ErrMalformed)
	}
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		if u, err = lenientUpdate(raw, err); err != nil {
			return chat.Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
	}
	if err := checkDate(u, now); err != nil {
		return chat.Event{}, err
	}
	ev := Normalize(u)
	ev.Bot = botName
	for i := range ev.Media {
		ev.Media[i].Bot = botName
	}
	ev.Raw = raw
	return ev, nil
}

// Normalize maps an update onto the platform-neutral event. Telegram leaves
// most fields out when they do not apply, so every pointer may be nil.
func Normalize(u models.Update) chat.Event {
	ev := chat.Event{Platform: chat.Telegram, ExternalID: strconv.FormatInt(u.ID, 10), Kind: chat.KindOther}
	switch {
	case u.Message != nil:
		fromMessage(&ev, u.Message)
		if u.Message.IsAutomaticForward {
			// A channel's post that Telegram copies into the channel's
			// discussion group (from the service account 777000): the
			// brand's own words, like the channel post itself.
			ev.Kind = chat.KindOther
		}
		if m := u.Message; m.SenderChat != nil && m.SenderChat.ID == m.Chat.ID {
			fromGroupAdmin(&ev, m)
		}
	case u.EditedMessage != nil:
		fromMessage(&ev, u.EditedMessage)
		ev.Kind = chat.KindEdited
	case u.CallbackQuery != nil:
		fromCallback(&ev, u.CallbackQuery)
	case u.MyChatMember != nil:
		fromMemberUpdate(&ev, u.MyChatMember)
	case u.ChannelPost != nil:
		// A channel's own posts are the brand's, not a customer's.
		fromMessage(&ev, u.ChannelPost)
		ev.Kind = chat.KindOther
	case u.BusinessMessage != nil:
		fromBusinessMessage(&ev, u.BusinessMessage, false)
	case u.EditedBusinessMessage != nil:
		fromBusinessMessage(&ev, u.EditedBusinessMessage, true)
	}
	return ev
}

// businessPrefix marks the chat id of a chat the bot serves through a
// Telegram Business account ("business:CONNECTION:CHAT"): replies there
// must name the connection, and a conversation held through the business
// account is another chat than the customer's own chat with the bot.
const businessPrefix = "business:"

// BusinessChatID is the chat id of chat as reached through a business
// connection.
func BusinessChatID(connection, chatID string) string {
	return businessPrefix + connection + ":" + chatID
}

// splitChatID reads a chat id: Telegram's own, or one reached through a
// business connection (see businessPrefix).
func splitChatID(id string) (chatID int64, connection string, err error) {
	if rest, ok := strings.CutPrefix(id, businessPrefix); ok {
		i := strings.LastIndexByte(rest, ':')
		if i <= 0 {
			return 0, "", fmt.Errorf("chat id %q: no business connection", id)
		}
		connection, id = rest[:i], rest[i+1:]
	}
	chatID, err = strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("chat id %q: %w", id, err)
	}
	return chatID, connection, nil
}

// fromBusinessMessage reads a message of a private chat of a Telegram
// Business account the bot is connected to: the customers write to the
// business, and the bot answers for it. The business's own messages in
// those chats come too; they are not a customer's, and the customer they
// concern is the chat's. Its owner answering in person is a person
// taking the conversation (the bot then keeps quiet for a while); a bot
// writing on its behalf (this one included: its replies come back) and
// anything edited is only kept.
func fromBusinessMessage(ev *chat.Event, m *models.Message, edited bool) {
	fromMessage(ev, m)
	if m.BusinessConnectionID != "" {
		ev.ChatID = BusinessChatID(m.BusinessConnectionID, ev.ChatID)
	}
	if edited {
		ev.Kind = chat.KindEdited
	}
	if m.From != nil && m.From.ID == m.Chat.ID && m.SenderBusinessBot == nil {
		return // the customer's
	}
	ev.Customer = customer(&models.User{ID: m.Chat.ID, FirstName: m.Chat.FirstName, LastName: m.Chat.LastName, Username: m.Chat.Username})
	ev.Kind = chat.KindOther
	if m.SenderBusinessBot == nil && m.From != nil && !m.From.IsBot && !edited {
		ev.Kind = chat.KindPersonReply
	}
}

// fromGroupAdmin reads a message an administrator wrote as the group
// itself (anonymously): only administrators can, so it is the brand
// speaking, never a customer (Telegram names GroupAnonymousBot as its
// sender). A reply to a customer's message is a person answering that
// customer in person (the bot then keeps out of it for a while); anything
// else is only kept.
func fromGroupAdmin(ev *chat.Event, m *models.Message) {
	ev.Kind = chat.KindOther
	ev.Customer = chat.Customer{}
	r := m.ReplyToMessage
	if ev.ReplyTo == "" || r == nil || r.From == nil || r.From.IsBot || r.SenderChat != nil {
		return
	}
	ev.Kind = chat.KindPersonReply
	ev.Customer = customer(r.From)
	ev.Customer.Language = "" // the customer's app language comes with their own messages
}

func fromMessage(ev *chat.Event, m *models.Message) {
	ev.ChatID = strconv.FormatInt(m.Chat.ID, 10)
	ev.ChatType = chatType(m.Chat.Type)
	ev.MessageID = strconv.Itoa(m.ID)
	if m.IsTopicMessage && m.MessageThreadID != 0 {
		// Outside forums message_thread_id is just the replied-to message;
		// only a real topic is a place to answer in.
		ev.ThreadID = strconv.Itoa(m.MessageThreadID)
	}
	ev.AlbumID = m.MediaGroupID
	// In a forum topic Telegram sets reply_to_message to the topic's
	// creation message even when the user replied to nothing.
	if r := m.ReplyToMessage; r != nil && !(m.IsTopicMessage && r.ID == m.MessageThreadID) {
		ev.ReplyTo = strconv.Itoa(r.ID)
		ev.ReplyToBot = r.From != nil && r.From.IsBot
	}
	ev.Time = time.Unix(int64(m.Date), 0).UTC()
	if m.From != nil {
		ev.Customer = customer(m.From)
	}
	switch {
	case m.Text != "":
		ev.Text = m.Text
		ev.Kind = chat.KindText
		if isCommand(m) {
			ev.Kind = chat.KindCommand
		}
	case len(m.Photo) > 0:
		ev.Kind = chat.KindPhoto
		ev.Text = m.Caption
		ev.Media = mediaOf(m)
	case m.Sticker != nil:
		ev.Kind = chat.KindSticker
		ev.Media = mediaOf(m)
	case m.Document != nil && strings.HasPrefix(m.Document.MimeType, "image/"):
		// A screenshot sent as a file: a picture to the rules, a
		// document to the platform.
		ev.Kind = chat.KindPhoto
		ev.Text = m.Caption
		ev.Media = mediaOf(m)
	case m.Document != nil || m.Voice != nil || m.Video != nil || m.VideoNote != nil || m.Audio != nil ||
		m.Animation != nil || m.Contact != nil || m.Location != nil:
		ev.Kind = chat.KindMedia
		ev.Text = m.Caption
		ev.Media = mediaOf(m)
	default:
		// Joins, leaves, pins, topic creation and the like.
		ev.Kind = chat.KindService
	}
}

func isCommand(m *models.Message) bool {
	for _, e := range m.Entities {
		if e.Type == models.MessageEntityTypeBotCommand && e.Offset == 0 {
			return true
		}
	}
	return strings.HasPrefix(m.Text, "/")
}

func fromCallback(ev *chat.Event, q *models.CallbackQuery) {
	ev.Kind = chat.KindCallback
	ev.Text = q.Data
	ev.CallbackID = q.ID
	ev.Customer = customer(&q.From) // a button press carries no date; the store uses the time it was received
	if m := q.Message.Message; m != nil {
		ev.ChatID = strconv.FormatInt(m.Chat.ID, 10)
		ev.ChatType = chatType(m.Chat.Type)
		ev.ReplyTo = strconv.Itoa(m.ID) // the message whose button was pressed
		if m.IsTopicMessage && m.MessageThreadID != 0 {
			ev.ThreadID = strconv.Itoa(m.MessageThreadID)
		}
		return
	}
	if m := q.Message.InaccessibleMessage; m != nil {
		ev.ChatID = strconv.FormatInt(m.Chat.ID, 10)
		ev.ChatType = chatType(m.Chat.Type)
		ev.ReplyTo = strconv.Itoa(m.MessageID) // still names the message, whose buttons the outbox has
		return
	}
	// A button under an inline-mode message: the only place to answer is
	// the user's private chat, whose id is the user's id.
	if q.From.ID != 0 {
		ev.ChatID = strconv.FormatInt(q.From.ID, 10)
		ev.ChatType = chat.ChatPrivate
	}
}

func fromMemberUpdate(ev *chat.Event, mu *models.ChatMemberUpdated) {
	ev.ChatID = strconv.FormatInt(mu.Chat.ID, 10)
	ev.ChatType = chatType(mu.Chat.Type)
	ev.Customer = customer(&mu.From)
	ev.Time = time.Unix(int64(mu.Date), 0).UTC()
	ev.Kind = chat.KindService
	if ev.ChatType != chat.ChatPrivate {
		return
	}
	// In a private chat the bot's own membership changing means the
	// customer blocked (kicked) or restarted (member) the bot.
	switch mu.NewChatMember.Type {
	case models.ChatMemberTypeBanned:
		ev.Kind = chat.KindBlocked
	case models.ChatMemberTypeMember:
		ev.Kind = chat.KindUnblocked
	}
}

func customer(u *models.User) chat.Customer {
	if u == nil || u.ID == 0 && u.FirstName == "" {
		return chat.Customer{}
	}
	return chat.Customer{
		ID:       strconv.FormatInt(u.ID, 10),
		Name:     strings.TrimSpace(u.FirstName + " " + u.LastName),
		Username: u.Username,
		Language: u.LanguageCode,
		IsBot:    u.IsBot,
	}
}

func chatType(t models.ChatType) chat.ChatType {
	switch t {
	case models.ChatTypePrivate:
		return chat.ChatPrivate
	case models.ChatTypeChannel:
		return chat.ChatChannel
	case "":
		return ""
	}
	return chat.ChatGroup
}

// checkDate refuses an update whose date is out of range. Button presses
// carry no date (the store uses the time they arrived); every message and
// membership change has one.
func checkDate(u models.Update, now time.Time) error {
	var date int
	switch {
	case u.Message != nil:
		date = u.Message.Date
	case u.EditedMessage != nil:
		date = u.EditedMessage.Date
	case u.ChannelPost != nil:
		date = u.ChannelPost.Date
	case u.MyChatMember != nil:
		date = u.MyChatMember.Date
	case u.BusinessMessage != nil:
		date = u.BusinessMessage.Date
	case u.EditedBusinessMessage != nil:
		date = u.EditedBusinessMessage.Date
	default:
		return nil
	}
	at := time.Unix(int64(date), 0)
	if at.Before(earliestDate) || at.After(now.Add(dateSkew)) {
		return fmt.Errorf("%w: %d", ErrDate, date)
	}
	return nil
}

// messageFields are the update's fields that hold a message: one the
// library cannot wholly decode is read without the parts it cannot.
var messageFields = map[string]bool{
	"message": true, "edited_message": true, "channel_post": true, "edited_channel_post": true,
	"business_message": true, "edited_business_message": true,
}

// lenientUpdate decodes an update that go-telegram/bot refused with err.
// A field of the wrong type is garbage (err is returned). Anything else is
// a variant newer than the library (a new kind of forward origin,
// reaction, member status, background…), which Telegram adds several
// times a year: refusing the update would make Telegram retry it and then
// drop it, and with it the customer's message. So the message's fields
// that cannot be decoded are left out, as are other update fields (the
// update is then stored as "other", its raw payload whole).
func lenientUpdate(raw []byte, err error) (models.Update, error) {
	var u models.Update
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return u, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return u, err
	}
	for k, v := range fields {
		one, err := keepDecodable(map[string]json.RawMessage{k: v}, func(b []byte) error { return json.Unmarshal(b, new(models.Update)) })
		if err != nil {
			return u, err
		}
		if len(one) == 0 && messageFields[k] {
			var msg map[string]json.RawMessage
			if json.Unmarshal(v, &msg) != nil {
				continue
			}
			if msg, err = keepDecodable(msg, func(b []byte) error { return json.Unmarshal(b, new(models.Message)) }); err != nil {
				return u, err
			}
			b, _ := json.Marshal(msg)
			one = map[string]json.RawMessage{k: b}
		}
		if len(one) == 0 {
			continue
		}
		b, _ := json.Marshal(one)
		if err := json.Unmarshal(b, &u); err != nil {
			return models.Update{}, err
		}
	}
	return u, nil
}

// keepDecodable returns the fields that decode alone, and an error when one
// of the others has a value of the wrong type.
func keepDecodable(fields map[string]json.RawMessage, decode func([]byte) error) (map[string]json.RawMessage, error) {
	kept := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, _ := json.Marshal(map[string]json.RawMessage{k: v})
		err := decode(b)
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, err
		}
		if err == nil {
			kept[k] = v
		}
	}
	return kept, nil
}
