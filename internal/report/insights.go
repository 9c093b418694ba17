package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// Insights are the figures issue 22 adds (DOMAIN.md D14, D21):
//
//   - Types: every customer message's type, decided with it (the rule
//     that acted, else the classifier); Untyped counts messages decided
//     before types were kept.
//   - Sentiment: negative, neutral or positive, per message.
//   - Coverage: of the inquiries (not complaints, not requests for a
//     person: handing those off is right), the share the bot answered
//     from a rule without a handoff (outcome "answered"); the bar is
//     CoverageTarget. Per language too.
//   - Top questions: the TopN rules and the types with the most messages,
//     each with the count of the previous period of the same length.
//   - Most negative conversations: ids only, lowest score first.
type Insights struct {
	Types           []Count // every type of chat.MessageTypes, in that order, zeros included
	Untyped         int
	Sentiment       []Count // every sentiment of chat.Sentiments, in that order
	TypesByDay      []DayCounts
	SentimentByDay  []DayCounts
	SentimentByType []Mood // per type, in chat.MessageTypes order
	SentimentByRule []Mood // per rule, most negative messages first
	MostNegative    []store.ConversationMood
	Coverage        Coverage
	TopQuestions    TopQuestions
}

// DayCounts are one day's counts, by name (a type or a sentiment).
type DayCounts struct {
	Day    time.Time
	Counts []Count
}

// Mood counts the sentiments of the messages of one type or one rule.
type Mood struct {
	Name                        string
	Negative, Neutral, Positive int
}

// Coverage is the FAQ's share of the inquiries.
type Coverage struct {
	Inquiries, Answered int
	ByLanguage          []LanguageCoverage
}

// LanguageCoverage is Coverage for one reply language.
type LanguageCoverage struct {
	Language            string
	Inquiries, Answered int
}

// Share is Answered / Inquiries; ok is false when there were none.
func (c Coverage) Share() (float64, bool) {
	return Share(c.Answered, c.Inquiries), c.Inquiries > 0
}

// TopQuestions are the period's most frequent rules and types, against the
// previous period.
type TopQuestions struct {
	Rules, Types []Change
}

// Change is a count and the previous period's.
type Change struct {
	Name            string
	Count, Previous int
}

// CoverageTarget is the acceptance bar (DOMAIN.md D21): templates cover
// 80% of typical requests.
const CoverageTarget = 0.8

// mostNegative is how many conversations the report lists by sentiment.
const mostNegative = 10

// InsightSource is what the insights are built from; *store.Store is one.
type InsightSource interface {
	ReportInsights(ctx context.Context, since, until time.Time) ([]store.InsightCount, error)
	ReportRuleSentiment(ctx context.Context, since, until time.Time) ([]store.RuleSentiment, error)
	ReportNegativeConversations(ctx context.Context, since, until time.Time, limit int) ([]store.ConversationMood, error)
	ReportMessages(ctx context.Context, since, until time.Time) (store.MessageReport, error)
}

var _ InsightSource = (*store.Store)(nil)

// addInsights computes the insights of the report's period; rulesNow are
// the period's rule counts, already read.
func (r *Report) addInsights(ctx context.Context, src InsightSource, rulesNow []store.NameCount) error {
	counts, err := src.ReportInsights(ctx, r.Since, r.Until)
	if err != nil {
		return err
	}
	byRule, err := src.ReportRuleSentiment(ctx, r.Since, r.Until)
	if err != nil {
		return err
	}
	negative, err := src.ReportNegativeConversations(ctx, r.Since, r.Until, mostNegative)
	if err != nil {
		return err
	}
	prevSince := r.Since.Add(-r.Until.Sub(r.Since))
	prevCounts, err := src.ReportInsights(ctx, prevSince, r.Since)
	if err != nil {
		return err
	}
	prevMsgs, err := src.ReportMessages(ctx, prevSince, r.Since)
	if err != nil {
		return err
	}
	in := &r.Insights
	in.MostNegative = negative
	types, sentiments := map[string]int{}, map[string]int{}
	byType := map[string]*Mood{}
	langs := map[string]*LanguageCoverage{}
	loc := r.Until.Location()
	days := map[time.Time]*[2]map[string]int{}
	for _, c := range counts {
		if c.Type == "" {
			in.Untyped += c.Count
			continue
		}
		types[c.Type] += c.Count
		sentiments[c.Sentiment] += c.Count
		m := byType[c.Type]
		if m == nil {
			m = &Mood{Name: c.Type}
			byType[c.Type] = m
		}
		m.add(chat.Sentiment(c.Sentiment), c.Count)
		day := midnight(c.At.In(loc))
		d := days[day]
		if d == nil {
			d = &[2]map[string]int{{}, {}}
			days[day] = d
		}
		d[0][c.Type] += c.Count
		d[1][c.Sentiment] += c.Count
		if chat.MessageType(c.Type) == chat.TypeInquiry {
			lc := langs[c.Language]
			if lc == nil {
				lc = &LanguageCoverage{Language: c.Language}
				langs[c.Language] = lc
			}
			lc.Inquiries += c.Count
			in.Coverage.Inquiries += c.Count
			if chat.Outcome(c.Outcome) == chat.OutcomeAnswered {
				lc.Answered += c.Count
				in.Coverage.Answered += c.Count
			}
		}
	}
	in.Types = ordered(types, chat.MessageTypes)
	in.Sentiment = ordered(sentiments, chat.Sentiments)
	for _, t := range chat.MessageTypes {
		if m := byType[string(t)]; m != nil {
			in.SentimentByType = append(in.SentimentByType, *m)
		} else {
			in.SentimentByType = append(in.SentimentByType, Mood{Name: string(t)})
		}
	}
	for _, day := range r.periodDays() {
		d := days[day]
		if d == nil {
			d = &[2]map[string]int{{}, {}}
		}
		in.TypesByDay = append(in.TypesByDay, DayCounts{Day: day, Counts: ordered(d[0], chat.MessageTypes)})
		in.SentimentByDay = append(in.SentimentByDay, DayCounts{Day: day, Counts: ordered(d[1], chat.Sentiments)})
	}
	rules := map[string]*Mood{}
	for _, rs := range byRule {
		m := rules[rs.Rule]
		if m == nil {
			m = &Mood{Name: rs.Rule}
			rules[rs.Rule] = m
		}
		m.add(chat.Sentiment(rs.Sentiment), rs.Count)
	}
	for _, m := range rules {
		in.SentimentByRule = append(in.SentimentByRule, *m)
	}
	slices.SortFunc(in.SentimentByRule, func(a, b Mood) int {
		if a.Negative != b.Negative {
			return b.Negative - a.Negative
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, lc := range langs {
		in.Coverage.ByLanguage = append(in.Coverage.ByLanguage, *lc)
	}
	slices.SortFunc(in.Coverage.ByLanguage, func(a, b LanguageCoverage) int {
		if a.Inquiries != b.Inquiries {
			return b.Inquiries - a.Inquiries
		}
		return strings.Compare(a.Language, b.Language)
	})
	prevTypes := map[string]int{}
	for _, c := range prevCounts {
		if c.Type != "" {
			prevTypes[c.Type] += c.Count
		}
	}
	in.TopQuestions.Rules = changes(top(countMap(rulesNow), TopN), countMap(prevMsgs.Rules))
	nonzero := map[string]int{}
	for t, n := range types {
		nonzero[t] = n
	}
	in.TopQuestions.Types = changes(top(nonzero, TopN), prevTypes)
	return nil
}

func (m *Mood) add(s chat.Sentiment, n int) {
	switch s {
	case chat.SentimentNegative:
		m.Negative += n
	case chat.SentimentNeutral:
		m.Neutral += n
	case chat.SentimentPositive:
		m.Positive += n
	}
}

// ordered lists the counts of every name in order, zeros included.
func ordered[T ~string](m map[string]int, order []T) []Count {
	out := make([]Count, len(order))
	for i, name := range order {
		out[i] = Count{Name: string(name), Count: m[string(name)]}
	}
	return out
}

func changes(now []Count, before map[string]int) []Change {
	out := make([]Change, len(now))
	for i, c := range now {
		out[i] = Change{Name: c.Name, Count: c.Count, Previous: before[c.Name]}
	}
	return out
}

// periodDays lists the midnights of the days of the period, in the
// location of Until.
func (r *Report) periodDays() []time.Time {
	var out []time.Time
	loc := r.Until.Location()
	for d := midnight(r.Since.In(loc)); d.Before(r.Until); d = midnight(d.Add(36 * time.Hour)) {
		out = append(out, d)
	}
	return out
}

// text is a Mood as "3 negative, 1 neutral, 0 positive".
func (m Mood) text() string {
	return fmt.Sprintf("%d negative, %d neutral, %d positive", m.Negative, m.Neutral, m.Positive)
}

// addInsightsJSON fills the JSON keys of the insights; every list is []
// and every type and sentiment present, so a dashboard needs no checks.
func addInsightsJSON(j *jsonReport, in Insights) {
	j.Types, j.Sentiment = countsObject(in.Types, chat.MessageTypes), countsObject(in.Sentiment, chat.Sentiments)
	j.Untyped = in.Untyped
	j.TypesByDay, j.SentimentByDay = []jsonDayCounts{}, []jsonDayCounts{}
	for _, d := range in.TypesByDay {
		j.TypesByDay = append(j.TypesByDay, jsonDayCounts{Date: d.Day.Format(time.DateOnly), Counts: countsObject(d.Counts, chat.MessageTypes)})
	}
	for _, d := range in.SentimentByDay {
		j.SentimentByDay = append(j.SentimentByDay, jsonDayCounts{Date: d.Day.Format(time.DateOnly), Counts: countsObject(d.Counts, chat.Sentiments)})
	}
	j.SentimentByType = map[string]jsonMood{}
	for _, t := range chat.MessageTypes {
		j.SentimentByType[string(t)] = jsonMood{}
	}
	for _, m := range in.SentimentByType {
		j.SentimentByType[m.Name] = jsonMood{m.Negative, m.Neutral, m.Positive}
	}
	j.SentimentByRule = []jsonRuleMood{}
	for _, m := range in.SentimentByRule {
		j.SentimentByRule = append(j.SentimentByRule, jsonRuleMood{Rule: m.Name, jsonMood: jsonMood{m.Negative, m.Neutral, m.Positive}})
	}
	j.MostNegativeConversations = []jsonNegative{}
	for _, c := range in.MostNegative {
		j.MostNegativeConversations = append(j.MostNegativeConversations, jsonNegative{ConversationID: c.ConversationID, LowestScore: c.Lowest, Negative: c.Negative})
	}
	if v, ok := in.Coverage.Share(); ok {
		j.Coverage = &v
	}
	j.CoverageTarget = CoverageTarget
	j.CoverageByLanguage = []jsonLangCoverage{}
	for _, lc := range in.Coverage.ByLanguage {
		c := Coverage{Inquiries: lc.Inquiries, Answered: lc.Answered}
		jl := jsonLangCoverage{Language: lc.Language, Inquiries: lc.Inquiries, Answered: lc.Answered}
		if v, ok := c.Share(); ok {
			jl.Coverage = &v
		}
		j.CoverageByLanguage = append(j.CoverageByLanguage, jl)
	}
	j.TopQuestions = jsonTopQuestions{Rules: jsonChanges(in.TopQuestions.Rules), Types: jsonChanges(in.TopQuestions.Types)}
}

func countsObject[T ~string](counts []Count, all []T) map[string]int {
	out := make(map[string]int, len(all))
	for _, name := range all {
		out[string(name)] = 0
	}
	for _, c := range counts {
		out[c.Name] = c.Count
	}
	return out
}

func jsonChanges(cs []Change) []jsonChange {
	out := make([]jsonChange, len(cs))
	for i, c := range cs {
		out[i] = jsonChange{Name: c.Name, Count: c.Count, Previous: c.Previous, Change: c.Count - c.Previous}
	}
	return out
}

// writeInsightsText writes the insights' section of the text form.
func writeInsightsText(b *strings.Builder, r Report) {
	in := r.Insights
	total := 0
	for _, c := range in.Types {
		total += c.Count
	}
	b.WriteString("\nMessage types\n")
	t := table{indent: "  ", right: []bool{false, true, true, false}}
	moods := map[string]Mood{}
	for _, m := range in.SentimentByType {
		moods[m.Name] = m
	}
	for _, c := range in.Types {
		t.add(c.Name, strconv.Itoa(c.Count), percent(Share(c.Count, total), total > 0), moods[c.Name].text())
	}
	t.write(b)
	if in.Untyped > 0 {
		fmt.Fprintf(b, "  (%s decided before types were kept)\n", plural(in.Untyped, "message"))
	}
	b.WriteString("\nSentiment\n")
	t = table{indent: "  ", right: []bool{false, true, true}}
	for _, c := range in.Sentiment {
		t.add(c.Name, strconv.Itoa(c.Count), percent(Share(c.Count, total), total > 0))
	}
	t.write(b)
	v, ok := in.Coverage.Share()
	fmt.Fprintf(b, "\nFAQ coverage: %s of %d inquiries answered by a rule without a handoff (target %s)\n",
		percent(v, ok), in.Coverage.Inquiries, percent(CoverageTarget, true))
	for _, lc := range in.Coverage.ByLanguage {
		c := Coverage{Inquiries: lc.Inquiries, Answered: lc.Answered}
		v, ok := c.Share()
		fmt.Fprintf(b, "  %-6s %s of %d\n", cmp.Or(lc.Language, "?"), percent(v, ok), lc.Inquiries)
	}
	for _, sec := range []struct {
		title string
		rows  []Change
	}{{"Top questions by rule (messages, change against the previous period)", in.TopQuestions.Rules},
		{"Top questions by type", in.TopQuestions.Types}} {
		fmt.Fprintf(b, "\n%s\n", sec.title)
		if len(sec.rows) == 0 {
			b.WriteString("  none\n")
			continue
		}
		t := table{indent: "  ", right: []bool{false, true, true}}
		for _, c := range sec.rows {
			t.add(c.Name, strconv.Itoa(c.Count), fmt.Sprintf("%+d", c.Count-c.Previous))
		}
		t.write(b)
	}
	b.WriteString("\nMost negative rules (messages: negative, neutral, positive)\n")
	if len(in.SentimentByRule) == 0 {
		b.WriteString("  none\n")
	}
	for i, m := range in.SentimentByRule {
		if i == TopN {
			break
		}
		fmt.Fprintf(b, "  %s: %s\n", m.Name, m.text())
	}
	b.WriteString("\nMost negative conversations (ids)\n")
	if len(in.MostNegative) == 0 {
		b.WriteString("  none\n")
	}
	for _, c := range in.MostNegative {
		fmt.Fprintf(b, "  conversation %d: lowest %.2f, %s\n", c.ConversationID, c.Lowest, plural(c.Negative, "negative message"))
	}
}

// insightsCSV writes the insights' rows of the CSV form from its JSON form.
func insightsCSV(row func(section, key, metric, value string), j jsonReport, num func(float64) string, opt func(*float64) string) {
	for _, t := range chat.MessageTypes {
		row("types", string(t), "count", strconv.Itoa(j.Types[string(t)]))
	}
	for _, s := range chat.Sentiments {
		row("sentiment", string(s), "count", strconv.Itoa(j.Sentiment[string(s)]))
	}
	for _, d := range j.TypesByDay {
		for _, t := range chat.MessageTypes {
			row("types_by_day", d.Date, string(t), strconv.Itoa(d.Counts[string(t)]))
		}
	}
	for _, d := range j.SentimentByDay {
		for _, s := range chat.Sentiments {
			row("sentiment_by_day", d.Date, string(s), strconv.Itoa(d.Counts[string(s)]))
		}
	}
	mood := func(section, key string, m jsonMood) {
		row(section, key, "negative", strconv.Itoa(m.Negative))
		row(section, key, "neutral", strconv.Itoa(m.Neutral))
		row(section, key, "positive", strconv.Itoa(m.Positive))
	}
	for _, t := range chat.MessageTypes {
		mood("sentiment_by_type", string(t), j.SentimentByType[string(t)])
	}
	for _, m := range j.SentimentByRule {
		mood("sentiment_by_rule", m.Rule, m.jsonMood)
	}
	for _, c := range j.MostNegativeConversations {
		key := strconv.FormatInt(c.ConversationID, 10)
		row("most_negative_conversations", key, "lowest_score", num(c.LowestScore))
		row("most_negative_conversations", key, "negative_messages", strconv.Itoa(c.Negative))
	}
	row("coverage", "all", "coverage", opt(j.Coverage))
	row("coverage", "all", "coverage_target", num(j.CoverageTarget))
	for _, lc := range j.CoverageByLanguage {
		row("coverage", lc.Language, "inquiries", strconv.Itoa(lc.Inquiries))
		row("coverage", lc.Language, "answered", strconv.Itoa(lc.Answered))
		row("coverage", lc.Language, "coverage", opt(lc.Coverage))
	}
	for _, sec := range []struct {
		kind string
		rows []jsonChange
	}{{"rule", j.TopQuestions.Rules}, {"type", j.TopQuestions.Types}} {
		for _, c := range sec.rows {
			key := sec.kind + ":" + c.Name
			row("top_questions", key, "count", strconv.Itoa(c.Count))
			row("top_questions", key, "previous", strconv.Itoa(c.Previous))
			row("top_questions", key, "change", strconv.Itoa(c.Change))
		}
	}
}
