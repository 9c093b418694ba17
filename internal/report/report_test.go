package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
	"github.com/frontdesk-bot/frontdesk/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output (review the diff!)")

// now is the end of the golden report's period, a Friday evening; the
// period is the week before it.
var now = time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)

// at is a moment of the golden history: "11-17 12:00" is 2026-11-17 12:00 UTC.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04:05", "2026-"+s)
	if err != nil {
		v, err = time.Parse("2006-01-02 15:04", "2026-"+s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// seeder writes a history through the store's public API, as the
// pipeline and the agents would.
type seeder struct {
	t     *testing.T
	s     *store.Store
	ids   int
	steps map[string]int // reminders and escalations made per chat's handoff
}

func (sd *seeder) nextID() string {
	sd.ids++
	return fmt.Sprint("u", sd.ids)
}

// classifier is a rules file with no rule a seeded text matches, for the
// built-in type and sentiment of the seeded messages; parsed once.
var classifier = sync.OnceValues(func() (*rules.Rules, error) {
	return rules.Parse("classifier.yaml", []byte("rules:\n  - id: none\n    keywords: [zzqx]\n    reply: x\n"))
})

// decide stores a customer's message in a chat and processes it at a
// moment with a plan.
func (sd *seeder) decide(chatID string, kind chat.Kind, text, when string, plan chat.Plan) {
	sd.t.Helper()
	ctx := context.Background()
	moment := at(sd.t, when)
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: sd.nextID(), Kind: kind, ChatID: chatID, ChatType: chat.ChatPrivate,
		MessageID: sd.nextID(), Text: text, Time: moment, Customer: chat.Customer{ID: chatID, Name: "Customer " + chatID}}
	if publicChats[chatID] {
		ev.ChatType = chat.ChatGroup
	}
	if plan.Outcome != chat.OutcomeRecorded && plan.Insight.Type == "" {
		// The type and sentiment the rules would read off the text.
		r, err := classifier()
		if err != nil {
			sd.t.Fatal(err)
		}
		d := r.Decide(ev, chat.State{}, moment)
		plan.Insight = d.Insight
		if plan.Language == "" {
			plan.Language = d.Language
		}
		if plan.Outcome == chat.OutcomeIgnored {
			plan.Insight.Type = chat.TypeSpam
		}
	}
	sd.process(ev, moment, func(ie chat.InboxEvent) error {
		return storetest.Process(ctx, sd.s, ie, moment, 24*time.Hour, func(chat.State) (chat.Plan, error) { return plan, nil })
	})
}

func (sd *seeder) process(ev chat.Event, moment time.Time, fn func(chat.InboxEvent) error) {
	sd.t.Helper()
	ctx := context.Background()
	sd.s.Now = func() time.Time { return moment }
	if err := sd.s.Accept(ctx, ev); err != nil {
		sd.t.Fatal(err)
	}
	evs, err := sd.s.ClaimEvents(ctx, "seed", moment, time.Minute, 1, chat.SetAside{})
	if err != nil || len(evs) != 1 {
		sd.t.Fatalf("claim: %d events, %v", len(evs), err)
	}
	if err := fn(evs[0]); err != nil {
		sd.t.Fatal(err)
	}
}

// publicChats are the golden history's chats where customers mentioned
// the bot in a group rather than writing privately.
var publicChats = map[string]bool{"C": true, "M": true}

// release has an operator release a chat's message ignored as spam, and
// the pipeline answer it late: a decision of its own, not a customer
// message.
func (sd *seeder) release(chatID, when string) {
	sd.t.Helper()
	ctx := context.Background()
	moment := at(sd.t, when)
	spam, err := sd.s.SpamMessages(ctx, moment.Add(-30*24*time.Hour), moment, chat.OutcomeIgnored, chat.TypeSpam, 100)
	if err != nil {
		sd.t.Fatal(err)
	}
	for _, m := range spam {
		_, ev, err := sd.s.DecidedMessage(ctx, m.InboxID)
		if err != nil {
			sd.t.Fatal(err)
		}
		if ev.ChatID != chatID {
			continue
		}
		answer, err := pipeline.ReleaseEvent(m.InboxID, ev, m.Outcome, m.Type)
		if err != nil {
			sd.t.Fatal(err)
		}
		if _, err := sd.s.ReleaseSpam(ctx, store.SpamRelease{InboxID: m.InboxID, Rule: m.Rule, Answer: answer, By: "ops", At: moment}); err != nil {
			sd.t.Fatal(err)
		}
		sd.s.Now = func() time.Time { return moment }
		evs, err := sd.s.ClaimEvents(ctx, "seed", moment, time.Minute, 1, chat.SetAside{})
		if err != nil || len(evs) != 1 || evs[0].ReleaseOf != m.InboxID {
			sd.t.Fatalf("claim the release: %+v, %v", evs, err)
		}
		plan := chat.Plan{Outcome: chat.OutcomeRecorded, Repeats: true,
			Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "shipping", Text: "Sorry… Orders ship in 48 hours."}}}}
		if err := storetest.Process(ctx, sd.s, evs[0], moment, 24*time.Hour, func(chat.State) (chat.Plan, error) { return plan, nil }); err != nil {
			sd.t.Fatal(err)
		}
		return
	}
	sd.t.Fatalf("no spam in chat %s", chatID)
}

// feedback stores a customer's press of a feedback button in a chat.
func (sd *seeder) feedback(chatID, when string, f chat.Feedback) {
	sd.t.Helper()
	sd.decide(chatID, chat.KindCallback, "feedback", when, chat.Plan{Outcome: chat.OutcomeRecorded, Feedback: &f})
}

// comment is the customer's message after a rating: its comment, as the
// snapshot says which rating awaits one.
func (sd *seeder) comment(chatID, when, text string) {
	sd.t.Helper()
	moment := at(sd.t, when)
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: sd.nextID(), Kind: chat.KindText, ChatID: chatID, ChatType: chat.ChatPrivate,
		MessageID: sd.nextID(), Text: text, Time: moment, Customer: chat.Customer{ID: chatID, Name: "Customer " + chatID}}
	if publicChats[chatID] {
		ev.ChatType = chat.ChatGroup
	}
	sd.process(ev, moment, func(ie chat.InboxEvent) error {
		return storetest.Process(context.Background(), sd.s, ie, moment, 24*time.Hour, func(st chat.State) (chat.Plan, error) {
			if st.Feedback.CommentFor == 0 {
				sd.t.Fatalf("chat %s: no rating awaits a comment", chatID)
			}
			return chat.Plan{Outcome: chat.OutcomeRecorded,
				Feedback: &chat.Feedback{Kind: chat.FeedbackComment, CommentOf: st.Feedback.CommentFor, Comment: text}}, nil
		})
	})
}

// handoff is the open handoff of a customer's chat.
func (sd *seeder) handoff(chatID string) int64 {
	sd.t.Helper()
	open, err := sd.s.OpenHandoffs(context.Background(), 100)
	if err != nil {
		sd.t.Fatal(err)
	}
	for _, h := range open {
		if h.ChatID == chatID {
			return h.ID
		}
	}
	sd.t.Fatalf("no open handoff in chat %s", chatID)
	return 0
}

// The agents of the golden history: two of them share a name.
var (
	alice     = chat.Agent{ID: "telegram:7", Name: "Alice"}
	anna      = chat.Agent{ID: "telegram:8", Name: "Anna"}
	otherAnna = chat.Agent{ID: "telegram:9", Name: "Anna"}
)

// relay has Alice answer the customer of a chat's handoff, replying in
// the team chat.
func (sd *seeder) relay(chatID, when string) { sd.t.Helper(); sd.relayBy(alice, chatID, when) }

// relayBy has an agent answer the customer of a chat's handoff; the first
// answer claims it.
func (sd *seeder) relayBy(agent chat.Agent, chatID, when string) {
	sd.t.Helper()
	moment, id := at(sd.t, when), sd.handoff(chatID)
	user := strings.TrimPrefix(agent.ID, "telegram:")
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: sd.nextID(), Kind: chat.KindText, ChatID: "-100",
		ChatType: chat.ChatGroup, Text: "Hello, I'm looking into it", Time: moment, Customer: chat.Customer{ID: user, Name: agent.Name}}
	sd.process(ev, moment, func(ie chat.InboxEvent) error {
		_, err := storetest.ProcessAgent(context.Background(), sd.s, ie, id, moment, func(st chat.AgentState) (chat.AgentPlan, error) {
			return chat.AgentPlan{Command: chat.AgentRelay, Agent: agent, Claim: st.Handoff.State == chat.HandoffWaiting, Text: ie.Text}, nil
		})
		return err
	})
}

// command has an agent apply a command to a chat's handoff from the team
// chat (claim: it makes them the owner).
func (sd *seeder) command(agent chat.Agent, chatID string, cmd chat.AgentCommand, claim bool, when string) {
	sd.t.Helper()
	moment, id := at(sd.t, when), sd.handoff(chatID)
	user := strings.TrimPrefix(agent.ID, "telegram:")
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: sd.nextID(), Kind: chat.KindCommand, ChatID: "-100",
		ChatType: chat.ChatGroup, Text: "/" + string(cmd), Time: moment, Customer: chat.Customer{ID: user, Name: agent.Name}}
	sd.process(ev, moment, func(ie chat.InboxEvent) error {
		_, err := storetest.ProcessAgent(context.Background(), sd.s, ie, id, moment, func(chat.AgentState) (chat.AgentPlan, error) {
			return chat.AgentPlan{Command: cmd, Agent: agent, Claim: claim}, nil
		})
		return err
	})
}

// step makes the next reminder or escalation of a chat's unclaimed handoff.
func (sd *seeder) step(chatID, when string) {
	sd.t.Helper()
	ok, err := sd.s.TakeHandoffStep(context.Background(), sd.handoff(chatID), sd.steps[chatID], nil, at(sd.t, when))
	if err != nil || !ok {
		sd.t.Fatalf("step: %v, %v", ok, err)
	}
	sd.steps[chatID]++
}

func (sd *seeder) close(chatID, state, when string) {
	sd.t.Helper()
	if err := sd.s.CloseHandoff(context.Background(), sd.handoff(chatID), chat.HandoffState(state), at(sd.t, when)); err != nil {
		sd.t.Fatal(err)
	}
}

func trace(t *testing.T, rule, group string) json.RawMessage {
	t.Helper()
	if group == "" {
		return nil
	}
	b, err := json.Marshal([]rules.Step{{Rule: rule, Matched: true, Reason: rules.ReasonKeyword, Keyword: group, Group: group}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// answered is a plan with a rule's FAQ reply, matched through a keyword
// of group, tagging the message with tags.
func answered(t *testing.T, rule, group string, tags ...string) chat.Plan {
	p := chat.Plan{Outcome: chat.OutcomeAnswered, Trace: trace(t, rule, group),
		Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: rule, Text: rule + " answer"}}}}
	if len(tags) > 0 {
		p.Recorded = []chat.Action{{Type: chat.ActionTag, Rule: rule, Tags: tags}}
	}
	return p
}

// handedOff is a plan that hands the conversation to people, due a first
// response at due.
func handedOff(t *testing.T, rule, group, priority string, due time.Time, tags ...string) chat.Plan {
	h := chat.Action{Type: chat.ActionHandoff, Rule: rule, Priority: priority, Team: "support", Text: "A colleague will answer you shortly."}
	p := chat.Plan{Outcome: chat.OutcomeHandedOff, Trace: trace(t, rule, group), Handoff: &h, HandoffDue: due,
		Sends: []chat.Send{{Action: h}}}
	if len(tags) > 0 {
		p.Recorded = []chat.Action{{Type: chat.ActionTag, Rule: rule, Tags: tags}}
	}
	return p
}

// seedGolden writes the golden history. The report of the week before
// now (2026-11-13 18:00 to 2026-11-20 18:00 UTC) must show, by hand:
//
//   - 17 customer messages in 13 conversations (chats A–M, not N, whose
//     messages came before the week, nor O, whose came at its end; L's
//     edit is not a customer message): 2 answered (11.8%), 1 only
//     acknowledged, 6 handed off (35.3%), 1 ignored, 1 suppressed,
//     6 unanswered (35.3%).
//   - Top rules: human 3 (D, M, K), complaint 2 (C, I), refund 2 (B, and
//     H's suppressed answer), then ack-open, builtin:human, shipping and
//     spam 1. Keyword groups: human 3, complaint 2, refund 2, shipping 1.
//     Tags: complaint 2, after-sales 1, spam 1.
//   - Unanswered: "do you sell gift cards" 3 (so written, once with a
//     double space, and "Do you sell gift cards?", only acknowledged), "call me at [number]" 1
//     (the phone number masked), "thanks" 1. Not C's "hello??", written
//     to the agent, nor L's sticker, nor A's answered question.
//   - 6 handoffs. C high: first response 4m30s, within its hour;
//     resolved after 30m. D medium: answered after 5h, due after 4h:
//     missed, escalated (reminder, then escalation), resolved after 6h.
//     M medium: answered after 10m (the first of two replies), resolved
//     after 1h. K medium: given back to the bot after 20m before its due
//     time, unanswered: SLA undecided. I critical: due 16:30, unanswered
//     at 18:00: missed; only reminded. J low: due tomorrow: undecided.
//   - So SLA 2 of 4 = 50.0% (target 90%: not met); first response p50
//     10m, p90 5h (of 4m30s, 10m, 5h); resolution p50 30m, p90 6h (of
//     20m, 30m, 1h, 6h); escalated 1 of 6 = 16.7%. Medium: p50 10m,
//     p90 5h, SLA 1 of 2, resolution p50 1h, p90 6h, escalated 33.3%.
//   - E's spam was released as not spam on 11-18: one false positive of
//     rule spam. Its late answer is no customer message: the counts above
//     stay as they are.
//   - By channel: C and M were public mentions in groups, both answered
//     within SLA: 2 of 2 = 100% (met); the private D and I missed, K and
//     J undecided: 0 of 2 = 0% (not met), 4 opened.
//   - By agent: Alice (telegram:7) answered C first, in 4m30s, within
//     SLA (N's answer is before the week); Anna (telegram:8) D, in 5h,
//     missed; another Anna (telegram:9) M, in 10m, within SLA. Three rows,
//     one each, the two Annas shown with their accounts.
//   - Agents' work: Alice claimed C (answering first) and I (/claim at
//     16:45, still unanswered), resolved C in 30m, transferred J: 2, 1,
//     1. Anna (telegram:8) claimed and resolved D (6h); the other Anna
//     M (1h; her second answer claims nothing). N's claim is before the
//     week.
//   - Details asked before a handoff: C's, 1 of 6 handoffs = 16.7%.
//   - Incidents: I's complaint opened one at 11-20 16:00, open at the
//     end (2h so far), 1 customer, nobody owns it, no updates.
//   - Daily: Tue 11-17 two handoffs (p50 4m30s, p90 5h, 1 of 2 within
//     SLA), Wed 11-18 one (10m), Thu 11-19 one (undecided), Fri 11-20
//     two (0 of 1); the other days of the week none.
func seedGolden(t *testing.T, s *store.Store) {
	sd := &seeder{t: t, s: s, steps: map[string]int{}}
	unanswered := chat.Plan{Outcome: chat.OutcomeUnanswered}

	// N: before the week.
	sd.decide("N", chat.KindText, "refund?", "11-12 10:00", answered(t, "refund", "refund", "after-sales"))
	sd.decide("N", chat.KindText, "human", "11-12 10:05", handedOff(t, "human", "human", "medium", at(t, "11-12 14:05")))
	sd.relay("N", "11-12 10:10")
	sd.close("N", string(chat.HandoffResolved), "11-12 10:30")

	sd.decide("A", chat.KindText, "where is my order 123456", "11-16 09:00", answered(t, "shipping", "shipping"))
	sd.decide("A", chat.KindText, "thanks", "11-16 09:05", unanswered)
	sd.decide("B", chat.KindText, "I want a refund", "11-16 10:00", answered(t, "refund", "refund", "after-sales"))
	sd.decide("B", chat.KindText, "call me at +1 555 010 0199", "11-16 10:02", unanswered)

	complaint := handedOff(t, "complaint", "complaint", "high", at(t, "11-17 12:00"), "complaint")
	complaint.DetailsAsked = 2 // asked for two details first (collect:)
	sd.decide("C", chat.KindText, "this is a scam", "11-17 11:00", complaint)
	sd.relay("C", "11-17 11:04:30")
	sd.decide("C", chat.KindText, "hello??", "11-17 11:10", unanswered)
	hC := sd.handoff("C")
	sd.close("C", string(chat.HandoffResolved), "11-17 11:30")
	// C says it was solved, rates Alice 4 and comments (with personal data
	// the report masks); pressing 5 later changes nothing.
	sd.feedback("C", "11-17 11:31", chat.Feedback{Kind: chat.FeedbackSolved, HandoffID: hC, Value: 1})
	sd.feedback("C", "11-17 11:32", chat.Feedback{Kind: chat.FeedbackRating, HandoffID: hC, Value: 4, CommentUntil: at(t, "11-17 11:42")})
	sd.comment("C", "11-17 11:35", "fast, but mail me at c@example.com about order 12345678")
	sd.feedback("C", "11-17 11:36", chat.Feedback{Kind: chat.FeedbackRating, HandoffID: hC, Value: 5})
	sd.feedback("A", "11-16 09:01", chat.Feedback{Kind: chat.FeedbackHelpful, Rule: "shipping", Value: 1})
	sd.feedback("B", "11-16 10:01", chat.Feedback{Kind: chat.FeedbackHelpful, Rule: "refund", Value: 0})

	sd.decide("D", chat.KindText, "human", "11-17 12:00", handedOff(t, "human", "human", "medium", at(t, "11-17 16:00")))
	sd.step("D", "11-17 16:00")
	sd.step("D", "11-17 16:30")
	sd.relayBy(anna, "D", "11-17 17:00")
	hD := sd.handoff("D")
	sd.close("D", string(chat.HandoffResolved), "11-17 18:00")
	sd.feedback("D", "11-17 18:01", chat.Feedback{Kind: chat.FeedbackSolved, HandoffID: hD, Value: 0})
	sd.feedback("D", "11-17 18:02", chat.Feedback{Kind: chat.FeedbackRating, HandoffID: hD, Value: 2})

	sd.decide("E", chat.KindText, "cheap watches http://spam.example", "11-18 09:00", chat.Plan{Outcome: chat.OutcomeIgnored,
		Recorded: []chat.Action{{Type: chat.ActionTag, Rule: "spam", Tags: []string{"spam"}}, {Type: chat.ActionIgnore, Rule: "spam"}}})
	sd.decide("F", chat.KindText, "Do you sell gift cards?", "11-18 10:00", chat.Plan{Outcome: chat.OutcomeAcknowledged,
		Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionAck, Rule: "ack-open", Text: "We've got your message."}}}})
	sd.decide("F", chat.KindText, "do you sell gift cards", "11-18 10:01", unanswered)
	sd.decide("G", chat.KindText, "do you sell  gift cards", "11-18 10:30", unanswered)
	// E was no spam: an operator released it three hours later.
	sd.release("E", "11-18 12:00")

	sd.decide("M", chat.KindText, "I need a human", "11-18 14:00", handedOff(t, "human", "human", "medium", at(t, "11-18 18:00")))
	sd.relayBy(otherAnna, "M", "11-18 14:10")
	sd.relayBy(otherAnna, "M", "11-18 14:20")
	hM := sd.handoff("M")
	sd.close("M", string(chat.HandoffResolved), "11-18 15:00")
	sd.feedback("M", "11-18 15:01", chat.Feedback{Kind: chat.FeedbackRating, HandoffID: hM, Value: 5})

	sd.decide("K", chat.KindText, "agent please", "11-19 09:00", handedOff(t, "human", "human", "medium", at(t, "11-19 13:00")))
	sd.close("K", string(chat.HandoffReturnedToBot), "11-19 09:20")
	sd.decide("L", chat.KindSticker, "", "11-19 12:00", unanswered)
	sd.decide("L", chat.KindEdited, "", "11-19 12:01", chat.Plan{Outcome: chat.OutcomeRecorded})
	sd.decide("H", chat.KindText, "refund please", "11-19 15:00", chat.Plan{Outcome: chat.OutcomeSuppressed, Trace: trace(t, "refund", "refund"),
		Suppressed: []chat.Suppression{{Rule: "refund", Reason: chat.ReasonRuleCooldown}}})

	// I's complaint opens an incident, still open at the week's end.
	complaintI := handedOff(t, "complaint", "complaint", "critical", at(t, "11-20 16:30"), "complaint")
	complaintI.Incident = &chat.IncidentPlan{Team: "support", Cause: "complaint", Since: at(t, "11-20 15:00"), Handoffs: 1,
		Notice: chat.Notice{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "Incident · 1 customer"}}
	sd.decide("I", chat.KindText, "my package arrived broken", "11-20 16:00", complaintI)
	sd.step("I", "11-20 16:30")
	sd.command(alice, "I", chat.AgentClaim, true, "11-20 16:45")
	sd.decide("J", chat.KindCommand, "/human", "11-20 17:30", handedOff(t, rules.BuiltinHuman, "", "low", at(t, "11-21 17:30")))
	sd.command(alice, "J", chat.AgentTransfer, false, "11-20 17:40")

	// O: at the end of the week, so outside it.
	sd.decide("O", chat.KindText, "too late", "11-20 18:00", unanswered)
}

// databases are the stores the golden report is built on: the same
// history must give the same report on both.
var databases = []struct {
	name string
	open func(t *testing.T) *store.Store
}{
	{"sqlite", func(t *testing.T) *store.Store {
		s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "report.db"), store.Options{Synchronous: "OFF"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) *store.Store {
		s, err := store.OpenPostgres(context.Background(), storetest.PostgresDSN(t), store.Options{Readers: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

func TestReportGolden(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			s := db.open(t)
			seedGolden(t, s)
			r, err := Build(context.Background(), s, now.Add(-7*24*time.Hour), now)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range Formats {
				var out bytes.Buffer
				if err := Write(&out, r, f); err != nil {
					t.Fatal(err)
				}
				// The golden files are written from SQLite's run; PostgreSQL's
				// must match them.
				compareGolden(t, filepath.Join("testdata", "report."+string(f)), out.String(), *update && db.name == "sqlite")
			}
		})
	}
}

func compareGolden(t *testing.T, path, got string, write bool) {
	t.Helper()
	if write {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -run Golden -update to create it, then review it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestJSONKeysAreStable guards the keys a dashboard reads, on an empty
// period as on a full one.
func TestJSONKeysAreStable(t *testing.T) {
	for _, r := range []Report{{Since: now.Add(-time.Hour), Until: now}, {
		Since: now.Add(-time.Hour), Until: now, MessagesIn: 1, AnsweredByBot: 1,
		TopRules: []Count{{"faq", 1}}, Unanswered: []Count{{"hi", 1}}, Handoffs: HandoffStats{SLA: SLA{Met: 1, Decided: 1}},
	}} {
		var out bytes.Buffer
		if err := WriteJSON(&out, r); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"messages_in", "conversations", "answered_by_bot", "handed_off", "ignored", "top_rules", "unanswered", "sla_attainment",
			"handoffs_needed_details", "handoffs_needed_details_share"} {
			if _, ok := got[key]; !ok {
				t.Errorf("key %q missing from %s", key, &out)
			}
		}
		for _, key := range []string{"top_rules", "unanswered", "first_responses_by_agent"} {
			if _, ok := got[key].([]any); !ok {
				t.Errorf("%s is %#v, want a list", key, got[key])
			}
		}
		if r.MessagesIn > 0 {
			if rule := got["top_rules"].([]any)[0].(map[string]any); rule["rule"] != "faq" || rule["count"] != 1.0 {
				t.Errorf("top_rules[0] = %v, want {rule: faq, count: 1}", rule)
			}
			if text := got["unanswered"].([]any)[0].(map[string]any); text["text"] != "hi" || text["count"] != 1.0 {
				t.Errorf("unanswered[0] = %v, want {text: hi, count: 1}", text)
			}
			if got["sla_attainment"] != 1.0 {
				t.Errorf("sla_attainment = %v, want 1", got["sla_attainment"])
			}
		}
	}
}

func TestPercentiles(t *testing.T) {
	m := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Minute)
		}
		return out
	}
	tests := []struct {
		name     string
		in       []time.Duration
		p50, p90 time.Duration
	}{
		{"none", nil, 0, 0},
		{"one", m(7), 7 * time.Minute, 7 * time.Minute},
		{"two", m(9, 1), time.Minute, 9 * time.Minute},
		{"ten: ranks 5 and 9", m(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 5 * time.Minute, 9 * time.Minute},
		// 0.9 × 20 is 18.000000000000004 in floating point; the rank is 18.
		{"twenty: ranks 10 and 18", m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 10 * time.Minute, 18 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := percentiles(tt.in)
			if got.N != len(tt.in) || got.P50 != tt.p50 || got.P90 != tt.p90 {
				t.Errorf("percentiles = %+v, want n=%d p50=%s p90=%s", got, len(tt.in), tt.p50, tt.p90)
			}
		})
	}
}

func TestHandoffOutcome(t *testing.T) {
	created := now.Add(-4 * time.Hour)
	due := now.Add(-3 * time.Hour)
	ptr := func(d time.Duration) *time.Time { v := created.Add(d); return &v }
	tests := []struct {
		name             string
		h                store.HandoffTimes
		decided, met     bool
		escalated        bool
		replied, closedT bool
	}{
		{"answered in time", store.HandoffTimes{FirstReply: ptr(30 * time.Minute)}, true, true, false, true, false},
		{"answered exactly at the due time", store.HandoffTimes{FirstReply: ptr(time.Hour)}, true, true, false, true, false},
		{"answered late", store.HandoffTimes{FirstReply: ptr(time.Hour + time.Millisecond), Closed: ptr(2 * time.Hour)}, true, false, false, true, true},
		{"open, unanswered, past due", store.HandoffTimes{StepsDone: 1}, true, false, false, false, false},
		{"escalated", store.HandoffTimes{StepsDone: 2}, true, false, true, false, false},
		{"closed before due without a reply", store.HandoffTimes{Closed: ptr(30 * time.Minute)}, false, false, false, false, true},
		{"closed after due without a reply", store.HandoffTimes{Closed: ptr(2 * time.Hour)}, true, false, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h
			h.Created, h.Due = created, due
			o := handoffOutcome(h, now)
			if o.slaDecided != tt.decided || o.slaMet != tt.met || o.escalated != tt.escalated || o.replied != tt.replied || o.closed != tt.closedT {
				t.Errorf("outcome %+v, want decided=%v met=%v escalated=%v replied=%v closed=%v", o, tt.decided, tt.met, tt.escalated, tt.replied, tt.closedT)
			}
		})
	}
	// Not yet due: undecided.
	if o := handoffOutcome(store.HandoffTimes{Created: now.Add(-time.Minute), Due: now.Add(time.Hour)}, now); o.slaDecided {
		t.Errorf("a handoff not yet due has a decided SLA: %+v", o)
	}
}

// nc is a store's count of an exact text.
func nc(text string, n int) store.NameCount { return store.NameCount{Name: text, Count: n} }

func TestUnansweredGrouping(t *testing.T) {
	tests := []struct {
		name string
		in   []store.NameCount
		want []Count
	}{
		{"case, spaces and punctuation", []store.NameCount{nc("gift cards", 2), nc("Gift  cards?", 1), nc("  gift cards!!", 1)},
			[]Count{{"gift cards", 4}}},
		{"numbers and e-mails masked, so the same question groups", []store.NameCount{nc("where is order 123456", 1), nc("Where is order 654-321?", 1),
			nc("write to ann@example.com", 1), nc("iphone 15 price", 1)},
			[]Count{{"where is order [number]", 2}, {"iphone 15 price", 1}, {"write to [email]", 1}}},
		{"the most frequent spelling shows", []store.NameCount{nc("Hours?", 1), nc("hours", 3)}, []Count{{"hours", 4}}},
		{"punctuation only is dropped", []store.NameCount{nc("???", 5), nc("ok", 1)}, []Count{{"ok", 1}}},
		{"one line", []store.NameCount{nc("a\nquestion", 1)}, []Count{{"a question", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := groupUnanswered(tt.in, TopN); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	var many []store.NameCount
	for i := range 15 {
		many = append(many, nc("question "+string(rune('a'+i)), 1))
	}
	if got := groupUnanswered(many, TopN); len(got) != TopN {
		t.Errorf("%d questions listed, want the top %d", len(got), TopN)
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 4*time.Minute + 30*time.Second: "4m30s", 10 * time.Minute: "10m",
		time.Hour: "1h", 90 * time.Minute: "1h30m", 26*time.Hour + 5*time.Second: "26h0m5s", 1499 * time.Millisecond: "1s",
	} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ParseFormat(xml): %v, want ErrUnknownFormat", err)
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(1)": "'=HYPERLINK(1)", "+1": "'+1", "-x": "'-x", "@a": "'@a", "hello": "hello", "": ""} {
		if got := spreadsheetSafe(in); got != want {
			t.Errorf("spreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// failing is a Source whose every read fails.
type failing struct{ err error }

func (f failing) ReportMessages(context.Context, time.Time, time.Time) (store.MessageReport, error) {
	return store.MessageReport{}, f.err
}

func (f failing) ReportUnanswered(context.Context, time.Time, time.Time, int) ([]store.NameCount, error) {
	return nil, f.err
}

func (f failing) ReportHandoffs(context.Context, time.Time, time.Time) ([]store.HandoffTimes, error) {
	return nil, f.err
}

func (f failing) ReportAgents(context.Context, time.Time, time.Time) ([]store.AgentActivity, error) {
	return nil, f.err
}

func (f failing) ReportSpamFalsePositives(context.Context, time.Time, time.Time) ([]store.NameCount, error) {
	return nil, f.err
}

func (f failing) ReportInsights(context.Context, time.Time, time.Time) ([]store.InsightCount, error) {
	return nil, f.err
}

func (f failing) ReportRuleSentiment(context.Context, time.Time, time.Time) ([]store.RuleSentiment, error) {
	return nil, f.err
}

func (f failing) ReportNegativeConversations(context.Context, time.Time, time.Time, int) ([]store.ConversationMood, error) {
	return nil, f.err
}

func (f failing) ReportFeedback(context.Context, time.Time, time.Time, int) (store.FeedbackReport, error) {
	return store.FeedbackReport{}, f.err
}

func (f failing) ReportIncidents(context.Context, time.Time, time.Time) ([]store.IncidentTimes, error) {
	return nil, f.err
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(context.Background(), failing{}, now, now); err == nil {
		t.Error("an empty period was accepted")
	}
	if _, err := Build(context.Background(), failing{chat.ErrUnavailable}, now.Add(-time.Hour), now); !errors.Is(err, chat.ErrUnavailable) {
		t.Errorf("err = %v, want the source's error wrapped", err)
	}
}

// history is a Source of unanswered texts only.
type history []store.NameCount

func (h history) ReportMessages(context.Context, time.Time, time.Time) (store.MessageReport, error) {
	return store.MessageReport{}, nil
}

func (h history) ReportUnanswered(context.Context, time.Time, time.Time, int) ([]store.NameCount, error) {
	return h, nil
}

func (h history) ReportHandoffs(context.Context, time.Time, time.Time) ([]store.HandoffTimes, error) {
	return nil, nil
}

func (h history) ReportAgents(context.Context, time.Time, time.Time) ([]store.AgentActivity, error) {
	return nil, nil
}

func (h history) ReportSpamFalsePositives(context.Context, time.Time, time.Time) ([]store.NameCount, error) {
	return nil, nil
}

func (h history) ReportFeedback(context.Context, time.Time, time.Time, int) (store.FeedbackReport, error) {
	return store.FeedbackReport{}, nil
}

func (h history) ReportInsights(context.Context, time.Time, time.Time) ([]store.InsightCount, error) {
	return nil, nil
}

func (h history) ReportRuleSentiment(context.Context, time.Time, time.Time) ([]store.RuleSentiment, error) {
	return nil, nil
}

func (h history) ReportIncidents(context.Context, time.Time, time.Time) ([]store.IncidentTimes, error) {
	return nil, nil
}

func (h history) ReportNegativeConversations(context.Context, time.Time, time.Time, int) ([]store.ConversationMood, error) {
	return nil, nil
}

func TestBuildClustersWithRules(t *testing.T) {
	r, err := rules.Parse("rules.yaml", []byte(`
rules:
  - id: shipping
    keywords: [delivery, shipping]
    reply: "Orders ship within 48 hours."
  - id: refund
    keywords: [refund]
    reply: "Refunds take 3 days."
`))
	if err != nil {
		t.Fatal(err)
	}
	src := history{
		{Name: "where is my delivry, order 123456789", Count: 3},
		{Name: "delivry still not here", Count: 2},
		{Name: "do you sell gift cards", Count: 2},
		{Name: "gift cards?", Count: 1},
	}
	tests := []struct {
		name  string
		rules *rules.Rules
		want  []Cluster
	}{
		{"without rules, no rule is named", nil, []Cluster{
			{Count: 5, Rule: ""},
			{Count: 3, Rule: ""},
		}},
		{"with rules, the typo's rule is named", r, []Cluster{
			{Count: 5, Rule: "shipping"},
			{Count: 3, Rule: ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := BuildWith(context.Background(), src, now.Add(-time.Hour), now, Options{Rules: tt.rules})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Clusters) != len(tt.want) {
				t.Fatalf("%d clusters, want %d: %+v", len(rep.Clusters), len(tt.want), rep.Clusters)
			}
			for i, w := range tt.want {
				got := rep.Clusters[i]
				if got.Count != w.Count || got.Rule != w.Rule {
					t.Errorf("cluster %d: %d messages, rule %q; want %d, %q (%+v)", i, got.Count, got.Rule, w.Count, w.Rule, got)
				}
				if strings.Contains(got.Example, "123456789") {
					t.Errorf("example %q is not masked", got.Example)
				}
			}
			if !slices.Contains(rep.Clusters[0].Keywords, "delivry") {
				t.Errorf("keywords %q do not suggest the misspelling customers write", rep.Clusters[0].Keywords)
			}
		})
	}
}

func TestClusterAdvice(t *testing.T) {
	tests := []struct {
		c    Cluster
		want string
	}{
		{Cluster{Rule: "shipping", Keywords: []string{"delivry"}, Example: "where is my delivry"}, `→ likely rule "shipping": add keywords [delivry] or the example "where is my delivry"`},
		{Cluster{Example: "do you sell gift cards", Keywords: []string{"gift cards"}}, `→ no rule is close: a new rule, with keywords [gift cards] or the example "do you sell gift cards"`},
		{Cluster{Rule: "refund", Example: "refund?"}, `→ likely rule "refund": add the example "refund?"`},
	}
	for _, tt := range tests {
		if got := clusterAdvice(tt.c); got != tt.want {
			t.Errorf("clusterAdvice(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

// TestSLAByChannel splits handoffs by where the conversation is, each by
// its own due time: groups and channels are public, the rest private.
func TestSLAByChannel(t *testing.T) {
	created := now.Add(-4 * time.Hour)
	reply := func(d time.Duration) *time.Time { v := created.Add(d); return &v }
	h := func(ct chat.ChatType, due time.Duration, replied *time.Time) store.HandoffTimes {
		return store.HandoffTimes{Priority: "medium", ChatType: ct, Created: created, Due: created.Add(due), FirstReply: replied}
	}
	tests := []struct {
		name            string
		in              []store.HandoffTimes
		public, private SLA
		publicOpened    int
	}{
		{"none", nil, SLA{}, SLA{}, 0},
		{"a group mention in time, a private message late",
			[]store.HandoffTimes{h(chat.ChatGroup, time.Hour, reply(30*time.Minute)), h(chat.ChatPrivate, time.Hour, reply(2*time.Hour))},
			SLA{Met: 1, Decided: 1}, SLA{Met: 0, Decided: 1}, 1},
		{"a channel is public; its own due time decides",
			[]store.HandoffTimes{h(chat.ChatChannel, 24*time.Hour, reply(3*time.Hour)), h(chat.ChatChannel, time.Hour, nil)},
			SLA{Met: 1, Decided: 2}, SLA{}, 2},
		{"an unknown chat type counts as private",
			[]store.HandoffTimes{h("", time.Hour, reply(time.Minute))},
			SLA{}, SLA{Met: 1, Decided: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Report{Since: now.Add(-24 * time.Hour), Until: now}
			r.addHandoffs(tt.in)
			if r.Public.SLA != tt.public || r.Private.SLA != tt.private || r.Public.Opened != tt.publicOpened ||
				r.Private.Opened != len(tt.in)-tt.publicOpened {
				t.Errorf("public %+v (%d opened), private %+v (%d opened); want %+v (%d), %+v (%d)", r.Public.SLA, r.Public.Opened,
					r.Private.SLA, r.Private.Opened, tt.public, tt.publicOpened, tt.private, len(tt.in)-tt.publicOpened)
			}
			if r.Public.SLA.Decided+r.Private.SLA.Decided != r.Handoffs.SLA.Decided {
				t.Errorf("the split decides %d, all handoffs %d", r.Public.SLA.Decided+r.Private.SLA.Decided, r.Handoffs.SLA.Decided)
			}
		})
	}
}

// TestCSATNullWithoutRatings: a period nobody rated says csat null, not 0,
// and zero responses, in JSON and as an empty CSV cell.
func TestCSATNullWithoutRatings(t *testing.T) {
	r, err := Build(context.Background(), history(nil), now.Add(-time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	var j, c bytes.Buffer
	if err := WriteJSON(&j, r); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if v, ok := got["csat"]; !ok || v != nil {
		t.Errorf("csat = %v (present %v), want null", v, ok)
	}
	if got["csat_responses"] != float64(0) {
		t.Errorf("csat_responses = %v, want 0", got["csat_responses"])
	}
	if err := WriteCSV(&c, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), "\ncsat,all,csat,\n") || !strings.Contains(c.String(), "\ncsat,all,responses,0\n") {
		t.Errorf("CSV lacks the empty csat cell:\n%s", c.String())
	}
}
