package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/frontdesk-bot/frontdesk/internal/httpapi"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// api wires /api/v1 to the store for reads and to the inbox for writes:
// a write is an agent's event in the handoff's team chat, so the pipeline
// decides it as one typed there and sends through the same outbox.
func (a *App) api(inbox *wakingInbox) *httpapi.API {
	st := a.store
	customer := func(full bool) func(context.Context, httpapi.CustomerID) (any, bool, error) {
		return func(ctx context.Context, c httpapi.CustomerID) (any, bool, error) {
			exp, err := st.ExportCustomer(ctx, c.Platform, c.Bot, c.ExternalID, a.clock()())
			if errors.Is(err, store.ErrNoSuchCustomer) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			if !full {
				// What an agent needs to help them: who they are and what
				// was said, without the bot's decision traces and sends.
				for i := range exp.Conversations {
					exp.Conversations[i].Decisions, exp.Conversations[i].Sends = nil, nil
				}
			}
			return exp, true, nil
		}
	}
	return &httpapi.API{
		Token: st.LiveAPIToken,
		Handoffs: func(ctx context.Context, q httpapi.HandoffQuery) (any, error) {
			return st.Handoffs(ctx, store.HandoffFilter{State: q.State, Team: q.Team, Priority: q.Priority, Since: q.Since, Until: q.Until, Limit: q.Limit})
		},
		Handoff: func(ctx context.Context, id int64) (any, bool, error) { return st.HandoffWithMessages(ctx, id) },
		Act: func(ctx context.Context, act httpapi.Action) (bool, error) {
			team, found, err := st.HandoffTeam(ctx, act.HandoffID)
			if err != nil || !found {
				return found, err
			}
			ev, err := a.pipe.APIEvent(pipeline.APICommand{Token: act.Token, Agent: act.Agent, Command: act.Command,
				HandoffID: act.HandoffID, Team: team, Text: act.Text, Target: act.Target, Key: act.Key}, a.clock()())
			if err != nil {
				return true, fmt.Errorf("%w: %w", httpapi.ErrCannot, err)
			}
			// A key posted again finds its event stored and adds nothing.
			return true, inbox.Accept(ctx, ev)
		},
		Customer: customer(false),
		Export:   customer(true),
		Forget: func(ctx context.Context, c httpapi.CustomerID) (any, bool, error) {
			got, err := st.Forget(ctx, c.Platform, c.Bot, c.ExternalID, a.clock()())
			if errors.Is(err, store.ErrNoSuchCustomer) {
				return nil, false, nil
			}
			return got, err == nil, err
		},
	}
}
