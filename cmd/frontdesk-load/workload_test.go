package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/app"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/rules"
)

func generate(seed uint64, n int) []update {
	w := newWorkload(seed, 200, 1000, 10_000_000)
	out := make([]update, n)
	for i := range out {
		out[i] = w.next(1_790_000_000)
	}
	return out
}

func TestWorkloadDeterministic(t *testing.T) {
	for _, tt := range []struct {
		name         string
		seedA, seedB uint64
		wantEqual    bool
	}{
		{"same seed", 1, 1, true},
		{"same seed, another", 42, 42, true},
		{"different seeds", 1, 2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := generate(tt.seedA, 5000), generate(tt.seedB, 5000)
			equal := true
			for i := range a {
				if a[i].Kind != b[i].Kind || a[i].UpdateID != b[i].UpdateID || !bytes.Equal(a[i].Body, b[i].Body) {
					equal = false
					break
				}
			}
			if equal != tt.wantEqual {
				t.Fatalf("streams equal: %v, want %v", equal, tt.wantEqual)
			}
		})
	}
}

// parsed is what a test reads back from an update's body.
type parsed struct {
	UpdateID int64 `json:"update_id"`
	Message  struct {
		MessageID int64  `json:"message_id"`
		Text      string `json:"text"`
		Chat      struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		From struct {
			ID           int64  `json:"id"`
			IsBot        bool   `json:"is_bot"`
			FirstName    string `json:"first_name"`
			LanguageCode string `json:"language_code"`
		} `json:"from"`
	} `json:"message"`
}

// topicOf maps every FAQ text to its topic.
func topicOf() map[string]int {
	m := map[string]int{}
	for topic := range topics {
		for _, texts := range faqTexts[topic] {
			for _, s := range texts {
				m[s] = topic
			}
		}
		for _, s := range mixedTexts[topic] {
			m[s] = topic
		}
	}
	return m
}

func TestWorkloadMixAndIDs(t *testing.T) {
	const n = 20000
	updates := generate(1, n)
	topicByText := topicOf()
	counts := map[kind]int{}
	bodies := map[int64][]byte{} // update_id → body of its first delivery
	asked := map[int64]map[int]bool{}
	chatsSeen := map[int64]kind{}
	langs := map[string]int{}
	lastID := int64(0)
	for i, u := range updates {
		counts[u.Kind]++
		var p parsed
		if err := json.Unmarshal(u.Body, &p); err != nil {
			t.Fatalf("update %d: %v\n%s", i, err, u.Body)
		}
		if p.UpdateID != u.UpdateID || p.Message.Chat.ID != u.ChatID || p.Message.From.ID != u.ChatID ||
			p.Message.Chat.Type != "private" || p.Message.From.IsBot || p.Message.From.FirstName != "m"+strconv.Itoa(u.Msg) {
			t.Fatalf("update %d does not say what it is: %+v vs %s", i, u, u.Body)
		}
		if u.Kind == kindRetry {
			if first, ok := bodies[u.UpdateID]; !ok || !bytes.Equal(first, u.Body) {
				t.Fatalf("retry %d repeats no earlier update exactly", u.UpdateID)
			}
			continue
		}
		if u.UpdateID <= lastID {
			t.Fatalf("update_id %d after %d: not unique and increasing", u.UpdateID, lastID)
		}
		lastID = u.UpdateID
		bodies[u.UpdateID] = u.Body
		langs[p.Message.From.LanguageCode]++
		switch u.Kind {
		case kindFAQ:
			if k, seen := chatsSeen[u.ChatID]; seen && k != kindFAQ {
				t.Fatalf("chat %d asks an FAQ after a %s", u.ChatID, k)
			}
			topic, known := topicByText[p.Message.Text]
			if !known {
				t.Fatalf("FAQ text %q is not in the vocabulary", p.Message.Text)
			}
			if asked[u.ChatID] == nil {
				asked[u.ChatID] = map[int]bool{}
			}
			if asked[u.ChatID][topic] {
				t.Fatalf("chat %d asks %s twice", u.ChatID, topics[topic])
			}
			asked[u.ChatID][topic] = true
		case kindHandoff, kindSpam:
			if _, seen := chatsSeen[u.ChatID]; seen {
				t.Fatalf("%s from chat %d, which wrote before", u.Kind, u.ChatID)
			}
		}
		chatsSeen[u.ChatID] = u.Kind
	}
	for k, want := range map[kind]float64{kindFAQ: 0.70, kindHandoff: 0.10, kindSpam: 0.10, kindRetry: 0.10} {
		if got := float64(counts[k]) / n; math.Abs(got-want) > 0.015 {
			t.Errorf("%s: %.3f of the updates, want about %.2f", k, got, want)
		}
	}
	for _, lang := range languages {
		if langs[lang] < n/5 {
			t.Errorf("language %s: only %d messages", lang, langs[lang])
		}
	}
	// "A new customer every few messages."
	if perChat := float64(n-counts[kindRetry]) / float64(len(chatsSeen)); perChat < 1.5 || perChat > 5 {
		t.Errorf("%.1f messages per customer", perChat)
	}
}

// TestWorkloadTexts decides every text of the workload with the tool's rules:
// each must reach exactly the rule its kind expects, or the run's accounting
// would blame the service for the tool's vocabulary.
func TestWorkloadTexts(t *testing.T) {
	r, err := rules.Parse("rules.yaml", []byte(loadRules))
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Warnings(); len(w) > 0 {
		t.Fatalf("warnings:\n%s", w.Pretty())
	}
	type example struct{ text, lang, rule string }
	var examples []example
	for topic, name := range topics {
		for lang, texts := range faqTexts[topic] {
			for _, s := range texts {
				examples = append(examples, example{s, languages[lang], name})
			}
		}
		for _, s := range mixedTexts[topic] {
			examples = append(examples, example{s, "en", name})
		}
	}
	for lang, texts := range handoffTexts {
		for _, s := range texts {
			examples = append(examples, example{s, languages[lang], "human"})
		}
	}
	for _, s := range spamTexts {
		examples = append(examples, example{s, "en", "spam"})
	}
	for _, ex := range examples {
		ev := chat.Event{
			Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, Text: ex.text,
			Customer: chat.Customer{ID: "1", Name: "m7", Language: ex.lang},
		}
		d := r.Decide(ev, chat.State{Customer: chat.CustomerState{New: true}}, time.Now())
		if len(d.Actions) != 1 || d.Actions[0].Rule != ex.rule {
			t.Errorf("%q: actions %+v, want one by rule %s", ex.text, d.Actions, ex.rule)
			continue
		}
		if ex.rule != "spam" && ex.rule != "human" && marker(d.Actions[0].Text) != 7 {
			t.Errorf("%q: reply %q does not name the message", ex.text, d.Actions[0].Text)
		}
	}
}

// TestServiceConfig checks the generated config as `frontdesk check` does.
func TestServiceConfig(t *testing.T) {
	dir := t.TempDir()
	s := &service{dir: dir, dsn: "sqlite:" + filepath.Join(dir, "fd.db"), secret: randomHex(16), apiURL: "http://127.0.0.1:1"}
	if err := os.WriteFile(s.rulesPath(), []byte(loadRules), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "frontdesk.yaml")
	if err := os.WriteFile(path, []byte(s.config("127.0.0.1:8080")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.CheckConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := rules.Load(cfg.Rules); err != nil {
		t.Fatal(err)
	}
}
