package pipeline

import (
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Every command listed for autocompletion must be one the team chat
// understands, or agents are offered commands that are relayed or refused.
func TestAgentCommandsAreUnderstood(t *testing.T) {
	cmds := AgentCommands()
	if len(cmds) == 0 {
		t.Fatal("no agent commands listed")
	}
	for _, c := range cmds {
		t.Run(c.Name, func(t *testing.T) {
			if c.Description == "" {
				t.Error("no description")
			}
			ev := chat.Event{Kind: chat.KindCommand, Text: "/" + c.Name + " x", ThreadID: "7"}
			got, _, _ := parseAgentEvent(ev)
			if got != chat.AgentCommand(c.Name) {
				t.Errorf("parseAgentEvent(/%s) = %q, want the command itself", c.Name, got)
			}
		})
	}
}
