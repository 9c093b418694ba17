package handoff

import (
	"strings"
	"testing"
	"time"

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

func TestAnnouncementTo(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	a := Announcement{
		Texts:   map[string]string{"": "Update: fixing", "ru": "Новости: чиним", "zh": "进展：修复中"},
		Reach:   map[chat.Platform]time.Duration{chat.Telegram: 47 * time.Hour, chat.Discord: time.Hour},
		PerHour: 3,
	}
	customer := func(p chat.Platform, lang string, ago time.Duration) chat.IncidentCustomer {
		return chat.IncidentCustomer{Platform: p, Bot: "shop", ChatID: "1", Language: lang, LastMessageAt: now.Add(-ago)}
	}
	blocked := customer(chat.Telegram, "en", time.Hour)
	blocked.Blocked = true
	busy := customer(chat.Telegram, "en", time.Hour)
	busy.SentLastHour = 3
	almost := customer(chat.Telegram, "en", time.Hour)
	almost.SentLastHour = 2
	tests := []struct {
		name  string
		c     chat.IncidentCustomer
		text  string        // "" when none is sent
		until time.Duration // after now
		why   string        // when none is sent: "window" or "skipped"
	}{
		{"in the window, in English", customer(chat.Telegram, "en", time.Hour), "Update: fixing", 46 * time.Hour, ""},
		{"a region after the language", customer(chat.Telegram, "ru-RU", time.Hour), "Новости: чиним", 46 * time.Hour, ""},
		{"the language in capitals", customer(chat.Telegram, "ZH", time.Hour), "进展：修复中", 46 * time.Hour, ""},
		{"a language without a text gets the default", customer(chat.Telegram, "de", time.Hour), "Update: fixing", 46 * time.Hour, ""},
		{"no language known", customer(chat.Telegram, "", time.Hour), "Update: fixing", 46 * time.Hour, ""},
		{"the window's last moment", customer(chat.Telegram, "en", 47*time.Hour), "Update: fixing", 0, ""},
		{"just outside the window", customer(chat.Telegram, "en", 47*time.Hour+time.Second), "", 0, "window"},
		{"each platform its own window", customer(chat.Discord, "en", 2*time.Hour), "", 0, "window"},
		{"a platform the bot may not write on", customer(chat.Sandbox, "en", time.Minute), "", 0, "window"},
		{"blocked", blocked, "", 0, "skipped"},
		{"at the hourly limit", busy, "", 0, "skipped"},
		{"under the hourly limit", almost, "Update: fixing", 46 * time.Hour, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := a.To([]chat.IncidentCustomer{tt.c}, now)
			want := chat.IncidentSent{Customers: 1}
			switch tt.why {
			case "window":
				want.OutsideWindow = 1
			case "skipped":
				want.Skipped = 1
			default:
				want.Sent = 1
			}
			if u.Sent != want {
				t.Fatalf("counted %+v, want %+v", u.Sent, want)
			}
			if tt.text == "" {
				if len(u.Messages) != 0 {
					t.Fatalf("messages %+v, want none", u.Messages)
				}
				return
			}
			if len(u.Messages) != 1 || u.Messages[0].Text != tt.text || u.Messages[0].To != tt.c || !u.Messages[0].WindowUntil.Equal(now.Add(tt.until)) {
				t.Fatalf("messages %+v, want %q until now+%v", u.Messages, tt.text, tt.until)
			}
		})
	}

	t.Run("many customers: each once, in order, counted by reason", func(t *testing.T) {
		all := []chat.IncidentCustomer{customer(chat.Telegram, "en", time.Hour), blocked, customer(chat.Discord, "ru", 3*time.Hour),
			busy, customer(chat.Discord, "zh-TW", time.Minute)}
		all[4].ChatID = "5"
		u := a.To(all, now)
		if want := (chat.IncidentSent{Customers: 5, Sent: 2, OutsideWindow: 1, Skipped: 2}); u.Sent != want {
			t.Fatalf("counted %+v, want %+v", u.Sent, want)
		}
		if len(u.Messages) != 2 || u.Messages[0].To != all[0] || u.Messages[1].To != all[4] || u.Messages[1].Text != "进展：修复中" {
			t.Fatalf("messages %+v", u.Messages)
		}
	})
	t.Run("nobody filed", func(t *testing.T) {
		if u := a.To(nil, now); u.Sent != (chat.IncidentSent{}) || len(u.Messages) != 0 {
			t.Fatalf("update %+v, want nothing", u)
		}
	})
}
