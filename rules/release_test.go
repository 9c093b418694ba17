package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestReleasedMessage decides a message an operator released as not spam:
// the rules that ignore are set aside, so is the spam heuristic, and the
// first answer starts with the apology (the file's, else the built-in one
// in the customer's language); with no answer, the apology goes alone.
func TestReleasedMessage(t *testing.T) {
	const file = `
rules:
  - id: spam
    keywords: [watches]
    when: links > 0
    tag: [spam]
    ignore: true
  - id: watches
    keywords: [watches]
    reply: "We sell watches from 100 EUR."
`
	const custom = file + `
spam_release_reply:
  en: "Our filter was wrong, sorry!"
`
	tests := []struct {
		name     string
		file     string
		text     string
		lang     string
		release  bool
		want     []chat.Action
		wantType chat.MessageType
	}{
		{"ignored as spam", file, "cheap watches http://shop.example", "en", false,
			[]chat.Action{{Type: chat.ActionTag, Rule: "spam", Tags: []string{"spam"}}, {Type: chat.ActionIgnore, Rule: "spam"}}, chat.TypeSpam},
		{"released: the answer, after the apology", file, "cheap watches http://shop.example", "en", true,
			[]chat.Action{{Type: chat.ActionReply, Rule: "watches", Text: builtinReleaseReply["en"] + "\n\nWe sell watches from 100 EUR."}}, ""},
		{"released with nothing to answer: the apology alone, in Russian", file, "привет http://a.example http://b.example", "ru", true,
			[]chat.Action{{Type: chat.ActionReply, Rule: BuiltinRelease, Text: builtinReleaseReply["ru"]}}, ""},
		{"the file's apology", custom, "cheap watches http://shop.example", "en", true,
			[]chat.Action{{Type: chat.ActionReply, Rule: "watches", Text: "Our filter was wrong, sorry!\n\nWe sell watches from 100 EUR."}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse("rules.yaml", []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "1", Kind: chat.KindText, ChatID: "1", ChatType: chat.ChatPrivate,
				Text: tt.text, Customer: chat.Customer{ID: "1", Language: tt.lang}}
			if tt.release {
				ev.ReleaseOf = 42
			}
			d := r.Decide(ev, chat.State{}, time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
			if len(d.Actions) != len(tt.want) {
				t.Fatalf("actions %+v, want %+v", d.Actions, tt.want)
			}
			for i, w := range tt.want {
				g := d.Actions[i]
				if g.Type != w.Type || g.Rule != w.Rule || g.Text != w.Text || strings.Join(g.Tags, ",") != strings.Join(w.Tags, ",") {
					t.Errorf("action %d: %+v, want %+v", i, g, w)
				}
			}
			if tt.wantType != "" && d.Type != tt.wantType {
				t.Errorf("type %q, want %q", d.Type, tt.wantType)
			}
			if tt.release && d.Type == chat.TypeSpam {
				t.Errorf("a released message is still typed spam (%s)", d.TypeReason)
			}
		})
	}
}
