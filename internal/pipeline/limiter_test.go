package pipeline

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestLimiterNeverExceedsTheBotRate books sends the way the sender does —
// each at the moment the limiter names — and checks that no window of time
// holds more sends than the bot's rate allows, also when chats make
// messages wait.
func TestLimiterNeverExceedsTheBotRate(t *testing.T) {
	// Chats slow enough (one message per 5 s) that the bot's bucket refills
	// while their messages wait.
	lim := Limits{PerChat: 0.2, PerChatBurst: 2, PerGroupPerMinute: 19, PerGroupBurst: 15, PerBot: 30, PerBotBurst: 10}
	l := newLimiter(map[chat.Platform]Limits{chat.Telegram: lim})
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	// Replay the sender: a message first waits for its chat, then takes a
	// bot token at the moment it is ready; events are handled in time order.
	type pending struct {
		ready  time.Time
		chatID string
		turn   bool // has its chat turn; waiting for the bot
	}
	var queue []pending
	for k := 0; k < 3; k++ {
		for c := 0; c < 15; c++ {
			queue = append(queue, pending{ready: now, chatID: fmt.Sprint("old", c)})
		}
	}
	for c := 0; c < 40; c++ {
		queue = append(queue, pending{ready: now.Add(5 * time.Second), chatID: fmt.Sprint("new", c)})
	}
	var at []time.Time
	for len(queue) > 0 {
		sort.SliceStable(queue, func(i, j int) bool { return queue[i].ready.Before(queue[j].ready) })
		p := queue[0]
		queue = queue[1:]
		m := chat.Outgoing{Platform: chat.Telegram, Bot: "shop", ChatID: p.chatID}
		if !p.turn {
			wait, _ := l.reserveChat(m, p.ready)
			queue = append(queue, pending{ready: p.ready.Add(wait), chatID: p.chatID, turn: true})
			continue
		}
		wait, _ := l.reserveBot(m, p.ready)
		at = append(at, p.ready.Add(wait))
	}
	// Any one-second window may hold at most the burst plus one second's rate.
	limit := lim.PerBotBurst + int(lim.PerBot)
	for i := range at {
		n := 0
		for j := range at {
			if !at[j].Before(at[i]) && at[j].Before(at[i].Add(time.Second)) {
				n++
			}
		}
		if n > limit {
			t.Fatalf("%d sends in the second after %v; the bot allows %d", n, at[i], limit)
		}
	}
}

func TestLimiterSpacesOneChat(t *testing.T) {
	l := newLimiter(map[chat.Platform]Limits{chat.Telegram: {PerChat: 1, PerChatBurst: 2, PerBot: 30, PerBotBurst: 10}})
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	m := chat.Outgoing{Platform: chat.Telegram, Bot: "shop", ChatID: "5"}
	var waits []time.Duration
	for i := 0; i < 4; i++ {
		w, _ := l.reserveChat(m, now)
		waits = append(waits, w)
	}
	want := []time.Duration{0, 0, time.Second, 2 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v: a burst of 2, then one a second", waits, want)
		}
	}
}
