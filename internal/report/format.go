package report

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Format is how a report is written.
type Format string

// Formats.
const (
	// FormatText is for people: aligned tables a team lead can paste into
	// a chat (in a code block), percentages with one decimal, durations
	// like 4m30s.
	FormatText Format = "text"
	// FormatJSON is for programs: one object whose keys stay stable
	// (messages_in, conversations, answered_by_bot, handed_off, ignored,
	// top_rules [{rule, count}], unanswered [{text, count}],
	// sla_attainment 0–1, and the rest), durations in seconds, shares 0–1.
	FormatJSON Format = "json"
	// FormatCSV is for spreadsheets: one row per figure, with the columns
	// section, key, metric, value (see WriteCSV), so the whole report is one
	// table to filter or pivot.
	FormatCSV Format = "csv"
)

// Formats lists the formats, for usage texts.
var Formats = []Format{FormatText, FormatJSON, FormatCSV}

// ErrUnknownFormat means a format is not one of Formats.
var ErrUnknownFormat = errors.New("unknown report format")

// ParseFormat reads a format's name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q: want text, json or csv", ErrUnknownFormat, s)
}

// Write writes r in format f.
func Write(w io.Writer, r Report, f Format) error {
	switch f {
	case FormatText:
		return WriteText(w, r)
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatCSV:
		return WriteCSV(w, r)
	}
	return fmt.Errorf("%w %q", ErrUnknownFormat, f)
}

// outcomeLabels say in words what an outcome means for the text report.
var outcomeLabels = map[string]string{
	"answered":     "answered by the bot",
	"acknowledged": "acknowledged only",
	"asked":        "asked for details",
	"handed_off":   "handed off to people",
	"ignored":      "ignored (spam)",
	"suppressed":   "held back by the guard",
	"unanswered":   "no rule matched",
	"blocked":      "blocked by the team",
}

// maxTextWidth bounds a quoted customer text in the text report, so a
// long message does not swamp the table.
const maxTextWidth = 70

// WriteText writes the report for people.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "frontdesk report: %s to %s (%s)\n\n", r.Since.In(r.Until.Location()).Format("2006-01-02 15:04"),
		r.Until.Format("2006-01-02 15:04 MST"), periodText(r.Until.Sub(r.Since)))

	summary := table{right: []bool{false, true, true}}
	summary.add("customer messages", strconv.Itoa(r.MessagesIn), "")
	summary.add("conversations", strconv.Itoa(r.Conversations), "")
	for _, o := range r.Outcomes {
		label := cmp.Or(outcomeLabels[o.Name], o.Name, "(no outcome)")
		summary.add("  "+label, strconv.Itoa(o.Count), percent(Share(o.Count, r.MessagesIn), r.MessagesIn > 0))
	}
	summary.add("customers blocked by the team", strconv.Itoa(r.BlockedCustomers), "")
	summary.write(&b)

	for _, sec := range []struct {
		title string
		rows  []Count
	}{{"Top rules", r.TopRules}, {"Top keyword groups", r.TopKeywordGroups}, {"Top tags", r.TopTags}} {
		fmt.Fprintf(&b, "\n%s (messages)\n", sec.title)
		if len(sec.rows) == 0 {
			b.WriteString("  none\n")
			continue
		}
		t := table{indent: "  ", right: []bool{false, true}}
		for _, c := range sec.rows {
			t.add(c.Name, strconv.Itoa(c.Count))
		}
		t.write(&b)
	}

	b.WriteString("\nUnanswered: the most frequent messages no FAQ rule answered\n")
	if len(r.Unanswered) == 0 {
		b.WriteString("  none\n")
	} else {
		t := table{indent: "  ", right: []bool{true, false}}
		for _, c := range r.Unanswered {
			t.add(strconv.Itoa(c.Count), strconv.Quote(truncate(c.Name, maxTextWidth)))
		}
		t.write(&b)
	}

	b.WriteString("\nUnanswered, grouped by shared words: what to add to the rules\n")
	if len(r.Clusters) == 0 {
		b.WriteString("  none\n")
	}
	for _, c := range r.Clusters {
		fmt.Fprintf(&b, "  %s: %s\n", plural(c.Count, "message"), strings.Join(c.Terms, ", "))
		for _, e := range c.Examples {
			fmt.Fprintf(&b, "      %d× %s\n", e.Count, strconv.Quote(truncate(e.Name, maxTextWidth)))
		}
		b.WriteString("      " + clusterAdvice(c) + "\n")
	}

	writeHandoffsText(&b, r)
	writeDetailsText(&b, r)
	writeRoutingText(&b, r)
	writeIncidentsText(&b, r)
	writeInsightsText(&b, r)
	writeCSATText(&b, r)
	b.WriteString("\nReleased as not spam (false positives, by the rule that ignored them)\n")
	if len(r.SpamFalsePositives) == 0 {
		b.WriteString("  none\n")
	} else {
		t := table{indent: "  ", right: []bool{false, true}}
		for _, c := range r.SpamFalsePositives {
			t.add(cmp.Or(c.Name, "(type spam, no rule)"), strconv.Itoa(c.Count))
		}
		t.write(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// clusterAdvice says in one line what to add, and where.
func clusterAdvice(c Cluster) string {
	what := ""
	if len(c.Keywords) > 0 {
		what = fmt.Sprintf("keywords [%s]", strings.Join(c.Keywords, ", "))
	}
	if c.Example != "" {
		if what != "" {
			what += " or "
		}
		what += "the example " + strconv.Quote(truncate(c.Example, maxTextWidth))
	}
	if c.Rule == "" {
		return "→ no rule is close: a new rule, with " + what
	}
	return fmt.Sprintf("→ likely rule %q: add %s", c.Rule, what)
}

func writeHandoffsText(b *strings.Builder, r Report) {
	rows := append(append([]HandoffStats(nil), r.ByPriority...), r.Handoffs)
	name := func(h HandoffStats) string { return cmp.Or(h.Priority, "all") }

	b.WriteString("\nHandoffs: first response (an agent's first message to the customer)\n")
	fr := table{indent: "  ", header: []string{"priority", "opened", "answered", "p50", "p90", "within SLA", ""}, right: []bool{false, true, true, true, true, true, true}}
	for _, h := range rows {
		met, pct := slaText(h.SLA)
		fr.add(name(h), strconv.Itoa(h.Opened), strconv.Itoa(h.Replied), pNText(h.FirstResponse, 50), pNText(h.FirstResponse, 90), met, pct)
	}
	fr.write(b)

	b.WriteString("\nHandoffs: resolution (opened to closed) and escalation\n")
	res := table{indent: "  ", header: []string{"priority", "closed", "p50", "p90", "escalated", ""}, right: []bool{false, true, true, true, true, true}}
	for _, h := range rows {
		res.add(name(h), strconv.Itoa(h.Closed), pNText(h.Resolution, 50), pNText(h.Resolution, 90),
			strconv.Itoa(h.Escalated), percent(h.EscalationShare(), h.Opened > 0))
	}
	res.write(b)

	b.WriteString("\nHandoffs: first responses by agent\n")
	if len(r.ByAgent) == 0 {
		b.WriteString("  none\n")
	} else {
		ag := table{indent: "  ", header: []string{"agent", "answered", "p50", "p90", "within SLA", ""}, right: []bool{false, true, true, true, true, true}}
		names := agentNames(r.ByAgent)
		for i, a := range r.ByAgent {
			met, pct := slaText(a.SLA)
			ag.add(names[i], strconv.Itoa(a.Answered), pNText(a.FirstResponse, 50), pNText(a.FirstResponse, 90), met, pct)
		}
		ag.write(b)
	}

	writeAgentWork(b, r)

	if v, ok := r.Handoffs.SLA.Attainment(); ok {
		verdict := "met"
		if v < SLATarget {
			verdict = "not met"
		}
		fmt.Fprintf(b, "\nSLA attainment %s (%d of %d handoffs whose SLA is decided); target %s: %s\n",
			percent(v, true), r.Handoffs.SLA.Met, r.Handoffs.SLA.Decided, percent(SLATarget, true), verdict)
	} else {
		fmt.Fprintf(b, "\nSLA attainment: no handoff's SLA is decided yet; target %s\n", percent(SLATarget, true))
	}
	for _, c := range []struct {
		label string
		h     HandoffStats
	}{{"public mentions (groups, channels)", r.Public}, {"private messages", r.Private}} {
		fmt.Fprintf(b, "  %s: %s\n", c.label, slaVerdict(c.h))
	}

	fmt.Fprintf(b, "\nBy day (messages; handoffs by the day they opened, first response, %s)\n", r.Until.Format("MST"))
	daily := table{indent: "  ", header: []string{"day", "messages", "opened", "answered", "p50", "p90", "within SLA", ""}, right: []bool{false, true, true, true, true, true, true, true}}
	for _, d := range r.Daily {
		met, pct := slaText(d.SLA)
		daily.add(d.Day.Format("Mon 2006-01-02"), strconv.Itoa(d.Messages), strconv.Itoa(d.Opened), strconv.Itoa(d.Replied),
			pNText(d.FirstResponse, 50), pNText(d.FirstResponse, 90), met, pct)
	}
	daily.write(b)
}

// agentNames shows agents by name, and by account too where two share a
// name, so the two rows are not read as one person's.
func agentNames(as []AgentStats) []string {
	seen := map[string]int{}
	for _, a := range as {
		seen[a.Name]++
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = cmp.Or(a.Name, a.ID)
		if seen[a.Name] > 1 || a.Name == "" {
			out[i] = cmp.Or(a.Name, "?") + " (" + a.ID + ")"
		}
	}
	return out
}

// slaVerdict says how a set of handoffs did against SLATarget in one line.
func slaVerdict(h HandoffStats) string {
	v, ok := h.SLA.Attainment()
	if !ok {
		return fmt.Sprintf("%s opened, no SLA decided yet", plural(h.Opened, "handoff"))
	}
	verdict := "met"
	if v < SLATarget {
		verdict = "not met"
	}
	return fmt.Sprintf("%s (%d of %d decided, %s opened): %s", percent(v, true), h.SLA.Met, h.SLA.Decided, plural(h.Opened, "handoff"), verdict)
}

func slaText(s SLA) (met, pct string) {
	v, ok := s.Attainment()
	if !ok {
		return "-", ""
	}
	return fmt.Sprintf("%d of %d", s.Met, s.Decided), percent(v, true)
}

func pNText(p Percentiles, n int) string {
	if p.N == 0 {
		return "-"
	}
	if n == 50 {
		return durationText(p.P50)
	}
	return durationText(p.P90)
}

// percent writes a share with one decimal, or "-" when it is undefined.
func percent(v float64, defined bool) string {
	if !defined {
		return "-"
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// durationText writes a duration to the second the way people read it:
// 4m30s, 1h, 26h5m.
func durationText(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// periodText writes a period in days when it is whole days, as --since
// takes it.
func periodText(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return durationText(d)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// table aligns columns: text left, numbers right (right[i]), two spaces
// apart, each line indented. Widths count runes, which is right for
// everything but wide (CJK) characters, and those only appear in the last
// column.
type table struct {
	indent string
	header []string
	right  []bool
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	all := t.rows
	if t.header != nil {
		all = append([][]string{t.header}, t.rows...)
	}
	var widths []int
	for _, row := range all {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range all {
		var line strings.Builder
		line.WriteString(t.indent)
		for i, c := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i < len(t.right) && t.right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}

// The JSON form. Its keys are an interface (the dashboard reads them):
// add keys, do not rename or remove them.
type (
	jsonReport struct {
		Since              time.Time       `json:"since"`
		Until              time.Time       `json:"until"`
		MessagesIn         int             `json:"messages_in"`
		Conversations      int             `json:"conversations"`
		AnsweredByBot      int             `json:"answered_by_bot"`
		HandedOff          int             `json:"handed_off"`
		Ignored            int             `json:"ignored"`
		Blocked            int             `json:"blocked"`
		BlockedCustomers   int             `json:"blocked_customers"`
		AnsweredByBotShare float64         `json:"answered_by_bot_share"`
		HandedOffShare     float64         `json:"handed_off_share"`
		IgnoredShare       float64         `json:"ignored_share"`
		Outcomes           []jsonOutcome   `json:"outcomes"`
		TopRules           []jsonRule      `json:"top_rules"`
		TopKeywordGroups   []jsonGroup     `json:"top_keyword_groups"`
		TopTags            []jsonTag       `json:"top_tags"`
		Unanswered         []jsonText      `json:"unanswered"`
		UnansweredClusters []jsonCluster   `json:"unanswered_clusters"`
		SLAAttainment      *float64        `json:"sla_attainment"` // null when no handoff's SLA is decided
		SLATarget          float64         `json:"sla_target"`
		EscalationShare    float64         `json:"escalation_share"`
		Handoffs           jsonHandoffs    `json:"handoffs"`
		ByPriority         []jsonHandoffs  `json:"handoffs_by_priority"`
		SLAByChannel       jsonChannels    `json:"sla_by_channel"`
		ByAgent            []jsonAgent     `json:"first_responses_by_agent"`
		AgentWork          []jsonAgentWork `json:"agents"`
		Daily              []jsonDay       `json:"daily"`
		// Issue 20: handoffs that asked for details first.
		NeededDetails      int      `json:"handoffs_needed_details"`
		NeededDetailsShare *float64 `json:"handoffs_needed_details_share"` // null when there were no handoffs

		// Issue 22: types, sentiment, coverage, top questions.
		Types                     map[string]int      `json:"types"`     // every type id, zeros included
		Untyped                   int                 `json:"untyped"`   // decided before types were kept
		Sentiment                 map[string]int      `json:"sentiment"` // negative, neutral, positive
		TypesByDay                []jsonDayCounts     `json:"types_by_day"`
		SentimentByDay            []jsonDayCounts     `json:"sentiment_by_day"`
		SentimentByType           map[string]jsonMood `json:"sentiment_by_type"`
		SentimentByRule           []jsonRuleMood      `json:"sentiment_by_rule"`
		MostNegativeConversations []jsonNegative      `json:"most_negative_conversations"`
		Coverage                  *float64            `json:"coverage"` // null when there were no inquiries
		CoverageTarget            float64             `json:"coverage_target"`
		CoverageByLanguage        []jsonLangCoverage  `json:"coverage_by_language"`
		TopQuestions              jsonTopQuestions    `json:"top_questions"`

		// Issue 20: routing by team, language and hours.
		Routing jsonRouting `json:"routing"`

		// Messages released as not spam in the period, per rule that had
		// ignored them (rule "" when only the type said spam).
		SpamFalsePositives []jsonRule `json:"spam_false_positives"`

		// Issue 20: customer satisfaction (csat.go). csat is the
		// period's average rating, null when nobody rated.
		CSAT                  *float64            `json:"csat"`
		CSATResponses         int                 `json:"csat_responses"`
		CSATCounts            [chat.RatingMax]int `json:"csat_counts"` // ratings 1 to 5
		CSATByTeam            []jsonCSATGroup     `json:"csat_by_team"`
		CSATByAgent           []jsonCSATGroup     `json:"csat_by_agent"`
		Solved                jsonSolved          `json:"solved"`
		FAQHelpful            []jsonHelpful       `json:"faq_helpful"`
		CSATComments          []jsonComment       `json:"csat_comments"`
		SolvedByBotAlone      int                 `json:"solved_by_bot_alone"`
		SolvedByBotAloneShare float64             `json:"solved_by_bot_alone_share"`
		// Incidents opened in the period: durations, customers affected.
		Incidents jsonIncidents `json:"incidents"`
	}
	jsonDayCounts struct {
		Date   string         `json:"date"`
		Counts map[string]int `json:"counts"`
	}
	jsonMood struct {
		Negative int `json:"negative"`
		Neutral  int `json:"neutral"`
		Positive int `json:"positive"`
	}
	jsonRuleMood struct {
		Rule string `json:"rule"`
		jsonMood
	}
	jsonNegative struct {
		ConversationID int64   `json:"conversation_id"`
		LowestScore    float64 `json:"lowest_score"`
		Negative       int     `json:"negative_messages"`
	}
	jsonLangCoverage struct {
		Language  string   `json:"language"`
		Inquiries int      `json:"inquiries"`
		Answered  int      `json:"answered"`
		Coverage  *float64 `json:"coverage"`
	}
	jsonTopQuestions struct {
		Rules []jsonChange `json:"rules"`
		Types []jsonChange `json:"types"`
	}
	jsonChange struct {
		Name     string `json:"name"`
		Count    int    `json:"count"`
		Previous int    `json:"previous"`
		Change   int    `json:"change"`
	}
	jsonCluster struct {
		Count             int        `json:"count"`
		Examples          []jsonText `json:"examples"`
		Terms             []string   `json:"terms"`
		Rule              string     `json:"rule"` // "" when a new rule is suggested
		SuggestedKeywords []string   `json:"suggested_keywords"`
		SuggestedExample  string     `json:"suggested_example"`
	}
	jsonOutcome struct {
		Outcome string  `json:"outcome"`
		Count   int     `json:"count"`
		Share   float64 `json:"share"`
	}
	jsonRule struct {
		Rule  string `json:"rule"`
		Count int    `json:"count"`
	}
	jsonGroup struct {
		Group string `json:"group"`
		Count int    `json:"count"`
	}
	jsonTag struct {
		Tag   string `json:"tag"`
		Count int    `json:"count"`
	}
	jsonText struct {
		Text  string `json:"text"`
		Count int    `json:"count"`
	}
	jsonHandoffs struct {
		Priority        string   `json:"priority,omitempty"`
		Opened          int      `json:"opened"`
		Replied         int      `json:"answered"`
		Closed          int      `json:"closed"`
		Escalated       int      `json:"escalated"`
		EscalationShare float64  `json:"escalation_share"`
		SLAMet          int      `json:"sla_met"`
		SLADecided      int      `json:"sla_decided"`
		SLAAttainment   *float64 `json:"sla_attainment"`
		FirstP50        *float64 `json:"first_response_p50_seconds"`
		FirstP90        *float64 `json:"first_response_p90_seconds"`
		ResolutionP50   *float64 `json:"resolution_p50_seconds"`
		ResolutionP90   *float64 `json:"resolution_p90_seconds"`
	}
	// jsonChannels splits the SLA by where the conversation is.
	jsonChannels struct {
		Public  jsonChannelSLA `json:"public"`  // groups and channels
		Private jsonChannelSLA `json:"private"` // private chats
	}
	jsonChannelSLA struct {
		Opened     int      `json:"opened"`
		Met        int      `json:"met"`
		Decided    int      `json:"decided"`
		Attainment *float64 `json:"attainment"` // null when none is decided
	}
	jsonAgent struct {
		ID            string   `json:"agent_id"`
		Name          string   `json:"agent"`
		Answered      int      `json:"answered"`
		SLAMet        int      `json:"sla_met"`
		SLADecided    int      `json:"sla_decided"`
		SLAAttainment *float64 `json:"sla_attainment"`
		FirstP50      *float64 `json:"first_response_p50_seconds"`
		FirstP90      *float64 `json:"first_response_p90_seconds"`
	}
	jsonDay struct {
		Date          string   `json:"date"`
		Messages      int      `json:"messages"`
		Opened        int      `json:"opened"`
		Replied       int      `json:"answered"`
		SLAMet        int      `json:"sla_met"`
		SLADecided    int      `json:"sla_decided"`
		SLAAttainment *float64 `json:"sla_attainment"`
		FirstP50      *float64 `json:"first_response_p50_seconds"`
		FirstP90      *float64 `json:"first_response_p90_seconds"`
	}
)

func attainment(s SLA) *float64 {
	if v, ok := s.Attainment(); ok {
		return &v
	}
	return nil
}

func seconds(p Percentiles, pct int) *float64 {
	if p.N == 0 {
		return nil
	}
	d := p.P50
	if pct == 90 {
		d = p.P90
	}
	v := d.Seconds()
	return &v
}

func jsonHandoffStats(h HandoffStats) jsonHandoffs {
	return jsonHandoffs{Priority: h.Priority, Opened: h.Opened, Replied: h.Replied, Closed: h.Closed, Escalated: h.Escalated,
		EscalationShare: h.EscalationShare(), SLAMet: h.SLA.Met, SLADecided: h.SLA.Decided, SLAAttainment: attainment(h.SLA),
		FirstP50: seconds(h.FirstResponse, 50), FirstP90: seconds(h.FirstResponse, 90),
		ResolutionP50: seconds(h.Resolution, 50), ResolutionP90: seconds(h.Resolution, 90)}
}

func jsonChannelStats(h HandoffStats) jsonChannelSLA {
	return jsonChannelSLA{Opened: h.Opened, Met: h.SLA.Met, Decided: h.SLA.Decided, Attainment: attainment(h.SLA)}
}

func toJSON(r Report) jsonReport {
	j := jsonReport{
		Since: r.Since, Until: r.Until, MessagesIn: r.MessagesIn, Conversations: r.Conversations,
		AnsweredByBot: r.AnsweredByBot, HandedOff: r.HandedOff, Ignored: r.Ignored, Blocked: r.Blocked, BlockedCustomers: r.BlockedCustomers,
		AnsweredByBotShare: Share(r.AnsweredByBot, r.MessagesIn), HandedOffShare: Share(r.HandedOff, r.MessagesIn),
		IgnoredShare: Share(r.Ignored, r.MessagesIn),
		// Lists are [] rather than null when empty.
		Outcomes: []jsonOutcome{}, TopRules: []jsonRule{}, TopKeywordGroups: []jsonGroup{}, TopTags: []jsonTag{},
		Unanswered: []jsonText{}, UnansweredClusters: []jsonCluster{}, ByPriority: []jsonHandoffs{}, ByAgent: []jsonAgent{}, Daily: []jsonDay{},
		SLAAttainment: attainment(r.Handoffs.SLA), SLATarget: SLATarget, EscalationShare: r.Handoffs.EscalationShare(),
		Handoffs:     jsonHandoffStats(r.Handoffs),
		SLAByChannel: jsonChannels{Public: jsonChannelStats(r.Public), Private: jsonChannelStats(r.Private)},
	}
	for _, o := range r.Outcomes {
		j.Outcomes = append(j.Outcomes, jsonOutcome{Outcome: o.Name, Count: o.Count, Share: Share(o.Count, r.MessagesIn)})
	}
	for _, c := range r.TopRules {
		j.TopRules = append(j.TopRules, jsonRule{Rule: c.Name, Count: c.Count})
	}
	for _, c := range r.TopKeywordGroups {
		j.TopKeywordGroups = append(j.TopKeywordGroups, jsonGroup{Group: c.Name, Count: c.Count})
	}
	for _, c := range r.TopTags {
		j.TopTags = append(j.TopTags, jsonTag{Tag: c.Name, Count: c.Count})
	}
	for _, c := range r.Unanswered {
		j.Unanswered = append(j.Unanswered, jsonText{Text: c.Name, Count: c.Count})
	}
	for _, c := range r.Clusters {
		jc := jsonCluster{Count: c.Count, Examples: []jsonText{}, Terms: append([]string{}, c.Terms...), Rule: c.Rule,
			SuggestedKeywords: append([]string{}, c.Keywords...), SuggestedExample: c.Example}
		for _, e := range c.Examples {
			jc.Examples = append(jc.Examples, jsonText{Text: e.Name, Count: e.Count})
		}
		j.UnansweredClusters = append(j.UnansweredClusters, jc)
	}
	for _, h := range r.ByPriority {
		j.ByPriority = append(j.ByPriority, jsonHandoffStats(h))
	}
	for _, a := range r.ByAgent {
		j.ByAgent = append(j.ByAgent, jsonAgent{ID: a.ID, Name: a.Name, Answered: a.Answered, SLAMet: a.SLA.Met, SLADecided: a.SLA.Decided,
			SLAAttainment: attainment(a.SLA), FirstP50: seconds(a.FirstResponse, 50), FirstP90: seconds(a.FirstResponse, 90)})
	}
	j.AgentWork = agentWorkJSON(r)
	addInsightsJSON(&j, r.Insights)
	addCSATJSON(&j, r)
	addDetailsJSON(&j, r)
	j.Routing = routingJSON(r.Routing)
	j.Incidents = incidentsJSON(r.Incidents)
	j.SpamFalsePositives = []jsonRule{}
	for _, c := range r.SpamFalsePositives {
		j.SpamFalsePositives = append(j.SpamFalsePositives, jsonRule{Rule: c.Name, Count: c.Count})
	}
	for _, d := range r.Daily {
		j.Daily = append(j.Daily, jsonDay{Date: d.Day.Format(time.DateOnly), Messages: d.Messages, Opened: d.Opened, Replied: d.Replied,
			SLAMet: d.SLA.Met, SLADecided: d.SLA.Decided, SLAAttainment: attainment(d.SLA),
			FirstP50: seconds(d.FirstResponse, 50), FirstP90: seconds(d.FirstResponse, 90)})
	}
	return j
}

// WriteJSON writes the report as one indented JSON object.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(toJSON(r))
}

// WriteCSV writes one row per figure under the header
// section,key,metric,value:
//
//	summary      ""                 messages_in, conversations, answered_by_bot,
//	                                handed_off, ignored, their _share, sla_attainment,
//	                                sla_target, escalation_share, handoffs_needed_details,
//	                                handoffs_needed_details_share
//	outcome      the outcome        count, share
//	top_rules, top_keyword_groups, top_tags, unanswered
//	             rule, group, tag   count
//	             or text
//	unanswered_clusters
//	             rank (1, 2, …)     count, terms, rule, suggested_keywords,
//	                                suggested_example (lists joined by "; ")
//	handoffs     priority or "all"  opened, answered, closed, escalated, escalation_share,
//	                                sla_met, sla_decided, sla_attainment,
//	                                first_response_p50_seconds, …_p90_seconds,
//	                                resolution_p50_seconds, …_p90_seconds
//	sla_by_channel
//	             public or private  opened, met, decided, attainment
//	agents       the account        agent (its name), answered, sla_met, sla_decided,
//	                                sla_attainment, first_response_p50_seconds, …_p90_seconds
//	types, sentiment
//	             the type or sentiment  count
//	types_by_day, sentiment_by_day
//	             the date           one metric per type or sentiment
//	sentiment_by_type, sentiment_by_rule
//	             type or rule       negative, neutral, positive
//	most_negative_conversations
//	             conversation id    lowest_score, negative_messages
//	coverage     "all" or language  inquiries (per language), answered, coverage, coverage_target ("all")
//	top_questions
//	             rule:ID or type:ID count, previous, change
//	spam_false_positives
//	             the rule           count (messages released as not spam)
//	routing      "all"              handoffs, out_of_hours, out_of_hours_share
//	routing_by_team, routing_by_language
//	             team or language   handoffs, out_of_hours, out_of_hours_share
//	incidents    "all"              count, open, customers_affected, duration_p50_seconds, …_p90_seconds
//	             the incident's id  team, rule, owner, started_at, resolved_at, duration_seconds,
//	                                customers, updates, updates_sent
//	daily        the date           opened, answered, sla_met, sla_decided, sla_attainment,
//	                                first_response_p50_seconds, …_p90_seconds
//
// Shares are 0–1. An undefined value (a percentile of nothing, the
// attainment with no SLA decided) is an empty cell. The values are the
// JSON form's, so the two always agree.
func WriteCSV(w io.Writer, r Report) error {
	j := toJSON(r)
	cw := csv.NewWriter(w)
	row := func(section, key, metric, value string) {
		_ = cw.Write([]string{section, spreadsheetSafe(key), metric, value}) // errors surface in cw.Error
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return num(*v)
	}
	row("section", "key", "metric", "value")
	for _, m := range []struct {
		metric string
		value  string
	}{
		{"messages_in", strconv.Itoa(j.MessagesIn)}, {"conversations", strconv.Itoa(j.Conversations)},
		{"answered_by_bot", strconv.Itoa(j.AnsweredByBot)}, {"answered_by_bot_share", num(j.AnsweredByBotShare)},
		{"handed_off", strconv.Itoa(j.HandedOff)}, {"handed_off_share", num(j.HandedOffShare)},
		{"ignored", strconv.Itoa(j.Ignored)}, {"ignored_share", num(j.IgnoredShare)},
		{"blocked", strconv.Itoa(j.Blocked)}, {"blocked_customers", strconv.Itoa(j.BlockedCustomers)},
		{"sla_attainment", opt(j.SLAAttainment)}, {"sla_target", num(j.SLATarget)},
		{"escalation_share", num(j.EscalationShare)},
		{"handoffs_needed_details", strconv.Itoa(j.NeededDetails)}, {"handoffs_needed_details_share", opt(j.NeededDetailsShare)},
		{"since", j.Since.Format(time.RFC3339)}, {"until", j.Until.Format(time.RFC3339)},
	} {
		row("summary", "", m.metric, m.value)
	}
	for _, o := range j.Outcomes {
		row("outcome", o.Outcome, "count", strconv.Itoa(o.Count))
		row("outcome", o.Outcome, "share", num(o.Share))
	}
	for _, c := range j.TopRules {
		row("top_rules", c.Rule, "count", strconv.Itoa(c.Count))
	}
	for _, c := range j.TopKeywordGroups {
		row("top_keyword_groups", c.Group, "count", strconv.Itoa(c.Count))
	}
	for _, c := range j.TopTags {
		row("top_tags", c.Tag, "count", strconv.Itoa(c.Count))
	}
	for _, c := range j.Unanswered {
		row("unanswered", c.Text, "count", strconv.Itoa(c.Count))
	}
	for i, c := range j.UnansweredClusters {
		key := strconv.Itoa(i + 1)
		row("unanswered_clusters", key, "count", strconv.Itoa(c.Count))
		row("unanswered_clusters", key, "terms", spreadsheetSafe(strings.Join(c.Terms, "; ")))
		row("unanswered_clusters", key, "rule", c.Rule)
		row("unanswered_clusters", key, "suggested_keywords", spreadsheetSafe(strings.Join(c.SuggestedKeywords, "; ")))
		row("unanswered_clusters", key, "suggested_example", spreadsheetSafe(c.SuggestedExample))
	}
	for _, h := range append(j.ByPriority, j.Handoffs) {
		key := cmp.Or(h.Priority, "all")
		for _, m := range []struct {
			metric string
			value  string
		}{
			{"opened", strconv.Itoa(h.Opened)}, {"answered", strconv.Itoa(h.Replied)}, {"closed", strconv.Itoa(h.Closed)},
			{"escalated", strconv.Itoa(h.Escalated)}, {"escalation_share", num(h.EscalationShare)},
			{"sla_met", strconv.Itoa(h.SLAMet)}, {"sla_decided", strconv.Itoa(h.SLADecided)}, {"sla_attainment", opt(h.SLAAttainment)},
			{"first_response_p50_seconds", opt(h.FirstP50)}, {"first_response_p90_seconds", opt(h.FirstP90)},
			{"resolution_p50_seconds", opt(h.ResolutionP50)}, {"resolution_p90_seconds", opt(h.ResolutionP90)},
		} {
			row("handoffs", key, m.metric, m.value)
		}
	}
	for _, c := range []struct {
		key string
		v   jsonChannelSLA
	}{{"public", j.SLAByChannel.Public}, {"private", j.SLAByChannel.Private}} {
		row("sla_by_channel", c.key, "opened", strconv.Itoa(c.v.Opened))
		row("sla_by_channel", c.key, "met", strconv.Itoa(c.v.Met))
		row("sla_by_channel", c.key, "decided", strconv.Itoa(c.v.Decided))
		row("sla_by_channel", c.key, "attainment", opt(c.v.Attainment))
	}
	for _, a := range j.ByAgent {
		for _, m := range []struct {
			metric string
			value  string
		}{
			{"agent", spreadsheetSafe(a.Name)}, {"answered", strconv.Itoa(a.Answered)},
			{"sla_met", strconv.Itoa(a.SLAMet)}, {"sla_decided", strconv.Itoa(a.SLADecided)}, {"sla_attainment", opt(a.SLAAttainment)},
			{"first_response_p50_seconds", opt(a.FirstP50)}, {"first_response_p90_seconds", opt(a.FirstP90)},
		} {
			row("agents", a.ID, m.metric, m.value)
		}
	}
	agentWorkCSV(row, j, opt)
	insightsCSV(row, j, num, opt)
	csatCSV(row, j, num, opt)
	routingCSV(row, j.Routing, num)
	incidentsCSV(row, j.Incidents, num, opt)
	for _, c := range j.SpamFalsePositives {
		row("spam_false_positives", c.Rule, "count", strconv.Itoa(c.Count))
	}
	for _, d := range j.Daily {
		for _, m := range []struct {
			metric string
			value  string
		}{
			{"messages", strconv.Itoa(d.Messages)}, {"opened", strconv.Itoa(d.Opened)}, {"answered", strconv.Itoa(d.Replied)},
			{"sla_met", strconv.Itoa(d.SLAMet)}, {"sla_decided", strconv.Itoa(d.SLADecided)}, {"sla_attainment", opt(d.SLAAttainment)},
			{"first_response_p50_seconds", opt(d.FirstP50)}, {"first_response_p90_seconds", opt(d.FirstP90)},
		} {
			row("daily", d.Date, m.metric, m.value)
		}
	}
	cw.Flush()
	return cw.Error()
}

// spreadsheetSafe keeps a customer's text from running as a formula when
// the CSV is opened in a spreadsheet (OWASP "CSV injection"): a leading
// = + - @ tab or carriage return gets a quote in front.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// plural is "1 message", "2 messages".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
