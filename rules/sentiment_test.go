package rules

import (
	"math"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestSentiment(t *testing.T) {
	lx, err := builtinMood()
	if err != nil {
		t.Fatal(err)
	}
	neg, neu, pos := chat.SentimentNegative, chat.SentimentNeutral, chat.SentimentPositive
	tests := []struct {
		text string
		want chat.Sentiment
	}{
		// English: lexicon, negation, intensifiers, contrast, emphasis, emoji.
		{"The service was good", pos},
		{"The service was not good", neg},
		{"Terrible service, I am very disappointed", neg},
		{"thanks, the parcel arrived and it is great", pos},
		{"Where is my order?", neu},
		{"I'd like to return the shoes, please", neu},
		{"Do you offer free shipping to Canada?", neu},
		{"The box was damaged but the support was great", pos},
		{"The support was great but the box was broken and dirty", neg},
		{"my order", neu},
		{"👍", pos},
		{"order 123 😡😡", neg},
		{"not bad at all", pos},
		// Russian: word forms through stems, negation, intensifiers.
		{"Очень плохо, посылка пришла разбитой", neg},
		{"Всё отлично, спасибо!", pos},
		{"не очень хорошо упаковали", neg},
		{"Где мой заказ?", neu},
		{"Ужасный сервис, никто не отвечает", neg},
		{"Курьер вежливый, доставка быстрая", pos},
		{"Сколько стоит доставка в Казань?", neu},
		// Chinese, Simplified and Traditional: words found inside runs.
		{"太差了", neg},
		{"不错", pos},
		{"不好", neg},
		{"質量很好，很滿意", pos},
		{"我的快递到哪了", neu},
		{"客服态度差，非常失望", neg},
		{"没有问题，谢谢", pos},
		{"运费多少钱", neu},
		// Mixed scripts.
		{"посылка не пришла 😡 very bad", neg},
		{"谢谢 great service", pos},
	}
	var items []moodItem
	for _, tt := range tests {
		var s float64
		var got chat.Sentiment
		s, got, items = lx.score(matchForm(tt.text), tt.text, nil, items)
		if got != tt.want {
			t.Errorf("%q: %s (%.2f), want %s", tt.text, got, s, tt.want)
		}
		if s < -1 || s > 1 {
			t.Errorf("%q: score %v outside -1..1", tt.text, s)
		}
	}
}

func TestSentimentIntensifiersAndEmphasisStrengthen(t *testing.T) {
	lx, err := builtinMood()
	if err != nil {
		t.Fatal(err)
	}
	pairs := [][2]string{
		{"bad", "very bad"},
		{"bad", "bad!!!"},
		{"плохо", "очень плохо"},
		{"差", "太差"},
		{"good", "extremely good"},
	}
	for _, p := range pairs {
		weak, _, _ := lx.score(matchForm(p[0]), p[0], nil, nil)
		strong, _, _ := lx.score(matchForm(p[1]), p[1], nil, nil)
		if math.Abs(strong) <= math.Abs(weak) {
			t.Errorf("%q (%.2f) is not stronger than %q (%.2f)", p[1], strong, p[0], weak)
		}
	}
}

// A negation or an intensifier reaches no word past the end of its clause,
// in a decided message, where matching knows the punctuation.
func TestSentimentNegationStopsAtClauses(t *testing.T) {
	r, err := Parse("types.yaml", []byte(typeRules))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want chat.Sentiment
	}{
		{"This is the third time I've written and nobody answers. Absolutely terrible service.", chat.SentimentNegative},
		{"Nobody called me back, terrible", chat.SentimentNegative},
		{"Не ответили. Ужасный сервис", chat.SentimentNegative},
		{"not terrible at all", chat.SentimentPositive}, // within one clause it still flips
		{"honestly the worst shop I've ever dealt with, I want to speak to your manager about how I've been treated", chat.SentimentNegative},
		{"等了快一個月都沒消息，客服也已讀不回，真的很誇張，我會去留負評", chat.SentimentNegative},
		{"快递很快，五星好评", chat.SentimentPositive},
	}
	for _, tt := range tests {
		if d := decideInsight(t, r, chat.KindText, tt.text); d.Sentiment != tt.want {
			t.Errorf("%q: %s (%.2f), want %s", tt.text, d.Sentiment, d.SentimentScore, tt.want)
		}
	}
}
