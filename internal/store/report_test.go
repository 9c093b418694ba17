package store

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// decideAt stores an event and processes it at a moment with a fixed plan.
func decideAt(t *testing.T, s *Store, ev chat.Event, at time.Time, plan chat.Plan) {
	t.Helper()
	mustAccept(t, s, ev)
	if err := s.ProcessEvent(context.Background(), claimOne(t, s, at), at, 24*time.Hour,
		func(chat.State) (chat.Plan, error) { return plan, nil }); err != nil {
		t.Fatal(err)
	}
}

// relayAt has an agent write to the customer of a handoff.
func relayAt(t *testing.T, s *Store, id string, handoffID int64, at time.Time) {
	t.Helper()
	mustAccept(t, s, chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: id, Kind: chat.KindText, ChatID: "-100",
		ChatType: chat.ChatGroup, Text: "on it", Customer: chat.Customer{ID: "7", Name: "Alice"}})
	_, err := s.ProcessAgentEvent(context.Background(), claimOne(t, s, at), handoffID, at, func(st chat.AgentState) (chat.AgentPlan, error) {
		return chat.AgentPlan{Command: chat.AgentRelay, Agent: chat.Agent{ID: "telegram:7", Name: "Alice"}, Claim: st.Handoff.State == chat.HandoffWaiting, Text: "on it"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// trace is a decision's trace as the pipeline stores it.
func trace(t *testing.T, steps ...rules.Step) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(steps)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openHandoffID(t *testing.T, s *Store, chatID string) int64 {
	t.Helper()
	h, err := s.OpenHandoff(context.Background(), conversationOf(t, s, chatID))
	if err != nil {
		t.Fatal(err)
	}
	return h.ID
}

// seedReport writes a day of history, [t0, t0+24h), with a message and a
// handoff on each side of it; the tests below list what it holds.
func seedReport(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	minute := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Minute))) }
	answered := func(rule string) chat.Plan {
		return chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: rule, Text: rule + " answer"}}}}
	}
	handoff := func(rule, prio string, due time.Time) chat.Plan {
		h := chat.Action{Type: chat.ActionHandoff, Rule: rule, Priority: prio, Team: "support"}
		return chat.Plan{Outcome: chat.OutcomeHandedOff, Handoff: &h, HandoffDue: due}
	}
	unanswered := chat.Plan{Outcome: chat.OutcomeUnanswered}

	// Before the period: an answer and a handoff, with an agent's reply.
	decideAt(t, s, event("1", "90", "refund?"), minute(-60), answered("refund"))
	decideAt(t, s, event("2", "90", "human"), minute(-30), handoff("human", "high", minute(30)))
	relayAt(t, s, "3", openHandoffID(t, s, "90"), minute(-29))

	// An answer, with tags and the keyword group it matched on.
	refund := answered("refund")
	refund.Recorded = []chat.Action{{Type: chat.ActionTag, Rule: "refund", Tags: []string{"after-sales", "money"}}}
	refund.Trace = trace(t, rules.Step{Rule: "refund", Matched: true, Reason: rules.ReasonKeyword, Keyword: "refund", Group: "refund"})
	decideAt(t, s, event("10", "10", "refund?"), minute(1), refund)
	// The same question unanswered, then only acknowledged; a variant.
	decideAt(t, s, event("11", "10", "Gift cards?"), minute(2), unanswered)
	decideAt(t, s, event("12", "20", "Gift cards?"), minute(3),
		chat.Plan{Outcome: chat.OutcomeAcknowledged, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionAck, Rule: "ack-open", Text: "got it"}}}})
	decideAt(t, s, event("13", "30", "gift cards?"), minute(4), unanswered)
	// Spam, tagged and ignored.
	decideAt(t, s, event("14", "30", "cheap watches"), minute(4.5), chat.Plan{Outcome: chat.OutcomeIgnored,
		Recorded: []chat.Action{{Type: chat.ActionTag, Rule: "spam", Tags: []string{"spam"}}, {Type: chat.ActionIgnore, Rule: "spam"}}})
	// A handoff; two rules matched through the human group, one of the refund
	// group did not match; the customer writes while it is open, and after
	// it is closed. An agent answered twice.
	human := handoff("human", "high", minute(60))
	human.Sends = []chat.Send{{Action: chat.Action{Type: chat.ActionHandoff, Rule: "human", Text: "a colleague will answer"}}}
	human.Trace = trace(t,
		rules.Step{Rule: "refund-known", Reason: rules.ReasonWhenFalse, Keyword: "money back", Group: "refund"},
		rules.Step{Rule: "human-vip", Matched: true, Reason: rules.ReasonKeyword, Keyword: "human", Group: "human"},
		rules.Step{Rule: "human", Matched: true, Reason: rules.ReasonKeyword, Keyword: "human", Group: "human"})
	decideAt(t, s, event("15", "40", "human please"), minute(5), human)
	h40 := openHandoffID(t, s, "40")
	relayAt(t, s, "16", h40, minute(6))
	decideAt(t, s, event("17", "40", "hello?"), minute(6.25), unanswered)
	relayAt(t, s, "18", h40, minute(6.5))
	if err := s.CloseHandoff(ctx, h40, chat.HandoffResolved, minute(7)); err != nil {
		t.Fatal(err)
	}
	decideAt(t, s, event("19", "40", "thanks"), minute(8), unanswered)
	// A sticker (no text) and its edit (not a customer message).
	sticker := event("20", "50", "")
	sticker.Kind = chat.KindSticker
	decideAt(t, s, sticker, minute(9), unanswered)
	edit := event("21", "50", "")
	edit.Kind = chat.KindEdited
	decideAt(t, s, edit, minute(9.5), chat.Plan{Outcome: chat.OutcomeRecorded})
	// Asked again too soon: the guard suppressed the answer.
	decideAt(t, s, event("22", "60", "refund!!"), minute(11), chat.Plan{Outcome: chat.OutcomeSuppressed,
		Suppressed: []chat.Suppression{{Rule: "refund", Reason: chat.ReasonRuleCooldown}},
		Trace:      trace(t, rules.Step{Rule: "refund", Matched: true, Reason: rules.ReasonKeyword, Keyword: "refund", Group: "refund"})})
	// A critical handoff nobody claimed: a reminder and an escalation;
	// it is answered and closed only after the period.
	// It was a mention in a group, not a private message.
	outage := event("23", "80", "site down")
	outage.ChatType = chat.ChatGroup
	decideAt(t, s, outage, minute(10), handoff("outage", "critical", minute(20)))
	h80 := openHandoffID(t, s, "80")
	for i, at := range []time.Time{minute(20), minute(50)} {
		if ok, err := s.TakeHandoffStep(ctx, h80, i, nil, at); err != nil || !ok {
			t.Fatalf("step %d: %v, %v", i+1, ok, err)
		}
	}

	// After the period.
	end := t0.Add(24 * time.Hour)
	relayAt(t, s, "30", h80, end.Add(time.Minute))
	if err := s.CloseHandoff(ctx, h80, chat.HandoffResolved, end.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	decideAt(t, s, event("31", "70", "Gift cards?"), end, unanswered)
}

func sortedCounts(in []NameCount) []NameCount {
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b NameCount) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func TestReportMessages(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		seedReport(t, s)
		got, err := s.ReportMessages(context.Background(), t0, t0.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// 11 customer messages: the edit is not one, and the first two
		// and the last are outside the period.
		wantOutcomes := map[string]int{"answered": 1, "unanswered": 5, "acknowledged": 1, "ignored": 1, "handed_off": 2, "suppressed": 1}
		if !reflect.DeepEqual(got.Outcomes, wantOutcomes) {
			t.Errorf("outcomes %v, want %v", got.Outcomes, wantOutcomes)
		}
		if got.Conversations != 7 {
			t.Errorf("conversations %d, want 7 (chats 10 20 30 40 50 60 80)", got.Conversations)
		}
		tests := []struct {
			name string
			got  []NameCount
			want []NameCount
		}{
			// refund: an answer with a tag (one message), and a suppressed
			// answer. The critical handoff planned no action of its own.
			{"rules", got.Rules, []NameCount{{"ack-open", 1}, {"human", 1}, {"refund", 2}, {"spam", 1}}},
			{"tags", got.Tags, []NameCount{{"after-sales", 1}, {"money", 1}, {"spam", 1}}},
			// Unmatched steps do not count; two rules of one group count once.
			{"keyword groups", got.KeywordGroups, []NameCount{{"human", 1}, {"refund", 2}}},
		}
		for _, tt := range tests {
			if g := sortedCounts(tt.got); !reflect.DeepEqual(g, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, g, tt.want)
			}
		}
	})
}

func TestReportUnanswered(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		seedReport(t, s)
		tests := []struct {
			limit int
			want  []NameCount
		}{
			// "hello?" was written to the agent, the sticker has no text,
			// the last "Gift cards?" came after the period. Ties are in
			// the order first seen.
			{10, []NameCount{{"Gift cards?", 2}, {"gift cards?", 1}, {"thanks", 1}}},
			{2, []NameCount{{"Gift cards?", 2}, {"gift cards?", 1}}},
		}
		for _, tt := range tests {
			got, err := s.ReportUnanswered(context.Background(), t0, t0.Add(24*time.Hour), tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("limit %d: %v, want %v", tt.limit, got, tt.want)
			}
		}
		if _, err := s.ReportUnanswered(context.Background(), t0, t0.Add(time.Hour), 0); err == nil {
			t.Error("limit 0 was accepted")
		}
	})
}

func TestReportHandoffs(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		seedReport(t, s)
		at := func(min float64) *time.Time {
			v := t0.Add(time.Duration(min * float64(time.Minute)))
			return &v
		}
		got, err := s.ReportHandoffs(context.Background(), t0, t0.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i].ID = 0 // ids differ between databases
		}
		want := []HandoffTimes{
			// The first of the agent's two replies counts, and is hers.
			{Priority: "high", ChatType: chat.ChatPrivate, Created: *at(5), Due: *at(60), FirstReply: at(6), Closed: at(7),
				FirstResponder: chat.Agent{ID: "telegram:7", Name: "Alice"}, Owner: chat.Agent{ID: "telegram:7", Name: "Alice"}},
			// Answered and closed after the period: neither counts yet
			// (its owner is the current one).
			{Priority: "critical", ChatType: chat.ChatGroup, Created: *at(10), Due: *at(20), StepsDone: 2, Owner: chat.Agent{ID: "telegram:7", Name: "Alice"}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("handoffs\n%+v\nwant\n%+v", got, want)
		}
		// Over two days, the late reply and close count.
		got, err = s.ReportHandoffs(context.Background(), t0, t0.Add(48*time.Hour))
		if err != nil || len(got) != 2 || got[1].FirstReply == nil || !got[1].FirstReply.Equal(t0.Add(24*time.Hour+time.Minute)) ||
			got[1].Closed == nil || !got[1].Closed.Equal(t0.Add(24*time.Hour+2*time.Minute)) {
			t.Errorf("over two days: %+v, %v", got, err)
		}
	})
}
