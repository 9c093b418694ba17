package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// matchingRules is a small shop in four languages for the table tests of
// matching: each behaviour is tested where it must match and where it
// must not.
const matchingRules = `
keywords:
  refund: [refund, "money back", возврат, 退款, 退货]
  shipping: [delivery, "where is my order", tracking, доставка, посылка, 快递, 收到货, 发货]
  cost: ["shipping cost", "стоимость доставки", 运费, 包邮]
  cancel: ["cancel order", отменить, "отменить заказ", 取消订单]
  invoice: [invoice, чек, 发票]
  code: ["12345"]
families:
  - [parcel, parcels, package]
vocabulary:
  - [发票, 收據]
rules:
  - id: refund
    keywords: [refund]
    reply: refund
  - id: shipping
    keywords: [shipping]
    reply: shipping
  - id: cost
    keywords: [cost]
    reply: cost
  - id: cancel
    keywords: [cancel]
    reply: cancel
  - id: invoice
    keywords: [invoice]
    reply: invoice
  - id: code
    keywords: [code]
    reply: code
  - id: parcel
    keywords: [parcel]
    reply: parcel
  - id: exact
    keywords: ["gift card"]
    match: exact
    reply: exact
  - id: strict
    keywords: [subscription]
    matching: {typos: false}
    reply: strict
`

func decideText(t *testing.T, r *Rules, text string) (string, Step) {
	t.Helper()
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, ExternalID: "1",
		Customer: chat.Customer{ID: "1", Name: "Ann"}, Text: text}
	d := r.Decide(ev, chat.State{}, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC))
	got := answer(d)
	for _, s := range d.Trace {
		if s.Rule == got && s.Matched {
			return got, s
		}
	}
	return got, Step{}
}

func TestMatching(t *testing.T) {
	r, err := Parse("matching.yaml", []byte(matchingRules))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text, want, how string // how: the match kind reported, "" to skip
	}{
		// Exact and folded, the baseline.
		{"en exact", "I want a refund", "refund", "exact"},
		{"zh-Hant folded", "我要退貨", "refund", "folded"},
		{"ru stemmed", "хочу оформить возврата", "refund", "stemmed"},
		// 1 typos
		{"en typo deletion", "where is my delivry", "shipping", "typo"},
		{"en typo transposition", "I need a refnud", "refund", "typo"},
		{"ru typo", "где моя доствка", "shipping", "typo"},
		{"ru typo inserted letter", "нужен возвраат", "refund", "typo"},
		{"en typo on a short word: no", "send the invoce", "invoice", "typo"},
		{"en short word never corrected", "I need a chek", "none", ""},
		{"number never corrected", "my code is 12346", "none", ""},
		{"number exact", "my code is 12345", "code", "exact"},
		{"typos off for the rule", "subscripton please", "none", ""},
		{"typo first letter differs: no", "I need a xefund", "none", ""},
		// 2 families
		{"en family verb/noun", "when will you deliver it", "shipping", "family"},
		{"ru family вернуть/возврат", "верните деньги", "refund", "family"},
		{"file family", "I got two packages", "parcel", "family"},
		{"en stemming", "is it refundable", "refund", "stemmed"},
		// 3 proximity
		{"en words apart", "please cancel the whole order", "cancel", "proximity"},
		{"en reordered", "my order, where is it?", "shipping", "proximity"},
		{"en too far apart: no", "cancel it, I will think about what to do with my order", "none", ""},
		{"exact keeps contiguous", "a gift card", "exact", "exact"},
		{"exact refuses apart", "a gift for my card", "none", ""},
		// 4 negation
		{"en negated", "no need to refund, thanks anyway", "none", ""},
		{"en negated, other intent answers", "no need to cancel order, send the invoice", "invoice", ""},
		{"en not arrived is a question, not a negation", "my delivery has not arrived", "shipping", ""},
		{"ru negated", "не хочу возврат, пришлите чек", "invoice", ""},
		{"ru не пришла is a question", "посылка не пришла", "shipping", ""},
		{"zh negated", "不用退款了，发票给我", "invoice", ""},
		{"zh 没收到货 is a shipping question", "没收到货", "shipping", ""},
		{"zh 特别 is not 别", "快递特别慢", "shipping", ""},
		{"zh A-not-A asks, does not refuse", "要不要运费", "cost", ""},
		{"zh 需不需要 asks", "需不需要包邮", "cost", ""},
		{"zh-Hant negated after", "退款不用了", "none", ""},
		{"ru negated after a longer keyword negates its shorter one", "отменить заказ не надо", "none", ""},
		{"ru the longer keyword not negated", "хочу отменить заказ", "cancel", "exact"},
		{"ru negated after the longer keyword's other form", "отменять заказ не нужно", "none", ""},
		{"en negated after the longer keyword's other form", "cancelling the order is not needed", "none", ""},
		// 5 thanks and spam
		{"en thanks", "thank you, the delivery was quick", "none", ""},
		{"en thanks with a question", "thanks! where is my order?", "shipping", ""},
		{"ru thanks", "спасибо, посылка пришла", "none", ""},
		{"zh thanks", "谢谢，快递收到了", "none", ""},
		{"zh thanks but", "谢谢，但是快递还没到", "shipping", ""},
		{"spam with a link", "cheap refund service http://spam.example", "none", ""},
		{"zh spam", "代开发票，加微信", "none", ""},
		// 6 most specific
		{"en specific beats generic", "what is the shipping cost for delivery to Canada", "cost", ""},
		{"ru specific", "какая стоимость доставки в Минск", "cost", ""},
		// 8 vocabulary
		{"zh-Hant vocabulary", "可以開收據嗎", "invoice", "vocabulary"},
		{"zh-Hant built-in vocabulary", "滿千免運嗎", "cost", "vocabulary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, step := decideText(t, r, tt.text)
			if got != tt.want {
				t.Fatalf("%q answered by %s, want %s (step %+v)", tt.text, got, tt.want, step)
			}
			if tt.how != "" && step.Match != tt.how {
				t.Errorf("%q matched %s, want %s (%s)", tt.text, step.Match, tt.how, step.Detail)
			}
		})
	}
}

// TestMatchingSwitches turns each feature off in the file and checks that
// the message it alone answered goes unanswered (or answered otherwise).
func TestMatchingSwitches(t *testing.T) {
	tests := []struct {
		sw, text, on, off string
	}{
		{"typos", "where is my delivry", "shipping", "none"},
		{"families", "верните деньги", "refund", "none"},
		{"proximity", "please cancel the whole order", "cancel", "none"},
		{"negation", "no need to refund", "none", "refund"},
		{"thanks", "thank you, the delivery was quick", "none", "shipping"},
	}
	for _, tt := range tests {
		t.Run(tt.sw, func(t *testing.T) {
			on, err := Parse("on.yaml", []byte(matchingRules))
			if err != nil {
				t.Fatal(err)
			}
			off, err := Parse("off.yaml", []byte("matching: {"+tt.sw+": false}\n"+matchingRules))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := decideText(t, on, tt.text); got != tt.on {
				t.Errorf("on: %q answered by %s, want %s", tt.text, got, tt.on)
			}
			if got, _ := decideText(t, off, tt.text); got != tt.off {
				t.Errorf("%s: false: %q answered by %s, want %s", tt.sw, tt.text, got, tt.off)
			}
		})
	}
}

func TestPriorityBreaksTies(t *testing.T) {
	const rules = `
rules:
  - id: first
    keywords: [parcel]
    reply: first
  - id: second
    keywords: [parcel]
    priority: 1
    reply: second
`
	r, err := Parse("p.yaml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := decideText(t, r, "my parcel"); got != "second" {
		t.Errorf("answered by %s, want second (priority 1)", got)
	}
	var warned bool
	for _, w := range r.Warnings() {
		warned = warned || strings.Contains(w.Msg, `keyword "parcel" is also a keyword of rule "first"`)
	}
	if !warned {
		t.Errorf("no warning about the overlapping keyword: %v", r.Warnings())
	}
}

func TestTraceExplainsLooseMatches(t *testing.T) {
	r, err := Parse("matching.yaml", []byte(matchingRules))
	if err != nil {
		t.Fatal(err)
	}
	_, step := decideText(t, r, "Where is my Delivry?")
	if step.Detail != `"Delivry" ≈ "delivery"` || step.Score <= 0 {
		t.Errorf("step = %+v, want the typo explained with a score", step)
	}
	ev := chat.Event{Kind: chat.KindText, Text: "no need to refund"}
	for _, s := range r.Explain(ev, chat.State{}, time.Time{}).Trace {
		if s.Rule == "refund" && (s.Matched || s.Reason != ReasonNegated) {
			t.Errorf("refund step = %+v, want negated", s)
		}
	}
}

func TestExamples(t *testing.T) {
	const rules = `
rules:
  - id: sizes
    keywords: [size chart]
    examples:
      - "which size should I take, I am 180 cm tall"
      - "какой размер мне подойдет при росте 180"
      - "我身高180穿多大码"
    reply: sizes
  - id: gift
    examples: ["can you wrap it as a present for my mum", "можно упаковать как подарок"]
    reply: gift
`
	r, err := Parse("ex.yaml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, want string }{
		{"which size should I take? I'm 175 cm tall", "sizes"},
		{"какой размер подойдет при росте 170?", "sizes"},
		{"我身高175穿多大码", "sizes"},
		{"我身高一米七五穿多大的码", "sizes"},
		{"could you wrap it as a present", "gift"},
		{"можно упаковать как подарок?", "gift"},
		// Sharing a word or two is not resembling.
		{"I am tall", "none"},
		{"what is your phone number", "none"},
		{"подарок", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, step := decideText(t, r, tt.text)
			if got != tt.want {
				t.Fatalf("%q answered by %s, want %s (%+v)", tt.text, got, tt.want, step)
			}
			if got != "none" && (step.Match != "example" || !strings.Contains(step.Detail, "resembles")) {
				t.Errorf("step %+v does not say which example it resembled", step)
			}
		})
	}
	off, err := Parse("ex.yaml", []byte("matching: {examples: false}\n"+rules))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := decideText(t, off, "could you wrap it as a present"); got != "none" {
		t.Errorf("examples: false still answered by %s", got)
	}
}

// TestUpgradeWarnings: check names the switch that changed a test's
// outcome since the matching of before issue 18.
func TestUpgradeWarnings(t *testing.T) {
	const rules = `
rules:
  - id: shipping
    keywords: [delivery, shipping]
    reply: shipping
  - id: cost
    keywords: ["shipping cost"]
    reply: cost
  - id: refund
    keywords: [refund]
    reply: refund
tests:
  - {text: "where is my delivry", hits: [shipping]}
  - {text: "what is the shipping cost", hits: [cost]}
  - {text: "no need to refund", misses: [refund]}
  - {text: "where is my delivery", hits: [shipping]}
`
	r, err := Parse("up.yaml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`tests[0] "where is my delivry": the new matching changes what matches, from no rule to shipping (undone by matching: {typos: false})`,
		`tests[1] "what is the shipping cost": the new matching changes what matches, from shipping to cost (undone by the most specific rule answering instead of the first)`,
		`tests[2] "no need to refund": the new matching changes what matches, from refund to no rule (undone by matching: {negation: false})`,
	}
	var got []string
	for _, w := range r.Warnings() {
		if strings.Contains(w.Msg, "new matching") {
			got = append(got, w.Msg)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPinyinTypos(t *testing.T) {
	r, err := Parse("matching.yaml", []byte(matchingRules))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, text, want, how string }{
		{"same sound, one character wrong", "我想退宽", "refund", "typo"},
		{"zh-Hant same sound", "我想退寬", "refund", "typo"},
		{"same sound for 发票", "能开发漂吗", "invoice", "typo"},
		{"exact wins over sound", "退款", "refund", "exact"},
		// Sounds alike but shares no character: another word.
		{"no character in common", "推宽", "none", ""},
		// A single character never matches by sound.
		{"single character", "宽", "none", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, step := decideText(t, r, tt.text)
			if got != tt.want {
				t.Fatalf("%q answered by %s, want %s (%+v)", tt.text, got, tt.want, step)
			}
			if tt.how != "" && step.Match != tt.how {
				t.Errorf("%q matched %s, want %s", tt.text, step.Match, tt.how)
			}
		})
	}
}

func TestThanksReply(t *testing.T) {
	const rules = `
thanks_reply: {en: "You're welcome!", zh: "不客气！"}
rules:
  - id: shipping
    keywords: [delivery, 快递]
    reply: shipping
`
	r, err := Parse("thanks.yaml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, rule, reply string }{
		{"thank you, the delivery was quick", BuiltinThanks, "You're welcome!"},
		{"谢谢，快递收到了", BuiltinThanks, "不客气！"},
		{"thanks! where is my delivery?", "shipping", "shipping"},
		{"hello", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			ev := chat.Event{Kind: chat.KindText, Text: tt.text, ExternalID: "1"}
			d := r.Decide(ev, chat.State{}, time.Time{})
			var rule, reply string
			for _, a := range d.Actions {
				if a.Type == chat.ActionReply {
					rule, reply = a.Rule, a.Text
				}
			}
			if rule != tt.rule || reply != tt.reply {
				t.Errorf("%q: reply %s %q, want %s %q", tt.text, rule, reply, tt.rule, tt.reply)
			}
		})
	}
}

func TestMayHaveLinks(t *testing.T) {
	for _, s := range []string{"http://a.b", "see WWW.SHOP.COM", "Www.x.y", "t.me/chan", "T.ME/chan", "(www.x)", "hTTps://x", "wWw.x.y", "a.b. WwW.c"} {
		if countLinks(s) > 0 && !mayHaveLinks(s) {
			t.Errorf("mayHaveLinks(%q) = false, but countLinks finds %d", s, countLinks(s))
		}
	}
}

// TestTyposLeaveEverydayWordsAlone: words one letter from a keyword that
// are words of their own are not typos.
func TestTyposLeaveEverydayWordsAlone(t *testing.T) {
	const rules = `
rules:
  - {id: stock, keywords: ["in stock", stock], reply: stock}
  - {id: battery, keywords: [charger, charge], reply: battery}
  - {id: exchange, keywords: [обмен], reply: exchange}
  - {id: cancel, keywords: [cancel], reply: cancel}
`
	r, err := Parse("common.yaml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ text, want string }{
		{"my order is stuck in customs", "none"},
		{"can I change the colour", "none"},
		{"это обман", "none"},
		{"is it in stok", "stock"},
		{"the chargr is missing", "battery"},
		{"cancer research donation", "none"},
	} {
		if got, step := decideText(t, r, tt.text); got != tt.want {
			t.Errorf("%q answered by %s, want %s (%+v)", tt.text, got, tt.want, step)
		}
	}
}

func TestNegationBridges(t *testing.T) {
	r, err := Parse("matching.yaml", []byte(matchingRules))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ text, want string }{
		{"I don't really need a refund, send the invoice", "invoice"},
		{"退款还是不用了，开发票", "invoice"},
		{"退款先不用了", "none"},
		{"I really need a refund", "refund"},
	} {
		if got, step := decideText(t, r, tt.text); got != tt.want {
			t.Errorf("%q answered by %s, want %s (%+v)", tt.text, got, tt.want, step)
		}
	}
}
