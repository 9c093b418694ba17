package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

const typeRules = `
types:
  business: {en: [white label]}
sentiment:
  ru: {огонь: 2.5}
rules:
  - id: tracking
    keywords: [track, where is my order, 快递, посылка]
    reply: tracking
  - id: refund
    keywords: [refund policy]
    type: after_sales
    reply: refunds
  - id: vip
    keywords: [vip]
    tag: [business]
    reply: vip
  - id: spam
    keywords: [casino]
    ignore: true
  - id: angry
    when: 'sentiment == "negative" && type == "after_sales"'
    handoff: {priority: high}
    continue: true
`

func decideInsight(t *testing.T, r *Rules, kind chat.Kind, text string) Decision {
	t.Helper()
	ev := chat.Event{Platform: chat.Telegram, Kind: kind, ChatType: chat.ChatPrivate, ExternalID: "1",
		Customer: chat.Customer{ID: "1", Name: "Ann"}, Text: text}
	return r.Explain(ev, chat.State{}, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC))
}

func TestMessageTypes(t *testing.T) {
	r, err := Parse("types.yaml", []byte(typeRules))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want chat.MessageType
		why  string // a part of the reason
	}{
		// Inquiries, in four languages.
		{"Where is my order?", chat.TypeInquiry, "asks"},
		{"Сколько стоит доставка в Казань?", chat.TypeInquiry, "asks"},
		{"运费多少钱？", chat.TypeInquiry, "asks"},
		{"運費多少錢？", chat.TypeInquiry, "asks"},
		{"my order number is 12345 and I paid by card", chat.TypeInquiry, "statement"},
		// After-sales, complaints included: by cue, or by sounding angry.
		{"The parcel arrived damaged, I want a refund", chat.TypeAfterSales, "after-sales cue"},
		{"Посылка не пришла, где она?", chat.TypeAfterSales, "after-sales cue"},
		{"我要退货", chat.TypeAfterSales, "after-sales cue"},
		{"我要退貨", chat.TypeAfterSales, "after-sales cue"},
		{"This is the worst shop ever, terrible people", chat.TypeAfterSales, "complaint"},
		{"客服态度太差了", chat.TypeAfterSales, "complaint"},
		// Business.
		{"Do you sell wholesale? We are a distributor in Kazakhstan", chat.TypeBusiness, "business cue"},
		{"Интересует сотрудничество, есть коммерческое предложение", chat.TypeBusiness, "business cue"},
		{"我们想跟贵公司合作", chat.TypeBusiness, "business cue"},
		{"Can you do white label?", chat.TypeBusiness, "white label"}, // the file's own cue
		// Praise and feedback.
		{"Thank you so much, great service!", chat.TypePraise, "praise cue"},
		{"Спасибо большое, всё отлично", chat.TypePraise, "praise cue"},
		{"质量很好，五星好评", chat.TypePraise, "praise cue"},
		{"thanks, the parcel arrived", chat.TypePraise, "thanks"},
		// Chit-chat.
		{"hi", chat.TypeChitchat, ""},
		{"Привет", chat.TypeChitchat, ""},
		{"你好", chat.TypeChitchat, ""},
		{"ok", chat.TypeChitchat, ""},
		// Spam, as matching sees it or as a rule ignores it.
		{"Best casino bonus", chat.TypeSpam, `rule "spam"`},
		{"earn cheap crypto now http://x.example http://y.example", chat.TypeSpam, ""},
		{"Заработок от 3000р в день без вложений! Пиши в лс", chat.TypeSpam, "spam words"},
		{"加微信xxx8888，日赚500，兼职刷单", chat.TypeSpam, "spam words"},
		{"百家樂線上娛樂城 首存送500 加賴", chat.TypeSpam, "spam words"},
		{"【投資群組】老師帶你穩賺不賠，每月獲利30%，加LINE：abc888", chat.TypeSpam, "spam words"},
		{"專業代刷IG粉絲、評論，價格便宜，有興趣私訊", chat.TypeSpam, "spam words"},
		{"投資虛擬貨幣穩賺不賠，加LINE了解", chat.TypeSpam, "spam words"},
		{"Hey, I promote Telegram channels. 10k real subscribers for $49", chat.TypeSpam, "spam words"},
		{"Хочу вернуть деньги, заработок не позволяет", chat.TypeAfterSales, "after-sales cue"}, // one spam word alone is not spam
		// A rule's own type wins, by type: or by a tag that is a type id.
		{"what is your refund policy?", chat.TypeAfterSales, `rule "refund" says`},
		{"vip?", chat.TypeBusiness, `rule "vip" says`},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			d := decideInsight(t, r, chat.KindText, tt.text)
			if d.Type != tt.want {
				t.Fatalf("type %s (%s), want %s", d.Type, d.TypeReason, tt.want)
			}
			if !strings.Contains(d.TypeReason, tt.why) {
				t.Errorf("reason %q does not say %q", d.TypeReason, tt.why)
			}
		})
	}
	// Media and commands.
	if d := decideInsight(t, r, chat.KindPhoto, ""); d.Type != chat.TypeInquiry {
		t.Errorf("a photo without caption: %s", d.Type)
	}
	if d := decideInsight(t, r, chat.KindCommand, "/start"); d.Type != chat.TypeChitchat {
		t.Errorf("/start: %s", d.Type)
	}
}

func TestRulesReadTypeAndSentiment(t *testing.T) {
	r, err := Parse("types.yaml", []byte(typeRules))
	if err != nil {
		t.Fatal(err)
	}
	handedOff := func(text string) bool {
		for _, a := range decideInsight(t, r, chat.KindText, text).Actions {
			if a.Type == chat.ActionHandoff && a.Rule == "angry" {
				return true
			}
		}
		return false
	}
	if !handedOff("The parcel arrived broken, this is terrible!") {
		t.Error("an angry after-sales message was not handed off by a rule reading type and sentiment")
	}
	if handedOff("Can I exchange it for a bigger size?") {
		t.Error("a calm after-sales question was handed off as angry")
	}
	d := decideInsight(t, r, chat.KindText, "Доставка огонь")
	if d.Sentiment != chat.SentimentPositive || d.SentimentScore <= 0 {
		t.Errorf("the file's own sentiment word: %s %v", d.Sentiment, d.SentimentScore)
	}
}

func TestTypeAndSentimentErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"rules:\n  - id: a\n    type: complaint\n    reply: x\n", `t.yaml:3:11: rule "a": type "complaint" is not one of after_sales, inquiry, business, praise, chitchat, spam`},
		{"types:\n  complaints: {en: [broken]}\nrules:\n  - id: a\n    reply: x\n", `types: "complaints" cannot be given cue words`},
		{"types:\n  business: {english: [bulk]}\nrules:\n  - id: a\n    reply: x\n", `types.business: "english" is not a language code`},
		{"sentiment:\n  ru: {ужас: -9}\nrules:\n  - id: a\n    reply: x\n", `sentiment.ru: "ужас" has valence -9`},
	}
	for _, tt := range tests {
		_, err := Parse("t.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
