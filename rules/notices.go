package rules

import (
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// The customer's side of a handoff (issue 20): what they read when an agent
// joins or closes their conversation, the feedback questions, and when
// they are asked for a rating. The texts have built-in defaults in en, ru
// and zh; the file's notices: section replaces any of them per language.

// noticesYAML is the notices: section. Every text may use {{name}} and
// {{username}} (the customer's) and {{agent}} (the agent's display name).
type noticesYAML struct {
	Claimed        texts `yaml:"claimed"`
	Closed         texts `yaml:"closed"`
	SolvedQuestion texts `yaml:"solved_question"`
	Reopened       texts `yaml:"reopened"`
	CSATQuestion   texts `yaml:"csat_question"`
	CSATComment    texts `yaml:"csat_comment"`
	CSATThanks     texts `yaml:"csat_thanks"`
	// Yes and No label the buttons under solved_question.
	Yes texts `yaml:"yes"`
	No  texts `yaml:"no"`
}

// csatYAML is the csat: section.
type csatYAML struct {
	Ask            str `yaml:"ask"`             // after_solved (default), after_close, never
	CommentMinutes str `yaml:"comment_minutes"` // how long a rating's comment is awaited; 0: none asked
}

// Notice labels of the yes/no buttons, beside the chat.CustomerNotice texts.
const (
	noticeYes chat.CustomerNotice = "yes"
	noticeNo  chat.CustomerNotice = "no"
)

// defaultNotices are the texts a file that says nothing gets.
var defaultNotices = map[chat.CustomerNotice]map[string]string{
	chat.NoticeClaimed: {"en": "{{agent}} from support has joined the conversation.",
		"ru": "{{agent}} из поддержки подключился к разговору.", "zh": "客服{{agent}}已加入对话。"},
	chat.NoticeClosed: {"en": "Our colleague has closed this conversation. If you need anything else, just write.",
		"ru": "Коллега завершил этот разговор. Если понадобится что-то ещё, просто напишите.", "zh": "客服已结束本次对话。如有其他问题，请随时留言。"},
	chat.NoticeSolvedQuestion: {"en": "Was your question solved?", "ru": "Ваш вопрос решён?", "zh": "您的问题解决了吗？"},
	chat.NoticeReopened: {"en": "Sorry about that. A colleague will look at it again shortly.",
		"ru": "Жаль. Коллега скоро вернётся к вашему вопросу.", "zh": "很抱歉。同事会尽快再次为您处理。"},
	chat.NoticeCSATQuestion: {"en": "How would you rate our support? 1 is poor, 5 is excellent.",
		"ru": "Оцените, пожалуйста, нашу поддержку: 1 — плохо, 5 — отлично.", "zh": "请为我们的服务打分：1 分最差，5 分最好。"},
	chat.NoticeCSATComment: {"en": "Thank you! Anything you would like to add? Just write it in your next message.",
		"ru": "Спасибо! Хотите что-то добавить? Просто напишите следующим сообщением.", "zh": "谢谢！还有什么想补充的吗？直接发送下一条消息即可。"},
	chat.NoticeCSATThanks: {"en": "Thank you for your feedback!", "ru": "Спасибо за отзыв!", "zh": "感谢您的反馈！"},
	noticeYes:             {"en": "Yes", "ru": "Да", "zh": "是"},
	noticeNo:              {"en": "No", "ru": "Нет", "zh": "否"},
}

// noticeVars are the variables of a notice.
var noticeVars = []string{"name", "username", "agent"}

// CSAT says when customers are asked to rate a handled conversation.
type CSAT struct {
	Ask chat.CSATAsk
	// CommentFor is how long after a rating the customer's next message
	// is taken as its comment; zero asks for no comment.
	CommentFor time.Duration
}

// DefaultCSAT is what a file without csat: gets.
var DefaultCSAT = CSAT{Ask: chat.CSATAfterSolved, CommentFor: 10 * time.Minute}

// compileNotices checks the notices: and csat: sections.
func (c *compiler) compileNotices() {
	n := &c.f.Notices
	c.r.notices = map[chat.CustomerNotice]localized{}
	for _, t := range []struct {
		kind chat.CustomerNotice
		text texts
	}{{chat.NoticeClaimed, n.Claimed}, {chat.NoticeClosed, n.Closed}, {chat.NoticeSolvedQuestion, n.SolvedQuestion},
		{chat.NoticeReopened, n.Reopened}, {chat.NoticeCSATQuestion, n.CSATQuestion}, {chat.NoticeCSATComment, n.CSATComment},
		{chat.NoticeCSATThanks, n.CSATThanks}, {noticeYes, n.Yes}, {noticeNo, n.No}} {
		if !t.text.set() {
			continue
		}
		what := "notices: " + string(t.kind)
		c.r.notices[t.kind] = c.parseTexts(t.text, noticeVars, c.snippet, what)
		c.checkTranslations(t.text, what)
	}
	c.r.csat = DefaultCSAT
	cs := c.f.CSAT
	if v := cs.Ask.Value; v != "" {
		asks := make([]string, len(chat.CSATAsks))
		for i, a := range chat.CSATAsks {
			asks[i] = string(a)
		}
		if !contains(asks, v) {
			c.errs.add(cs.Ask.Line, cs.Ask.Col, "csat: ask %q is not one of %s%s", v, strings.Join(asks, ", "), suggest(v, asks))
		}
		c.r.csat.Ask = chat.CSATAsk(v)
	}
	if v := cs.CommentMinutes.Value; v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 || m > 24*60 {
			c.errs.add(cs.CommentMinutes.Line, cs.CommentMinutes.Col, "csat: comment_minutes %q is not a number of minutes from 0 (no comment asked) to 1440", v)
		}
		c.r.csat.CommentFor = time.Duration(m) * time.Minute
	}
}

// CSAT is when the file asks customers for a rating.
func (r *Rules) CSAT() CSAT { return r.csat }

// Notice renders a notice to the customer in lang (the conversation's
// language), with vars name, username and agent: the file's text in that
// language, else the built-in one, else the file's in its default
// language or without one.
func (r *Rules) Notice(kind chat.CustomerNotice, lang string, vars map[string]string) string {
	l := r.notices[kind]
	if v := l[lang]; len(v) > 0 {
		return v[0].fill(vars)
	}
	if _, ok := defaultNotices[kind][lang]; ok || len(l) == 0 {
		return DefaultNotice(kind, lang, vars)
	}
	for _, try := range []string{r.defaultLang, ""} {
		if v := l[try]; len(v) > 0 {
			return v[0].fill(vars)
		}
	}
	for _, k := range keys(l) {
		return l[k][0].fill(vars)
	}
	return DefaultNotice(kind, lang, vars)
}

// DefaultNotice is the built-in text of a notice in lang (en when it has
// none in lang), for deciders without a rules file.
func DefaultNotice(kind chat.CustomerNotice, lang string, vars map[string]string) string {
	texts := defaultNotices[kind]
	s, ok := texts[lang]
	if !ok {
		s = texts["en"]
	}
	t, problems := parseTemplate(s, lang, noticeVars, nil, nil)
	if len(problems) > 0 {
		return s
	}
	return t.fill(vars)
}

// YesNo are the labels of the solved_question buttons in lang.
func (r *Rules) YesNo(lang string, vars map[string]string) (yes, no string) {
	return r.Notice(noticeYes, lang, vars), r.Notice(noticeNo, lang, vars)
}

// HelpfulPrefix starts the data of the 👍/👎 buttons of a rule with
// ask_helpful: "helpful:up:refund", "helpful:down:refund".
const HelpfulPrefix = "helpful:"

// helpfulButtons are the 👍/👎 row under an answer of rule id.
func helpfulButtons(id string) []chat.Button {
	return []chat.Button{{Text: "👍", Data: HelpfulPrefix + "up:" + id}, {Text: "👎", Data: HelpfulPrefix + "down:" + id}}
}

// Offered reports whether a button press is genuine: its data is one of
// the buttons the bot sent under the message it names (st.Offered).
// Anyone can post a press with any data.
func Offered(st chat.State, ev chat.Event) bool { return offered(st.Offered, ev) }
