package app

import (
	"context"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// usernames are the Telegram bots' usernames, for the t.me link that takes
// a customer from a group to a private chat: configured (bots[].username)
// or asked of Telegram at start. Until known, a handoff asked in a group
// starts there, as before.
type usernames struct {
	m    sync.Map // SenderKey → username
	asks []usernameAsk
}

type usernameAsk struct {
	key    string
	client interface {
		Username(ctx context.Context) (string, error)
	}
}

func (u *usernames) get(key string) string {
	if v, ok := u.m.Load(key); ok {
		return v.(string)
	}
	return ""
}

// add keeps a bot's configured username, or asks client for it at start.
func (u *usernames) add(bot, configured string, client interface {
	Username(ctx context.Context) (string, error)
}) {
	key := pipeline.SenderKey(chat.Telegram, bot)
	if configured != "" {
		u.m.Store(key, configured)
		return
	}
	u.asks = append(u.asks, usernameAsk{key: key, client: client})
}

// learnUsernames asks Telegram for the usernames not configured. A bot
// that does not answer keeps offering handoffs in groups as before; it is
// asked again at the next start.
func (a *App) learnUsernames(ctx context.Context) {
	for _, ask := range a.usernames.asks {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		name, err := ask.client.Username(ctx)
		cancel()
		if err != nil || name == "" {
			a.log.Warn("telegram: bot username unknown (set bots[].username): handoffs asked in groups start there, without a private-chat link", "bot", ask.key, "err", err)
			continue
		}
		a.usernames.m.Store(ask.key, name)
	}
}

// Overflowed counts a handoff offered to its overflow team.
func (m *pipelineMetrics) Overflowed(team, to string) { m.overflow.WithLabelValues(team, to).Inc() }
