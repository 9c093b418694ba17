package rules

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

const collectRules = `languages: [en, ru, zh]
rules:
  - id: broken
    keywords: [broken, сломан, 坏了]
    handoff: {priority: high, team: support}
    ack: {en: "Sorry to hear that.", ru: "Жаль это слышать.", zh: "很抱歉。"}
    reply: {en: "Thanks, order {{order}} goes to a colleague.", ru: "Спасибо, заказ {{order}} передан коллеге.", zh: "谢谢，订单{{order}}已转交同事。"}
    collect:
      - name: order
        check: order_number
        ask: {en: "Your order number?", ru: "Номер заказа?", zh: "订单号？"}
      - name: photo
        check: photo
        ask: {en: "A photo, please.", ru: "Фото, пожалуйста.", zh: "请发照片。"}
  - id: lawyer
    keywords: [lawyer]
    handoff: {priority: critical}
    reply: "A senior colleague will call."
  - id: known-order
    keywords: [status]
    when: customer.attrs.order != ""
    reply: "Order {{order}} is on its way."
  - id: status
    keywords: [status]
    reply: "Which order?"
`

// collectStep is one customer message in a collection test: what they
// write and what the bot must do.
type collectStep struct {
	text    string
	kind    chat.Kind
	lang    string
	actions string // "type rule" of each action, joined by ", "
	text0   string // a part of the first sending action's text
	asking  int    // the detail asked next; -1 when the collection ends
	retried bool
	answers string // the answers when it ends: "order=123 photo=(skipped)"
}

func runCollect(t *testing.T, r *Rules, steps []collectStep) {
	t.Helper()
	var col *chat.Collection
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i, s := range steps {
		kind := s.kind
		if kind == "" {
			kind = chat.KindText
			if strings.HasPrefix(s.text, "/") {
				kind = chat.KindCommand
			}
		}
		ev := chat.Event{Kind: kind, Text: s.text, ExternalID: "e" + string(rune('a'+i)), Customer: chat.Customer{ID: "1", Language: s.lang}}
		st := chat.State{Conversation: chat.Conversation{Status: chat.StatusBot, Collecting: col}}
		d := r.Decide(ev, st, now)
		var got []string
		first := ""
		for _, a := range d.Actions {
			got = append(got, string(a.Type)+" "+a.Rule)
			if first == "" && a.Type.Sends() {
				first = a.Text
			}
		}
		if g := strings.Join(got, ", "); g != s.actions {
			t.Fatalf("step %d %q: actions %q, want %q (trace %+v)", i, s.text, g, s.actions, d.Trace)
		}
		if !strings.Contains(first, s.text0) {
			t.Errorf("step %d %q: text %q, want it to contain %q", i, s.text, first, s.text0)
		}
		if d.Collect == nil {
			t.Fatalf("step %d %q: no collection change", i, s.text)
		}
		if s.asking < 0 {
			if d.Collect.Next != nil {
				t.Fatalf("step %d %q: still asking %+v", i, s.text, d.Collect.Next)
			}
			var as []string
			for _, a := range d.Collect.Answers {
				v := a.Value
				switch {
				case a.Skipped:
					v = "(skipped)"
				case a.Unchecked:
					v += "(unchecked)"
				}
				as = append(as, a.Name+"="+v)
			}
			if g := strings.Join(as, " "); g != s.answers {
				t.Errorf("step %d %q: answers %q, want %q", i, s.text, g, s.answers)
			}
			return
		}
		n := d.Collect.Next
		if n == nil || n.Asking != s.asking || n.Retried != s.retried || n.Rule != "broken" {
			t.Fatalf("step %d %q: next %+v, want asking %d retried %v", i, s.text, n, s.asking, s.retried)
		}
		if d.Collect.Handoff == nil || d.Collect.Handoff.Type != chat.ActionHandoff {
			t.Errorf("step %d %q: no handoff to fall back on: %+v", i, s.text, d.Collect.Handoff)
		}
		col = n
	}
}

func TestCollectDetails(t *testing.T) {
	r, err := Parse("t.yaml", []byte(collectRules))
	if err != nil {
		t.Fatal(err)
	}
	start := collectStep{text: "my kettle arrived broken", actions: "ack broken, ask broken", text0: "Sorry", asking: 0}
	photo := chat.KindPhoto
	tests := []struct {
		name  string
		steps []collectStep
	}{
		{"both answered", []collectStep{start,
			{text: "it is 12345678", actions: "ask broken", text0: "A photo", asking: 1},
			{text: "", kind: photo, actions: "handoff broken", text0: "order 12345678 goes", asking: -1, answers: "order=12345678 photo=[photo]"},
		}},
		{"wrong answer asked again once, then right", []collectStep{start,
			{text: "no idea what you mean", actions: "ask broken", text0: "does not look like an order number", asking: 0, retried: true},
			{text: "#87654321", actions: "ask broken", text0: "A photo", asking: 1},
			{text: "here", kind: photo, actions: "handoff broken", asking: -1, answers: "order=#87654321 photo=[photo] here"},
		}},
		{"wrong twice is kept as given", []collectStep{start,
			{text: "abc", actions: "ask broken", text0: "write “skip”", asking: 0, retried: true},
			{text: "still abc", actions: "ask broken", text0: "A photo", asking: 1},
			{text: "skip", actions: "handoff broken", asking: -1, answers: "order=still abc(unchecked) photo=(skipped)"},
		}},
		{"photo check wants an image", []collectStep{start,
			{text: "12345678", actions: "ask broken", asking: 1},
			{text: "it is cracked", actions: "ask broken", text0: "Please send a photo", asking: 1, retried: true},
			{text: "x", kind: photo, actions: "handoff broken", asking: -1, answers: "order=12345678 photo=[photo] x"},
		}},
		{"skip in English", []collectStep{start,
			{text: "Skip!", actions: "ask broken", asking: 1},
			{text: "skip it", actions: "handoff broken", text0: "order  goes", asking: -1, answers: "order=(skipped) photo=(skipped)"},
		}},
		{"skip in Russian", []collectStep{
			{text: "чайник сломан", lang: "ru", actions: "ack broken, ask broken", text0: "Жаль", asking: 0},
			{text: "пропустить", lang: "ru", actions: "ask broken", text0: "Фото", asking: 1},
			{text: "Пропусти", lang: "ru", actions: "handoff broken", text0: "Спасибо", asking: -1, answers: "order=(skipped) photo=(skipped)"},
		}},
		{"skip in Chinese", []collectStep{
			{text: "水壶坏了", lang: "zh", actions: "ack broken, ask broken", asking: 0},
			{text: "不对", lang: "zh", actions: "ask broken", text0: "这看起来不像订单号", asking: 0, retried: true},
			{text: "跳过", lang: "zh", actions: "ask broken", text0: "请发照片", asking: 1},
			{text: "跳过。", lang: "zh", actions: "handoff broken", text0: "谢谢", asking: -1, answers: "order=(skipped) photo=(skipped)"},
		}},
		{"/human hands off at once with what was given", []collectStep{start,
			{text: "12345678", actions: "ask broken", asking: 1},
			{text: "/human", actions: "handoff builtin:human", asking: -1, answers: "order=12345678"},
		}},
		{"another handoff rule hands off at once", []collectStep{start,
			{text: "I will call my lawyer", actions: "handoff lawyer", text0: "senior", asking: -1, answers: ""},
		}},
		{"a complaint hands off at once", []collectStep{start,
			{text: "this is terrible, awful, horrible service!!!", actions: "handoff broken", asking: -1, answers: ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runCollect(t, r, tt.steps) })
	}
}

func TestHumanIsNeverAskedForDetails(t *testing.T) {
	r, err := Parse("t.yaml", []byte(`rules:
  - id: human
    keywords: ["/human", person]
    handoff: {priority: medium}
    reply: "A colleague will answer."
    collect:
      - {name: order, ask: "Your order number?"}
`))
	if err != nil {
		t.Fatal(err)
	}
	st := chat.State{Conversation: chat.Conversation{Status: chat.StatusBot}}
	d := r.Decide(chat.Event{Kind: chat.KindCommand, Text: "/human"}, st, time.Now())
	if d.Collect != nil || len(d.Actions) != 1 || d.Actions[0].Type != chat.ActionHandoff {
		t.Fatalf("/human: %+v, collect %+v", d.Actions, d.Collect)
	}
	d = r.Decide(chat.Event{Kind: chat.KindText, Text: "a person please"}, st, time.Now())
	if d.Collect == nil || len(d.Actions) != 1 || d.Actions[0].Type != chat.ActionAsk {
		t.Fatalf("a person please: %+v", d.Actions)
	}
	// In a group or channel the rule hands off at once.
	if d := r.Decide(chat.Event{Kind: chat.KindText, Text: "a person please", ChatType: chat.ChatGroup}, st, time.Now()); d.Collect != nil ||
		len(d.Actions) != 1 || d.Actions[0].Type != chat.ActionHandoff {
		t.Fatalf("in a group: %+v", d.Actions)
	}
	// Already with people: nothing is asked.
	st.Conversation.Status = chat.StatusWaitingForHuman
	if d := r.Decide(chat.Event{Kind: chat.KindText, Text: "a person please"}, st, time.Now()); d.Collect != nil {
		t.Fatalf("waiting for a person: %+v", d.Collect)
	}
}

func TestCustomerAttrsInRules(t *testing.T) {
	r, err := Parse("t.yaml", []byte(collectRules))
	if err != nil {
		t.Fatal(err)
	}
	ev := chat.Event{Kind: chat.KindText, Text: "status?"}
	tests := []struct {
		attrs map[string]string
		want  string
	}{
		{nil, "Which order?"},
		{map[string]string{"order": "12345678"}, "Order 12345678 is on its way."},
	}
	for _, tt := range tests {
		d := r.Decide(ev, chat.State{Customer: chat.CustomerState{Attrs: tt.attrs}}, time.Now())
		if len(d.Actions) != 1 || d.Actions[0].Text != tt.want {
			t.Errorf("attrs %v: %+v, want %q", tt.attrs, d.Actions, tt.want)
		}
	}
}

func TestDetailChecks(t *testing.T) {
	order := detail{check: CheckOrderNumber, re: orderNumberRE}
	tests := []struct {
		name  string
		d     detail
		kind  chat.Kind
		text  string
		value string
		ok    bool
	}{
		{"order alone", order, chat.KindText, "12345678", "12345678", true},
		{"order in a sentence", order, chat.KindText, "my order is 12345678, thanks", "12345678", true},
		{"order with #", order, chat.KindText, "#12345678", "#12345678", true},
		{"order with letters", order, chat.KindText, "AB-1234567", "AB-1234567", true},
		{"order too short", order, chat.KindText, "1234", "1234", false},
		{"order words", order, chat.KindText, "I don't have it here", "I don't have it here", false},
		{"order in a longer word", order, chat.KindText, "x12345678y", "x12345678y", false},
		{"email", detail{check: CheckEmail}, chat.KindText, "it's a.b@mail.example.com!", "a.b@mail.example.com", true},
		{"email wrong", detail{check: CheckEmail}, chat.KindText, "a.b at mail", "a.b at mail", false},
		{"phone", detail{check: CheckPhone}, chat.KindText, "call +7 (912) 345-67-89 please", "+7 (912) 345-67-89", true},
		{"phone too short", detail{check: CheckPhone}, chat.KindText, "12-34", "12-34", false},
		{"photo", detail{check: CheckPhoto}, chat.KindPhoto, "", "[photo]", true},
		{"photo with caption", detail{check: CheckPhoto}, chat.KindPhoto, "the crack", "[photo] the crack", true},
		{"text is no photo", detail{check: CheckPhoto}, chat.KindText, "a photo", "a photo", false},
		{"a photo is no order number", order, chat.KindPhoto, "", "[photo]", false},
		{"no check takes a photo", detail{}, chat.KindPhoto, "", "[photo]", true},
		{"own pattern keeps its group", detail{check: checkPattern, re: regexpMust(`(?i)size\s*(\d{2})`)}, chat.KindText, "Size 42 please", "42", true},
		{"no check takes any text", detail{}, chat.KindText, " red ", "red", true},
		{"no check takes no sticker", detail{}, chat.KindSticker, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.d.fits(chat.Event{Kind: tt.kind, Text: tt.text})
			if v != tt.value || ok != tt.ok {
				t.Errorf("fits(%q) = %q, %v; want %q, %v", tt.text, v, ok, tt.value, tt.ok)
			}
		})
	}
}

func TestIsSkip(t *testing.T) {
	for _, s := range []string{"skip", "Skip.", "/skip", " SKIP IT ", "don't know", "пропустить", "Пропустить!", "не знаю", "跳过", "跳过！", "不知道"} {
		if !IsSkip(s) {
			t.Errorf("IsSkip(%q) = false", s)
		}
	}
	for _, s := range []string{"", "12345678", "skipping rope", "no", "нет", "好"} {
		if IsSkip(s) {
			t.Errorf("IsSkip(%q) = true", s)
		}
	}
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// TestOwnOrderNumbers: pattern: with check: order_number replaces the
// built-in pattern and keeps the order number's explanation.
func TestOwnOrderNumbers(t *testing.T) {
	r, err := Parse("t.yaml", []byte(`rules:
  - id: broken
    keywords: [broken]
    handoff: {priority: high}
    collect:
      - {name: order, check: order_number, pattern: '\bSO-\d{6}\b', ask: "Your order number (SO-123456)?"}
`))
	if err != nil {
		t.Fatal(err)
	}
	col := &chat.Collection{Rule: "broken"}
	for _, tt := range []struct {
		text, want string
		next       bool
	}{
		{"12345678", "That does not look like an order number. Please send it again", true},
		{"it is SO-123456", "", false},
	} {
		st := chat.State{Conversation: chat.Conversation{Status: chat.StatusBot, Collecting: col}}
		d := r.Decide(chat.Event{Kind: chat.KindText, Text: tt.text}, st, time.Now())
		if d.Collect == nil || (d.Collect.Next != nil) != tt.next || tt.want != "" && !strings.HasPrefix(d.Actions[0].Text, tt.want) {
			t.Fatalf("%q: %+v, %+v", tt.text, d.Actions, d.Collect)
		}
		if !tt.next && (len(d.Collect.Answers) != 1 || d.Collect.Answers[0].Value != "SO-123456") {
			t.Errorf("%q: answers %+v", tt.text, d.Collect.Answers)
		}
	}
}

// TestDetailsGivenUpFront: what the first message already holds is not
// asked for again; when it holds everything, the rule hands off at once.
func TestDetailsGivenUpFront(t *testing.T) {
	r, err := Parse("t.yaml", []byte(collectRules+`  - id: contact
    keywords: [callback]
    handoff: {priority: low}
    collect:
      - {name: phone, check: phone, ask: {en: "Your phone?", ru: "Телефон?", zh: "电话？"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	st := chat.State{Conversation: chat.Conversation{Status: chat.StatusBot}}
	tests := []struct {
		name    string
		ev      chat.Event
		actions string
		asking  int // -1: handed off
		answers int
	}{
		{"nothing given", chat.Event{Kind: chat.KindText, Text: "it arrived broken"}, "ack broken, ask broken", 0, 0},
		{"the order number given", chat.Event{Kind: chat.KindText, Text: "order 12345678 arrived broken"}, "ack broken, ask broken", 1, 1},
		{"a photo with the order number", chat.Event{Kind: chat.KindPhoto, Text: "broken, order #12345678"}, "ack broken, handoff broken", -1, 2},
		{"a phone number is always asked", chat.Event{Kind: chat.KindText, Text: "callback to +7 912 345 67 89"}, "ask contact", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Decide(tt.ev, st, time.Now())
			var got []string
			for _, a := range d.Actions {
				got = append(got, string(a.Type)+" "+a.Rule)
			}
			if g := strings.Join(got, ", "); g != tt.actions || d.Collect == nil {
				t.Fatalf("actions %q, want %q; collect %+v", g, tt.actions, d.Collect)
			}
			switch n := d.Collect.Next; {
			case tt.asking < 0 && (n != nil || len(d.Collect.Answers) != tt.answers):
				t.Errorf("collect %+v, want a handoff with %d answers", d.Collect, tt.answers)
			case tt.asking >= 0 && (n == nil || n.Asking != tt.asking || len(n.Answers) != tt.answers):
				t.Errorf("next %+v, want asking %d with %d answers", n, tt.asking, tt.answers)
			}
		})
	}
}
