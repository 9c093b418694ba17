package report

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// The spam review (issue 22): what the rules ignored as spam, by rule, for
// an operator to find the false positives and release them
// (frontdesk spam --release ID). A message is in it when a rule ignored
// it (outcome "ignored") or its type is spam (the rules then gave it no
// FAQ answer). Texts are shown, masked as the unanswered ones are (e-mail
// addresses and long numbers): an operator cannot tell spam without
// reading it, and links stay visible because they are what spam is made of.

// SpamSource is what the review reads; *store.Store is one.
type SpamSource interface {
	SpamMessages(ctx context.Context, since, until time.Time, outcome chat.Outcome, msgType chat.MessageType, limit int) ([]store.SpamMessage, error)
}

var _ SpamSource = (*store.Store)(nil)

// SpamReview is the messages ignored as spam in a period.
type SpamReview struct {
	Since, Until time.Time
	// ByRule counts them per rule that ignored them ("" for those only
	// typed spam), the most first, with how many were released.
	ByRule []SpamRule
	// Messages are the newest first, at most the limit asked for.
	Messages []SpamItem
	// Truncated says there were more than the limit.
	Truncated bool
}

// SpamRule is one rule's share of the review.
type SpamRule struct {
	Rule            string
	Count, Released int
}

// SpamItem is one message of the review.
type SpamItem struct {
	ID       int64 // the inbox event id, for --release
	At       time.Time
	Rule     string
	Outcome  chat.Outcome
	Type     chat.MessageType
	Text     string // masked, on one line
	Released *time.Time
}

// BuildSpam reads the review of [since, until), at most limit messages.
func BuildSpam(ctx context.Context, src SpamSource, since, until time.Time, limit int) (SpamReview, error) {
	if !since.Before(until) {
		return SpamReview{}, fmt.Errorf("spam review: the period starts at %s, not before its end %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	// One more than asked, to tell whether the list is complete.
	ms, err := src.SpamMessages(ctx, since, until, chat.OutcomeIgnored, chat.TypeSpam, limit+1)
	if err != nil {
		return SpamReview{}, fmt.Errorf("spam review: %w", err)
	}
	r := SpamReview{Since: since, Until: until}
	if len(ms) > limit {
		r.Truncated, ms = true, ms[:limit]
	}
	byRule := map[string]*SpamRule{}
	for _, m := range ms {
		r.Messages = append(r.Messages, SpamItem{ID: m.InboxID, At: m.At, Rule: m.Rule, Outcome: m.Outcome, Type: m.Type,
			Text: maskPersonal(m.Text), Released: m.Released})
		sr := byRule[m.Rule]
		if sr == nil {
			sr = &SpamRule{Rule: m.Rule}
			byRule[m.Rule] = sr
		}
		sr.Count++
		if m.Released != nil {
			sr.Released++
		}
	}
	for _, sr := range byRule {
		r.ByRule = append(r.ByRule, *sr)
	}
	slices.SortFunc(r.ByRule, func(a, b SpamRule) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Rule, b.Rule))
	})
	return r, nil
}

// spamRuleName shows a message that no rule ignored.
func spamRuleName(rule string) string { return cmp.Or(rule, "(type spam, no rule)") }

// WriteSpamText writes the review for an operator: per rule, its messages.
func WriteSpamText(w io.Writer, r SpamReview) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Ignored as spam: %s to %s\n", r.Since.In(r.Until.Location()).Format("2006-01-02 15:04"), r.Until.Format("2006-01-02 15:04 MST"))
	if len(r.Messages) == 0 {
		b.WriteString("  none\n")
	}
	for _, sr := range r.ByRule {
		fmt.Fprintf(&b, "\n%s: %s", spamRuleName(sr.Rule), plural(sr.Count, "message"))
		if sr.Released > 0 {
			fmt.Fprintf(&b, ", %d released as not spam", sr.Released)
		}
		b.WriteString("\n")
		t := table{indent: "  ", right: []bool{true, false, false, false}}
		for _, m := range r.Messages {
			if m.Rule != sr.Rule {
				continue
			}
			state := ""
			if m.Released != nil {
				state = "released " + m.Released.In(r.Until.Location()).Format("01-02 15:04")
			}
			t.add(strconv.FormatInt(m.ID, 10), m.At.In(r.Until.Location()).Format("2006-01-02 15:04"), state, strconv.Quote(truncate(m.Text, maxTextWidth)))
		}
		t.write(&b)
	}
	if r.Truncated {
		fmt.Fprintf(&b, "\n(only the newest %d; use --limit for more)\n", len(r.Messages))
	}
	if len(r.Messages) > 0 {
		b.WriteString("\nNot spam? frontdesk spam --release ID answers it now, with an apology.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type (
	jsonSpamReview struct {
		Since     time.Time      `json:"since"`
		Until     time.Time      `json:"until"`
		ByRule    []jsonSpamRule `json:"by_rule"`
		Messages  []jsonSpamItem `json:"messages"`
		Truncated bool           `json:"truncated"`
	}
	jsonSpamRule struct {
		Rule     string `json:"rule"` // "" when only the type said spam
		Count    int    `json:"count"`
		Released int    `json:"released"`
	}
	jsonSpamItem struct {
		ID         int64      `json:"id"`
		Time       time.Time  `json:"time"`
		Rule       string     `json:"rule"`
		Outcome    string     `json:"outcome"`
		Type       string     `json:"type"`
		Text       string     `json:"text"` // masked
		ReleasedAt *time.Time `json:"released_at"`
	}
)

// WriteSpamJSON writes the review as one JSON object; lists are [] when
// empty.
func WriteSpamJSON(w io.Writer, r SpamReview) error {
	j := jsonSpamReview{Since: r.Since, Until: r.Until, ByRule: []jsonSpamRule{}, Messages: []jsonSpamItem{}, Truncated: r.Truncated}
	for _, sr := range r.ByRule {
		j.ByRule = append(j.ByRule, jsonSpamRule(sr))
	}
	for _, m := range r.Messages {
		j.Messages = append(j.Messages, jsonSpamItem{ID: m.ID, Time: m.At, Rule: m.Rule, Outcome: string(m.Outcome), Type: string(m.Type),
			Text: m.Text, ReleasedAt: m.Released})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(j)
}
