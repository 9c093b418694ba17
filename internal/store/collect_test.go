package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestCollectionAndAttrsAreKept: the store keeps a conversation's
// collection of details as decisions give it, ends it when told, sets the
// customer's attributes, records how many details the handoff asked, and
// forgets the attributes with the customer.
func TestCollectionAndAttrsAreKept(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		col := &chat.Collection{Rule: "broken", Asking: 1, Retried: true, Started: t0,
			Answers: []chat.DetailAnswer{{Name: "order", Label: "Order", Value: "12345678"}}}
		h := chat.Action{Type: chat.ActionHandoff, Rule: "broken", Priority: "high"}
		plans := []chat.Plan{
			{Outcome: chat.OutcomeAsked, Collect: &chat.CollectChange{Next: col}},
			{Outcome: chat.OutcomeHandedOff, Handoff: &h, DetailsAsked: 2, Collect: &chat.CollectChange{Answers: col.Answers},
				Attrs: []chat.Attr{{Name: "order", Value: "12345678"}, {Name: "email", Value: "zoe@secret.example"}}},
		}
		var seen []chat.State
		for i, plan := range plans {
			mustAccept(t, s, event(string(rune('1'+i)), "4242", "answer"))
			ie := claimOne(t, s, t0.Add(time.Duration(i)*time.Minute))
			if err := s.ProcessEvent(ctx, ie, t0.Add(time.Duration(i)*time.Minute), 24*time.Hour, func(st chat.State) (chat.Plan, error) {
				seen = append(seen, st)
				return plan, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if seen[0].Conversation.Collecting != nil || seen[0].Customer.Attrs != nil {
			t.Errorf("first message: %+v, %+v", seen[0].Conversation.Collecting, seen[0].Customer.Attrs)
		}
		if got := seen[1].Conversation.Collecting; got == nil || !reflect.DeepEqual(*got, *col) {
			t.Errorf("the collection read back is %+v, want %+v", got, col)
		}
		var asked int
		if err := s.readGet(ctx, &asked, `SELECT details_asked FROM handoffs`); err != nil || asked != 2 {
			t.Errorf("details_asked = %d, %v", asked, err)
		}
		mustAccept(t, s, event("9", "4242", "later"))
		ie := claimOne(t, s, t0.Add(time.Hour))
		if err := s.ProcessEvent(ctx, ie, t0.Add(time.Hour), 24*time.Hour, func(st chat.State) (chat.Plan, error) {
			if st.Conversation.Collecting != nil {
				t.Errorf("the collection outlived its end: %+v", st.Conversation.Collecting)
			}
			if want := map[string]string{"order": "12345678", "email": "zoe@secret.example"}; !reflect.DeepEqual(st.Customer.Attrs, want) {
				t.Errorf("attrs %v, want %v", st.Customer.Attrs, want)
			}
			return chat.Plan{Outcome: chat.OutcomeRecorded}, nil
		}); err != nil {
			t.Fatal(err)
		}
		exp, err := s.ExportCustomer(ctx, chat.Telegram, "shop", "4242", t0)
		if err != nil || exp.Customer.Attrs["email"] != "zoe@secret.example" {
			t.Errorf("export: %+v, %v", exp.Customer, err)
		}
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "4242", t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "customer_attrs"); n != 0 {
			t.Errorf("%d attributes left after forgetting the customer", n)
		}
	})
}
