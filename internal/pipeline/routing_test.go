package pipeline

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// langDecider decides the same actions for every event, in a language.
type langDecider struct {
	lang    string
	actions []chat.Action
}

func (d langDecider) Decide(chat.Event, chat.State, time.Time) rules.Decision {
	return rules.Decision{Language: d.lang, Actions: d.actions}
}

func mustHours(t *testing.T, tz string) handoff.Hours {
	t.Helper()
	h, err := handoff.ParseHours(map[string]string{"mon-fri": "09:00-18:00"}, tz, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func routingTeams(t *testing.T) []Team {
	return []Team{
		{Name: "ru", Platform: chat.Telegram, Bot: "shop", ChatID: "-201", Languages: []string{"ru"}, Hours: mustHours(t, "Europe/Moscow")},
		{Name: "zh", Platform: chat.Telegram, Bot: "shop", ChatID: "-202", Languages: []string{"zh"}, Hours: mustHours(t, "Asia/Shanghai"),
			OverflowAfter: 10 * time.Minute, OverflowTo: "en"},
		{Name: "en", Platform: chat.Telegram, Bot: "shop", ChatID: "-203", Languages: []string{"en"}},
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestPlanRoutesHandoffs: the plan's handoff, its notice, its out-of-hours
// note, its due time and its overflow timer all follow one routing.
func TestPlanRoutesHandoffs(t *testing.T) {
	// Tuesday 2026-12-01 11:00 UTC: 14:00 in Moscow, 19:00 in Shanghai.
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	human := chat.Action{Type: chat.ActionHandoff, Rule: rules.BuiltinHuman, Text: "A colleague will answer you.", Priority: "medium"}
	named := human
	named.Rule, named.Team = "complaint", "en"
	tests := []struct {
		name     string
		lang     string
		action   chat.Action
		team     string
		chatID   string
		route    chat.Route
		note     string
		due      time.Time
		overflow time.Time
	}{
		{name: "ru to the ru team, open", lang: "ru", action: human, team: "ru", chatID: "-201",
			route: chat.Route{Language: "ru", Reason: chat.RouteOpen}, due: now.Add(4 * time.Hour)},
		{name: "zh at night waits for the zh team", lang: "zh", action: human, team: "zh", chatID: "-202",
			route: chat.Route{Language: "zh", Reason: chat.RouteClosed, OutOfHours: true, OverflowTeam: "en"},
			note:  "现在是非工作时间，客服将于明天 09:00（Asia/Shanghai 时间）回复您。",
			due:   time.Date(2026, 12, 2, 13, 0, 0, 0, shanghai), overflow: time.Date(2026, 12, 2, 9, 10, 0, 0, shanghai)},
		{name: "de to the fallback", lang: "de", action: human, team: "en", chatID: "-203",
			route: chat.Route{Language: "de", Reason: chat.RouteFallback}, due: now.Add(4 * time.Hour)},
		{name: "a named team not speaking ru gives way to the open ru team", lang: "ru", action: named, team: "ru", chatID: "-201",
			route: chat.Route{Language: "ru", Reason: chat.RouteOpen}, due: now.Add(4 * time.Hour)},
		{name: "a named team speaking the language keeps it", lang: "en", action: named, team: "en", chatID: "-203",
			route: chat.Route{Language: "en", Reason: chat.RouteNamed}, due: now.Add(4 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(Config{Teams: routingTeams(t), FallbackTeam: "en"}, nil, langDecider{tc.lang, []chat.Action{tc.action}}, nil, nil, quiet())
			ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "42", ChatType: chat.ChatPrivate, Kind: chat.KindText, Text: "hi", Time: now,
				Customer: chat.Customer{ID: "42", Name: "Ann"}}
			plan := p.plan(ev, chat.State{}, now)
			if plan.Handoff == nil || plan.Handoff.Team != tc.team {
				t.Fatalf("handoff %+v, want team %s", plan.Handoff, tc.team)
			}
			wantRoute := tc.route
			wantRoute.OverflowAt = tc.overflow
			if !plan.Route.OverflowAt.Equal(wantRoute.OverflowAt) {
				t.Errorf("overflow at %v, want %v", plan.Route.OverflowAt, wantRoute.OverflowAt)
			}
			plan.Route.OverflowAt, wantRoute.OverflowAt = time.Time{}, time.Time{}
			if plan.Route != wantRoute {
				t.Errorf("route %+v, want %+v", plan.Route, wantRoute)
			}
			if !plan.HandoffDue.Equal(tc.due) {
				t.Errorf("due %v, want %v", plan.HandoffDue, tc.due)
			}
			if len(plan.Sends) != 1 || (tc.note == "") != !strings.Contains(plan.Sends[0].Text, "\n") || !strings.HasSuffix(plan.Sends[0].Text, tc.note) {
				t.Errorf("customer told %+v, want the note %q", plan.Sends, tc.note)
			}
			if len(plan.Notices) == 0 || plan.Notices[0].ChatID != tc.chatID || !strings.Contains(plan.Notices[0].Text, "team "+tc.team) {
				t.Errorf("notices %+v, want one to %s", plan.Notices, tc.chatID)
			}
		})
	}
}

// TestOfferPrivate: a handoff asked in public becomes a link to a private
// chat where the platform allows it, carrying the question; nothing else
// changes.
func TestOfferPrivate(t *testing.T) {
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	complaint := []chat.Action{
		{Type: chat.ActionReply, Rule: "complaint", Text: "We're sorry."},
		{Type: chat.ActionHandoff, Rule: "complaint", Team: "en", Priority: "high"},
	}
	human := []chat.Action{{Type: chat.ActionHandoff, Rule: rules.BuiltinHuman, Text: "A colleague will answer you.", Priority: "medium"}}
	// Long enough that a random token never holds it by chance (with
	// "42", 1 token in about 180 did, and the check below failed in CI).
	const customer = "4208150923"
	group := func(p chat.Platform, text string) chat.Event {
		return chat.Event{Platform: p, Bot: "shop", ChatID: "-500", ChatType: chat.ChatGroup, Kind: chat.KindText, Text: text, Time: now,
			MessageID: "7", Customer: chat.Customer{ID: customer, Name: "Ann"}}
	}
	private := group(chat.Telegram, "это обман")
	private.ChatID, private.ChatType = customer, chat.ChatPrivate
	tests := []struct {
		name     string
		ev       chat.Event
		lang     string
		actions  []chat.Action
		username string
		link     bool
		sends    []string // the texts sent, in order
		button   string   // the link button's URL or data prefix
		reply    string   // what the customer is told in private
	}{
		{name: "telegram group: a t.me link", ev: group(chat.Telegram, "это обман, где деньги?"), lang: "ru", actions: complaint, username: "shop_bot",
			link: true, sends: []string{privateTextsByLang["ru"].telegram}, button: "https://t.me/shop_bot?start=", reply: "We're sorry."},
		{name: "telegram group, /human: its text said in private", ev: group(chat.Telegram, "/human"), lang: "zh", actions: human, username: "shop_bot",
			link: true, sends: []string{privateTextsByLang["zh"].telegram}, button: "https://t.me/shop_bot?start=", reply: "A colleague will answer you."},
		{name: "telegram group, username unknown: the handoff starts there", ev: group(chat.Telegram, "scam"), lang: "en", actions: complaint,
			sends: []string{"We're sorry."}},
		{name: "discord channel: a notice and a DM with a button", ev: group(chat.Discord, "scam!"), lang: "en", actions: complaint, link: true,
			sends:  []string{privateTextsByLang["en"].discordChannel, "You asked in the channel: «scam!». Press the button and a person will answer you here."},
			button: chat.LinkStartPrefix, reply: "We're sorry."},
		{name: "a private chat: the handoff starts", ev: private, lang: "ru", actions: complaint, username: "shop_bot", sends: []string{"We're sorry."}},
		{name: "an unknown language: English", ev: group(chat.Telegram, "Betrug"), lang: "de", actions: complaint, username: "shop_bot",
			link: true, sends: []string{privateTextsByLang["en"].telegram}, button: "https://t.me/shop_bot?start=", reply: "We're sorry."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Teams: []Team{{Name: "en", Platform: chat.Telegram, Bot: "shop", ChatID: "-203"}},
				Username: func(key string) string {
					if key == SenderKey(chat.Telegram, "shop") {
						return tc.username
					}
					return ""
				}}
			p := New(cfg, nil, langDecider{tc.lang, tc.actions}, nil, nil, quiet())
			plan := p.plan(tc.ev, chat.State{}, now)
			var texts []string
			for _, s := range plan.Sends {
				texts = append(texts, s.Text)
			}
			if strings.Join(texts, "|") != strings.Join(tc.sends, "|") {
				t.Fatalf("sent %q, want %q", texts, tc.sends)
			}
			if !tc.link {
				if plan.NewLink != nil || plan.Handoff == nil {
					t.Fatalf("link %+v, handoff %+v: want the handoff where it was asked", plan.NewLink, plan.Handoff)
				}
				return
			}
			l := plan.NewLink
			if plan.Handoff != nil || l == nil || plan.Route != (chat.Route{}) || len(plan.Notices) != 0 || plan.Outcome != chat.OutcomeAcknowledged {
				t.Fatalf("handoff %+v, link %+v, notices %d: want a link and no handoff", plan.Handoff, l, len(plan.Notices))
			}
			if l.Question != tc.ev.Text || l.CustomerID != customer || l.Reply != tc.reply || l.Rule != tc.actions[len(tc.actions)-1].Rule ||
				!l.Expires.Equal(now.Add(24*time.Hour)) || !validLinkToken(l.Token) || strings.Contains(l.Token, customer) {
				t.Fatalf("link %+v", l)
			}
			last := plan.Sends[len(plan.Sends)-1]
			b := last.Buttons[0][0]
			if got := b.URL + b.Data; got != tc.button+l.Token {
				t.Errorf("button %+v, want %s%s", b, tc.button, l.Token)
			}
			if tc.ev.Platform == chat.Discord && (!last.Private || last.To.ChatID != chat.DirectMessagePrefix+customer) {
				t.Errorf("the DM went to %+v", last.To)
			}
		})
	}
}

func TestLinkToken(t *testing.T) {
	tok := newLinkToken()
	tests := []struct {
		name string
		ev   chat.Event
		want string
	}{
		{"telegram /start TOKEN", chat.Event{ChatType: chat.ChatPrivate, Kind: chat.KindCommand, Text: "/start " + tok}, tok},
		{"/start@bot TOKEN", chat.Event{ChatType: chat.ChatPrivate, Kind: chat.KindCommand, Text: "/start@shop_bot " + tok}, tok},
		{"discord button", chat.Event{ChatType: chat.ChatPrivate, Kind: chat.KindCallback, Text: chat.LinkStartPrefix + tok}, tok},
		{"plain /start", chat.Event{ChatType: chat.ChatPrivate, Kind: chat.KindCommand, Text: "/start"}, ""},
		{"another command", chat.Event{ChatType: chat.ChatPrivate, Kind: chat.KindCommand, Text: "/help " + tok}, ""},
		{"not a token", chat.Event{ChatType: chat.ChatPrivate, Kind: chat.KindCommand, Text: "/start promo2026"}, ""},
		{"in a group", chat.Event{ChatType: chat.ChatGroup, Kind: chat.KindCommand, Text: "/start " + tok}, ""},
		{"typed as text", chat.Event{ChatType: chat.ChatPrivate, Kind: chat.KindText, Text: "start:" + tok}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := linkToken(tc.ev); got != tc.want {
				t.Errorf("linkToken = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPlanLinkHandoff: /start with a link starts, in private, the handoff
// the public question would have, once, for the customer who asked.
func TestPlanLinkHandoff(t *testing.T) {
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	tok := newLinkToken()
	link := chat.PublicLink{Token: tok, Platform: chat.Telegram, Bot: "shop", CustomerID: "42", Rule: "complaint", Team: "en",
		Priority: "high", Reply: "We're sorry.", Question: "where is my money?", Language: "en", Expires: now.Add(time.Hour)}
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "42", ChatType: chat.ChatPrivate, Kind: chat.KindCommand,
		Text: "/start " + tok, Time: now, Customer: chat.Customer{ID: "42", Name: "Ann"}}
	used, expired, other := link, link, ev
	used.Used, expired.Expires = true, now
	other.Customer.ID, other.ChatID = "43", "43"
	welcome := []chat.Action{{Type: chat.ActionReply, Rule: "start", Text: "Hello!"}}
	tests := []struct {
		name   string
		ev     chat.Event
		link   *chat.PublicLink
		opened bool
	}{
		{"the customer who asked", ev, &link, true},
		{"spent", ev, &used, false},
		{"expired", ev, &expired, false},
		{"someone else", other, &link, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(Config{Teams: routingTeams(t)}, nil, langDecider{"en", welcome}, nil, nil, quiet())
			plan := p.plan(tc.ev, chat.State{Link: tc.link}, now)
			if !tc.opened {
				if plan.Handoff != nil || plan.UseLink != "" || len(plan.Sends) != 1 || plan.Sends[0].Text != "Hello!" {
					t.Fatalf("plan %+v: want the rules' answer to /start", plan)
				}
				return
			}
			if plan.Handoff == nil || plan.Handoff.Rule != "complaint" || plan.Handoff.Priority != "high" || plan.UseLink != tok ||
				plan.Outcome != chat.OutcomeHandedOff {
				t.Fatalf("plan %+v", plan)
			}
			if len(plan.Sends) != 1 || plan.Sends[0].Text != "We're sorry." {
				t.Errorf("sends %+v", plan.Sends)
			}
			n := plan.Notices[0].Text
			if !strings.Contains(n, "(asked in a public chat, continued in private) where is my money?") || strings.Contains(n, tok) {
				t.Errorf("notice:\n%s", n)
			}
		})
	}
}

// TestOverflowTeamMayClaim: the overflow team may act on a handoff only
// once it was offered to it; its claim moves the handoff to it.
func TestOverflowTeamMayClaim(t *testing.T) {
	support := Team{Name: "support", Platform: chat.Telegram, Bot: "shop", ChatID: "-100", OverflowAfter: time.Minute, OverflowTo: "tier2"}
	tier2 := Team{Name: "tier2", Platform: chat.Telegram, Bot: "shop", ChatID: "-300"}
	other := Team{Name: "other", Platform: chat.Telegram, Bot: "shop", ChatID: "-400"}
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		overflow string
		chat     string
		allowed  bool
		moveTo   string
	}{
		{"tier 2 before the overflow", "", "-300", false, ""},
		{"tier 2 after it", "tier2", "-300", true, "tier2"},
		{"another team after it", "tier2", "-400", false, ""},
		{"the team itself", "tier2", "-100", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New(Config{Teams: []Team{support, tier2, other}}, nil, fixedDecider(nil), nil, nil, quiet())
			st := chat.AgentState{Handoff: chat.OpenHandoff{ID: 9, Team: "support", State: chat.HandoffWaiting, OverflowTeam: tc.overflow},
				Platform: chat.Telegram, Bot: "shop", ChatID: "42", LastCustomerAt: now}
			ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: tc.chat, Kind: chat.KindCallback, CallbackID: "cb"}
			plan := p.agentPlan(st, chat.AgentClaim, chat.Agent{ID: "telegram:9", Name: "Bob"}, "", ev, now)
			if got := plan.Command == chat.AgentClaim && plan.Claim; got != tc.allowed || plan.MoveTo != tc.moveTo {
				t.Fatalf("claim %v, move to %q; want %v, %q (%+v)", got, plan.MoveTo, tc.allowed, tc.moveTo, plan)
			}
		})
	}
}
