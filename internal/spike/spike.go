// Package spike decides whether a message volume (a rule's, a type's, the
// negative messages') is above its usual level for the hour of the week,
// and which spikes start and end. It reads counts and decides; it stores
// and sends nothing.
package spike

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/redact"
)

// Config tunes the detector. The zero value means the defaults.
type Config struct {
	// Weeks is how many past weeks give the baseline: the same hour of
	// the week in each (default 4).
	Weeks int
	// MinCount is the fewest messages in the hour that can start a spike,
	// so a quiet hour never alerts however quiet its past (default 20).
	MinCount int
	// Sigmas is how far above the median, in robust standard deviations,
	// a volume must be to start a spike (default 3).
	Sigmas float64
}

// WithDefaults fills what c leaves zero.
func (c Config) WithDefaults() Config {
	if c.Weeks <= 0 {
		c.Weeks = 4
	}
	if c.MinCount <= 0 {
		c.MinCount = 20
	}
	if c.Sigmas <= 0 {
		c.Sigmas = 3
	}
	return c
}

// Level is the usual volume of an hour and the bounds around it.
type Level struct {
	Median float64
	// Spread is the robust standard deviation: 1.4826 × the median
	// absolute deviation, but never below the square root of the median
	// (the noise of counts) nor below 1, so a history of equal counts
	// does not make one more message a spike.
	Spread float64
	Start  float64 // above this (and at least MinCount) a spike starts
	End    float64 // at or below this (or under MinCount/2) it ends
}

// Baseline measures the usual level from the same hour of past weeks.
func (c Config) Baseline(history []int) Level {
	c = c.WithDefaults()
	med := median(history)
	devs := make([]float64, 0, len(history))
	for _, h := range history {
		devs = append(devs, math.Abs(float64(h)-med))
	}
	mad := medianF(devs)
	spread := max(1.4826*mad, math.Sqrt(med), 1)
	// Ending one spread above the median, not at the start threshold,
	// keeps a volume hovering at the threshold from alerting again and
	// again.
	return Level{Median: med, Spread: spread, Start: med + c.Sigmas*spread, End: med + spread}
}

// State is what a volume's last hour says about its spike.
type State int

// The states of a volume.
const (
	Quiet  State = iota // no spike, none starts
	Starts              // a spike starts: alert
	Lasts               // the open spike goes on: say nothing
	Ends                // the open spike is over
)

// Judge says what the last hour's count, against the same hour of past
// weeks, means for a volume with or without an open spike.
func (c Config) Judge(count int, history []int, open bool) (State, Level) {
	c = c.WithDefaults()
	l := c.Baseline(history)
	n := float64(count)
	if open {
		if n <= l.End || count < c.MinCount/2 {
			return Ends, l
		}
		return Lasts, l
	}
	if count >= c.MinCount && n > l.Start {
		return Starts, l
	}
	return Quiet, l
}

// Key names a volume.
type Key struct {
	Kind chat.SpikeKind
	Name string
}

// Start is a spike to alert on.
type Start struct {
	Key
	Count int
	Level Level
	// From is the fewest messages in the hour that start a spike of this
	// volume now: above Level.Start and at least MinCount.
	From int
}

// Changes is what one look at the volumes found.
type Changes struct {
	Start []Start
	End   []chat.Spike
}

// Plan judges every volume counted (and every open spike, which counts 0
// when nothing of it arrived) and lists the spikes that start and end, in
// a stable order. counts holds, per volume, the last hour (WeeksAgo 0)
// and the same hour of up to Weeks past weeks (a week absent counted 0).
func (c Config) Plan(counts []chat.VolumeCount, open []chat.Spike) Changes {
	c = c.WithDefaults()
	type series struct {
		now     int
		history []int
	}
	vols := map[Key]*series{}
	get := func(k Key) *series {
		s := vols[k]
		if s == nil {
			s = &series{history: make([]int, c.Weeks)}
			vols[k] = s
		}
		return s
	}
	for _, v := range counts {
		if v.Name == "" || v.WeeksAgo < 0 || v.WeeksAgo > c.Weeks {
			continue // decided before types were kept, or outside the window
		}
		if v.Kind == chat.SpikeSentiment && v.Name != string(chat.SentimentNegative) {
			continue // more content customers are no alarm
		}
		s := get(Key{v.Kind, v.Name})
		if v.WeeksAgo == 0 {
			s.now += v.Count
		} else {
			s.history[v.WeeksAgo-1] += v.Count
		}
	}
	openBy := map[Key]chat.Spike{}
	for _, sp := range open {
		openBy[Key{sp.Kind, sp.Name}] = sp
		get(Key{sp.Kind, sp.Name})
	}
	var out Changes
	for k, s := range vols {
		sp, isOpen := openBy[k]
		switch state, level := c.Judge(s.now, s.history, isOpen); state {
		case Starts:
			out.Start = append(out.Start, Start{Key: k, Count: s.now, Level: level, From: max(c.MinCount, int(math.Floor(level.Start))+1)})
		case Ends:
			out.End = append(out.End, sp)
		}
	}
	slices.SortFunc(out.Start, func(a, b Start) int { return compareKeys(a.Key, b.Key) })
	slices.SortFunc(out.End, func(a, b chat.Spike) int { return compareKeys(Key{a.Kind, a.Name}, Key{b.Kind, b.Name}) })
	return out
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
}

func median(xs []int) float64 {
	f := make([]float64, len(xs))
	for i, x := range xs {
		f[i] = float64(x)
	}
	return medianF(f)
}

func medianF(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// exampleRunes is the most of an example an alert shows.
const exampleRunes = 120

// Examples picks up to n different texts, as Example shows them, in the
// order given: a burst is often one text many times, and three copies of
// it say less than one.
func Examples(texts []string, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range texts {
		e := Example(t)
		if len(out) == n {
			break
		}
		if e == "" || seen[strings.ToLower(e)] {
			continue
		}
		seen[strings.ToLower(e)] = true
		out = append(out, e)
	}
	return out
}

// Example is a customer's text as an alert quotes it: on one line, with
// e-mail addresses and long numbers masked, cut at exampleRunes.
func Example(text string) string {
	text = redact.Personal(text)
	if r := []rune(text); len(r) > exampleRunes {
		text = string(r[:exampleRunes-1]) + "…"
	}
	return text
}
