package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// upgradedDBs open a database that a deployment from before agents' accounts
// were kept left behind: migrated up to the version before them, with what
// setup writes in it, then opened as a store, which migrates it forward.
// Each migrates up to the last version without claimed_by_id.
var upgradedDBs = []struct {
	name string
	open func(t *testing.T, setup func(*sql.DB)) *Store
}{
	{"sqlite", func(t *testing.T, setup func(*sql.DB)) *Store {
		path := filepath.Join(t.TempDir(), "old.db")
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
		if err != nil {
			t.Fatal(err)
		}
		migrateUpTo(t, goose.DialectSQLite3, db, "migrations/sqlite", 13)
		setup(db)
		db.Close()
		s, err := OpenSQLite(context.Background(), path, Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T, setup func(*sql.DB)) *Store {
		dsn := storetest.PostgresDSN(t)
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		migrateUpTo(t, goose.DialectPostgres, db, "migrations/postgres", 4)
		setup(db)
		db.Close()
		s, err := OpenPostgres(context.Background(), dsn, Options{Readers: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func migrateUpTo(t *testing.T, dialect goose.Dialect, db *sql.DB, dir string, version int64) {
	t.Helper()
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(dialect, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
}

// ownerColumns reads who a handoff's owner and first responder are, as
// stored.
type ownerColumns struct {
	ClaimedBy        string `db:"claimed_by"`
	ClaimedByID      string `db:"claimed_by_id"`
	FirstResponseBy  string `db:"first_response_by"`
	FirstResponderID string `db:"first_response_by_id"`
}

func readOwner(t *testing.T, s *Store, handoffID int64) ownerColumns {
	t.Helper()
	var o ownerColumns
	if err := s.readGet(context.Background(), &o, `SELECT claimed_by, claimed_by_id, first_response_by, first_response_by_id
		FROM handoffs WHERE id = ?`, handoffID); err != nil {
		t.Fatal(err)
	}
	return o
}

// teamMessage is an agent's message in the team chat.
func teamMessage(id, userID, name string) chat.Event {
	return chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: id, Kind: chat.KindText, ChatID: "-100", ChatType: chat.ChatGroup,
		Text: "on it", ReplyTo: "77", Customer: chat.Customer{ID: userID, Name: name}, Time: t0}
}

// TestNameOnlyClaimSurvivesTheUpgrade: a handoff claimed by "Anna" before
// agents' accounts were kept migrates forward with her name and no
// account. It reads so (the lifecycle lets the team answer it), an answer
// by another agent is written without taking it over, and a claim gives it
// an owner by account.
func TestNameOnlyClaimSurvivesTheUpgrade(t *testing.T) {
	at := t0.UnixMilli()
	for _, db := range upgradedDBs {
		t.Run(db.name, func(t *testing.T) {
			s := db.open(t, func(old *sql.DB) {
				for _, q := range []string{
					`INSERT INTO customers (platform, bot, external_id, name, first_seen_at, last_seen_at) VALUES ('telegram', 'shop', '10', 'Kim', %[1]d, %[1]d)`,
					`INSERT INTO conversations (conversation_key, platform, bot, chat_id, customer_id, status, started_at, last_customer_at)
						SELECT 'telegram/shop/10', 'telegram', 'shop', '10', id, 'waiting_for_human', %[1]d, %[1]d FROM customers WHERE external_id = '10'`,
					`INSERT INTO handoffs (conversation_id, state, team, created_at, due_at, claimed_by, claimed_at, last_activity_at)
						SELECT id, 'claimed', 'support', %[1]d, %[1]d, 'Anna', %[1]d, %[1]d FROM conversations`,
				} {
					if _, err := old.Exec(fmt.Sprintf(q, at)); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
			})
			ctx := context.Background()
			s.Now = func() time.Time { return t0 }
			h, err := s.OpenHandoff(ctx, conversationOf(t, s, "10"))
			if err != nil {
				t.Fatal(err)
			}
			if h.ClaimedBy != "Anna" || h.ClaimedByID != "" {
				t.Fatalf("after the upgrade the handoff is claimed by %q (account %q); want Anna, no account", h.ClaimedBy, h.ClaimedByID)
			}
			bob := chat.Agent{ID: "telegram:3", Name: "Bob"}
			steps := []struct {
				name string
				ev   chat.Event
				plan func(st chat.AgentState) chat.AgentPlan
				want ownerColumns
			}{
				{"another agent's answer is written; the claim stays Anna's name", teamMessage("1", "3", "Bob"),
					func(st chat.AgentState) chat.AgentPlan {
						if st.Handoff.ClaimedBy != (chat.Agent{Name: "Anna"}) {
							t.Errorf("the handoff reads as claimed by %+v; want Anna, no account", st.Handoff.ClaimedBy)
						}
						return chat.AgentPlan{Command: chat.AgentRelay, Agent: bob, Text: "on it"}
					},
					ownerColumns{ClaimedBy: "Anna", FirstResponseBy: "Bob", FirstResponderID: "telegram:3"}},
				{"a claim gives it an owner by account", teamMessage("2", "3", "Bob"),
					func(chat.AgentState) chat.AgentPlan {
						return chat.AgentPlan{Command: chat.AgentClaim, Claim: true, Agent: bob}
					},
					ownerColumns{ClaimedBy: "Bob", ClaimedByID: "telegram:3", FirstResponseBy: "Bob", FirstResponderID: "telegram:3"}},
			}
			for _, step := range steps {
				mustAccept(t, s, step.ev)
				if _, err := s.ProcessAgentEvent(ctx, claimOne(t, s, t0), h.ID, t0, func(st chat.AgentState) (chat.AgentPlan, error) {
					return step.plan(st), nil
				}); err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				if got := readOwner(t, s, h.ID); got != step.want {
					t.Errorf("%s: stored %+v, want %+v", step.name, got, step.want)
				}
			}
		})
	}
}

// TestClaimIsDecidedOnTheOwnerAsRead: a claim decided on a handoff whose
// owner has changed since it was read (here: one agent named Anna claimed
// it, and another Anna's claim was decided on it waiting) writes nothing
// and is a conflict, to be decided again.
func TestClaimIsDecidedOnTheOwnerAsRead(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		h, err := s.OpenHandoff(ctx, conversationOf(t, s, "10"))
		if err != nil {
			t.Fatal(err)
		}
		anna := chat.Agent{ID: "telegram:1", Name: "Anna"}
		if ok, _, err := s.ClaimHandoff(ctx, h.ID, anna, t0); err != nil || !ok {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		mustAccept(t, s, teamMessage("2", "2", "Anna"))
		stale := chat.AgentState{Handoff: chat.OpenHandoff{ID: h.ID, Team: "support", State: chat.HandoffWaiting}, ConversationID: h.ConversationID}
		err = s.ApplyAgent(ctx, claimOne(t, s, t0), stale, chat.AgentPlan{Command: chat.AgentRelay, Claim: true,
			Agent: chat.Agent{ID: "telegram:2", Name: "Anna"}, Text: "hi"}, t0)
		if !errors.Is(err, chat.ErrConflict) {
			t.Fatalf("a claim decided on a stale read: %v, want a conflict", err)
		}
		if got := readOwner(t, s, h.ID); got.ClaimedByID != anna.ID || got.FirstResponderID != "" {
			t.Errorf("stored %+v; want the first Anna's claim and no response", got)
		}
		if n := countRows(t, s, "outbox"); n != 0 {
			t.Errorf("%d outbox rows; want nothing sent to the customer", n)
		}
	})
}
