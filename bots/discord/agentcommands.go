package discord

import (
	"context"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// AgentCommand is a team-chat command as agents find it in Discord's
// command menu; Arg names its one text option ("" when it takes none),
// which the interaction carries as the typed command's argument.
type AgentCommand struct {
	Name, Description, Arg string
}

// SetAgentCommands sets the agents' commands and the team channels whose
// guilds list them; RegisterAgentCommands (and connecting) sends them.
func (r *Receiver) SetAgentCommands(cmds []AgentCommand, channels []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.agentCommands, r.teamChannels = slices.Clone(cmds), slices.Clone(channels)
}

// RegisterAgentCommands lists the agents' commands in the guilds of the
// team channels, as guild commands: customers elsewhere never see them.
// It is a bulk overwrite, so doing it again (each start, each reload)
// changes nothing. Before the gateway's first Ready the application is not
// known and nothing is sent: Ready registers them.
func (r *Receiver) RegisterAgentCommands(ctx context.Context) error {
	r.regMu.Lock() // an older list never lands after a newer one
	defer r.regMu.Unlock()
	r.mu.Lock()
	appID, cmds, channels := r.appID, r.agentCommands, r.teamChannels
	r.mu.Unlock()
	if appID == "" || len(cmds) == 0 || len(channels) == 0 {
		return nil
	}
	var guilds []string
	for _, id := range channels {
		ch, err := r.s.Channel(id, discordgo.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("team channel %s: %w", id, err)
		}
		if ch.GuildID != "" && !slices.Contains(guilds, ch.GuildID) {
			guilds = append(guilds, ch.GuildID)
		}
	}
	list := applicationCommands(cmds)
	for _, g := range guilds {
		if _, err := r.s.ApplicationCommandBulkOverwrite(appID, g, list, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("guild %s: %w", g, err)
		}
	}
	return nil
}

// applicationCommands are the agents' commands as Discord takes them: an
// argument is an optional string option, so "/close" alone still works.
func applicationCommands(cmds []AgentCommand) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(cmds))
	for _, c := range cmds {
		ac := &discordgo.ApplicationCommand{Name: c.Name, Description: c.Description}
		if c.Arg != "" {
			ac.Options = []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: c.Arg, Description: c.Description}}
		}
		out = append(out, ac)
	}
	return out
}
