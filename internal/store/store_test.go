package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// testDBs are the databases the suite runs against: every test that
// takes its store from eachDB runs on both.
var testDBs = []struct {
	name string
	open func(t *testing.T) *Store
}{{"sqlite", openTest}, {"postgres", openPostgresTest}}

// eachDB runs a test once per database, each with a fresh store.
func eachDB(t *testing.T, fn func(t *testing.T, s *Store)) {
	for _, db := range testDBs {
		t.Run(db.name, func(t *testing.T) { fn(t, db.open(t)) })
	}
}

// openPostgresTest opens a store in a schema of the test's own; it skips
// (saying why) when no PostgreSQL is configured.
func openPostgresTest(t *testing.T) *Store {
	t.Helper()
	s, err := OpenPostgres(context.Background(), storetest.PostgresDSN(t), Options{Readers: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return t0 }
	t.Cleanup(func() { s.Close() })
	return s
}

// openTest opens a fresh SQLite database for one test.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "test.db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return t0 }
	t.Cleanup(func() { s.Close() })
	return s
}

func event(id string, chatID string, text string) chat.Event {
	return chat.Event{
		Platform: chat.Telegram, Bot: "shop", ExternalID: id, Kind: chat.KindText,
		ChatID: chatID, ChatType: chat.ChatPrivate, MessageID: "m" + id, Text: text, Time: t0,
		Customer: chat.Customer{ID: chatID, Name: "Ann", Language: "en"},
		Raw:      []byte(`{"update_id":` + id + `}`),
	}
}

func mustAccept(t *testing.T, s *Store, evs ...chat.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := s.Accept(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
}

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.r.Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAcceptIsIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ev := event("1", "10", "hi")
		mustAccept(t, s, ev, ev)
		other := ev
		other.Bot = "other" // the same update id from another bot is another update
		mustAccept(t, s, other)
		if n := countRows(t, s, "inbox"); n != 2 {
			t.Fatalf("inbox rows = %d, want 2", n)
		}
	})
}

func TestAcceptConcurrentDuplicates(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					errs <- s.Accept(context.Background(), event(fmt.Sprint(i), "10", "hi"))
				}
			}()
		}
		go func() { wg.Wait(); close(errs) }()
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := countRows(t, s, "inbox"); n != 50 {
			t.Fatalf("inbox rows = %d, want 50", n)
		}
	})
}

func TestAcceptAfterCloseIsUnavailable(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		s.Close()
		err := s.Accept(context.Background(), event("1", "10", "hi"))
		if !errors.Is(err, chat.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestClaimEventsOnePerConversationInOrder(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		mustAccept(t, s, event("1", "10", "a1"), event("2", "20", "b1"), event("3", "10", "a2"))
		ctx := context.Background()
		got, err := s.ClaimEvents(ctx, "w1", t0, time.Minute, 10, chat.SetAside{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Text != "a1" || got[1].Text != "b1" {
			t.Fatalf("claimed %v, want a1 and b1 only (a2 waits for a1)", texts(got))
		}
		// Claimed events are not handed out again while the lease holds.
		again, _ := s.ClaimEvents(ctx, "w2", t0.Add(30*time.Second), time.Minute, 10, chat.SetAside{})
		if len(again) != 0 {
			t.Fatalf("claimed %v again during the lease", texts(again))
		}
		// Once a1 is done, a2 is next.
		if err := s.ProcessEvent(ctx, got[0], t0, 24*time.Hour, noop); err != nil {
			t.Fatal(err)
		}
		next, _ := s.ClaimEvents(ctx, "w2", t0, time.Minute, 10, chat.SetAside{})
		if len(next) != 1 || next[0].Text != "a2" {
			t.Fatalf("claimed %v, want a2", texts(next))
		}
		// Expired leases (the workers died) let another worker take over.
		late, _ := s.ClaimEvents(ctx, "w3", t0.Add(2*time.Minute), time.Minute, 10, chat.SetAside{})
		if fmt.Sprint(texts(late)) != "[b1 a2]" {
			t.Fatalf("after the leases expired claimed %v, want [b1 a2]", texts(late))
		}
	})
}

func texts(evs []chat.InboxEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Text)
	}
	return out
}

func noop(chat.State) (chat.Plan, error) { return chat.Plan{Outcome: chat.OutcomeUnanswered}, nil }

func reply(rule, text string) func(chat.State) (chat.Plan, error) {
	return func(chat.State) (chat.Plan, error) {
		return chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: rule, Text: text}}}}, nil
	}
}

func claimOne(t *testing.T, s *Store, now time.Time) chat.InboxEvent {
	t.Helper()
	evs, err := s.ClaimEvents(context.Background(), "w", now, time.Minute, 1, chat.SetAside{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("claim: %v, %d events", err, len(evs))
	}
	return evs[0]
}

func TestProcessEventWritesEverythingOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "10", "refund please"))
		ie := claimOne(t, s, t0)
		var seen chat.State
		err := s.ProcessEvent(ctx, ie, t0, 24*time.Hour, func(st chat.State) (chat.Plan, error) {
			seen = st
			return reply("refund", "Refund info")(st)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !seen.Customer.New || !seen.Conversation.New {
			t.Errorf("first message state = %+v, want a new customer and conversation", seen)
		}
		for table, want := range map[string]int{"customers": 1, "conversations": 1, "messages": 1, "decisions": 1, "decision_actions": 1, "outbox": 1} {
			if n := countRows(t, s, table); n != want {
				t.Errorf("%s rows = %d, want %d", table, n, want)
			}
		}
		// Processing the same event again (a worker whose lease expired) changes nothing.
		err = s.ProcessEvent(ctx, ie, t0, 24*time.Hour, reply("refund", "Refund info"))
		if !errors.Is(err, chat.ErrAlreadyDone) {
			t.Fatalf("second process: err = %v, want ErrAlreadyDone", err)
		}
		if n := countRows(t, s, "outbox"); n != 1 {
			t.Errorf("outbox rows = %d after a repeated process, want 1", n)
		}
	})
}

func TestProcessEventRollsBackOnDecideError(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		mustAccept(t, s, event("1", "10", "x"))
		ie := claimOne(t, s, t0)
		boom := errors.New("boom")
		err := s.ProcessEvent(context.Background(), ie, t0, time.Hour, func(chat.State) (chat.Plan, error) { return chat.Plan{}, boom })
		if !errors.Is(err, boom) || errors.Is(err, chat.ErrUnavailable) {
			t.Fatalf("err = %v, want the decide error, not unavailable", err)
		}
		if n := countRows(t, s, "decisions"); n != 0 {
			t.Errorf("decisions = %d after a failed decide, want 0", n)
		}
		if st, _ := s.Stats(context.Background()); st.EventsPending != 1 {
			t.Errorf("pending events = %d, want the event still pending", st.EventsPending)
		}
	})
}

func TestConversationState(t *testing.T) {
	tests := []struct {
		name       string
		gap        time.Duration
		handoff    bool
		wantNew    bool
		wantStatus chat.ConversationStatus
		wantCount  int
	}{
		{"second message soon after", time.Minute, false, false, chat.StatusBot, 1},
		{"just before the idle period", 24*time.Hour - time.Millisecond, false, false, chat.StatusBot, 1},
		{"exactly at the idle period", 24 * time.Hour, false, true, chat.StatusBot, 0},
		{"after a handoff", time.Minute, true, false, chat.StatusWaitingForHuman, 1},
		{"idle resets a handoff", 25 * time.Hour, true, true, chat.StatusBot, 0},
	}
	for _, db := range testDBs {
		for _, tt := range tests {
			t.Run(db.name+"/"+tt.name, func(t *testing.T) {
				s := db.open(t)
				ctx := context.Background()
				mustAccept(t, s, event("1", "10", "first"), event("2", "10", "second"))
				first := claimOne(t, s, t0)
				err := s.ProcessEvent(ctx, first, t0, 24*time.Hour, func(chat.State) (chat.Plan, error) {
					p := chat.Plan{Outcome: chat.OutcomeAnswered}
					if tt.handoff {
						p.Handoff = &chat.Action{Type: chat.ActionHandoff, Rule: "h"}
					}
					return p, nil
				})
				if err != nil {
					t.Fatal(err)
				}
				later := t0.Add(tt.gap)
				second := claimOne(t, s, later)
				var st chat.State
				if err := s.ProcessEvent(ctx, second, later, 24*time.Hour, func(got chat.State) (chat.Plan, error) { st = got; return chat.Plan{}, nil }); err != nil {
					t.Fatal(err)
				}
				if st.Customer.New {
					t.Error("customer is new on the second message")
				}
				c := st.Conversation
				if c.New != tt.wantNew || c.Status != tt.wantStatus || c.CustomerMessages != tt.wantCount {
					t.Errorf("conversation = %+v, want new=%v status=%s count=%d", c, tt.wantNew, tt.wantStatus, tt.wantCount)
				}
			})
		}
	}
}

func TestOutboxPerChatOrderAndRetry(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "10", "a"), event("2", "20", "b"))
		for i := 0; i < 2; i++ {
			ie := claimOne(t, s, t0)
			twoReplies := func(chat.State) (chat.Plan, error) {
				return chat.Plan{Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionAck, Rule: "ack", Text: ie.Text + "-1"}}, {Action: chat.Action{Type: chat.ActionReply, Rule: "r", Text: ie.Text + "-2"}}}}, nil
			}
			if err := s.ProcessEvent(ctx, ie, t0, time.Hour, twoReplies); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ClaimOutgoing(ctx, "s", t0, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Text != "a-1" || got[1].Text != "b-1" {
			t.Fatalf("claimed %+v, want the first message of each chat", got)
		}
		if got[0].Attempts != 1 || got[0].LastError != "" {
			t.Errorf("attempts = %d, last error %q, want 1 and none", got[0].Attempts, got[0].LastError)
		}
		// a-1 fails and is retried later: a-2 must wait behind it.
		if err := s.RetryOutgoing(ctx, got[0].ID, t0.Add(10*time.Second), "rate limited"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, got[1].ID, "555", t0); err != nil {
			t.Fatal(err)
		}
		next, _ := s.ClaimOutgoing(ctx, "s", t0.Add(time.Second), time.Minute, 10)
		if len(next) != 1 || next[0].Text != "b-2" {
			t.Fatalf("claimed %+v, want only b-2 (a-2 waits for a-1's retry)", next)
		}
		if due, ok, _ := s.NextDue(ctx); !ok || !due.Equal(t0.Add(10*time.Second)) {
			t.Errorf("next due = %v %v, want a-1's retry time", due, ok)
		}
		retried, _ := s.ClaimOutgoing(ctx, "s", t0.Add(10*time.Second), time.Minute, 10)
		if len(retried) != 1 || retried[0].Text != "a-1" || retried[0].Attempts != 2 {
			t.Fatalf("claimed %+v, want a-1 on its second attempt", retried)
		}
		// The sender reads how the previous attempt ended.
		if retried[0].LastError != "rate limited" {
			t.Errorf("last error of the retry = %q, want the cause recorded", retried[0].LastError)
		}
		h, err := s.History(ctx, chat.Telegram, "shop", "20")
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].Direction != "in" || h[1].Direction != "out" || h[1].Text != "b-1" {
			t.Errorf("history of chat 20 = %+v, want the message in and the reply out", h)
		}
	})
}

// TestFailOutgoingBlockedMarksCustomer: a reply refused because the
// customer cannot be reached marks the customer with the platform's
// reason; a team notice refused the same way (the bot was removed from
// the team chat) says nothing about the customer.
func TestFailOutgoingBlockedMarksCustomer(t *testing.T) {
	for _, tt := range []struct {
		name       string
		toTeamChat bool
		want       bool
	}{
		{"reply to the customer", false, true},
		{"notice to the team chat", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *Store) {
				ctx := context.Background()
				mustAccept(t, s, event("1", "10", "a"), event("2", "10", "b"))
				if err := s.ProcessEvent(ctx, claimOne(t, s, t0), t0, time.Hour, reply("r", "x")); err != nil {
					t.Fatal(err)
				}
				out, _ := s.ClaimOutgoing(ctx, "s", t0, time.Minute, 1)
				if tt.toTeamChat {
					err := s.inTx(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
						_, err := s.exec(ctx, tx, `UPDATE outbox SET chat_id = '-100999' WHERE id = ?`, out[0].ID)
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				const reason = "Forbidden: bot was blocked by the user"
				if err := s.FailOutgoing(ctx, out[0].ID, reason, true); err != nil {
					t.Fatal(err)
				}
				var got struct {
					Blocked bool   `db:"blocked"`
					Reason  string `db:"unreachable_reason"`
				}
				if err := s.readGet(ctx, &got, `SELECT blocked, unreachable_reason FROM customers WHERE external_id = '10'`); err != nil {
					t.Fatal(err)
				}
				if got.Blocked != tt.want || (got.Reason == reason) != tt.want {
					t.Errorf("customer blocked = %v with reason %q, want marked: %v", got.Blocked, got.Reason, tt.want)
				}
				// Writing again shows the customer can be reached again.
				var st chat.State
				if err := s.ProcessEvent(ctx, claimOne(t, s, t0), t0, time.Hour, func(got chat.State) (chat.Plan, error) { st = got; return chat.Plan{}, nil }); err != nil {
					t.Fatal(err)
				}
				if st.Customer.Blocked {
					t.Error("a customer who writes again is still seen as blocked")
				}
				if err := s.readGet(ctx, &got, `SELECT blocked, unreachable_reason FROM customers WHERE external_id = '10'`); err != nil || got.Blocked || got.Reason != "" {
					t.Errorf("after writing again: %+v, %v", got, err)
				}
			})
		})
	}
}

func TestRetryEventGivesUpAfterMaxAttempts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "10", "poison"), event("2", "10", "next"))
		for i := 0; i < 3; i++ {
			ie := claimOne(t, s, t0.Add(time.Duration(i)*time.Hour))
			if ie.Text != "poison" {
				t.Fatalf("attempt %d claimed %q", i, ie.Text)
			}
			if err := s.RetryEvent(ctx, ie.ID, t0.Add(time.Duration(i)*time.Hour), "boom", 3); err != nil {
				t.Fatal(err)
			}
		}
		// After three failures the poison event no longer holds up the conversation.
		if ie := claimOne(t, s, t0.Add(5*time.Hour)); ie.Text != "next" {
			t.Fatalf("claimed %q, want next", ie.Text)
		}
	})
}

func TestReleaseClaims(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustAccept(t, s, event("1", "10", "a"))
		claimOne(t, s, t0)
		if err := s.ReleaseClaims(ctx, "w"); err != nil {
			t.Fatal(err)
		}
		if ie := claimOne(t, s, t0); ie.Text != "a" {
			t.Fatalf("released event not claimable: %q", ie.Text)
		}
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "re.db")
	ctx := context.Background()
	s, err := OpenSQLite(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustAccept(t, s, event("1", "10", "a"))
	s.Close()
	s2, err := OpenSQLite(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if st, _ := s2.Stats(ctx); st.EventsPending != 1 {
		t.Errorf("pending after reopen = %d, want 1", st.EventsPending)
	}
}

func TestCustomerMessageCounts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// Messages at -25h, -2h, -30m and -1m before the last one, which sees the counts.
		offsets := []time.Duration{-25 * time.Hour, -2 * time.Hour, -30 * time.Minute, -time.Minute, 0}
		for i, off := range offsets {
			ev := event(fmt.Sprint(i+1), "10", "m")
			ev.Time = t0.Add(off)
			mustAccept(t, s, ev)
		}
		var last chat.State
		for _, off := range offsets {
			ie := claimOne(t, s, t0.Add(off))
			if err := s.ProcessEvent(ctx, ie, t0.Add(off), 24*time.Hour, func(st chat.State) (chat.Plan, error) { last = st; return chat.Plan{}, nil }); err != nil {
				t.Fatal(err)
			}
		}
		if last.Customer.Messages1h != 2 || last.Customer.Messages24h != 3 {
			t.Fatalf("counts 1h=%d 24h=%d, want 2 and 3 (the messages at -30m and -1m; plus -2h)", last.Customer.Messages1h, last.Customer.Messages24h)
		}
	})
}

func TestUrgentFirstWithoutStarvation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		queue := func(id, chatID string, at time.Time, prio string) {
			t.Helper()
			mustAccept(t, s, event(id, chatID, "x"))
			ie := claimOne(t, s, at)
			err := s.ProcessEvent(ctx, ie, at, time.Hour, func(chat.State) (chat.Plan, error) {
				return chat.Plan{Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionHandoff, Rule: "r", Text: "m" + id, Priority: prio}}}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		queue("1", "10", t0, "")                            // a bot reply, waiting since t0
		queue("2", "20", t0.Add(30*time.Second), "high")    // newer but urgent: goes first
		queue("3", "30", t0.Add(5*time.Minute), "critical") // far newer: the old reply has waited long enough
		got, err := s.ClaimOutgoing(ctx, "s", t0.Add(6*time.Minute), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, m := range got {
			order = append(order, m.Text)
		}
		if fmt.Sprint(order) != "[m2 m1 m3]" {
			t.Fatalf("claim order %v, want [m2 m1 m3]: urgent first, but a message that waited long is not passed over", order)
		}
	})
}

// TestAcceptStoresHostileStrings: NUL characters and invalid UTF-8 in ids,
// names and text (PostgreSQL's text type refuses both) are cleaned, the
// event is stored and decided, and the other events committed with it
// are not lost.
func TestAcceptStoresHostileStrings(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ev := event("1\x00", "10\x00", "hi\x00 \xff there")
		ev.Customer.Name = "A\x00nn\xfe"
		mustAccept(t, s, ev, event("2", "20", "fine"))
		seen := map[string]string{}
		for range 2 {
			ie := claimOne(t, s, t0)
			seen[ie.ChatID] = ie.Text
			if err := s.ProcessEvent(ctx, ie, t0, time.Hour, reply("r", "x")); err != nil {
				t.Fatalf("processing %q: %v", ie.Text, err)
			}
		}
		if seen["10"] != "hi \uFFFD there" || seen["20"] != "fine" {
			t.Fatalf("stored %q", seen)
		}
		mustAccept(t, s, ev) // the platform's retry is still recognized
		if n := countRows(t, s, "inbox"); n != 2 {
			t.Fatalf("%d inbox rows, want 2", n)
		}
	})
}

// TestSQLiteKeepsStatementJournalsInMemory: every SQLite connection, the
// writer's and the readers', keeps temporary data in memory
// (temp_store = MEMORY, 2): statement journals of multi-row writes then
// cost no write calls to a temporary file.
func TestSQLiteKeepsStatementJournalsInMemory(t *testing.T) {
	s := openTest(t)
	for name, db := range map[string]interface {
		Get(any, string, ...any) error
	}{"writer": s.w, "reader": s.r} {
		var mode int
		if err := db.Get(&mode, `PRAGMA temp_store`); err != nil || mode != 2 {
			t.Errorf("%s: temp_store %d (%v), want 2 (MEMORY)", name, mode, err)
		}
	}
}

// TestSettledMarksWaitForGroupCommits: the inbox mark's ceiling is the
// highest id that was visible at least inboxSettle ago, never a later one;
// until a sample is that old the mark does not rise.
func TestSettledMarksWaitForGroupCommits(t *testing.T) {
	settle := inboxSettle.Milliseconds()
	var m settledMarks
	for _, c := range []struct {
		name      string
		at, next  int64
		wantLimit int64
	}{
		{"first sample", 0, 10, 0},
		{"not settled yet", settle - 1, 20, 0},
		{"the first is settled", settle, 30, 10},
		{"still the first: the second is not old enough", 2*settle - 2, 40, 10},
		{"the second is settled", 2*settle - 1, 50, 20},
		{"long after: the newest old enough", 10 * settle, 60, 50},
	} {
		if got := m.note(c.at, c.next); got != c.wantLimit {
			t.Errorf("%s: ceiling %d, want %d", c.name, got, c.wantLimit)
		}
	}
	if len(m.samples) > 2 {
		t.Errorf("%d samples kept; only the newest settled one and later are needed", len(m.samples))
	}
}

// TestClaimsSeeEventsCommittedOutOfOrder: on PostgreSQL two group commits
// (two replicas) take inbox ids in one order and commit in the other. A
// claim made between the two commits must not raise its mark past the
// lower id, or that event waits for the next recount (30 s).
func TestClaimsSeeEventsCommittedOutOfOrder(t *testing.T) {
	s := openPostgresTest(t)
	ctx := context.Background()
	insert := func(tx *sqlx.Tx, id string) (rowID int64) {
		t.Helper()
		if err := tx.GetContext(ctx, &rowID, `INSERT INTO inbox (platform, bot, external_id, conversation_key, kind, event, raw, received_at)
			VALUES ('telegram', 'shop', $1, $2, 'text', '{}', '{}', $3) RETURNING id`, id, "telegram/shop/"+id, ms(t0)); err != nil {
			t.Fatal(err)
		}
		return rowID
	}
	slow, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	lower := insert(slow, "1") // takes the lower id, commits last
	fast, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	higher := insert(fast, "2")
	if err := fast.Commit(); err != nil {
		t.Fatal(err)
	}
	at := t0
	got, err := s.ClaimEvents(ctx, "w", at, time.Minute, 10, chat.SetAside{})
	if err != nil || len(got) != 1 || got[0].ID != higher {
		t.Fatalf("first claim %+v, %v; want event %d", got, err, higher)
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	// The next refresh of the mark, well before a recount.
	at = at.Add(2 * markEvery)
	got, err = s.ClaimEvents(ctx, "w", at, time.Minute, 10, chat.SetAside{})
	if err != nil || len(got) != 1 || got[0].ID != lower {
		t.Fatalf("claim after the slower commit %+v, %v; want event %d at once", got, err, lower)
	}
}
