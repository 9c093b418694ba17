package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// customerPress is the customer of chat "10" pressing a button.
func customerPress(id, data string) chat.Event {
	ev := event(id, "10", data)
	ev.Kind, ev.ReplyTo, ev.CallbackID = chat.KindCallback, "m1", "cb"+id
	return ev
}

// TestFeedbackStored (issue 20), on SQLite and PostgreSQL: the notices an
// agent's close sends the customer are queued with their guard keys (the
// same text again within the cooldown is not); "not solved" reopens the
// handoff at its new priority while no other is open; answers are stored
// per handoff with its team and owner, once (a second rating changes
// nothing, "solved?" answered again after a reopen keeps the last); the
// next message after a rating is its comment; 👍/👎 once per rule and
// conversation; the report sums it up; forgetting the customer empties
// the comment.
func TestFeedbackStored(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		conv := conversationOf(t, s, "10")
		h, err := s.OpenHandoff(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		anna := chat.Agent{ID: "telegram:7", Name: "Anna"}
		closing := []chat.Send{
			{Action: chat.Action{Type: chat.ActionCustomerNotice, Text: "Closed."}, To: chat.Address{ChatID: "10"},
				Reservations: []chat.Reservation{{Key: "content/telegram/shop/10/closed", Reason: chat.ReasonDuplicateContent, Expires: t0.Add(time.Hour)}}},
			{Action: chat.Action{Type: chat.ActionCustomerNotice, Text: "Solved?", Buttons: [][]chat.Button{{{Text: "Yes", Data: "csat:yes:1"}}}},
				To: chat.Address{ChatID: "10"}},
		}
		agentAct := func(id string, at time.Time, plan func(chat.AgentState) chat.AgentPlan) chat.AgentState {
			t.Helper()
			ev := event(id, "-100", "/resolve")
			ev.ChatType, ev.Customer = chat.ChatGroup, chat.Customer{ID: "7", Name: "Anna"}
			mustAccept(t, s, ev)
			var seen chat.AgentState
			if _, err := storetest.ProcessAgent(ctx, s, claimOne(t, s, at), h.ID, at, func(st chat.AgentState) (chat.AgentPlan, error) {
				seen = st
				return plan(st), nil
			}); err != nil {
				t.Fatal(err)
			}
			return seen
		}
		st := agentAct("2", t0.Add(time.Minute), func(chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentRelay, Agent: anna, Claim: true, Text: "Hi",
				ToCustomer: []chat.Send{{Action: chat.Action{Type: chat.ActionCustomerNotice, Text: "Anna joined."}, To: chat.Address{ChatID: "10"}}}}
		})
		if st.BlockedBot || st.CustomerBlocked || st.Rated || st.Spam {
			t.Fatalf("agent state %+v: a fresh customer is neither blocked, rated nor spam", st)
		}
		agentAct("3", t0.Add(2*time.Minute), func(chat.AgentState) chat.AgentPlan {
			return chat.AgentPlan{Command: chat.AgentResolve, Agent: anna, ToCustomer: closing}
		})
		var rows []struct {
			Text   string `db:"text"`
			Action string `db:"action"`
		}
		if err := s.readSel(ctx, &rows, `SELECT text, action FROM outbox WHERE chat_id = '10' AND action IN ('relay', 'customer_notice') ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0].Text != "Anna joined." || rows[1].Text != "Hi" || rows[2].Text != "Closed." || rows[3].Text != "Solved?" {
			t.Fatalf("customer's outbox %+v: want the notice before the relay, then the close and the question", rows)
		}

		// Each answer is decided on what the store loads.
		press := func(id, data string, at time.Time, plan func(chat.State) chat.Plan) chat.State {
			t.Helper()
			mustAccept(t, s, customerPress(id, data))
			var seen chat.State
			err := s.ProcessEvent(ctx, claimOne(t, s, at), at, 24*time.Hour, func(st chat.State) (chat.Plan, error) {
				seen = st
				return plan(st), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return seen
		}
		st2 := press("4", "csat:no:1", t0.Add(3*time.Minute), func(st chat.State) chat.Plan {
			return chat.Plan{Outcome: chat.OutcomeRecorded, Feedback: &chat.Feedback{Kind: chat.FeedbackSolved, HandoffID: h.ID},
				Reopen:  &chat.Reopen{HandoffID: h.ID, Priority: chat.PriorityCritical, DueAt: t0.Add(33 * time.Minute)},
				Notices: []chat.Notice{{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "Reopened", Buttons: [][]chat.Button{{{Text: "Claim", Data: "claim:{handoff}"}}}}}}
		})
		if fs := st2.Feedback; fs.Handoff.ID != h.ID || fs.Handoff.State != chat.HandoffResolved || fs.Handoff.Team != "support" ||
			fs.Handoff.Priority != "high" || fs.Handoff.ClaimedBy != anna || fs.Solved || fs.Rated || fs.Language != "" {
			t.Fatalf("feedback state %+v", fs)
		}
		again, err := s.OpenHandoff(ctx, conv)
		if err != nil || again.ID != h.ID || again.State != chat.HandoffWaiting || again.Priority != "critical" || again.ClaimedByID != "" ||
			!again.DueAt.Equal(t0.Add(33*time.Minute)) {
			t.Fatalf("reopened %+v, %v", again, err)
		}
		var notice string
		if err := s.readGet(ctx, &notice, `SELECT buttons FROM outbox WHERE chat_id = '-100' AND text = 'Reopened'`); err != nil || notice != `[[{"text":"Claim","data":"claim:1"}]]` {
			t.Fatalf("team notice buttons %q, %v", notice, err)
		}
		// Reopening what is open already is a conflict: decided again.
		mustAccept(t, s, customerPress("5", "csat:no:1"))
		err = s.ProcessEvent(ctx, claimOne(t, s, t0.Add(4*time.Minute)), t0.Add(4*time.Minute), 24*time.Hour, func(chat.State) (chat.Plan, error) {
			return chat.Plan{Outcome: chat.OutcomeRecorded, Reopen: &chat.Reopen{HandoffID: h.ID, Priority: chat.PriorityCritical, DueAt: t0}}, nil
		})
		if !errors.Is(err, chat.ErrConflict) {
			t.Fatalf("a second reopen: %v, want a conflict", err)
		}
		if err := s.RetryEvent(ctx, 5, t0, "conflict", 5); err != nil {
			t.Fatal(err)
		}
		press("5", "", t0.Add(4*time.Minute), func(chat.State) chat.Plan { return chat.Plan{Outcome: chat.OutcomeRecorded} })

		if err := s.CloseHandoff(ctx, h.ID, chat.HandoffResolved, t0.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		st3 := press("6", "csat:yes:1", t0.Add(6*time.Minute), func(chat.State) chat.Plan {
			return chat.Plan{Outcome: chat.OutcomeRecorded, Feedback: &chat.Feedback{Kind: chat.FeedbackSolved, HandoffID: h.ID, Value: 1}}
		})
		if st3.Feedback.Solved {
			t.Fatal("the no before the reopen counts as this close's answer")
		}
		st4 := press("7", "csat:rate:1:4", t0.Add(7*time.Minute), func(chat.State) chat.Plan {
			return chat.Plan{Outcome: chat.OutcomeRecorded, Feedback: &chat.Feedback{Kind: chat.FeedbackRating, HandoffID: h.ID, Value: 4,
				CommentUntil: t0.Add(17 * time.Minute)}}
		})
		if !st4.Feedback.Solved || st4.Feedback.Rated {
			t.Fatalf("before the rating: %+v", st4.Feedback)
		}
		st5 := press("8", "csat:rate:1:5", t0.Add(8*time.Minute), func(st chat.State) chat.Plan {
			return chat.Plan{Outcome: chat.OutcomeRecorded, Feedback: &chat.Feedback{Kind: chat.FeedbackRating, HandoffID: h.ID, Value: 5}}
		})
		if !st5.Feedback.Rated || st5.Feedback.CommentFor == 0 {
			t.Fatalf("after the rating: %+v", st5.Feedback)
		}
		mustAccept(t, s, event("9", "10", "mail me at a@b.example"))
		if err := s.ProcessEvent(ctx, claimOne(t, s, t0.Add(9*time.Minute)), t0.Add(9*time.Minute), 24*time.Hour, func(st chat.State) (chat.Plan, error) {
			return chat.Plan{Outcome: chat.OutcomeRecorded, Feedback: &chat.Feedback{Kind: chat.FeedbackComment, CommentOf: st.Feedback.CommentFor,
				Comment: "mail me at a@b.example"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		mustAccept(t, s, event("10", "10", "and another thing"))
		if err := s.ProcessEvent(ctx, claimOne(t, s, t0.Add(10*time.Minute)), t0.Add(10*time.Minute), 24*time.Hour, func(st chat.State) (chat.Plan, error) {
			if st.Feedback.CommentFor != 0 {
				t.Errorf("a comment is awaited after one was given: %+v", st.Feedback)
			}
			return chat.Plan{Outcome: chat.OutcomeUnanswered}, nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"11", "12"} { // 👍 twice: once
			press(id, "helpful:up:invoice", t0.Add(11*time.Minute), func(chat.State) chat.Plan {
				return chat.Plan{Outcome: chat.OutcomeRecorded, Feedback: &chat.Feedback{Kind: chat.FeedbackHelpful, Rule: "invoice", Value: 1}}
			})
		}

		fb, err := s.ReportFeedback(ctx, t0, t0.Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		want := map[FeedbackCount]bool{
			{Kind: "solved", Team: "support", AgentID: "", Agent: "", Rule: "human", Value: 1, N: 1}: true,
			{Kind: "rating", Team: "support", AgentID: "", Agent: "", Rule: "human", Value: 4, N: 1}: true,
			{Kind: "helpful", Team: "", AgentID: "", Agent: "", Rule: "invoice", Value: 1, N: 1}:     true,
		}
		if len(fb.Counts) != len(want) {
			t.Fatalf("counts %+v", fb.Counts)
		}
		for _, c := range fb.Counts {
			if !want[c] {
				t.Errorf("unexpected count %+v", c)
			}
		}
		if len(fb.Comments) != 1 || fb.Comments[0].Text != "mail me at a@b.example" || fb.Comments[0].Rating != 4 {
			t.Errorf("comments %+v", fb.Comments)
		}
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "10", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if fb, err := s.ReportFeedback(ctx, t0, t0.Add(time.Hour), 10); err != nil || len(fb.Comments) != 0 || len(fb.Counts) != 3 {
			t.Errorf("after forgetting: %+v, %v; want the figures without the comment", fb, err)
		}
	})
}
