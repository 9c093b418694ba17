package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestCustomerContexts: who the customers of several conversations are is
// read at once: their record, their earlier conversations and closed
// handoffs (the open one and this conversation left out), the rules' tags
// on their messages each once, and each conversation's last messages; a
// customer not stored yet has an empty context. A closed conversation's
// context is found by its key for /history.
func TestCustomerContexts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		process := func(ev chat.Event, at time.Time, plan chat.Plan) {
			t.Helper()
			mustAccept(t, s, ev)
			if err := s.ProcessEvent(ctx, claimOne(t, s, at), at, 24*time.Hour, func(chat.State) (chat.Plan, error) { return plan, nil }); err != nil {
				t.Fatal(err)
			}
		}
		handoff := func(tags ...string) chat.Plan {
			h := chat.Action{Type: chat.ActionHandoff, Rule: "complaint", Priority: "high", Team: "support"}
			return chat.Plan{Outcome: chat.OutcomeHandedOff, Handoff: &h, HandoffDue: t0.Add(time.Hour),
				Recorded: []chat.Action{{Type: chat.ActionTag, Rule: "complaint", Tags: tags}}}
		}
		process(event("1", "10", "where is my refund?"), t0, handoff("vip", "refund"))
		first := conversationOf(t, s, "10")
		h, err := s.OpenHandoff(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CloseHandoff(ctx, h.ID, chat.HandoffResolved, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(48 * time.Hour) // idle: another conversation
		process(event("2", "10", "hello again"), later, chat.Plan{Outcome: chat.OutcomeUnanswered})
		process(event("3", "10", "still no refund"), later.Add(time.Minute), handoff("refund", "angry"))
		process(event("4", "10", "anyone?"), later.Add(2*time.Minute), chat.Plan{Outcome: chat.OutcomeUnanswered})
		second := conversationOf(t, s, "10")
		process(event("5", "20", "hi"), later, chat.Plan{Outcome: chat.OutcomeUnanswered})
		other := conversationOf(t, s, "20")

		got, err := s.CustomerContexts(ctx, []chat.ContextKey{
			{Platform: chat.Telegram, Bot: "shop", CustomerID: "10", ConversationID: second},
			{Platform: chat.Telegram, Bot: "shop", CustomerID: "20", ConversationID: other},
			{Platform: chat.Telegram, Bot: "shop", CustomerID: "30"},
			{Platform: chat.Telegram, Bot: "shop", CustomerID: "10"}, // a new conversation of a known customer
		}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 {
			t.Fatalf("%d contexts for 4 keys", len(got))
		}
		ann := got[0]
		if ann.Name != "Ann" || ann.Language != "en" || ann.Platform != chat.Telegram || !ann.FirstSeen.Equal(t0) ||
			ann.Conversations != 1 || ann.Handoffs != 1 || !slices.Equal(ann.Tags, []string{"vip", "refund", "angry"}) {
			t.Errorf("customer 10: %+v; want first seen at t0, 1 earlier conversation, 1 closed handoff, tags vip, refund, angry", ann)
		}
		if texts := entryTexts(ann.Messages); !slices.Equal(texts, []string{"still no refund", "anyone?"}) {
			t.Errorf("customer 10's last 2 messages: %q", texts)
		}
		if c := got[1]; c.Conversations != 0 || c.Handoffs != 0 || len(c.Tags) != 0 || !slices.Equal(entryTexts(c.Messages), []string{"hi"}) {
			t.Errorf("customer 20: %+v", c)
		}
		if c := got[2]; c.Name != "" || !c.FirstSeen.IsZero() || c.Platform != chat.Telegram || len(c.Messages) != 0 {
			t.Errorf("a customer not stored: %+v", c)
		}
		if c := got[3]; c.Conversations != 2 || c.Handoffs != 1 || len(c.Messages) != 0 {
			t.Errorf("customer 10 in a new conversation: %+v; want both stored conversations earlier", c)
		}

		// The team blocked customer 10, who rated two conversations: the
		// card says so, with the latest rating.
		for _, q := range []string{
			`INSERT INTO feedback (conversation_id, handoff_id, kind, value, created_at) VALUES (?, 1, 'rating', 2, 1)`,
			`INSERT INTO feedback (conversation_id, handoff_id, kind, value, created_at) VALUES (?, 2, 'rating', 4, 2)`,
		} {
			if _, err := s.w.Exec(s.w.Rebind(q), first); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.w.Exec(`UPDATE customers SET blocked_by_team = 1 WHERE external_id = '10'`); err != nil {
			t.Fatal(err)
		}
		marked, err := s.CustomerContexts(ctx, []chat.ContextKey{
			{Platform: chat.Telegram, Bot: "shop", CustomerID: "10", ConversationID: second},
			{Platform: chat.Telegram, Bot: "shop", CustomerID: "20", ConversationID: other},
		}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if c := marked[0]; !c.Blocked || c.LastCSAT != 4 {
			t.Errorf("customer 10 blocked by the team, rated 2 then 4: blocked=%v last CSAT %d", c.Blocked, c.LastCSAT)
		}
		if c := marked[1]; c.Blocked || c.LastCSAT != 0 {
			t.Errorf("customer 20, neither blocked nor rating: blocked=%v last CSAT %d", c.Blocked, c.LastCSAT)
		}

		// By key: the latest conversation with it (the first is closed).
		latest, found, err := s.ConversationContext(ctx, event("1", "10", "").ConversationKey(), 5)
		if err != nil || !found {
			t.Fatalf("context by key: found=%v err=%v", found, err)
		}
		if texts := entryTexts(latest.Messages); !slices.Equal(texts, []string{"hello again", "still no refund", "anyone?"}) || latest.Conversations != 1 {
			t.Errorf("by key: %q, %d earlier conversations", texts, latest.Conversations)
		}
		if _, found, err := s.ConversationContext(ctx, "telegram/shop/404", 5); err != nil || found {
			t.Errorf("an unknown key: found=%v err=%v", found, err)
		}

		// LoadDetails reads the contexts of a batch's handoffs at once.
		ev := event("6", "10", "and now?")
		mustAccept(t, s, ev, event("7", "20", "me too"))
		batch, err := s.ClaimEvents(ctx, "w", later.Add(3*time.Minute), time.Minute, 10, chat.SetAside{})
		if err != nil || len(batch) != 2 {
			t.Fatalf("claimed %d, err %v", len(batch), err)
		}
		states, err := s.LoadStates(ctx, batch, later.Add(3*time.Minute), 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LoadDetails(ctx, batch, []*chat.State{&states[0], &states[1]}, chat.DetailsWanted{HistoryLines: 1}); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"anyone?", "hi"} {
			d := states[i].Details
			if !d.Loaded || !slices.Equal(entryTexts(d.Context.Messages), []string{want}) || d.Context.Name != "Ann" {
				t.Errorf("event %d's details: %+v, want its conversation's last message %q", i, d, want)
			}
		}
	})
}

func entryTexts(es []chat.HistoryEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}
