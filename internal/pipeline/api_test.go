package pipeline

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestAPIEventIsATeamChatCommand: a command made through the API becomes an
// event in the handoff's team chat that the agent path reads as the same
// command, by the token's account, idempotent by token and key.
func TestAPIEventIsATeamChatCommand(t *testing.T) {
	support := Team{Name: "support", Platform: chat.Telegram, Bot: "shop", ChatID: "-100"}
	p := New(Config{Teams: []Team{support}}, nil, fixedDecider(nil), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		cmd      APICommand
		wantCmd  chat.AgentCommand
		wantText string
		wantErr  bool
	}{
		{name: "claim", cmd: APICommand{Command: chat.AgentClaim}, wantCmd: chat.AgentClaim},
		{name: "resolve", cmd: APICommand{Command: chat.AgentResolve}, wantCmd: chat.AgentResolve},
		{name: "reply", cmd: APICommand{Command: chat.AgentRelay, Text: "/resolve is only text here"}, wantCmd: chat.AgentRelay,
			wantText: "/resolve is only text here"},
		{name: "empty reply is nothing", cmd: APICommand{Command: chat.AgentRelay, Text: "  "}},
		{name: "note is not an API command", cmd: APICommand{Command: chat.AgentNote, Text: "x"}, wantErr: true},
		{name: "unknown team goes to the first team", cmd: APICommand{Command: chat.AgentClaim, Team: "gone"}, wantCmd: chat.AgentClaim},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cmd
			c.Token, c.Agent, c.HandoffID, c.Key = "helpdesk", "Dana", 12, "k1"
			if c.Team == "" {
				c.Team = "support"
			}
			ev, err := p.APIEvent(c, now)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if !p.isTeamChat(ev) || ev.ExternalID != "api:helpdesk:k1" || !ev.Time.Equal(now) {
				t.Fatalf("event %+v is not the team chat's, or not keyed by token and key", ev)
			}
			cmd, text, id := parseAgentEvent(ev)
			if cmd != tc.wantCmd || text != tc.wantText || (cmd != "" && id != 12) {
				t.Fatalf("parsed %q %q %d, want %q %q 12", cmd, text, id, tc.wantCmd, tc.wantText)
			}
			if a := agentOf(ev); a.ID != "api:helpdesk" || a.Name != "Dana" {
				t.Fatalf("agent %+v", a)
			}
		})
	}
	t.Run("no team at all", func(t *testing.T) {
		empty := New(Config{}, nil, fixedDecider(nil), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if _, err := empty.APIEvent(APICommand{Command: chat.AgentClaim, Team: "support"}, now); err == nil {
			t.Fatal("an API event without any team chat was made")
		}
	})
}
