package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

func TestNotices(t *testing.T) {
	r, err := Parse("rules.yaml", []byte(`default_language: en
notices:
  claimed: {en: "{{agent}} is here for you, {{name}}.", ru: "{{agent}} на связи."}
  yes: {ru: "Решён"}
csat:
  ask: after_close
  comment_minutes: 5
rules:
  - id: hi
    keywords: [hello]
    reply: "Hello!"
`))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"agent": "Anna", "name": "Li"}
	tests := []struct {
		name string
		kind chat.CustomerNotice
		lang string
		want string
	}{
		{"the file's text in the customer's language", chat.NoticeClaimed, "en", "Anna is here for you, Li."},
		{"the file's Russian", chat.NoticeClaimed, "ru", "Anna на связи."},
		{"a language the file lacks but the defaults have: the default", chat.NoticeClaimed, "zh", "客服Anna已加入对话。"},
		{"a language nobody has: the file's default language", chat.NoticeClaimed, "de", "Anna is here for you, Li."},
		{"a notice the file leaves out: the default", chat.NoticeSolvedQuestion, "ru", "Ваш вопрос решён?"},
		{"the default in a language it lacks: English", chat.NoticeCSATThanks, "de", "Thank you for your feedback!"},
		{"a button label the file gives", noticeYes, "ru", "Решён"},
		{"a button label it does not", noticeNo, "zh", "否"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Notice(tt.kind, tt.lang, vars); got != tt.want {
				t.Errorf("Notice(%s, %s) = %q, want %q", tt.kind, tt.lang, got, tt.want)
			}
		})
	}
	if got := r.CSAT(); got.Ask != chat.CSATAfterClose || got.CommentFor != 5*time.Minute {
		t.Errorf("CSAT = %+v", got)
	}
	plain, err := Parse("plain.yaml", []byte("rules:\n  - id: hi\n    keywords: [hello]\n    reply: Hello!\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.CSAT(); got != DefaultCSAT {
		t.Errorf("a file without csat: %+v, want the default %+v", got, DefaultCSAT)
	}
}

func TestNoticesErrors(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"an unknown notice", "notices:\n  claimd: Hi\n", "rules.yaml:2:3: unknown field \"claimd\""},
		{"an unknown variable", "notices:\n  claimed: \"{{agnt}} joined\"\n", "rules.yaml:2:"},
		{"a banned link in a notice", "notices:\n  closed: \"See bit.ly/x\"\n", "link \"bit.ly/x\" is not allowed"},
		{"an unknown csat.ask", "csat:\n  ask: after_solve\n", "rules.yaml:2:8: csat: ask \"after_solve\" is not one of after_solved, after_close, never"},
		{"comment_minutes not a number", "csat:\n  comment_minutes: soon\n", "rules.yaml:2:20: csat: comment_minutes \"soon\""},
		{"ask_helpful without a reply", "rules:\n  - id: h\n    keywords: [x]\n    handoff: {team: a}\n    ask_helpful: true\n", "rules.yaml:2:9: rule \"h\": ask_helpful: true needs a reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if !strings.Contains(file, "rules:") {
				file += "rules:\n  - id: hi\n    keywords: [hello]\n    reply: Hello!\n"
			}
			_, err := Parse("rules.yaml", []byte(file))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAskHelpfulButtons(t *testing.T) {
	r, err := Parse("rules.yaml", []byte(`rules:
  - id: delivery
    keywords: [delivery]
    reply: "Delivery takes 3 days."
    ask_helpful: true
`))
	if err != nil {
		t.Fatal(err)
	}
	d := r.Decide(chat.Event{Kind: chat.KindText, Text: "delivery?", Customer: chat.Customer{ID: "1"}}, chat.State{}, time.Now())
	if len(d.Actions) != 1 || len(d.Actions[0].Buttons) != 1 {
		t.Fatalf("actions %+v", d.Actions)
	}
	row := d.Actions[0].Buttons[0]
	if len(row) != 2 || row[0].Text != "👍" || row[0].Data != "helpful:up:delivery" || row[1].Text != "👎" || row[1].Data != "helpful:down:delivery" {
		t.Errorf("buttons %+v, want 👍 then 👎 naming the rule", row)
	}
}
