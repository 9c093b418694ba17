package telegram

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// fixture reads a real payload; Message objects (the teloxide ones) are
// wrapped into an update the way Telegram delivers them.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".message.json") {
		return []byte(`{"update_id": 77, "message": ` + string(data) + `}`)
	}
	return data
}

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		file string
		want chat.Event
	}{
		{"telegram_core-telegram-org_bots-webhooks_message-with-text.json", chat.Event{
			ExternalID: "10000", Kind: chat.KindCommand, ChatID: "1111111", ChatType: chat.ChatPrivate, MessageID: "1365",
			Text: "/start", Customer: chat.Customer{ID: "1111111", Name: "Test Firstname Test Lastname", Username: "Testusername"},
		}},
		{"telegram_core-telegram-org_bots-webhooks_edited-message.json", chat.Event{
			ExternalID: "10000", Kind: chat.KindEdited, ChatID: "1111111", ChatType: chat.ChatPrivate, MessageID: "1365",
			Text: "Edited text", Customer: chat.Customer{ID: "1111111", Name: "Test Firstname Test Lastname", Username: "Testusername"},
		}},
		{"telegram_core-telegram-org_bots-webhooks_callback-query.json", chat.Event{
			// An inline-message button: no chat in the update, so the answer
			// goes to the user's private chat.
			ExternalID: "10000", Kind: chat.KindCallback, ChatID: "1111111", ChatType: chat.ChatPrivate, CallbackID: "4382bfdwdsb323b2d9",
			Text: "Data from button callback", Customer: chat.Customer{ID: "1111111", Name: "Test Firstname Test Lastname", Username: "Testusername"},
		}},
		{"telegram_teloxide_message-rs_de_image_photo.message.json", chat.Event{
			ExternalID: "77", Kind: chat.KindPhoto, ChatID: "250918540", ChatType: chat.ChatPrivate, MessageID: "199791",
			Customer: chat.Customer{ID: "250918540", Name: "Андрей Власов", Username: "aka_dude", Language: "en"},
			// The largest of the sizes Telegram sends.
			Media: []chat.Media{{Kind: chat.MediaPhoto, Platform: chat.Telegram, Bot: "shop", FileID: "AgADAgAD36sxG-PX0UvQSXIn9rccdw-ACA4ABAEAAwIAA3kAAyTcBAABFgQ",
				MIME: "image/jpeg", Size: 75245, Width: 962, Height: 719}},
		}},
		{"telegram_teloxide_message-rs_de_sticker.message.json", chat.Event{
			ExternalID: "77", Kind: chat.KindSticker, ChatID: "250918540", ChatType: chat.ChatPrivate, MessageID: "199787",
			Customer: chat.Customer{ID: "250918540", Name: "Андрей Власов", Username: "aka_dude", Language: "en"},
			Media: []chat.Media{{Kind: chat.MediaSticker, Platform: chat.Telegram, Bot: "shop", FileID: "CAACAgIAAxkBAAESLdBjMImep-J0W8XaTN6S_Lz1-j1QIQACIwADsND4DGmmygHGlyggKQQ",
				UniqueID: "AgADIwADsND4DA", MIME: "application/x-tgsticker", Size: 16639, Width: 512, Height: 512}},
		}},
		{"telegram_teloxide_message-rs_topic_message_forum.message.json", chat.Event{
			ExternalID: "77", Kind: chat.KindText, ChatID: "-1001847508954", ChatType: chat.ChatGroup, ThreadID: "4", MessageID: "5",
			Text: "blah", Customer: chat.Customer{ID: "1253681278", Name: "вафель'", Username: "wafflelapkin", Language: "en"},
		}},
		{"telegram_teloxide_update-rs_issue_1107_supergroup-reply.json", chat.Event{
			// message_thread_id here is only the replied-to message, not a
			// topic: answering "in" it would fail, so ThreadID stays empty.
			ExternalID: "439432600", Kind: chat.KindCommand, ChatID: "-1001293752024", ChatType: chat.ChatGroup, MessageID: "134546", ReplyTo: "134545",
			Text: "/report", Customer: chat.Customer{ID: "5964236329", Name: "the Cable Guy", Username: "spacewhaleblues", Language: "en"},
		}},
		{"telegram_teloxide_update-rs_issue_523_my_chat_member.json", chat.Event{
			ExternalID: "0", Kind: chat.KindBlocked, ChatID: "0", ChatType: chat.ChatPrivate,
			Customer: chat.Customer{ID: "0", Name: "FN LN", Username: "UN"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := fixture(t, tt.file)
			got, err := Decode("shop", raw)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if string(got.Raw) != string(raw) {
				t.Error("Raw is not the payload as received")
			}
			tt.want.Platform, tt.want.Bot = chat.Telegram, "shop"
			got.Raw, got.Time = nil, got.Time.UTC()
			tt.want.Time = got.Time // dates are checked below
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeMessageDate(t *testing.T) {
	ev, err := Decode("shop", fixture(t, "telegram_core-telegram-org_bots-webhooks_message-with-text.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Time.Unix() != 1441645532 {
		t.Errorf("time = %v, want the message date 1441645532", ev.Time)
	}
}

func TestDecodeOddInput(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		malformed bool
		kind      chat.Kind
	}{
		{"not json", `{"update_id": 1,`, true, ""},
		{"json but not an object", `[1,2]`, true, ""},
		{"no update_id", `{"message": {"message_id": 1}}`, true, ""},
		{"update_id of the wrong type", `{"update_id": "x"}`, true, ""},
		{"unknown update type is kept as other", `{"update_id": 5, "future_thing": {"a": 1}}`, false, chat.KindOther},
		{"message without from or text", `{"update_id": 6, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": 5, "type": "private"}}}`, false, chat.KindService},
		{"huge ids stay exact", `{"update_id": 9223372036854775807, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": -1009223372036854775, "type": "supergroup"}, "text": "x"}}`, false, chat.KindText},
		{"channel post is not a customer", `{"update_id": 7, "channel_post": {"message_id": 1, "date": 1700000000, "chat": {"id": -100, "type": "channel"}, "text": "news"}}`, false, chat.KindOther},
		{"voice message", `{"update_id": 8, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "voice": {"file_id": "a", "file_unique_id": "b", "duration": 3}}}`, false, chat.KindMedia},
		// A channel's post copied by Telegram into the channel's discussion
		// group: from is the service account 777000 ("Telegram"), not a
		// customer, and the text is the brand's own.
		{"channel post forwarded into its discussion group", `{"update_id": 30, "message": {"message_id": 9, "date": 1700000000, "chat": {"id": -1005, "type": "supergroup", "title": "Shop chat"}, "from": {"id": 777000, "is_bot": false, "first_name": "Telegram"}, "sender_chat": {"id": -1009, "type": "channel", "title": "Shop"}, "is_automatic_forward": true, "forward_origin": {"type": "channel", "date": 1700000000, "chat": {"id": -1009, "type": "channel", "title": "Shop"}, "message_id": 3}, "text": "Refunds now take 3 days"}}`, false, chat.KindOther},
		{"a customer's comment under that post", `{"update_id": 31, "message": {"message_id": 10, "date": 1700000000, "chat": {"id": -1005, "type": "supergroup", "title": "Shop chat"}, "from": {"id": 5, "is_bot": false, "first_name": "Ann"}, "message_thread_id": 9, "reply_to_message": {"message_id": 9, "date": 1700000000, "chat": {"id": -1005, "type": "supergroup", "title": "Shop chat"}, "from": {"id": 777000, "is_bot": false, "first_name": "Telegram"}, "is_automatic_forward": true, "text": "Refunds now take 3 days"}, "text": "mine took two weeks"}}`, false, chat.KindText},
		{"a customer forwarding a channel post", `{"update_id": 32, "message": {"message_id": 11, "date": 1700000000, "chat": {"id": 5, "type": "private", "first_name": "Ann"}, "from": {"id": 5, "is_bot": false, "first_name": "Ann"}, "forward_origin": {"type": "channel", "date": 1700000000, "chat": {"id": -1009, "type": "channel", "title": "Shop"}, "message_id": 3}, "text": "Refunds now take 3 days"}}`, false, chat.KindText},
		{"bot kicked from a group is not a block", `{"update_id": 9, "my_chat_member": {"chat": {"id": -5, "type": "group", "title": "g"}, "from": {"id": 1, "is_bot": false, "first_name": "a"}, "date": 1700000000, "old_chat_member": {"status": "member", "user": {"id": 2, "is_bot": true, "first_name": "b"}}, "new_chat_member": {"status": "kicked", "user": {"id": 2, "is_bot": true, "first_name": "b"}, "until_date": 0}}}`, false, chat.KindService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ok := decoded(t, tt.body, time.Now(), tt.malformed)
			if !ok {
				return
			}
			if ev.Kind != tt.kind {
				t.Errorf("kind = %q, want %q", ev.Kind, tt.kind)
			}
		})
	}
}

func TestDecodeKeepsHugeIDs(t *testing.T) {
	ev, err := Decode("shop", []byte(`{"update_id": 9223372036854775807, "message": {"message_id": 1, "date": 1700000000, "chat": {"id": -1009223372036854775, "type": "supergroup"}, "text": "x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ExternalID != "9223372036854775807" || ev.ChatID != "-1009223372036854775" {
		t.Errorf("ids lost precision: update %s chat %s", ev.ExternalID, ev.ChatID)
	}
	var probe map[string]any
	_ = json.Unmarshal(ev.Raw, &probe) // the raw payload is kept whole
	if probe["update_id"] == nil {
		t.Error("raw payload lost its update_id")
	}
}

// TestDecodePressNamesTheMessage: a button press carries the id of the
// message pressed in ReplyTo, also when Telegram sends that message as
// inaccessible (date 0), so the press can be checked against the buttons
// sent on it; a press under an inline message names none of ours.
func TestDecodePressNamesTheMessage(t *testing.T) {
	const from = `"from": {"id": 42, "is_bot": false, "first_name": "Ann"}`
	tests := []struct {
		name, message, wantChat, wantReplyTo string
	}{
		{"an accessible message", `"message": {"message_id": 55, "date": 1700000000, "chat": {"id": 42, "type": "private"}}`, "42", "55"},
		{"an inaccessible message", `"message": {"message_id": 56, "date": 0, "chat": {"id": -100, "type": "supergroup"}}`, "-100", "56"},
		{"an inline message", `"inline_message_id": "AAA"`, "42", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Decode("shop", []byte(`{"update_id": 3, "callback_query": {"id": "cb", "chat_instance": "1", `+from+`, `+tt.message+`, "data": "rule:refund"}}`))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != chat.KindCallback || ev.ChatID != tt.wantChat || ev.ReplyTo != tt.wantReplyTo || ev.Text != "rule:refund" {
				t.Errorf("decoded %+v, want chat %s, reply_to %q", ev, tt.wantChat, tt.wantReplyTo)
			}
		})
	}
}

// TestDecodeNewerVariants: Telegram adds kinds of forward origin,
// reaction, member status, background… several times a year, and
// go-telegram/bot refuses a kind it does not know. Such an update is
// still Telegram's: the customer's message is decided without the part
// the library cannot read, another update is kept as "other"; only a field
// of the wrong type makes it malformed.
func TestDecodeNewerVariants(t *testing.T) {
	const msg = `"message_id": 9, "date": 1700000000, "chat": {"id": 5, "type": "private", "first_name": "Ann"}, "from": {"id": 5, "is_bot": false, "first_name": "Ann"}`
	const bot = `{"id": 1, "is_bot": true, "first_name": "b"}`
	tests := []struct {
		name, body        string
		malformed         bool
		kind              chat.Kind
		text, chat, reply string
	}{
		{"forward from an unknown kind of origin", `{"update_id": 1, "message": {` + msg + `, "forward_origin": {"type": "story", "date": 1700000000}, "text": "где мой заказ?"}}`,
			false, chat.KindText, "где мой заказ?", "5", ""},
		{"photo with an unknown kind of origin", `{"update_id": 2, "message": {` + msg + `, "forward_origin": {"type": "gift"}, "caption": "退款", "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}}`,
			false, chat.KindPhoto, "退款", "5", ""},
		{"reply to a message with an unknown origin", `{"update_id": 3, "message": {` + msg + `, "reply_to_message": {"message_id": 4, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "forward_origin": {"type": "story"}}, "text": "and this?"}}`,
			false, chat.KindText, "and this?", "5", ""},
		{"edited message with an unknown background", `{"update_id": 4, "edited_message": {` + msg + `, "chat_background_set": {"type": {"type": "gift_theme"}}, "text": "x"}}`,
			false, chat.KindEdited, "x", "5", ""},
		{"unknown member status", `{"update_id": 5, "my_chat_member": {"chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": false, "first_name": "Ann"}, "date": 1700000000, "old_chat_member": {"status": "member", "user": ` + bot + `}, "new_chat_member": {"status": "suspended", "user": ` + bot + `}}}`,
			false, chat.KindOther, "", "", ""},
		{"unknown reaction type", `{"update_id": 6, "message_reaction": {"chat": {"id": 5, "type": "private"}, "message_id": 3, "date": 1700000000, "old_reaction": [], "new_reaction": [{"type": "sparkle"}]}}`,
			false, chat.KindOther, "", "", ""},
		{"button under a message with an unknown origin", `{"update_id": 7, "callback_query": {"id": "cb", "chat_instance": "1", "from": {"id": 5, "is_bot": false, "first_name": "Ann"}, "message": {` + msg + `, "forward_origin": {"type": "story"}}, "data": "rule:refund"}}`,
			false, chat.KindOther, "", "", ""},
		{"a field of the wrong type beside an unknown origin", `{"update_id": 8, "message": {` + msg + `, "forward_origin": {"type": "story"}, "text": 5}}`, true, "", "", "", ""},
		{"origin type of the wrong type", `{"update_id": 9, "message": {` + msg + `, "forward_origin": {"type": 5}, "text": "x"}}`, true, "", "", "", ""},
		{"message of the wrong type", `{"update_id": 10, "message": "hello"}`, true, "", "", "", ""},
		{"unknown origin and a date out of range", `{"update_id": 11, "message": {"message_id": 9, "date": 1000, "chat": {"id": 5, "type": "private"}, "forward_origin": {"type": "story"}, "text": "x"}}`, true, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ok := decoded(t, tt.body, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), tt.malformed)
			if !ok {
				return
			}
			if ev.Kind != tt.kind || ev.Text != tt.text || ev.ChatID != tt.chat || ev.ReplyTo != tt.reply || ev.ExternalID == "" || string(ev.Raw) != tt.body {
				t.Errorf("decoded kind %q text %q chat %q reply %q id %q; want kind %q text %q chat %q reply %q",
					ev.Kind, ev.Text, ev.ChatID, ev.ReplyTo, ev.ExternalID, tt.kind, tt.text, tt.chat, tt.reply)
			}
		})
	}
}

// decoded decodes body as received at now; malformed says it must be
// refused as such, and then ok is false.
func decoded(t *testing.T, body string, now time.Time, malformed bool) (ev chat.Event, ok bool) {
	t.Helper()
	ev, err := DecodeAt("shop", []byte(body), now)
	if malformed {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
		return ev, false
	}
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return ev, true
}

// TestDecodeBusiness: a customer writing to a Telegram Business account the
// bot is connected to is a customer in a chat reached through that
// connection; the business's own messages there (its owner answering in
// person, a bot on its behalf) and the connection's other updates are not
// a customer's.
func TestDecodeBusiness(t *testing.T) {
	const chat5 = `"chat": {"id": 5, "type": "private", "first_name": "Ann"}`
	const ann = `"from": {"id": 5, "is_bot": false, "first_name": "Ann", "language_code": "ru"}`
	const owner = `"from": {"id": 77, "is_bot": false, "first_name": "Shop owner"}`
	const conn = `"business_connection_id": "AbC-dE_f:9"`
	tests := []struct {
		name, body string
		kind       chat.Kind
		chatID     string
		customer   string
		text       string
	}{
		{"a customer's text", `{"update_id": 1, "business_message": {"message_id": 3, "date": 1700000000, ` + conn + `, ` + chat5 + `, ` + ann + `, "text": "где мой заказ?"}}`,
			chat.KindText, "business:AbC-dE_f:9:5", "5", "где мой заказ?"},
		{"a customer's photo", `{"update_id": 2, "business_message": {"message_id": 4, "date": 1700000000, ` + conn + `, ` + chat5 + `, ` + ann + `, "caption": "退款", "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}}`,
			chat.KindPhoto, "business:AbC-dE_f:9:5", "5", "退款"},
		{"a customer's edit", `{"update_id": 3, "edited_business_message": {"message_id": 3, "date": 1700000000, "edit_date": 1700000100, ` + conn + `, ` + chat5 + `, ` + ann + `, "text": "где заказ?"}}`,
			chat.KindEdited, "business:AbC-dE_f:9:5", "5", "где заказ?"},
		{"the owner answering in person", `{"update_id": 4, "business_message": {"message_id": 5, "date": 1700000000, ` + conn + `, ` + chat5 + `, ` + owner + `, "text": "Сейчас проверю"}}`,
			chat.KindPersonReply, "business:AbC-dE_f:9:5", "5", "Сейчас проверю"},
		{"the owner sending a photo in person", `{"update_id": 41, "business_message": {"message_id": 51, "date": 1700000000, ` + conn + `, ` + chat5 + `, ` + owner + `, "caption": "вот чек", "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}}`,
			chat.KindPersonReply, "business:AbC-dE_f:9:5", "5", "вот чек"},
		{"the bot's own reply, echoed", `{"update_id": 5, "business_message": {"message_id": 6, "date": 1700000000, ` + conn + `, ` + chat5 + `, ` + owner + `, "sender_business_bot": {"id": 1, "is_bot": true, "first_name": "shop_bot"}, "text": "Заказ в пути"}}`,
			chat.KindOther, "business:AbC-dE_f:9:5", "5", "Заказ в пути"},
		{"the owner's edit", `{"update_id": 6, "edited_business_message": {"message_id": 5, "date": 1700000000, ` + conn + `, ` + chat5 + `, ` + owner + `, "text": "x"}}`,
			chat.KindOther, "business:AbC-dE_f:9:5", "5", "x"},
		{"the connection itself", `{"update_id": 7, "business_connection": {"id": "AbC-dE_f:9", "user": {"id": 77, "is_bot": false, "first_name": "Shop owner"}, "user_chat_id": 77, "date": 1700000000, "is_enabled": true}}`,
			chat.KindOther, "", "", ""},
		{"messages deleted", `{"update_id": 8, "deleted_business_messages": {"business_connection_id": "AbC-dE_f:9", ` + chat5 + `, "message_ids": [3]}}`,
			chat.KindOther, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, _ := decoded(t, tt.body, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false)
			if ev.Kind != tt.kind || ev.ChatID != tt.chatID || ev.Customer.ID != tt.customer || ev.Text != tt.text || ev.ChatType != chatTypeFor(tt.chatID) {
				t.Errorf("decoded kind %q chat %q (%q) customer %q text %q; want %q %q %q %q", ev.Kind, ev.ChatID, ev.ChatType, ev.Customer.ID, ev.Text, tt.kind, tt.chatID, tt.customer, tt.text)
			}
		})
	}
	// The business's side concerns the chat's customer: the owner is
	// never taken for one, by id or by name.
	ev, _ := decoded(t, `{"update_id": 4, "business_message": {"message_id": 5, "date": 1700000000, `+conn+`, `+chat5+`, `+owner+`, "text": "Сейчас проверю"}}`, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false)
	if ev.Customer.Name != "Ann" || ev.Customer.IsBot {
		t.Errorf("the owner's message names customer %+v, want the chat's (Ann)", ev.Customer)
	}
	if _, err := DecodeAt("shop", []byte(`{"update_id": 9, "business_message": {"message_id": 3, "date": 1000, `+conn+`, `+chat5+`, `+ann+`, "text": "x"}}`), time.Now()); !errors.Is(err, ErrDate) {
		t.Errorf("a business message dated 1970: err = %v, want ErrDate", err)
	}
}

// TestDecodeGroupAdmin: an administrator writing as the group itself is
// the brand: answering a customer's message, a person answering them;
// otherwise only kept. A customer writing as their own channel is still a
// customer.
func TestDecodeGroupAdmin(t *testing.T) {
	const group = `"chat": {"id": -1005, "type": "supergroup", "title": "Shop chat"}`
	const anonymous = `"from": {"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"}, "sender_chat": {"id": -1005, "type": "supergroup", "title": "Shop chat"}`
	const toAnn = `"reply_to_message": {"message_id": 3, "date": 1700000000, ` + group + `, "from": {"id": 5, "is_bot": false, "first_name": "Ann", "language_code": "ru"}, "text": "где заказ?"}`
	const toBot = `"reply_to_message": {"message_id": 4, "date": 1700000000, ` + group + `, "from": {"id": 9, "is_bot": true, "first_name": "shop_bot"}, "text": "x"}`
	tests := []struct {
		name, body string
		kind       chat.Kind
		customer   string
	}{
		{"an admin answering a customer", `{"update_id": 1, "message": {"message_id": 6, "date": 1700000000, ` + group + `, ` + anonymous + `, ` + toAnn + `, "text": "Анна, уже смотрю"}}`,
			chat.KindPersonReply, "5"},
		{"an admin posting", `{"update_id": 2, "message": {"message_id": 7, "date": 1700000000, ` + group + `, ` + anonymous + `, "text": "Сегодня работаем до 18:00"}}`,
			chat.KindOther, ""},
		{"an admin answering the bot", `{"update_id": 3, "message": {"message_id": 8, "date": 1700000000, ` + group + `, ` + anonymous + `, ` + toBot + `, "text": "ok"}}`,
			chat.KindOther, ""},
		{"a customer writing as their channel", `{"update_id": 4, "message": {"message_id": 9, "date": 1700000000, ` + group + `, "from": {"id": 136817688, "is_bot": true, "first_name": "Channel", "username": "Channel_Bot"}, "sender_chat": {"id": -1007, "type": "channel", "title": "Ann's blog"}, "text": "где заказ?"}}`,
			chat.KindText, "136817688"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, _ := decoded(t, tt.body, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false)
			if ev.Kind != tt.kind || ev.Customer.ID != tt.customer || ev.ChatID != "-1005" {
				t.Errorf("decoded kind %q customer %q chat %q; want %q %q -1005", ev.Kind, ev.Customer.ID, ev.ChatID, tt.kind, tt.customer)
			}
		})
	}
}

func chatTypeFor(chatID string) chat.ChatType {
	if chatID == "" {
		return ""
	}
	return chat.ChatPrivate
}

func TestSplitChatID(t *testing.T) {
	tests := []struct {
		in         string
		id         int64
		connection string
		bad        bool
	}{
		{"5", 5, "", false},
		{"-1001234567890", -1001234567890, "", false},
		{BusinessChatID("AbC-dE_f:9", "5"), 5, "AbC-dE_f:9", false},
		{"business:5", 0, "", true},
		{"business:c:x", 0, "", true},
		{"dm:5", 0, "", true},
	}
	for _, tt := range tests {
		id, connection, err := splitChatID(tt.in)
		if (err != nil) != tt.bad || id != tt.id || connection != tt.connection {
			t.Errorf("splitChatID(%q) = %d, %q, %v; want %d, %q, bad %v", tt.in, id, connection, err, tt.id, tt.connection, tt.bad)
		}
	}
}
