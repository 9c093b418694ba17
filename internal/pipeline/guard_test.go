package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/guard"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/rules"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// world is a pipeline on a real SQLite store with a clock the test moves.
type world struct {
	t     *testing.T
	store *store.Store
	pipe  *Pipeline
	now   time.Time
	seq   int
}

const guardRules = `
keywords:
  refund: [refund]
  shipping: [shipping]
rules:
  - id: refund
    keywords: [refund]
    reply: "Refund info"
  - id: shipping
    keywords: [shipping]
    reply: "Shipping info"
  - id: ack
    when: conversation.new
    ack: "Got it"
`

func newWorld(t *testing.T, rulesYAML string, cfg guard.Config) *world {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "g.db"), store.Options{Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := rules.Parse("rules.yaml", []byte(rulesYAML))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: st, now: t0}
	st.Now = func() time.Time { return w.now }
	w.pipe = New(Config{Guard: cfg}, st, r, nil, func() time.Time { return w.now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return w
}

// say delivers a customer's message at the world's current time and
// returns the plan.
func (w *world) say(customer, text string) chat.Plan {
	w.t.Helper()
	w.seq++
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(w.seq), Kind: chat.KindText,
		ChatID: customer, ChatType: chat.ChatPrivate, Text: text, Time: w.now, MessageID: fmt.Sprint(w.seq),
		Customer: chat.Customer{ID: customer, Name: customer, Language: "en"}}
	ctx := context.Background()
	if err := w.store.Accept(ctx, ev); err != nil {
		w.t.Fatal(err)
	}
	evs, err := w.store.ClaimEvents(ctx, "t", w.now, time.Minute, 1, chat.SetAside{})
	if err != nil || len(evs) != 1 {
		w.t.Fatalf("claim: %v (%d)", err, len(evs))
	}
	plan, err := w.pipe.ProcessOne(ctx, evs[0])
	if err != nil {
		w.t.Fatal(err)
	}
	return plan
}

func sentRules(p chat.Plan) []string {
	var out []string
	for _, s := range p.Sends {
		out = append(out, s.Rule)
	}
	return out
}

func reasons(p chat.Plan) []string {
	var out []string
	for _, s := range p.Suppressed {
		out = append(out, s.Reason)
	}
	return out
}

func TestGuardEdgesThroughTheStore(t *testing.T) {
	tests := []struct {
		name        string
		first, then string
		gap         time.Duration
		wantSent    string
		wantReasons string
	}{
		{"same question just inside the cooldown", "refund", "refund", 10*time.Minute - time.Millisecond, "[]", "[duplicate_content]"},
		{"same question exactly at the cooldown", "refund", "refund", 10 * time.Minute, "[refund]", "[]"},
		{"another question right away", "refund", "shipping", 3 * time.Second, "[shipping]", "[]"},
		{"acknowledged once per conversation", "hello", "hello again", time.Hour, "[]", "[]"},
		{"acknowledged again after the idle period", "hello", "hello again", 24 * time.Hour, "[ack]", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, guardRules, guard.Config{})
			w.say("ann", tt.first)
			w.now = w.now.Add(tt.gap)
			p := w.say("ann", tt.then)
			if got := fmt.Sprint(sentRules(p)); got != tt.wantSent {
				t.Errorf("sent %s, want %s", got, tt.wantSent)
			}
			if got := fmt.Sprint(reasons(p)); got != tt.wantReasons {
				t.Errorf("suppressed %s, want %s", got, tt.wantReasons)
			}
		})
	}
}

func TestFailedSendReleasesItsKeys(t *testing.T) {
	w := newWorld(t, guardRules, guard.Config{})
	w.say("ann", "refund")
	ctx := context.Background()
	out, err := w.store.ClaimOutgoing(ctx, "s", w.now, time.Minute, 10)
	if err != nil || len(out) != 1 {
		t.Fatalf("claim: %v %d", err, len(out))
	}
	if err := w.store.FailOutgoing(ctx, out[0].ID, "chat not found", false); err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(time.Minute)
	if p := w.say("ann", "refund"); fmt.Sprint(sentRules(p)) != "[refund]" {
		t.Fatalf("after a failed send the answer is %v (suppressed %v), want it sent again", sentRules(p), reasons(p))
	}
}

// TestGuardProperty plays random streams of customer messages and clock
// jumps and checks every send the pipeline queued against every policy.
func TestGuardProperty(t *testing.T) {
	const rulesYAML = `
keywords:
  a: [alpha]
  b: [beta]
  c: [gamma]
rules:
  - id: greet
    when: conversation.new
    ack: ["Hello!", "Hi there!"]
  - id: a
    keywords: [a]
    reply: ["A one", "A two"]
    continue: true
  - id: b
    keywords: [b]
    reply: "B"
    continue: true
  - id: c
    keywords: [c]
    reply: "C"
`
	cfg := guard.Config{ContentCooldown: 10 * time.Minute, RuleCooldown: 5 * time.Minute, PerMessage: 2, PerHour: 6, Debounce: 2 * time.Second}
	words := []string{"alpha", "beta", "gamma", "hello", "alpha beta gamma", "beta gamma"}
	jumps := []time.Duration{0, time.Second, 3 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute, time.Hour, 25 * time.Hour}
	seeds, messages := int64(8), 120
	if raceEnabled {
		seeds, messages = 2, 60
	}
	for seed := int64(1); seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			w := newWorld(t, rulesYAML, cfg)
			type sent struct {
				customer, rule, text string
				typ                  chat.ActionType
				at                   time.Time
				msg                  int // which customer message (burst) it answered
			}
			var all []sent
			lastMsg := map[string]time.Time{}
			burstID := map[string]int{}
			for i := 0; i < messages; i++ {
				w.now = w.now.Add(jumps[rng.Intn(len(jumps))])
				customer := []string{"ann", "bob", "cy"}[rng.Intn(3)]
				if last, ok := lastMsg[customer]; !ok || w.now.Sub(last) > cfg.Debounce {
					burstID[customer] = i
				}
				lastMsg[customer] = w.now
				p := w.say(customer, words[rng.Intn(len(words))])
				for _, s := range p.Sends {
					all = append(all, sent{customer, s.Rule, s.Text, s.Type, w.now, burstID[customer]})
				}
			}
			perBurst := map[string]int{}
			for i, a := range all {
				perBurst[fmt.Sprint(a.customer, a.msg)]++
				if n := perBurst[fmt.Sprint(a.customer, a.msg)]; n > cfg.PerMessage {
					t.Errorf("%s got %d messages for one message or burst", a.customer, n)
				}
				inHour := 0
				for _, b := range all[:i+1] {
					if b.customer == a.customer && a.at.Sub(b.at) < time.Hour {
						inHour++
					}
				}
				if inHour > cfg.PerHour {
					t.Errorf("%s got %d messages within an hour at %v", a.customer, inHour, a.at)
				}
				for _, b := range all[:i] {
					if b.customer != a.customer {
						continue
					}
					gap := a.at.Sub(b.at)
					if b.text == a.text && gap < cfg.ContentCooldown {
						t.Errorf("%s got %q twice within %v", a.customer, a.text, gap)
					}
					if b.rule == a.rule && gap < cfg.RuleCooldown {
						t.Errorf("%s got rule %s twice within %v", a.customer, a.rule, gap)
					}
				}
			}
			if len(all) == 0 {
				t.Fatal("the stream produced no sends at all; the property would hold vacuously")
			}
		})
	}
}

// TestConcurrentDecisionsSendOnce decides the same content for one customer
// from many workers at once: in a private chat and in a group (two
// conversations, so nothing serializes them but the guard's keys).
func TestConcurrentDecisionsSendOnce(t *testing.T) {
	w := newWorld(t, guardRules, guard.Config{})
	ctx := context.Background()
	for i := 0; i < 8; i++ {
		chatID, chatType := "ann", chat.ChatPrivate
		if i%2 == 1 {
			chatID, chatType = fmt.Sprint("-100", i), chat.ChatGroup
		}
		ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ExternalID: fmt.Sprint(i), Kind: chat.KindText, ChatID: chatID, ChatType: chatType,
			Text: "refund", Time: w.now, Customer: chat.Customer{ID: "ann", Name: "Ann", Language: "en"}}
		if err := w.store.Accept(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := w.store.ClaimEvents(ctx, "t", w.now, time.Minute, 10, chat.SetAside{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < 2 {
		t.Fatalf("claimed %d events; want several conversations at once", len(evs))
	}
	var wg sync.WaitGroup
	for _, ie := range evs {
		for g := 0; g < 8; g++ { // and every event by 8 goroutines
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.pipe.ProcessOne(ctx, ie)
			}()
		}
	}
	wg.Wait()
	st, _ := w.store.Stats(ctx)
	if st.MessagesPending != 1 {
		t.Fatalf("queued %d replies, want exactly 1 (same content, same customer)", st.MessagesPending)
	}
}
