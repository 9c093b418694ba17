package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// seedReport writes an hour-old history to the database: an FAQ answer,
// a question no rule answered, and a handoff an agent answered within
// its due time.
func seedReport(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now().Add(-time.Hour)
	n := 0
	process := func(ev chat.Event, at time.Time, fn func(chat.InboxEvent) error) {
		t.Helper()
		n++
		ev.Platform, ev.Bot, ev.ExternalID, ev.Kind = chat.Telegram, "shop", fmt.Sprint(n), chat.KindText
		if err := st.Accept(ctx, ev); err != nil {
			t.Fatal(err)
		}
		evs, err := st.ClaimEvents(ctx, "w", at, time.Minute, 1, chat.SetAside{})
		if err != nil || len(evs) != 1 {
			t.Fatalf("claim: %d, %v", len(evs), err)
		}
		if err := fn(evs[0]); err != nil {
			t.Fatal(err)
		}
	}
	customer := func(chatID, text string, at time.Time, plan chat.Plan) {
		t.Helper()
		ev := chat.Event{ChatID: chatID, ChatType: chat.ChatPrivate, Text: text, Customer: chat.Customer{ID: chatID}}
		process(ev, at, func(ie chat.InboxEvent) error {
			return storetest.Process(ctx, st, ie, at, time.Hour, func(chat.State) (chat.Plan, error) { return plan, nil })
		})
	}
	customer("1", "refund?", start, chat.Plan{Outcome: chat.OutcomeAnswered,
		Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "Refunds take 3 days."}}}})
	customer("2", "gift cards?", start.Add(time.Minute), chat.Plan{Outcome: chat.OutcomeUnanswered})
	h := chat.Action{Type: chat.ActionHandoff, Rule: "human", Priority: "high", Text: "A colleague will answer."}
	customer("3", "a person please", start.Add(2*time.Minute),
		chat.Plan{Outcome: chat.OutcomeHandedOff, Handoff: &h, HandoffDue: start.Add(time.Hour), Sends: []chat.Send{{Action: h}}})
	open, err := st.OpenHandoffs(ctx, 1)
	if err != nil || len(open) != 1 {
		t.Fatalf("open handoffs: %v, %v", open, err)
	}
	agent := chat.Event{ChatID: "-100", ChatType: chat.ChatGroup, Text: "Hi, Alice here", Customer: chat.Customer{ID: "7"}}
	at := start.Add(6 * time.Minute)
	process(agent, at, func(ie chat.InboxEvent) error {
		_, err := storetest.ProcessAgent(ctx, st, ie, open[0].ID, at, func(st chat.AgentState) (chat.AgentPlan, error) {
			return chat.AgentPlan{Command: chat.AgentRelay, Agent: chat.Agent{ID: "telegram:7", Name: "Alice"}, Claim: st.Handoff.State == chat.HandoffWaiting, Text: ie.Text}, nil
		})
		return err
	})
}

func TestReport(t *testing.T) {
	cfgPath, db := cliConfig(t)
	seedReport(t, db)

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"text by default", []string{"report", "--config", cfgPath}, 0, `1  "gift cards?"`},
		{"text names the period", []string{"report", "--config", cfgPath, "--since", "1d"}, 0, "(1d)"},
		{"SLA in text", []string{"report", "--config", cfgPath, "--since", "2h"}, 0, "SLA attainment 100.0% (1 of 1 handoffs"},
		{"csv", []string{"report", "--config", cfgPath, "--format", "csv"}, 0, "summary,,messages_in,3\n"},
		{"a period before the history", []string{"report", "--config", cfgPath, "--since", "30m", "--format", "csv"}, 0, "summary,,messages_in,0\n"},
		{"bad since", []string{"report", "--config", cfgPath, "--since", "a week"}, 2, `--since "a week" is not a period`},
		{"negative since", []string{"report", "--config", cfgPath, "--since", "-5m"}, 2, "longer than zero"},
		{"zero since", []string{"report", "--config", cfgPath, "--since", "0d"}, 2, "longer than zero"},
		{"bad format", []string{"report", "--config", cfgPath, "--format", "xml"}, 2, `unknown report format "xml": want text, json or csv`},
		{"unknown flag", []string{"report", "--config", cfgPath, "--until", "now"}, 2, "flag provided but not defined"},
		{"stray argument", []string{"report", "--config", cfgPath, "7d"}, 2, `unexpected argument "7d"`},
		{"missing config", []string{"report", "--config", "nope.yaml"}, 1, "frontdesk report: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stdout.String()+stderr.String(), tt.want) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, tt.wantCode, &stdout, &stderr, tt.want)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	cfgPath, db := cliConfig(t)
	seedReport(t, db)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"report", "--config", cfgPath, "--since", "24h", "--format", "json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	var got struct {
		MessagesIn    *int     `json:"messages_in"`
		Conversations *int     `json:"conversations"`
		AnsweredByBot *int     `json:"answered_by_bot"`
		HandedOff     *int     `json:"handed_off"`
		Ignored       *int     `json:"ignored"`
		SLAAttainment *float64 `json:"sla_attainment"`
		TopRules      []struct {
			Rule  string `json:"rule"`
			Count int    `json:"count"`
		} `json:"top_rules"`
		Unanswered []struct {
			Text  string `json:"text"`
			Count int    `json:"count"`
		} `json:"unanswered"`
	}
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v\n%s", err, &stdout)
	}
	for key, v := range map[string]*int{"messages_in": got.MessagesIn, "conversations": got.Conversations,
		"answered_by_bot": got.AnsweredByBot, "handed_off": got.HandedOff, "ignored": got.Ignored} {
		if v == nil {
			t.Errorf("key %s missing", key)
		}
	}
	if t.Failed() {
		return
	}
	if *got.MessagesIn != 3 || *got.Conversations != 3 || *got.AnsweredByBot != 1 || *got.HandedOff != 1 || *got.Ignored != 0 {
		t.Errorf("counts %d in %d conversations, %d answered, %d handed off, %d ignored; want 3, 3, 1, 1, 0",
			*got.MessagesIn, *got.Conversations, *got.AnsweredByBot, *got.HandedOff, *got.Ignored)
	}
	if got.SLAAttainment == nil || *got.SLAAttainment != 1 {
		t.Errorf("sla_attainment %v, want 1: the handoff was answered after 4 minutes, due in an hour", got.SLAAttainment)
	}
	rules := fmt.Sprint(got.TopRules)
	if rules != "[{faq 1} {human 1}]" {
		t.Errorf("top_rules %s, want faq 1, human 1", rules)
	}
	if len(got.Unanswered) != 1 || got.Unanswered[0].Text != "gift cards?" || got.Unanswered[0].Count != 1 {
		t.Errorf("unanswered %+v, want gift cards? once", got.Unanswered)
	}
}
