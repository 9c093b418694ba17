package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Keywords that can never match. Two ways a marketer loses a keyword without
// noticing: an earlier rule answers every message that contains it, or it is
// written in a script none of the file's languages uses.
//
// Shadowing is found by asking the real engine, not by re-deriving its
// matching here: each keyword, sent alone as a message, is decided; if an
// earlier rule answers it because of one of its own keywords, the keyword's
// rule never sees it. Whatever the engine learns later (word forms, scoring
// that lets the more specific rule win), this check follows without change.

// ruleKeyword is one literal keyword of a rule, where it is written.
type ruleKeyword struct {
	word  str
	group string // "" when written in the rule itself
}

// literalKeywords lists a rule's literal keywords, groups expanded; regular
// expressions are left out (no single message stands for them).
func literalKeywords(f *fileYAML, ry *ruleYAML) []ruleKeyword {
	var out []ruleKeyword
	for _, k := range ry.Keywords {
		if k.Regex.Value != "" {
			continue
		}
		if words, ok := f.Keywords[k.Word.Value]; ok && k.Match.Value == "" {
			for _, w := range words {
				if w.Regex.Value == "" {
					out = append(out, ruleKeyword{word: w.Word, group: k.Word.Value})
				}
			}
			continue
		}
		out = append(out, ruleKeyword{word: k.Word})
	}
	return out
}

// keywordWarnings records shadowed keywords and keywords in a language the
// file does not list. It runs on a file that loaded without errors.
func (r *Rules) keywordWarnings(f *fileYAML, errs *errorList) {
	index := map[string]int{}
	for i, ru := range r.rules {
		index[ru.id] = i
	}
	now := r.testTime()
	// A returning customer in the middle of a conversation: greeting and
	// first-message rules stay out of the way, as for most messages.
	st := chat.State{Conversation: chat.Conversation{Status: chat.StatusBot}}
	for j := range f.Rules {
		ry := &f.Rules[j]
		if ry.When.Value != "" || j >= len(r.rules) {
			// With a when, the rule may be meant to lose in this context;
			// there is no message that proves it never matches.
			continue
		}
		kws := literalKeywords(f, ry)
		type shadow struct {
			kw      ruleKeyword
			by, via string
		}
		var shadowed []shadow
		seen := map[string]bool{}
		for _, kw := range kws {
			if seen[kw.word.Value] {
				continue
			}
			seen[kw.word.Value] = true
			ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, Text: kw.word.Value, Time: now}
			if strings.HasPrefix(kw.word.Value, "/") {
				ev.Kind = chat.KindCommand
			}
			by, via := r.answeredBy(ev, st)
			if via == "" {
				continue // answered by when alone: a context question, not shadowing
			}
			i, ok := index[by]
			if !ok || i >= j || by == ry.ID.Value {
				continue
			}
			shadowed = append(shadowed, shadow{kw, by, via})
		}
		if len(shadowed) == 0 {
			continue
		}
		at := ry.title()
		if len(shadowed) == len(seen) && len(seen) > 1 {
			s := shadowed[0]
			errs.warn(ry.ID.Line, ry.ID.Col, "%s can never match by its keywords: rule %q (line %d) comes first and answers each of them (%q through its keyword %q, …); move %s above it, or remove it",
				at, s.by, r.rules[index[s.by]].line, s.kw.word.Value, s.via, at)
			continue
		}
		for _, s := range shadowed {
			where := ""
			if s.kw.group != "" {
				where = fmt.Sprintf(" (group %s)", s.kw.group)
			}
			errs.warn(s.kw.word.Line, s.kw.word.Col, "%s: keyword %q%s can never match: rule %q (line %d) comes first and answers it through its keyword %q; move %s above it, or remove the keyword",
				at, s.kw.word.Value, where, s.by, r.rules[index[s.by]].line, s.via, at)
		}
	}
	r.languageWarnings(f, errs)
}

// answeredBy is the rule that answers ev and the keyword it answered
// through ("" when by `when` alone). Decide, not Explain: its trace has
// every rule whose keyword was found, and a file of thousands of keywords
// must still load in a blink.
func (r *Rules) answeredBy(ev chat.Event, st chat.State) (rule, keyword string) {
	d := r.Decide(ev, st, ev.Time)
	for _, a := range d.Actions {
		if Answers(a.Type) {
			rule = a.Rule
			break
		}
	}
	for _, s := range d.Trace {
		if s.Rule == rule && rule != "" {
			return rule, s.Keyword
		}
	}
	return rule, ""
}

// scriptLanguages maps a script, as DetectLanguage names it, to the
// language codes written in it; a keyword's script must belong to one of
// the file's languages.
var scriptLanguages = map[string][]string{
	"zh": {"zh", "ja"},
	"ru": {"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg"},
}

// nonLatin are language codes not written in Latin letters.
var nonLatin = map[string]bool{"zh": true, "ja": true, "ko": true, "ru": true, "uk": true, "be": true, "bg": true, "sr": true, "mk": true,
	"kk": true, "ky": true, "mn": true, "tg": true, "ar": true, "he": true, "fa": true, "hi": true, "th": true, "el": true, "ka": true, "hy": true}

var scriptName = map[string]string{"zh": "Chinese characters", "ru": "Cyrillic", "en": "Latin letters"}

// languageWarnings finds keywords written in a script none of the file's
// `languages:` uses: customers of the listed languages do not write them,
// and the rule's texts have no reply in the keyword's language.
func (r *Rules) languageWarnings(f *fileYAML, errs *errorList) {
	if len(f.Languages) == 0 {
		return
	}
	var langs []string
	for _, l := range f.Languages {
		langs = append(langs, strings.ToLower(l.Value))
	}
	covers := func(script string) bool {
		for _, l := range langs {
			if script == "en" && !nonLatin[l] || contains(scriptLanguages[script], l) {
				return true
			}
		}
		return false
	}
	check := func(w str, at string) {
		v := w.Value
		if strings.HasPrefix(v, "/") || strings.IndexFunc(v, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 {
			return // commands and codes are not words of a language
		}
		script := DetectLanguage(v)
		if script == "" || covers(script) {
			return
		}
		errs.warn(w.Line, w.Col, "%skeyword %q is written in %s, but languages: lists only %s; add its language to languages: or remove the keyword",
			at, v, scriptName[script], strings.Join(langs, ", "))
	}
	groups := keys(f.Keywords)
	sort.Strings(groups)
	for _, g := range groups {
		for _, k := range f.Keywords[g] {
			check(k.Word, fmt.Sprintf("keyword group %q: ", g))
		}
	}
	for i := range f.Rules {
		for _, k := range f.Rules[i].Keywords {
			if _, isGroup := f.Keywords[k.Word.Value]; !isGroup {
				check(k.Word, fmt.Sprintf("rule %q: ", f.Rules[i].ID.Value))
			}
		}
	}
}

// TeamRef is a rule's handoff to a named team, where the file says so.
type TeamRef struct {
	Rule, Team string
	Line, Col  int
	Source     string // the line of the file, for the caret
}

func teamRefs(f *fileYAML, lines []string) []TeamRef {
	var out []TeamRef
	for _, ry := range f.Rules {
		if ry.Handoff == nil || ry.Handoff.Team.Value == "" {
			continue
		}
		t := ry.Handoff.Team
		ref := TeamRef{Rule: ry.ID.Value, Team: t.Value, Line: t.Line, Col: t.Col}
		if t.Line > 0 && t.Line <= len(lines) {
			ref.Source = lines[t.Line-1]
		}
		out = append(out, ref)
	}
	return out
}

// CheckTeams warns about handoffs to teams the service config does not
// define. The rules file cannot know the config, so `check` asks, with the
// config's team names in its order (the first is where unknown teams go).
func (r *Rules) CheckTeams(teams []string) Errors {
	var out Errors
	for _, ref := range r.teamRefs {
		if contains(teams, ref.Team) {
			continue
		}
		what := "no team is configured (handoff.teams in the service config), so no team chat is told of these handoffs"
		if len(teams) > 0 {
			what = fmt.Sprintf("the service config defines only %s, so these handoffs go to %q%s",
				strings.Join(teams, ", "), teams[0], suggest(ref.Team, teams))
		}
		out = append(out, &Error{File: r.file, Line: ref.Line, Col: ref.Col, Source: ref.Source,
			Msg: fmt.Sprintf("warning: rule %q: handoff to team %q, which the service config does not define: %s", ref.Rule, ref.Team, what)})
	}
	return out
}
