package guard

import (
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func event() chat.Event {
	return chat.Event{Platform: chat.Telegram, Bot: "shop", Kind: chat.KindText, ChatID: "7", ChatType: chat.ChatPrivate,
		Customer: chat.Customer{ID: "7", Name: "Ann"}, Text: "hi", Time: t0}
}

func reply(rule, text string) chat.Action {
	return chat.Action{Type: chat.ActionReply, Rule: rule, Text: text}
}

func ack(text string) chat.Action { return chat.Action{Type: chat.ActionAck, Rule: "ack", Text: text} }

// keysOf is what the store would report as taken after the sends.
func keysOf(sends []chat.Send) map[string]bool {
	m := map[string]bool{}
	for _, s := range sends {
		for _, r := range s.Reservations {
			m[r.Key] = true
		}
	}
	return m
}

func TestCheck(t *testing.T) {
	g := New(Config{})
	base := chat.State{Conversation: chat.Conversation{New: true, Started: t0, Status: chat.StatusBot}}
	first, _ := g.Check(event(), base, []chat.Action{ack("got it"), reply("faq", "answer")}, t0)
	taken := keysOf(first)

	withTaken := base
	withTaken.Customer.Reserved = taken
	withTaken.Conversation.New = false

	blocked := base
	blocked.Customer.Blocked = true
	human := base
	human.Conversation.Status = chat.StatusWaitingForHuman
	// A person of the brand wrote in the chat in person: quiet for
	// DefaultPersonQuiet after it, to the millisecond.
	personNow := withTaken
	personNow.Customer.Reserved = nil
	personNow.Conversation.PersonAt = t0.Add(-time.Minute)
	personJustBefore := personNow
	personJustBefore.Conversation.PersonAt = t0.Add(-DefaultPersonQuiet + time.Millisecond)
	personEarlier := personNow
	personEarlier.Conversation.PersonAt = t0.Add(-DefaultPersonQuiet)
	hourFull := base
	hourFull.Customer.SentLastHour = 10
	hourAlmost := base
	hourAlmost.Customer.SentLastHour = 9
	burst := withTaken
	burst.Customer.Reserved = nil
	burst.Conversation.LastCustomerAt = t0.Add(-time.Second)
	burst.Conversation.BurstSends = 2
	notBurst := burst
	notBurst.Conversation.LastCustomerAt = t0.Add(-3 * time.Second)
	fromBot := event()
	fromBot.Customer.IsBot = true
	late := event()
	late.Time = t0.Add(-47 * time.Hour) // the window (48h) less the margin (1h) ends exactly now
	tooLate := event()
	tooLate.Time = late.Time.Add(-time.Millisecond)
	// A new conversation starts only after the idle period, long after the
	// content and rule keys expired: only the old acknowledgement is held.
	otherConversation := withTaken
	otherConversation.Conversation.Started = t0.Add(time.Hour)
	otherConversation.Customer.Reserved = map[string]bool{}
	for k := range taken {
		if len(k) > 4 && k[:4] == "ack/" {
			otherConversation.Customer.Reserved[k] = true
		}
	}

	allowWhileHuman := reply("night", "we're closed")
	allowWhileHuman.AllowWhileHuman = true
	noCooldown := reply("faq", "another answer")
	noCooldown.Cooldown = -1

	tests := []struct {
		name    string
		ev      chat.Event
		st      chat.State
		planned []chat.Action
		sent    int
		reasons []string
	}{
		{"first contact: ack and answer", event(), base, []chat.Action{ack("got it"), reply("faq", "answer")}, 2, nil},
		{"the same text again", event(), withTaken, []chat.Action{reply("other", "answer")}, 0, []string{chat.ReasonDuplicateContent}},
		{"the same rule again, other text", event(), withTaken, []chat.Action{reply("faq", "answer, reworded")}, 0, []string{chat.ReasonRuleCooldown}},
		{"a rule without cooldown", event(), withTaken, []chat.Action{noCooldown}, 1, nil},
		{"a second acknowledgement", event(), withTaken, []chat.Action{ack("got it again")}, 0, []string{chat.ReasonAckAlreadySent}},
		{"an acknowledgement in a new conversation", event(), otherConversation, []chat.Action{ack("got it again")}, 1, nil},
		{"three messages for one customer message", event(), base, []chat.Action{ack("a"), reply("r1", "b"), reply("r2", "c")}, 2, []string{chat.ReasonPerMessageCap}},
		{"the same text twice in one plan", event(), base, []chat.Action{reply("r1", "same"), reply("r2", "same")}, 1, []string{chat.ReasonDuplicateContent}},
		{"a burst already answered twice", event(), burst, []chat.Action{reply("r3", "d")}, 0, []string{chat.ReasonPerMessageCap}},
		{"just after the debounce: a new message", event(), notBurst, []chat.Action{reply("r3", "d")}, 1, nil},
		{"the hourly cap reached", event(), hourFull, []chat.Action{reply("r", "x")}, 0, []string{chat.ReasonPerHourCap}},
		{"one below the hourly cap", event(), hourAlmost, []chat.Action{reply("r", "x"), reply("s", "y")}, 1, []string{chat.ReasonPerHourCap}},
		{"a customer who blocked the bot", event(), blocked, []chat.Action{reply("r", "x")}, 0, []string{chat.ReasonCustomerBlocked}},
		{"a human owns the conversation", event(), human, []chat.Action{reply("r", "x")}, 0, []string{chat.ReasonHumanOwnsConversation}},
		{"a rule allowed while a human owns it", event(), human, []chat.Action{allowWhileHuman}, 1, nil},
		{"a person answered in the chat a minute ago", event(), personNow, []chat.Action{ack("got it"), reply("r", "x")}, 0,
			[]string{chat.ReasonHumanOwnsConversation, chat.ReasonHumanOwnsConversation}},
		{"a person answered just under the quiet period ago", event(), personJustBefore, []chat.Action{reply("r", "x")}, 0, []string{chat.ReasonHumanOwnsConversation}},
		{"a person answered the quiet period ago", event(), personEarlier, []chat.Action{reply("r", "x")}, 1, nil},
		{"a rule allowed while a person answers", event(), personNow, []chat.Action{allowWhileHuman}, 1, nil},
		{"a bot wrote", fromBot, base, []chat.Action{reply("r", "x")}, 0, []string{chat.ReasonFromBot}},
		{"the window closes exactly now", late, base, []chat.Action{reply("r", "x")}, 1, nil},
		{"the window closed a millisecond ago", tooLate, base, []chat.Action{reply("r", "x")}, 0, []string{chat.ReasonWindowClosed}},
		{"actions without text are not sends", event(), base, []chat.Action{{Type: chat.ActionHandoff, Rule: "h"}}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sends, suppressed := g.Check(tt.ev, tt.st, tt.planned, t0)
			if len(sends) != tt.sent {
				t.Errorf("sent %d, want %d (suppressed %+v)", len(sends), tt.sent, suppressed)
			}
			if len(suppressed) != len(tt.reasons) {
				t.Fatalf("suppressed %+v, want reasons %v", suppressed, tt.reasons)
			}
			for i, r := range tt.reasons {
				if suppressed[i].Reason != r {
					t.Errorf("suppressed[%d] = %+v, want %s", i, suppressed[i], r)
				}
			}
		})
	}
}

func TestReservations(t *testing.T) {
	g := New(Config{ContentCooldown: 10 * time.Minute, RuleCooldown: 30 * time.Minute})
	st := chat.State{Conversation: chat.Conversation{New: true}}
	sends, _ := g.Check(event(), st, []chat.Action{ack("got it")}, t0)
	if len(sends) != 1 {
		t.Fatal("no send")
	}
	got := map[string]time.Duration{}
	for _, r := range sends[0].Reservations {
		got[r.Reason] = r.Expires.Sub(t0)
	}
	want := map[string]time.Duration{
		chat.ReasonDuplicateContent: 10 * time.Minute,
		chat.ReasonRuleCooldown:     30 * time.Minute,
		chat.ReasonAckAlreadySent:   30 * 24 * time.Hour,
	}
	for reason, d := range want {
		if got[reason] != d {
			t.Errorf("%s reservation lasts %v, want %v", reason, got[reason], d)
		}
	}
	if w := sends[0].WindowUntil; !w.Equal(t0.Add(47 * time.Hour)) {
		t.Errorf("window until %v, want 47h after the message", w)
	}
}

func TestInBurst(t *testing.T) {
	g := New(Config{Debounce: 2 * time.Second})
	conv := chat.Conversation{LastCustomerAt: t0, LastAlbum: "album-1"}
	album := event()
	album.AlbumID = "album-1"
	tests := []struct {
		name string
		ev   chat.Event
		conv chat.Conversation
		at   time.Time
		want bool
	}{
		{"within the debounce", event(), conv, t0.Add(time.Second), true},
		{"exactly at the debounce", event(), conv, t0.Add(2 * time.Second), true},
		{"after the debounce", event(), conv, t0.Add(2*time.Second + time.Millisecond), false},
		{"same album, later", album, conv, t0.Add(time.Minute), true},
		{"a new conversation never continues a burst", event(), chat.Conversation{New: true, LastCustomerAt: t0}, t0, false},
	}
	for _, tt := range tests {
		if got := g.InBurst(tt.ev, tt.conv, tt.at); got != tt.want {
			t.Errorf("%s: InBurst = %v, want %v", tt.name, got, tt.want)
		}
	}
	off := New(Config{Debounce: -1})
	if off.InBurst(event(), conv, t0) {
		t.Error("a negative debounce must turn bursts off")
	}
}

func BenchmarkCheck(b *testing.B) {
	g := New(Config{})
	st := chat.State{Conversation: chat.Conversation{Started: t0}, Customer: chat.CustomerState{Reserved: map[string]bool{"x": true}}}
	planned := []chat.Action{ack("got it"), reply("faq", "an answer of a realistic length, with a sign-off")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		g.Check(event(), st, planned, t0)
	}
}

// TestPersonQuiet: the quiet period after a person wrote in person is
// configurable, and a negative one turns it off.
func TestPersonQuiet(t *testing.T) {
	conv := chat.Conversation{PersonAt: t0.Add(-10 * time.Minute)}
	tests := []struct {
		quiet time.Duration
		want  bool
	}{
		{0, true}, // the default, 30m
		{5 * time.Minute, false},
		{time.Hour, true},
		{-1, false},
	}
	for _, tt := range tests {
		if got := New(Config{PersonQuiet: tt.quiet}).PersonAnswering(conv, t0); got != tt.want {
			t.Errorf("PersonQuiet %v: answering = %v, want %v", tt.quiet, got, tt.want)
		}
	}
	if New(Config{}).PersonAnswering(chat.Conversation{}, t0) {
		t.Error("no person ever wrote, yet the bot keeps quiet")
	}
}
