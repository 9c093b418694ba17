package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// languageDecider decides actions in a language.
type languageDecider struct {
	lang    string
	actions []chat.Action
}

func (d languageDecider) Decide(chat.Event, chat.State, time.Time) rules.Decision {
	return rules.Decision{Language: d.lang, Actions: d.actions}
}

// TestIncidentStatusReachesNewcomers: a customer who writes about an open
// incident with a status hears it at once, in their language: joining it
// by the rule that caused it, or answered by a rule whose when asks about
// it; once per answer, and not before its owner posted one.
func TestIncidentStatusReachesNewcomers(t *testing.T) {
	complaint := chat.Action{Type: chat.ActionHandoff, Rule: "outage", Text: "A colleague will answer.", Priority: "high", Team: "support"}
	known := chat.Action{Type: chat.ActionReply, Rule: "outage-known", Text: "We know.", Incidents: []string{"outage"}}
	known2 := chat.Action{Type: chat.ActionReply, Rule: "outage-more", Text: "Also this.", Incidents: []string{"outage"}}
	other := chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "Here is how."}
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", Kind: chat.KindText, ChatID: "42", ChatType: chat.ChatPrivate,
		MessageID: "7", Text: "the app is down", Customer: chat.Customer{ID: "42", Name: "Ann"}}
	incident := func(status string) chat.State {
		return chat.State{Incidents: []chat.Incident{{ID: 3, Team: "support", Cause: "outage", Handoffs: 50, Started: decideNow.Add(-time.Hour),
			Owner: chat.Agent{ID: "telegram:7", Name: "Alice"}, Status: status, Updates: 2}},
			Details: chat.Details{Loaded: true}}
	}
	tests := []struct {
		name    string
		lang    string
		st      chat.State
		actions []chat.Action
		want    []string // the texts sent
	}{
		{"joining the incident: the rule's answer and the status", "en", incident("Fixing the database"), []chat.Action{complaint},
			[]string{"A colleague will answer.\n\nLatest update: Fixing the database"}},
		{"in Russian", "ru", incident("Чиним базу"), []chat.Action{complaint}, []string{"A colleague will answer.\n\nПоследние новости: Чиним базу"}},
		{"in Chinese", "zh", incident("正在修复"), []chat.Action{complaint}, []string{"A colleague will answer.\n\n最新进展：正在修复"}},
		{"a rule asking about the incident carries it", "en", incident("Fixing"), []chat.Action{known}, []string{"We know.\n\nLatest update: Fixing"}},
		{"once per answer", "en", incident("Fixing"), []chat.Action{known, known2}, []string{"We know.\n\nLatest update: Fixing", "Also this."}},
		{"no status yet: the rule's answer alone", "en", incident(""), []chat.Action{complaint}, []string{"A colleague will answer."}},
		{"another rule's answer does not", "en", incident("Fixing"), []chat.Action{other}, []string{"Here is how."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decidingPipeline(tt.actions, 3)
			p.decider = languageDecider{tt.lang, tt.actions}
			plan := p.plan(ev, tt.st, decideNow)
			var got []string
			for _, s := range plan.Sends {
				got = append(got, s.Text)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("sent %q, want %q", got, tt.want)
			}
			if tt.actions[0].Type == chat.ActionHandoff && (plan.Incident == nil || plan.Incident.Updates != 2 ||
				!strings.Contains(plan.Incident.Notice.Text, "Owner: Alice.")) {
				t.Fatalf("incident plan %+v: want it filed on the 2 updates read, its notice showing the owner", plan.Incident)
			}
		})
	}
}
