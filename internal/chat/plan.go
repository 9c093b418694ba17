package chat

import "encoding/json"

// Outcome summarizes what happened to an event, for history and reports.
type Outcome string

const (
	OutcomeAnswered     Outcome = "answered"     // an FAQ reply was planned
	OutcomeHandedOff    Outcome = "handed_off"   // handed to a human
	OutcomeAcknowledged Outcome = "acknowledged" // only an acknowledgement
	OutcomeIgnored      Outcome = "ignored"      // a rule said to ignore it (spam): recorded, not answered
	OutcomeSuppressed   Outcome = "suppressed"   // rules matched but every send was suppressed
	OutcomeUnanswered   Outcome = "unanswered"   // no rule matched
	OutcomeRecorded     Outcome = "recorded"     // not a message the rules decide on (edits, blocks, service messages)
)

// Plan is the pipeline's verdict on one event, written by the store in the
// same transaction that marks the event done.
type Plan struct {
	Language   string
	Sends      []Action // each becomes an outbox row, in this order
	Recorded   []Action // tags and ignores: kept with the decision, nothing sent
	Suppressed []Suppression
	Handoff    *Action // set when the conversation goes to a human
	Outcome    Outcome
	Trace      json.RawMessage
}
