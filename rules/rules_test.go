package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"full-width latin", "ＲＥＦＵＮＤ", "refund"},
		{"full-width digits and punctuation", "订单１２３！", "订单123"},
		{"case", "Money BACK", "money back"},
		{"cyrillic case", "ВОЗВРАТ Денег", "возврат денег"},
		{"punctuation runs become one space", "refund!!!  now?!", "refund now"},
		{"emoji dropped", "退款😡😡", "退款"},
		{"emoji between words", "money😡back", "money back"},
		{"leading and trailing space", "  hi  ", "hi"},
		{"mixed scripts", "Хочу refund 退款", "хочу refund 退款"},
		{"empty", "", ""},
		{"only symbols", "!!! 👍", ""},
		{"combining accent kept with its letter", "cafe\u0301", "café"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"我想退钱", "zh"},
		{"где мой заказ", "ru"},
		{"where is my order", "en"},
		{"my order 订单", "zh"}, // two Han characters outweigh a few Latin letters
		{"заказ order", "ru"},
		{"12345 !!", ""},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.in); got != tt.want {
			t.Errorf("DetectLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTemplateInsertsValuesVerbatim(t *testing.T) {
	r, err := Parse("t.yaml", []byte(`rules:
  - id: hi
    when: "true"
    reply: "Hello {{name}}!"
`))
	if err != nil {
		t.Fatal(err)
	}
	// A customer who names themselves like a template must get their name
	// back as plain text, not a second expansion.
	ev := chat.Event{Kind: chat.KindText, Text: "hi", Customer: chat.Customer{Name: "{{username}} <b>x</b>", Username: "secret"}}
	d := r.Decide(ev, chat.State{}, time.Now())
	if len(d.Actions) != 1 || d.Actions[0].Text != "Hello {{username}} <b>x</b>!" {
		t.Fatalf("got %+v", d.Actions)
	}
}

func TestWhenRuntimeErrorDoesNotMatch(t *testing.T) {
	r, err := Parse("t.yaml", []byte(`rules:
  - id: boom
    when: 'int(text) > 0'
    reply: "never"
  - id: next
    when: "true"
    reply: "still answered"
`))
	if err != nil {
		t.Fatal(err)
	}
	d := r.Decide(chat.Event{Kind: chat.KindText, Text: "short"}, chat.State{}, time.Now())
	if len(d.Actions) != 1 || d.Actions[0].Rule != "next" {
		t.Fatalf("actions = %+v, want only rule next", d.Actions)
	}
	if !strings.HasPrefix(d.Trace[0].Reason, "when failed:") {
		t.Errorf("trace reason = %q, want a when failure", d.Trace[0].Reason)
	}
}

func TestExampleRulesLoad(t *testing.T) {
	r, err := Load("../configs/rules.yaml")
	if err != nil {
		t.Fatalf("the shipped example must load: %v", err)
	}
	if r.Len() == 0 {
		t.Fatal("example has no rules")
	}
}

// A file with nothing in it is refused as empty, without a position: also
// a document marker alone, whose null value YAML puts on a line the file
// may not have (found by FuzzParseSyntax).
func TestEmptyFile(t *testing.T) {
	for _, src := range []string{"", "\n", "# only a comment\n", "---", "---\n", "---\n# nothing\n"} {
		_, err := Parse("empty.yaml", []byte(src))
		if err == nil || err.Error() != "empty.yaml: the rules file is empty" {
			t.Errorf("%q: err = %v", src, err)
		}
	}
}

func TestCountLinks(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"no links here", 0},
		{"see https://a.example/x and HTTP://B.EXAMPLE", 2},
		{"www.shop.example and t.me/channel", 2},
		{"(https://a.example)", 1},
		{"wwwx and about.me/t.me/x", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := countLinks(tt.in); got != tt.want {
			t.Errorf("countLinks(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestHumanCommandNeverTraps(t *testing.T) {
	noHuman, err := Parse("t.yaml", []byte("rules:\n  - id: faq\n    keywords: [refund]\n    reply: \"Refund info\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	withHuman, err := Parse("t.yaml", []byte("rules:\n  - id: agent\n    keywords: [\"/human\"]\n    handoff: {priority: high}\n    reply: \"Getting someone\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		r        *Rules
		text     string
		lang     string
		wantRule string
		wantText string
	}{
		{"a file without a human rule still hands off", noHuman, "/human", "ru", BuiltinHuman, builtinHandoffReply["ru"]},
		{"the group form of the command", noHuman, "/human@shop_bot", "en", BuiltinHuman, builtinHandoffReply["en"]},
		{"the file's own handoff wins", withHuman, "/human", "en", "agent", "Getting someone"},
		{"not the command", noHuman, "/humane", "en", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := chat.Event{Kind: chat.KindCommand, Text: tt.text, Customer: chat.Customer{Language: tt.lang}}
			for _, d := range []Decision{tt.r.Decide(ev, chat.State{}, time.Now()), tt.r.Explain(ev, chat.State{}, time.Now())} {
				var handoffs []chat.Action
				for _, a := range d.Actions {
					if a.Type == chat.ActionHandoff {
						handoffs = append(handoffs, a)
					}
				}
				if tt.wantRule == "" {
					if len(handoffs) != 0 {
						t.Fatalf("handoffs %+v, want none", handoffs)
					}
					continue
				}
				if len(handoffs) != 1 || handoffs[0].Rule != tt.wantRule || handoffs[0].Text != tt.wantText {
					t.Fatalf("handoffs %+v, want one by %s saying %q", handoffs, tt.wantRule, tt.wantText)
				}
			}
		})
	}
}

const menuRules = `default_language: en
languages: [en, ru]
rules:
  - id: help
    keywords: ["/help"]
    match: full
    reply: {en: "Pick one:", ru: "Выберите:"}
    buttons: [refund, person]
  - id: refund
    keywords: [refund]
    private: true
    label: {en: "Refunds", ru: "Возврат"}
    reply: {en: "Refunds take 3 days.", ru: "Возврат за 3 дня."}
  - id: person
    keywords: [agent]
    when: customer.messages_1h < 20
    label: {en: "A person", ru: "Оператор"}
    handoff: {priority: low}
  - id: shipping
    keywords: [shipping]
    reply: "Ships in a day."
`

func TestButtonsOfferOtherRules(t *testing.T) {
	r, err := Parse("menu.yaml", []byte(menuRules))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindCommand, Text: "/help", ExternalID: "1", Customer: chat.Customer{Language: "ru"}}
	d := r.Decide(ev, chat.State{}, now)
	want := [][]chat.Button{{{Text: "Возврат", Data: "rule:refund"}}, {{Text: "Оператор", Data: "rule:person"}}}
	if len(d.Actions) != 1 || d.Actions[0].Text != "Выберите:" || !equalButtons(d.Actions[0].Buttons, want) {
		t.Fatalf("/help decided %+v, want the menu in Russian", d.Actions)
	}
	// The menu as the outbox has it: a press counts only when it is one of
	// these buttons, on this message.
	menu := chat.State{Offered: []chat.Offer{{MessageID: "7", Buttons: slices.Concat(want...)}}}
	// The menu may have reached the customer before its send was recorded.
	unrecorded := chat.State{Offered: []chat.Offer{{Buttons: slices.Concat(want...)}}}
	flooding := menu
	flooding.Customer.Messages1h = 25
	tests := []struct {
		name    string
		data    string
		st      chat.State
		want    *chat.Action // nil: refused
		refused string
	}{
		{"a genuine press answers with its rule, whatever its keywords", "rule:refund", menu,
			&chat.Action{Type: chat.ActionReply, Rule: "refund", Text: "Возврат за 3 дня.", Private: true}, ""},
		{"a genuine press of a rule with a when that holds", "rule:person", menu,
			&chat.Action{Type: chat.ActionHandoff, Rule: "person", Priority: "low"}, ""},
		{"a genuine press of a message whose send is not recorded yet", "rule:refund", unrecorded,
			&chat.Action{Type: chat.ActionReply, Rule: "refund", Text: "Возврат за 3 дня.", Private: true}, ""},
		{"a press naming a rule no button offered", "rule:shipping", menu, nil, ReasonNotOffered},
		{"a press on a message that offered other buttons", "rule:refund",
			chat.State{Offered: []chat.Offer{{MessageID: "7", Buttons: []chat.Button{{Text: "Shipping", Data: "rule:shipping"}}}}}, nil, ReasonNotOffered},
		{"a press on another message than the menu", "rule:refund",
			chat.State{Offered: []chat.Offer{{MessageID: "6", Buttons: slices.Concat(want...)}}}, nil, ReasonNotOffered},
		{"a press on a message without buttons (or unknown)", "rule:refund", chat.State{}, nil, ReasonNotOffered},
		{"forged data that is no rule's button", "refund please", menu, nil, ReasonNotOffered},
		{"a press whose rule's when refuses now", "rule:person", flooding, nil, ReasonButtonWhenFalse},
		{"a button of a rule since removed", "rule:removed",
			chat.State{Offered: []chat.Offer{{MessageID: "7", Buttons: []chat.Button{{Text: "Old", Data: "rule:removed"}}}}}, nil, ReasonRuleGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			press := chat.Event{Platform: chat.Telegram, Kind: chat.KindCallback, Text: tt.data, ReplyTo: "7", ExternalID: "2", Customer: chat.Customer{Language: "ru"}}
			for _, d := range []Decision{r.Decide(press, tt.st, now), r.Explain(press, tt.st, now)} {
				if len(d.Trace) != 1 {
					t.Fatalf("traced %+v, want the press alone", d.Trace)
				}
				if tt.want == nil {
					if len(d.Actions) != 0 || d.Refused != tt.refused || d.Trace[0].Reason != tt.refused || d.Trace[0].Matched {
						t.Errorf("decided %+v refused %q trace %+v, want refused: %s", d.Actions, d.Refused, d.Trace, tt.refused)
					}
					continue
				}
				if len(d.Actions) != 1 || d.Actions[0].Type != tt.want.Type || d.Actions[0].Rule != tt.want.Rule ||
					d.Actions[0].Private != tt.want.Private || (tt.want.Text != "" && d.Actions[0].Text != tt.want.Text) {
					t.Errorf("decided %+v, want %+v", d.Actions, *tt.want)
				}
				if d.Refused != "" || d.Trace[0].Reason != ReasonButton || !d.Trace[0].Matched {
					t.Errorf("refused %q, traced %+v", d.Refused, d.Trace)
				}
			}
		})
	}
}

func TestButtonErrors(t *testing.T) {
	tests := []struct{ name, buttons, want string }{
		{"unknown rule", "[refnd]", `menu.yaml:8:15: rule "help": buttons: no rule "refnd", did you mean "refund"?`},
		{"a rule that only tags", "[tagger]", `rule "help": buttons: rule "tagger" has no reply or handoff to answer with`},
		{"too many", "[refund, refund, refund, refund, refund, refund, refund, refund, refund, refund, refund]", `at most 10 buttons`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(menuRules, "[refund, person]", tt.buttons, 1) + "  - id: tagger\n    keywords: [x]\n    tag: [x]\n"
			_, err := Parse("menu.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func equalButtons(a, b [][]chat.Button) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}
