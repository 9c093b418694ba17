package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// How far sendWithButtons takes a reply.
const (
	queued = iota // in the outbox
	tried         // claimed by a sender: the platform may have it
	sent          // recorded sent, with its platform id
)

// sendWithButtons has the bot answer ev with a reply carrying buttons, as
// the pipeline would, and takes it as far as upTo; sent, it is platform
// message pmid.
func sendWithButtons(t *testing.T, s *Store, ev chat.Event, private bool, buttons [][]chat.Button, pmid string, upTo int, at time.Time) {
	t.Helper()
	ctx := context.Background()
	mustAccept(t, s, ev)
	evs, err := s.ClaimEvents(ctx, "w", at, time.Minute, 10, chat.SetAside{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("claim: %v, %d events", err, len(evs))
	}
	states, err := s.LoadStates(ctx, evs, at, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	plan := chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{
		Action: chat.Action{Type: chat.ActionReply, Rule: "menu", Text: "Pick one: " + pmid, Buttons: buttons, Private: private}}}}
	plan.Place(ev)
	if res, err := s.Apply(ctx, []chat.Effects{{Event: evs[0], Basis: states[0], Plan: plan}}, at); err != nil || res[0] != nil {
		t.Fatalf("apply: %v %v", err, res)
	}
	if upTo == queued {
		return
	}
	out, err := s.ClaimOutgoing(ctx, "sender", at, time.Minute, 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("claim outgoing: %v, %d rows", err, len(out))
	}
	if upTo == tried {
		return
	}
	if err := s.MarkSentBatch(ctx, []chat.SentMessage{{ID: out[0].ID, PlatformMessageID: pmid, At: at}}); err != nil {
		t.Fatal(err)
	}
}

// TestLoadStatesOffersTheButtonsOfTheMessagePressed: a press's snapshot
// holds the buttons the bot sent under the message it names, in that chat
// (message ids repeat across Telegram chats), and a Discord private
// answer's buttons for a press in the customer's direct messages. Other
// events load none. Whether a press is genuine is decided elsewhere.
func TestLoadStatesOffersTheButtonsOfTheMessagePressed(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		refund := chat.Button{Text: "Refunds", Data: "rule:refund"}
		person := chat.Button{Text: "A person", Data: "rule:person"}
		shipping := chat.Button{Text: "Shipping", Data: "rule:shipping"}
		ann, bob := event("1", "42", "/help"), event("2", "43", "/help")
		sendWithButtons(t, s, ann, false, [][]chat.Button{{refund}, {person}}, "7", sent, t0)
		sendWithButtons(t, s, bob, false, [][]chat.Button{{shipping}}, "7", sent, t0.Add(time.Second))
		// Asked in a public Discord channel, answered in the customer's DMs.
		guild := chat.Event{Platform: chat.Discord, Bot: "shop", ExternalID: "3", Kind: chat.KindCommand, ChatID: "chan", ChatType: chat.ChatGroup,
			MessageID: "m3", Text: "/help", Time: t0, Customer: chat.Customer{ID: "99", Name: "Cy"}}
		sendWithButtons(t, s, guild, true, [][]chat.Button{{refund}}, "1300", sent, t0.Add(2*time.Second))
		// Being sent: its platform id is not recorded yet.
		sendWithButtons(t, s, event("4", "44", "/help"), false, [][]chat.Button{{person}}, "", tried, t0.Add(3*time.Second))
		// Never tried: the customer cannot have it.
		sendWithButtons(t, s, event("5", "45", "/help"), false, [][]chat.Button{{person}}, "", queued, t0.Add(4*time.Second))

		press := func(id int64, platform chat.Platform, chatID, customer, on string) chat.InboxEvent {
			return chat.InboxEvent{ID: id, ReceivedAt: t0, Event: chat.Event{Platform: platform, Bot: "shop", ExternalID: "p", Kind: chat.KindCallback,
				ChatID: chatID, ChatType: chat.ChatPrivate, ReplyTo: on, CallbackID: "cb", Text: "rule:refund", Customer: chat.Customer{ID: customer}}}
		}
		text := chat.InboxEvent{ID: 106, ReceivedAt: t0, Event: event("9", "42", "7")}
		text.ReplyTo = "7" // a quote of the menu is not a press
		tests := []struct {
			name string
			ie   chat.InboxEvent
			want []chat.Offer
		}{
			{"a press on the menu gets the menu's buttons", press(101, chat.Telegram, "42", "42", "7"),
				[]chat.Offer{{MessageID: "7", Buttons: []chat.Button{refund, person}}}},
			{"the same message id in another chat has its own", press(102, chat.Telegram, "43", "43", "7"),
				[]chat.Offer{{MessageID: "7", Buttons: []chat.Button{shipping}}}},
			{"a message the bot never sent offers nothing", press(103, chat.Telegram, "42", "42", "8"), nil},
			{"a press naming no message offers nothing", press(104, chat.Telegram, "42", "42", ""), nil},
			{"a private answer's buttons, pressed in the DMs", press(105, chat.Discord, "dm-channel", "99", "1300"),
				[]chat.Offer{{MessageID: "1300", Buttons: []chat.Button{refund}}}},
			{"a message is not a press", text, nil},
			{"a message being sent offers its buttons without an id", press(107, chat.Telegram, "44", "44", "12"),
				[]chat.Offer{{Buttons: []chat.Button{person}}}},
			{"a message never tried offers nothing", press(108, chat.Telegram, "45", "45", "12"), nil},
		}
		events := make([]chat.InboxEvent, len(tests))
		for i, tt := range tests {
			events[i] = tt.ie
		}
		states, err := s.LoadStates(ctx, events, t0.Add(time.Minute), 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for i, tt := range tests {
			if got := states[i].Offered; !slices.EqualFunc(got, tt.want, func(a, b chat.Offer) bool {
				return a.MessageID == b.MessageID && slices.Equal(a.Buttons, b.Buttons)
			}) {
				t.Errorf("%s: offered %+v, want %+v", tt.name, got, tt.want)
			}
		}
	})
}
