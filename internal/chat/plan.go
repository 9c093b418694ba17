package chat

import (
	"encoding/json"
	"time"
)

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
	Sends      []Send   // each becomes an outbox row, in this order
	Recorded   []Action // tags and ignores: kept with the decision, nothing sent
	Suppressed []Suppression
	Handoff    *Action // set when the conversation goes to a human
	// HandoffDue is when a person should first answer (from the priority
	// matrix and the team's business hours); zero means at once.
	HandoffDue time.Time
	// Notices go to agents' team chats (handoff notifications); they are not
	// messages to the customer, so the frequency guard does not apply.
	// "{handoff}" in a button's data stands for the handoff's id.
	Notices []Notice
	// ContinuesBurst says the event belongs to the customer's previous
	// burst of messages, whose sends it adds to.
	ContinuesBurst bool
	Outcome        Outcome
	Trace          json.RawMessage
}

// Send is a planned message that passed the frequency guard, with the
// reservations that keep it from being sent again too soon.
type Send struct {
	Action
	Reservations []Reservation
	// WindowUntil is the last moment the platform lets the bot send it
	// (the interaction window, less a safety margin); zero means no limit.
	WindowUntil time.Time
}

// Reservation claims a key (same content to a customer, same rule, the
// conversation's acknowledgement) until it expires. Keys are unique in the
// store, so two workers can never both send what one key covers.
type Reservation struct {
	Key     string
	Reason  string // the suppression reason when the key is already taken
	Expires time.Time
}

// Notice is a message to a team chat.
type Notice struct {
	Platform Platform
	Bot      string
	ChatID   string
	Text     string
	Buttons  [][]Button
}
