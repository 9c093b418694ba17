package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTryJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"try", "--rules", "../../configs/rules.yaml", "--text", "我想退钱", "--at", "2026-01-07T10:00:00+08:00", "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	var res struct {
		Actions []struct {
			Type, Rule, Text string
		} `json:"actions"`
		Trace      []map[string]any `json:"trace"`
		Suppressed []map[string]any `json:"suppressed"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, &stdout)
	}
	if len(res.Actions) == 0 || res.Actions[0].Type != "reply" || res.Actions[0].Rule != "refund" || !strings.HasPrefix(res.Actions[0].Text, "退款说明") {
		t.Errorf("actions = %+v, want the refund reply first", res.Actions)
	}
	if len(res.Trace) == 0 || res.Suppressed == nil {
		t.Errorf("trace %v and suppressed %v must be present", res.Trace, res.Suppressed)
	}
}

// try says when the rules read a message in other letters than it was
// written in, as text and as read_as, and answers it in the language read.
func TestTryShowsWhatWasRead(t *testing.T) {
	at := "2026-01-07T10:00:00+08:00"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"try", "--rules", "../../configs/rules.yaml", "--text", "gde moi zakaz", "--at", at}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	if want := `read as Russian in Latin letters: "где мой заказ"`; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, &stdout)
	}
	for _, tc := range []struct{ text, readAs, from, lang, rule string }{
		{"gde moi zakaz", "где мой заказ", "translit", "ru", "shipping"},
		{"ult vjq pfrfp", "где мой заказ", "russian_on_english_layout", "ru", "shipping"},
		{"where is my order", "", "", "en", "shipping"},
	} {
		stdout.Reset()
		if code := run([]string{"try", "--rules", "../../configs/rules.yaml", "--text", tc.text, "--at", at, "--json"}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, &stderr)
		}
		var res struct {
			ReadAs   *string `json:"read_as"`
			ReadFrom string  `json:"read_from"`
			Language string  `json:"language"`
			Actions  []struct{ Rule string }
		}
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, &stdout)
		}
		got := ""
		if res.ReadAs != nil {
			got = *res.ReadAs
		}
		if got != tc.readAs || res.ReadFrom != tc.from || res.Language != tc.lang || len(res.Actions) == 0 || res.Actions[0].Rule != tc.rule {
			t.Errorf("%q: read_as %q from %q, language %q, actions %+v; want %q from %q, %q, %s",
				tc.text, got, res.ReadFrom, res.Language, res.Actions, tc.readAs, tc.from, tc.lang, tc.rule)
		}
		if tc.readAs == "" && res.ReadAs != nil {
			t.Errorf("%q: read_as present for a message read as written", tc.text)
		}
	}
}

func TestTryScript(t *testing.T) {
	script := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(script, []byte(`- {at: "0s", text: "this is a scam", customer: Ann, lang: en}
- {at: "+1m", text: "how do refunds work?", customer: Ann, lang: en}
- {at: "+1m", text: "how do refunds work?", customer: Bob, lang: en}
`), 0o644)
	var stdout, stderr bytes.Buffer
	code := run([]string{"try", "--rules", "../../configs/rules.yaml", "--script", script, "--at", "2026-01-07T10:00:00+08:00", "--json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	var results []struct {
		Actions    []struct{ Type, Rule string }   `json:"actions"`
		Suppressed []struct{ Rule, Reason string } `json:"suppressed"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil || len(results) != 3 {
		t.Fatalf("want a list of 3 results: %v\n%s", err, &stdout)
	}
	if results[0].Actions[0].Type != "handoff" {
		t.Errorf("first message: %+v, want a handoff", results[0].Actions)
	}
	// Ann's conversation belongs to a person now; Bob's does not.
	if len(results[1].Suppressed) == 0 || results[1].Suppressed[0].Reason != "human_owns_conversation" {
		t.Errorf("Ann's second message: suppressed %+v, want human_owns_conversation", results[1].Suppressed)
	}
	if len(results[2].Actions) == 0 || results[2].Actions[0].Rule != "refund" {
		t.Errorf("Bob's message: %+v, want the refund answer", results[2].Actions)
	}
}

func TestTryUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"try", "--rules", "../../configs/rules.yaml"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d without --text or --script, want 2", code)
	}
}
