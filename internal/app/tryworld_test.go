package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// TestTryDecidesInMemory: try keeps the script's state in memory (no
// database, not even a scratch file: TMPDIR points nowhere) and still shows
// what that state does: the guard holds back a repeated answer, a new
// customer is answered, and a conversation silent past the idle period
// starts anew.
func TestTryDecidesInMemory(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "does-not-exist"))
	r := shippedRules(t)
	start := time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)
	msgs := []ScriptMessage{
		{At: "0s", Text: "how do refunds work?", Customer: "Ann", Lang: "en"},
		{At: "+1m", Text: "how do refunds work?", Customer: "Ann", Lang: "en"},
		{At: "+1m", Text: "how do refunds work?", Customer: "Bob", Lang: "en"},
		{At: "+48h", Text: "how do refunds work?", Customer: "Ann", Lang: "en"},
	}
	res, err := Try(context.Background(), r, msgs, start)
	if err != nil {
		t.Fatal(err)
	}
	answered := func(i int) bool {
		for _, a := range res[i].Actions {
			if a.Rule == "refund" && a.Type == chat.ActionReply {
				return true
			}
		}
		return false
	}
	if !answered(0) || res[0].Outcome != chat.OutcomeAnswered {
		t.Errorf("first question: %+v", res[0])
	}
	if answered(1) || len(res[1].Suppressed) == 0 {
		t.Errorf("the same question a minute later: %+v, want the answer held back by the guard", res[1])
	}
	if !answered(2) {
		t.Errorf("another customer: %+v, want the answer", res[2])
	}
	if !answered(3) {
		t.Errorf("two days later: %+v, want the answer again", res[3])
	}
}

// TestTryPressesButtons: a scripted press names a rule's button under the
// bot's latest message with buttons in the customer's chat, as the outbox
// keeps it. A button the menu offered answers; one it did not, or a press
// where the bot offered no menu, is refused as the service refuses a
// forged press: the press alone is answered "no longer valid".
func TestTryPressesButtons(t *testing.T) {
	r := shippedRules(t)
	msgs := []ScriptMessage{
		{At: "0s", Text: "/help", Customer: "Ann", Lang: "en"},
		{At: "+10s", Press: "shipping", Customer: "Ann", Lang: "en"},
		{At: "+10s", Press: "coupon", Customer: "Ann", Lang: "en"},
		{At: "+10s", Press: "shipping", Customer: "Bob", Lang: "en"},
	}
	res, err := Try(context.Background(), r, msgs, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		i          int
		wantRule   string // the rule that answers; "" for none
		wantAnswer string
		wantReason string
	}{
		{"a button of the menu answers", 1, "shipping", "", rules.ReasonButton},
		{"a rule the menu does not offer", 2, "", "This button is no longer valid.", rules.ReasonNotOffered},
		{"another customer, shown no menu", 3, "", "This button is no longer valid.", rules.ReasonNotOffered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := res[tt.i]
			rule := ""
			for _, a := range got.Actions {
				rule = a.Rule
			}
			if rule != tt.wantRule || got.Answer != tt.wantAnswer || got.Press != msgs[tt.i].Press {
				t.Errorf("press %s: rule %q, answer %q; want %q, %q", got.Press, rule, got.Answer, tt.wantRule, tt.wantAnswer)
			}
			if len(got.Trace) != 1 || got.Trace[0].Reason != tt.wantReason {
				t.Errorf("trace %+v, want %q", got.Trace, tt.wantReason)
			}
		})
	}
	if _, err := Try(context.Background(), r, []ScriptMessage{{Text: "hi", Press: "shipping"}}, time.Now()); err == nil {
		t.Error("a message with both text and press was accepted")
	}
}

// TestTryAsksForDetails: try plays the questions a handoff rule asks first
// (collect:), keeping the answers in memory as the service keeps them: the
// handoff follows the last answer, and a later rule reads the order number
// (customer.attrs.order) in the customer's next conversation.
func TestTryAsksForDetails(t *testing.T) {
	r := shippedRules(t)
	msgs := []ScriptMessage{
		{At: "0s", Text: "the kettle arrived broken", Customer: "Ann", Lang: "en"},
		{At: "+30s", Text: "my order is 12345678", Customer: "Ann", Lang: "en"},
		{At: "+30s", Text: "skip", Customer: "Ann", Lang: "en"},
		{At: "+1m", Text: "where is my order?", Customer: "Bob", Lang: "en"},
		{At: "+48h", Text: "where is my order?", Customer: "Ann", Lang: "en"}, // a new conversation
	}
	res, err := Try(context.Background(), r, msgs, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		outcome chat.Outcome
		action  chat.ActionType
		text    string
	}{
		{chat.OutcomeAsked, chat.ActionAsk, "What is your order number"},
		{chat.OutcomeAsked, chat.ActionAsk, "Please send a photo"},
		{chat.OutcomeHandedOff, chat.ActionHandoff, "Thank you! A colleague has your details"},
		{chat.OutcomeAnswered, chat.ActionReply, "Orders ship"}, // Bob told no order number
		{chat.OutcomeAnswered, chat.ActionReply, "Order 12345678: orders ship"},
	}
	for i, w := range want {
		got := res[i]
		if got.Outcome != w.outcome || len(got.Actions) == 0 || got.Actions[len(got.Actions)-1].Type != w.action ||
			!strings.HasPrefix(got.Actions[len(got.Actions)-1].Text, w.text) {
			t.Errorf("message %d %q: %s %+v, want %s %s %q", i+1, got.Text, got.Outcome, got.Actions, w.outcome, w.action, w.text)
		}
	}
}

// TestTryPersonWrites: a script line by a person of the brand keeps the bot
// quiet in that customer's chat for the guard's quiet period, across the
// idle period too, and not for anyone else; a line by someone unknown, or
// a person pressing a button, is refused.
func TestTryPersonWrites(t *testing.T) {
	r := shippedRules(t)
	start := time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)
	msgs := []ScriptMessage{
		{At: "0s", Text: "how do refunds work?", Customer: "Ann", Lang: "en"},
		{At: "+1m", Text: "Ann, I'll handle your refund myself", Customer: "Ann", By: ByPerson},
		{At: "+1m", Text: "how long does shipping take?", Customer: "Ann", Lang: "en"},
		{At: "+0s", Text: "how long does shipping take?", Customer: "Bob", Lang: "en"},
		{At: "+31m", Text: "and where is my order?", Customer: "Ann", Lang: "en"},
		{At: "+2d", Text: "Ann, is everything all right?", Customer: "Ann", By: ByPerson},
		{At: "+1m", Text: "where is my order?", Customer: "Ann", Lang: "en"},
	}
	res, err := Try(context.Background(), r, msgs, start)
	if err != nil {
		t.Fatal(err)
	}
	sends := func(i int) int {
		n := 0
		for _, a := range res[i].Actions {
			if a.Text != "" {
				n++
			}
		}
		return n
	}
	if res[1].By != ByPerson || sends(1) != 0 {
		t.Errorf("the person's line: %+v", res[1])
	}
	if sends(2) != 0 || len(res[2].Suppressed) == 0 || res[2].Suppressed[0].Reason != chat.ReasonHumanOwnsConversation {
		t.Errorf("Ann a minute after the person wrote: %+v, want held back as %s", res[2], chat.ReasonHumanOwnsConversation)
	}
	if sends(3) == 0 {
		t.Errorf("Bob: %+v, want an answer", res[3])
	}
	if sends(4) == 0 {
		t.Errorf("Ann after the quiet period: %+v, want an answer", res[4])
	}
	if sends(6) != 0 {
		t.Errorf("Ann after the idle period, a minute after the person wrote: %+v, want nothing", res[6])
	}
	for _, bad := range []ScriptMessage{{Text: "x", By: "agent"}, {Press: "refund", By: ByPerson}} {
		if _, err := Try(context.Background(), r, []ScriptMessage{bad}, start); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// shippedRules loads the shipped example rules.
func shippedRules(t *testing.T) *rules.Rules {
	t.Helper()
	r, err := rules.Load("../../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return r
}
