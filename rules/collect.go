package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Details before the wait (issue 20): a handoff rule may ask for up to
// chat.MaxDetails details first, one question at a time. Every step is
// decided here from the conversation's collection in the snapshot; the
// store keeps what the decision says.

// detailYAML is one entry of a rule's `collect:`.
type detailYAML struct {
	Name    str   `yaml:"name"`    // the customer attribute it fills
	Label   str   `yaml:"label"`   // how agents see it; from the name by default
	Ask     texts `yaml:"ask"`     // the question, one text or one per language
	Check   str   `yaml:"check"`   // order_number, email, phone, photo
	Pattern str   `yaml:"pattern"` // a regex the answer must match
	Retry   texts `yaml:"retry"`   // said when the answer does not fit; built in per check by default
	Line    int   `yaml:"-"`
	Col     int   `yaml:"-"`
}

var detailFields = []string{"name", "label", "ask", "check", "pattern", "retry"}

func (d *detailYAML) UnmarshalYAML(n *yaml.Node) error {
	type plain detailYAML
	if n.Kind != yaml.MappingNode {
		return posError(n.Line, n.Column, "a detail is a mapping such as {name: order, ask: {en: \"Your order number?\"}, check: order_number}")
	}
	if err := checkKeys(n, detailFields...); err != nil {
		return err
	}
	if err := checkDuplicates(n); err != nil {
		return err
	}
	if err := n.Decode((*plain)(d)); err != nil {
		return err
	}
	d.Line, d.Col = n.Line, n.Column
	return nil
}

// The built-in checks of a detail.
const (
	CheckOrderNumber = "order_number"
	CheckEmail       = "email"
	CheckPhone       = "phone"
	CheckPhoto       = "photo"
	checkPattern     = "pattern" // a file's own regex
)

var detailChecks = []string{CheckOrderNumber, CheckEmail, CheckPhone, CheckPhoto}

// DefaultOrderNumber is what check: order_number looks for unless the
// detail gives its own pattern: 5 to 14 digits, after an optional # or a
// prefix of up to four letters (12345678, #12345678, AB-1234567).
const DefaultOrderNumber = `(?i)(?:^|[^\p{L}\p{N}#-])(#?(?:[a-z]{1,4}-?)?\d{5,14})(?:$|[^\p{L}\p{N}])`

var (
	orderNumberRE = regexp.MustCompile(DefaultOrderNumber)
	emailRE       = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	phoneRE       = regexp.MustCompile(`\+?\(?\d[\d\s().\-]{4,22}\d`)
	attrName      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// detail is a compiled entry of `collect:`.
type detail struct {
	name, label string
	ask, retry  localized
	check       string // one of detailChecks, checkPattern, or "" (anything goes)
	re          *regexp.Regexp
}

// attrNames lists the names every rule's `collect:` fills, so texts can
// use them as {{name}} before the rules are compiled.
func attrNames(f *fileYAML) []string {
	var out []string
	for _, ry := range f.Rules {
		for _, d := range ry.Collect {
			if attrName.MatchString(d.Name.Value) && !contains(out, d.Name.Value) && !contains(snippetVars, d.Name.Value) {
				out = append(out, d.Name.Value)
			}
		}
	}
	return out
}

// details compiles a rule's `collect:`.
func (c *compiler) details(ry *ruleYAML, at string) []detail {
	if len(ry.Collect) == 0 {
		return nil
	}
	if ry.Handoff == nil {
		d := ry.Collect[0]
		c.errs.add(d.Line, d.Col, "%scollect: only a rule that hands off asks for details first; add handoff:", at)
		return nil
	}
	if len(ry.Collect) > chat.MaxDetails {
		d := ry.Collect[chat.MaxDetails]
		c.errs.add(d.Line, d.Col, "%scollect: at most %d details; customers wait for a person meanwhile", at, chat.MaxDetails)
	}
	var out []detail
	seen := map[string]int{}
	for _, dy := range ry.Collect {
		name := dy.Name.Value
		what := fmt.Sprintf("%scollect: %s", at, name)
		switch {
		case name == "":
			c.errs.add(dy.Line, dy.Col, "%scollect: a detail needs a name: the customer attribute it fills, such as order", at)
		case !attrName.MatchString(name):
			c.errs.add(dy.Name.Line, dy.Name.Col, "%scollect: name %q is lowercase letters, digits and _, starting with a letter, so rules can read it as customer.attrs.NAME", at, name)
		case contains(snippetVars, name):
			c.errs.add(dy.Name.Line, dy.Name.Col, "%scollect: name %q is taken by the variable {{%s}}; choose another", at, name, name)
		case seen[name] != 0:
			c.errs.add(dy.Name.Line, dy.Name.Col, "%scollect: %q is asked already on line %d", at, name, seen[name])
		default:
			seen[name] = dy.Name.Line
		}
		d := detail{name: name, label: dy.Label.Value}
		if d.label == "" {
			d.label = labelOf(name)
		}
		if !dy.Ask.set() {
			c.errs.add(dy.Line, dy.Col, "%s: ask: the question is missing", what)
		} else {
			d.ask = c.texts(dy.Ask, what+": ask")
		}
		if dy.Retry.set() {
			d.retry = c.texts(dy.Retry, what+": retry")
		}
		check := dy.Check.Value
		switch {
		case check == "" && dy.Pattern.Value != "":
			d.check = checkPattern
		case check == "":
		case !contains(detailChecks, check):
			c.errs.add(dy.Check.Line, dy.Check.Col, "%s: check %q is not one of %s%s (or give pattern: with a regex)", what, check, strings.Join(detailChecks, ", "), suggest(check, detailChecks))
		case dy.Pattern.Value != "" && check != CheckOrderNumber:
			c.errs.add(dy.Pattern.Line, dy.Pattern.Col, "%s: pattern: goes alone or with check: order_number (its own order numbers), not with check: %s", what, check)
		default:
			d.check = check
		}
		switch {
		case dy.Pattern.Value != "":
			re, err := regexp.Compile(dy.Pattern.Value)
			if err != nil {
				col := dy.Pattern.Col
				if dy.Pattern.Quoted {
					col++
				}
				c.errs.add(dy.Pattern.Line, col, "%s: pattern: %s", what, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
			d.re = re
		case d.check == CheckOrderNumber:
			d.re = orderNumberRE
		}
		out = append(out, d)
	}
	return out
}

// labelOf is how agents see a detail's name: order_id → "Order id".
func labelOf(name string) string {
	s := []rune(strings.ReplaceAll(name, "_", " "))
	if len(s) == 0 {
		return ""
	}
	s[0] = unicode.ToUpper(s[0])
	return string(s)
}

// fits checks an answer; value is what is kept: the part that matched
// (the pattern's first group, when it has one), the photo's caption.
func (d *detail) fits(ev chat.Event) (value string, ok bool) {
	text := strings.TrimSpace(ev.Text)
	photo := ev.Kind == chat.KindPhoto
	if photo {
		text = strings.TrimSpace("[photo] " + text)
	}
	switch d.check {
	case CheckPhoto:
		return text, photo
	case CheckEmail:
		if m := emailRE.FindString(text); m != "" {
			return m, true
		}
		return text, false
	case CheckPhone:
		for _, m := range phoneRE.FindAllString(text, -1) {
			if n := digits(m); n >= 7 && n <= 15 {
				return strings.TrimSpace(m), true
			}
		}
		return text, false
	case CheckOrderNumber, checkPattern:
		if d.re == nil {
			return text, text != ""
		}
		m := d.re.FindStringSubmatch(text)
		switch {
		case m == nil:
			return text, false
		case len(m) > 1 && m[1] != "":
			return m[1], true
		}
		return strings.TrimSpace(m[0]), true
	}
	return text, text != ""
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// skipWords are what a customer writes to go on without a detail, as
// Normalize folds them.
var skipWords = map[string]bool{
	"skip": true, "skip it": true, "skip this": true, "pass": true, "next": true, "n a": true, "na": true,
	"don t know": true, "dont know": true, "i don t know": true, "i dont know": true, "no idea": true, "don t have it": true, "i don t have it": true,
	"пропустить": true, "пропусти": true, "пропуск": true, "пропускаю": true, "дальше": true, "не знаю": true, "нет номера": true,
	"跳过": true, "略过": true, "不知道": true, "没有": true, "下一步": true,
}

// IsSkip reports whether a customer's answer asks to skip a detail
// (Normalize drops punctuation: "/skip" and "Skip!" are "skip").
func IsSkip(text string) bool { return skipWords[Normalize(text)] }

// escapeScore: while details are asked, a message this negative (an
// angry customer) is handed to a person at once, with what was collected.
const escapeScore = -0.5

// builtinRetry says an answer does not fit, per check and language; a
// detail's retry: replaces it.
var builtinRetry = map[string]map[string]string{
	CheckOrderNumber: {
		"en": "That does not look like an order number (e.g. 12345678).",
		"ru": "Это не похоже на номер заказа (например, 12345678).",
		"zh": "这看起来不像订单号（例如 12345678）。",
	},
	ownOrderNumber: {
		"en": "That does not look like an order number.",
		"ru": "Это не похоже на номер заказа.",
		"zh": "这看起来不像订单号。",
	},
	CheckEmail: {
		"en": "That does not look like an e-mail address (e.g. name@example.com).",
		"ru": "Это не похоже на адрес электронной почты (например, name@example.com).",
		"zh": "这看起来不像电子邮箱地址（例如 name@example.com）。",
	},
	CheckPhone: {
		"en": "That does not look like a phone number (e.g. +44 20 7946 0958).",
		"ru": "Это не похоже на номер телефона (например, +7 912 345-67-89).",
		"zh": "这看起来不像电话号码（例如 +86 138 0013 8000）。",
	},
	CheckPhoto: {
		"en": "Please send a photo (an image, not text).",
		"ru": "Пришлите, пожалуйста, фотографию (изображение, а не текст).",
		"zh": "请发送一张照片（图片，而不是文字）。",
	},
	checkPattern: {
		"en": "That does not look right.",
		"ru": "Кажется, это не то, что нужно.",
		"zh": "格式似乎不正确。",
	},
}

// ownOrderNumber keys the explanation for a file's own order numbers
// (check: order_number with pattern:), whose example would mislead.
const ownOrderNumber = "order_number_own"

var builtinSkipHint = map[string]string{
	"en": "Please send it again, or write “skip” to go on without it.",
	"ru": "Пришлите ещё раз или напишите «пропустить», чтобы продолжить без этого.",
	"zh": "请重新发送，或回复“跳过”继续。",
}

// builtinText picks a built-in text in the customer's language.
func builtinText(texts map[string]string, sc *scratch) string {
	for _, lang := range [...]string{sc.langs[0], sc.langs[1], sc.langs[2], "en"} {
		if t, ok := texts[lang]; ok {
			return t
		}
	}
	return ""
}

// Reasons in the trace of a decision made while details are asked.
const (
	ReasonAsk       = "asks for a detail before handing off"
	ReasonGiven     = "detail given in the message already"
	ReasonAnswered  = "detail answered"
	ReasonSkipped   = "detail skipped"
	ReasonReasked   = "the answer did not fit, asked again"
	ReasonKept      = "the answer did not fit again, kept as given"
	ReasonCollected = "every detail asked: handed off"
	ReasonEscape    = "/human or another handoff rule while details were asked: handed off with what was collected"
	ReasonComplaint = "a complaint while details were asked: handed off with what was collected"
)

// detailStep is a trace step about one detail: "detail answered: order".
func detailStep(rule, reason, name string) Step {
	return Step{Rule: rule, Matched: true, Reason: reason + ": " + name, Detail: name}
}

// collect asks for a handoff rule's details before it hands off, and takes
// the customer's answers; see the README's "Write rules" (collect:).
func (r *Rules) collect(d *Decision, sc *scratch, ev chat.Event, st chat.State, now time.Time) {
	conv := st.Conversation
	if conv.Status != chat.StatusBot {
		return
	}
	if col := conv.Collecting; col != nil && !conv.New {
		r.answer(d, sc, ev, *col)
		return
	}
	if ev.Kind == chat.KindCommand && IsHumanCommand(ev.Text) {
		return // /human is never made to wait for questions
	}
	if ev.ChatType == chat.ChatGroup || ev.ChatType == chat.ChatChannel {
		// In public chats the answers may never reach the bot (a channel
		// that hands it mentions only) and details are private: hand off.
		return
	}
	for i, a := range d.Actions {
		if a.Type != chat.ActionHandoff {
			continue
		}
		ri, ok := r.byID[a.Rule]
		if !ok || len(r.rules[ri].details) == 0 {
			return
		}
		ru := r.rules[ri]
		answers := given(ru, ev)
		for _, ans := range answers {
			d.Trace = append(d.Trace, detailStep(ru.id, ReasonGiven, ans.Name))
		}
		if len(answers) == len(ru.details) {
			// Everything was in the message: nothing to ask.
			d.Actions = slices.Concat(d.Actions[:i], r.finalHandoff(ru, sc, ev, answers), d.Actions[i+1:])
			d.Collect = &chat.CollectChange{Answers: answers}
			return
		}
		next := len(answers)
		d.Actions[i] = r.ask(ru, next, sc, ev, "")
		d.Collect = &chat.CollectChange{Next: &chat.Collection{Rule: ru.id, Asking: next, Answers: answers, Started: now},
			Handoff: r.fallback(ru, sc, ev, answers)}
		d.Trace = append(d.Trace, detailStep(ru.id, ReasonAsk, ru.details[next].name))
		return
	}
}

// given takes the leading details the message that starts the questions
// already holds ("my order 12345678 arrived damaged", a photo), so they
// are not asked for again. Only a check that cannot mistake one detail for
// another tells: an order number, an e-mail address, a photo. A phone
// number looks like an order number, and a detail without a check or with
// only a pattern could be anything: those are always asked.
func given(ru *rule, ev chat.Event) []chat.DetailAnswer {
	var out []chat.DetailAnswer
	for _, det := range ru.details {
		if det.check != CheckOrderNumber && det.check != CheckEmail && det.check != CheckPhoto {
			break
		}
		value, ok := det.fits(ev)
		if !ok {
			break
		}
		out = append(out, chat.DetailAnswer{Name: det.name, Label: det.label, Value: value})
	}
	return out
}

// ask is the question for detail i of a rule, after a note (the reason
// it is asked again) if any.
func (r *Rules) ask(ru *rule, i int, sc *scratch, ev chat.Event, note string) chat.Action {
	text := r.render(ru.details[i].ask, &rule{id: ru.id}, sc, ev)[0]
	if note != "" {
		text = note + "\n\n" + text
	}
	// No rule cooldown: the rule asks several questions in a row, and its
	// handoff's own reply comes after them.
	return chat.Action{Type: chat.ActionAsk, Rule: ru.id, Text: text, Cooldown: -1, Private: ru.private}
}

// answer decides a customer's message while the rule col.Rule asks for
// details.
func (r *Rules) answer(d *Decision, sc *scratch, ev chat.Event, col chat.Collection) {
	var ru *rule
	if ri, ok := r.byID[col.Rule]; ok && len(r.rules[ri].details) > col.Asking {
		ru = r.rules[ri]
	}
	asked := col.Asking + 1
	for _, a := range d.Actions {
		if a.Type == chat.ActionHandoff && (a.Rule != col.Rule || ev.Kind == chat.KindCommand && IsHumanCommand(ev.Text)) {
			// /human, or another rule hands off: at once, with what the
			// customer has told so far.
			d.Collect = &chat.CollectChange{Answers: col.Answers, Asked: asked}
			d.Trace = append(d.Trace, Step{Rule: col.Rule, Matched: true, Reason: ReasonEscape})
			return
		}
	}
	if ev.Kind == chat.KindCallback {
		return // a button press is answered as usual; the question still waits
	}
	if ru == nil {
		// The rule changed under the question (a reload): hand off as the
		// file's handoff_reply says, with what was collected.
		d.Actions = append(keepRecorded(d.Actions), r.humanHandoff(sc, ev, col.Rule))
		d.Collect = &chat.CollectChange{Answers: col.Answers, Asked: asked}
		d.Trace = append(d.Trace, Step{Rule: col.Rule, Matched: true, Reason: ReasonCollected + " (the rule no longer asks for this detail)"})
		return
	}
	if sc.mood <= escapeScore {
		d.Actions = append(keepRecorded(d.Actions), r.finalHandoff(ru, sc, ev, col.Answers)...)
		d.Collect = &chat.CollectChange{Answers: col.Answers, Asked: asked}
		d.Trace = append(d.Trace, Step{Rule: ru.id, Matched: true, Reason: ReasonComplaint, Score: sc.mood})
		return
	}
	// The message answers the question: the rules' own answers to it
	// (an FAQ that a word of it touches) would only confuse.
	d.Actions = keepRecorded(d.Actions)
	det := &ru.details[col.Asking]
	ans := chat.DetailAnswer{Name: det.name, Label: det.label}
	reason := ""
	switch value, ok := det.fits(ev); {
	case IsSkip(ev.Text):
		ans.Skipped, reason = true, ReasonSkipped
	case ok:
		ans.Value, reason = value, ReasonAnswered
	case !col.Retried:
		kind := det.check
		if kind == CheckOrderNumber && det.re != orderNumberRE {
			kind = ownOrderNumber
		}
		note := builtinText(builtinRetry[kind], sc)
		if len(det.retry) > 0 {
			note = r.render(det.retry, &rule{id: ru.id}, sc, ev)[0]
		}
		if note == "" {
			note = builtinText(builtinRetry[checkPattern], sc)
		}
		note += " " + builtinText(builtinSkipHint, sc)
		next := col
		next.Retried = true
		d.Actions = append(d.Actions, r.ask(ru, col.Asking, sc, ev, note))
		d.Collect = &chat.CollectChange{Next: &next, Handoff: r.fallback(ru, sc, ev, col.Answers)}
		d.Trace = append(d.Trace, detailStep(ru.id, ReasonReasked, det.name))
		return
	default:
		// Asked twice: kept as the customer gave it, marked for the agent,
		// rather than asked a third time.
		ans.Value, ans.Unchecked, reason = value, true, ReasonKept
	}
	d.Trace = append(d.Trace, detailStep(ru.id, reason, det.name))
	answers := append(append([]chat.DetailAnswer{}, col.Answers...), ans)
	if next := col.Asking + 1; next < len(ru.details) {
		d.Actions = append(d.Actions, r.ask(ru, next, sc, ev, ""))
		d.Collect = &chat.CollectChange{Next: &chat.Collection{Rule: ru.id, Asking: next, Answers: answers, Started: col.Started},
			Handoff: r.fallback(ru, sc, ev, answers)}
		return
	}
	d.Actions = append(d.Actions, r.finalHandoff(ru, sc, ev, answers)...)
	d.Collect = &chat.CollectChange{Answers: answers, Asked: len(ru.details)}
	d.Trace = append(d.Trace, Step{Rule: ru.id, Matched: true, Reason: ReasonCollected})
}

// finalHandoff is the rule's handoff once the details are in: its reply
// may use them ({{order}}). It ends what the rule began (its ack took the
// rule's cooldown then), so the rule's cooldown does not hold it back.
func (r *Rules) finalHandoff(ru *rule, sc *scratch, ev chat.Event, answers []chat.DetailAnswer) []chat.Action {
	saved := sc.attrs
	sc.attrs = withAnswers(saved, answers)
	defer func() { sc.attrs = saved }()
	var out []chat.Action
	for _, a := range r.plan(nil, ru, sc, ev) {
		if a.Type == chat.ActionHandoff {
			a.Cooldown = -1
			out = append(out, a)
		}
	}
	return out
}

// fallback is the handoff made at once when a question cannot be sent.
func (r *Rules) fallback(ru *rule, sc *scratch, ev chat.Event, answers []chat.DetailAnswer) *chat.Action {
	if hs := r.finalHandoff(ru, sc, ev, answers); len(hs) > 0 {
		return &hs[len(hs)-1]
	}
	return nil
}

// humanHandoff is the handoff /human makes, for a rule that is gone.
func (r *Rules) humanHandoff(sc *scratch, ev chat.Event, ruleID string) chat.Action {
	text := builtinText(builtinHandoffReply, sc)
	if len(r.handoffReply) > 0 {
		text = r.render(r.handoffReply, &rule{id: ruleID}, sc, ev)[0]
	}
	return chat.Action{Type: chat.ActionHandoff, Rule: ruleID, Text: text, Priority: "medium"}
}

// keepRecorded keeps the actions that send nothing (tags).
func keepRecorded(actions []chat.Action) []chat.Action {
	out := actions[:0]
	for _, a := range actions {
		if a.Type == chat.ActionTag {
			out = append(out, a)
		}
	}
	return out
}

// withAnswers is the customer's attributes with the answers on top.
func withAnswers(attrs map[string]string, answers []chat.DetailAnswer) map[string]string {
	if len(answers) == 0 {
		return attrs
	}
	out := make(map[string]string, len(attrs)+len(answers))
	for k, v := range attrs {
		out[k] = v
	}
	for _, a := range chat.Attrs(answers) {
		out[a.Name] = a.Value
	}
	return out
}

// Details lists, for a rule, the names of the details it asks for first.
func (r *Rules) Details(ruleID string) []string {
	ri, ok := r.byID[ruleID]
	if !ok {
		return nil
	}
	var out []string
	for _, d := range r.rules[ri].details {
		out = append(out, d.name)
	}
	return out
}
