package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestWhenSeesMedia: rules answer media by their details (media.mime,
// media.size, media.name, media.duration, media.kind, media.count), and a
// message without media reads them as zero values.
func TestWhenSeesMedia(t *testing.T) {
	r, err := Parse("t.yaml", []byte(`rules:
  - id: screenshot
    when: 'media.mime == "image/png" && media.size < 1000000'
    reply: "Thanks for the screenshot!"
  - id: long-voice
    when: 'media.kind == "voice" && media.duration > 60'
    reply: "Could you write it down?"
  - id: pdf
    when: 'media.name endsWith ".pdf" && media.count == 1'
    reply: "Got your document."
  - id: none
    when: 'media.kind == "" && media.size == 0'
    reply: "Plain text."
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		media []chat.Media
		want  string
	}{
		{"png screenshot", []chat.Media{{Kind: chat.MediaDocument, MIME: "image/png", Size: 48213, Name: "s.png"}}, "screenshot"},
		{"png too large for the rule", []chat.Media{{Kind: chat.MediaDocument, MIME: "image/png", Size: 5000000}}, ""},
		{"long voice", []chat.Media{{Kind: chat.MediaVoice, MIME: "audio/ogg", Duration: 95}}, "long-voice"},
		{"short voice", []chat.Media{{Kind: chat.MediaVoice, MIME: "audio/ogg", Duration: 5}}, ""},
		{"pdf", []chat.Media{{Kind: chat.MediaDocument, MIME: "application/pdf", Name: "invoice.pdf"}}, "pdf"},
		{"two files read as the first, counted", []chat.Media{{Kind: chat.MediaDocument, Name: "a.pdf"}, {Kind: chat.MediaPhoto}}, ""},
		{"no media", nil, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Decide(chat.Event{Kind: chat.KindMedia, Media: tt.media}, chat.State{}, time.Now())
			got := ""
			for _, a := range d.Actions {
				if a.Type == chat.ActionReply {
					got = a.Rule
				}
			}
			if got != tt.want {
				t.Errorf("answered by %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCheckKnowsMediaNames: check accepts the media names and suggests
// them for a typo.
func TestCheckKnowsMediaNames(t *testing.T) {
	_, err := Parse("t.yaml", []byte(`rules:
  - id: x
    when: 'media.mim == "image/png"'
    reply: "x"
`))
	if err == nil || !strings.Contains(err.Error(), "mime") {
		t.Fatalf("err = %v, want a suggestion of media.mime", err)
	}
}
