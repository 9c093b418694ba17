package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestAPITokensCreateFindRevoke: a token is found by its hash while live;
// its name is taken until it is revoked, after which it is listed as
// revoked, no longer found, and the name may be given again.
func TestAPITokensCreateFindRevoke(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		crm := chat.APIToken{Name: "crm", Scope: chat.ScopeAgent, Hash: "h1"}
		if err := s.CreateAPIToken(ctx, crm, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAPIToken(ctx, chat.APIToken{Name: "crm", Scope: chat.ScopeRead, Hash: "h2"}, t0); !errors.Is(err, chat.ErrConflict) {
			t.Fatalf("second live token named crm: err = %v, want ErrConflict", err)
		}
		got, found, err := s.LiveAPIToken(ctx, "h1")
		if err != nil || !found || got.Name != "crm" || got.Scope != chat.ScopeAgent || !got.CreatedAt.Equal(t0) {
			t.Fatalf("live token %+v, %v, %v", got, found, err)
		}
		if _, found, err := s.LiveAPIToken(ctx, "nope"); err != nil || found {
			t.Fatalf("unknown hash found %v, %v", found, err)
		}
		for _, tc := range []struct {
			name string
			want bool
		}{{"crm", true}, {"crm", false}, {"nobody", false}} {
			if ok, err := s.RevokeAPIToken(ctx, tc.name, t0.Add(time.Hour)); err != nil || ok != tc.want {
				t.Fatalf("revoke %s: %v, %v; want %v", tc.name, ok, err, tc.want)
			}
		}
		if _, found, err := s.LiveAPIToken(ctx, "h1"); err != nil || found {
			t.Fatalf("revoked token found %v, %v", found, err)
		}
		if err := s.CreateAPIToken(ctx, chat.APIToken{Name: "crm", Scope: chat.ScopeRead, Hash: "h3"}, t0.Add(2*time.Hour)); err != nil {
			t.Fatalf("name of a revoked token refused: %v", err)
		}
		list, err := s.APITokens(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("tokens %+v, %v", list, err)
		}
		if list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t0.Add(time.Hour)) || list[1].RevokedAt != nil || list[1].Scope != chat.ScopeRead {
			t.Fatalf("tokens %+v", list)
		}
	})
}

// TestHandoffsFilteredAndRead: the API's list narrows by state, team,
// priority and time, and one handoff reads with its conversation.
func TestHandoffsFilteredAndRead(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		handOff(t, s, "1", t0)
		all, err := s.Handoffs(ctx, HandoffFilter{Limit: 10})
		if err != nil || len(all) != 1 || all[0].Customer != "telegram/shop/10" || all[0].State != chat.HandoffWaiting {
			t.Fatalf("handoffs %+v, %v", all, err)
		}
		id := all[0].ID
		for _, tc := range []struct {
			name string
			f    HandoffFilter
			want int
		}{
			{"state matches", HandoffFilter{State: chat.HandoffWaiting}, 1},
			{"state differs", HandoffFilter{State: chat.HandoffClaimed}, 0},
			{"team matches", HandoffFilter{Team: "support"}, 1},
			{"team differs", HandoffFilter{Team: "sales"}, 0},
			{"priority matches", HandoffFilter{Priority: "high"}, 1},
			{"priority differs", HandoffFilter{Priority: "low"}, 0},
			{"since its opening", HandoffFilter{Since: t0}, 1},
			{"since after", HandoffFilter{Since: t0.Add(time.Second)}, 0},
			{"until after", HandoffFilter{Until: t0.Add(time.Second)}, 1},
			{"until its opening", HandoffFilter{Until: t0}, 0},
			{"all together", HandoffFilter{State: chat.HandoffWaiting, Team: "support", Priority: "high", Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)}, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.f.Limit = 10
				got, err := s.Handoffs(ctx, tc.f)
				if err != nil || len(got) != tc.want {
					t.Fatalf("got %d (%v), want %d", len(got), err, tc.want)
				}
			})
		}
		d, found, err := s.HandoffWithMessages(ctx, id)
		if err != nil || !found || d.ID != id || len(d.Messages) != 1 || d.Messages[0].From != FromCustomer || d.Messages[0].Text != "I want a human" {
			t.Fatalf("handoff %+v, %v, %v", d, found, err)
		}
		if team, found, err := s.HandoffTeam(ctx, id); err != nil || !found || team != "support" {
			t.Fatalf("handoff team %q, %v, %v", team, found, err)
		}
		if _, found, err := s.HandoffTeam(ctx, id+100); err != nil || found {
			t.Fatalf("no such handoff's team: found %v, %v", found, err)
		}
		if _, found, err := s.HandoffWithMessages(ctx, id+100); err != nil || found {
			t.Fatalf("no such handoff: found %v, %v", found, err)
		}
	})
}
