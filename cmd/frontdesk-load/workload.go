package main

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
)

// kind is what an update is for, and so what the rules must do with it.
type kind uint8

const (
	kindFAQ     kind = iota // a question the rules answer once
	kindHandoff             // a new customer asking for a person: one reply, and a team notice
	kindSpam                // a link: recorded, never answered
	kindRetry               // an update posted again, as Telegram does: answered at most once in all
)

func (k kind) String() string {
	return [...]string{"faq", "handoff", "spam", "retry"}[k]
}

// expectsReply says whether the first delivery of an update of this kind
// must be answered exactly once.
func (k kind) expectsReply() bool { return k == kindFAQ || k == kindHandoff }

// update is one webhook delivery of the workload.
type update struct {
	// Msg numbers the customer's message; the customer's first_name is
	// "m<Msg>" and every reply of loadRules carries it back. A retry repeats
	// the number (and the whole body) of the update it repeats.
	Msg      int
	UpdateID int64
	ChatID   int64
	Kind     kind
	Body     []byte
}

// loadRules is the rules file the tool gives the service. Every reply ends
// in "[{{name}}]", so the fake Bot API can tell which message a reply
// answers. The keywords are the vocabulary of faqTexts; TestWorkloadTexts
// decides every text of the workload against these rules.
const loadRules = `# Written by frontdesk-load: each reply names the message it answers.
default_language: en
languages: [zh, ru, en]

handoff_reply:
  zh: "已为您转接人工客服，请稍候。[{{name}}]"
  ru: "Передаю ваш вопрос коллеге, он скоро ответит. [{{name}}]"
  en: "A colleague will answer you shortly. [{{name}}]"

keywords:
  shipping: [发货, 物流, 快递, shipping, delivery, "where is my order", доставка, посылка, "где мой заказ"]
  refund: [退款, 退货, 退钱, refund, "money back", возврат, "вернуть деньги"]
  hours: [营业时间, 几点上班, "opening hours", "when are you open", "часы работы", "когда работаете"]
  payment: [付款, 支付, payment, "pay by card", оплата, "оплатить картой"]
  discount: [优惠, 折扣, discount, "promo code", coupon, скидка, промокод]
  warranty: [保修, 坏了, warranty, broken, гарантия, сломался]
  human: [人工, 真人, human, "real person", оператор, "живой человек"]

rules:
  - id: spam
    when: links > 0
    ignore: true
  - id: human
    keywords: [human]
    handoff: {team: support}
  - id: shipping
    keywords: [shipping]
    reply:
      zh: "订单付款后48小时内发货。[{{name}}]"
      ru: "Отправляем в течение 48 часов после оплаты. [{{name}}]"
      en: "Orders ship within 48 hours of payment. [{{name}}]"
  - id: refund
    keywords: [refund]
    reply:
      zh: "签收后7天内可申请退款。[{{name}}]"
      ru: "Оформить возврат можно в течение 7 дней. [{{name}}]"
      en: "You can ask for a refund within 7 days of delivery. [{{name}}]"
  - id: hours
    keywords: [hours]
    reply:
      zh: "客服时间：周一至周五 9:00–18:00。[{{name}}]"
      ru: "Мы работаем пн–пт с 9:00 до 18:00. [{{name}}]"
      en: "We are here Monday to Friday, 9:00–18:00. [{{name}}]"
  - id: payment
    keywords: [payment]
    reply:
      zh: "支持银行卡和支付宝。[{{name}}]"
      ru: "Принимаем карты и СБП. [{{name}}]"
      en: "We take cards and bank transfers. [{{name}}]"
  - id: discount
    keywords: [discount]
    reply:
      zh: "新用户首单九折。[{{name}}]"
      ru: "Новым покупателям скидка 10% на первый заказ. [{{name}}]"
      en: "New customers get 10% off their first order. [{{name}}]"
  - id: warranty
    keywords: [warranty]
    reply:
      zh: "所有商品保修一年。[{{name}}]"
      ru: "На все товары действует гарантия год. [{{name}}]"
      en: "Everything we sell has a one-year warranty. [{{name}}]"

tests:
  - {text: "cheap followers http://spam.example", hits: [spam]}
  - {text: "I want a human", hits: [human]}
  - {text: "где мой заказ?", hits: [shipping]}
  - {text: "我想退款", hits: [refund]}
  - {text: "when are you open?", hits: [hours]}
  - {text: "можно оплатить картой?", hits: [payment]}
  - {text: "有优惠吗", hits: [discount]}
  - {text: "my kettle is broken", hits: [warranty]}
`

// topics are the FAQ rules of loadRules, in the order faqTexts lists them.
var topics = []string{"shipping", "refund", "hours", "payment", "discount", "warranty"}

var languages = []string{"zh", "ru", "en"}

// faqTexts[topic][language] are ways customers ask; each matches only its
// topic's rule.
var faqTexts = [][3][]string{
	{ // shipping
		{"我的快递到哪了？", "什么时候发货", "物流信息一直没更新"},
		{"где мой заказ?", "сколько идёт доставка?", "посылка так и не пришла"},
		{"where is my order?", "how long does shipping take?", "any news on the delivery?"},
	},
	{ // refund
		{"我想退款", "怎么退货", "可以退钱吗"},
		{"хочу оформить возврат", "как вернуть деньги?", "возврат товара"},
		{"I want a refund", "can I get my money back?", "how do refunds work?"},
	},
	{ // hours
		{"你们的营业时间是？", "几点上班", "周末营业时间"},
		{"какие у вас часы работы?", "когда работаете?", "часы работы в субботу"},
		{"what are your opening hours?", "when are you open?", "opening hours on Sunday?"},
	},
	{ // payment
		{"可以用信用卡付款吗", "支付失败了", "怎么付款"},
		{"как проходит оплата?", "можно оплатить картой?", "оплата не прошла"},
		{"which payment methods do you take?", "can I pay by card?", "my payment failed"},
	},
	{ // discount
		{"有优惠吗", "有没有折扣", "优惠券怎么用"},
		{"есть скидка?", "где ввести промокод?", "скидка для новых покупателей"},
		{"is there a discount?", "where do I enter a promo code?", "my coupon does not work"},
	},
	{ // warranty
		{"耳机坏了怎么办", "保修多久", "手机坏了能修吗"},
		{"какая гарантия?", "телефон сломался", "гарантия на наушники"},
		{"is there a warranty?", "my kettle is broken", "what does the warranty cover?"},
	},
}

// mixedTexts[topic] mix scripts, as people do; the keyword decides the topic.
var mixedTexts = [][]string{
	{"hello, 我的快递 still not here", "где мой заказ? 订单 5521"},
	{"can I get a 退款 for this?", "хочу refund, please"},
	{"你们的 opening hours 是什么?", "привет, 营业时间?"},
	{"可以 pay by card 吗?", "оплата 失败了"},
	{"есть promo code на 双十一?", "有 discount 吗"},
	{"my phone 坏了, help", "гарантия for 耳机?"},
}

var handoffTexts = [3][]string{
	{"转人工", "我要人工客服", "找真人聊聊"},
	{"позовите оператора", "хочу поговорить с оператором", "нужен живой человек"},
	{"I want a human", "can I talk to a real person?", "human please"},
}

var spamTexts = []string{
	"cheap followers http://spam.example",
	"Заработок от 5000 в день https://spam.example/ru",
	"兼职日结 http://spam.example/zh",
	"free crypto giveaway https://spam.example/win",
}

// Shares of the workload, in percent.
const (
	shareFAQ     = 70
	shareHandoff = 10
	shareSpam    = 10
	// the rest, 10, are platform retries

	// mixedShare is the percentage of FAQ questions written in mixed scripts.
	mixedShare = 10
	// retryWindow is how far back a platform retry reaches: Telegram
	// retries an update it got no timely 200 for, so a recent one.
	retryWindow = 64
)

// customer is someone in an ongoing FAQ conversation.
type customer struct {
	chat   int64
	lang   int
	order  []int // topics in the order they ask them: never the same twice
	want   int   // questions before they leave
	next   int   // index into order
	msgIDs int64 // the chat's message_id counter
}

// workload generates the update stream. It is deterministic for a seed and
// id base, and not safe for concurrent use.
type workload struct {
	rng      *rand.Rand
	updateID int64 // the next message's update_id
	chatID   int64 // the next customer's chat id
	msgs     int   // messages so far (retries excluded)
	active   []*customer
	recent   []update // ring of the last retryWindow first deliveries
}

// newWorkload keeps `customers` FAQ conversations going at once. Update ids
// start at idBase, chat ids at chatBase: fixed for a fresh database, fresh
// per run for a --target that remembers earlier runs.
func newWorkload(seed uint64, customers int, idBase, chatBase int64) *workload {
	w := &workload{
		rng:      rand.New(rand.NewPCG(seed, 0x6672_6f6e_7464_6573)),
		updateID: idBase,
		chatID:   chatBase,
	}
	for range max(customers, 1) {
		w.active = append(w.active, w.newCustomer())
	}
	return w
}

func (w *workload) newCustomer() *customer {
	c := &customer{chat: w.chatID, lang: w.rng.IntN(len(languages)), order: w.rng.Perm(len(topics))}
	c.want = 1 + w.rng.IntN(len(topics))
	w.chatID++
	return c
}

// next returns the next update; date is its Unix time (the message's send
// time on Telegram).
func (w *workload) next(date int64) update {
	r := w.rng.IntN(100)
	switch {
	case r < shareFAQ:
		return w.faq(date)
	case r < shareFAQ+shareHandoff:
		c := w.newCustomer()
		return w.message(c, kindHandoff, pick(w.rng, handoffTexts[c.lang]), date)
	case r < shareFAQ+shareHandoff+shareSpam:
		// Spam comes from throwaway accounts.
		c := w.newCustomer()
		return w.message(c, kindSpam, pick(w.rng, spamTexts), date)
	}
	if len(w.recent) == 0 {
		return w.faq(date)
	}
	u := w.recent[w.rng.IntN(len(w.recent))]
	u.Kind = kindRetry
	return u
}

func (w *workload) faq(date int64) update {
	i := w.rng.IntN(len(w.active))
	c := w.active[i]
	topic := c.order[c.next]
	c.next++
	if c.next == c.want {
		w.active[i] = w.newCustomer()
	}
	text := pick(w.rng, faqTexts[topic][c.lang])
	if w.rng.IntN(100) < mixedShare {
		text = pick(w.rng, mixedTexts[topic])
	}
	return w.message(c, kindFAQ, text, date)
}

func (w *workload) message(c *customer, k kind, text string, date int64) update {
	c.msgIDs++
	u := update{Msg: w.msgs, UpdateID: w.updateID, ChatID: c.chat, Kind: k}
	u.Body = telegramUpdate(u.UpdateID, c.msgIDs, date, c.chat, "m"+strconv.Itoa(u.Msg), languages[c.lang], text)
	w.msgs++
	w.updateID++
	if len(w.recent) < retryWindow {
		w.recent = append(w.recent, u)
	} else {
		w.recent[u.Msg%retryWindow] = u
	}
	return u
}

func pick(rng *rand.Rand, texts []string) string { return texts[rng.IntN(len(texts))] }

// The shape of a private-chat text message, as Telegram posts it.
type (
	tgUpdate struct {
		UpdateID int64     `json:"update_id"`
		Message  tgMessage `json:"message"`
	}
	tgMessage struct {
		MessageID int64  `json:"message_id"`
		Date      int64  `json:"date"`
		Text      string `json:"text"`
		Chat      tgChat `json:"chat"`
		From      tgUser `json:"from"`
	}
	tgChat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		FirstName string `json:"first_name,omitempty"`
	}
	tgUser struct {
		ID           int64  `json:"id"`
		IsBot        bool   `json:"is_bot"`
		FirstName    string `json:"first_name"`
		LanguageCode string `json:"language_code,omitempty"`
	}
)

func telegramUpdate(updateID, messageID, date, chat int64, name, lang, text string) []byte {
	b, err := json.Marshal(tgUpdate{UpdateID: updateID, Message: tgMessage{
		MessageID: messageID, Date: date, Text: text,
		Chat: tgChat{ID: chat, Type: "private", FirstName: name},
		From: tgUser{ID: chat, FirstName: name, LanguageCode: lang},
	}})
	if err != nil {
		panic(err) // only strings and integers: cannot fail
	}
	return b
}
