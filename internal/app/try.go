package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/timespan"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// ScriptMessage is one customer message of a `frontdesk try --script` file.
type ScriptMessage struct {
	// At is when it is sent: "2h" after the script's start, or "+30s"
	// after the previous message.
	At       string `yaml:"at" json:"at"`
	Text     string `yaml:"text" json:"text"`
	Platform string `yaml:"platform" json:"platform,omitempty"`
	Lang     string `yaml:"lang" json:"lang,omitempty"`
	Chat     string `yaml:"chat" json:"chat,omitempty"`         // private (default) or group
	Customer string `yaml:"customer" json:"customer,omitempty"` // a name; each name is its own customer
	// Press, instead of Text, presses the button of this rule ("refund")
	// under the bot's latest message with buttons in the chat. A button
	// that message did not offer is refused as the service refuses a
	// forged press.
	Press string `yaml:"press" json:"press,omitempty"`
	// By is who writes: the customer (the default) or "person", a person
	// of the brand writing to that customer in their chat in person (a
	// Telegram Business account's owner): the bot then keeps quiet there
	// for guard.person_quiet.
	By string `yaml:"by" json:"by,omitempty"`
}

// ByPerson is ScriptMessage.By for a person of the brand.
const ByPerson = "person"

// TryResult is what the bot would do with one message, and why. Its JSON
// form is documented in the README and kept stable.
type TryResult struct {
	At         time.Time          `json:"at"`
	Text       string             `json:"text"`
	Language   string             `json:"language"`
	Outcome    chat.Outcome       `json:"outcome"`
	Actions    []TryAction        `json:"actions"`
	Suppressed []chat.Suppression `json:"suppressed"`
	Trace      []rules.Step       `json:"trace"`
	// Press is the rule whose button was pressed, for a press; Answer what
	// the press itself is answered, when it says something ("This button
	// is no longer valid.").
	Press  string `json:"press,omitempty"`
	Answer string `json:"answer,omitempty"`
	// By is "person" for a message a person of the brand wrote in person.
	By string `json:"by,omitempty"`
	// The message's type and sentiment (keys type, sentiment,
	// sentiment_score), and why it has that type.
	chat.Insight
	TypeReason string `json:"type_reason,omitempty"`
	// ReadAs is the text the rules read when it is not Text (Russian
	// written in Latin letters, read in Cyrillic; a message typed on the
	// wrong keyboard layout), and ReadFrom how it was read:
	// rules.DescribeReading.
	ReadAs   string `json:"read_as,omitempty"`
	ReadFrom string `json:"read_from,omitempty"`
}

// TryAction is one planned action.
type TryAction struct {
	Type     chat.ActionType `json:"type"`
	Rule     string          `json:"rule"`
	Text     string          `json:"text,omitempty"`
	Priority string          `json:"priority,omitempty"`
	Team     string          `json:"team,omitempty"`
	Tags     []string        `json:"tags,omitempty"`
	Buttons  [][]chat.Button `json:"buttons,omitempty"`
	Private  bool            `json:"private,omitempty"`
}

// LoadScript reads a script file: a YAML list of messages.
func LoadScript(path string) ([]ScriptMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	var msgs []ScriptMessage
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&msgs); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("%s: no messages; write a list like - {at: \"0s\", text: \"hello\"}", path)
	}
	return msgs, nil
}

// Try plays messages through the real deciding — rules, guard, handoff,
// conversation state, suppressions — in memory, with a clock the script
// drives, and reports each decision. Nothing is stored and nothing is sent.
func Try(ctx context.Context, r *rules.Rules, msgs []ScriptMessage, start time.Time) ([]TryResult, error) {
	pipe := pipeline.New(pipeline.Config{}, nil, explainer{r}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	events := make([]chat.Event, len(msgs))
	prev := start
	for i, m := range msgs {
		at, err := scriptTime(m.At, start, prev)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i+1, err)
		}
		if at.Before(prev) {
			return nil, fmt.Errorf("message %d: at %q is before the previous message", i+1, m.At)
		}
		prev = at
		if m.Press != "" && m.Text != "" {
			return nil, fmt.Errorf("message %d: give text or press, not both", i+1)
		}
		switch {
		case m.By != "" && m.By != "customer" && m.By != ByPerson:
			return nil, fmt.Errorf("message %d: by %q: write customer (the default) or person (someone of the brand, writing in the customer's chat in person)", i+1, m.By)
		case m.By == ByPerson && m.Press != "":
			return nil, fmt.Errorf("message %d: a person of the brand writes text, never presses", i+1)
		}
		events[i] = scriptEvent(m, i, at)
	}
	plans, err := playInMemory(ctx, pipe, events)
	if err != nil {
		return nil, err
	}
	out := make([]TryResult, len(msgs))
	for i, m := range msgs {
		out[i] = tryResult(m.Text, events[i].Time, plans[i])
		if events[i].Kind == chat.KindCallback {
			out[i].Press = strings.TrimPrefix(events[i].Text, rules.ButtonPrefix)
		}
		if events[i].Kind == chat.KindPersonReply {
			out[i].By = ByPerson
		}
	}
	return out, nil
}

// TryOne decides a single message as a customer's first, with the full trace.
func TryOne(ctx context.Context, r *rules.Rules, m ScriptMessage, at time.Time) (TryResult, error) {
	res, err := Try(ctx, r, []ScriptMessage{m}, at)
	if err != nil {
		return TryResult{}, err
	}
	return res[0], nil
}

func tryResult(text string, at time.Time, plan chat.Plan) TryResult {
	res := TryResult{At: at, Text: text, Language: plan.Language, Outcome: plan.Outcome, Suppressed: plan.Suppressed, Actions: []TryAction{},
		Insight: plan.Insight, TypeReason: plan.TypeReason, ReadAs: plan.ReadAs, ReadFrom: plan.ReadFrom}
	if res.Suppressed == nil {
		res.Suppressed = []chat.Suppression{}
	}
	add := func(a chat.Action) {
		res.Actions = append(res.Actions, TryAction{Type: a.Type, Rule: a.Rule, Text: a.Text, Priority: a.Priority, Team: a.Team, Tags: a.Tags,
			Buttons: a.Buttons, Private: a.Private})
	}
	for _, snd := range plan.Sends {
		add(snd.Action)
	}
	for _, a := range plan.Recorded {
		add(a)
	}
	if plan.Handoff != nil && plan.Handoff.Text == "" {
		h := plan.Handoff
		res.Actions = append(res.Actions, TryAction{Type: h.Type, Rule: h.Rule, Priority: h.Priority, Team: h.Team})
	}
	for _, a := range plan.CallbackAnswers {
		res.Answer = a.Text
	}
	_ = json.Unmarshal(plan.Trace, &res.Trace)
	if res.Trace == nil {
		res.Trace = []rules.Step{}
	}
	return res
}

func scriptTime(at string, start, prev time.Time) (time.Time, error) {
	if at == "" {
		return prev, nil
	}
	base := start
	if strings.HasPrefix(at, "+") {
		base, at = prev, at[1:]
	}
	d, err := timespan.Parse(at)
	if err != nil {
		return time.Time{}, fmt.Errorf("at %q: write 0s, 2h, 1d (after the start) or +30s, +2 days (after the previous message)", at)
	}
	return base.Add(d), nil
}

func scriptEvent(m ScriptMessage, i int, at time.Time) chat.Event {
	platform := chat.Telegram
	if m.Platform != "" {
		platform = chat.Platform(m.Platform)
	}
	name := m.Customer
	if name == "" {
		name = "Customer"
	}
	// Each customer name gets its own user id, and its own chat unless in a group.
	customerID := strconv.FormatUint(uint64(hashName(name)), 10)
	chatID, chatType := customerID, chat.ChatPrivate
	if m.Chat == "group" {
		chatID, chatType = "-100", chat.ChatGroup
	}
	ev := chat.Event{
		Platform: platform, Bot: "try", ExternalID: strconv.Itoa(i + 1), Kind: chat.KindText, ChatID: chatID, ChatType: chatType,
		MessageID: strconv.Itoa(i + 1), Text: m.Text, Time: at,
		Customer: chat.Customer{ID: customerID, Name: name, Language: m.Lang},
	}
	switch {
	case m.Press != "":
		// A press is not a message: it names the message pressed (filled
		// in by the world) and is answered by its callback id.
		ev.Kind, ev.MessageID, ev.CallbackID = chat.KindCallback, "", "try-"+strconv.Itoa(i+1)
		ev.Text = rules.ButtonPrefix + strings.TrimPrefix(m.Press, rules.ButtonPrefix)
	case m.By == ByPerson:
		ev.Kind = chat.KindPersonReply
	case strings.HasPrefix(m.Text, "/"):
		ev.Kind = chat.KindCommand
	}
	return ev
}

func hashName(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h | 1
}

// explainer decides with the full trace, so try shows every rule.
type explainer struct{ r *rules.Rules }

var _ pipeline.Notices = explainer{}

func (e explainer) Decide(ev chat.Event, st chat.State, now time.Time) rules.Decision {
	return e.r.Explain(ev, st, now)
}

// The customer's notices (claimed, closed, the feedback questions) and the
// snippets are the rules file's, in try as in the service
// (pipeline.Notices): without these the pipeline would fall back to the
// built-in texts.
func (e explainer) Notice(kind chat.CustomerNotice, lang string, vars map[string]string) string {
	return e.r.Notice(kind, lang, vars)
}

func (e explainer) YesNo(lang string, vars map[string]string) (string, string) {
	return e.r.YesNo(lang, vars)
}

func (e explainer) CSAT() rules.CSAT { return e.r.CSAT() }
