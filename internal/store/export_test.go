package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// sendAll marks every message waiting in the outbox sent, as the sender
// would.
func sendAll(t *testing.T, s *Store, at time.Time) {
	t.Helper()
	for {
		msgs, err := s.ClaimOutgoing(context.Background(), "w", at, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			return
		}
		for _, m := range msgs {
			if err := s.MarkSent(context.Background(), m.ID, "p"+m.ChatID, at); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestExportCustomer: an export holds the customer's record and, per
// conversation, their messages, the bot's and the agents' (replies and
// notes), the decisions with their rules, the handoff and the sends; a
// customer forgotten can no longer be exported.
func TestExportCustomer(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		decideAt(t, s, event("1", "10", "where is my parcel?"), t0, chat.Plan{Outcome: chat.OutcomeAnswered,
			Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "shipping", Text: "Orders ship in two days."}}}})
		h := chat.Action{Type: chat.ActionHandoff, Rule: "complaint", Priority: "high", Team: "support"}
		decideAt(t, s, event("2", "10", "this is a scam"), t0.Add(time.Minute), chat.Plan{Outcome: chat.OutcomeHandedOff,
			Handoff: &h, HandoffDue: t0.Add(time.Hour)})
		decideAt(t, s, event("3", "77", "someone else"), t0, chat.Plan{Outcome: chat.OutcomeUnanswered})
		sendAll(t, s, t0.Add(2*time.Minute))
		handoffID := openHandoffID(t, s, "10")
		relayAt(t, s, "4", handoffID, t0.Add(3*time.Minute))
		mustAccept(t, s, chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: "5", Kind: chat.KindText, ChatID: "-100",
			ChatType: chat.ChatGroup, Text: "/note VIP", Customer: chat.Customer{ID: "7", Name: "Alice"}})
		if _, err := s.ProcessAgentEvent(ctx, claimOne(t, s, t0.Add(4*time.Minute)), handoffID, t0.Add(4*time.Minute),
			func(chat.AgentState) (chat.AgentPlan, error) {
				return chat.AgentPlan{Command: chat.AgentNote, Agent: chat.Agent{ID: "telegram:7", Name: "Alice"}, Text: "VIP"}, nil
			}); err != nil {
			t.Fatal(err)
		}
		sendAll(t, s, t0.Add(5*time.Minute))
		// They rated the handoff, with a comment: theirs, so exported.
		if _, err := s.w.Exec(s.w.Rebind(`INSERT INTO feedback (conversation_id, handoff_id, kind, value, comment, created_at)
			VALUES (?, ?, 'rating', 4, 'quick, thanks', ?)`), conversationOf(t, s, "10"), handoffID, ms(t0.Add(6*time.Minute))); err != nil {
			t.Fatal(err)
		}

		got, err := s.ExportCustomer(ctx, chat.Telegram, "shop", "10", t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if c := got.Customer; c.Name != "Ann" || c.ID != "10" || c.Language != "en" || !c.FirstSeen.Equal(t0) || !got.ExportedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("customer %+v, exported at %v", c, got.ExportedAt)
		}
		if len(got.Conversations) != 1 {
			t.Fatalf("%d conversations, want 1: %+v", len(got.Conversations), got.Conversations)
		}
		conv := got.Conversations[0]
		var msgs []ExportedMessage
		for _, m := range conv.Messages {
			m.At = time.Time{}
			msgs = append(msgs, m)
		}
		var rules []ExportedAction
		var outcomes []string
		for _, d := range conv.Decisions {
			outcomes = append(outcomes, d.Outcome)
			rules = append(rules, d.Actions...)
		}
		var feedback []ExportedFeedback
		for _, f := range conv.Feedback {
			if !f.At.Equal(t0.Add(6 * time.Minute)) {
				t.Errorf("feedback at %v", f.At)
			}
			f.At = time.Time{}
			feedback = append(feedback, f)
		}
		var sends []string
		for _, o := range conv.Sends {
			sends = append(sends, o.Action+" "+o.State+": "+o.Text)
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"messages", msgs, []ExportedMessage{
				{From: FromCustomer, Kind: "text", Text: "where is my parcel?"},
				{From: FromCustomer, Kind: "text", Text: "this is a scam"},
				{From: FromBot, Kind: "reply", Text: "Orders ship in two days."},
				{From: FromAgent, Kind: "note", Text: "Alice: VIP"},
				{From: FromAgent, Kind: "relay", Text: "on it"},
			}},
			{"outcomes", outcomes, []string{string(chat.OutcomeAnswered), string(chat.OutcomeHandedOff)}},
			{"rules", rules, []ExportedAction{{Rule: "shipping", Action: "reply"}}},
			{"sends", sends, []string{"reply sent: Orders ship in two days.", "relay sent: on it"}},
			{"feedback", feedback, []ExportedFeedback{{Kind: "rating", HandoffID: handoffID, Value: 4, Comment: "quick, thanks"}}},
			{"handoff", len(conv.Handoffs) == 1 && conv.Handoffs[0].Rule == "complaint" && conv.Handoffs[0].ClaimedBy == "Alice" &&
				conv.Handoffs[0].FirstResponseAt != nil, true},
		} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
			}
		}

		if _, err := s.ExportCustomer(ctx, chat.Telegram, "shop", "nobody", t0); !errors.Is(err, ErrNoSuchCustomer) {
			t.Errorf("exporting nobody: %v", err)
		}
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "10", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ExportCustomer(ctx, chat.Telegram, "shop", "10", t0); !errors.Is(err, ErrNoSuchCustomer) {
			t.Errorf("exporting a forgotten customer: %v", err)
		}
	})
}

// TestForgetCancelsUnsentMessages: a reply still waiting to be sent is
// cancelled, not sent empty later; a dry run before counts it and changes
// nothing.
func TestForgetCancelsUnsentMessages(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		decideAt(t, s, event("1", "10", "where is my parcel?"), t0, chat.Plan{Outcome: chat.OutcomeAnswered,
			Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "shipping", Text: "Ann, orders ship in two days."}}}})
		state := func() (st string) {
			t.Helper()
			if err := s.readGet(ctx, &st, `SELECT state || ':' || text FROM outbox`); err != nil {
				t.Fatal(err)
			}
			return st
		}
		dry, err := s.ForgetDryRun(ctx, chat.Telegram, "shop", "10", t0)
		if err != nil {
			t.Fatal(err)
		}
		if got := state(); got != "pending:Ann, orders ship in two days." {
			t.Fatalf("after the dry run the reply is %q", got)
		}
		got, err := s.Forget(ctx, chat.Telegram, "shop", "10", t0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(dry, got) || got.Cancelled != 1 || got.Tables["outbox"] != 1 {
			t.Errorf("dry run %+v, forget %+v", dry, got)
		}
		if got := state(); got != "cancelled:" {
			t.Errorf("after forget the reply is %q", got)
		}
		if msgs, err := s.ClaimOutgoing(ctx, "w", t0.Add(time.Minute), time.Minute, 10); err != nil || len(msgs) != 0 {
			t.Errorf("claimed %d messages after forget (%v)", len(msgs), err)
		}
	})
}

// TestForgetRedactsTraces: a trace keeps the rules and keyword groups that
// reports count, and loses the reasons and details that quote the
// customer (an expr error, a typo as written).
func TestForgetRedactsTraces(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		decideAt(t, s, event("1", "10", "delivry to 5 Secret Lane"), t0, chat.Plan{Outcome: chat.OutcomeAnswered,
			Trace: trace(t,
				rules.Step{Rule: "sku", Reason: `when failed: strconv.Atoi: parsing "delivry to 5 Secret Lane": invalid syntax`},
				rules.Step{Rule: "shipping", Matched: true, Reason: rules.ReasonKeyword, Keyword: "delivery", Group: "shipping",
					Match: "typo", Score: 2.5, Detail: `"delivry" ≈ "delivery"`})})
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "10", t0); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := s.readGet(ctx, &got, `SELECT trace FROM decisions`); err != nil {
			t.Fatal(err)
		}
		want := `[{"rule":"sku","matched":false},{"rule":"shipping","matched":true,"keyword":"delivery","group":"shipping","match":"typo","score":2.5}]`
		if got != want {
			t.Errorf("trace after forget:\n%s\nwant\n%s", got, want)
		}
	})
}
