package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// moreRules is a shop with handoff rules as well as answers, for the table
// tests of thanks, negation, Chinese words apart and regional vocabulary.
const moreRules = `
keywords:
  refund: [refund, return, возврат, 退款, 退货, 退钱]
  shipping: [delivery, parcel, tracking, доставка, посылка, 快递, 发货, 收到货, 包裹, 物流]
  invoice: [invoice, чек, 发票]
  exchange: [exchange, size, обмен, размер, 换货, 尺码]
  cancel: ["cancel order", отменить, 取消订单]
  hours: ["opening hours", "часы работы", 营业时间, 几点上班]
  complaint: [complaint, scam, жалоба, пожаловаться, 投诉, 骗子]
  human: [agent, human, оператор, 人工, 真人]
rules:
  - id: complaint
    keywords: [complaint]
    handoff: {priority: high}
    reply: sorry
  - id: human
    keywords: [human]
    handoff: {priority: medium}
  - id: refund
    keywords: [refund]
    reply: refund
  - id: shipping
    keywords: [shipping]
    reply: shipping
  - id: invoice
    keywords: [invoice]
    reply: invoice
  - id: exchange
    keywords: [exchange]
    reply: exchange
  - id: cancel
    keywords: [cancel]
    reply: cancel
  - id: hours
    keywords: [hours]
    reply: hours
`

type decideCase struct{ name, text, want string }

func runDecideCases(t *testing.T, src string, tests []decideCase) {
	t.Helper()
	r, err := Parse("more.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, step := decideText(t, r, tt.text)
			if got != tt.want {
				t.Fatalf("%q answered by %s, want %s (step %+v)", tt.text, got, tt.want, step)
			}
		})
	}
}

// A thank-you gets neither an answer nor a person, even when it names the
// agent or says there is nothing to complain about; thanks that go on to
// ask still get their answer.
func TestThanksAndClosings(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en thanks naming the agent", "Many thanks to the agent who helped me yesterday", "none"},
		{"en thanks, human was great", "Thank you so much, the human support was amazing", "none"},
		{"en thanks, no complaints", "Thank you, no complaints at all", "none"},
		{"en thanks then asks with and", "thanks and where is my parcel", "shipping"},
		{"en thanks then question mark", "thanks, the agent who helped me, is he there?", "human"},
		{"en no tracking without thanks is a question", "no tracking yet", "shipping"},
		{"en wh-word starting the message asks", "where is my parcel, thanks", "shipping"},
		{"ru thanks to the operator", "Спасибо оператору за помощь", "none"},
		{"ru thanks, no complaints", "Всё получила, спасибо, жалоб нет", "none"},
		{"ru thanks then asks", "спасибо, а когда будет доставка", "shipping"},
		{"ru thanks for helping is a closing", "Спасибо, что помогли с доставкой", "none"},
		{"ru посылки нет without thanks asks", "посылки нет", "shipping"},
		{"en thanks, but no tracking", "thanks, but I have no tracking yet", "shipping"},
		{"en thanks, no tracking still", "thank you. no tracking still", "shipping"},
		{"ru thanks, but no parcel", "спасибо, но посылки нет", "shipping"},
		{"ru thanks, parcel still none", "спасибо, посылки всё ещё нет", "shipping"},
		{"zh thanks, still none received", "谢谢，我还没有收到货", "shipping"},
		{"zh thanks, no complaint at all", "谢谢，一点都没有投诉", "none"},
		{"zh thanks, no complaint meant", "谢谢你们，没有投诉的意思", "none"},
		{"zh thanks for checking the parcel", "拜拜，谢谢帮我查包裹", "none"},
		{"zh-Hant bye and thanks", "掰掰，謝謝幫我查包裹", "none"},
		{"zh-Hant thanks, the real person was kind", "謝謝，真人客服很親切", "none"},
		{"zh thanks but asks", "谢谢，请帮我查包裹", "shipping"},
		{"zh 没有物流 without thanks asks", "没有物流信息", "shipping"},
	})
}

// Thanks after nothing but what the customer wants ("退款，谢谢", "refund,
// thanks") is politeness: the request is answered. Thanks after what was
// done (a verb in the past, 了, 已经) stays a closing, also when the done
// thing is itself a keyword.
func TestThanksAfterABareRequest(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en keyword, thanks", "Refund, thanks", "refund"},
		{"en keyword, thank you so much", "parcel, thank you so much", "shipping"},
		{"en thanks first", "thanks, delivery", "shipping"},
		{"ru keyword, thanks in advance", "Доставка, спасибо заранее", "shipping"},
		{"ru keyword, спасибо большое", "возврат, спасибо большое", "refund"},
		{"zh keyword, thanks", "退款，谢谢", "refund"},
		{"zh keyword and thanks in one run, to you", "退款谢谢您", "refund"},
		{"zh-Hant keyword, thanks", "包裹，謝謝", "shipping"},
		{"en done: past tense", "refunded, thanks", "none"},
		{"en done: irregular past", "parcel came, thanks", "none"},
		{"en more words than the keyword", "Delivery to Kazan, thanks", "none"},
		{"en ok says it is settled", "Refund ok, thanks", "none"},
		{"ru done: past tense", "Посылка пришла, спасибо", "none"},
		{"ru done: past tense of the keyword's verb", "Возврат сделали, спасибо", "none"},
		{"zh done: 了 after the keyword", "收到货了，谢谢", "none"},
		{"zh done: 已经", "已经退款，谢谢", "none"},
		{"zh-Hant done: 了", "收到貨了，謝謝", "none"},
	})
}

// Negation: refusals said as "not a", "не буду" after the verb, 不是, and
// "no X, just Y"; a problem said with not/не/没 is still a question.
func TestNegationForms(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en not a complaint", "Not a complaint, just asking about the opening hours", "hours"},
		{"en no complaint, just", "I have no complaint, just want the tracking link", "shipping"},
		{"en no tracking is a question", "I have no tracking link for my parcel", "shipping"},
		{"en not asking for a refund", "I'm not asking for a refund, I want to exchange it", "exchange"},
		{"en complaint still counts", "I want to file a complaint", "complaint"},
		{"en not X, just Y", "I'm not complaining, just asking about the refund", "refund"},
		{"en not really X, just Y", "It's not really a complaint, only a question about the opening hours", "hours"},
		{"ru не X, просто Y", "Не жалуюсь, просто вопрос про возврат", "refund"},
		{"en not X, just: nothing after is the question", "my parcel has not come, just tell me", "shipping"},
		{"ru не пришла, просто: the question", "посылка не пришла, просто скажите", "shipping"},
		{"en not alone is the question", "the refund has not arrived", "refund"},
		{"en no X needed", "No refund needed, it fits perfectly", "none"},
		{"en no X necessary, then a question", "No exchange necessary, what are your opening hours?", "hours"},
		{"en no X yet is a question", "no refund yet, what is going on", "refund"},
		{"en X needed is a request", "refund needed asap", "refund"},
		{"en wasn't going to: four words", "I wasn't going to complain, just asking about opening hours", "hours"},
		{"en not trying to", "I'm not trying to cancel, just want to change the address", "none"},
		{"en cancel my request for", "Please cancel my request for a refund, the size fits", "none"},
		{"ru не собирался", "Я не собирался отменять заказ, просто спрашиваю часы работы", "hours"},
		{"zh 没打算", "我没打算退货，只是问问物流", "shipping"},
		{"ru не буду after the verb", "Нет, возвращать не буду, всё подошло", "none"},
		{"ru жаловаться не буду", "Жаловаться не буду, скажите часы работы", "hours"},
		{"ru это не жалоба", "Это не жалоба, вопрос про часы работы", "hours"},
		{"ru не пришла is a question", "посылка так и не пришла", "shipping"},
		{"ru никаких жалоб, просто", "Никаких жалоб, просто где моя посылка", "shipping"},
		{"zh 不是要投诉", "我不是要投诉，就想问快递到哪了", "shipping"},
		{"zh 是不是 asks", "是不是要投诉才有人管", "complaint"},
		{"zh 没有投诉，只是", "没有投诉，只是想问物流", "shipping"},
		{"zh 没收到货 still a question", "没收到货，只收到发票", "shipping"},
		{"zh-Hant 不是要客訴", "不是要投訴，只是想問包裹到哪了", "shipping"},
		{"zh 没有要: not meaning to", "我没有要退款，只是问一下物流", "shipping"},
		{"zh 没要", "我没要取消订单", "none"},
		{"zh-Hant 沒有要", "沒有要投訴，就想問營業時間", "hours"},
		{"zh 没有要到: did not get, a question", "一直没有要到退款", "refund"},
		{"zh 还没有: not yet, a question", "还没有退款", "refund"},
	})
}

// Chinese keywords apart: a particle inside the verb-object word, or the
// object before its verb; never across a clause, a negation, or with other
// words between single characters.
func TestChineseKeywordsApart(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"zh particle inside", "你们发了货没有", "shipping"},
		{"zh 退了货", "我已经退了货，钱什么时候到", "refund"},
		{"zh object first", "钱能退给我吗", "refund"},
		{"zh 钱还没退", "钱还没退给我", "refund"},
		{"zh-Hant object first", "錢可以退給我嗎", "refund"},
		{"zh-Hant 貨什麼時候發", "貨什麼時候發", "shipping"},
		{"zh four characters apart", "营业的时间是什么", "hours"},
		{"zh-Hant 幾點鐘上班", "幾點鐘上班", "hours"},
		{"zh order reversed", "订单怎么取消", "cancel"},
		{"zh negation between: no", "订单不要取消", "none"},
		{"zh negated before", "别发了货", "none"},
		{"zh across a clause: no", "钱，退", "none"},
		{"zh other words between single characters: no", "真的没人", "none"},
		{"zh reversed and adjacent: no", "这工人很好", "none"},
		{"zh 把 fronts the object", "把钱退回来", "refund"},
		{"zh-Hant 把 fronts the object", "能把貨發了嗎", "shipping"},
		{"zh 将 fronts two-character parts", "请将订单取消", "cancel"},
		{"zh 把 before a word of its own: no", "把工人叫来", "none"},
		{"zh topic, then who wants", "这个货我想退", "refund"},
		{"zh too far apart: no", "营业执照上写的时间", "none"},
	})
}

// A verb-object keyword whose object is goods or money (退款, 发货) is
// asked about by its verb alone, framed by a modal or a particle; the verb
// inside another word, alone, or refused is not it.
func TestChineseVerbWithoutObject(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"zh 能退吗", "能退吗", "refund"},
		{"zh 这个可以退吗", "这个可以退吗？", "refund"},
		{"zh 退得了吗", "退得了吗", "refund"},
		{"zh 还没退", "钱还没退", "refund"},
		{"zh 我想退", "我想退", "refund"},
		{"zh 发了吗", "发了吗", "shipping"},
		{"zh 什么时候发", "什么时候发", "shipping"},
		{"zh-Hant 可以退嗎", "可以退嗎", "refund"},
		{"zh 发票: not a verb and its object", "发票开了吗", "invoice"},
		{"zh 退出: another word", "我想退出", "none"},
		{"zh 发现: another word", "我发现了", "none"},
		{"zh a character alone", "钱，退", "none"},
		{"zh refused", "不用退了", "none"},
		{"zh 别", "别发了", "none"},
	})
	// The proximity switch turns it off; the families switch does not.
	runDecideCases(t, "matching: {proximity: false}\n"+moreRules, []decideCase{{"zh proximity off", "能退吗", "none"}})
	runDecideCases(t, "matching: {families: false}\n"+moreRules, []decideCase{{"zh families off", "能退吗", "refund"}})
}

// Taiwanese and Hong Kong words for shopping and support match the
// Mainland keywords they stand for.
func TestRegionalVocabulary(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"zh-Hant 超商取貨", "可以超商取貨嗎", "shipping"},
		{"zh-Hant 7-11取貨", "請問有提供7-11取貨嗎", "shipping"},
		{"zh-Hant 到貨", "到貨時間大概多久", "shipping"},
		{"zh-Hant 配送", "配送要多久", "shipping"},
		{"zh-Hant 詐騙", "這根本是詐騙吧", "complaint"},
		{"zh-Hant 專人", "可以找專人處理嗎", "human"},
		{"zh-Hant 客服時間", "客服時間是幾點到幾點", "hours"},
		{"zh-Hant 有營業", "假日有營業嗎", "hours"},
		{"zh-Hant 幾點開門", "你們幾點開門", "hours"},
		{"zh-Hant 取消訂購", "我想取消訂購", "cancel"},
		{"zh-Hant 包裹追蹤", "包裹追蹤在哪看", "shipping"},
		{"zh-Hant 拿到貨", "還沒拿到貨", "shipping"},
		{"zh-HK 碼數", "可以換碼數嗎", "exchange"},
		{"zh business licence is not opening hours", "营业执照在哪里看", "none"},
		{"zh 专业 is not 专人", "你们很专业", "none"},
	})
}

const glueRules = `
keywords:
  hours: ["when are you open", "часы работы"]
  shipping: ["where is my order", "где мой заказ", shipping, доставка]
  cost: ["ship to", "доставка в"]
rules:
  - id: hours
    keywords: [hours]
    reply: hours
  - id: shipping
    keywords: [shipping]
    reply: shipping
  - id: cost
    keywords: [cost]
    reply: cost
`

// Function words in multi-word keywords are glue: the other words must all
// be there, with one of the function words near; a keyword that is one word
// and a function word matches only with its words together.
func TestKeywordFunctionWords(t *testing.T) {
	runDecideCases(t, glueRules, []decideCase{
		{"en other auxiliary", "When will you be open again?", "hours"},
		{"en contraction", "Where's my order?", "shipping"},
		{"en all words apart", "Where exactly is my last order?", "shipping"},
		{"en no function word near: no", "when I open the box it is empty", "none"},
		{"en where without glue: no", "I know where to find the order form", "none"},
		{"en ship to together", "do you ship to Canada", "cost"},
		{"en ship ... to apart: no", "How long does shipping take to Germany?", "shipping"},
		{"ru где ... заказ with мой", "где же мой заказ", "shipping"},
		{"ru доставка в together", "доставка в Казань", "cost"},
		{"ru доставка ... в apart: no", "доставка идёт уже неделю в никуда", "shipping"},
	})
}

// Russian: a reflexive verb is another word than its base (вернусь, I'll
// come back, is not вернуть, give back), unless the family has one
// (пожалуюсь, пожаловаться); an unstressed first vowel is a typo like any
// other letter (аператор).
func TestRussianForms(t *testing.T) {
	runDecideCases(t, moreRules+`
families:
  - [вернуть, возвращать]
`, []decideCase{
		{"ru вернусь is not a refund", "Вернусь к этому вопросу позже", "none"},
		{"ru верните is", "верните деньги", "refund"},
		{"ru возвращать is", "как возвращать товар", "refund"},
		{"ru пожалуюсь", "Пожалуюсь в Роспотребнадзор, если не решите", "complaint"},
		{"ru жалуюсь", "жалуюсь на курьера", "complaint"},
		{"ru unstressed first vowel", "нужен аператор", "human"},
		{"ru other first letter: no", "нужен кператор", "none"},
		{"en first letter still required", "I need a xefund", "none"},
	})
}

// A refusal followed by "all is well" declines: the other keyword it names
// gets no answer; a refusal followed by a request still gets one.
func TestDeclining(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en size fits", "No need for a refund, the size fits after all", "none"},
		{"en asks the other", "No need for a refund, I want to exchange the size", "exchange"},
		{"en request the other", "no need to cancel order, send the invoice", "invoice"},
		{"en question mark asks", "No need for a refund, the size fits, invoice?", "invoice"},
		{"ru размер подошёл", "Возврат не нужен, размер подошёл", "none"},
		{"ru imperative asks", "Возврат не нужен, пришлите чек", "invoice"},
		{"zh 尺码合适", "不用退货了，尺码合适", "none"},
		{"zh request the other", "不用退款了，发票给我", "invoice"},
		{"zh-Hant 尺寸剛好", "不用退貨了，尺码剛好", "none"},
		{"zh no refusal: answers", "尺码合适吗", "exchange"},
	})
}

func TestRegionalVocabularyQuestions(t *testing.T) {
	runDecideCases(t, moreRules+`
  - id: hours2
    keywords: [上班时间]
    reply: hours
`, []decideCase{
		{"zh-Hant 什麼時候寄", "我的訂單什麼時候寄", "shipping"},
		{"zh 上班吗", "你们周六上班吗", "hours2"},
		{"zh 寄回 is not shipping", "可以寄回去吗", "none"},
		{"zh 上班 alone: no", "我在上班", "none"},
	})
}

// "Received" is about a delivery, "receipt" about a paper: a customer who
// has not received their order must not be told how invoices work.
func TestReceivedIsNotAReceipt(t *testing.T) {
	runDecideCases(t, `
rules:
  - id: invoice
    keywords: [receipt]
    reply: invoice
  - id: shipping
    keywords: [parcel]
    reply: shipping
`, []decideCase{
		{"received, nothing else", "I haven't received it yet", "none"},
		{"received the parcel", "I haven't received my parcel", "shipping"},
		{"a receipt", "can you send me the receipt", "invoice"},
		{"receipts", "I need receipts for both orders", "invoice"},
	})
}

// TestBareNegationStaysWithItsWord: the не or not of a keyword matched
// apart must stand right before the word it negates (or with yet/ещё
// between); a не that negates another word says nothing of the keyword.
func TestBareNegationStaysWithItsWord(t *testing.T) {
	const rules = `rules:
  - id: late
    keywords: ["не пришел заказ", "not arrived"]
    reply: "x"
`
	runDecideCases(t, rules, []decideCase{
		{"ru as written", "не пришел заказ", "late"},
		{"ru reordered", "заказ не пришел", "late"},
		{"ru with words between", "заказ так и не пришел", "late"},
		{"ru with ещё between", "заказ не ещё пришел", "late"},
		{"ru another word negated", "прислали не тот заказ, хотя он пришел вовремя", "none"},
		{"ru не after the word", "заказ пришел, не знаю что делать", "none"},
		{"en another word negated, close by", "not sure it arrived", "none"},
		{"en as written", "order not arrived", "late"},
		{"en not yet", "the order has not yet arrived", "late"},
		{"en a word between", "not the one that arrived", "none"},
	})
}

// TestChineseNoLonger: 不 right before a keyword and 了 after it is "no
// longer" (不退了), unless 要不 suggests it or 了吗 asks; 发出去 is shipping.
func TestChineseNoLonger(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"zh 不退款了", "不退款了，谢谢", "none"},
		{"zh 我不换货了", "我不换货了", "none"},
		{"zh-Hant 不退貨了", "算了我不退貨了", "none"},
		{"zh 不取消订单了, another keyword after", "不取消订单了，快递到哪了", "shipping"},
		{"zh 怎么还不发货: 不 alone asks", "怎么还不发货", "shipping"},
		{"zh 要不: suggests", "要不退款了吧", "refund"},
		{"zh 了吗: asks", "不发货了吗", "shipping"},
		{"zh 发出去 is 发货", "东西发出去了没", "shipping"},
		{"zh 发出 is 发货", "订单发出了吗", "shipping"},
		{"zh 发出去的 a message is not", "我发出去的消息没人回", "none"},
	})
}

// TestRussianDiminutives: посылочка is посылка, коробочкой коробка; a
// short word in -очка (точка) is its own.
func TestRussianDiminutives(t *testing.T) {
	const rules = `rules:
  - id: shipping
    keywords: [посылка, "коробка пришла", доставка]
    reply: x
  - id: point
    keywords: [точка выдачи]
    reply: y
`
	runDecideCases(t, rules, []decideCase{
		{"ru посылочка", "когда придет моя посылочка", "shipping"},
		{"ru посылочку", "жду посылочку уже неделю", "shipping"},
		{"ru коробочка", "коробочка пришла мятая", "shipping"},
		{"ru доставочка", "как там доставочка?", "shipping"},
		{"ru точка stays", "где ближайшая точка выдачи", "point"},
		{"ru a short word is not a diminutive", "поставьте точку", "none"},
	})
}

// TestAllIsWellCloses: a message that says all is well and asks nothing
// closes like thanks (no FAQ answer); one that still asks is answered.
func TestAllIsWellCloses(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en perfect", "Parcel received, everything is perfect", "none"},
		{"ru всё ок", "Посылка пришла, всё ок", "none"},
		{"ru в порядке", "посылка пришла, всё в порядке", "none"},
		{"zh 一切都好", "包裹收到了，一切都好", "none"},
		{"zh-Hant 沒問題 is not 問題", "包裹收到了，東西都沒問題", "none"},
		{"en still asks", "parcel arrived fine but the tracking was wrong", "shipping"},
		{"en ok, where", "ok, where is my parcel", "shipping"},
		{"ru a question", "посылка пришла, всё ок? где трек", "shipping"},
		{"zh 有问题", "包裹收到了，但是有问题", "shipping"},
		{"zh 不很好", "包裹不很好", "shipping"},
	})
}

// TestOtherSenses: a keyword's word followed by one that gives it another
// sense (return to, 人工智能, 取消关注) is no match, nor is the word that
// did it (追踪 in 取消追踪); the shop's sense stays (return it to you,
// return to sender, returns to the EU, 转人工).
func TestOtherSenses(t *testing.T) {
	const rules = `keywords:
  refund: [return, refund, 退货, возврат]
  human: [人工]
  cancel: [取消, cancel, отменить]
  shipping: [追踪]
rules:
  - {id: refund, keywords: [refund], reply: r}
  - {id: human, keywords: [human], reply: h}
  - {id: cancel, keywords: [cancel], reply: c}
  - {id: shipping, keywords: [shipping], reply: s}
`
	runDecideCases(t, rules, []decideCase{
		{"en return to: going back", "I'll return to this chat later", "none"},
		{"en returning to", "returning to my question later", "none"},
		{"en return it to you", "how do I return it to you", "refund"},
		{"en return to sender", "return to sender please", "refund"},
		{"en returns to the EU", "Returns to the EU, how?", "refund"},
		{"zh 人工智能", "人工智能推荐的这款真的好用", "none"},
		{"zh-Hant 人工甘味", "有沒有不含人工甘味劑的版本", "none"},
		{"zh 转人工", "转人工", "human"},
		{"zh 取消关注", "怎么取消关注公众号", "none"},
		{"zh-Hant 取消追蹤: 追蹤 too", "取消追蹤要怎麼做", "none"},
		{"zh 我要取消", "我要取消", "cancel"},
		{"zh 追踪 alone", "包裹追踪", "shipping"},
		{"en cancel the newsletter", "how do I cancel the newsletter", "none"},
		{"en cancel my membership", "cancel my membership please", "none"},
		{"en cancel my order", "cancel my order", "cancel"},
		{"ru отменить подписку", "как отменить подписку", "none"},
		{"ru отменить заказ", "как отменить заказ", "cancel"},
		{"zh 取消会员", "取消会员", "none"},
		{"en a function word, then to", "I'll return it to you", "refund"},
		{"en a cancelled flight", "My flight got cancelled, can the courier come on Friday?", "none"},
		{"en flight cancelled, order cancel asked", "my flight was cancelled so please cancel my order", "cancel"},
		{"zh 航班取消", "航班取消了，包裹能多放几天吗", "none"},
		{"zh 今天的会取消了", "今天的会取消了，可以在家等", "none"},
		{"zh 我会取消: will", "我会取消订单吗", "cancel"},
		{"ru отменили рейс", "Мне отменили рейс, заберу позже", "none"},
		{"zh 取消退货: a return called off", "我不想退货了，帮我取消退货申请", "none"},
		{"en cancel my refund request", "please cancel my refund request", "none"},
		{"ru отменить возврат", "как отменить возврат", "none"},
	})
}

// TestReportedDone: what the customer reports done gives way to what, after
// but, is still missing; without the report or the "still", nothing changes.
func TestReportedDone(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en came through, but no invoice", "The refund came through but I still don't have an invoice", "invoice"},
		{"ru пришли, а чек так и не", "Деньги за возврат пришли, а чек так и не прислали", "invoice"},
		{"zh 到账了，但是还没", "退款到账了，但是发票还没开", "invoice"},
		{"zh-Hant 入帳了，但是還沒", "退款已經入帳了，但是電子發票還沒寄給我", "invoice"},
		{"en parcel arrived, invoice missing", "parcel arrived but the invoice is missing", "invoice"},
		{"en no report: the first stays", "I want a refund but the invoice is missing", "refund"},
		{"en no keyword after", "the refund arrived but only half", "refund"},
		{"en nothing still missing", "the parcel arrived but where is my refund?", "refund"},
	})
}

// TestShortRussianStems: a short Snowball stem is not enough to make a
// word a member of a family: платье (a dress) shares "плат" with платить
// (to pay); платите, платить, заплатил are still payment.
func TestShortRussianStems(t *testing.T) {
	const rules = `rules:
  - {id: payment, keywords: [оплата], reply: p}
`
	runDecideCases(t, rules, []decideCase{
		{"ru платье", "какое красивое платье", "none"},
		{"ru платья", "платья из новой коллекции уже есть?", "none"},
		{"ru платить", "как платить картой", "payment"},
		{"ru платите", "платите при получении?", "payment"},
		{"ru заплатил", "я заплатил вчера", "payment"},
	})
}

// Cantonese grammar words are read as Mandarin ones: its negations refuse,
// its question words ask, its "already" (咗) and "have not" (冇) are the
// Mandarin ones; 唔该 is still thanks, and Mandarin's own 系 (联系) stays.
func TestCantonese(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"唔使 refuses", "唔使退錢啦，我留住用", "none"},
		{"唔要 refuses", "我唔要退貨喇", "none"},
		{"唔好 refuses a cancellation", "唔好取消訂單住", "none"},
		{"冇 is no: not received asks despite thanks", "多謝，我仲冇收到貨", "shipping"},
		{"咗未 asks whether shipped", "我啲嘢寄咗未呀", "shipping"},
		{"幾時 asks when", "唔該，幾時發貨？", "shipping"},
		{"唔該 alone is thanks", "唔該晒", "none"},
		{"唔該 then thanks for a delivery", "收到包裹喇，唔該晒", "none"},
		{"係咪 asks", "係咪可以退款", "refund"},
		{"联系 is not 系", "点样联系人工", "human"},
	})
}

// Thanks followed by a request is a request: a clause that starts with a
// request word, a Russian imperative, a Chinese request. Thanks for what
// was done, an apology, or a noun after a preposition that only ends like
// an imperative (на сайте) still close.
func TestThanksWithARequest(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en thanks, then send", "thanks, send me the invoice", "invoice"},
		{"en thanks then send, no comma", "thanks send me the invoice", "invoice"},
		{"ru thanks, then an imperative", "спасибо, пришлите чек", "invoice"},
		{"zh thanks, then 给我", "谢谢，发票给我", "invoice"},
		{"en thanks for help is no request", "thank you for your help with the invoice", "none"},
		{"zh thanks for checking is no request", "谢谢你帮我查到了物流", "none"},
		{"ru thanks and an apology", "спасибо, извините за беспокойство с доставкой", "none"},
		{"ru a noun after a preposition", "Спасибо, часы работы увидел на сайте", "none"},
		{"ru a greeting", "Здравствуйте, спасибо за быструю доставку", "none"},
	})
}

// Phrases that say all is well, or that nothing is needed any more, close
// a message when they end a clause and nothing else asks.
func TestAllIsWellPhrases(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en all good, no problems", "parcel arrived all good, no problems, dont need anything else", "none"},
		{"en nvm, found", "nvm found the tracking in my email", "none"},
		{"en found it", "the tracking link was in my spam folder, found it", "none"},
		{"ru не надо at the end", "ой всё, доставку нашла в почте, не надо", "none"},
		{"ru всё нормально", "посылка пришла, всё нормально", "none"},
		{"zh the problem is solved", "问题已经解决了，退款到账了，谢谢客服", "none"},
		{"zh not solved yet asks", "问题还没解决，退款呢", "refund"},
		{"en resolved", "the tracking link works now, resolved", "none"},
		{"en found it, not ending the clause", "found it broken in the parcel", "shipping"},
		{"en no problem, but a question", "no problem with the size, but where is my parcel", "shipping"},
		{"ru не надо, then an imperative", "отменять не надо, просто поменяйте размер", "exchange"},
		{"ru не надо before the keyword refuses it only", "не надо возврат, где посылка", "shipping"},
	})
}

// A keyword that only reports what the customer did (a verb in the past,
// in a clause that asks nothing) gives way to a keyword in a clause that
// asks; alone it still answers.
func TestReportedPastGivesWay(t *testing.T) {
	const rules = `
keywords:
  payment: [payment, pay, оплата, оплатить, 付款]
  shipping: [shipping, parcel, отправка, посылка, 发货, 到货]
  refund: [refund, возврат, 退货]
  cancel: [cancel, отменить, 不想要了]
rules:
  - {id: payment, keywords: [payment], reply: payment}
  - {id: cancel, keywords: [cancel], reply: cancel}
  - {id: shipping, keywords: [shipping], reply: shipping}
  - {id: refund, keywords: [refund], reply: refund}
`
	runDecideCases(t, rules, []decideCase{
		{"ru paid, then asks about shipping", "Заказала платье, оплатила сразу. Подскажите, его уже отправили или ещё нет?", "shipping"},
		{"en paid, then asks whether shipped", "I paid on Monday. Has it shipped yet?", "shipping"},
		{"en cancelled, then asks about the refund", "I cancelled the order yesterday, when will it be refunded?", "refund"},
		{"en a clause reporting the payment", "I paid by card yesterday and the payment went through fine. When will it ship?", "shipping"},
		{"zh a payment reported done, then asks", "我已经刷卡付款了，想请问什么时候会发货？", "shipping"},
		{"zh a verb alone outweighs no report", "我已经退了货，钱什么时候到", "refund"},
		{"zh no longer wanted, then asks how to return", "这个裤子不想要了，怎么退货", "refund"},
		{"zh no longer wanted, alone", "这个裤子我不想要了", "cancel"},
		{"en paid alone", "I paid twice for one order", "payment"},
		{"en paid, asked about", "I paid yesterday?", "payment"},
		{"en paid, then still a payment question", "I paid on Monday, can you check the payment?", "payment"},
	})
}

// Forms of прислать (to send) share Snowball's stem пришл with прийти (to
// come), but are none of its family: "пришлите чек по заказу" asks for a
// receipt, not whether the order came.
func TestSendIsNoArrival(t *testing.T) {
	const rules = `
keywords:
  shipping: ["придет заказ", посылка]
  invoice: [чек, счёт]
rules:
  - {id: shipping, keywords: [shipping], reply: shipping}
  - {id: invoice, keywords: [invoice], reply: invoice}
`
	runDecideCases(t, rules, []decideCase{
		{"пришлите", "Пришлите, пожалуйста, чек по заказу 10477", "invoice"},
		{"пришлёте", "когда пришлёте заказ", "none"},
		{"пришла is the family", "когда пришла бы посылка и заказ", "shipping"},
		{"пришёл is the family", "заказ так и не пришёл", "shipping"},
	})
}

func TestHanReported(t *testing.T) {
	tests := []struct {
		run, keyword string
		want         bool
	}{
		{"我已经刷卡付款了", "付款", true},
		{"昨天付过款", "付过款", true},
		{"我发了货", "发了货", true},
		{"已付款", "付款", true},
		{"刷卡付款刷不过", "付款", false}, // the card did not go through
		{"我想付款", "付款", false},
		{"付款不过是小事了", "付款", true}, // 了 still reports
	}
	for _, tt := range tests {
		b0 := strings.Index(tt.run, tt.keyword)
		if got := hanReported(tt.run, b0); got != tt.want {
			t.Errorf("hanReported(%q at %q) = %v, want %v", tt.run, tt.keyword, got, tt.want)
		}
	}
}

// What comes after an aside word (also, btw, кстати, 另外) where it starts
// a clause gives way to what the customer wrote first.
func TestAsidesGiveWay(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en also", "Can I get the next size? Also, the parcel box was lovely", "exchange"},
		{"en btw", "I need an invoice for order 5521, loved the parcel btw", "invoice"},
		{"ru кстати", "Хочу оформить возврат. Кстати, посылка пришла быстро", "refund"},
		{"ru и ещё", "Пришлите чек, пожалуйста. И ещё, какой у посылки трек?", "invoice"},
		{"zh 另外", "我要开发票，另外物流好慢", "invoice"},
		{"en an aside with nothing before", "Hi! Also, where is my parcel?", "shipping"},
		{"en also inside a clause", "the parcel never came and I also need the invoice", "shipping"},
	})
}

// A message that only reports what went well (done, or waited for), asks
// nothing and sounds positive gets no FAQ answer; a report of something
// gone wrong, or one that asks, does.
func TestReportsOnly(t *testing.T) {
	const rules = `
keywords:
  payment: [payment, charged, оплата, 付款]
  shipping: [shipping, parcel, посылка, 发货]
  order: [碎了, broken]
rules:
  - {id: payment, keywords: [payment], reply: payment}
  - {id: shipping, keywords: [shipping], reply: shipping}
  - {id: order, keywords: [order], reply: order}
`
	runDecideCases(t, rules, []decideCase{
		{"ru paid, waiting", "Оплата прошла, жду посылку 🙂", "none"},
		{"zh paid, waiting", "支付宝付款成功了，等发货就行", "none"},
		{"en paid, all good", "Payment went through and I got the confirmation email, so we're good", "none"},
		{"en charged twice is a problem", "I was charged twice", "payment"},
		{"zh broken, though the box is fine", "收到的杯子碎了一个，外包装倒是好好的", "order"},
		{"ru paid, but no parcel", "Оплата прошла, а посылки всё нет", "shipping"},
		{"en paid, then asks", "The payment went through 🙂. When will it ship?", "shipping"},
	})
}

// A retraction (never mind, неважно, 算了) takes back the keywords before
// it when nothing after it asks or names another keyword.
func TestRetractions(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"en wrong chat", "What are your opening hours... oops sorry, wrong chat", "none"},
		{"en never mind, found it", "Where is my parcel? Never mind, found it", "none"},
		{"ru неважно", "Можно оформить возврат? Хотя неважно, оставлю себе", "none"},
		{"ru шучу, вопросов нет", "Оператор, ты живой человек? Ладно, шучу, вопросов нет", "none"},
		{"zh 算了", "我想退款，算了", "none"},
		{"en never mind, then asks", "never mind, where is my parcel?", "shipping"},
		{"en never mind one thing, another wanted", "never mind the exchange, I want a refund", "refund"},
		{"en asks after the retraction", "I need an invoice, never mind, can you check my parcel?", "shipping"},
	})
}

// ничего (nothing) may stand between a Russian negation and its keyword,
// before it or after: "не нужно ничего отменять", "возвращать ничего не буду".
func TestNothingBridgesANegation(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"before", "Не нужно ничего отменять, я просто уточнила адрес", "none"},
		{"after", "Заказ пришёл, размер подошёл, возвращать ничего не буду. Спасибо!", "none"},
		{"nothing else refused", "ничего не работает, хочу возврат", "refund"},
	})
}

// The trace says why a keyword that was found does not answer: negated,
// reported done, after an aside, taken back; a report of what went well
// says so rather than calling itself thanks.
func TestSetAsideReasons(t *testing.T) {
	r, err := Parse("more.yaml", []byte(moreRules))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, rule, want string }{
		{"no need to refund", "refund", ReasonNegated},
		{"The refund came through but I still don't have an invoice", "refund", ReasonReportedDone},
		{"Can I get a bigger size? Also, the parcel box was lovely", "shipping", ReasonAfterAside},
		{"What are your opening hours... oops sorry, wrong chat", "hours", ReasonTakenBack},
		{"还没发货的话能帮我取消订单吗", "shipping", ReasonInCondition},
		{"Посылка пришла, жду чек 🙂", "shipping", ReasonReportsOnly},
		{"thanks, the parcel arrived", "shipping", ReasonThanks},
	}
	for _, tt := range tests {
		var got string
		for _, s := range r.Explain(chat.Event{Kind: chat.KindText, Text: tt.text}, chat.State{}, time.Time{}).Trace {
			if s.Rule == tt.rule {
				got = s.Reason
			}
		}
		if got != tt.want {
			t.Errorf("%q: %s's reason %q, want %q", tt.text, tt.rule, got, tt.want)
		}
	}
}

// A keyword in a condition (if, если, 的话) is the circumstance: another
// clause's keyword is what is asked for. Alone, it is still answered.
func TestConditions(t *testing.T) {
	// Shipping first in the file: without the condition it would win the tie.
	const rules = `
keywords:
  shipping: [发货, shipped, отправили, parcel]
  cancel: [取消, cancel, отменить]
rules:
  - {id: shipping, keywords: [shipping], reply: shipping}
  - {id: cancel, keywords: [cancel], reply: cancel}
`
	runDecideCases(t, rules, []decideCase{
		{"zh 的话", "还没发货的话能帮我取消吗？谢谢", "cancel"},
		{"ru если", "Если ещё не отправили, можно отменить?", "cancel"},
		{"en if", "If it hasn't shipped yet, can I cancel?", "cancel"},
		{"zh 如果, alone", "如果还没发货怎么办", "shipping"},
		{"en if, alone", "if my parcel is lost what happens", "shipping"},
	})
}

// More closings: 辛苦啦 thanks; "that's all" ends a report of a nice
// delivery; "return for more" is coming back.
func TestMoreClosings(t *testing.T) {
	runDecideCases(t, moreRules, []decideCase{
		{"zh 辛苦啦", "退款已经到账了，辛苦啦", "none"},
		{"en that's all", "lol the delivery guy was so nice, made my day. that's all 😄", "none"},
		{"en return for more", "Will definitely return for more, love the quality!", "none"},
		{"en return for a refund", "can I return it for a refund", "refund"},
	})
}
