package rules

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ExampleTime is when a labelled message is decided unless told otherwise:
// the same Wednesday 10:00 in the file's time zone as the tests: section,
// so `check --cases` figures do not depend on the hour they are run.
func (r *Rules) ExampleTime() time.Time { return r.testTime() }

// RuleIDs are the ids of the file's rules, in file order.
func (r *Rules) RuleIDs() []string {
	out := make([]string, len(r.rules))
	for i, ru := range r.rules {
		out[i] = ru.id
	}
	return out
}

// Answers reports whether actions of this type give the customer an
// answer (or deliberately none, for spam): a reply, a handoff to a person,
// or ignoring. An acknowledgement or a tag is not an answer.
func Answers(t chat.ActionType) bool {
	return t == chat.ActionReply || t == chat.ActionHandoff || t == chat.ActionIgnore
}

// matchModes are the values of match:.
var matchModes = []string{"partial", "full", "exact"}

// Suggest returns ", did you mean X?" when one of known is close to got,
// else "".
func Suggest(got string, known []string) string { return suggest(got, known) }

// nameHint follows an unknown name in a `when`: a bare value people meant
// as text (weekday == mon) needs quotes, anything else the nearest name.
func nameHint(name string) string {
	if quotedValues[name] {
		return fmt.Sprintf("; a text value is written in quotes: %q", name)
	}
	if messageNames[name] {
		return "; the message's own names have no prefix: text, kind, media, links, language, type, sentiment"
	}
	if ours, ok := meantNames[name]; ok {
		return fmt.Sprintf(", did you mean %q?", ours)
	}
	return suggest(name, envNames)
}

// messageNames are what other bot frameworks call the message as a whole
// (message.text in their filters): here its parts are names of their own.
var messageNames = map[string]bool{"message": true, "msg": true, "update": true, "event": true}

// meantNames are names people bring from other tools or plain English for
// one of ours that no spelling distance would find (user for customer).
var meantNames = map[string]string{
	"body": "text", "content": "text", "input": "text",
	"user": "customer", "client": "customer", "sender": "customer",
	"lang": "language", "locale": "language",
	"day": "weekday", "dow": "weekday", "time": "now", "date": "now",
	"session": "conversation", "dialog": "conversation", "dialogue": "conversation", "thread": "conversation",
	"business_hours": "in_business_hours", "open_hours": "in_business_hours", "working_hours": "in_business_hours",
	"incident": "incidents", "link": "links", "urls": "links",
}

// plainWhen makes the rest of expr's messages speak the marketer's
// vocabulary: the names they write (customer, conversation) instead of Go
// types (rules.CustomerEnv), with the fields there are.
func plainWhen(msg, src string) string {
	if m := noField.FindStringSubmatch(msg); m != nil {
		owner, field := m[1], m[2]
		fields, ok := envFields[owner]
		if !ok {
			return fmt.Sprintf("%s has no fields; %s cannot follow it", plainType(owner), field)
		}
		hint := suggest(field, fields)
		if owner == "rules.CustomerEnv" && hint == "" {
			// What a customer told (collect:) is under attrs.
			hint = fmt.Sprintf("; what the customer told is customer.attrs.%s", field)
		}
		return fmt.Sprintf("%s has no field %s%s (it has %s)", envPath[owner], field, hint, strings.Join(fields, ", "))
	}
	if m := unexpectedToken.FindStringSubmatch(msg); m != nil {
		if hint := tokenHint(m[1], m[2]); hint != "" {
			return msg + hint
		}
	}
	if strings.HasPrefix(msg, "unexpected token EOF") {
		return "the expression ends too early: something is missing after its last operator"
	}
	out := strings.TrimSpace(goTypes.ReplaceAllStringFunc(msg, plainType))
	if strings.Contains(out, "duration and number") || strings.Contains(out, "number and duration") {
		out += `; compare a duration with another, such as duration("2h")`
	}
	if m := mismatched.FindStringSubmatch(out); m != nil && strings.Contains(src, "customer.attrs") && slices.Contains(m[1:], "text") &&
		(slices.Contains(m[1:], "true/false") || slices.Contains(m[1:], "number")) {
		// customer.attrs.vip == true: what a customer told, and every
		// attribute, is a text.
		out += `; customer.attrs are texts: compare with a text in quotes, such as customer.attrs.vip == "yes"`
	}
	return out
}

// tokenHint is what a marketer who wrote a token expr did not expect most
// likely meant: = for ==, AND for and, has for contains.
func tokenHint(kind, token string) string {
	switch {
	case kind == "Operator" && token == "=":
		return `: compare with ==, such as language == "zh"`
	case kind == "Operator" && token == "<>":
		return `: write != for "is not"`
	case kind == "Identifier" && slices.Contains([]string{"AND", "And", "OR", "Or", "NOT", "Not"}, token):
		return fmt.Sprintf(": write %s in lower case (or %s)", strings.ToLower(token), map[string]string{"and": "&&", "or": "||", "not": "!"}[strings.ToLower(token)])
	case kind == "Identifier" && slices.Contains([]string{"has", "includes", "include", "contain", "like", "CONTAINS", "Contains"}, token):
		return `: did you mean contains? such as text contains "refund"`
	case kind == "Identifier" && slices.Contains([]string{"is", "equals", "eq"}, token):
		return `: compare with ==, such as language == "zh"`
	}
	return ""
}

var (
	unexpectedToken = regexp.MustCompile(`^unexpected token (\w+)\("(.*)"\)`)
	mismatched      = regexp.MustCompile(`mismatched types ([\w/ ]+?) and ([\w/ ]+?)\)`)
	noField         = regexp.MustCompile(`type (\S+) has no field (\S+)`)
	goTypes         = regexp.MustCompile(`rules\.\w+|time\.Duration|time\.Time|\[\]string|func\(string\) bool|\bbool\b|\bint\b|\bfloat64\b|\bstring\b`)
)

// plainType names a Go type the way the README's `when` table does.
func plainType(t string) string {
	if p, ok := envPath[t]; ok {
		return p
	}
	switch t {
	case "time.Duration":
		return "duration"
	case "time.Time":
		return "time"
	case "[]string":
		return "list of texts"
	case "func(string) bool":
		return "has()"
	case "bool":
		return "true/false"
	case "int", "float64":
		return "number"
	case "string":
		return "text"
	}
	return t
}

// envPath is what a marketer writes for each type of Env.
var envPath = map[string]string{
	"rules.Env": "the message", "rules.ChatEnv": "chat", "rules.CustomerEnv": "customer", "rules.ConversationEnv": "conversation",
	"rules.MediaEnv": "media",
}

// envFields lists the names under each part of Env, from its expr tags, so
// the suggestions can never drift from what expressions can read.
var envFields = func() map[string][]string {
	out := map[string][]string{}
	for _, v := range []any{Env{}, ChatEnv{}, CustomerEnv{}, ConversationEnv{}, MediaEnv{}} {
		t := reflect.TypeOf(v)
		var names []string
		for i := 0; i < t.NumField(); i++ {
			if tag := t.Field(i).Tag.Get("expr"); tag != "" {
				names = append(names, tag)
			}
		}
		out["rules."+t.Name()] = names
	}
	return out
}()

// quotedValues are values people write in a `when` without quotes
// (weekday == mon): the fix is the quotes, not another name.
var quotedValues = func() map[string]bool {
	out := map[string]bool{}
	for _, v := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun", "private", "group", "channel", "telegram", "discord", "sandbox", "photo", "sticker", "media", "command", "callback", "zh", "ru", "en"} {
		out[v] = true
	}
	return out
}()

// HandoffTeam is the team the rule id hands off to where the file names
// one; "" for a rule without a handoff or without a team (the default
// team's). Spikes of the rule alert that team.
func (r *Rules) HandoffTeam(id string) string {
	for _, ref := range r.teamRefs {
		if ref.Rule == id {
			return ref.Team
		}
	}
	return ""
}

// CustomerCommand is a command customers can type, as a platform lists it
// for autocompletion.
type CustomerCommand struct {
	Name        string // without the slash
	Description string
}

// customerCommands are the commands a customer may be offered, in the
// order they are listed. /human is built in (the bot never traps anyone);
// the others are offered only when a rule answers them.
var customerCommands = []CustomerCommand{
	{Name: "start", Description: "Start a conversation with the shop assistant"},
	{Name: "help", Description: "Frequently asked questions"},
	{Name: "human", Description: "Talk to a person from our team"},
}

// CustomerCommands are the commands worth listing for customers with these
// rules: /human always, /start and /help when some rule answers them, so
// autocompletion never offers a command the bot leaves unanswered. A first
// message in a private Telegram chat is how a command arrives.
func (r *Rules) CustomerCommands() []CustomerCommand {
	now := r.testTime()
	var out []CustomerCommand
	for _, c := range customerCommands {
		if c.Name != "human" {
			ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindCommand, ChatType: chat.ChatPrivate, Text: "/" + c.Name, Time: now}
			if !r.speaksTo(ev) {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// speaksTo reports whether the rules answer ev with words or a person;
// a command that is only ignored or tagged is not worth offering.
func (r *Rules) speaksTo(ev chat.Event) bool {
	for _, a := range r.Decide(ev, chat.State{Conversation: chat.Conversation{Status: chat.StatusBot}}, ev.Time).Actions {
		if a.Type == chat.ActionReply || a.Type == chat.ActionHandoff {
			return true
		}
	}
	return false
}
