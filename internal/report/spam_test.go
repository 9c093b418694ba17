package report

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
)

// TestSpamReviewGolden reads the golden history's spam on both databases:
// E's message, ignored by rule spam and released.
func TestSpamReviewGolden(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			s := db.open(t)
			seedGolden(t, s)
			r, err := BuildSpam(context.Background(), s, now.Add(-7*24*time.Hour), now, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Messages) != 1 || r.Truncated {
				t.Fatalf("messages %+v (truncated %v), want E's", r.Messages, r.Truncated)
			}
			m := r.Messages[0]
			if m.Rule != "spam" || m.Outcome != chat.OutcomeIgnored || m.Text != "cheap watches http://spam.example" ||
				!m.At.Equal(at(t, "11-18 09:00")) || m.Released == nil || !m.Released.Equal(at(t, "11-18 12:00")) {
				t.Errorf("message %+v", m)
			}
			if len(r.ByRule) != 1 || r.ByRule[0] != (SpamRule{Rule: "spam", Count: 1, Released: 1}) {
				t.Errorf("by rule %+v", r.ByRule)
			}
			var out bytes.Buffer
			if err := WriteSpamText(&out, r); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "spam: 1 message, 1 released as not spam") || !strings.Contains(out.String(), "released 11-18 12:00") {
				t.Errorf("text:\n%s", &out)
			}
		})
	}
}

// spamHistory is a SpamSource of fixed messages.
type spamHistory []store.SpamMessage

func (h spamHistory) SpamMessages(_ context.Context, _, _ time.Time, _ chat.Outcome, _ chat.MessageType, limit int) ([]store.SpamMessage, error) {
	return h[:min(limit, len(h))], nil
}

func TestSpamReview(t *testing.T) {
	released := now.Add(-time.Hour)
	src := spamHistory{
		{InboxID: 9, At: now.Add(-2 * time.Hour), Rule: "spam", Outcome: chat.OutcomeIgnored, Type: chat.TypeSpam, Text: "win big, mail\nme@win.example"},
		{InboxID: 7, At: now.Add(-3 * time.Hour), Outcome: chat.OutcomeUnanswered, Type: chat.TypeSpam, Text: "call +1 555 010 0199 http://x.example"},
		{InboxID: 5, At: now.Add(-4 * time.Hour), Rule: "spam", Outcome: chat.OutcomeIgnored, Type: chat.TypeInquiry, Text: "where is my order 123456", Released: &released},
	}
	tests := []struct {
		name      string
		limit     int
		texts     []string
		byRule    []SpamRule
		truncated bool
	}{
		{"all, masked, by rule", 10,
			[]string{"win big, mail [email]", "call [number] http://x.example", "where is my order [number]"},
			[]SpamRule{{Rule: "spam", Count: 2, Released: 1}, {Rule: "", Count: 1}}, false},
		{"the newest only", 1, []string{"win big, mail [email]"}, []SpamRule{{Rule: "spam", Count: 1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := BuildSpam(context.Background(), src, now.Add(-24*time.Hour), now, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, m := range r.Messages {
				texts = append(texts, m.Text)
			}
			if strings.Join(texts, "|") != strings.Join(tt.texts, "|") || r.Truncated != tt.truncated {
				t.Errorf("texts %q (truncated %v), want %q (%v)", texts, r.Truncated, tt.texts, tt.truncated)
			}
			if len(r.ByRule) != len(tt.byRule) {
				t.Fatalf("by rule %+v, want %+v", r.ByRule, tt.byRule)
			}
			for i := range tt.byRule {
				if r.ByRule[i] != tt.byRule[i] {
					t.Errorf("by rule %+v, want %+v", r.ByRule, tt.byRule)
				}
			}
			var out bytes.Buffer
			if err := WriteSpamJSON(&out, r); err != nil {
				t.Fatal(err)
			}
			var j struct {
				Messages []struct {
					ID         int64   `json:"id"`
					Text       string  `json:"text"`
					ReleasedAt *string `json:"released_at"`
				} `json:"messages"`
			}
			if err := json.Unmarshal(out.Bytes(), &j); err != nil || len(j.Messages) != len(tt.texts) || j.Messages[0].ID != 9 || j.Messages[0].Text != tt.texts[0] {
				t.Errorf("JSON %s: %+v, %v", &out, j, err)
			}
		})
	}
	if _, err := BuildSpam(context.Background(), src, now, now, 10); err == nil {
		t.Error("an empty period was accepted")
	}
}
