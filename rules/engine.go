package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Decision is what the rules decided for one event, and why.
type Decision struct {
	Language string        `json:"language"`
	Actions  []chat.Action `json:"actions"`
	Trace    []Step        `json:"trace"`
}

// Step is one rule considered, for "why did (or didn't) the bot answer?".
type Step struct {
	Rule    string `json:"rule"`
	Matched bool   `json:"matched"`
	Reason  string `json:"reason"`
}

// Decide runs the rules in order against an event in its context.
//
// A rule matches when any of its keywords is in the message (or the message
// is exactly one of them, with match: full) and its `when` holds; a rule
// without keywords matches on `when` alone, one without either always
// matches. A matching rule's actions are planned. Rules that reply or hand off
// stop the evaluation (the customer has an answer); rules that only
// acknowledge let it go on, so an acknowledgement can precede an FAQ answer.
// `continue:` overrides either default.
func (r *Rules) Decide(ev chat.Event, st chat.State, now time.Time) Decision {
	in := r.newInput(ev, st, now)
	d := Decision{Language: in.env.Language}
	for _, ru := range r.rules {
		matched, reason := ru.match(in)
		d.Trace = append(d.Trace, Step{Rule: ru.id, Matched: matched, Reason: reason})
		if !matched {
			continue
		}
		for _, a := range ru.actions {
			d.Actions = append(d.Actions, chat.Action{
				Type:     a.typ,
				Rule:     ru.id,
				Text:     r.render(a.text, in),
				Priority: a.priority,
				Team:     a.team,
			})
		}
		if ru.stop {
			break
		}
	}
	return d
}

// input is one event prepared for matching: normalized once, with the
// expression environment built once and shared by every rule.
type input struct {
	norm     string
	langs    [3]string // reply languages in order of preference
	env      Env
	vars     map[string]string
	groupHit map[string]bool
	rules    *Rules
}

func (r *Rules) newInput(ev chat.Event, st chat.State, now time.Time) *input {
	in := &input{norm: Normalize(ev.Text), rules: r}
	in.langs = [3]string{baseLanguage(ev.Customer.Language), DetectLanguage(ev.Text), r.defaultLang}
	local := now.In(r.loc)
	in.env = Env{
		Text:     ev.Text,
		Kind:     string(ev.Kind),
		Platform: string(ev.Platform),
		Language: firstNonEmpty(in.langs[:]...),
		Links:    countLinks(ev.Text),
		Chat:     ChatEnv{Type: string(ev.ChatType)},
		Customer: CustomerEnv{Name: ev.Customer.Name, Username: ev.Customer.Username, New: st.Customer.New},
		Conversation: ConversationEnv{
			New:              st.Conversation.New,
			WaitingForHuman:  st.Conversation.Status == chat.StatusWaitingForHuman,
			CustomerMessages: st.Conversation.CustomerMessages,
		},
		Now:     local,
		Hour:    local.Hour(),
		Weekday: weekdays[local.Weekday()],
		Has:     in.has,
	}
	in.vars = map[string]string{"name": firstNonEmpty(ev.Customer.Name, ev.Customer.Username), "username": ev.Customer.Username}
	return in
}

// has answers has("group") in `when`, matching each group at most once per message.
func (in *input) has(group string) bool {
	if hit, ok := in.groupHit[group]; ok {
		return hit
	}
	hit := false
	for _, w := range in.rules.groups[group] {
		if strings.Contains(in.norm, w) {
			hit = true
			break
		}
	}
	if in.groupHit == nil {
		in.groupHit = map[string]bool{}
	}
	in.groupHit[group] = hit
	return hit
}

func (ru *rule) match(in *input) (bool, string) {
	reason := ""
	if len(ru.keywords) > 0 {
		kw, ok := ru.matchKeywords(in.norm)
		if !ok {
			return false, "no keyword in the message"
		}
		if kw.group != "" {
			reason = fmt.Sprintf("keyword %q of group %q", kw.text, kw.group)
		} else {
			reason = fmt.Sprintf("keyword %q", kw.text)
		}
	}
	if ru.when != nil {
		out, err := expr.Run(ru.when, in.env)
		if err != nil {
			// A runtime error (say, an index out of range) must not take the
			// service down or answer wrongly: the rule simply does not match.
			return false, "when failed: " + err.Error()
		}
		if ok, _ := out.(bool); !ok {
			return false, "when is false"
		}
		if reason == "" {
			reason = "when is true"
		} else {
			reason += " and when is true"
		}
	}
	if reason == "" {
		reason = "matches every message"
	}
	return true, reason
}

func (ru *rule) matchKeywords(norm string) (keyword, bool) {
	for _, k := range ru.keywords {
		if ru.full {
			if norm == k.text {
				return k, true
			}
		} else if strings.Contains(norm, k.text) {
			return k, true
		}
	}
	return keyword{}, false
}

// render picks the text in the first language that has one: the customer's
// platform language, the language the message is written in, the file's
// default language, then a text without language. It fills in variables.
func (r *Rules) render(l localized, in *input) string {
	if len(l) == 0 {
		return ""
	}
	for _, lang := range in.langs {
		if t, ok := l[lang]; ok && lang != "" {
			return t.render(in.vars)
		}
	}
	if t, ok := l[""]; ok {
		return t.render(in.vars)
	}
	// No preferred language: take the alphabetically first so the choice is stable.
	best := ""
	for lang := range l {
		if best == "" || lang < best {
			best = lang
		}
	}
	return l[best].render(in.vars)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
