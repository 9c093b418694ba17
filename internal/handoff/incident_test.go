package handoff

import (
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestIncidentAct(t *testing.T) {
	ann := chat.Agent{ID: "telegram:1", Name: "Ann"}
	bob := chat.Agent{ID: "telegram:2", Name: "Bob"}
	otherAnn := chat.Agent{ID: "telegram:3", Name: "Ann"}
	open := chat.IncidentRead{Team: "support", Open: true, Handoffs: 3}
	ownedBy := func(a chat.Agent, status string) chat.IncidentRead {
		r := open
		r.Owner, r.Status = a, status
		return r
	}
	resolved := chat.IncidentRead{Team: "support", Handoffs: 3, Owner: ann}
	tests := []struct {
		name    string
		inc     chat.IncidentRead
		op      IncidentOp
		text    string
		agent   chat.Agent
		want    IncidentMove // Say compared by prefix
		changed bool
	}{
		{"take an unowned incident", open, IncidentTake, "", ann, IncidentMove{Take: true, Say: "Ann owns this incident now"}, true},
		{"take it again: nothing changes", ownedBy(ann, ""), IncidentTake, "", ann, IncidentMove{Say: "Ann owns this incident."}, false},
		{"take another's: told who owns it", ownedBy(bob, ""), IncidentTake, "", ann, IncidentMove{Say: "This incident is owned by Bob already."}, false},
		{"a namesake is told apart", ownedBy(otherAnn, ""), IncidentTake, "", ann, IncidentMove{Say: "This incident is owned by another Ann (telegram:3)"}, false},
		{"take a resolved one", resolved, IncidentTake, "", ann, IncidentMove{Say: "This incident is already resolved."}, false},
		{"an anonymous admin may not take it", open, IncidentTake, "", chat.Agent{Name: "Group"}, IncidentMove{Say: "Not done: this message does not say which account"}, false},
		{"the owner updates: sent to every customer", ownedBy(ann, ""), IncidentUpdate, " Fixing the database ", ann,
			IncidentMove{Status: "Fixing the database", Announce: true, Say: "Ann posted an update: sent to {sent} customers"}, true},
		{"an update of an unowned incident makes its writer the owner", open, IncidentUpdate, "Fixing", bob,
			IncidentMove{Take: true, Status: "Fixing", Announce: true, Say: "Bob posted an update"}, true},
		{"another agent may not update an owned one", ownedBy(ann, ""), IncidentUpdate, "Fixing", bob, IncidentMove{Say: "Not done: Ann owns this incident"}, false},
		{"an update without text", ownedBy(ann, ""), IncidentUpdate, "  ", ann, IncidentMove{Say: "Not sent: write the update"}, false},
		{"the same status again is not sent twice", ownedBy(ann, "Fixing"), IncidentUpdate, "Fixing", ann, IncidentMove{Say: "Not sent again"}, false},
		{"update a resolved one", resolved, IncidentUpdate, "Fixing", ann, IncidentMove{Say: "This incident is already resolved."}, false},
		{"the owner resolves with a text: closed and sent", ownedBy(ann, "Fixing"), IncidentResolve, "Fixed", ann,
			IncidentMove{Resolve: true, Status: "Fixed", Announce: true, Say: "Ann resolved the incident: 3 customers are back with the bot. The resolution: sent to {sent}"}, true},
		{"resolve without a text (Resolve all) sends nothing", open, IncidentResolve, "", bob,
			IncidentMove{Resolve: true, Say: "Bob resolved the incident: 3 customers are back with the bot."}, true},
		{"another agent may not resolve an owned one", ownedBy(ann, ""), IncidentResolve, "", bob, IncidentMove{Say: "Not done: Ann owns this incident"}, false},
		{"resolve a resolved one", resolved, IncidentResolve, "Fixed", ann, IncidentMove{Say: "This incident is already resolved."}, false},
		{"an unknown op shows the usage", open, "close", "", ann, IncidentMove{Say: IncidentUsage}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := IncidentAct(tt.inc, tt.op, tt.text, tt.agent)
			say := got.Say
			got.Say, tt.want.Say = "", strings.TrimSpace(tt.want.Say)
			if !strings.HasPrefix(say, tt.want.Say) {
				t.Errorf("Say = %q, want it to start with %q", say, tt.want.Say)
			}
			tt.want.Say = ""
			if got != tt.want {
				t.Errorf("IncidentAct = %+v\n        want %+v", got, tt.want)
			}
			if got.Changed() != tt.changed {
				t.Errorf("Changed = %v, want %v", got.Changed(), tt.changed)
			}
		})
	}
}
