// Package chat holds the domain types every other frontdesk package speaks:
// what a customer sent (Event), what the bot decided (Action) and what it will
// send (Outgoing). It imports nothing of ours so that adapters, the store, the
// rules engine and the pipeline can all depend on it without depending on
// each other.
package chat

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Platform names a messaging platform.
type Platform string

const (
	Telegram Platform = "telegram"
	Discord  Platform = "discord"
	// Sandbox is the built-in web chat for trying the bot out (bots/sandbox).
	Sandbox Platform = "sandbox"
	// Webhook is not a chat platform: team notices to it are signed JSON
	// events POSTed to a team's webhook URL, for other tools.
	Webhook Platform = "webhook"
	// DiscordWebhook posts team notices through a Discord channel webhook:
	// notifications only, for teams that want no bot in their channel.
	DiscordWebhook Platform = "discord_webhook"
)

// Kind says what sort of thing an inbound event is. Only some kinds are
// decided on by the rules; the others are stored for the record.
type Kind string

const (
	KindText      Kind = "text"
	KindCommand   Kind = "command"  // text starting with a bot command such as /start
	KindPhoto     Kind = "photo"    // text carries the caption, if any
	KindSticker   Kind = "sticker"  // stickers carry no text
	KindMedia     Kind = "media"    // voice, video, documents, locations…; text carries the caption, if any
	KindCallback  Kind = "callback" // a button press; text carries the button's data
	KindEdited    Kind = "edited"   // an edit of an earlier message
	KindBlocked   Kind = "blocked"  // the customer blocked the bot
	KindUnblocked Kind = "unblocked"
	KindService   Kind = "service" // joins, pins, topic creation and other service messages
	KindOther     Kind = "other"   // anything we do not act on (unknown update types included)
	// KindPersonReply is a person of the brand writing to the customer in
	// the customer's own chat, not through the bot: the owner of a
	// Telegram Business account answering in person. Customer is then the
	// chat's customer, not the writer.
	KindPersonReply Kind = "person_reply"
)

// Decidable reports whether the rules engine should look at events of this kind.
// Edits are kept in the history but not answered again: answering an edited
// question twice is exactly the repetition customers complain about.
func (k Kind) Decidable() bool {
	switch k {
	case KindText, KindCommand, KindPhoto, KindSticker, KindMedia, KindCallback:
		return true
	}
	return false
}

// ChatType is the kind of chat as the rules see it.
type ChatType string

const (
	ChatPrivate ChatType = "private"
	ChatGroup   ChatType = "group" // groups, supergroups, guild channels
	ChatChannel ChatType = "channel"
)

// Customer is the person who wrote, as the platform describes them.
type Customer struct {
	ID       string `json:"id"` // platform user id; Telegram int64 and Discord snowflakes both fit a string
	Name     string `json:"name,omitempty"`
	Username string `json:"username,omitempty"`
	Language string `json:"language,omitempty"` // IETF tag from the platform, e.g. "ru" or "zh-hans"
	IsBot    bool   `json:"is_bot,omitempty"`
}

// Event is one inbound update, normalized by a platform adapter.
type Event struct {
	Platform   Platform `json:"platform"`
	Bot        string   `json:"bot"`         // the configured bot's name
	ExternalID string   `json:"external_id"` // the platform's idempotency key (Telegram update_id, Discord snowflake)
	Kind       Kind     `json:"kind"`
	ChatID     string   `json:"chat_id,omitempty"`
	ChatType   ChatType `json:"chat_type,omitempty"`
	ThreadID   string   `json:"thread_id,omitempty"` // forum topic or thread the message was written in
	MessageID  string   `json:"message_id,omitempty"`
	// ReplyTo is the platform id of the message this one replies to; in a
	// team chat it tells which customer an agent answers.
	ReplyTo string `json:"reply_to,omitempty"`
	// ReplyToBot says the message replied to was written by a bot (ours,
	// in a team chat): an agent answering a notification.
	ReplyToBot bool `json:"reply_to_bot,omitempty"`
	// CallbackID identifies a button press, to answer it.
	CallbackID string   `json:"callback_id,omitempty"`
	Customer   Customer `json:"customer"`
	Text       string   `json:"text,omitempty"`
	AlbumID    string   `json:"album_id,omitempty"` // Telegram media_group_id
	// Media are the message's photos, files, voice notes, location…
	// (Text is then their caption), kept so they can be sent on as
	// themselves.
	Media []Media `json:"media,omitempty"`
	// ReleaseOf is, on a message an operator said is not spam, the inbox
	// id of the event that was ignored as spam: it is decided again with
	// the spam rules set aside, and the answer apologizes for the delay.
	ReleaseOf int64     `json:"release_of,omitempty"`
	Time      time.Time `json:"time"`
	// APIToken is set on an agent's command made through the HTTP API
	// rather than typed in the team chat: the name of the token it came
	// with. The agent is then APIAgentID(APIToken), named Customer.Name,
	// and HandoffID names the handoff a reply (Text) is for. Adapters
	// never set it.
	APIToken  string `json:"api_token,omitempty"`
	HandoffID int64  `json:"handoff_id,omitempty"`
	// Raw is the payload exactly as the platform sent it, kept for audit and
	// reprocessing. It is not part of the event's JSON form.
	Raw json.RawMessage `json:"-"`
}

// ConversationKey identifies the conversation an event belongs to; events with
// the same key are processed strictly in order. In a private chat the chat is
// the conversation; in a group every customer has their own.
func (e Event) ConversationKey() string {
	if e.ChatID == "" {
		return ""
	}
	key := string(e.Platform) + "/" + e.Bot + "/" + e.ChatID
	if e.ChatType != ChatPrivate && e.Customer.ID != "" {
		key += "/" + e.Customer.ID
	}
	return key
}

// CustomerScope names the customer as the frequency guard counts them:
// across all their chats with one bot (a chat stands in for a customer the
// platform does not name).
func (e Event) CustomerScope() string {
	return CustomerScope(e.Platform, e.Bot, e.Customer.ID, e.ChatID)
}

// CustomerScope is Event.CustomerScope for a customer known by the
// platform's id for them (customerID, "" when it names none) and the chat.
func CustomerScope(p Platform, bot, customerID, chatID string) string {
	if customerID == "" {
		customerID = "chat:" + chatID
	}
	return string(p) + "/" + bot + "/" + customerID
}

// PressedChats are the chats (as ChatKey) the message a button press names
// may have been sent to: the press's own chat and, in a private chat, the
// customer's direct-message address, under which a private answer asked
// in a public channel was queued (Discord, D12). Message ids are unique
// only within a chat, so the store looks the message up in these.
func (e Event) PressedChats() []string {
	keys := []string{ChatKey(e.Platform, e.Bot, e.ChatID)}
	if e.ChatType == ChatPrivate && e.Customer.ID != "" {
		keys = append(keys, ChatKey(e.Platform, e.Bot, DirectMessagePrefix+e.Customer.ID))
	}
	return keys
}

// DirectMessagePrefix marks a chat id that is a user's id, for a message to
// their direct messages: "dm:123". The sender opens the DM channel.
const DirectMessagePrefix = "dm:"

// ChatKey identifies the chat a reply goes to; sends to one chat keep their order.
func ChatKey(p Platform, bot, chatID string) string {
	return string(p) + "/" + bot + "/" + chatID
}

// InboxEvent is an accepted event together with the id the store gave it.
type InboxEvent struct {
	ID         int64
	ReceivedAt time.Time
	// Attempts counts the claims of the event, the current one included:
	// above one, an earlier try failed or never finished.
	Attempts int
	Event
}

// SetAside says when a claim of inbox events sets one aside (marks it
// failed, for an operator to look at) instead of handing it out again: when
// it has been claimed Attempts times already and none of them finished, as
// when processing it kills the process. Cause is its last error then. A
// zero Attempts never sets aside.
type SetAside struct {
	Attempts int
	Cause    string
}

// ErasureSubject names a forgotten customer to whatever keeps copies of
// their data outside the database: a digest of the platform, bot and
// platform id, so a holder can recognise a customer it has while the
// erasure log keeps no id in clear (and keeps its rows for an hour).
func ErasureSubject(p Platform, bot, externalID string) string {
	sum := sha256.Sum256([]byte(string(p) + "/" + bot + "/" + externalID))
	return hex.EncodeToString(sum[:16])
}
