package main

import (
	"testing"
	"time"
)

// TestLedgerAccounting feeds the ledger posts and replies directly and
// checks what a run would report.
func TestLedgerAccounting(t *testing.T) {
	epoch := time.Now()
	at := func(ms int) time.Time { return epoch.Add(time.Duration(ms) * time.Millisecond) }
	// Messages 0–4, chats 10, 10, 11, 12, 13.
	msgs := []update{
		{Msg: 0, ChatID: 10, Kind: kindFAQ},
		{Msg: 1, ChatID: 10, Kind: kindFAQ},
		{Msg: 2, ChatID: 11, Kind: kindHandoff},
		{Msg: 3, ChatID: 12, Kind: kindSpam},
		{Msg: 4, ChatID: 13, Kind: kindFAQ},
	}
	for _, tt := range []struct {
		name                         string
		byChat                       bool
		replies                      []reply
		lost, duplicates, unexpected int
		sends                        int
	}{
		{
			name:    "all answered once",
			replies: []reply{{chat: 10, msg: 0}, {chat: 10, msg: 1}, {chat: 11, msg: 2}, {chat: -100777, msg: 2}, {chat: 13, msg: 4}},
			sends:   4,
		},
		{
			name:    "one lost, one twice, spam answered, a stray",
			replies: []reply{{chat: 10, msg: 0}, {chat: 10, msg: 0}, {chat: 11, msg: 2}, {chat: 12, msg: 3}, {chat: 13, msg: 4}, {chat: 13, msg: noMarker}},
			lost:    1, duplicates: 1, unexpected: 2, sends: 3,
		},
		{
			name:    "a reply in the wrong chat is a stray",
			replies: []reply{{chat: 10, msg: 0}, {chat: 10, msg: 1}, {chat: 11, msg: 2}, {chat: 99, msg: 4}},
			lost:    1, unexpected: 1, sends: 3,
		},
		{
			name:    "by chat: any reply answers the chat's next message",
			byChat:  true,
			replies: []reply{{chat: 10, msg: noMarker}, {chat: 10, msg: noMarker}, {chat: 11, msg: noMarker}, {chat: 13, msg: noMarker}},
			sends:   4,
		},
		{
			name:    "by chat: short of replies, and a reply to spam",
			byChat:  true,
			replies: []reply{{chat: 10, msg: noMarker}, {chat: 12, msg: noMarker}, {chat: 13, msg: noMarker}},
			lost:    2, unexpected: 1, sends: 2,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLedger(epoch, tt.byChat)
			for i, u := range msgs {
				l.record(u, at(i))
				l.accept(u, at(i), at(i+1))
			}
			retry := msgs[1]
			retry.Kind = kindRetry
			l.accept(retry, at(9), at(10)) // accepted again: still one message

			f := &fakeAPI{}
			for i, r := range tt.replies {
				r.at = int64(at(20 + i).Sub(epoch))
				f.replies = append(f.replies, r)
			}
			if want := 4; l.outstanding() != want {
				t.Fatalf("outstanding before replies: %d, want %d", l.outstanding(), want)
			}
			l.take(f)
			if l.outstanding() != tt.lost {
				t.Errorf("outstanding %d, want %d", l.outstanding(), tt.lost)
			}
			got := l.close()
			if got.lost != tt.lost || got.duplicates != tt.duplicates || got.unexpected != tt.unexpected || len(got.send) != tt.sends {
				t.Errorf("lost %d, duplicates %d, unexpected %d, sends %d; want %d, %d, %d, %d",
					got.lost, got.duplicates, got.unexpected, len(got.send), tt.lost, tt.duplicates, tt.unexpected, tt.sends)
			}
			if got.accepted != 6 || len(got.webhook) != 6 {
				t.Errorf("accepted %d with %d latencies, want 6", got.accepted, len(got.webhook))
			}
		})
	}
}

func TestQuantileIndex(t *testing.T) {
	for _, tt := range []struct {
		n    int
		p    float64
		want int
	}{
		{1, 0.5, 0}, {1, 0.99, 0}, {1, 1, 0},
		{10, 0.5, 4}, {10, 0.9, 8}, {10, 0.99, 9}, {10, 1, 9},
		{1000, 0.99, 989}, {1000, 1, 999},
	} {
		if got := quantileIndex(tt.n, tt.p); got != tt.want {
			t.Errorf("quantileIndex(%d, %v) = %d, want %d", tt.n, tt.p, got, tt.want)
		}
	}
}
