package rules

import (
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestReread(t *testing.T) {
	tests := []struct {
		name, in string
		russian  bool // the rules have Russian
		want     string
		how      reading
	}{
		{"russian on the english layout", "ult vjq pfrfp&", true, "где мой заказ?", readRussianLayout},
		{"keys that are letters there, and moved punctuation", "Plhfdcndeqnt? rjulf ,eltn ljcnfdrf&", true,
			"здравствуйте, когда будет доставка?", readRussianLayout},
		{"one word", "cgfcb,j", true, "спасибо", readRussianLayout},
		{"english on the russian layout", "цруку шы ьн щквук", true, "where is my order", readEnglishLayout},
		{"translit", "gde moi zakaz", true, "где мой заказ", readTranslit},
		{"english as written", "where is my order?", true, "where is my order?", readAsWritten},
		{"russian as written", "где мой заказ", true, "где мой заказ", readAsWritten},
		{"nothing everyday either way", "qwerty asdf", true, "qwerty asdf", readAsWritten},
		{"no russian in the rules: latin stays", "ult vjq pfrfp", false, "ult vjq pfrfp", readAsWritten},
		{"chinese is never reread", "ult 快递", true, "ult 快递", readAsWritten},
		{"mixed scripts are the lookalikes' to repair", "гдe мoй", true, "гдe мoй", readAsWritten},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, how := reread(tt.in, tt.russian)
			if got != tt.want || how != tt.how {
				t.Fatalf("reread(%q) = %q, %v; want %q, %v", tt.in, got, how, tt.want, tt.how)
			}
		})
	}
}

// A message typed on the wrong layout is answered as the one meant, in its
// language, and the decision says how it was read.
func TestWrongLayoutIsAnswered(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"ru parcel", "ult vjz gjcskrf&", "shipping"},
		{"ru refund", "[jxe djpdhfn", "refund"},
		{"ru operator", "gjpjdbnt jgthfnjhf", "human"},
		{"ru thanks", "cgfcb,j? gjcskrf ghbikf", "none"},
		{"en on the russian layout", "шы еруку ф куагтв", "refund"},
	})
	r, err := Parse("more.yaml", []byte(moreRules))
	if err != nil {
		t.Fatal(err)
	}
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, Text: "ult vjz gjcskrf&"}
	d := r.Decide(ev, chat.State{}, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC))
	if d.Language != "ru" || d.ReadAs != "где моя посылка?" || DescribeReading(d.ReadFrom) != "Russian typed on the English keyboard layout" {
		t.Fatalf("language %q, read as %q from %q", d.Language, d.ReadAs, d.ReadFrom)
	}
}
