package rules

import (
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestAnswersNameTheIncidentsTheyAskAbout: a rule whose when asks about an
// incident names it in its actions, so the pipeline can add the incident's
// latest status to the answer; other rules name none.
func TestAnswersNameTheIncidentsTheyAskAbout(t *testing.T) {
	r, err := Parse("r.yaml", []byte(`default_language: en
languages: [en]
rules:
  - id: known
    keywords: [status]
    when: '"outage" in incidents || ("login" in incidents && "outage" in incidents)'
    reply: "We know."
  - id: faq
    keywords: [hours]
    reply: "9 to 5."
`))
	if err != nil {
		t.Fatal(err)
	}
	st := chat.State{Incidents: []chat.Incident{{Cause: "outage"}}}
	for _, tt := range []struct {
		text string
		want []string
	}{{"status?", []string{"outage", "login"}}, {"hours?", nil}} {
		d := r.Decide(chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, Text: tt.text}, st, time.Now())
		if len(d.Actions) != 1 || !slices.Equal(d.Actions[0].Incidents, tt.want) {
			t.Errorf("%q: actions %+v, want one naming incidents %v", tt.text, d.Actions, tt.want)
		}
	}
}
