package store

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestVolumeCounts: each window is [end-1h, end) with end a whole number of
// weeks before until; messages just outside a window are not counted, and
// a message is counted once per rule, type and sentiment.
func TestVolumeCounts(t *testing.T) {
	const week = 7 * 24 * time.Hour
	until := t0.Add(4*week + 10*time.Hour)
	eachDB(t, func(t *testing.T, s *Store) {
		plan := func(typ chat.MessageType, mood chat.Sentiment, rule string) chat.Plan {
			return chat.Plan{Outcome: chat.OutcomeAnswered, Insight: chat.Insight{Type: typ, Sentiment: mood},
				Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: rule, Text: rule + " answer"}}}}
		}
		for i, m := range []struct {
			at   time.Time
			typ  chat.MessageType
			mood chat.Sentiment
			rule string
		}{
			{until.Add(-4*week - time.Hour), chat.TypeInquiry, chat.SentimentNeutral, "price"},      // window 4, its first instant
			{until.Add(-1*week - 10*time.Minute), chat.TypeInquiry, chat.SentimentNeutral, "price"}, // window 1
			{until.Add(-1*week + 10*time.Minute), chat.TypeInquiry, chat.SentimentNeutral, "price"}, // after window 1
			{until.Add(-2 * time.Hour), chat.TypeAfterSales, chat.SentimentNegative, "refund"},      // before window 0
			{until.Add(-time.Hour), chat.TypeAfterSales, chat.SentimentNegative, "refund"},          // window 0
			{until.Add(-time.Minute), chat.TypeAfterSales, chat.SentimentNegative, "refund"},        // window 0
			{until, chat.TypeAfterSales, chat.SentimentNegative, "refund"},                          // after window 0
		} {
			id := string(rune('a' + i))
			decideAt(t, s, event(id, "9"+id, "refund for order 12345 "+id), m.at, plan(m.typ, m.mood, m.rule))
		}
		got, err := s.VolumeCounts(context.Background(), until, time.Hour, week, 4)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b chat.VolumeCount) int {
			return strings.Compare(string(a.Kind)+a.Name+string(rune('0'+a.WeeksAgo)), string(b.Kind)+b.Name+string(rune('0'+b.WeeksAgo)))
		})
		want := []chat.VolumeCount{
			{Kind: chat.SpikeRule, Name: "price", WeeksAgo: 1, Count: 1},
			{Kind: chat.SpikeRule, Name: "price", WeeksAgo: 4, Count: 1},
			{Kind: chat.SpikeRule, Name: "refund", WeeksAgo: 0, Count: 2},
			{Kind: chat.SpikeSentiment, Name: "negative", WeeksAgo: 0, Count: 2},
			{Kind: chat.SpikeSentiment, Name: "neutral", WeeksAgo: 1, Count: 1},
			{Kind: chat.SpikeSentiment, Name: "neutral", WeeksAgo: 4, Count: 1},
			{Kind: chat.SpikeType, Name: "after_sales", WeeksAgo: 0, Count: 2},
			{Kind: chat.SpikeType, Name: "inquiry", WeeksAgo: 1, Count: 1},
			{Kind: chat.SpikeType, Name: "inquiry", WeeksAgo: 4, Count: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("VolumeCounts:\n got %+v\nwant %+v", got, want)
		}

		for _, tc := range []struct {
			kind chat.SpikeKind
			name string
			want []string
		}{
			{chat.SpikeRule, "refund", []string{"refund for order 12345 f", "refund for order 12345 e"}},
			{chat.SpikeType, "after_sales", []string{"refund for order 12345 f", "refund for order 12345 e"}},
			{chat.SpikeSentiment, "negative", []string{"refund for order 12345 f", "refund for order 12345 e"}},
			{chat.SpikeRule, "price", nil},
		} {
			ex, err := s.VolumeExamples(context.Background(), tc.kind, tc.name, until.Add(-time.Hour), until, 3)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ex, tc.want) {
				t.Errorf("VolumeExamples(%s %s) = %q, want %q", tc.kind, tc.name, ex, tc.want)
			}
		}
	})
}

// TestSpikeOpensOnce: a volume has one open spike at most, and only the
// start that opened it queues the alert; once ended, it may start again.
func TestSpikeOpensOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		sp := chat.Spike{Kind: chat.SpikeRule, Name: "outage", Team: "support", Count: 40, Usual: 2}
		alert := []chat.Notice{{Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Text: "Spike · rule outage"}}
		notices := func() int {
			var n int
			if err := s.readGet(ctx, &n, `SELECT COUNT(*) FROM outbox WHERE action = 'notice' AND chat_id = '-100'`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for i, step := range []struct {
			start   bool // start, else end the open one
			want    bool
			open    int
			notices int
		}{
			{start: true, want: true, open: 1, notices: 1},
			{start: true, want: false, open: 1, notices: 1}, // another replica saw it too
			{start: false, want: true, open: 0, notices: 1},
			{start: false, want: false, open: 0, notices: 1}, // ended already
			{start: true, want: true, open: 1, notices: 2},   // it starts again
		} {
			var got bool
			var err error
			if step.start {
				got, err = s.StartSpike(ctx, sp, alert, t0.Add(time.Duration(i)*time.Minute))
			} else {
				var open []chat.Spike
				if open, err = s.OpenSpikes(ctx); err != nil {
					t.Fatal(err)
				}
				id := int64(1)
				if len(open) > 0 {
					id = open[0].ID
				}
				got, err = s.EndSpike(ctx, id, t0.Add(time.Duration(i)*time.Minute))
			}
			if err != nil {
				t.Fatal(err)
			}
			open, err := s.OpenSpikes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != step.want || len(open) != step.open || notices() != step.notices {
				t.Fatalf("step %d: got %v with %d open and %d notices, want %v, %d, %d", i, got, len(open), notices(), step.want, step.open, step.notices)
			}
			if len(open) == 1 && (open[0].Team != "support" || open[0].Count != 40 || open[0].Usual != 2 || open[0].Name != "outage") {
				t.Fatalf("step %d: open spike %+v", i, open[0])
			}
		}
	})
}
