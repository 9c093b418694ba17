package rules

import "testing"

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
		{"ru посылки нет without thanks asks", "посылки нет", "shipping"},
		{"zh thanks, no complaint meant", "谢谢你们，没有投诉的意思", "none"},
		{"zh thanks for checking the parcel", "拜拜，谢谢帮我查包裹", "none"},
		{"zh-Hant bye and thanks", "掰掰，謝謝幫我查包裹", "none"},
		{"zh-Hant thanks, the real person was kind", "謝謝，真人客服很親切", "none"},
		{"zh thanks but asks", "谢谢，请帮我查包裹", "shipping"},
		{"zh 没有物流 without thanks asks", "没有物流信息", "shipping"},
	})
}
