package pipeline

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Limits are a platform's send limits as the sender keeps them. They sit a
// little inside what the platform enforces, because network jitter can
// bunch up sends that left us evenly spaced.
type Limits struct {
	PerChat           float64 // messages per second to one chat
	PerChatBurst      int
	PerGroupPerMinute float64 // to one group chat (negative Telegram chat ids)
	PerGroupBurst     int
	PerBot            float64 // messages per second across all chats of one bot
	PerBotBurst       int
}

// DefaultLimits are Telegram's documented limits (about 1 message per second
// per chat, 20 per minute per group, 30 per second per bot), kept inside:
// 95% of the rates, and bursts well below the platform's, whose difference
// absorbs sends that scheduling delays bunch together.
var DefaultLimits = map[chat.Platform]Limits{
	chat.Telegram: {PerChat: 1, PerChatBurst: 2, PerGroupPerMinute: 19, PerGroupBurst: 15, PerBot: 28.5, PerBotBurst: 10},
	// Discord: 5 messages per 5 s per channel, 50 requests per second per
	// bot; its 429s carry retry_after, which the outbox honours anyway.
	chat.Discord: {PerChat: 0.95, PerChatBurst: 4, PerBot: 45, PerBotBurst: 10},
}

// Scale multiplies every rate by f (bursts stay), for tests against a fake
// platform whose limits are scaled the same way.
func (l Limits) Scale(f float64) Limits {
	l.PerChat *= f
	l.PerGroupPerMinute *= f
	l.PerBot *= f
	return l
}

// limiter spaces sends so the platform never has to refuse one: a token
// bucket per bot and one per chat.
type limiter struct {
	limits map[chat.Platform]Limits

	mu    sync.Mutex
	bots  map[string]*rate.Limiter
	chats map[string]*chatLimiter
	sweep time.Time
}

type chatLimiter struct {
	l        *rate.Limiter
	lastUsed time.Time
}

func newLimiter(limits map[chat.Platform]Limits) *limiter {
	if limits == nil {
		limits = DefaultLimits
	}
	return &limiter{limits: limits, bots: map[string]*rate.Limiter{}, chats: map[string]*chatLimiter{}}
}

// reserveChat books m's turn in its chat and returns how long until it; a
// chat's messages go one at a time, so its bucket sees them in order.
func (l *limiter) reserveChat(m chat.Outgoing, now time.Time) (wait time.Duration, cancel func()) {
	lim, ok := l.limits[m.Platform]
	if !ok {
		return 0, func() {}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	chatKey := chat.ChatKey(m.Platform, m.Bot, m.ChatID)
	c, ok := l.chats[chatKey]
	if !ok {
		r, burst := rate.Limit(lim.PerChat), lim.PerChatBurst
		if isGroup(m) {
			r, burst = rate.Limit(lim.PerGroupPerMinute/60), lim.PerGroupBurst
		}
		c = &chatLimiter{l: rate.NewLimiter(r, burst)}
		l.chats[chatKey] = c
	}
	c.lastUsed = now
	l.sweepIdle(now)
	rc := c.l.ReserveN(now, 1)
	return rc.DelayFrom(now), func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		rc.CancelAt(now)
	}
}

// reserveBot books a bot-wide token. It must be called when the message is
// otherwise ready to go: a token taken while the message still waited for
// its chat would count it as sent too early, and the bot's real sends would
// bunch up beyond the platform's limit.
func (l *limiter) reserveBot(m chat.Outgoing, now time.Time) (wait time.Duration, cancel func()) {
	lim, ok := l.limits[m.Platform]
	if !ok {
		return 0, func() {}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	botKey := string(m.Platform) + "/" + m.Bot
	bot, ok := l.bots[botKey]
	if !ok {
		bot = rate.NewLimiter(rate.Limit(lim.PerBot), lim.PerBotBurst)
		l.bots[botKey] = bot
	}
	rb := bot.ReserveN(now, 1)
	return rb.DelayFrom(now), func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		rb.CancelAt(now)
	}
}

// sweepIdle forgets chats idle long enough that their bucket is full again,
// so the map does not grow with every chat ever answered.
func (l *limiter) sweepIdle(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, c := range l.chats {
		if now.Sub(c.lastUsed) > 5*time.Minute {
			delete(l.chats, k)
		}
	}
}

// isGroup: Telegram group and supergroup ids are negative.
func isGroup(m chat.Outgoing) bool {
	return m.Platform == chat.Telegram && strings.HasPrefix(m.ChatID, "-")
}
