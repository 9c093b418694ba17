// Package report computes the figures of `frontdesk report` (DOMAIN.md
// D21) for a period: what customers wrote and what became of it, which
// rules and keyword groups answered, the questions no rule answered, and
// how fast people answered handoffs against their SLA. It computes; format.go
// writes the result as text, JSON or CSV, and a dashboard can render the
// same Report.
//
// Definitions (the period is [since, until); a message's time is when the
// bot decided on it, a handoff's when it opened):
//
//   - Customer message: an event the rules decided on, that is one whose
//     decision's outcome is not "recorded" (edits, blocks, service
//     messages, bots' and agents' messages are recorded, not decided).
//   - Conversation: one with at least one customer message in the period.
//   - Answered by the bot: outcome "answered", an FAQ reply was sent.
//     Handed off: outcome "handed_off", the message opened (or joined) a
//     handoff to people. Ignored: outcome "ignored", a rule said it is spam.
//     Blocked: outcome "blocked", the team had blocked the customer
//     (/block): kept, never answered nor passed on to agents; blocked
//     customers counts the customers those came from.
//     The rest are "acknowledged" (only the catch-all acknowledgement
//     went out), "suppressed" (rules matched but the frequency guard
//     stopped every send) and "unanswered" (no rule matched, or only
//     rules that tag). Shares are of all customer messages.
//   - Top rules: per rule, the customer messages it planned an action for
//     (sent, tagged, ignored, or suppressed by the guard). Top keyword
//     groups: per group, the messages a rule matched through a keyword of
//     it. Top tags: per tag, the messages rules tagged with it.
//   - Unanswered: texts of customer messages that no FAQ rule answered —
//     outcome "unanswered" or "acknowledged" — leaving out messages
//     without text and those written while a person owned the conversation
//     (they were for the agent). Texts are grouped ignoring case, repeated
//     spaces and surrounding punctuation, with long numbers and e-mail
//     addresses masked ("where is order [number]"): those are personal
//     data, and masking also groups the same question about different
//     orders. Grouping works on the store's most frequent exact texts
//     (unansweredCandidates of them).
//   - Unanswered clusters: the same texts grouped by shared normalized
//     words, word pairs and Chinese character runs (rules.ClusterTexts),
//     largest first, each with up to three example texts, the words most
//     of them share, and — given the rules — the answering rule whose
//     keywords, id, label and replies are closest (a misspelt keyword
//     counts), with keywords and an example message to add to it.
//   - First response: from a handoff's opening to the first message an
//     agent wrote to the customer (a relay). Resolution: from its opening
//     to when it was resolved or given back to the bot (by an agent, an
//     incident's resolution or the idle timeout).
//   - SLA: met when the first response came at or before the handoff's
//     due time. Missed when it came later, or when the due time passed
//     without one (by the period's end, or before the handoff was closed
//     without one). Undecided, and left out of the attainment, while the
//     due time is still ahead, or when the handoff was closed before it
//     without an agent's message (nobody had to answer). Attainment is
//     met / decided; the bar is SLATarget.
//   - SLA by channel: the same attainment of the handoffs of public
//     conversations (groups and channels, where a customer mentioned the
//     bot in front of others) and of private ones, each against SLATarget.
//     Each handoff keeps its own due time (its priority's, per team); the
//     split shows whether public mentions, which D15 wants answered
//     first, are. A conversation of an unknown chat type counts as private.
//   - By agent: the handoffs whose first response each agent wrote, how
//     fast it came and whether it met the SLA. Agents are counted by
//     account, so two people with one name are two rows; a row shows the
//     name last seen for its account. First responses written before
//     agents' accounts were kept are not attributed.
//   - Escalated: at least one escalation to a higher tier was made, not
//     only the reminder to the team (handoff.Escalations).
//   - Percentiles are nearest-rank: p90 is the smallest observed value
//     that at least 90% of the values do not exceed.
//   - Daily: handoffs by the day they opened, in the location of until.
//   - Spam false positives: messages ignored as spam that an operator
//     released as not spam, by the day of the release, per rule that
//     ignored them ("" when only the message's type said spam). The
//     answer a release queues is not a customer message of its own: the
//     message was counted once, as ignored.
package report

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/handoff"
	"github.com/frontdesk-bot/frontdesk/internal/redact"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// Source is the history a report is built from; *store.Store is one.
type Source interface {
	ReportMessages(ctx context.Context, since, until time.Time) (store.MessageReport, error)
	ReportUnanswered(ctx context.Context, since, until time.Time, limit int) ([]store.NameCount, error)
	ReportHandoffs(ctx context.Context, since, until time.Time) ([]store.HandoffTimes, error)
	ReportAgents(ctx context.Context, since, until time.Time) ([]store.AgentActivity, error)
	ReportSpamFalsePositives(ctx context.Context, since, until time.Time) ([]store.NameCount, error)
	InsightSource
	FeedbackSource
	RoutingSource
	IncidentSource
}

var _ Source = (*store.Store)(nil)

const (
	// TopN is how long the top lists are.
	TopN = 10
	// SLATarget is the acceptance bar (DOMAIN.md D21): 90% of handoffs
	// answered within their SLA.
	SLATarget = 0.9
	// unansweredCandidates is how many of the most frequent exact texts
	// are read to group into the TopN unanswered questions.
	unansweredCandidates = 50 * TopN
)

// Report is the figures of one period.
type Report struct {
	Since, Until time.Time

	MessagesIn    int
	Conversations int
	AnsweredByBot int
	HandedOff     int
	Ignored       int
	// Blocked counts the messages of customers the team blocked (/block),
	// kept and never answered; BlockedCustomers the customers they came from.
	Blocked          int
	BlockedCustomers int
	// Outcomes counts the customer messages by outcome: the seven the
	// pipeline writes, in outcomeOrder, then any other seen.
	Outcomes []Count

	TopRules         []Count
	TopKeywordGroups []Count
	TopTags          []Count
	// Unanswered are the most frequent questions no rule answered; Name
	// is the text, as the most frequent way of writing it, masked.
	Unanswered []Count
	// Clusters group the same unanswered texts by shared words, largest
	// first, with what to add to which rule (see rules.ClusterTexts).
	Clusters []Cluster

	// Handoffs sums up every handoff opened in the period; ByPriority per
	// priority (the four levels always, then any other seen).
	Handoffs   HandoffStats
	ByPriority []HandoffStats
	// Public and Private are the handoffs of group and channel
	// conversations and of private ones.
	Public, Private HandoffStats
	// ByAgent are the first responses per agent, the most first.
	ByAgent []AgentStats
	// AgentWork is what each agent claimed, resolved and transferred, the
	// busiest first.
	AgentWork []AgentWork
	// Daily has one entry per day of the period, oldest first.
	Daily []DayStats
	// NeededDetails counts the handoffs that asked the customer for
	// details first (details.go).
	NeededDetails int

	// Insights are the message types, sentiment, coverage and top
	// questions (insights.go).
	Insights Insights
	// SpamFalsePositives count, per rule that ignored them, the messages
	// operators released as not spam in the period (frontdesk spam
	// --release), the most first.
	SpamFalsePositives []Count

	// CSAT is the customers' feedback: ratings, solved or not, FAQ
	// helpfulness, comments (csat.go).
	CSAT CSAT
	// Routing is how the handoffs were routed (routing.go).
	Routing Routing
	// Incidents are the incidents opened in the period (incidents.go).
	Incidents Incidents
}

// Cluster is a group of unanswered messages asking about the same thing.
type Cluster struct {
	Count    int      // messages
	Examples []Count  // the most frequent texts, masked
	Terms    []string // the words most of them share
	// Rule is the rule that most likely should have answered them, ""
	// when none comes close (then they want a new rule); Keywords and
	// Example are what to add to it.
	Rule     string
	Keywords []string
	Example  string
}

// Options are what a report can use beyond the history.
type Options struct {
	// Rules, when set, let clusters of unanswered messages name the rule
	// that should have answered them.
	Rules *rules.Rules
}

// Count is a name and how many customer messages (or handoffs) it counts.
type Count struct {
	Name  string
	Count int
}

// Percentiles summarize N durations; zero N means there were none.
type Percentiles struct {
	N        int
	P50, P90 time.Duration
}

// SLA counts handoffs whose first response met its due time, of those
// whose SLA is decided.
type SLA struct {
	Met, Decided int
}

// Attainment is Met / Decided; ok is false when no SLA is decided.
func (s SLA) Attainment() (v float64, ok bool) {
	if s.Decided == 0 {
		return 0, false
	}
	return float64(s.Met) / float64(s.Decided), true
}

// HandoffStats are the figures of a set of handoffs.
type HandoffStats struct {
	Priority  string // empty for all handoffs
	Opened    int
	Replied   int // got a first response from an agent
	Closed    int
	Escalated int
	SLA       SLA
	// FirstResponse of the handoffs that got one; Resolution of the closed.
	FirstResponse Percentiles
	Resolution    Percentiles
}

// EscalationShare is the share of opened handoffs that were escalated.
func (h HandoffStats) EscalationShare() float64 { return Share(h.Escalated, h.Opened) }

// AgentStats are the first responses one agent (an account) wrote.
type AgentStats struct {
	ID            string // the account, chat.Agent.ID
	Name          string // for display: the name last seen for it
	Answered      int
	SLA           SLA
	FirstResponse Percentiles
}

// DayStats are the first responses of the handoffs opened on one day.
type DayStats struct {
	Day           time.Time // midnight, in the location of the report's Until
	Messages      int       // customer messages that day
	Opened        int
	Replied       int
	SLA           SLA
	FirstResponse Percentiles
}

// Share is n / of, and 0 when of is 0.
func Share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Build computes the report of [since, now) from src.
func Build(ctx context.Context, src Source, since, now time.Time) (Report, error) {
	return BuildWith(ctx, src, since, now, Options{})
}

// BuildWith is Build with options.
func BuildWith(ctx context.Context, src Source, since, now time.Time, opts Options) (Report, error) {
	if !since.Before(now) {
		return Report{}, fmt.Errorf("report: the period starts at %s, not before its end %s", since.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	msgs, err := src.ReportMessages(ctx, since, now)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	texts, err := src.ReportUnanswered(ctx, since, now, unansweredCandidates)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	handoffs, err := src.ReportHandoffs(ctx, since, now)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	r := Report{Since: since, Until: now}
	r.addMessages(msgs)
	r.Unanswered = groupUnanswered(texts, TopN)
	r.Clusters = clusterUnanswered(texts, opts.Rules, TopN)
	r.addHandoffs(handoffs)
	activity, err := src.ReportAgents(ctx, since, now)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	r.addAgentWork(handoffs, activity)
	r.addDetails(handoffs)
	r.addVolume(msgs.Hourly)
	released, err := src.ReportSpamFalsePositives(ctx, since, now)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	r.SpamFalsePositives = top(countMap(released), len(released))
	if err := r.addInsights(ctx, src, msgs.Rules); err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	if err := r.addCSAT(ctx, src); err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	if err := r.addRouting(ctx, src); err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	if err := r.addIncidents(ctx, src); err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	return r, nil
}

// addVolume folds the hourly message counts into the days of the period,
// in the location of Until.
func (r *Report) addVolume(hourly []store.TimeCount) {
	loc := r.Until.Location()
	for _, h := range hourly {
		day := midnight(h.At.In(loc))
		for i := range r.Daily {
			if r.Daily[i].Day.Equal(day) {
				r.Daily[i].Messages += h.Count
			}
		}
	}
}

// outcomeOrder is the order outcomes are listed in: the bot's answers
// first, then people's, then what got no answer.
var outcomeOrder = []chat.Outcome{
	chat.OutcomeAnswered, chat.OutcomeAcknowledged, chat.OutcomeAsked, chat.OutcomeHandedOff,
	chat.OutcomeIgnored, chat.OutcomeSuppressed, chat.OutcomeUnanswered, chat.OutcomeBlocked,
}

func (r *Report) addMessages(m store.MessageReport) {
	rest := make(map[string]int, len(m.Outcomes))
	for o, n := range m.Outcomes {
		r.MessagesIn += n
		rest[o] = n
	}
	for _, o := range outcomeOrder {
		r.Outcomes = append(r.Outcomes, Count{Name: string(o), Count: rest[string(o)]})
		delete(rest, string(o))
	}
	r.Outcomes = append(r.Outcomes, top(rest, len(rest))...)
	r.AnsweredByBot = m.Outcomes[string(chat.OutcomeAnswered)]
	r.HandedOff = m.Outcomes[string(chat.OutcomeHandedOff)]
	r.Ignored = m.Outcomes[string(chat.OutcomeIgnored)]
	r.Blocked, r.BlockedCustomers = m.Outcomes[string(chat.OutcomeBlocked)], m.BlockedCustomers
	r.Conversations = m.Conversations
	r.TopRules = top(countMap(m.Rules), TopN)
	r.TopKeywordGroups = top(countMap(m.KeywordGroups), TopN)
	r.TopTags = top(countMap(m.Tags), TopN)
}

func countMap(in []store.NameCount) map[string]int {
	m := make(map[string]int, len(in))
	for _, c := range in {
		m[c.Name] += c.Count
	}
	return m
}

// top lists the n largest counts, ties by name, so the order is the
// same on every database and every run.
func top(m map[string]int, n int) []Count {
	out := make([]Count, 0, len(m))
	for name, c := range m {
		out = append(out, Count{Name: name, Count: c})
	}
	slices.SortFunc(out, byCountThenName)
	return out[:min(n, len(out))]
}

func byCountThenName(a, b Count) int {
	return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Name, b.Name))
}

// maskPersonal masks e-mail addresses and long numbers (redact.Personal).
var maskPersonal = redact.Personal

// groupKey is what texts asking the same question share: case, spaces
// and punctuation around it aside.
func groupKey(masked string) string {
	return strings.TrimFunc(strings.ToLower(masked), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}

// groupUnanswered groups the store's exact texts (most frequent first)
// into questions and keeps the n most frequent. A question is shown as
// its most frequent spelling, the first seen among equals.
func groupUnanswered(texts []store.NameCount, n int) []Count {
	type question struct {
		total    int
		spelling map[string]int
		shown    string
	}
	byKey := map[string]*question{}
	var order []*question
	for _, t := range texts {
		masked := maskPersonal(t.Name)
		key := groupKey(masked)
		if key == "" {
			continue // punctuation only: nothing to put in an FAQ
		}
		q := byKey[key]
		if q == nil {
			q = &question{spelling: map[string]int{}, shown: masked}
			byKey[key] = q
			order = append(order, q)
		}
		q.total += t.Count
		q.spelling[masked] += t.Count
		if q.spelling[masked] > q.spelling[q.shown] {
			q.shown = masked
		}
	}
	out := make([]Count, 0, len(order))
	for _, q := range order {
		out = append(out, Count{Name: q.shown, Count: q.total})
	}
	slices.SortFunc(out, byCountThenName)
	return out[:min(n, len(out))]
}

// clusterUnanswered groups the store's texts, masked, into the n largest
// clusters of questions.
func clusterUnanswered(texts []store.NameCount, r *rules.Rules, n int) []Cluster {
	in := make([]rules.TextCount, 0, len(texts))
	at := map[string]int{}
	for _, t := range texts {
		masked := maskPersonal(t.Name)
		if groupKey(masked) == "" {
			continue
		}
		if i, ok := at[masked]; ok {
			in[i].Count += t.Count
			continue
		}
		at[masked] = len(in)
		in = append(in, rules.TextCount{Text: masked, Count: t.Count})
	}
	var out []Cluster
	for _, c := range rules.ClusterTexts(in, r, n) {
		rc := Cluster{Count: c.Count, Terms: c.Terms, Rule: c.Rule, Keywords: c.Keywords, Example: c.Example}
		for _, e := range c.Examples {
			rc.Examples = append(rc.Examples, Count{Name: e.Text, Count: e.Count})
		}
		out = append(out, rc)
	}
	return out
}

// priorityOrder lists the priorities always reported, most urgent first.
var priorityOrder = chat.Priorities

// outcome is what became of one handoff by the report's end.
type outcome struct {
	firstResponse time.Duration
	replied       bool
	resolution    time.Duration
	closed        bool
	slaDecided    bool
	slaMet        bool
	escalated     bool
}

func handoffOutcome(h store.HandoffTimes, end time.Time) outcome {
	var o outcome
	if h.FirstReply != nil {
		o.replied, o.firstResponse = true, h.FirstReply.Sub(h.Created)
	}
	if h.Closed != nil {
		o.closed, o.resolution = true, h.Closed.Sub(h.Created)
	}
	switch {
	case o.replied:
		o.slaDecided, o.slaMet = true, !h.FirstReply.After(h.Due)
	case o.closed:
		// Closed without an agent's message: missed only if it was
		// closed after its due time passed.
		o.slaDecided = h.Closed.After(h.Due)
	default:
		o.slaDecided = end.After(h.Due)
	}
	o.escalated = escalated(h.StepsDone)
	return o
}

// escalated reports whether the first stepsDone steps of an unclaimed
// handoff include an escalation: they are taken in handoff.Escalations'
// order (a reminder to the team, then one tier up at a time), whatever
// the team's number of tiers.
func escalated(stepsDone int) bool {
	return slices.ContainsFunc(handoff.Escalations(time.Time{}, 0, stepsDone), func(s handoff.Step) bool {
		return s.Kind == handoff.KindEscalation
	})
}

// tally accumulates handoffs into HandoffStats or DayStats.
type tally struct {
	opened, replied, closed, escalated int
	sla                                SLA
	firstResponses, resolutions        []time.Duration
}

// agentTally is the first responses of one agent.
type agentTally struct {
	tally
	name string
}

func (t *tally) add(o outcome) {
	t.opened++
	if o.replied {
		t.replied++
		t.firstResponses = append(t.firstResponses, o.firstResponse)
	}
	if o.closed {
		t.closed++
		t.resolutions = append(t.resolutions, o.resolution)
	}
	if o.escalated {
		t.escalated++
	}
	if o.slaDecided {
		t.sla.Decided++
		if o.slaMet {
			t.sla.Met++
		}
	}
}

func (t *tally) stats(priority string) HandoffStats {
	return HandoffStats{Priority: priority, Opened: t.opened, Replied: t.replied, Closed: t.closed, Escalated: t.escalated,
		SLA: t.sla, FirstResponse: percentiles(t.firstResponses), Resolution: percentiles(t.resolutions)}
}

func (r *Report) addHandoffs(hs []store.HandoffTimes) {
	loc := r.Until.Location()
	var all, public, private tally
	byPriority := map[string]*tally{}
	for _, p := range priorityOrder {
		byPriority[string(p)] = &tally{}
	}
	days := map[string]*tally{} // by date
	agents := map[string]*agentTally{}
	for _, h := range hs {
		o := handoffOutcome(h, r.Until)
		all.add(o)
		if isPublic(h.ChatType) {
			public.add(o)
		} else {
			private.add(o)
		}
		if o.replied && h.FirstResponder.Known() {
			a := agents[h.FirstResponder.ID]
			if a == nil {
				a = &agentTally{}
				agents[h.FirstResponder.ID] = a
			}
			a.name = h.FirstResponder.Name // hs are oldest first: the last name wins
			a.add(o)
		}
		p := byPriority[h.Priority]
		if p == nil {
			p = &tally{}
			byPriority[h.Priority] = p
		}
		p.add(o)
		d := h.Created.In(loc).Format(time.DateOnly)
		if days[d] == nil {
			days[d] = &tally{}
		}
		days[d].add(o)
	}
	r.Handoffs = all.stats("")
	r.Public, r.Private = public.stats(""), private.stats("")
	for _, p := range priorityOrder {
		r.ByPriority = append(r.ByPriority, byPriority[string(p)].stats(string(p)))
		delete(byPriority, string(p))
	}
	for _, p := range slices.Sorted(maps.Keys(byPriority)) {
		r.ByPriority = append(r.ByPriority, byPriority[p].stats(p))
	}
	for id, a := range agents {
		s := a.stats("")
		r.ByAgent = append(r.ByAgent, AgentStats{ID: id, Name: a.name, Answered: s.Replied, SLA: s.SLA, FirstResponse: s.FirstResponse})
	}
	slices.SortFunc(r.ByAgent, func(a, b AgentStats) int {
		return cmp.Or(cmp.Compare(b.Answered, a.Answered), strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	// Every day of the period, empty ones too, so a chart has no gaps.
	last := midnight(r.Until.Add(-time.Nanosecond).In(loc))
	for d := midnight(r.Since.In(loc)); !d.After(last); d = midnight(d.AddDate(0, 0, 1)) {
		t := days[d.Format(time.DateOnly)]
		if t == nil {
			t = &tally{}
		}
		s := t.stats("")
		r.Daily = append(r.Daily, DayStats{Day: d, Opened: s.Opened, Replied: s.Replied, SLA: s.SLA, FirstResponse: s.FirstResponse})
	}
}

// isPublic reports whether a conversation is seen by others than the
// customer: a group (or guild channel) or a channel.
func isPublic(t chat.ChatType) bool { return t == chat.ChatGroup || t == chat.ChatChannel }

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// percentiles takes the nearest-rank p50 and p90 of ds, which it sorts.
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	return Percentiles{N: len(ds), P50: nearestRank(ds, 50), P90: nearestRank(ds, 90)}
}

// nearestRank is the value at rank ⌈pct/100 × n⌉ of sorted ds, in integer
// arithmetic: 0.9 × 20 is not 18 in floating point.
func nearestRank(ds []time.Duration, pct int) time.Duration {
	rank := (pct*len(ds) + 99) / 100
	return ds[max(rank, 1)-1]
}
