package pipeline

import (
	"context"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ProcessOne decides one claimed event and records the result as the
// workers do, a batch of one, and returns the plan: tests play events one
// by one with it.
func (p *Pipeline) ProcessOne(ctx context.Context, ie chat.InboxEvent) (chat.Plan, error) {
	done, _, _ := p.processBatch(ctx, []chat.InboxEvent{ie}, p.now(), false)
	return done[0].plan, done[0].err
}
