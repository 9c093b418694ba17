package rules

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output (review the diff!)")

// A decide case is NAME.rules.yaml (the rules), NAME.messages.yaml (the
// messages with their context) and NAME.golden (one block per message: the
// actions, then the trace).
type messageCase struct {
	Text            string `yaml:"text"`
	Lang            string `yaml:"lang"`
	Kind            string `yaml:"kind"`
	Chat            string `yaml:"chat"`
	Name            string `yaml:"name"`
	At              string `yaml:"at"`
	ConversationNew bool   `yaml:"conversation_new"`
	Waiting         bool   `yaml:"waiting_for_human"`
	CustomerNew     bool   `yaml:"customer_new"`
	Messages1h      int    `yaml:"messages_1h"`
}

func TestDecideGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/decide/*.rules.yaml")
	if len(files) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, rulesFile := range files {
		name := strings.TrimSuffix(filepath.Base(rulesFile), ".rules.yaml")
		t.Run(name, func(t *testing.T) {
			r, err := Load(rulesFile)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			data, err := os.ReadFile(filepath.Join("testdata/decide", name+".messages.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var msgs []messageCase
			if err := yaml.Unmarshal(data, &msgs); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, m := range msgs {
				ev, st, now := m.event()
				d := r.Explain(ev, st, now)
				// Production takes the short path (candidates only); it must
				// plan exactly what the full walk plans.
				if fast := r.Decide(ev, st, now); !reflect.DeepEqual(fast.Actions, d.Actions) {
					t.Errorf("%q: Decide planned %+v, Explain %+v", m.Text, fast.Actions, d.Actions)
				}
				fmt.Fprintf(&out, "> %s [lang=%s]\n", m.Text, d.Language)
				if len(d.Actions) == 0 {
					out.WriteString("  (no action)\n")
				}
				for _, a := range d.Actions {
					fmt.Fprintf(&out, "  %s %s", a.Type, a.Rule)
					if len(a.Tags) > 0 {
						fmt.Fprintf(&out, " tags=%v", a.Tags)
					}
					if a.Priority != "" {
						fmt.Fprintf(&out, " priority=%s", a.Priority)
					}
					if a.Team != "" {
						fmt.Fprintf(&out, " team=%s", a.Team)
					}
					fmt.Fprintf(&out, ": %q\n", a.Text)
				}
				for _, s := range d.Trace {
					mark := "-"
					if s.Matched {
						mark = "+"
					}
					fmt.Fprintf(&out, "    %s %s: %s", mark, s.Rule, s.Reason)
					if s.Keyword != "" {
						fmt.Fprintf(&out, " %q", s.Keyword)
					}
					if s.Group != "" {
						fmt.Fprintf(&out, " (group %s)", s.Group)
					}
					out.WriteByte('\n')
				}
			}
			compareGolden(t, filepath.Join("testdata/decide", name+".golden"), out.String())
		})
	}
}

func (m messageCase) event() (chat.Event, chat.State, time.Time) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) // a Friday
	if m.At != "" {
		t, err := time.Parse(time.RFC3339, m.At)
		if err != nil {
			panic(err)
		}
		now = t
	}
	kind := chat.KindText
	if m.Kind != "" {
		kind = chat.Kind(m.Kind)
	}
	chatType := chat.ChatPrivate
	if m.Chat != "" {
		chatType = chat.ChatType(m.Chat)
	}
	name := m.Name
	if name == "" {
		name = "Ann"
	}
	ev := chat.Event{
		Platform: chat.Telegram, Bot: "shop", Kind: kind, ChatID: "1", ChatType: chatType,
		Customer: chat.Customer{ID: "1", Name: name, Language: m.Lang},
		Text:     m.Text, Time: now, ExternalID: m.Text,
	}
	st := chat.State{Customer: chat.CustomerState{New: m.CustomerNew, Messages1h: m.Messages1h}, Conversation: chat.Conversation{New: m.ConversationNew, Status: chat.StatusBot}}
	if m.Waiting {
		st.Conversation.Status = chat.StatusWaitingForHuman
	}
	return ev, st, now
}

// Each errors case is NAME.yaml, a broken rules file, and NAME.golden, the
// exact text `frontdesk check` prints for it.
func TestErrorsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.yaml")
	if len(files) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, err := Load(f)
			if err == nil {
				t.Fatalf("%s loaded without error; it is meant to be broken", f)
			}
			es, ok := err.(Errors)
			if !ok {
				t.Fatalf("error is %T, want rules.Errors: %v", err, err)
			}
			compareGolden(t, filepath.Join("testdata/errors", name+".golden"), es.Pretty())
		})
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./rules -run Golden -update to create it, then review it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// Each warnings case is NAME.yaml, a file that loads, and NAME.golden, the
// warnings it gets.
func TestWarningsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/warnings/*.yaml")
	if len(files) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			r, err := Load(f)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			compareGolden(t, filepath.Join("testdata/warnings", name+".golden"), r.Warnings().Pretty())
		})
	}
}
