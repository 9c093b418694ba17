package telegramtest

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Limits has the shape of Telegram's flood limits: about one message a
// second to a private chat with short bursts tolerated, 20 a minute to a
// group, 30 a second across all chats. Zero fields take the defaults.
// Only sendMessage and editMessageText count against them.
type Limits struct {
	PerChat           float64 // messages per second to one private chat
	PerChatBurst      int
	PerGroupPerMinute int     // for chats with a negative id, instead of PerChat
	PerBot            float64 // messages per second across all chats of one bot token
	PerBotBurst       int
	Disabled          bool
}

// DefaultLimits are the limits a Server enforces unless told otherwise.
func DefaultLimits() Limits {
	return Limits{PerChat: 1, PerChatBurst: 3, PerGroupPerMinute: 20, PerBot: 30, PerBotBurst: 30}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	l.PerChat = cmp.Or(max(l.PerChat, 0), d.PerChat)
	l.PerChatBurst = cmp.Or(max(l.PerChatBurst, 0), d.PerChatBurst)
	l.PerGroupPerMinute = cmp.Or(max(l.PerGroupPerMinute, 0), d.PerGroupPerMinute)
	l.PerBot = cmp.Or(max(l.PerBot, 0), d.PerBot)
	l.PerBotBurst = cmp.Or(max(l.PerBotBurst, 0), d.PerBotBurst)
	return l
}

// Scale multiplies every rate, and the group allowance, by f (> 0) but keeps
// the bursts, so tests meet limits of the same shape that refill f times
// faster.
func (l Limits) Scale(f float64) Limits {
	l = l.withDefaults()
	l.PerChat *= f
	l.PerBot *= f
	l.PerGroupPerMinute = max(1, int(math.Ceil(float64(l.PerGroupPerMinute)*f)))
	return l
}

// bucket is a token bucket: it holds up to burst tokens and gains rate of
// them per second; each message takes one.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

type chatKey struct {
	token string
	chat  int64
}

func getBucket[K comparable](m map[K]*bucket, k K, rate float64, burst int, now time.Time) *bucket {
	b := m[k]
	if b == nil {
		b = &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
		m[k] = b
	}
	return b
}

// wait refills b up to now and says how long until it holds a whole token.
func (b *bucket) wait(now time.Time) time.Duration {
	// A fake clock may step back; ignoring that keeps tokens from vanishing.
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(b.burst, b.tokens+dt*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// throttleLocked takes a token from the chat's and the bot's bucket, or
// from neither when one is empty, so a refused message costs nothing. It
// returns 0 or the retry_after to answer with.
func (s *Server) throttleLocked(token string, chat int64) int {
	l := s.limits
	if l.Disabled {
		return 0
	}
	now := s.now()
	rate, burst := l.PerChat, l.PerChatBurst
	if chat < 0 {
		rate, burst = float64(l.PerGroupPerMinute)/60, l.PerGroupPerMinute
	}
	perChat := getBucket(s.chatBuckets, chatKey{token, chat}, rate, burst, now)
	perBot := getBucket(s.botBuckets, token, l.PerBot, l.PerBotBurst, now)
	if wait := max(perChat.wait(now), perBot.wait(now)); wait > 0 {
		return max(1, int(math.Ceil(wait.Seconds())))
	}
	perChat.tokens--
	perBot.tokens--
	return 0
}

func tooManyRequests(retryAfter int) reply {
	return reply{
		status:     http.StatusTooManyRequests,
		desc:       fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		retryAfter: retryAfter,
	}
}
