package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestForgetErasesACustomer: after Forget, no table holds the customer's
// name, words or platform id, the counts still add up, and if they write
// again they are a new customer.
func TestForgetErasesACustomer(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ev := event("1", "4242", "my address is 5 Secret Lane")
		ev.Customer.Name, ev.Customer.Username = "Zoe Private", "zoe_p"
		mustAccept(t, s, ev, event("2", "77", "someone else"))
		for range 2 {
			ie := claimOne(t, s, t0)
			err := s.ProcessEvent(ctx, ie, t0, 24*time.Hour, func(chat.State) (chat.Plan, error) {
				h := chat.Action{Type: chat.ActionHandoff, Rule: "h"}
				return chat.Plan{Outcome: chat.OutcomeHandedOff, Handoff: &h, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "r", Text: "Hi " + ie.Customer.Name}}},
					Notices: []chat.Notice{{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "Customer: " + ie.Customer.Name + ": " + ie.Text}}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for {
			msgs, err := s.ClaimOutgoing(ctx, "w", t0, time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				if err := s.MarkSent(ctx, m.ID, "1", t0); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := s.Forget(ctx, chat.Telegram, "shop", "4242", t0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Conversations != 1 || got.Events != 1 || got.Messages == 0 || got.Sends < 2 || got.Pending != 0 {
			t.Fatalf("forgot %+v", got)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM customers WHERE name LIKE '%Zoe%' OR username LIKE '%zoe%' OR external_id = '4242'`,
			`SELECT COUNT(*) FROM messages WHERE text LIKE '%Secret%' OR text LIKE '%Zoe%'`,
			`SELECT COUNT(*) FROM inbox WHERE event LIKE '%Zoe%' OR event LIKE '%Secret%' OR conversation_key LIKE '%4242%' OR raw IS NOT NULL AND external_id = '1'`,
			`SELECT COUNT(*) FROM outbox WHERE text LIKE '%Zoe%' OR text LIKE '%Secret%' OR scope LIKE '%4242%'`,
			`SELECT COUNT(*) FROM conversations WHERE conversation_key LIKE '%4242%' OR chat_id = '4242'`,
		} {
			var n int
			if err := s.readGet(ctx, &n, q); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d rows still identify the customer: %s", n, q)
			}
		}
		var others int
		if err := s.readGet(ctx, &others, `SELECT COUNT(*) FROM messages WHERE text LIKE '%someone else%'`); err != nil || others != 1 {
			t.Errorf("another customer's history was touched: %d, %v", others, err)
		}
		if n := countRows(t, s, "decisions"); n != 2 {
			t.Errorf("decisions = %d, want both kept for the counts", n)
		}
		// Writing again: a new customer, in a new conversation.
		mustAccept(t, s, event("3", "4242", "hello again"))
		ie := claimOne(t, s, t0.Add(time.Minute))
		err = s.ProcessEvent(ctx, ie, t0.Add(time.Minute), 24*time.Hour, func(st chat.State) (chat.Plan, error) {
			if !st.Customer.New || !st.Conversation.New {
				t.Errorf("after forget: customer new %v, conversation new %v", st.Customer.New, st.Conversation.New)
			}
			return chat.Plan{Outcome: chat.OutcomeUnanswered}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "nobody", t0); !errors.Is(err, ErrNoSuchCustomer) || !strings.Contains(err.Error(), "telegram/shop/nobody") {
			t.Errorf("forgetting nobody: %v", err)
		}
	})
}
