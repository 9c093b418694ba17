package app

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// ReleaseSpam releases a message ignored as spam (its inbox event id, as
// frontdesk spam lists it): it records the false positive of the rule that
// ignored it and queues the message to be decided again with the spam
// rules set aside, so the customer gets an apology and the answer the
// rules give now, through the guard and the outbox. A running service
// (this one, or another on the same database) picks it up; it returns the
// answer's event id. A message released before is refused with an error
// wrapping chat.ErrAlreadyDone, one that was not spam with
// pipeline.ErrNotSpam, an unknown id with store.ErrNoSuchMessage.
func ReleaseSpam(ctx context.Context, s *store.Store, id int64, by string, now time.Time) (int64, error) {
	m, ev, err := s.DecidedMessage(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("release: %w", err)
	}
	if m.Released != nil {
		return 0, fmt.Errorf("release: message %d was released already, at %s: %w", id, m.Released.Format(time.RFC3339), chat.ErrAlreadyDone)
	}
	answer, err := pipeline.ReleaseEvent(id, ev, m.Outcome, m.Type)
	if err != nil {
		return 0, fmt.Errorf("release: %w", err)
	}
	n, err := s.ReleaseSpam(ctx, store.SpamRelease{InboxID: id, Rule: m.Rule, Answer: answer, By: by, At: now})
	if err != nil {
		return 0, fmt.Errorf("release: %w", err)
	}
	return n, nil
}

// dashboardSpam is how many messages the dashboard's spam review lists.
const dashboardSpam = 50

// ReleaseSpam is ReleaseSpam on this service's database and clock; the
// answer is decided at once rather than at the next poll.
func (a *App) ReleaseSpam(ctx context.Context, id int64, by string) (int64, error) {
	n, err := ReleaseSpam(ctx, a.store, id, by, a.clock()())
	if err == nil && a.pipe != nil {
		a.pipe.WakeEvents()
	}
	return n, err
}
