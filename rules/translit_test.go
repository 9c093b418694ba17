package rules

import (
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// fromTranslit is reread's reading of s as Russian in Latin letters, if
// that is how it reads.
func fromTranslit(s string) (string, bool) {
	if text, how := reread(s, true); how == readTranslit {
		return text, true
	}
	return "", false
}

func TestFromTranslit(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // "" when the message is not read as Russian
	}{
		{"where is my order, in russian", "gde moi zakaz?", "где мой заказ?"},
		{"capitals and the soft sign", "Hochu vernut' den'gi", "хочу вернуть деньги"},
		{"passport spellings", "Zdravstvuyte, kogda budet dostavka", "здравствуйте, когда будет доставка"},
		{"one russian word is enough when nothing is english", "zakaz 5521", "заказ 5521"},
		{"words of both languages tell nothing", "net, spasibo", "нет, спасибо"},
		{"a stretched word still tells", "spasiboooo!!!", "спасибоооо!!!"},
		{"english stays english", "where is my order", ""},
		{"more english than russian", "I want my zakaz", ""},
		{"no everyday word at all", "pls help asap", ""},
		{"only words of both", "da", ""},
		{"cyrillic already", "где мой zakaz", ""},
		{"chinese beside it", "zakaz 快递", ""},
		{"accented latin is another language", "où est ma commande zakaz", ""},
		{"no letters", "12345 ?", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fromTranslit(tt.in)
			if ok != (tt.want != "") || got != tt.want {
				t.Fatalf("fromTranslit(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestTranslitWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"moy", "мой"}, {"moi", "мой"}, {"stroyka", "стройка"}, {"zhdu", "жду"}, {"shchetka", "щетка"},
		{"schetka", "щетка"}, {"chek", "чек"}, {"kharkov", "харков"}, {"yabloko", "яблоко"}, {"jabloko", "яблоко"},
		{"yesli", "если"}, {"tsena", "цена"}, {"pozhaluysta", "пожалуйста"}, {"noviy", "новий"}, {"novyy", "новый"},
		{"den'gi", "деньги"}, {"stoit", "стоит"}, {"kartoy", "картой"}, {"yula", "юла"}, {"xerox", "ксерокс"}, {"wse", "все"},
	}
	for _, tt := range tests {
		if got := translitWord(tt.in); got != tt.want {
			t.Errorf("translitWord(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Russian written in Latin letters is answered as the same message in
// Cyrillic would be, negations and thanks included, and in Russian; English
// is not touched.
func TestRussianInLatinLetters(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"parcel", "gde moya posylka?", "shipping"},
		{"refund with a verb form", "hochu vozvrat deneg", "refund"},
		{"operator", "pozovite operatora pozhaluysta", "human"},
		{"complaint", "eto obman, hochu pozhalovatsya", "complaint"},
		{"thanks", "spasibo, posylka prishla", "none"},
		{"negation then the question", "vozvrat ne nuzhen, gde posylka?", "shipping"},
		{"english is english", "where is my parcel", "shipping"},
	})
	r, err := Parse("more.yaml", []byte(moreRules))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, Text: "gde moya posylka?"}
	d := r.Decide(ev, chat.State{}, at)
	if d.Language != "ru" || d.ReadAs != "где моя посылка?" {
		t.Fatalf("language %q, read as %q; want ru, где моя посылка?", d.Language, d.ReadAs)
	}
	ev.Text = "where is my parcel"
	if d := r.Decide(ev, chat.State{}, at); d.ReadAs != "" || d.Language != "en" {
		t.Fatalf("English read as %q in %q", d.ReadAs, d.Language)
	}
}

// A file with no Russian (no ru texts, no Cyrillic keyword) does not read
// Latin letters as Russian: "da" or "kak" may be anything there.
func TestNoTranslitWithoutRussian(t *testing.T) {
	r, err := Parse("en.yaml", []byte(`
rules:
  - id: shipping
    keywords: [parcel, zakaz]
    reply: {en: "Parcels ship in 48 hours."}
`))
	if err != nil {
		t.Fatal(err)
	}
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, Text: "gde moi zakaz"}
	d := r.Decide(ev, chat.State{}, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC))
	if d.ReadAs != "" || answer(d) != "shipping" {
		t.Fatalf("read as %q, answered by %q; want the Latin keyword to answer as written", d.ReadAs, answer(d))
	}
}

// Russian as the default language, however it is spelt, is Russian too.
func TestTranslitWithRussianDefault(t *testing.T) {
	r, err := Parse("ru.yaml", []byte(`
default_language: RU
languages: [en]
rules:
  - id: shipping
    keywords: [parcel]
    reply: {en: "Parcels ship in 48 hours."}
`))
	if err != nil {
		t.Fatal(err)
	}
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, Text: "gde moi zakaz"}
	if d := r.Decide(ev, chat.State{}, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)); d.ReadAs != "где мой заказ" {
		t.Fatalf("read as %q, want где мой заказ", d.ReadAs)
	}
}
