package pipeline

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// TestContextCard: the card says who the customer is, only what is known,
// and the last lines messages with their times in the team's zone, media
// as what it is.
func TestContextCard(t *testing.T) {
	at := time.Date(2026, 3, 5, 8, 30, 0, 0, time.UTC)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	msgs := []chat.HistoryEntry{
		{Direction: "in", Kind: "text", Text: "hello", At: at},
		{Direction: "out", Kind: "reply", Text: "Hi!", At: at},
		{Direction: "in", Kind: "photo", Text: "the broken box", At: at.Add(time.Minute)},
		{Direction: "in", Kind: "voice", At: at.Add(2 * time.Minute)},
		{Direction: "out", Kind: "relay", Text: "We'll send another.", At: at.Add(3 * time.Minute)},
		{Direction: "note", Kind: "note", Text: "Alice: VIP", At: at.Add(4 * time.Minute)},
	}
	var long []chat.HistoryEntry
	for i := range 50 {
		long = append(long, chat.HistoryEntry{Direction: "in", Kind: "text", Text: fmt.Sprint(i, " ", strings.Repeat("x", 400)), At: at})
	}
	tests := []struct {
		name  string
		c     chat.CustomerContext
		lines int
		loc   *time.Location
		want  []string
		not   []string
	}{
		{"a returning customer with everything", chat.CustomerContext{Name: "Ann", Username: "ann", Platform: chat.Telegram, Language: "ru",
			FirstSeen: at.AddDate(0, -2, 0), Conversations: 3, Handoffs: 1, LastCSAT: 4, Tags: []string{"vip", "refund"}, Blocked: true, Messages: msgs},
			10, time.UTC, []string{
				"Customer: Ann (@ann) · telegram · ru · ⛔ blocked\nFirst seen 5 Jan 2026 · 3 conversations before · 1 handoff before · last rating 4/5\nTags: vip, refund\n—\n",
				"05 Mar 08:30 Customer: hello\n05 Mar 08:30 Bot: Hi!\n05 Mar 08:31 Customer: 📷 photo: the broken box\n05 Mar 08:32 Customer: 🎤 voice\n",
				"05 Mar 08:33 Agent: We'll send another.\n05 Mar 08:34 Note: Alice: VIP",
			}, nil},
		{"a new customer: nothing made up", chat.CustomerContext{Platform: chat.Discord, Messages: msgs[:1]}, 5, time.UTC,
			[]string{"Customer: Customer · discord\nFirst time here · no conversations before · no handoffs before\n—\n05 Mar 08:30 Customer: hello"},
			[]string{"rating", "Tags", "blocked"}},
		{"the last lines only, in the team's zone", chat.CustomerContext{Name: "Лин", Platform: chat.Telegram, Messages: msgs}, 2, shanghai,
			[]string{"05 Mar 16:33 Agent: We'll send another.\n05 Mar 16:34 Note: Alice: VIP"}, []string{"hello", "photo"}},
		{"no messages", chat.CustomerContext{Name: "Ann", Platform: chat.Sandbox}, 5, time.UTC, []string{"—\n(no messages yet)"}, nil},
		{"too many for one message: the latest that fit", chat.CustomerContext{Name: "Ann", Platform: chat.Telegram, Messages: long}, 50, time.UTC,
			[]string{"—\n(41 messages earlier not shown: too long for one message)\n05 Mar 08:30 Customer: 41 ", "Customer: 49 "}, []string{"Customer: 40 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := contextCard(tt.c, tt.lines, tt.loc)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("card lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("card says %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestContextCommandsAndButtons: /history [n], /snippets and a suggested
// snippet's button are read as such; a long snippet name's button names
// it by its place, and a press of it sends that snippet.
func TestContextCommandsAndButtons(t *testing.T) {
	long := "a-very-long-snippet-name-about-refunds-and-returns"
	r, err := rules.Parse("rules.yaml", []byte(`snippets:
  apology: "Sorry, {{name}}!"
  `+long+`: "Refunds take 5 days."
rules:
  - id: refund
    keywords: [refund]
    handoff: {team: support, snippets: [`+long+`, apology]}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Teams: []Team{support}}, nil, r, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	buttons := p.snippetButtons([]string{long, "apology", "gone"})
	if len(buttons) != 2 || buttons[0].Data != "snip:{handoff}:0" || buttons[1].Data != "snip:{handoff}:apology" || buttons[0].Text != "✉ #"+long {
		t.Fatalf("buttons %+v; want the long name by its place, apology by name, none for a snippet not in the rules", buttons)
	}
	for _, b := range buttons {
		if n := len(strings.Replace(b.Data, "{handoff}", "9223372036854775807", 1)); n > maxButtonData {
			t.Errorf("button data %q is %d bytes with the largest handoff id", b.Data, n)
		}
	}

	parse := []struct {
		ev      chat.Event
		cmd     chat.AgentCommand
		text    string
		handoff int64
	}{
		{chat.Event{Kind: chat.KindCommand, Text: "/history 3", ReplyTo: "5"}, chat.AgentHistory, "3", 0},
		{chat.Event{Kind: chat.KindCommand, Text: "/history@shop_bot", ThreadID: "7"}, chat.AgentHistory, "", 0},
		{chat.Event{Kind: chat.KindCommand, Text: "/snippets"}, chat.AgentSnippets, "", 0},
		{chat.Event{Kind: chat.KindCallback, Text: "snip:12:apology"}, agentSnippet, "apology", 12},
		{chat.Event{Kind: chat.KindCallback, Text: "snip:12:1"}, agentSnippet, "1", 12},
		{chat.Event{Kind: chat.KindCallback, Text: "snip:x:apology"}, "", "", 0},
		{chat.Event{Kind: chat.KindCallback, Text: "snip:12:"}, "", "", 0},
	}
	for _, tt := range parse {
		cmd, text, id := parseAgentEvent(tt.ev)
		if cmd != tt.cmd || text != tt.text || id != tt.handoff {
			t.Errorf("parseAgentEvent(%q) = %q, %q, %d; want %q, %q, %d", tt.ev.Text, cmd, text, id, tt.cmd, tt.text, tt.handoff)
		}
	}

	st := chat.AgentState{Handoff: chat.OpenHandoff{ID: 12, Team: "support", State: chat.HandoffClaimed, ClaimedBy: chat.Agent{ID: "telegram:1", Name: "Ann"}},
		Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: decideNow.Add(-time.Minute), ConversationKey: "telegram/shop/42",
		Language: "en", CustomerName: "Lin"}
	ann := chat.Agent{ID: "telegram:1", Name: "Ann"}
	press := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Kind: chat.KindCallback, CallbackID: "cb", Text: "snip:12:0"}
	plan := p.agentPlan(st, agentSnippet, ann, "0", press, decideNow)
	if plan.Command != chat.AgentRelay || plan.Text != "Refunds take 5 days." || plan.CallbackAnswer != "Sent #"+long+" to the customer." {
		t.Fatalf("press of the long name's button: %+v", plan)
	}

	withContext := st
	withContext.Context = &chat.CustomerContext{Name: "Lin", Platform: chat.Telegram, Messages: []chat.HistoryEntry{{Direction: "in", Text: "hi", At: decideNow}}}
	history := []struct {
		name string
		st   chat.AgentState
		arg  string
		says string
	}{
		{"the card", withContext, "3", "History · last 3 messages\nCustomer: Lin · telegram"},
		{"the configured number", withContext, "", "History · last 5 messages"},
		{"at most the maximum", withContext, "500", "History · last 50 messages"},
		{"not a number", withContext, "three", "Usage: /history [N]"},
		{"a forgotten conversation", st, "", "No history"},
	}
	for _, tt := range history {
		t.Run(tt.name, func(t *testing.T) {
			ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Kind: chat.KindCommand, ReplyTo: "5", Text: "/history " + tt.arg}
			plan := p.agentPlan(tt.st, chat.AgentHistory, ann, tt.arg, ev, decideNow)
			if plan.Command != "" || plan.Text != "" || len(plan.Notices) != 1 || plan.Notices[0].ChatID != "-100" ||
				!strings.HasPrefix(plan.Notices[0].Text, tt.says) {
				t.Fatalf("plan %+v; want only the team chat told %q", plan, tt.says)
			}
		})
	}
	// Another team's agent sees nothing of the customer.
	billing := Team{Name: "billing", Platform: chat.Telegram, Bot: "shop", ChatID: "-200"}
	two := New(Config{Teams: []Team{support, billing}}, nil, r, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "-200", Kind: chat.KindCommand, ReplyTo: "5", Text: "/history"}
	plan = two.agentPlan(withContext, chat.AgentHistory, chat.Agent{ID: "telegram:3", Name: "Bo"}, "", ev, decideNow)
	if len(plan.Notices) != 1 || !strings.Contains(plan.Notices[0].Text, "belongs to team support") || strings.Contains(plan.Notices[0].Text, "Lin") {
		t.Errorf("another team's /history: %+v", plan.Notices)
	}
}
