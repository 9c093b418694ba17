package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Message types (DOMAIN.md D14). A message's type comes from the rule that
// acted on it when that rule says (`type:`, or a tag that is a type id),
// else from the built-in classifier: spam as matching sees it, cue words
// per type and language (extensible in the file under types:), the
// message's sentiment, and whether it asks something.

// insightFileYAML and insightRuleYAML are the file's and a rule's keys for
// types and sentiment, inlined into fileYAML and ruleYAML.
type insightFileYAML struct {
	// Types adds cue words to the classifier, per type and language:
	// {business: {en: [bulk price]}}.
	Types map[string]map[string][]str `yaml:"types"`
	// Sentiment adds words to the sentiment lexicons, per language, with
	// a valence from -4 to 4: {ru: {огонь: 2.5}}.
	Sentiment map[string]map[string]float64 `yaml:"sentiment"`
}

type insightRuleYAML struct {
	// Type is the type of the messages this rule acts on.
	Type str `yaml:"type"`
}

// typeCues are the built-in cue words, per type and language, written as
// people write them; they are put through matching's folding and stemming
// when the rules load, so other forms of a word count too.
var typeCues = map[chat.MessageType]map[string][]string{
	chat.TypeAfterSales: {
		"en": {"broken", "damaged", "defective", "faulty", "refund", "return", "exchange", "complaint", "complain",
			"wrong item", "wrong size", "missing", "not arrived", "never arrived", "hasn't arrived", "has not arrived",
			"still waiting", "delayed", "delay", "warranty", "repair", "replacement", "replace", "lost", "doesn't work",
			"not working", "stopped working", "scam", "fake", "cancel my order", "money back", "chargeback", "torn", "cracked"},
		"ru": {"сломан", "сломался", "сломалась", "брак", "бракованный", "возврат", "вернуть", "верните", "обмен", "обменять",
			"жалоба", "пожаловаться", "не пришла", "не пришел", "не пришло", "не дошла", "задержка", "гарантия", "ремонт",
			"замена", "заменить", "потерялась", "потеряли", "не работает", "перестал работать", "повреждена", "поврежден",
			"разбита", "разбит", "обман", "подделка", "деньги назад", "не тот размер", "не тот товар", "порвана", "треснул"},
		"zh": {"退货", "退款", "换货", "投诉", "坏了", "破损", "损坏", "质量问题", "少件", "漏发", "发错", "没收到", "还没到",
			"还没收到", "延迟", "保修", "维修", "售后", "取消订单", "假货", "不能用", "用不了", "退钱", "错发", "开裂", "丢件"},
	},
	chat.TypeBusiness: {
		"en": {"wholesale", "partnership", "partner", "cooperation", "cooperate", "collaborate", "collaboration",
			"distributor", "distribution", "reseller", "resell", "bulk order", "bulk price", "dropshipping", "affiliate",
			"sponsorship", "sponsor", "advertising", "advertise", "b2b", "supplier", "dealer", "franchise", "influencer",
			"commercial offer", "business proposal"},
		"ru": {"опт", "оптом", "оптовый", "оптовые", "сотрудничество", "сотрудничать", "партнерство", "партнер",
			"дистрибьютор", "дилер", "реклама", "рекламу", "поставщик", "франшиза", "спонсорство", "бартер",
			"коммерческое предложение", "блогер", "закупка"},
		"zh": {"合作", "批发", "代理", "加盟", "经销", "分销", "商务", "广告", "供应商", "团购", "大批量", "招商", "采购", "商家入驻"},
	},
	chat.TypePraise: {
		"en": {"great service", "love it", "love your", "awesome", "amazing", "excellent", "well done", "thank you so much",
			"recommend", "satisfied", "happy with", "best shop", "perfect", "good job", "fantastic", "wonderful", "great job",
			"keep it up", "feedback", "suggestion"},
		"ru": {"спасибо большое", "огромное спасибо", "отличный", "отлично", "рекомендую", "молодцы", "доволен", "довольна",
			"супер", "лучший", "прекрасно", "благодарю", "понравилось", "отзыв", "предложение по улучшению"},
		"zh": {"好评", "满意", "点赞", "很棒", "太棒", "推荐", "感谢", "给力", "五星", "不错", "喜欢", "建议", "反馈"},
	},
	chat.TypeChitchat: {
		"en": {"hi", "hello", "hey", "good morning", "good evening", "good afternoon", "how are you", "what's up", "bye",
			"lol", "haha", "ok", "okay", "who are you", "are you a bot", "are you human", "test", "yo"},
		"ru": {"привет", "здравствуйте", "добрый день", "добрый вечер", "доброе утро", "как дела", "пока", "ахах", "хаха",
			"ок", "ты бот", "вы бот", "тест", "алло"},
		"zh": {"你好", "您好", "在吗", "在不在", "早上好", "晚上好", "哈哈", "好的", "嗯", "拜拜", "再见", "你是机器人吗", "测试", "哈喽"},
	},
}

// cueOrder is the order in which cue types win when a message has cues of
// several: a complaint that mentions a partner is still a complaint.
var cueOrder = []chat.MessageType{chat.TypeAfterSales, chat.TypeBusiness, chat.TypePraise, chat.TypeChitchat}

// typeLexicon is the compiled cues: single words by match form, phrases
// and Chinese words searched in the match form.
type typeLexicon struct {
	words map[string]typeSet
	// phrases are Latin and Cyrillic phrases by their first word, checked
	// only where that word occurs; han are Chinese cues by their first
	// character, checked only where it occurs.
	phrases map[string][]typeCue
	han     map[rune][]typeCue
}

type typeCue struct {
	key  string
	set  typeSet
	word string // as written, for the reason
}

// typeSet is a set of cue types, a bit per position in cueOrder.
type typeSet uint8

func typeBit(t chat.MessageType) typeSet {
	for i, c := range cueOrder {
		if c == t {
			return 1 << i
		}
	}
	return 0
}

func (tl *typeLexicon) add(t chat.MessageType, word string) {
	k := formKey(word)
	bit := typeBit(t)
	switch {
	case k == "" || bit == 0:
	case isHanKey(k):
		r, _ := utf8.DecodeRuneInString(k)
		tl.han[r] = append(tl.han[r], typeCue{key: k, set: bit, word: word})
	case strings.Contains(k, " "):
		first, _, _ := strings.Cut(k, " ")
		tl.phrases[first] = append(tl.phrases[first], typeCue{key: k + " ", set: bit, word: word})
	default:
		tl.words[k] |= bit
	}
}

// buildTypes compiles the built-in cues and the file's additions.
func (c *compiler) buildTypes(f *insightFileYAML) *typeLexicon {
	tl := &typeLexicon{words: map[string]typeSet{}, phrases: map[string][]typeCue{}, han: map[rune][]typeCue{}}
	for _, t := range cueOrder {
		for _, lang := range []string{"en", "ru", "zh"} {
			for _, w := range typeCues[t][lang] {
				tl.add(t, w)
			}
		}
	}
	for _, name := range keys(f.Types) {
		t := chat.MessageType(name)
		if typeBit(t) == 0 {
			c.errs.add(0, 0, "types: %q cannot be given cue words: write one of after_sales, business, praise, chitchat (spam is what matching calls spam, inquiry what asks)%s",
				name, suggest(name, []string{"after_sales", "business", "praise", "chitchat"}))
			continue
		}
		for lang, words := range f.Types[name] {
			if !validLang(strings.ToLower(lang)) {
				c.errs.add(0, 0, "types.%s: %q is not a language code such as zh, ru or en", name, lang)
			}
			for _, w := range words {
				if formKey(w.Value) == "" {
					c.errs.add(w.Line, w.Col, "types.%s: %q has no letters or digits", name, w.Value)
					continue
				}
				tl.add(t, w.Value)
			}
		}
	}
	return tl
}

// buildMood compiles the sentiment lexicons with the file's additions.
func (c *compiler) buildMood(f *insightFileYAML) *moodLexicon {
	base, err := builtinMood()
	if err != nil {
		c.errs.add(0, 0, "%v", err)
		return &moodLexicon{}
	}
	for lang, words := range f.Sentiment {
		if !validLang(strings.ToLower(lang)) {
			c.errs.add(0, 0, "sentiment: %q is not a language code such as zh, ru or en", lang)
		}
		for w, v := range words {
			if v < -4 || v > 4 {
				c.errs.add(0, 0, "sentiment.%s: %q has valence %v; write a number from -4 (very negative) to 4 (very positive)", lang, w, v)
			}
		}
	}
	return base.with(f.Sentiment)
}

// ruleType reads a rule's type: its type: key, else the first tag that is
// a type id; "" when it says none.
func (c *compiler) ruleType(ry *ruleYAML, at string) chat.MessageType {
	if v := ry.Type.Value; v != "" {
		t := chat.MessageType(v)
		if !t.Valid() {
			ids := make([]string, len(chat.MessageTypes))
			for i, m := range chat.MessageTypes {
				ids[i] = string(m)
			}
			c.errs.add(ry.Type.Line, ry.Type.Col, "%stype %q is not one of %s%s", at, v, strings.Join(ids, ", "), suggest(v, ids))
			return ""
		}
		return t
	}
	for _, tag := range ry.Tag {
		if t := chat.MessageType(tag.Value); t.Valid() {
			return t
		}
	}
	return ""
}

// cuesFound are the cue types found in a message, and the first cue word
// of each (by position in cueOrder), for the reason.
type cuesFound struct {
	set typeSet
	why [4]string
}

func (c *cuesFound) note(b typeSet, word string) {
	for i := range cueOrder {
		if bit := typeSet(1) << i; b&bit != 0 && c.set&bit == 0 {
			c.set |= bit
			c.why[i] = word
		}
	}
}

// cueTypes finds the cue types of a message's match form.
func (tl *typeLexicon) cueTypes(form string) cuesFound {
	var c cuesFound
	// The match form is words between single spaces: each word starts
	// after a space.
	for i := 0; i < len(form); {
		if form[i] == ' ' {
			i++
			continue
		}
		end := strings.IndexByte(form[i:], ' ')
		if end < 0 {
			end = len(form) - i
		}
		w, rest := form[i:i+end], form[i:]
		if b, ok := tl.words[w]; ok {
			c.note(b, w)
		}
		for _, p := range tl.phrases[w] {
			if strings.HasPrefix(rest, p.key) || len(rest)+1 == len(p.key) && strings.HasPrefix(p.key, rest) {
				c.note(p.set, p.word)
			}
		}
		if isHanKey(w) {
			for j, r := range w {
				for _, p := range tl.han[r] {
					if strings.HasPrefix(w[j:], p.key) {
						c.note(p.set, p.word)
					}
				}
			}
		}
		i += end
	}
	return c
}

// classify decides the classifier's type of the message being decided,
// before any rule acts on it (what `when` reads as type), and why.
func (sc *scratch) classify(r *Rules, ev chat.Event) (chat.MessageType, string) {
	switch {
	case ev.Kind == chat.KindCommand:
		return chat.TypeChitchat, "a bot command"
	case ev.Kind == chat.KindCallback:
		return chat.TypeInquiry, "a button press"
	case ev.Kind != chat.KindText && strings.TrimSpace(ev.Text) == "":
		return chat.TypeInquiry, fmt.Sprintf("a %s without text", ev.Kind)
	case sc.spam():
		return chat.TypeSpam, "spam words or links"
	}
	found := r.types.cueTypes(sc.form)
	set, why := found.set, found.why
	asks := sc.toks.question || sc.cues&(cueAsking|cueWh|cueRequest) != 0
	if set&typeBit(chat.TypeAfterSales) != 0 {
		return chat.TypeAfterSales, fmt.Sprintf("after-sales cue %q", why[0])
	}
	if set&typeBit(chat.TypeBusiness) != 0 {
		return chat.TypeBusiness, fmt.Sprintf("business cue %q", why[1])
	}
	if sc.mood <= -complaintScore {
		return chat.TypeAfterSales, fmt.Sprintf("sounds like a complaint (sentiment %.2f)", sc.mood)
	}
	if !asks && sc.mood >= 0 && set&typeBit(chat.TypePraise) != 0 {
		return chat.TypePraise, fmt.Sprintf("praise cue %q", why[2])
	}
	if !asks && sc.closing() && sc.cues&cueThanks != 0 {
		// Only thanks: "ok" or "всё в порядке" alone is no praise.
		return chat.TypePraise, "thanks or a goodbye"
	}
	if asks {
		return chat.TypeInquiry, "asks or requests something"
	}
	words := 0
	for range strings.FieldsSeq(sc.form) {
		words++
	}
	if set&typeBit(chat.TypeChitchat) != 0 && words <= 6 {
		return chat.TypeChitchat, fmt.Sprintf("chit-chat cue %q", why[3])
	}
	if words <= 1 && !isHanKey(strings.TrimSpace(sc.form)) || sc.form == "" {
		return chat.TypeChitchat, "too short to ask anything"
	}
	return chat.TypeInquiry, "a statement about the customer's case"
}

// complaintScore is how negative a message with no cue must sound to be
// taken as a complaint.
const complaintScore = 0.3

// settleType is the message's type once the rules have acted: the first
// acting rule's own type, if it says one, else the classifier's; spam
// ignored by a rule is spam.
func (r *Rules) settleType(d *Decision, classified chat.MessageType, why string) {
	d.Insight.Type, d.TypeReason = classified, why
	for _, a := range d.Actions {
		if a.Type == chat.ActionIgnore {
			d.Insight.Type, d.TypeReason = chat.TypeSpam, fmt.Sprintf("rule %q ignores it", a.Rule)
		}
		if i, ok := r.byID[a.Rule]; ok && r.rules[i].msgType != "" {
			d.Insight.Type, d.TypeReason = r.rules[i].msgType, fmt.Sprintf("rule %q says type: %s", a.Rule, r.rules[i].msgType)
			return
		}
	}
}
