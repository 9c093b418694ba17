package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
)

// route picks the team of a new handoff (handoff.Choose) for a customer
// writing in lang on platform: the team that takes every customer of the
// platform (the sandbox's agent pane) first, else by the rule's team, the
// customer's language and the teams' hours, then the fallback team.
func (p *Pipeline) route(named, lang string, platform chat.Platform, now time.Time) (*Team, chat.Route) {
	r := chat.Route{Language: handoff.PrimaryLanguage(lang)}
	for i := range p.cfg.Teams {
		if t := &p.cfg.Teams[i]; t.Customers == platform {
			r.Reason, r.OutOfHours = chat.RoutePlatform, !t.Hours.Open(now)
			return t, r
		}
	}
	var teams []handoff.RouteTeam
	var byName []*Team
	for i := range p.cfg.Teams {
		t := &p.cfg.Teams[i]
		if t.Customers != "" {
			continue // takes its platform's customers and no others
		}
		teams = append(teams, handoff.RouteTeam{Name: t.Name, Languages: t.Languages, Hours: t.Hours})
		byName = append(byName, t)
	}
	got := handoff.Choose(teams, named, p.cfg.FallbackTeam, lang, now)
	for _, t := range byName {
		if t.Name == got.Team {
			r.Reason, r.OutOfHours = got.Reason, !got.Open
			return t, r
		}
	}
	return nil, r
}

// routeHandoff routes a handoff action in place: its Team becomes the
// routed team's, and its text says when a person will answer if that team
// is away.
func (p *Pipeline) routeHandoff(a *chat.Action, lang string, ev chat.Event, now time.Time) chat.Route {
	team, r := p.route(a.Team, lang, ev.Platform, now)
	if team != nil {
		a.Team = team.Name
	}
	if a.Text != "" {
		a.Text += p.outOfHoursNote(a.Team, lang, now)
	}
	return r
}

// overflow offers handoffs nobody claimed by their overflow time to the
// overflow team, once each: a notice with a Claim button in its chat.
func (p *Pipeline) overflow(now time.Time) {
	due, err := p.store.OverflowHandoffs(p.workCtx, now, 100)
	if err != nil {
		p.log.Warn("handoff timers: listing overflowing handoffs failed", "err", err)
		return
	}
	took := false
	for _, h := range due {
		to := p.teamFor(h.To)
		if to == nil || to.Name != h.To {
			continue // the overflow team is gone from the config
		}
		loc := to.Hours.Location()
		text := fmt.Sprintf("Overflow from team %s: %s has waited since %s (%s) and nobody there has claimed it (%s priority, first answer due %s). You may claim and answer it.",
			h.Team, h.Customer, h.Created.In(loc).Format("Mon 15:04"), loc, h.Priority, h.DueAt.In(loc).Format("Mon 15:04"))
		n := chat.Notice{Platform: to.Platform, Bot: to.Bot, ChatID: to.ChatID, Text: text, TopicKey: h.Key,
			Buttons: [][]chat.Button{{{Text: "Claim", Data: "claim:{handoff}"}}}}
		ok, err := p.store.TakeOverflow(p.workCtx, h.ID, to.withWebhook(n, TeamEvent{Event: EventHandoffOverflow, At: now,
			Customer: h.Customer, Priority: h.Priority, DueAt: h.DueAt}), now)
		if err != nil {
			p.log.Warn("handoff timers: overflow not taken", "handoff", h.ID, "err", err)
			return
		}
		if ok {
			took = true
			p.cfg.Observer.Overflowed(h.Team, h.To)
		}
	}
	if took {
		p.wakeSender()
	}
}

// mayActOn says whether an agent writing in ev's chat may act on h: as
// mayAct for its team, or from its overflow team once it was offered there.
func (p *Pipeline) mayActOn(ev chat.Event, h chat.OpenHandoff) bool {
	if p.mayAct(ev, h.Team) {
		return true
	}
	from := p.teamByChat(ev)
	return h.OverflowTeam != "" && from != nil && from.Name == h.OverflowTeam
}

// linkToken is the public question's token an event in a private chat
// opens: Telegram's "/start TOKEN" (a t.me deep link), or the press of the
// Discord button "start:TOKEN"; "" for anything else.
func linkToken(ev chat.Event) string {
	if ev.ChatType != chat.ChatPrivate {
		return ""
	}
	var tok string
	switch ev.Kind {
	case chat.KindCommand:
		word, rest, _ := strings.Cut(strings.TrimSpace(ev.Text), " ")
		word, _, _ = strings.Cut(word, "@")
		if !strings.EqualFold(word, "/start") {
			return ""
		}
		tok = strings.TrimSpace(rest)
	case chat.KindCallback:
		var ok bool
		if tok, ok = strings.CutPrefix(ev.Text, chat.LinkStartPrefix); !ok {
			return ""
		}
	default:
		return ""
	}
	if !validLinkToken(tok) {
		return ""
	}
	return tok
}

// linkTokenLen is the length of a token: 18 random bytes in URL-safe
// base64, within Telegram's 64 characters of A-Z, a-z, 0-9, _ and - for a
// start parameter.
const linkTokenLen = 24

func validLinkToken(s string) bool {
	if len(s) != linkTokenLen {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newLinkToken() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// loadLink reads the public question an event opens, if any, into st.
func (p *Pipeline) loadLink(ctx context.Context, ev chat.Event, st *chat.State) error {
	tok := linkToken(ev)
	if tok == "" || st.Link != nil {
		return nil
	}
	link, err := p.store.PublicLink(ctx, ev.Platform, ev.Bot, tok)
	if err != nil {
		return fmt.Errorf("public link: %w", err)
	}
	st.Link = link
	return nil
}

// linkOpens says whether st.Link may start a handoff for ev: stored,
// unspent, unexpired, and opened by the customer who asked.
func linkOpens(ev chat.Event, st chat.State, now time.Time) bool {
	l := st.Link
	return l != nil && !l.Used && now.Before(l.Expires) && l.CustomerID == ev.Customer.ID && ev.Customer.ID != ""
}

// planLinkHandoff starts, in the private chat, the handoff a question asked
// in public would have started there: the stored rule, team and text,
// routed again now; the agents' notice carries the public question.
func (p *Pipeline) planLinkHandoff(ev chat.Event, st chat.State, now time.Time) chat.Plan {
	l := st.Link
	plan := chat.Plan{Language: l.Language, UseLink: l.Token, Outcome: chat.OutcomeHandedOff}
	a := chat.Action{Type: chat.ActionHandoff, Rule: l.Rule, Team: l.Team, Priority: l.Priority, Text: l.Reply}
	if a.Text == "" {
		a.Text = privateText(l.Language).started
	}
	plan.Route = p.routeHandoff(&a, l.Language, ev, now)
	if st.Conversation.Status != chat.StatusWaitingForHuman {
		h := a
		plan.Handoff = &h
	}
	var sends []chat.Action
	if a.Text != "" {
		sends = append(sends, a)
	}
	plan.Sends, plan.Suppressed = p.guard.Check(ev, st, sends, now)
	if plan.Handoff != nil {
		p.planHandoff(&plan, ev, st, now)
	}
	plan.Place(ev)
	return plan
}

// noticeEvent is the event the agents' notice quotes: for a handoff opened
// from a public question, that question, not "/start TOKEN".
func noticeEvent(ev chat.Event, link *chat.PublicLink) chat.Event {
	if link != nil && linkToken(ev) == link.Token {
		ev.Text = "(asked in a public chat, continued in private) " + link.Question
	}
	return ev
}

// offerPrivate replaces a handoff that would start in a public group or
// channel with a way to a private chat: on Telegram a button with a t.me
// link that opens the bot with /start TOKEN; on Discord a direct message
// with a button, and a short notice in the channel. The question is kept
// under the token for the private conversation. It reports whether it did
// (not where the bot's username is unknown, or the customer is).
func (p *Pipeline) offerPrivate(plan *chat.Plan, sends []chat.Action, ev chat.Event, lang string, now time.Time) ([]chat.Action, bool) {
	h := plan.Handoff
	if h == nil || ev.ChatType == chat.ChatPrivate || ev.Customer.ID == "" {
		return sends, false
	}
	var link chat.Button
	switch ev.Platform {
	case chat.Telegram:
		if p.cfg.Username(SenderKey(ev.Platform, ev.Bot)) == "" {
			return sends, false
		}
	case chat.Discord:
	default:
		return sends, false
	}
	texts := privateText(lang)
	tok := newLinkToken()
	// What the handing-off rule says (its reply and its handoff's text)
	// is said in private, when the handoff starts there, without the
	// out-of-hours note, which is added then; other rules' sends stay.
	var said []string
	kept := sends[:0:0]
	for _, a := range sends {
		switch {
		case a.Type == chat.ActionHandoff:
			if t := strings.TrimSpace(strings.TrimSuffix(a.Text, p.outOfHoursNote(a.Team, lang, now))); t != "" {
				said = append(said, t)
			}
		case a.Rule == h.Rule:
			said = append(said, a.Text)
		default:
			kept = append(kept, a)
		}
	}
	reply := strings.Join(said, "\n\n")
	plan.NewLink = &chat.PublicLink{Token: tok, Platform: ev.Platform, Bot: ev.Bot, CustomerID: ev.Customer.ID,
		Rule: h.Rule, Team: h.Team, Priority: h.Priority, Reply: reply, Question: ev.Text, Language: lang,
		Created: now, Expires: now.Add(p.cfg.PublicLinkTTL)}
	// Its own rule id: the rule's cooldown must not hold back what the
	// handing-off rule says in private.
	rule := BuiltinPrivateLink
	if ev.Platform == chat.Telegram {
		link = chat.Button{Text: texts.button, URL: "https://t.me/" + p.cfg.Username(SenderKey(ev.Platform, ev.Bot)) + "?start=" + tok}
		kept = append(kept, chat.Action{Type: chat.ActionReply, Rule: rule, Text: texts.telegram, Buttons: [][]chat.Button{{link}}})
	} else {
		link = chat.Button{Text: texts.button, Data: chat.LinkStartPrefix + tok}
		kept = append(kept,
			chat.Action{Type: chat.ActionReply, Rule: rule, Text: texts.discordChannel},
			// Two messages of one rule: the second is no repeat.
			chat.Action{Type: chat.ActionReply, Rule: rule, Text: fmt.Sprintf(texts.discordDM, oneLine(ev.Text)), Buttons: [][]chat.Button{{link}},
				Private: true, Cooldown: -1})
	}
	plan.Handoff = nil
	return kept, true
}

// BuiltinPrivateLink is the rule id of the message offering a private chat
// in a public one.
const BuiltinPrivateLink = "builtin:private-link"

// privateText is privateTexts in lang, or in English.
func privateText(lang string) privateTexts {
	if t, ok := privateTextsByLang[handoff.PrimaryLanguage(lang)]; ok {
		return t
	}
	return privateTextsByLang["en"]
}

// privateTexts say, in the customer's language, that a person answers in a
// private chat.
type privateTexts struct{ telegram, button, discordChannel, discordDM, started string }

var privateTextsByLang = map[string]privateTexts{
	"en": {
		telegram:       "A person will help you in a private chat, so your details stay out of this group. Tap the button to continue there.",
		button:         "Continue in private",
		discordChannel: "A person will help you in a direct message: I have sent you one.",
		discordDM:      "You asked in the channel: «%s». Press the button and a person will answer you here.",
		started:        "A colleague will answer your question here shortly.",
	},
	"ru": {
		telegram:       "Оператор поможет вам в личном чате, чтобы ваши данные не попали в группу. Нажмите кнопку, чтобы продолжить там.",
		button:         "Продолжить в личном чате",
		discordChannel: "Оператор поможет вам в личных сообщениях: я вам написал.",
		discordDM:      "Вы спросили в канале: «%s». Нажмите кнопку, и оператор ответит вам здесь.",
		started:        "Оператор скоро ответит на ваш вопрос здесь.",
	},
	"zh": {
		telegram:       "为保护您的隐私，客服将在私聊中为您服务。请点击按钮继续。",
		button:         "私聊继续",
		discordChannel: "客服将通过私信为您服务，我已给您发送私信。",
		discordDM:      "您在频道中提问：«%s»。请点击按钮，客服将在这里回复您。",
		started:        "客服将很快在这里回复您的问题。",
	},
}
