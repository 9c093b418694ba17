package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// testTime is when examples happen unless they say otherwise: a Wednesday
// at 10:00 in the rules' own time zone, so business-hours rules behave as in
// office hours.
func (r *Rules) testTime() time.Time { return time.Date(2026, 1, 7, 10, 0, 0, 0, r.loc) }

// runTests plays the file's tests: section and reports every example whose
// hits or misses do not come true, at the example's position.
func (r *Rules) runTests() Errors {
	var out Errors
	ids := map[string]bool{}
	for _, ru := range r.rules {
		ids[ru.id] = true
	}
	for i, tc := range r.tests {
		where := fmt.Sprintf("tests[%d] %q", i, truncate(tc.Text.Value, 40))
		fail := func(s str, format string, args ...any) {
			line, col := s.Line, s.Col
			if line == 0 {
				line = tc.Line
			}
			out = append(out, &Error{File: r.file, Line: line, Col: col, Msg: where + ": " + fmt.Sprintf(format, args...)})
		}
		ev, st, now, err := tc.event(r)
		if err != nil {
			fail(tc.At, "%v", err)
			continue
		}
		d := r.Explain(ev, st, now)
		matched := map[string]bool{}
		var names []string
		for _, s := range d.Trace {
			if s.Matched {
				matched[s.Rule] = true
				names = append(names, s.Rule)
			}
		}
		got := "no rule"
		if len(names) > 0 {
			got = strings.Join(names, ", ")
		}
		for _, h := range tc.Hits {
			switch {
			case !ids[h.Value]:
				fail(h, "no rule has the id %q%s", h.Value, suggest(h.Value, keys(ids)))
			case !matched[h.Value]:
				fail(h, "rule %q should match but does not (matched: %s)", h.Value, got)
			}
		}
		for _, m := range tc.Misses {
			switch {
			case !ids[m.Value]:
				fail(m, "no rule has the id %q%s", m.Value, suggest(m.Value, keys(ids)))
			case matched[m.Value]:
				fail(m, "rule %q should not match but does", m.Value)
			}
		}
		if len(tc.Hits)+len(tc.Misses) == 0 {
			fail(tc.Text, "an example needs hits: or misses: to check")
		}
	}
	return out
}

func (tc testYAML) event(r *Rules) (chat.Event, chat.State, time.Time, error) {
	now := r.testTime()
	if tc.At.Value != "" {
		t, err := time.Parse(time.RFC3339, tc.At.Value)
		if err != nil {
			return chat.Event{}, chat.State{}, now, fmt.Errorf("at %q is not a time like 2026-01-07T10:00:00+08:00", tc.At.Value)
		}
		now = t
	}
	platform := chat.Telegram
	if tc.Platform.Value != "" {
		platform = chat.Platform(tc.Platform.Value)
	}
	chatType := chat.ChatPrivate
	if tc.Chat.Value != "" {
		chatType = chat.ChatType(tc.Chat.Value)
	}
	name := tc.Name.Value
	if name == "" {
		name = "Test"
	}
	ev := chat.Event{
		Platform: platform, Bot: "test", ExternalID: "test", Kind: chat.KindText, ChatID: "1", ChatType: chatType,
		Customer: chat.Customer{ID: "1", Name: name, Language: tc.Lang.Value}, Text: tc.Text.Value, Time: now,
	}
	if strings.HasPrefix(ev.Text, "/") {
		ev.Kind = chat.KindCommand
	}
	// By default an example is a customer's first message.
	st := chat.State{
		Customer:     chat.CustomerState{New: boolOr(tc.CustomerNew, true)},
		Conversation: chat.Conversation{New: boolOr(tc.ConversationNew, true), Status: chat.StatusBot, Started: now},
	}
	if tc.WaitingForHuman {
		st.Conversation.Status = chat.StatusWaitingForHuman
	}
	for _, cause := range tc.Incidents {
		st.Incidents = append(st.Incidents, chat.Incident{Cause: cause.Value})
	}
	return ev, st, now, nil
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
