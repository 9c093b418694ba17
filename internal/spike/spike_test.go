package spike

import (
	"reflect"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestJudge(t *testing.T) {
	c := Config{}
	for _, tc := range []struct {
		name    string
		count   int
		history []int
		open    bool
		want    State
	}{
		{"a quiet hour stays quiet", 3, []int{2, 1, 3, 2}, false, Quiet},
		{"a burst over a quiet past starts", 40, []int{2, 1, 3, 2}, false, Starts},
		{"under the minimum count never alerts, however quiet the past", 19, []int{0, 0, 0, 0}, false, Quiet},
		{"at the minimum count over an empty past starts", 20, []int{0, 0, 0, 0}, false, Starts},
		{"a busy hour at its usual level is quiet", 110, []int{100, 95, 105, 100}, false, Quiet},
		// Equal counts have no deviation: the spread falls back to √100 = 10,
		// so 130 is the threshold and 131 the first spike.
		{"equal past: the count noise is the floor", 130, []int{100, 100, 100, 100}, false, Quiet},
		{"equal past: above median + 3·√median starts", 131, []int{100, 100, 100, 100}, false, Starts},
		{"one wild week does not move the median", 60, []int{5, 5, 500, 5}, false, Starts},
		{"a wide past raises the bar", 60, []int{10, 50, 30, 20}, false, Quiet},
		{"an open spike lasts while well above usual", 25, []int{2, 1, 3, 2}, true, Lasts},
		{"an open spike lasts between the end and start bounds", 12, []int{5, 5, 5, 5}, true, Lasts},
		{"an open spike ends back near usual", 7, []int{5, 5, 5, 5}, true, Ends},
		{"an open spike ends under half the minimum count", 9, []int{0, 0, 0, 0}, true, Ends},
		{"an open spike ends when nothing arrives", 0, []int{2, 1, 3, 2}, true, Ends},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, level := c.Judge(tc.count, tc.history, tc.open)
			if got != tc.want {
				t.Fatalf("Judge(%d, %v, open=%v) = %v (level %+v), want %v", tc.count, tc.history, tc.open, got, level, tc.want)
			}
		})
	}
}

func TestBaseline(t *testing.T) {
	for _, tc := range []struct {
		name    string
		history []int
		want    Level
	}{
		{"empty past: spread 1", []int{0, 0, 0, 0}, Level{Median: 0, Spread: 1, Start: 3, End: 1}},
		// Deviations from 25 are 15, 25, 5, 5: their median is 10.
		{"MAD wins over the count noise", []int{10, 50, 30, 20}, Level{Median: 25, Spread: 1.4826 * 10, Start: 25 + 3*1.4826*10, End: 25 + 1.4826*10}},
		{"the count noise wins over a zero MAD", []int{16, 16, 16, 16}, Level{Median: 16, Spread: 4, Start: 28, End: 20}},
		{"odd number of weeks", []int{4, 1, 9}, Level{Median: 4, Spread: max(1.4826*3, 2), Start: 4 + 3*1.4826*3, End: 4 + 1.4826*3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Config{}).Baseline(tc.history); !near(got, tc.want) {
				t.Fatalf("Baseline(%v) = %+v, want %+v", tc.history, got, tc.want)
			}
		})
	}
}

func near(a, b Level) bool {
	eq := func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }
	return eq(a.Median, b.Median) && eq(a.Spread, b.Spread) && eq(a.Start, b.Start) && eq(a.End, b.End)
}

func TestPlan(t *testing.T) {
	refund := chat.Spike{ID: 7, Kind: chat.SpikeRule, Name: "refund", Team: "support"}
	for _, tc := range []struct {
		name   string
		counts []chat.VolumeCount
		open   []chat.Spike
		starts []Key
		ends   []int64
	}{
		{
			name: "a burst of a rule, a type and negative messages starts three spikes; positive ones none",
			counts: []chat.VolumeCount{
				{Kind: chat.SpikeRule, Name: "outage", Count: 30},
				{Kind: chat.SpikeType, Name: "after_sales", Count: 35},
				{Kind: chat.SpikeSentiment, Name: "negative", Count: 25},
				{Kind: chat.SpikeSentiment, Name: "positive", Count: 80},
				{Kind: chat.SpikeType, Name: "inquiry", Count: 40},
				{Kind: chat.SpikeType, Name: "inquiry", WeeksAgo: 1, Count: 38},
				{Kind: chat.SpikeType, Name: "inquiry", WeeksAgo: 2, Count: 41},
				{Kind: chat.SpikeType, Name: "inquiry", WeeksAgo: 3, Count: 39},
				{Kind: chat.SpikeType, Name: "inquiry", WeeksAgo: 4, Count: 42},
			},
			starts: []Key{{chat.SpikeRule, "outage"}, {chat.SpikeSentiment, "negative"}, {chat.SpikeType, "after_sales"}},
		},
		{
			name:   "an open spike still high neither starts again nor ends",
			counts: []chat.VolumeCount{{Kind: chat.SpikeRule, Name: "refund", Count: 50}},
			open:   []chat.Spike{refund},
		},
		{
			name: "an open spike with nothing counted ends",
			open: []chat.Spike{refund},
			ends: []int64{7},
		},
		{
			name: "messages decided before types, and weeks past the window, are ignored",
			counts: []chat.VolumeCount{
				{Kind: chat.SpikeType, Name: "", Count: 500},
				{Kind: chat.SpikeType, Name: "spam", Count: 30},
				{Kind: chat.SpikeType, Name: "spam", WeeksAgo: 5, Count: 300},
				{Kind: chat.SpikeType, Name: "spam", WeeksAgo: 6, Count: 300},
			},
			starts: []Key{{chat.SpikeType, "spam"}},
		},
		{
			name: "the same hour of past weeks as busy: no spike",
			counts: []chat.VolumeCount{
				{Kind: chat.SpikeRule, Name: "delivery", Count: 30},
				{Kind: chat.SpikeRule, Name: "delivery", WeeksAgo: 1, Count: 28},
				{Kind: chat.SpikeRule, Name: "delivery", WeeksAgo: 2, Count: 31},
				{Kind: chat.SpikeRule, Name: "delivery", WeeksAgo: 3, Count: 25},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Config{}.Plan(tc.counts, tc.open)
			var starts []Key
			for _, s := range got.Start {
				starts = append(starts, s.Key)
			}
			var ends []int64
			for _, e := range got.End {
				ends = append(ends, e.ID)
			}
			if !reflect.DeepEqual(starts, tc.starts) || !reflect.DeepEqual(ends, tc.ends) {
				t.Fatalf("Plan started %v and ended %v, want %v and %v", starts, ends, tc.starts, tc.ends)
			}
		})
	}
}

func TestExamples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		texts []string
		want  []string
	}{
		{"copies count once, case aside", []string{"App down", "app  down", "APP DOWN", "cannot pay"}, []string{"App down", "cannot pay"}},
		{"at most n, in the order given", []string{"a", "b", "c", "d"}, []string{"a", "b", "c"}},
		{"texts differing only in a masked number are one", []string{"order 123456 lost", "order 654321 lost"}, []string{"order [number] lost"}},
		{"blank texts are skipped", []string{" ", "refund"}, []string{"refund"}},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Examples(tc.texts, 3); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Examples(%q, 3) = %q, want %q", tc.texts, got, tc.want)
			}
		})
	}
}

func TestExample(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain text is kept", "Where is my parcel?", "Where is my parcel?"},
		{"lines and runs of spaces become one line", "refund\n  please\tnow", "refund please now"},
		{"e-mails and long numbers are masked", "I am ann@example.com and order 12-345-678, call +7 (999) 123-45-67",
			"I am [email] and order [number], call [number]"},
		{"short numbers stay", "2 items, size 42", "2 items, size 42"},
		{"long texts are cut", strings.Repeat("ж", 130), strings.Repeat("ж", 119) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Example(tc.in); got != tc.want {
				t.Fatalf("Example(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
