package dashboard

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/report"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

var now = time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)

func sample(since, until time.Time) report.Report {
	r := report.Report{Since: since, Until: until, MessagesIn: 17, Conversations: 13, AnsweredByBot: 2, HandedOff: 6, Ignored: 1,
		Outcomes:   []report.Count{{Name: "answered", Count: 2}, {Name: "handed_off", Count: 6}},
		TopRules:   []report.Count{{Name: "human", Count: 3}, {Name: "refund", Count: 2}},
		Unanswered: []report.Count{{Name: `<script>alert("x")</script> gift cards?`, Count: 3}},
		Clusters: []report.Cluster{{Count: 5, Terms: []string{"delivry"}, Rule: "shipping", Keywords: []string{"delivry"},
			Examples: []report.Count{{Name: `<script>alert("y")</script> delivry?`, Count: 3}}, Example: "where is my delivry"}},
		Handoffs: report.HandoffStats{Opened: 6, SLA: report.SLA{Met: 2, Decided: 4}},
	}
	for d := midnight(since); d.Before(until); d = d.AddDate(0, 0, 1) {
		r.Daily = append(r.Daily, report.DayStats{Day: d, Messages: d.Day()})
	}
	r.Insights = insights(r.Daily)
	r.CSAT = report.CSAT{Overall: report.Ratings{Counts: [5]int{0, 1, 0, 1, 2}},
		ByTeam:   []report.Ratings{{Name: "support", Counts: [5]int{0, 1, 0, 1, 2}}},
		ByAgent:  []report.Ratings{{ID: "telegram:7", Name: "Anna", Counts: [5]int{0, 0, 0, 1, 2}}, {ID: "telegram:8", Name: "Bob", Counts: [5]int{0, 1}}},
		Helpful:  []report.Helpful{{Rule: "invoice", Up: 3, Down: 1}},
		Comments: []store.FeedbackComment{{Rating: 4, Agent: "Anna", Text: `<b>great</b>, mail [email]`}}, BotOnly: 2}
	return r
}

// insights are a week of types and sentiment: one inquiry a day, and on
// the last day three inquiries and two complaints, both angry; 8 days.
func insights(daily []report.DayStats) report.Insights {
	in := report.Insights{
		Types: counts(map[string]int{"after_sales": 2, "inquiry": 10}, chat.MessageTypes), Untyped: 2,
		Sentiment: counts(map[string]int{"negative": 2, "neutral": 10}, chat.Sentiments),
		SentimentByType: []report.Mood{{Name: "after_sales", Negative: 2}, {Name: "inquiry", Neutral: 10}, {Name: "business"},
			{Name: "praise"}, {Name: "chitchat"}, {Name: "spam"}},
		SentimentByRule: []report.Mood{{Name: "refund", Negative: 2, Neutral: 1}, {Name: "shipping", Neutral: 3}},
		MostNegative:    []store.ConversationMood{{ConversationID: 42, Lowest: -0.85, Negative: 2}},
		Coverage: report.Coverage{Inquiries: 10, Answered: 7, ByLanguage: []report.LanguageCoverage{
			{Language: "en", Inquiries: 7, Answered: 6}, {Language: "ru", Inquiries: 3, Answered: 1}}},
		TopQuestions: report.TopQuestions{
			Rules: []report.Change{{Name: "refund", Count: 5, Previous: 2}, {Name: "shipping", Count: 3, Previous: 7}, {Name: "human", Count: 1, Previous: 1}},
			Types: []report.Change{{Name: "inquiry", Count: 10, Previous: 0}},
		},
	}
	for i, d := range daily {
		types, moods := map[string]int{"inquiry": 1}, map[string]int{"neutral": 1}
		if i == len(daily)-1 {
			types, moods = map[string]int{"inquiry": 3, "after_sales": 2}, map[string]int{"neutral": 3, "negative": 2}
		}
		in.TypesByDay = append(in.TypesByDay, report.DayCounts{Day: d.Day, Counts: counts(types, chat.MessageTypes)})
		in.SentimentByDay = append(in.SentimentByDay, report.DayCounts{Day: d.Day, Counts: counts(moods, chat.Sentiments)})
	}
	return in
}

// counts lists every name in order, zeros included, as the report does.
func counts[T ~string](m map[string]int, order []T) []report.Count {
	out := make([]report.Count, len(order))
	for i, name := range order {
		out[i] = report.Count{Name: string(name), Count: m[string(name)]}
	}
	return out
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func TestDashboard(t *testing.T) {
	var asked time.Duration
	failing := false
	h := New(func(_ context.Context, since, until time.Time) (report.Report, error) {
		asked = until.Sub(since)
		if failing {
			return report.Report{}, errors.New("dial tcp 10.0.0.5:5432: refused")
		}
		return sample(since, until), nil
	}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tests := []struct {
		name     string
		path     string
		failing  bool
		want     int
		period   time.Duration
		contains []string
		lacks    []string
		// sections: what the section of that id holds, or does not
		sections, sectionLacks map[string][]string
	}{
		{name: "the last 7 days by default", path: "/", want: 200, period: 7 * 24 * time.Hour, contains: []string{
			`<b id="messages-in">17</b>`, `aria-label="customer messages per day"`, `<title>Fri Nov 20: 20</title>`,
			`id="sla-value" class="bad"`, `50.0%`, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; gift cards?`,
			`<td>human</td><td class="n">3</td>`, `style="width:100.00%"`, `style="width:66.67%"`, `href="?since=30d"`,
			`rule <b>shipping</b>`, `keywords: delivry`, `3× &lt;script&gt;alert(&#34;y&#34;)&lt;/script&gt; delivry?`,
		}, lacks: []string{`<script>`}, sections: map[string][]string{
			"csat": {`<b id="csat-value" style="font-size:26px">4.00</b> of 5, from 4 ratings`, `<td>5 ★</td><td class="n">2</td>`,
				`<td>1 ★</td><td class="n">0</td>`, `<td>Anna (telegram:7)</td><td class="n">3</td>`, `title="average rating">4.67</td>`,
				`<td>support</td><td class="n">4</td>`, `title="3 👍"`, `75.0% 👍`, `&lt;b&gt;great&lt;/b&gt;, mail [email]`,
				`<b id="bot-alone">15.4%</b>`},
			"types-by-day": {`aria-label="customer messages per day by type"`, `<title>Fri Nov 20, inquiry: 3</title>`,
				`<title>Fri Nov 20, after_sales: 2</title>`, `<title>Thu Nov 19, inquiry: 1</title>`,
				`<i style="background:#3d6fd8"></i>inquiry <b>10</b>`, `after_sales <b>2</b>`, `business <b>0</b>`,
				`praise <b>0</b>`, `chitchat <b>0</b>`, `spam <b>0</b>`, `<td class="n">5</td>`,
				`2 messages were decided before types were kept.`},
			"sentiment-by-day": {`aria-label="customer messages per day by sentiment"`, `<title>Fri Nov 20, negative: 2</title>`,
				`negative <b>2</b>`, `neutral <b>10</b>`, `positive <b>0</b>`},
			"type-sentiment": {`<td>inquiry</td><td class="n">10</td>`, `<td>after_sales</td><td class="n">2</td>`,
				`title="after_sales, negative: 2"`, `title="2 negative, 0 neutral, 0 positive">2 / 0 / 0</td>`, `<td>spam</td><td class="n">0</td>`},
			"coverage": {`id="coverage-value" class="bad"`, `70.0%`, `of 10 inquiries answered by a rule without a handoff (target 80.0%)`,
				`aria-label="FAQ coverage: 70.0%, target 80.0%"`, `<rect x="80.00"`, `<td>en</td><td class="n ok">85.7%</td>`,
				`<td>ru</td><td class="n bad">33.3%</td>`, `aria-label="FAQ coverage, ru: 33.3%, target 80.0%"`},
			"top-questions": {`<td>refund</td><td class="n">5</td>`, `title="2 in the previous period">▲ 3</td>`,
				`title="7 in the previous period">▼ 4</td>`, `title="1 in the previous period">= 0</td>`,
				`<td>inquiry</td><td class="n">10</td>`, `title="0 in the previous period">▲ 10</td>`},
			"negative-rules":         {`<td>refund</td><td class="n">3</td>`, `title="refund, negative: 2"`, `>2 / 1 / 0</td>`},
			"negative-conversations": {`<td>42</td><td class="n">-0.85</td><td class="n">2</td>`},
		}, sectionLacks: map[string][]string{
			"negative-rules":         {`shipping`}, // no negative message
			"negative-conversations": {`refund`, `where is`},
		}},
		{name: "a chosen period", path: "/?since=30d", want: 200, period: 30 * 24 * time.Hour, contains: []string{`class="on">30d`}},
		{name: "not a period", path: "/?since=soon", want: 400},
		{name: "too long a period", path: "/?since=400d", want: 400},
		{name: "the database is down", path: "/", failing: true, want: 503, lacks: []string{"10.0.0.5"}},
		{name: "no other paths", path: "/x", want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failing, asked = tt.failing, 0
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			body := rec.Body.String()
			for _, c := range tt.contains {
				if !strings.Contains(body, c) {
					t.Errorf("page lacks %s", c)
				}
			}
			for _, l := range tt.lacks {
				if strings.Contains(body, l) {
					t.Errorf("page contains %s", l)
				}
			}
			for id, want := range tt.sections {
				sec := section(t, body, id)
				for _, c := range want {
					if !strings.Contains(sec, c) {
						t.Errorf("section %s lacks %s", id, c)
					}
				}
			}
			for id, unwanted := range tt.sectionLacks {
				sec := section(t, body, id)
				for _, c := range unwanted {
					if strings.Contains(sec, c) {
						t.Errorf("section %s contains %s", id, c)
					}
				}
			}
			if tt.period != 0 && asked != tt.period {
				t.Errorf("asked for %v, want %v", asked, tt.period)
			}
			if tt.want == 200 {
				if n := strings.Count(body, `<rect class="bar"`); n < 7 {
					t.Errorf("%d bars drawn", n)
				}
				if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
			}
		})
	}
}

// section is the HTML of the page's section of that id.
func section(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `<section id="`+id+`">`)
	if start < 0 {
		t.Fatalf("no section %s", id)
	}
	end := strings.Index(body[start:], "</section>")
	return body[start : start+end]
}

// A period with no message says so in every chart instead of drawing an
// empty one.
func TestDashboardWithNothingToChart(t *testing.T) {
	h := New(func(_ context.Context, since, until time.Time) (report.Report, error) {
		r := report.Report{Since: since, Until: until}
		for d := midnight(since); d.Before(until); d = d.AddDate(0, 0, 1) {
			r.Daily = append(r.Daily, report.DayStats{Day: d})
		}
		r.Insights = report.Insights{Types: counts(nil, chat.MessageTypes), Sentiment: counts(nil, chat.Sentiments)}
		for _, d := range r.Daily {
			r.Insights.TypesByDay = append(r.Insights.TypesByDay, report.DayCounts{Day: d.Day, Counts: counts(nil, chat.MessageTypes)})
			r.Insights.SentimentByDay = append(r.Insights.SentimentByDay, report.DayCounts{Day: d.Day, Counts: counts(nil, chat.Sentiments)})
		}
		return r, nil
	}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, tt := range []struct{ id, says string }{
		{"volume", "None in this period."},
		{"types-by-day", "None in this period."},
		{"sentiment-by-day", "None in this period."},
		{"type-sentiment", "None in this period."},
		{"coverage", `<p id="coverage-value" class="muted">No inquiry in this period: none to cover.</p>`},
		{"top-questions", "<h3>By rule</h3>\n  <p class=\"muted\">None in this period.</p>\n  <h3>By type</h3>\n  <p class=\"muted\">None in this period.</p>"},
		{"negative-rules", "None in this period."},
		{"negative-conversations", "None in this period."},
		{"csat", `<p id="csat-value" class="muted">Nobody rated a conversation in this period.</p>`},
	} {
		t.Run(tt.id, func(t *testing.T) {
			sec := section(t, body, tt.id)
			if !strings.Contains(sec, tt.says) || strings.Contains(sec, "<svg") || strings.Contains(sec, "<table") {
				t.Errorf("section %s is not empty and saying %q:\n%s", tt.id, tt.says, sec)
			}
		})
	}
}

func TestDashboardWithoutHandoffs(t *testing.T) {
	h := New(func(_ context.Context, since, until time.Time) (report.Report, error) {
		return report.Report{Since: since, Until: until}, nil
	}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "No handoff's SLA is decided") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
