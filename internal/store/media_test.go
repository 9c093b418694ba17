package store

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestAlbumPartsAreClaimedWithTheirHead: team-chat messages carrying one
// album's parts keep their media, wait for the album's hold, go out head
// first, and the parts right behind it are leased with it; anything else
// queued between them ends the album, and released parts go with the
// head's retry.
func TestAlbumPartsAreClaimedWithTheirHead(t *testing.T) {
	part := func(n int, album string) chat.Notice {
		n0 := chat.Notice{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "Ann: " + strconv.Itoa(n), After: t0.Add(time.Second)}
		if album != "" {
			n0.Media = []chat.Media{{Kind: chat.MediaPhoto, Platform: chat.Telegram, Bot: "shop", FileID: "F" + strconv.Itoa(n), Album: album, Size: 10}}
		}
		return n0
	}
	tests := []struct {
		name    string
		notices []chat.Notice
		parts   []string // file ids claimed with the head
	}{
		{"three parts", []chat.Notice{part(1, "A"), part(2, "A"), part(3, "A")}, []string{"F2", "F3"}},
		{"another album's part is not taken", []chat.Notice{part(1, "A"), part(2, "B"), part(3, "A")}, nil},
		{"a text between ends the album", []chat.Notice{part(1, "A"), part(2, "A"), part(3, ""), part(4, "A")}, []string{"F2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *Store) {
				ctx := context.Background()
				for i, n := range tt.notices {
					if ok, err := s.StartSpike(ctx, chat.Spike{Kind: "rule", Name: "r" + strconv.Itoa(i), Team: "support"}, []chat.Notice{n}, t0); err != nil || !ok {
						t.Fatalf("queue: %v %v", ok, err)
					}
				}
				if early, err := s.ClaimOutgoing(ctx, "me", t0, time.Minute, 10); err != nil || len(early) != 0 {
					t.Fatalf("claimed %d during the album's hold (%v)", len(early), err)
				}
				heads, err := s.ClaimOutgoing(ctx, "me", t0.Add(time.Second), time.Minute, 10)
				if err != nil || len(heads) != 1 {
					t.Fatalf("claimed %+v, %v; want the head alone", heads, err)
				}
				head := heads[0]
				if head.AlbumKey != "A" || !reflect.DeepEqual(head.Media, tt.notices[0].Media) {
					t.Fatalf("head album %q media %+v", head.AlbumKey, head.Media)
				}
				parts, err := s.ClaimAlbum(ctx, head, "me", t0.Add(time.Second), t0.Add(time.Minute), 9)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				var ids []int64
				for _, p := range parts {
					got = append(got, p.Media[0].FileID)
					ids = append(ids, p.ID)
				}
				if !reflect.DeepEqual(got, tt.parts) {
					t.Fatalf("parts %v, want %v", got, tt.parts)
				}
				if len(parts) == 0 {
					return
				}
				if again, _ := s.ClaimAlbum(ctx, head, "other", t0.Add(time.Second), t0.Add(time.Minute), 9); len(again) != 0 {
					t.Fatalf("parts leased twice: %+v", again)
				}
				if err := s.ReleaseOutgoing(ctx, ids); err != nil {
					t.Fatal(err)
				}
				if again, err := s.ClaimAlbum(ctx, head, "other", t0.Add(time.Second), t0.Add(time.Minute), 9); err != nil || len(again) != len(parts) {
					t.Fatalf("released parts not claimable again: %d, %v", len(again), err)
				}
			})
		})
	}
}

// TestMediaKeptWithTheHistory: a customer's media are stored with their
// message (history for the handoff notice, export) as given, and
// forgetting the customer empties them with the texts.
func TestMediaKeptWithTheHistory(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		photo := chat.Media{Kind: chat.MediaPhoto, Platform: chat.Telegram, Bot: "shop", FileID: "AgAC", UniqueID: "u", MIME: "image/jpeg",
			Size: 48213, Width: 1280, Height: 720, Album: "9"}
		ev := event("1", "10", "the parcel")
		ev.Kind, ev.Media = chat.KindPhoto, []chat.Media{photo}
		decideAt(t, s, ev, t0, chat.Plan{Outcome: chat.OutcomeUnanswered})
		got, err := s.ExportCustomer(ctx, chat.Telegram, "shop", "10", t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		msgs := got.Conversations[0].Messages
		if len(msgs) != 1 || msgs[0].Text != "the parcel" || !reflect.DeepEqual(msgs[0].Media, []chat.Media{photo}) {
			t.Fatalf("exported %+v", msgs)
		}
		if _, err := s.Forget(ctx, chat.Telegram, "shop", "10", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := s.readGet(ctx, &left, `SELECT COUNT(*) FROM messages WHERE media <> ''`); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d messages keep a forgotten customer's media", left)
		}
	})
}
