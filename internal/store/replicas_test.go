package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// TestReplicasShareTheWork: three stores on one database, as three
// replicas would be, claim and process events and messages at once. Every
// event is processed exactly once, each conversation's in order, and every
// message is sent exactly once.
func TestReplicasShareTheWork(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) func() *Store
	}{
		{"sqlite", func(t *testing.T) func() *Store {
			path := filepath.Join(t.TempDir(), "shared.db")
			return func() *Store {
				s, err := OpenSQLite(context.Background(), path, Options{Synchronous: "OFF"})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		}},
		{"postgres", func(t *testing.T) func() *Store {
			dsn := storetest.PostgresDSN(t)
			return func() *Store {
				s, err := OpenPostgres(context.Background(), dsn, Options{Readers: 4})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		}},
	} {
		t.Run(db.name, func(t *testing.T) {
			open := db.open(t)
			replicas := []*Store{open(), open(), open()}
			const conversations, perConversation = 20, 10
			for i := range conversations * perConversation {
				chatID := fmt.Sprint(100 + i%conversations)
				mustAccept(t, replicas[i%3], event(fmt.Sprint(i+1), chatID, fmt.Sprint(i/conversations)))
			}
			var mu sync.Mutex
			processed := map[string][]string{} // chat → texts in processing order
			count := 0
			var wg sync.WaitGroup
			for r, s := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					owner := fmt.Sprint("replica", r)
					for idle := 0; idle < 20; {
						evs, err := s.ClaimEvents(context.Background(), owner, t0, time.Minute, 4, chat.SetAside{})
						if err != nil {
							t.Error(err)
							return
						}
						if len(evs) == 0 {
							idle++
							time.Sleep(5 * time.Millisecond)
							continue
						}
						idle = 0
						for _, ie := range evs {
							err := s.ProcessEvent(context.Background(), ie, t0, 24*time.Hour, func(chat.State) (chat.Plan, error) {
								return chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "r", Text: "re " + ie.Text}}}}, nil
							})
							if err != nil {
								t.Error(err)
								return
							}
							mu.Lock()
							processed[ie.ChatID] = append(processed[ie.ChatID], ie.Text)
							count++
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			if count != conversations*perConversation {
				t.Fatalf("%d events processed, want %d exactly once each", count, conversations*perConversation)
			}
			// The order is the database's: the goroutines' own record of it
			// can be reordered after the commits.
			var rows []struct {
				ChatID string `db:"chat_id"`
				Text   string `db:"text"`
			}
			if err := replicas[0].readSel(context.Background(), &rows, `SELECT c.chat_id, m.text FROM messages m
				JOIN conversations c ON c.id = m.conversation_id WHERE m.direction = 'in' ORDER BY m.id`); err != nil {
				t.Fatal(err)
			}
			inOrder := map[string][]string{}
			for _, r := range rows {
				inOrder[r.ChatID] = append(inOrder[r.ChatID], r.Text)
			}
			if len(inOrder) != conversations {
				t.Fatalf("%d conversations recorded, want %d", len(inOrder), conversations)
			}
			for chatID, texts := range inOrder {
				for i, text := range texts {
					if text != fmt.Sprint(i) || len(processed[chatID]) != perConversation {
						t.Fatalf("chat %s processed out of order: %v", chatID, texts)
					}
				}
			}
			// The sends, claimed by all three at once: each goes out once.
			sent := map[int64]int{}
			for r, s := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for idle := 0; idle < 20; {
						msgs, err := s.ClaimOutgoing(context.Background(), fmt.Sprint("replica", r), t0, time.Minute, 8)
						if err != nil {
							t.Error(err)
							return
						}
						if len(msgs) == 0 {
							idle++
							time.Sleep(5 * time.Millisecond)
							continue
						}
						idle = 0
						for _, m := range msgs {
							mu.Lock()
							sent[m.ID]++
							mu.Unlock()
							if err := s.MarkSent(context.Background(), m.ID, "p", t0); err != nil {
								t.Error(err)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			if len(sent) != conversations*perConversation {
				t.Fatalf("%d messages sent, want %d", len(sent), conversations*perConversation)
			}
			for id, n := range sent {
				if n != 1 {
					t.Fatalf("message %d sent %d times", id, n)
				}
			}
		})
	}
}

// TestReplicasStartingTogetherMigrateOnce: two replicas open an empty
// PostgreSQL database at the same moment; both start, and each migration
// is applied once.
func TestReplicasStartingTogetherMigrateOnce(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	var wg sync.WaitGroup
	stores := make([]*Store, 2)
	errs := make([]error, 2)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = OpenPostgres(context.Background(), dsn, Options{Readers: 2})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	var applied []struct {
		Version int64 `db:"version_id"`
		N       int   `db:"n"`
	}
	if err := stores[0].readSel(context.Background(), &applied, `SELECT version_id, COUNT(*) AS n FROM goose_db_version
		WHERE version_id > 0 GROUP BY version_id ORDER BY version_id`); err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("no migrations recorded")
	}
	for _, a := range applied {
		if a.N != 1 {
			t.Fatalf("migration %d applied %d times", a.Version, a.N)
		}
	}
}

// TestSingletonRunsOnOneReplicaAtATime: two replicas want the same
// singleton work; one runs it, and the other takes over when the first
// stops.
func TestSingletonRunsOnOneReplicaAtATime(t *testing.T) {
	replicas := openPostgresReplicas(t, 2)
	a, b := replicas[0], replicas[1]
	running := make(chan string, 4)
	var mu sync.Mutex
	active := 0
	work := func(who string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			mu.Lock()
			active++
			if active > 1 {
				t.Error("the singleton runs on two replicas at once")
			}
			mu.Unlock()
			running <- who
			<-ctx.Done()
			mu.Lock()
			active--
			mu.Unlock()
			return nil
		}
	}
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA := make(chan error, 1)
	go func() { doneA <- a.Singleton(ctxA, "gateway/community", work("a")) }()
	if who := <-running; who != "a" {
		t.Fatalf("%s runs first", who)
	}
	go func() { _ = b.Singleton(ctxB, "gateway/community", work("b")) }()
	select {
	case who := <-running:
		t.Fatalf("%s runs while a holds the lock", who)
	case <-time.After(2500 * time.Millisecond):
	}
	stopA()
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	select {
	case who := <-running:
		if who != "b" {
			t.Fatalf("%s took over, want b", who)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("b never took over")
	}
}

// openPostgresReplicas opens n stores on one PostgreSQL schema, as n
// replicas of a deployment; it skips (saying why) without PostgreSQL.
func openPostgresReplicas(t *testing.T, n int) []*Store {
	t.Helper()
	dsn := storetest.PostgresDSN(t)
	stores := make([]*Store, n)
	for i := range stores {
		s, err := OpenPostgres(context.Background(), dsn, Options{Readers: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	return stores
}
