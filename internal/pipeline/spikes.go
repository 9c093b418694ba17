package pipeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/spike"
)

const (
	week = 7 * 24 * time.Hour
	// spikeWindow is the volume a spike is measured on: the last hour.
	spikeWindow = time.Hour
	// spikeExamples is how many recent messages an alert quotes.
	spikeExamples = 3
)

// ruleTeams is a Decider that knows which team each rule hands off to, so
// a rule's spike alerts the team that answers its customers.
type ruleTeams interface {
	HandoffTeam(rule string) string
}

// checkSpikes compares the last hour's volumes with the same hour of past
// weeks every SpikeEvery: a spike that starts is alerted once to its
// team's chat and webhook, one that ended is closed. Every replica may
// look; the store lets only one start of a spike through, so one alert
// goes out, and all replicas report the same open spikes.
func (p *Pipeline) checkSpikes(now time.Time) {
	if p.cfg.SpikeEvery < 0 || now.Before(p.nextSpikeCheck) {
		return
	}
	p.nextSpikeCheck = now.Add(p.cfg.SpikeEvery)
	c := p.cfg.Spikes.WithDefaults()
	counts, err := p.store.VolumeCounts(p.workCtx, now, spikeWindow, week, c.Weeks)
	if err != nil {
		p.log.Warn("spikes: counting volumes failed", "err", err)
		return
	}
	open, err := p.store.OpenSpikes(p.workCtx)
	if err != nil {
		p.log.Warn("spikes: listing open spikes failed", "err", err)
		return
	}
	changes := c.Plan(counts, open)
	for _, sp := range changes.End {
		if _, err := p.store.EndSpike(p.workCtx, sp.ID, now); err != nil {
			p.log.Warn("spikes: ending a spike failed", "spike", sp.ID, "err", err)
			return
		}
	}
	startedAny := false
	for _, st := range changes.Start {
		started, err := p.startSpike(st, now)
		if err != nil {
			p.log.Warn("spikes: starting a spike failed", "kind", st.Kind, "name", st.Name, "err", err)
			return
		}
		startedAny = startedAny || started
	}
	if startedAny {
		p.wakeSender()
	}
	if len(changes.End) > 0 || len(changes.Start) > 0 {
		if open, err = p.store.OpenSpikes(p.workCtx); err != nil {
			p.log.Warn("spikes: listing open spikes failed", "err", err)
			return
		}
	}
	p.cfg.Observer.SpikesOpen(open)
}

// startSpike records a spike and queues its alert, with a few of the
// hour's messages as examples; started is false when another replica
// recorded it first.
func (p *Pipeline) startSpike(st spike.Start, now time.Time) (started bool, err error) {
	if p.spikeTeam(st.Key) == nil {
		return false, nil
	}
	// More than shown, so that copies of one text leave room for others.
	texts, err := p.store.VolumeExamples(p.workCtx, st.Kind, st.Name, now.Add(-spikeWindow), now, 10*spikeExamples)
	if err != nil {
		return false, err
	}
	team, notices := p.spikeAlert(st, texts, now)
	return p.store.StartSpike(p.workCtx, chat.Spike{Kind: st.Kind, Name: st.Name, Team: team.Name, Count: st.Count, Usual: st.Level.Median}, notices, now)
}

// spikeAlert is the team a spike's alert goes to and the alert, for its
// chat and its webhook, quoting a few different texts of the hour.
func (p *Pipeline) spikeAlert(st spike.Start, texts []string, now time.Time) (*Team, []chat.Notice) {
	team := p.spikeTeam(st.Key)
	if team == nil {
		return nil, nil
	}
	text := spikeText(st, spike.Examples(texts, spikeExamples))
	ev := TeamEvent{Event: EventSpikeStarted, At: now, Spike: string(st.Kind) + ":" + st.Name, Count: st.Count}
	if st.Kind == chat.SpikeRule {
		ev.Rule = st.Name
	}
	return team, team.withWebhook(chat.Notice{Platform: team.Platform, Bot: team.Bot, ChatID: team.ChatID, Text: text}, ev)
}

// spikeTeam is the team told of a spike: for a rule, the team it hands
// off to; otherwise (and for rules without a team) the default team.
func (p *Pipeline) spikeTeam(k spike.Key) *Team {
	name := ""
	if rt, ok := p.decider.(ruleTeams); ok && k.Kind == chat.SpikeRule {
		name = rt.HandoffTeam(k.Name)
	}
	return p.teamFor(name)
}

// spikeText is the alert the team chat reads; examples are masked.
func spikeText(st spike.Start, examples []string) string {
	what := fmt.Sprintf("%s %s", st.Kind, st.Name)
	if st.Kind == chat.SpikeSentiment {
		what = st.Name + " messages"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Spike · %s: %d messages in the last hour; usually %s at this hour of the week (alert from %d).",
		what, st.Count, number(st.Level.Median), st.From)
	if len(examples) > 0 {
		b.WriteString("\nLatest:")
		for _, e := range examples {
			fmt.Fprintf(&b, "\n• %s", e)
		}
	}
	b.WriteString("\nSaid once; told again only if it calms down and comes back.")
	return b.String()
}

// number prints a baseline as people read it: 2, 2.5.
func number(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", f), "0"), ".")
}
