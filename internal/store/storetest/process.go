package storetest

import (
	"context"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Applier is the part of the store that records decisions.
type Applier interface {
	LoadStates(ctx context.Context, events []chat.InboxEvent, now time.Time, conversationIdle time.Duration) ([]chat.State, error)
	LoadDetails(ctx context.Context, events []chat.InboxEvent, states []*chat.State, want chat.DetailsWanted) error
	Apply(ctx context.Context, batch []chat.Effects, now time.Time) ([]error, error)
}

// Process decides one claimed event with decide and applies the result,
// the way the pipeline does for a batch: load the snapshot (with its
// details), decide outside any transaction, place the replies, apply the
// effects. Tests that check what the store writes use it with a decide of
// their own.
func Process(ctx context.Context, s Applier, ie chat.InboxEvent, now time.Time, idle time.Duration, decide func(chat.State) (chat.Plan, error)) error {
	states, err := s.LoadStates(ctx, []chat.InboxEvent{ie}, now, idle)
	if err != nil {
		return err
	}
	st := states[0]
	if err := s.LoadDetails(ctx, []chat.InboxEvent{ie}, []*chat.State{&st}, chat.DetailsWanted{HistoryLines: 8, Since: now.Add(-time.Hour)}); err != nil {
		return err
	}
	plan, err := decide(st)
	if err != nil {
		return err
	}
	plan.Place(ie.Event)
	results, err := s.Apply(ctx, []chat.Effects{{Event: ie, Basis: st, Plan: plan}}, now)
	if err != nil {
		return err
	}
	return results[0]
}

// AgentApplier is the part of the store that records agents' events.
type AgentApplier interface {
	LoadAgentState(ctx context.Context, ie chat.InboxEvent, handoffID int64, now time.Time) (st chat.AgentState, found bool, err error)
	ApplyAgent(ctx context.Context, ie chat.InboxEvent, st chat.AgentState, plan chat.AgentPlan, now time.Time) error
}

// ProcessAgent decides an agent's event with decide and applies it, the way
// the pipeline does: load what it is about, decide outside any
// transaction (not at all for chatter about no conversation), apply.
func ProcessAgent(ctx context.Context, s AgentApplier, ie chat.InboxEvent, handoffID int64, now time.Time, decide func(chat.AgentState) (chat.AgentPlan, error)) (found bool, err error) {
	st, found, err := s.LoadAgentState(ctx, ie, handoffID, now)
	if err != nil {
		return false, err
	}
	var plan chat.AgentPlan
	if found || st.ConversationKey != "" {
		if plan, err = decide(st); err != nil {
			return found, err
		}
	}
	return found, s.ApplyAgent(ctx, ie, st, plan, now)
}
