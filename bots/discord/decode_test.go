package discord

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestDecodeMessageFixture(t *testing.T) {
	raw, err := os.ReadFile("testdata/fixtures/discord_api-docs_resources-message_example-message.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := DecodeMessage("community", "", raw)
	if err != nil {
		t.Fatal(err)
	}
	want := chat.Event{Platform: chat.Discord, Bot: "community", ExternalID: "message:334385199974967042", Kind: chat.KindText,
		ChatID: "290926798999357250", ChatType: chat.ChatPrivate, MessageID: "334385199974967042",
		Customer: chat.Customer{ID: "53908099506183680", Name: "Mason", Username: "Mason"}, Text: "Supa Hot",
		Time: time.Date(2017, 7, 11, 17, 27, 7, 299000000, time.UTC)}
	ev.Raw = nil
	if !ev.Time.Equal(want.Time) {
		t.Errorf("time %v, want %v", ev.Time, want.Time)
	}
	ev.Time = want.Time
	if ev.Customer != want.Customer || ev.ExternalID != want.ExternalID || ev.ChatID != want.ChatID || ev.ChatType != want.ChatType ||
		ev.Kind != want.Kind || ev.Text != want.Text || ev.MessageID != want.MessageID {
		t.Errorf("decoded %+v\nwant    %+v", ev, want)
	}
}

func TestNormalizeMessage(t *testing.T) {
	tests := []struct {
		name, raw string
		kind      chat.Kind
		text      string
		chatType  chat.ChatType
		isBot     bool
		replyTo   string
	}{
		{"guild mention is stripped", `{"id":"1","channel_id":"9","guild_id":"5","content":"<@42> where is my order?","author":{"id":"7","username":"ann","global_name":"Ann"},"mentions":[{"id":"42"}]}`,
			chat.KindText, "where is my order?", chat.ChatGroup, false, ""},
		{"nickname mention form", `{"id":"1","channel_id":"9","guild_id":"5","content":"<@!42>  refund","author":{"id":"7","username":"ann"}}`,
			chat.KindText, "refund", chat.ChatGroup, false, ""},
		{"reply", `{"id":"2","channel_id":"9","content":"thanks","type":19,"author":{"id":"7","username":"ann"},"message_reference":{"message_id":"1"}}`,
			chat.KindText, "thanks", chat.ChatPrivate, false, "1"},
		{"command", `{"id":"3","channel_id":"9","content":"/human","author":{"id":"7","username":"ann"}}`, chat.KindCommand, "/human", chat.ChatPrivate, false, ""},
		{"image with caption", `{"id":"4","channel_id":"9","content":"broken","author":{"id":"7","username":"ann"},"attachments":[{"id":"1","filename":"a.png","content_type":"image/png"}]}`,
			chat.KindPhoto, "broken", chat.ChatPrivate, false, ""},
		{"sticker", `{"id":"5","channel_id":"9","content":"","author":{"id":"7","username":"ann"},"sticker_items":[{"id":"1","name":"hi","format_type":1}]}`,
			chat.KindSticker, "", chat.ChatPrivate, false, ""},
		{"another bot", `{"id":"6","channel_id":"9","content":"hi","author":{"id":"8","username":"other","bot":true}}`, chat.KindText, "hi", chat.ChatPrivate, true, ""},
		{"a webhook's message", `{"id":"7","channel_id":"9","content":"hi","webhook_id":"3","author":{"id":"3","username":"hook"}}`, chat.KindText, "hi", chat.ChatPrivate, true, ""},
		{"thread created (service)", `{"id":"8","channel_id":"9","guild_id":"5","content":"","type":18,"author":{"id":"7","username":"ann"}}`, chat.KindService, "", chat.ChatGroup, false, ""},
		// Discord has no "!" commands of its own: an upset customer's
		// "!!!" must be read as what it says, not as a bot command
		// (which the rules take for chit-chat, at the lowest priority).
		{"text starting with exclamation marks", `{"id":"9","channel_id":"9","content":"!!! my parcel arrived broken, refund please","author":{"id":"7","username":"ann"}}`,
			chat.KindText, "!!! my parcel arrived broken, refund please", chat.ChatPrivate, false, ""},
		{"slash command typed as text", `{"id":"10","channel_id":"9","guild_id":"5","content":"<@42> /human","author":{"id":"7","username":"ann"},"mentions":[{"id":"42"}]}`,
			chat.KindCommand, "/human", chat.ChatGroup, false, ""},
		// A forward (message_reference type 1) carries what was forwarded
		// only in its snapshot, and its reference is a message of another
		// channel, not one it answers.
		{"forwarded text", `{"id":"11","channel_id":"9","content":"","type":0,"author":{"id":"7","username":"ann"},` +
			`"message_reference":{"type":1,"message_id":"500","channel_id":"600","guild_id":"700"},` +
			`"message_snapshots":[{"message":{"type":0,"content":"Order #A-17 confirmed","timestamp":"2025-01-01T00:00:00+00:00","attachments":[],"embeds":[]}}]}`,
			chat.KindText, "Order #A-17 confirmed", chat.ChatPrivate, false, ""},
		{"forwarded screenshot", `{"id":"12","channel_id":"9","content":"","author":{"id":"7","username":"ann"},` +
			`"message_reference":{"type":1,"message_id":"501","channel_id":"600"},` +
			`"message_snapshots":[{"message":{"type":0,"content":"","attachments":[{"id":"1","filename":"a.png","url":"https://cdn.discordapp.com/a.png","content_type":"image/png"}]}}]}`,
			chat.KindPhoto, "", chat.ChatPrivate, false, ""},
		{"forward with a null snapshot", `{"id":"13","channel_id":"9","content":"","author":{"id":"7","username":"ann"},` +
			`"message_reference":{"type":1,"message_id":"502"},"message_snapshots":[null,{"message":null}]}`,
			chat.KindText, "", chat.ChatPrivate, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeMessage("community", "42", []byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tt.kind || ev.Text != tt.text || ev.ChatType != tt.chatType || ev.Customer.IsBot != tt.isBot || ev.ReplyTo != tt.replyTo {
				t.Errorf("got kind %s text %q chat %s bot %v reply %q", ev.Kind, ev.Text, ev.ChatType, ev.Customer.IsBot, ev.ReplyTo)
			}
		})
	}
}

func TestDecodeMessageRejectsMalformed(t *testing.T) {
	for _, raw := range []string{``, `[]`, `{"id":"1"}`, `{"content":"x"}`, `{"id":1,"channel_id":"2"}`} {
		if _, err := DecodeMessage("community", "", []byte(raw)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeMessage(%q) = %v, want ErrMalformed", raw, err)
		}
	}
}

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 300) // 1,500 characters
	tests := []struct {
		name  string
		text  string
		parts int
	}{
		{"short", "hello", 1},
		{"exactly the limit", strings.Repeat("я", MaxMessageLen), 1},
		{"paragraphs", para + "\n\n" + para, 2},
		{"one long word", strings.Repeat("x", 2*MaxMessageLen+1), 3},
		{"Chinese without spaces", strings.Repeat("退货。", 1000), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := Split(tt.text, MaxMessageLen)
			if len(parts) != tt.parts {
				t.Fatalf("%d parts, want %d", len(parts), tt.parts)
			}
			total := 0
			for _, p := range parts {
				n := utf8.RuneCountInString(p)
				if n > MaxMessageLen || n == 0 && len(parts) > 1 {
					t.Errorf("part of %d characters", n)
				}
				if !utf8.ValidString(p) {
					t.Error("a part is not valid UTF-8")
				}
				total += n
			}
			if strings.Join(strings.Fields(strings.Join(parts, " ")), "") != strings.Join(strings.Fields(tt.text), "") {
				t.Error("splitting lost or changed text")
			}
			if tt.name == "paragraphs" && !strings.HasSuffix(parts[0], "word") {
				t.Errorf("first part ends %q, want a whole paragraph", parts[0][len(parts[0])-10:])
			}
		})
	}
}

// TestFromStaff: a staff member's message where customers write is never a
// customer's; only a reply to a person's message is an answer in person,
// to that person.
func TestFromStaff(t *testing.T) {
	ann := &discordgo.User{ID: "11", Username: "ann", GlobalName: "Ann"}
	sam := &discordgo.User{ID: "31", Username: "sam"}
	staff := NewStaff([]string{"880"})
	reply := func(to *discordgo.Message) *discordgo.Message {
		m := &discordgo.Message{ID: "2", ChannelID: "600", GuildID: "77", Type: discordgo.MessageTypeDefault, Author: sam,
			Content: "I'm on it", Member: &discordgo.Member{Roles: []string{"5", "880"}}}
		if to != nil {
			m.Type = discordgo.MessageTypeReply
			m.MessageReference = &discordgo.MessageReference{MessageID: to.ID, ChannelID: "600"}
			m.ReferencedMessage = to
		}
		return m
	}
	tests := []struct {
		name         string
		m            *discordgo.Message
		kind         chat.Kind
		customer     string
		customerName string
	}{
		{"a reply to a customer", reply(&discordgo.Message{ID: "1", Author: ann}), chat.KindPersonReply, "11", "Ann"},
		{"not a reply", reply(nil), chat.KindOther, "", ""},
		{"a reply to a bot", reply(&discordgo.Message{ID: "1", Author: &discordgo.User{ID: "9", Bot: true}}), chat.KindOther, "", ""},
		{"a reply to a webhook's post", reply(&discordgo.Message{ID: "1", Author: ann, WebhookID: "4"}), chat.KindOther, "", ""},
		{"a reply to themselves", reply(&discordgo.Message{ID: "1", Author: sam}), chat.KindOther, "", ""},
		{"a reply whose message Discord did not send", func() *discordgo.Message {
			m := reply(&discordgo.Message{ID: "1", Author: ann})
			m.ReferencedMessage = nil // deleted meanwhile
			return m
		}(), chat.KindOther, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !staff.Has(tt.m.Member) {
				t.Fatal("the author's roles hold a staff role")
			}
			ev := NormalizeMessage("community", "", tt.m)
			FromStaff(&ev, tt.m)
			if ev.Kind != tt.kind || ev.Customer.ID != tt.customer || ev.Customer.Name != tt.customerName {
				t.Fatalf("kind %q customer %q %q, want %q %q %q", ev.Kind, ev.Customer.ID, ev.Customer.Name, tt.kind, tt.customer, tt.customerName)
			}
		})
	}
	for _, m := range []*discordgo.Member{nil, {}, {Roles: []string{"5"}}} {
		if staff.Has(m) {
			t.Errorf("member %+v counted as staff", m)
		}
	}
}
