package rules

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// The built-in word lists that matching relies on, per language. They are
// data, not code, so a marketer can see them in the README and extend most
// of them in the rules file (families:, negations:, vocabulary:). Every
// entry is written as people write it; it is put through the same folding
// and stemming as messages when the rules load.

// defaultFamilies are words of one family that Snowball stemming leaves
// apart: irregular forms and verb/noun pairs. A keyword that is one of them
// also matches the others (reported as "family").
var defaultFamilies = [][]string{
	// English
	{"deliver", "delivery", "delivered", "delivering", "deliveries"},
	{"ship", "shipping", "shipment", "shipped", "shipments"},
	{"refund", "refunded", "refunding", "refundable"},
	{"return", "returned", "returning", "returns"},
	{"cancel", "cancellation", "cancelled", "canceled", "cancelling", "canceling"},
	{"pay", "paid", "payment", "payments", "paying"},
	{"buy", "bought", "purchase", "purchased"},
	{"send", "sent"},
	// Not "receipt": that is a paper (an invoice), while "I haven't received
	// my order" asks where a delivery is.
	{"receive", "received", "receiving"},
	{"arrive", "arrival", "arrived"},
	{"exchange", "exchanged", "exchanging"},
	{"track", "tracking", "tracked"},
	{"subscribe", "subscription", "subscribed", "unsubscribe"},
	{"discount", "discounted", "discounts"},
	{"invoice", "invoiced", "invoices", "invoicing"},
	{"complain", "complaint", "complaints", "complained"},
	{"open", "opening", "opened"},
	{"broke", "broken", "break", "breaks"},
	{"lose", "lost", "loss"},
	// Russian
	{"вернуть", "верните", "вернуть", "вернул", "вернули", "возврат", "возвращать", "возвращаю", "возвращение", "вернёте", "вернете"},
	{"доставить", "доставка", "доставят", "доставили", "доставлять", "доставляете", "доставку", "доставке"},
	{"отправить", "отправка", "отправите", "отправили", "отправлять", "отправляете", "отправление", "отправку", "отправят"},
	{"отменить", "отмена", "отмените", "отменить", "отменяю", "отменять", "отменили", "отмену"},
	{"оплатить", "оплата", "оплатил", "оплачивать", "оплачу", "оплату", "платить", "платёж", "платеж", "заплатил"},
	{"получить", "получение", "получил", "получила", "получу", "получать", "получили"},
	{"заказать", "заказ", "заказал", "заказала", "заказывать", "заказы"},
	{"обменять", "обмен", "обменяйте", "обменять", "поменять", "поменяйте"},
	{"купить", "покупка", "купил", "купила", "покупать"},
	{"отследить", "отслеживание", "отслеживать", "трек", "трекинг"},
	{"прийти", "пришёл", "пришел", "пришла", "пришло", "придёт", "придет", "приходит"},
	{"работать", "работаете", "работает", "работа"},
	{"жаловаться", "жалоба", "пожаловаться", "жалуюсь", "пожалуюсь", "пожалуемся", "жалуемся", "жалобу"},
	{"гарантия", "гарантийный", "гарантийного", "гарантийная", "гарантийке"},
	{"ремонт", "отремонтировать", "ремонтировать", "отремонтируйте", "починить", "почините", "починка"},
	{"заменить", "замена", "замените"},
	{"подписка", "подписаться", "подписался"},
	{"регистрация", "зарегистрироваться", "зарегистрировался"},
	{"войти", "вход", "зайти"},
	{"установить", "установка", "установите"},
	{"register", "registration", "registered", "signup"},
	{"login", "logged", "logging", "signin"},
	{"replace", "replacement", "replaced"},
	{"install", "installation", "installed", "installing"},
	{"warranty", "warranties", "guarantee", "guaranteed"},
}

// negationsBefore are the words that, just before a keyword (only words in
// negationBridges between, in the same clause), say the customer does not
// want it: "no need to cancel", "не хочу возврат", "不用退款". Bare "not",
// "не", 不 and 没(有) are deliberately left out: "my order has not arrived",
// "не пришла посылка" and 没收到货 are questions about the very thing the
// keyword names.
var negationsBefore = map[string][]string{
	"en": {"don't", "do not", "dont", "doesn't", "does not", "didn't want", "no need", "not need", "needn't",
		"no longer", "never mind", "nevermind", "not interested in", "not want", "without", "instead of",
		"rather than", "won't need", "not going to", "cancel my request for", "not a", "not an", "not asking", "not looking for",
		"isn't a", "is not a", "wasn't a", "wasn't going to", "wasnt going to", "was not going to", "not trying to", "not planning to", "not gonna"},
	"ru": {"не надо", "не нужно", "не нужен", "не нужна", "не хочу", "не хотим", "не буду", "не будем",
		"не стоит", "не собираюсь", "не требуется", "нет необходимости", "вместо", "не планирую", "не прошу", "без",
		"это не", "не про", "не по поводу", "не стану", "не станем", "не собирался", "не собиралась", "не пытаюсь", "не планировал", "не планировала"},
	"zh": {"不要", "不用", "不需要", "不想", "别", "无需", "不必", "没必要", "不打算", "用不着", "不需", "免得", "不是", "没有要", "没要", "没打算", "没想"},
}

// negationsAfter follow the keyword: "refund is not needed", "возврат не нужен", "退款不用了".
var negationsAfter = map[string][]string{
	"en": {"not needed", "not necessary", "no longer needed", "isn't needed", "is not needed", "not required"},
	"ru": {"не нужен", "не нужна", "не нужно", "не надо", "не требуется", "не актуален", "не актуально", "не актуальна", "уже не нужен", "отменяется",
		"не буду", "не будем", "не стану", "не станем", "не собираюсь", "не хочу"},
	"zh": {"不用了", "不需要了", "不要了", "算了", "就不用了", "不必了", "不用", "不需要"},
}

// noneBefore and noneAfter say there is none of a thing: "no complaints",
// "жалоб нет", 没有投诉. Alone they are often the question itself ("no
// tracking yet", "посылки нет", 没有物流信息), so they negate a keyword only
// in a message that thanks (see closing): "thank you, no complaints at all".
var noneBefore = []string{"no", "zero", "никаких", "никакой", "никакого", "ни одной", "没有", "无", "毫无"}
var noneAfter = []string{"нет", "не было", "none", "никаких"}

// ifWords open a condition: a keyword in it is the circumstance, not what
// is asked, when another clause names a keyword: "если ещё не отправили,
// отмените", 还没发货的话能帮我取消吗, "if it hasn't shipped yet, cancel it".
// Chinese ones start the run (如果) or end it (的话).
var ifWords = map[string][]string{
	"en": {"if", "unless"},
	"ru": {"если"},
	"zh": {"如果", "要是", "的话"},
}

// retractWords take back what was written before them: "What are your
// opening hours... oops sorry, wrong chat", "Сколько стоит доставка...
// хотя неважно, у меня и так больше 99 юаней", "I need to change the
// address — wait, never mind, it's correct". When nothing after the last
// of them asks or names a keyword, the keywords before it are not asked
// for.
var retractWords = map[string][]string{
	"en": {"never mind", "nevermind", "nvm", "forget it", "wrong chat", "just kidding", "jk", "scratch that", "ignore that"},
	"ru": {"неважно", "не важно", "шучу", "забудьте", "проехали", "не тот чат", "не туда написала", "не туда написал"},
	"zh": {"算了", "当我没说", "开玩笑的", "发错群了", "发错人了", "没事了"},
}

// waitWords say the customer is waiting for what comes next, which asks
// nothing by itself: "Оплата прошла, жду посылку 🙂", 付款成功了，等发货就行
// (see reportsOnly).
var waitWords = map[string][]string{
	"en": {"waiting", "wait", "await", "awaiting"},
	"ru": {"жду", "ждём", "ждем", "ожидаю", "подожду"},
	"zh": {"等"},
}

// asideWords open a second, lesser topic where they start a clause: "Can
// I swap the black one for the beige? Also loved the packaging btw",
// "…получить деньги? И ещё, есть ли у вас пробники?", 另外你们什么时候有特价.
// A keyword after one gives way to a keyword before it. btw and p.s. count
// anywhere.
var asideWords = map[string][]string{
	"en": {"also", "btw", "by the way", "one more thing", "another question", "oh and", "ps", "p s"},
	"ru": {"кстати", "и ещё", "и еще", "а ещё", "а еще", "ещё вопрос", "еще вопрос", "заодно"},
	"zh": {"另外", "顺便", "对了", "还有一个问题", "还有个问题"},
}

// asideAnywhere are the asideWords that need not start a clause.
var asideAnywhere = []string{"btw", "ps", "p s"}

// stillNoneWords say that what there is none of is still missing, which
// makes "no X" a question even in a message that thanks: "thanks, no
// tracking yet", "спасибо, посылки всё ещё нет", 谢谢，我还没有收到货 (the
// Chinese ones just before the none word).
var stillNoneWords = []string{"yet", "still", "ещё", "еще", "пока", "还", "仍", "仍然", "依然", "至今", "一直"}

// neededWords after a keyword that "no" stands before make a refusal of
// it in any message: "no refund needed", "no exchange necessary".
var neededWords = []string{"needed", "necessary", "required", "wanted"}

// otherSenses are words that, right after a one-word keyword, give it
// another sense than a shop's: "return to" is going back (but "return to
// sender", otherSensesKept), "cancel the newsletter" and "отменить
// подписку" are no order, 人工智能 is artificial intelligence, 取消关注 is
// unfollowing. One function word may stand between ("cancel my
// membership"). Traditional characters are folded when loading.
var otherSenses = map[string][]string{
	"return":   {"to", "more", "soon"},
	"cancel":   {"subscription", "newsletter", "membership", "notifications", "emails", "return", "refund"},
	"paid":     {"attention"},
	"pay":      {"attention"},
	"exchange": {"rate", "rates", "fee"},
	"отменить": {"подписку", "подписки", "подписка", "рассылку", "рейс", "тренировку", "тренировки", "встречу", "занятие", "возврат"},
	"отмена":   {"рейса", "тренировки", "встречи", "занятия"},
	"обмен":    {"валюты"},
	"人工":       {"智能", "合成", "甘味", "色素", "草坪", "降雨", "呼吸", "湖"},
	"取消":       {"关注", "追蹤", "追踪", "订阅", "訂閱", "点赞", "收藏", "置顶", "静音", "会员", "自动续费", "退货", "退款"},
}

// otherSensesBefore give a one-word keyword another sense from just before
// it (one auxiliary may stand between, as in "my flight got cancelled"): a
// cancelled flight or meeting is no cancelled order (航班取消, 今天的会取消了).
var otherSensesBefore = map[string][]string{
	"cancel": {"flight", "meeting", "class", "appointment", "event", "train", "concert"},
	"取消":     {"航班", "会议", "的会", "课程", "活动", "预约", "演唱会"},
}

// otherSensesKept keep the shop's sense after all: "return to sender".
var otherSensesKept = []string{"sender"}

// reportedDone: a message that reports one thing done (doneWords), then,
// after but (butWords), asks about another still missing (stillWords):
// "the refund came through, but I still don't have an invoice" asks for the
// invoice, not the refund.
var (
	butWords = map[string][]string{
		"en": {"but", "however", "though"},
		"ru": {"но", "однако", "а"},
		"zh": {"但是", "但", "可是", "不过", "却"},
	}
	doneWords = map[string][]string{
		"en": {"came", "arrived", "received", "got", "through"},
		"ru": {"пришли", "пришел", "пришла", "пришло", "вернули", "получил", "получила", "получили", "зачислили"},
		"zh": {"到账", "到帐", "收到了", "入账", "入帐", "已经收到", "已收到"},
	}
	stillWords = map[string][]string{
		"en": {"still", "yet", "missing", "haven't", "hasn't", "didn't", "don't", "never"},
		"ru": {"не", "нет", "ещё"},
		"zh": {"还没", "没有", "未", "没"},
	}
)

// notWords are the bare negations, which negate a keyword only when
// just/only/просто and another keyword follow (see notBefore).
var notWords = []string{"not", "не"}

// notGaps may stand between a bare negation and the word it negates: "not
// yet arrived", "не совсем подошел".
var notGaps = []string{"yet", "even", "really", "ещё", "совсем", "всё"}

// contrastWords follow a refusal with what is wanted instead: after one of
// them, "no X" before it is a refusal too ("no complaint, just want the
// tracking link", "никаких жалоб, просто подскажите", 没有投诉，只是想问).
var contrastWords = map[string][]string{
	"en": {"just", "only", "merely", "simply"},
	"ru": {"просто", "только", "лишь"},
	"zh": {"只是", "只想", "只要", "就想"},
}

// requestWords ask for something without a question word: after a refusal
// ("no need to cancel, send the invoice") they keep the message a request.
// Russian imperatives (пришлите, дайте) are recognised by their ending.
var requestWords = map[string][]string{
	"en": {"send", "give", "show", "check", "help", "email", "provide", "let", "change", "get", "like", "prefer", "instead"},
	"ru": {"хотел", "хотела", "хотелось", "нужен", "нужна", "нужны", "прошу", "лучше"},
	"zh": {"给我", "帮我", "麻烦", "我要", "我想", "改成", "换成"},
}

// wellWords say all is well and close a message as thanks do, when
// nothing in it asks: "received my order, everything is perfect",
// "посылка пришла, всё ок", 包裹收到了，一切都好. "Fits" is not one: "doesn't
// fit" asks for an exchange.
var wellWords = map[string][]string{
	"en": {"perfect", "perfectly", "fine", "okay", "ok", "nvm", "nevermind"},
	"ru": {"ок", "окей", "отлично", "идеально", "норм", "порядке"},
	"zh": {"一切都好", "都好", "一切正常", "没问题", "挺好的", "很好", "问题已经解决", "问题解决了", "已经解决了", "都解决了"},
}

// wellPhrases say all is well, or that the customer needs nothing any
// more, as wellWords do, when they end a clause: "all good", "no
// problems", "found it", "nvm", "не надо", "всё нормально". Their own
// words (problem, не, надо) then ask nothing.
var wellPhrases = map[string][]string{
	"en": {"all good", "all fine", "all set", "all sorted", "sorted", "no problem", "no problems", "no issue", "no issues",
		"no worries", "never mind", "found it", "resolved", "all resolved", "that's all", "that is all", "figured it out", "nothing else", "no need",
		"don't need anything", "dont need anything", "do not need anything", "don't need anything else", "dont need anything else"},
	"ru": {"не надо", "уже не надо", "не нужно", "уже не нужно", "больше не нужно", "ничего не надо", "ничего не нужно",
		"всё хорошо", "все хорошо", "всё нормально", "все нормально", "всё в порядке", "все в порядке", "нет проблем",
		"без проблем", "проблем нет", "вопросов нет", "нет вопросов", "вопрос снят", "вопрос решён", "вопрос решен", "нашла", "нашёл", "нашел",
		"разобралась", "разобрался", "проехали", "неактуально", "уже неактуально", "всё решилось", "все решилось", "решено"},
}

// contentWords say that all is well. After a refusal they make the
// message a declining one ("no need for a refund, the size fits"), which
// gets no FAQ answer although it names something else.
var contentWords = map[string][]string{
	"en": {"fits", "fit", "fine", "perfect", "works", "happy", "satisfied", "okay"},
	"ru": {"подошло", "подошёл", "подошел", "подошла", "подходит", "нормально", "устраивает", "годится", "отлично"},
	"zh": {"合适", "合身", "刚好", "正好", "没问题", "挺好", "满意"},
}

// negationBridges may stand between a negation and its keyword: "don't
// WANT A refund", "не хочу ОФОРМЛЯТЬ возврат", "不用帮我退款".
var negationBridges = map[string][]string{
	"en": {"want", "wanna", "need", "to", "a", "an", "the", "my", "any", "your", "this", "that", "it", "for", "me", "us", "request", "make", "ask", "about", "anymore", "is", "are", "was", "more", "really", "actually", "even", "at", "all"},
	"ru": {"хочу", "нужно", "надо", "мне", "нам", "это", "этот", "эту", "его", "её", "ее", "их", "уже", "больше", "пока", "делать", "оформлять", "оформить", "просить", "никакой", "никаких", "никакого", "мой", "мою", "мои", "мне", "вам", "делать", "ничего"},
	"zh": {"帮我", "给我", "我", "再", "去", "了", "给", "申请", "办理", "进行", "要", "帮", "就", "也", "是", "先", "暂时", "还是", "都"},
}

// thanksWords make a message a thank-you or a goodbye when nothing in it
// asks for anything (see closingSignals).
var thanksWords = map[string][]string{
	"en": {"thanks", "thank", "thx", "thanx", "ty", "appreciate", "appreciated", "cheers", "bye", "goodbye", "grateful"},
	"ru": {"спасибо", "спс", "благодарю", "благодарим", "благодарна", "благодарен", "свидания", "спасибочки", "благодарность"},
	"zh": {"谢谢", "感谢", "多谢", "谢了", "再见", "拜拜", "辛苦了", "辛苦啦", "辛苦你们", "辛苦您", "谢啦", "掰掰", "感恩", "唔该", "谢谢啦", "感激"},
}

// askingWords show that a message still asks for something, so thanks in it
// are politeness, not a closing: "thanks, but where is my parcel?".
var askingWords = map[string][]string{
	"en": {"can", "could", "would", "please", "want", "need", "tell", "know",
		"still", "but", "however", "yet", "wrong", "problem", "issue", "broken", "missing", "haven't", "hasn't", "didn't", "not"},
	"ru": {"можно", "могу", "ли", "пожалуйста", "хочу", "нужно", "надо", "скажите",
		"помогите", "но", "однако", "ещё", "еще", "до сих пор", "не", "нет", "проблема", "сломан", "сломался", "подскажите"},
	"zh": {"吗", "呢", "怎么", "什么", "哪", "几", "多久", "能不能", "可以", "请", "想", "要", "帮", "但", "还没", "为什么",
		"如何", "是否", "没", "不", "问题", "坏", "麻烦"},
}

// whWords ask only where a clause starts, or in a message with a question
// mark: "where is it" asks, "thanks to the agent who helped me" does not.
var whWords = map[string][]string{
	"en": {"where", "when", "how", "what", "why", "which", "who"},
	"ru": {"где", "когда", "как", "почему", "что", "зачем", "куда", "сколько"},
}

// spamWords are what link farms and "cheap invoices" offers say; two of
// them, or one with a link, make a message spam, which no FAQ answers.
var spamWords = map[string][]string{
	"en": {"casino", "crypto", "bitcoin", "viagra", "earn", "income", "loan", "followers", "betting", "forex", "airdrop",
		"cheap", "promo", "click", "investment", "profit", "whatsapp", "subscribe", "usdt", "nft", "giveaway", "promote"},
	"ru": {"казино", "крипта", "криптовалюта", "заработок", "заработать", "доход", "кредит", "ставки", "подписчики",
		"инвестиции", "прибыль", "дешево", "дёшево", "переходи", "подписывайтесь", "обналичка", "вложений", "вложения", "пассивный"},
	"zh": {"加微信", "加v", "代开发票", "开发票", "兼职", "刷单", "日赚", "博彩", "赌场", "贷款", "返利", "加我", "私聊", "代理", "赚钱",
		"娱乐城", "百家乐", "首存", "彩金", "加赖", "稳赚", "获利", "投资群", "代刷", "刷粉", "粉丝", "私讯", "虚拟货币", "加密货币", "币圈"},
}

// defaultVocabulary pairs words that differ between Mainland, Taiwan and
// Hong Kong usage, not only in characters (character folding already makes
// 運費 = 运费). A keyword containing one of a set also matches with the
// others in its place ("vocabulary" in the trace). Written as people write
// them; Traditional characters are folded when loading.
var defaultVocabulary = [][]string{
	{"包邮", "免运费", "免運費", "免运", "運費全免"},
	{"软件", "軟體", "软体"},
	{"信息", "訊息", "讯息", "資訊"},
	{"视频", "影片"},
	{"刷卡", "信用卡支付", "信用卡付款", "刷信用卡"},
	{"网络", "網路"},
	{"快递", "宅配", "速遞", "配送", "超商取貨", "店到店", "取貨", "黑貓"},
	{"发货", "出貨", "寄出", "寄送", "发出了", "发出去了", "什麼時候寄", "何時寄", "幾時寄", "寄了没", "寄了吗", "寄出了没"},
	{"优惠券", "折價券", "優惠卷", "折扣碼", "优惠码"},
	{"质量", "品質"},
	{"手机", "手機", "手提電話"},
	{"激活", "啟用", "開通"},
	{"默认", "預設"},
	{"退款", "退費"},
	{"便利店", "超商", "便利商店"},
	{"自提", "自取", "超商取貨"},
	{"下单", "下訂", "訂購"},
	{"短信", "簡訊"},
	{"邮箱", "電子郵件", "電郵"},
	{"链接", "連結"},
	{"充值", "儲值"},
	{"积分", "點數"},
	{"联系", "聯絡"},
	{"收货", "收件"},
	{"屏幕", "螢幕"},
	{"内存", "記憶體"},
	{"鼠标", "滑鼠"},
	{"打印", "列印"},
	{"数据", "資料"},
	{"程序", "程式"},
	{"登录", "登入"},
	{"账号", "帳號", "賬戶", "账户"},
	{"外卖", "外送"},
	{"出租车", "計程車", "的士"},
	{"售后", "售後服務"},
	{"客服", "客服人員"},
	{"货到付款", "到付", "貨到付款"},
	{"尺码", "尺寸", "碼數"},
	{"运费", "邮费", "郵資"},
	{"网购", "網拍"},
	{"营业时间", "營業時間", "辦公時間", "服務時間", "客服時間", "上班時間", "有營業", "營業嗎"},
	{"几点上班", "幾點營業", "幾點開門", "幾點上班"},
	{"上班时间", "有上班", "上班嗎"},
	{"人工客服", "真人客服", "專人", "客服人員"},
	{"人工", "專人", "真人"},
	{"物流", "貨運", "配送", "追蹤"},
	{"到哪了", "到哪裡了", "到哪裏了", "在哪裡了"},
	{"投诉", "客訴", "申訴"},
	{"差评", "負評"},
	{"骗子", "詐騙", "騙人", "騙局"},
	{"收到货", "到貨", "送達", "拿到貨"},
	{"取消订单", "取消訂購"},
	{"付款", "結帳", "結賬", "匯款", "轉帳"},
	{"保修", "保固", "質保", "保養"},
	{"无理由退货", "鑑賞期", "七天鑑賞期"},
	{"缺货", "沒貨", "斷貨"},
	{"补货", "補貨", "再進貨"},
	{"预售", "預購"},
	{"现货", "現貨", "有貨"},
	{"价格", "價錢", "售價"},
	{"多少钱", "幾多錢", "幾錢"},
	{"签收", "簽收", "收貨"},
	{"快递员", "宅配員", "送貨員", "外送員"},
	{"单号", "追蹤碼", "追蹤號碼", "貨運單號", "物流編號"},
	{"发票", "統一發票", "電子發票", "收據", "統編"},
	{"网购", "網上購物", "線上購物"},
	{"在线", "線上"},
	{"充电宝", "行動電源", "尿袋"},
	{"U盘", "隨身碟"},
	{"硬盘", "硬碟"},
	{"二维码", "QR碼", "條碼"},
	{"上门取件", "到府取件", "上門收件"},
	{"退换货", "退換貨", "退貨換貨"},
	{"客户", "顧客"},
	{"质量", "質素"},
	{"打折", "特價", "折扣"},
	{"支付宝", "支付寶"},
	{"短信", "短訊"},
	{"软件", "軟件"},
	{"网络", "網絡"},
}

// reflexiveStems are the stems of families with a reflexive verb
// (жаловаться): only they match a reflexive word. Вернусь (I'll come back)
// is not вернуть (give back), whatever the stemmer says.
var reflexiveStems = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, fam := range defaultFamilies {
		refl := false
		for _, w := range fam {
			refl = refl || reflexive(w)
		}
		if refl {
			for _, w := range fam {
				m[formKey(w)] = true
			}
		}
	}
	return m
})

// reflexive tells a Russian reflexive verb form: вернусь, вернуться.
func reflexive(w string) bool {
	return utf8.RuneCountInString(w) > 4 && (strings.HasSuffix(w, "ся") || strings.HasSuffix(w, "сь"))
}

// functionWords are the glue of multi-word keywords: pronouns,
// prepositions, articles and auxiliaries (see window in matcher.go).
var functionWords = []string{
	"a", "an", "the", "my", "your", "our", "me", "i", "you", "we", "it", "is", "are", "am", "was", "be", "do", "does",
	"to", "of", "for", "in", "on", "at", "by", "with", "from", "s",
	"мой", "моя", "моё", "мое", "мои", "мне", "я", "вы", "мы", "в", "на", "с", "к", "по", "за", "у", "о", "от", "для",
}

var functionWord = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, w := range functionWords {
		if k := formKey(w); k != "" {
			m[k] = true
		}
	}
	return m
})

// commonWords are everyday words one edit away from some keyword ("there"
// and "where", "older" and "order"): they are never read as typos.
var commonWords = []string{
	"there", "these", "those", "their", "other", "older", "under", "after", "never", "about", "where", "which",
	"while", "would", "could", "should", "still", "thing", "think", "today", "hello", "thanks", "please", "money",
	"month", "again", "first", "every", "great", "right", "night", "phone", "house", "paper", "place", "price",
	"prize", "order", "store", "share", "short", "shirt", "shoes", "sweet", "truck", "trick", "treat", "cancer",
	"return", "retune", "shopping", "shipping", "stopping", "tracing", "trading", "packing", "checking", "fund", "funds", "found", "sound", "round", "ground", "better", "letter", "matter",
	"спасибо", "здравствуйте", "когда", "сегодня", "завтра", "вчера", "сейчас", "потом", "тоже", "только",
	"можно", "нужно", "очень", "почему", "который", "которая", "сколько", "деньги", "товар", "товары",
	"работа", "работу", "вопрос", "ответ", "пожалуйста", "привет", "здравствуй",
	"change", "charge", "stuck", "stick", "stock", "logic", "pride", "prime", "place", "plane", "state", "start",
	"score", "stone", "store", "shape", "sport", "spent", "ready", "reply", "really", "reason", "recent", "remind",
	"обман", "обмен", "подпись", "подписка", "размен", "размер", "сегодня", "заказать", "указать", "показать",
}
