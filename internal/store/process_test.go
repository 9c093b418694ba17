package store

import (
	"context"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// ProcessEvent is storetest.Process, as a method so the store's tests read
// as they did when the store decided inside its transaction.
func (s *Store) ProcessEvent(ctx context.Context, ie chat.InboxEvent, now time.Time, idle time.Duration, decide func(chat.State) (chat.Plan, error)) error {
	return storetest.Process(ctx, s, ie, now, idle, decide)
}

// ProcessAgentEvent is storetest.ProcessAgent, as a method for the store's
// tests.
func (s *Store) ProcessAgentEvent(ctx context.Context, ie chat.InboxEvent, handoffID int64, now time.Time, decide func(chat.AgentState) (chat.AgentPlan, error)) (bool, error) {
	return storetest.ProcessAgent(ctx, s, ie, handoffID, now, decide)
}

// MarkSent records one successful send, as the pipeline's completer does
// for many.
func (s *Store) MarkSent(ctx context.Context, id int64, platformMessageID string, now time.Time) error {
	return s.MarkSentBatch(ctx, []chat.SentMessage{{ID: id, PlatformMessageID: platformMessageID, At: now}})
}
