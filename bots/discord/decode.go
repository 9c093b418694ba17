// Package discord connects frontdesk to Discord: a gateway receiver for
// customers' messages (direct messages and support channels), the
// interactions endpoint for slash commands and buttons, and a sender that
// delivers replies through discordgo with the outbox owning retries.
package discord

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ErrMalformed marks a payload that is not a Discord message.
var ErrMalformed = errors.New("malformed message")

// DecodeMessage turns a raw MESSAGE_CREATE payload (a message object) into
// an event for the named bot. botUserID, when known, is stripped from the
// text where the customer mentioned the bot.
func DecodeMessage(botName, botUserID string, raw []byte) (chat.Event, error) {
	var m discordgo.Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return chat.Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if m.ID == "" || m.ChannelID == "" {
		return chat.Event{}, fmt.Errorf("%w: no id or channel_id", ErrMalformed)
	}
	ev := NormalizeMessage(botName, botUserID, &m)
	ev.Raw = raw
	return ev, nil
}

// NormalizeMessage maps a message onto the platform-neutral event. The
// author is the message's author: in MESSAGE_CREATE, member.user is absent.
func NormalizeMessage(botName, botUserID string, m *discordgo.Message) chat.Event {
	forward := m.MessageReference != nil && m.MessageReference.Type == discordgo.MessageReferenceTypeForward
	if forward {
		m = withSnapshot(m)
	}
	ev := chat.Event{
		Platform:   chat.Discord,
		Bot:        botName,
		ExternalID: "message:" + m.ID, // snowflakes are unique; the prefix keeps them apart from interactions
		Kind:       chat.KindText,
		ChatID:     m.ChannelID,
		ChatType:   chat.ChatGroup,
		MessageID:  m.ID,
		Text:       stripMention(m.Content, botUserID),
		Time:       m.Timestamp,
	}
	if m.GuildID == "" {
		ev.ChatType = chat.ChatPrivate
	}
	if m.Author != nil {
		ev.Customer = chat.Customer{ID: m.Author.ID, Name: firstNonEmpty(m.Author.GlobalName, m.Author.Username),
			Username: m.Author.Username, Language: m.Author.Locale, IsBot: m.Author.Bot || m.WebhookID != ""}
	}
	if r := m.MessageReference; r != nil && r.MessageID != "" && !forward {
		ev.ReplyTo = r.MessageID
	}
	ev.Media = mediaOf(botName, m)
	switch {
	case m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply:
		ev.Kind = chat.KindService // joins, pins, thread creation, command echoes
	case strings.HasPrefix(ev.Text, "/"):
		// Only "/": Discord has no "!" commands of its own, and a
		// customer's "!!! it broke" must not be taken for one.
		ev.Kind = chat.KindCommand
	case len(m.StickerItems) > 0 && ev.Text == "":
		ev.Kind = chat.KindSticker
	case len(m.Attachments) > 0:
		ev.Kind = chat.KindMedia
		for _, a := range m.Attachments {
			if a != nil && strings.HasPrefix(a.ContentType, "image/") {
				ev.Kind = chat.KindPhoto
			}
		}
	}
	return ev
}

// Staff is the set of guild roles whose members speak for the brand
// (config: a bot's staff_roles).
type Staff map[string]bool

// NewStaff is the set of the given role ids.
func NewStaff(roles []string) Staff {
	s := make(Staff, len(roles))
	for _, r := range roles {
		s[r] = true
	}
	return s
}

// Has reports whether the guild member holds one of the staff roles.
func (s Staff) Has(m *discordgo.Member) bool {
	if m == nil {
		return false
	}
	for _, r := range m.Roles {
		if s[r] {
			return true
		}
	}
	return false
}

// FromStaff reads a guild message that a member of the brand's staff
// wrote where customers write: it is never a customer's. A reply to a
// customer's message is that customer being answered in person (the bot
// then keeps out of it for a while); anything else is only kept. Discord
// sends the replied-to message along with a reply; its author's roles are
// not sent, so a staff member answering a colleague is taken for answering
// a customer, which costs nothing: that colleague's own messages are
// staff's.
func FromStaff(ev *chat.Event, m *discordgo.Message) {
	ev.Kind = chat.KindOther
	ev.Customer = chat.Customer{}
	r := m.ReferencedMessage
	if ev.ReplyTo == "" || r == nil || r.Author == nil || r.Author.Bot || r.WebhookID != "" ||
		(m.Author != nil && r.Author.ID == m.Author.ID) {
		return
	}
	ev.Kind = chat.KindPersonReply
	ev.Customer = chat.Customer{ID: r.Author.ID, Name: firstNonEmpty(r.Author.GlobalName, r.Author.Username),
		Username: r.Author.Username}
}

// withSnapshot is a forwarded message with what was forwarded in it: a
// forward's own content and attachments are empty, the forwarded
// message's are only in its snapshot. The author, channel and ids stay
// the forward's own.
func withSnapshot(m *discordgo.Message) *discordgo.Message {
	for _, s := range m.MessageSnapshots {
		if s.Message == nil {
			continue
		}
		f := *m
		if f.Content == "" {
			f.Content = s.Message.Content
		}
		f.Attachments = append(f.Attachments[:len(f.Attachments):len(f.Attachments)], s.Message.Attachments...)
		f.StickerItems = append(f.StickerItems[:len(f.StickerItems):len(f.StickerItems)], s.Message.StickerItems...)
		return &f
	}
	return m
}

// mentions reports whether the message mentions the bot user.
func mentions(m *discordgo.Message, botUserID string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == botUserID {
			return true
		}
	}
	return false
}

// stripMention removes "<@BOT>" and "<@!BOT>" so the rules see what the
// customer asked, not the mention that addressed the bot.
func stripMention(text, botUserID string) string {
	if botUserID == "" {
		return text
	}
	text = strings.ReplaceAll(text, "<@"+botUserID+">", "")
	text = strings.ReplaceAll(text, "<@!"+botUserID+">", "")
	return strings.TrimSpace(text)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
