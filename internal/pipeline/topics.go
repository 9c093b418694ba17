package pipeline

import (
	"context"
	"sync"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TopicSender is a Sender that can give each customer conversation its own
// topic in a forum-style team chat (Telegram forum groups).
type TopicSender interface {
	IsForum(ctx context.Context, chatID string) (bool, error)
	CreateTopic(ctx context.Context, chatID, name string) (threadID string, err error)
}

// forums remembers which team chats are forums. A group becomes a forum
// rarely, and a restart picks that up.
type forums struct {
	mu    sync.Mutex
	known map[string]bool
}

func (f *forums) isForum(ctx context.Context, ts TopicSender, m chat.Outgoing) (bool, error) {
	key := chat.ChatKey(m.Platform, m.Bot, m.ChatID)
	f.mu.Lock()
	forum, ok := f.known[key]
	f.mu.Unlock()
	if ok {
		return forum, nil
	}
	forum, err := ts.IsForum(ctx, m.ChatID)
	if err != nil {
		return false, err
	}
	f.mu.Lock()
	if f.known == nil {
		f.known = map[string]bool{}
	}
	f.known[key] = forum
	f.mu.Unlock()
	return forum, nil
}

// placeInTopic points a notice at its conversation's forum topic, opening
// the topic with the conversation's first notice. Notices to one team chat
// go out one at a time (the outbox's per-chat order), so two notices never
// race to open the same topic. A crash between opening the topic and
// saving it leaves an empty topic behind; the notice itself is not lost.
func (p *Pipeline) placeInTopic(ctx context.Context, sender Sender, m *chat.Outgoing) error {
	if m.TopicKey == "" || m.ThreadID != "" || m.TopicName == "" {
		return nil
	}
	ts, ok := sender.(TopicSender)
	if !ok {
		return nil
	}
	forum, err := p.forums.isForum(ctx, ts, *m)
	if err != nil || !forum {
		return err
	}
	thread, err := ts.CreateTopic(ctx, m.ChatID, m.TopicName)
	if err != nil {
		return err
	}
	if err := p.store.SaveTopic(context.Background(), *m, thread, p.now()); err != nil {
		return err
	}
	m.ThreadID = thread
	return nil
}

// topicGone forgets a deleted topic and sends the notice again at once,
// into a new topic.
func (p *Pipeline) topicGone(m chat.Outgoing, cause string) {
	if err := p.store.ForgetTopic(context.Background(), m); err != nil {
		p.log.Warn("sender: could not forget a deleted topic", "outbox", m.ID, "err", err)
	}
	p.retry(m, 0, cause)
}

// topicName is what agents see in their forum's topic list.
func topicName(c chat.Customer, platform chat.Platform) string {
	return agentFacingName(c) + " · " + string(platform)
}
