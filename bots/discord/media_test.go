package discord

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestDecodeAttachments: the example message of Discord's docs, with the
// attachments a customer sends (their fields as the docs' Attachment
// object has them), is described media by media with its text as caption.
func TestDecodeAttachments(t *testing.T) {
	raw, err := os.ReadFile("testdata/fixtures/discord_api-docs_resources-message_example-message.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		attachments string
		kind        chat.Kind
		want        []chat.Media
	}{
		{"none", `[]`, chat.KindText, nil},
		{"screenshot", `[{"id":"11","filename":"screen.png","content_type":"image/png","size":48213,"url":"https://cdn.discordapp.com/attachments/1/11/screen.png","proxy_url":"https://media.discordapp.net/attachments/1/11/screen.png","width":1280,"height":720}]`,
			chat.KindPhoto, []chat.Media{{Kind: chat.MediaPhoto, FileID: "11", URL: "https://cdn.discordapp.com/attachments/1/11/screen.png", Name: "screen.png", MIME: "image/png", Size: 48213, Width: 1280, Height: 720}}},
		{"voice message", `[{"id":"12","filename":"voice-message.ogg","content_type":"audio/ogg","size":9000,"url":"https://cdn.discordapp.com/attachments/1/12/voice-message.ogg","proxy_url":"x","duration_secs":4.6,"waveform":"AAAA"}]`,
			chat.KindMedia, []chat.Media{{Kind: chat.MediaVoice, FileID: "12", URL: "https://cdn.discordapp.com/attachments/1/12/voice-message.ogg", Name: "voice-message.ogg", MIME: "audio/ogg", Size: 9000, Duration: 5}}},
		{"two files", `[{"id":"13","filename":"a.pdf","content_type":"application/pdf","size":1,"url":"https://cdn/a.pdf","proxy_url":"x"},{"id":"14","filename":"b.mp4","content_type":"video/mp4","size":2,"url":"https://cdn/b.mp4","proxy_url":"x"}]`,
			chat.KindMedia, []chat.Media{{Kind: chat.MediaDocument, FileID: "13", URL: "https://cdn/a.pdf", Name: "a.pdf", MIME: "application/pdf", Size: 1},
				{Kind: chat.MediaVideo, FileID: "14", URL: "https://cdn/b.mp4", Name: "b.mp4", MIME: "video/mp4", Size: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := strings.Replace(string(raw), `"attachments": []`, `"attachments": `+tt.attachments, 1)
			ev, err := DecodeMessage("community", "", []byte(payload))
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Platform, tt.want[i].Bot = chat.Discord, "community"
			}
			if ev.Kind != tt.kind || ev.Text != "Supa Hot" || !reflect.DeepEqual(ev.Media, tt.want) {
				t.Errorf("kind %s text %q media %+v\nwant kind %s media %+v", ev.Kind, ev.Text, ev.Media, tt.kind, tt.want)
			}
		})
	}
}
