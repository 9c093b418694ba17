package discord_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord"
	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestSendMedia: this bot's attachments go by their URL, locations and
// contacts as text, another platform's files uploaded (streamed, as
// multipart) with the text, and a retried upload is one message (the
// enforced nonce).
func TestSendMedia(t *testing.T) {
	const channel = "1200000000000000001"
	content := bytes.Repeat([]byte("jpeg"), 1000)
	open := func(_ context.Context, m chat.Media) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(content)), nil
	}
	tests := []struct {
		name    string
		media   []chat.Media
		content []string // in the message's content
		upload  string   // the file uploaded, if any
	}{
		{"own attachment by URL", []chat.Media{{Kind: chat.MediaPhoto, Platform: chat.Discord, Bot: "community", URL: "https://cdn.example/a.png"}},
			[]string{"Ann: look", "https://cdn.example/a.png"}, ""},
		{"location as a map link", []chat.Media{{Kind: chat.MediaLocation, Platform: chat.Telegram, Bot: "shop", Latitude: 55.75, Longitude: 37.61}},
			[]string{"Ann: look", "maps.google.com/?q=55.750000,37.610000"}, ""},
		{"contact as text", []chat.Media{{Kind: chat.MediaContact, Platform: chat.Telegram, Phone: "+1555", Contact: "Bob"}}, []string{"👤 Bob +1555"}, ""},
		{"Telegram photo uploaded", []chat.Media{{Kind: chat.MediaPhoto, Platform: chat.Telegram, Bot: "shop", FileID: "AgAC", MIME: "image/jpeg"}},
			[]string{"Ann: look"}, "photo.jpeg"},
		{"a note instead", []chat.Media{{Kind: chat.MediaDocument, Platform: chat.Telegram, Note: "📎 big.zip is over the limit"}},
			[]string{"Ann: look\n📎 big.zip is over the limit"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, s := newFakeSender(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out := chat.Outgoing{ID: 3, Platform: chat.Discord, Bot: "community", ChatID: channel, Text: "Ann: look", Media: tt.media, Open: open}
			for range 2 { // the second is a retry of a send that got no answer
				if _, err := s.Send(ctx, out); err != nil {
					t.Fatal(err)
				}
			}
			sent := fake.Sent()
			if len(sent) != 1 {
				t.Fatalf("%d messages, want 1", len(sent))
			}
			for _, want := range tt.content {
				if !strings.Contains(sent[0].Content, want) {
					t.Errorf("content %q lacks %q", sent[0].Content, want)
				}
			}
			var files []string
			var uploaded []byte
			for _, c := range fake.Calls() {
				if len(c.Files) > 0 {
					files, uploaded = c.Files, c.Uploads[0]
				}
			}
			if tt.upload == "" && files != nil || tt.upload != "" && (len(files) != 1 || files[0] != tt.upload || !bytes.Equal(uploaded, content)) {
				t.Errorf("uploaded %v (%d bytes), want %q", files, len(uploaded), tt.upload)
			}
		})
	}
}

// newFakeSender is a sender to a fake Discord that knows the token "tok".
func newFakeSender(t *testing.T) (*discordtest.Server, *discord.Sender) {
	t.Helper()
	fake := discordtest.New(discordtest.WithToken("tok"))
	t.Cleanup(fake.Close)
	session, err := discord.NewSession("tok", fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	return fake, discord.NewSender(session, &discord.Threads{})
}
