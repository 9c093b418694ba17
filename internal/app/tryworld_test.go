package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
	"github.com/frontdesk-bot/frontdesk/rules"
)

// TestTryDecidesInMemory: try keeps the script's state in memory (no
// database, not even a scratch file: TMPDIR points nowhere) and still shows
// what that state does: the guard holds back a repeated answer, a new
// customer is answered, and a conversation silent past the idle period
// starts anew.
func TestTryDecidesInMemory(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "does-not-exist"))
	r, err := rules.Load("../../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)
	msgs := []ScriptMessage{
		{At: "0s", Text: "how do refunds work?", Customer: "Ann", Lang: "en"},
		{At: "+1m", Text: "how do refunds work?", Customer: "Ann", Lang: "en"},
		{At: "+1m", Text: "how do refunds work?", Customer: "Bob", Lang: "en"},
		{At: "+48h", Text: "how do refunds work?", Customer: "Ann", Lang: "en"},
	}
	res, err := Try(context.Background(), r, msgs, start)
	if err != nil {
		t.Fatal(err)
	}
	answered := func(i int) bool {
		for _, a := range res[i].Actions {
			if a.Rule == "refund" && a.Type == chat.ActionReply {
				return true
			}
		}
		return false
	}
	if !answered(0) || res[0].Outcome != chat.OutcomeAnswered {
		t.Errorf("first question: %+v", res[0])
	}
	if answered(1) || len(res[1].Suppressed) == 0 {
		t.Errorf("the same question a minute later: %+v, want the answer held back by the guard", res[1])
	}
	if !answered(2) {
		t.Errorf("another customer: %+v, want the answer", res[2])
	}
	if !answered(3) {
		t.Errorf("two days later: %+v, want the answer again", res[3])
	}
}
