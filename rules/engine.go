package rules

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Decision is what the rules decided for one event, and why.
type Decision struct {
	Language string        `json:"language"`
	Actions  []chat.Action `json:"actions"`
	Trace    []Step        `json:"trace"`
	// Refused names why a button press was refused (see pressed): the
	// customer is told the button is no longer valid, nothing else.
	Refused string `json:"refused,omitempty"`
	// The message's type and sentiment (keys type, sentiment,
	// sentiment_score), and why it has that type.
	chat.Insight
	TypeReason string `json:"type_reason,omitempty"`
	// ReadAs is the message as the rules read it when it was written in
	// other letters than it means: Russian in Latin letters ("gde moi
	// zakaz": где мой заказ) or typed on the wrong keyboard layout ("ult
	// vjq pfrfp": где мой заказ). ReadFrom says which (DescribeReading).
	ReadAs   string `json:"read_as,omitempty"`
	ReadFrom string `json:"read_from,omitempty"`
	// Collect is what the decision does to the details asked before a
	// handoff (collect.go); nil leaves them as they are.
	Collect *chat.CollectChange `json:"collect,omitempty"`
}

// Step is one rule considered, for "why did (or didn't) the bot answer?".
type Step struct {
	Rule    string `json:"rule"`
	Matched bool   `json:"matched"`
	Reason  string `json:"reason"`
	Keyword string `json:"keyword,omitempty"` // the keyword that matched, as written
	Group   string `json:"group,omitempty"`   // its keyword group
	// Match says how the keyword was found: exact, folded, stemmed,
	// vocabulary, family, proximity, typo, full or regex, or that the
	// message resembled one of the rule's examples; Score is the rule's
	// score (the most specific rule answers); Detail shows a loose match
	// as written ("delivry" ≈ "delivery") or the example resembled, or,
	// with ReasonOverBudget, which budget ran out.
	Match  string  `json:"match,omitempty"`
	Score  float64 `json:"score,omitempty"`
	Detail string  `json:"detail,omitempty"`
}

// Reasons in a Step.
const (
	ReasonKeyword        = "keyword"
	ReasonKeywordAndWhen = "keyword and when"
	ReasonWhen           = "when"
	ReasonAlways         = "no keywords or when: matches every message"
	ReasonNoKeyword      = "no keyword in the message"
	ReasonWhenFalse      = "when is false"
	ReasonNotReached     = "not reached: an earlier rule stopped the evaluation"
	ReasonButton         = "the customer pressed its button"
	ReasonNegated        = "keyword negated"
	ReasonReportedDone   = "keyword in what the customer reports done; another clause asks"
	ReasonAfterAside     = "keyword after an aside (also, btw, кстати, 另外): what came first answers"
	ReasonTakenBack      = "keyword taken back (never mind, неважно, 算了)"
	ReasonInCondition    = "keyword in a condition (if, если, 的话); another clause names what is asked"
	ReasonThanks         = "thanks or a goodbye: no FAQ answer"
	ReasonReportsOnly    = "reports only what went well, asks nothing: no FAQ answer"
	ReasonSpam           = "looks like spam: no FAQ answer"
	ReasonDeclined       = "the message refuses something and asks for nothing else: no FAQ answer"
	ReasonLowScore       = "weak match, below the threshold"
	ReasonExample        = "example"
	ReasonExampleAndWhen = "example and when"
	// ReasonOverBudget: the rule's `when` ran out of its budget for this
	// message, so the rule was skipped; the other rules were decided.
	ReasonOverBudget = "when ran out of its budget"
	// ReasonReleased: the rule ignores messages, and an operator released
	// this one as not spam.
	ReasonReleased = "set aside: the message was released as not spam"
)

// Reasons a button press is refused (Decision.Refused): its data is not
// among the buttons the bot sent under the message pressed (forged, or of
// another message), its rule is gone, or its rule's when does not hold now.
const (
	ReasonNotOffered      = "pressed a button the bot did not send on that message"
	ReasonRuleGone        = "pressed the button of a rule no longer in the file"
	ReasonButtonWhenFalse = "pressed its button, but its when is false now"
)

// OverBudget lists the rules skipped for this message because their
// `when` ran out of its budget, for a metric and a log line.
func (d Decision) OverBudget() []Step {
	var out []Step
	for _, s := range d.Trace {
		if s.Reason == ReasonOverBudget {
			out = append(out, s)
		}
	}
	return out
}

// Decide runs the rules in order against an event in its context.
//
// A rule matches when any of its keywords is in the message (or is the whole
// message, with match: full) and its `when` holds; a rule without keywords
// matches on `when` alone, one without either always matches. A matching
// rule's actions are planned. Rules that reply, hand off or ignore stop the
// evaluation (the customer has an answer); rules that only acknowledge or
// tag let it go on. `continue:` overrides either default.
//
// The trace lists the rules that were looked at closely: those whose
// keywords were found, and those decided by `when` alone. Explain traces
// every rule.
func (r *Rules) Decide(ev chat.Event, st chat.State, now time.Time) Decision {
	return r.decide(ev, st, now, false)
}

// Explain is Decide with every rule in the trace, for `frontdesk try`.
func (r *Rules) Explain(ev chat.Event, st chat.State, now time.Time) Decision {
	return r.decide(ev, st, now, true)
}

func (r *Rules) decide(ev chat.Event, st chat.State, now time.Time, explain bool) Decision {
	return r.decideWith(ev, st, now, explain, swAll, false)
}

// decideWith decides with only the matching switches in mask, and with
// the first matching rule answering when firstWins: the behaviour before
// issue 18, for comparing.
func (r *Rules) decideWith(ev chat.Event, st chat.State, now time.Time, explain bool, mask switches, firstWins bool) Decision {
	sc := r.getScratch()
	defer r.putScratch(sc)
	sc.mask, sc.firstWins = mask, firstWins
	sc.prepare(r, ev, st, now)
	d := Decision{Language: sc.env.Language, Insight: chat.Insight{Sentiment: sc.moodLabel, SentimentScore: sc.mood}, ReadAs: sc.readAs,
		ReadFrom: sc.readFrom.String()}
	if !r.pressed(&d, sc, ev, st) {
		r.walk(&d, sc, ev, explain)
		r.thank(&d, sc, ev)
		r.neverTrap(&d, sc, ev)
		r.collect(&d, sc, ev, st, now)
		r.apologize(&d, sc, ev)
	} else if d.Refused == "" {
		r.collect(&d, sc, ev, st, now)
	}
	r.settleType(&d, sc.msgType, sc.typeWhy)
	return d
}

// BuiltinRelease is the rule id of the apology a message released as not
// spam gets (the file's spam_release_reply, else builtinReleaseReply).
const BuiltinRelease = "builtin:spam-release"

var builtinReleaseReply = map[string]string{
	"en": "Sorry for the late answer: your message was mistakenly filtered as spam.",
	"ru": "Извините за поздний ответ: ваше сообщение по ошибке попало в спам.",
	"zh": "抱歉回复晚了：您的消息被误判为垃圾信息。",
}

// apologize puts the apology at the head of a released message's first
// answer, so the customer gets one message: the apology and what the rules
// say now. When the rules say nothing, the apology goes alone.
func (r *Rules) apologize(d *Decision, sc *scratch, ev chat.Event) {
	if ev.ReleaseOf == 0 {
		return
	}
	text := ""
	if len(r.releaseReply) > 0 {
		text = r.render(r.releaseReply, &rule{id: BuiltinRelease}, sc, ev)[0]
	} else {
		for _, lang := range [...]string{sc.langs[0], sc.langs[1], sc.langs[2], "en"} {
			if t, ok := builtinReleaseReply[lang]; ok {
				text = t
				break
			}
		}
	}
	d.Trace = append(d.Trace, Step{Rule: BuiltinRelease, Matched: true, Reason: "released as not spam: an apology"})
	for i, a := range d.Actions {
		if a.Type.Sends() && a.Text != "" {
			d.Actions[i].Text = text + "\n\n" + a.Text
			return
		}
	}
	d.Actions = append(d.Actions, chat.Action{Type: chat.ActionReply, Rule: BuiltinRelease, Text: text})
}

// BuiltinThanks is the rule id of the file's thanks_reply.
const BuiltinThanks = "builtin:thanks"

// thank answers a message that is mainly thanks or a goodbye with the
// file's thanks_reply, when it has one and no rule answered or ignored the
// message. It is an ordinary reply, so the guard's limits apply to it.
func (r *Rules) thank(d *Decision, sc *scratch, ev chat.Event) {
	if len(r.thanksReply) == 0 || r.sw&sc.mask&swThanks == 0 || ev.Kind != chat.KindText || !sc.closing() || sc.cues&cueThanks == 0 || sc.spam() {
		return
	}
	for _, a := range d.Actions {
		if a.Type == chat.ActionReply || a.Type == chat.ActionHandoff || a.Type == chat.ActionIgnore {
			return
		}
	}
	text := r.render(r.thanksReply, &rule{id: BuiltinThanks}, sc, ev)[0]
	d.Actions = append(d.Actions, chat.Action{Type: chat.ActionReply, Rule: BuiltinThanks, Text: text})
	d.Trace = append(d.Trace, Step{Rule: BuiltinThanks, Matched: true, Reason: "thanks or a goodbye: thanks_reply"})
}

// menu renders a rule's buttons in the reply's language: one per row, two
// per row past five.
func (r *Rules) menu(ru *rule, sc *scratch, ev chat.Event) [][]chat.Button {
	if len(ru.buttons) == 0 {
		return nil
	}
	per := 1
	if len(ru.buttons) > 5 {
		per = 2
	}
	var rows [][]chat.Button
	for i, target := range ru.buttons {
		label := target.id
		if ls := r.render(target.label, &rule{id: target.id}, sc, ev); len(ls) > 0 {
			label = ls[0]
		}
		if i%per == 0 {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], chat.Button{Text: label, Data: ButtonPrefix + target.id})
	}
	return rows
}

// pressed decides a button press. Anyone can post a press with any data,
// so a press counts only when its data is one of the buttons the bot sent
// under the message pressed (st.Offered, from the outbox); the rule it
// names then answers, whatever its keywords, if its `when` holds now. Any
// other press is refused (Decision.Refused) and nothing answers it: forged,
// pressed on a message that offered other buttons, of a rule since removed,
// or of a rule whose `when` does not hold.
func (r *Rules) pressed(d *Decision, sc *scratch, ev chat.Event, st chat.State) bool {
	if ev.Kind != chat.KindCallback {
		return false
	}
	id, isRule := strings.CutPrefix(ev.Text, ButtonPrefix)
	refuse := func(step Step) bool {
		d.Refused = step.Reason
		d.Trace = append(d.Trace, step)
		return true
	}
	if !offered(st.Offered, ev) {
		return refuse(Step{Rule: id, Reason: ReasonNotOffered})
	}
	if !isRule {
		return false // not a rule's button: decided as its text, as before
	}
	i := slices.IndexFunc(r.rules, func(ru *rule) bool { return ru.id == id })
	if i < 0 {
		return refuse(Step{Rule: id, Reason: ReasonRuleGone})
	}
	ru := r.rules[i]
	step := Step{Rule: id, Matched: true, Reason: ReasonButton}
	if ru.when != nil && !sc.holds(r, ru, &step) {
		step.Matched = false
		if step.Reason == ReasonWhenFalse {
			step.Reason = ReasonButtonWhenFalse
		}
		return refuse(step)
	}
	d.Actions = r.plan(d.Actions, ru, sc, ev)
	d.Trace = append(d.Trace, step)
	return true
}

// offered reports whether the press's data is a button of the message it
// names, or of one whose send is not recorded yet (its id unknown: the
// customer may be quicker than the record, and its buttons are offered
// to this chat either way).
func offered(offers []chat.Offer, ev chat.Event) bool {
	if ev.ReplyTo == "" {
		return false // names no message of ours (Telegram: an inline message)
	}
	for _, o := range offers {
		if (o.MessageID == ev.ReplyTo || o.MessageID == "") && slices.ContainsFunc(o.Buttons, func(b chat.Button) bool { return b.Data == ev.Text }) {
			return true
		}
	}
	return false
}

// BuiltinHuman is the rule id of the handoff every customer gets with /human
// when no rule of the file hands off on it: the bot never traps a customer
// (DOMAIN.md D4), whatever the rules say.
const BuiltinHuman = "builtin:human"

var builtinHandoffReply = map[string]string{
	"zh": "已为您转接人工客服，同事会尽快回复您，请稍候。",
	"ru": "Передаю ваш вопрос коллеге — он ответит вам в ближайшее время.",
	"en": "A colleague will answer you shortly.",
}

func (r *Rules) neverTrap(d *Decision, sc *scratch, ev chat.Event) {
	if ev.Kind != chat.KindCommand || !IsHumanCommand(ev.Text) {
		return
	}
	for _, a := range d.Actions {
		if a.Type == chat.ActionHandoff {
			return
		}
	}
	text := ""
	if len(r.handoffReply) > 0 {
		text = r.render(r.handoffReply, &rule{id: BuiltinHuman}, sc, ev)[0]
	} else {
		for _, lang := range [...]string{sc.langs[0], sc.langs[1], sc.langs[2], "en"} {
			if t, ok := builtinHandoffReply[lang]; ok {
				text = t
				break
			}
		}
	}
	d.Actions = append(d.Actions, chat.Action{Type: chat.ActionHandoff, Rule: BuiltinHuman, Text: text, Priority: "medium"})
	d.Trace = append(d.Trace, Step{Rule: BuiltinHuman, Matched: true, Reason: "the customer asked for a human with /human"})
}

// IsHumanCommand reports whether text is the /human command (also in the
// /human@botname form Telegram uses in groups).
func IsHumanCommand(text string) bool {
	const cmd = "/human"
	if len(text) < len(cmd) || !strings.EqualFold(text[:len(cmd)], cmd) {
		return false
	}
	rest := text[len(cmd):]
	return rest == "" || rest[0] == '@' || rest[0] == ' '
}

// walk decides in two steps. First every rule with a keyword in the
// message is scored and its `when` run; of those that would stop the
// evaluation, the best (rank) is the one that may answer. Then the rules
// are visited in file order as before: rules that go on (ack, tag) plan
// their actions, a keyword rule that lost to the best is passed over, and
// the best, or a rule without keywords that matches and stops, ends it.
// Without explain only the candidates are visited: rules with a keyword in
// the message and rules without keywords, a small fraction of a big file.
func (r *Rules) walk(d *Decision, sc *scratch, ev chat.Event, explain bool) {
	r.byExample(sc)
	firstWins := sc.firstWins
	cands := sc.touched
	slices.Sort(cands)
	sc.steps = sc.steps[:0]
	winner, best := int32(-1), rank{}
	for _, i := range cands {
		ru := r.rules[i]
		step, _ := sc.match(r, int(i), ru)
		sc.steps = append(sc.steps, step)
		if step.Matched && ru.stop {
			rk := rank{class: ru.class(), score: sc.score[i], priority: ru.priority, index: i}
			if firstWins {
				rk = rank{index: i}
			}
			if winner < 0 || rk.better(best) {
				winner, best = i, rk
			}
		}
	}
	free := r.keywordless
	ci := 0
	stopped := false
	for n := 0; ; n++ {
		var i int32
		switch {
		case explain:
			if n == len(r.rules) {
				return
			}
			i = int32(n)
		case ci < len(cands) && (len(free) == 0 || cands[ci] < free[0]):
			i = cands[ci]
		case len(free) > 0:
			i, free = free[0], free[1:]
		default:
			return
		}
		ru := r.rules[i]
		var step Step
		switch {
		case stopped:
			d.Trace = append(d.Trace, Step{Rule: ru.id, Reason: ReasonNotReached})
			continue
		case !ru.keyed():
			if explain && len(free) > 0 && free[0] == i {
				free = free[1:]
			}
			step, _ = sc.match(r, int(i), ru)
		case ci < len(cands) && cands[ci] == i:
			step = sc.steps[ci]
			ci++
		default:
			step = Step{Rule: ru.id, Reason: ReasonNoKeyword}
		}
		if step.Matched && ru.stop && ru.keyed() && i != winner {
			w := r.rules[winner]
			step.Matched = false
			step.Reason = fmt.Sprintf("lost to rule %q (score %.2f, %s)", w.id, sc.score[winner], sc.lostBecause(ru, w, i, winner))
		}
		d.Trace = append(d.Trace, step)
		if !step.Matched {
			continue
		}
		d.Actions = r.plan(d.Actions, ru, sc, ev)
		if ru.stop {
			if !explain {
				return
			}
			stopped = true
		}
	}
}

// byExample looks for the example the message most resembles when no
// keyword would answer it, and makes that example's rule a candidate.
func (r *Rules) byExample(sc *scratch) {
	if r.examples == nil || r.anyOn&sc.mask&swExamples == 0 {
		return
	}
	for _, i := range sc.touched {
		if sc.best[i] >= 0 && sc.score[i] >= minScore && r.rules[i].stop {
			return // a keyword answers: examples are for what keywords miss
		}
	}
	id, sim, least := int32(-1), 0.0, minSimilarity
	sc.exBy = exByGrams
	if em := r.embed.Load(); em != nil {
		if v, ok := em.src.Vector(sc.raw); ok {
			sc.exBy = exByMeaning
			id, sim = em.best(v)
			least = em.min
		} else {
			sc.exBy = exByGramsLate
		}
	}
	if sc.exBy != exByMeaning {
		id, sim = r.examples.best(sc.form, sc)
	}
	if id < 0 || sim < least {
		return
	}
	ri := r.examples.rules[id]
	if r.rules[ri].sw&sc.mask&swExamples == 0 {
		return
	}
	sc.exRule, sc.exID, sc.exSim = ri, id, sim
	if sc.best[ri] < 0 && sc.neg[ri] < 0 {
		sc.touched = append(sc.touched, ri)
	}
}

// How a message was compared with the examples, as the trace says it.
const (
	exByGrams     = ""
	exByMeaning   = " (by meaning: embeddings)"
	exByGramsLate = " (by n-grams: the message's embedding did not arrive in time)"
)

// lostBecause says why one rule's keyword answer gave way to another's.
func (sc *scratch) lostBecause(loser, winner *rule, li, wi int32) string {
	switch {
	case winner.class() > loser.class() && winner.ignore:
		return "spam wins over answers"
	case winner.class() > loser.class() && winner.when != nil:
		return "its when held, which makes it more specific"
	case winner.class() > loser.class():
		return "an urgent handoff wins over answers"
	case sc.score[wi] > sc.score[li]+1e-9:
		return fmt.Sprintf("more specific than this rule's %.2f", sc.score[li])
	case winner.priority > loser.priority:
		return "higher priority"
	}
	return "same score, earlier in the file"
}

func (r *Rules) plan(out []chat.Action, ru *rule, sc *scratch, ev chat.Event) []chat.Action {
	for _, a := range ru.actions {
		texts := r.render(a.text, ru, sc, ev)
		for i, text := range texts {
			act := chat.Action{Type: a.typ, Rule: ru.id, Text: text, Priority: a.priority, Team: a.team, Snippets: a.snippets,
				Cooldown: ru.cooldown, AllowWhileHuman: ru.whileHuman, Private: ru.private, Incidents: ru.incidents}
			if i == len(texts)-1 && a.typ != chat.ActionAck {
				act.Buttons = r.menu(ru, sc, ev)
				if ru.askHelpful && a.typ == chat.ActionReply {
					act.Buttons = append(act.Buttons, helpfulButtons(ru.id))
				}
			}
			out = append(out, act)
		}
		if len(a.text) == 0 {
			out = append(out, chat.Action{Type: a.typ, Rule: ru.id, Priority: a.priority, Team: a.team, Snippets: a.snippets})
		}
	}
	if len(ru.tags) > 0 {
		out = append(out, chat.Action{Type: chat.ActionTag, Rule: ru.id, Tags: ru.tags})
	}
	if ru.ignore {
		out = append(out, chat.Action{Type: chat.ActionIgnore, Rule: ru.id})
	}
	return out
}

// scratch is the per-message working state, pooled so that deciding does
// not allocate it again for every message.
type scratch struct {
	hit       []bool  // by term: found and not negated, for has()
	found     []int32 // terms hit, to reset hit
	best      []int32 // by rule: its best hit, -1 if none
	neg       []int32 // by rule: a negated hit, -1 if none
	score     []float64
	touched   []int32 // rules with a hit, to reset best and neg
	toks      tokens
	hits      []hit
	occ       []occurrence
	steps     []Step
	exSum     []float32 // by example: similarity sums, zero between messages
	exGrams   []uint64
	exTouched []int32
	exRule    int32 // the rule whose example the message resembles, -1 if none
	exID      int32
	exSim     float64
	exBy      string         // how the message was compared with the examples, for the trace
	released  bool           // an operator released the message as not spam: spam rules are set aside
	mood      float64        // the sentiment score, -1 to 1
	moodLabel chat.Sentiment // and its label
	moodItems []moodItem
	msgType   chat.MessageType // the classifier's type, and why
	typeWhy   string
	// mask and firstWins turn the new matching off for a decision, so
	// check can tell which switch changed a test's outcome.
	mask      switches
	firstWins bool
	form, raw string
	cues      cueFlags
	terse     bool  // thanks, with nothing but matched keywords: a request (onlyKeywordsAndThanks)
	requested bool  // a clause starts with a request ("send me the invoice"), or a Russian imperative or Chinese request asks
	asideAt   int32 // the first aside word's byte in the form (also, btw, 另外), or -1
	// retractEnd is the token after the last retraction (never mind,
	// неважно, 算了), or -1.
	retractEnd int32
	reports    bool // the message only reports what went well (reportsOnly)
	spamCount  int
	contrast   int32  // the last word that says "just" or "only" (-1: none)
	asks       uint64 // words (the first 64) that ask or request something
	links      int
	vm         vm.VM
	meter      meter
	env        Env
	envAny     any
	rules      *Rules
	name       string
	username   string
	attrs      map[string]string // the customer's attributes, for {{order}}
	langs      [3]string         // reply languages in order of preference
	readAs     string            // the message as meant, when it was written in other letters (reread)
	readFrom   reading           // and how it was read
}

func (r *Rules) getScratch() *scratch {
	if sc, ok := r.scratch.Get().(*scratch); ok {
		return sc
	}
	sc := &scratch{hit: make([]bool, len(r.ix.terms)), best: make([]int32, len(r.rules)),
		neg: make([]int32, len(r.rules)), score: make([]float64, len(r.rules)), rules: r, exRule: -1, mask: swAll}
	for i := range sc.best {
		sc.best[i], sc.neg[i] = -1, -1
	}
	// Bound once, so building the environment does not allocate a closure per message.
	sc.env.Has = sc.has
	sc.env.meter = &sc.meter
	sc.env.Step = sc.meter.mustStep
	return sc
}

func (r *Rules) putScratch(sc *scratch) {
	for _, id := range sc.found {
		sc.hit[id] = false
	}
	for _, i := range sc.touched {
		sc.best[i], sc.neg[i], sc.score[i] = -1, -1, 0
	}
	sc.found, sc.touched = sc.found[:0], sc.touched[:0]
	sc.hits, sc.occ, sc.toks.list = sc.hits[:0], sc.occ[:0], sc.toks.list[:0]
	sc.toks.brk, sc.toks.question = false, false
	sc.form, sc.raw = "", ""
	sc.exRule = -1
	sc.mask, sc.firstWins = swAll, false
	sc.envAny = nil
	sc.attrs, sc.env.Customer.Attrs = nil, nil // a customer's details are not kept in the pool
	r.scratch.Put(sc)
}

func (sc *scratch) prepare(r *Rules, ev chat.Event, st chat.State, now time.Time) {
	form, counts := "", scriptCounts{}
	sc.readAs, sc.readFrom = "", readAsWritten
	if ev.Text != "" {
		text, how := reread(ev.Text, r.hasRussian)
		if how != readAsWritten {
			sc.readAs, sc.readFrom = text, how
		}
		form, counts = matchFormScripts(text, &sc.toks)
	}
	sc.form, sc.raw = form, ev.Text
	sc.released = ev.ReleaseOf != 0
	sc.links = 0
	if mayHaveLinks(ev.Text) {
		sc.links = countLinks(ev.Text)
	}
	sc.collect(r, form)
	toks := sc.toks.list
	if form == "" {
		toks = nil
	}
	sc.mood, sc.moodLabel, sc.moodItems = r.mood.score(form, ev.Text, toks, sc.moodItems)
	sc.reports = r.anyOn&sc.mask&swThanks != 0 && sc.reportsOnly(r.ix.lex, form)
	sc.msgType, sc.typeWhy = sc.classify(r, ev)
	sc.langs = [3]string{baseLanguage(ev.Customer.Language), counts.language(), r.defaultLang}
	local := now.In(r.loc)
	has, m, step := sc.env.Has, sc.env.meter, sc.env.Step
	sc.env = Env{
		Text:           ev.Text,
		Kind:           string(ev.Kind),
		Type:           string(sc.msgType),
		Sentiment:      string(sc.moodLabel),
		SentimentScore: sc.mood,
		Platform:       string(ev.Platform),
		Language:       firstNonEmpty(sc.langs[:]...),
		Chat:           ChatEnv{Type: string(ev.ChatType)},
		Media:          mediaEnv(ev.Media),
		Customer: CustomerEnv{
			Name: ev.Customer.Name, Username: ev.Customer.Username, New: st.Customer.New,
			Messages1h: st.Customer.Messages1h, Messages24h: st.Customer.Messages24h,
			Attrs: st.Customer.Attrs,
		},
		Conversation: ConversationEnv{
			New:              st.Conversation.New,
			WaitingForHuman:  st.Conversation.Status == chat.StatusWaitingForHuman,
			CustomerMessages: st.Conversation.CustomerMessages,
		},
		Now:             local,
		Hour:            local.Hour(),
		Weekday:         weekdays[local.Weekday()],
		InBusinessHours: r.hours.Open(local),
		Has:             has,
		meter:           m,
		Step:            step,
		Incidents:       incidentCauses(st.Incidents),
	}
	if r.usesLinks {
		sc.env.Links = sc.links
	}
	if !st.Conversation.Started.IsZero() {
		sc.env.Conversation.Age = now.Sub(st.Conversation.Started)
	}
	sc.name = firstNonEmpty(ev.Customer.Name, ev.Customer.Username)
	sc.username = ev.Customer.Username
	sc.attrs = st.Customer.Attrs
}

// has answers has("group") in `when`.
func (sc *scratch) has(group string) bool {
	for _, id := range sc.rules.ix.groupIDs[group] {
		if sc.hit[id] {
			return true
		}
	}
	return false
}

// negatedReasons say why a rule's keyword, found, is no match (setAside).
var negatedReasons = [...]string{negatedHere: ReasonNegated, reportedDone: ReasonReportedDone,
	afterAside: ReasonAfterAside, takenBack: ReasonTakenBack, inCondition: ReasonInCondition}

// match decides one rule; considered says whether it got past the cheap
// keyword test (and so belongs in a short trace).
func (sc *scratch) match(r *Rules, i int, ru *rule) (Step, bool) {
	step := Step{Rule: ru.id}
	if sc.released && ru.ignore {
		step.Reason = ReasonReleased
		return step, true
	}
	if len(ru.terms) > 0 || ru.examples {
		hi := sc.best[i]
		switch {
		case hi < 0 && int32(i) == sc.exRule:
			step.Match = "example"
			step.Score = math.Round(sc.exSim*100) / 100
			step.Detail = fmt.Sprintf("resembles the example %q%s", r.examples.texts[sc.exID], sc.exBy)
			// Any example close enough answers, as any keyword does: a
			// similarity by meaning is on another scale than n-grams'.
			sc.score[i] = max(sc.exSim, minScore)
		case hi < 0 && sc.neg[i] >= 0:
			sc.explain(r, &step, sc.neg[i], 0)
			step.Reason = negatedReasons[sc.hits[sc.neg[i]].why]
			return step, true
		case hi < 0:
			step.Reason = ReasonNoKeyword
			return step, false
		}
		if hi >= 0 {
			sc.explain(r, &step, hi, sc.score[i])
		}
		switch {
		case sc.score[i] < minScore:
			step.Reason = ReasonLowScore
			return step, true
		case ru.sw&sc.mask&swThanks != 0 && !ru.ignore && ru.acts() && sc.closing():
			step.Reason = ReasonThanks
			if sc.cues&(cueThanks|cueWell) == 0 {
				step.Reason = ReasonReportsOnly
			}
			return step, true
		case sc.mask&swThanks != 0 && !ru.ignore && ru.faq() && sc.spam():
			step.Reason = ReasonSpam
			return step, true
		case ru.sw&sc.mask&swNegation != 0 && ru.faq() && sc.declining():
			step.Reason = ReasonDeclined
			return step, true
		}
	}
	if ru.when != nil {
		if !sc.holds(r, ru, &step) {
			return step, true
		}
		step.Matched = true
		switch {
		case step.Match == "example":
			step.Reason = ReasonExampleAndWhen
		case len(ru.terms) > 0:
			step.Reason = ReasonKeywordAndWhen
		default:
			step.Reason = ReasonWhen
		}
		return step, true
	}
	step.Matched = true
	switch {
	case step.Match == "example":
		step.Reason = ReasonExample
	case !ru.keyed():
		step.Reason = ReasonAlways
	default:
		step.Reason = ReasonKeyword
	}
	return step, true
}

// holds runs a rule's `when` on this message. When it does not hold
// (false, failed, or out of its budget) step says why.
func (sc *scratch) holds(r *Rules, ru *rule, step *Step) bool {
	if sc.envAny == nil {
		sc.envAny = sc.env // boxed once per message, shared by every rule
	}
	sc.meter.reset(r.budget)
	out, err := sc.vm.Run(ru.when, sc.envAny)
	if err != nil {
		if be, over := overBudget(err); over {
			step.Reason, step.Detail = ReasonOverBudget, be.Error()
			return false
		}
		// A runtime error must not take the service down or answer
		// wrongly: the rule simply does not match.
		step.Reason = "when failed: " + err.Error()
		return false
	}
	if ok, _ := out.(bool); !ok {
		step.Reason = ReasonWhenFalse
		return false
	}
	return true
}

// keyed reports whether a rule matches by keywords or examples, rather
// than on `when` alone.
func (ru *rule) keyed() bool { return len(ru.terms) > 0 || ru.examples }

// render picks the texts in the first language that has them: the
// customer's platform language, the language the message is written in, the
// file's default, then texts without language. Of several variants it sends
// one (chosen by the message, so a redelivery or a test gets the same one),
// or all with variants: all.
func (r *Rules) render(l localized, ru *rule, sc *scratch, ev chat.Event) []string {
	if len(l) == 0 {
		return nil
	}
	var vs []template
	for _, lang := range [...]string{sc.langs[0], sc.langs[1], sc.langs[2], ""} {
		if v, ok := l[lang]; ok {
			vs = v
			break
		}
	}
	if vs == nil {
		for _, lang := range keys(l) {
			vs = l[lang]
			break
		}
	}
	if ru.all {
		out := make([]string, len(vs))
		for i, t := range vs {
			out[i] = t.render(sc.name, sc.username, sc.attrs)
		}
		return out
	}
	pick := 0
	if len(vs) > 1 {
		pick = int(fnv32(ev.ExternalID, ru.id) % uint32(len(vs)))
	}
	return []string{vs[pick].render(sc.name, sc.username, sc.attrs)}
}

func fnv32(a, b string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(a); i++ {
		h = (h ^ uint32(a[i])) * 16777619
	}
	h *= 16777619 // a zero byte between the two strings: "ab"+"c" and "a"+"bc" differ
	for i := 0; i < len(b); i++ {
		h = (h ^ uint32(b[i])) * 16777619
	}
	return h
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func incidentCauses(open []chat.Incident) []string {
	if len(open) == 0 {
		return nil
	}
	out := make([]string, len(open))
	for i, inc := range open {
		out[i] = inc.Cause
	}
	return out
}
