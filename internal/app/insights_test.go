package app

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/report"
)

// Every customer message's type and sentiment reach the metrics and are
// stored with its decision, so the report counts them.
func TestTypesAndSentimentAreCountedAndStored(t *testing.T) {
	h := newHarness(t)
	for i, text := range []string{
		"My parcel arrived broken, this is terrible!", // after_sales, negative
		"how do I get a refund",                       // the refund rule: after_sales by its cue
		"Do you sell wholesale? We are a distributor", // business
		"hi", // chitchat
	} {
		if code := h.post(update(int64(i+1), int64(500+i), "en", text), secret); code != 200 {
			t.Fatalf("webhook answered %d", code)
		}
	}
	h.waitIdle(h.app.Store())
	h.waitMetrics(
		`frontdesk_messages_by_type_total{type="after_sales"} 2`,
		`frontdesk_messages_by_type_total{type="business"} 1`,
		`frontdesk_messages_by_type_total{type="chitchat"} 1`,
		`frontdesk_messages_by_type_total{type="spam"} 0`,
		`frontdesk_sentiment_total{sentiment="negative"} 1`,
	)
	now := time.Now()
	r, err := report.Build(context.Background(), h.app.Store(), now.Add(-time.Hour), now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range r.Insights.Types {
		got[c.Name] = c.Count
	}
	if got["after_sales"] != 2 || got["business"] != 1 || got["chitchat"] != 1 || r.Insights.Untyped != 0 {
		t.Errorf("stored types %v (untyped %d), want 2 after_sales, 1 business, 1 chitchat", got, r.Insights.Untyped)
	}
	if r.Insights.Sentiment[0].Name != "negative" || r.Insights.Sentiment[0].Count != 1 {
		t.Errorf("stored sentiment %v, want one negative", r.Insights.Sentiment)
	}
	if len(r.Insights.MostNegative) != 1 {
		t.Errorf("most negative conversations %v, want the broken parcel's", r.Insights.MostNegative)
	}
}
