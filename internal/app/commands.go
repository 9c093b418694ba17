package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord"
	"github.com/frontdesk-bot/frontdesk/bots/telegram"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/pipeline"
)

// commandsTimeout bounds registering one bot's command lists: a platform
// that does not answer costs this much, in the background, once.
const commandsTimeout = 10 * time.Second

// commandLister is what registering a Telegram bot's commands needs.
type commandLister interface {
	SetChatCommands(ctx context.Context, chatID string, cmds []telegram.Command) error
	SetPrivateCommands(ctx context.Context, cmds []telegram.Command) error
}

// commandRegistration is one Telegram bot whose commands are listed for
// autocompletion: the agents' in its team chats, the customers' in
// private chats.
type commandRegistration struct {
	bot    string
	chats  []string // the team chats and their escalation chats
	client commandLister
}

// commandState serializes registrations, so an older rules file's list
// never lands after a newer one, and remembers what each bot last had
// accepted so an unchanged list is not sent again.
type commandState struct {
	mu   sync.Mutex
	sent map[string][]telegram.Command // bot + "\x00" + chat ("" for private chats) → list
}

// teamChatsOf lists the chats agents of bot write in: each team's chat and
// its escalation chats, once each.
func teamChatsOf(cfg *config.Config, bot string) []string {
	var out []string
	for _, t := range cfg.Handoff.Teams {
		if t.Bot != bot {
			continue
		}
		for _, c := range append([]config.ID{t.ChatID}, t.Escalation...) {
			if c != "" && !slices.Contains(out, string(c)) {
				out = append(out, string(c))
			}
		}
	}
	return out
}

// registerCommands lists the commands for autocompletion with every
// Telegram bot: done at start and after each rules reload (the customers'
// list follows the rules). A platform that cannot be reached costs one log
// line per bot and nothing else: the commands still work when typed.
func (a *App) registerCommands(ctx context.Context) {
	a.registerDiscordCommands(ctx)
	if len(a.commandBots) == 0 {
		return
	}
	a.commands.mu.Lock()
	defer a.commands.mu.Unlock()
	if a.commands.sent == nil {
		a.commands.sent = map[string][]telegram.Command{}
	}
	agents := toTelegram(pipeline.AgentCommands())
	var customers []telegram.Command
	for _, c := range a.rules.p.Load().CustomerCommands() {
		customers = append(customers, telegram.Command{Name: c.Name, Description: c.Description})
	}
	for _, r := range a.commandBots {
		if err := a.registerBotCommands(ctx, r, agents, customers); err != nil {
			a.log.Warn("telegram: commands not registered for autocompletion; they still work when typed", "bot", r.bot, "err", err)
		}
	}
}

// registerBotCommands sends one bot's lists, skipping those it already
// has, and stops at the first failure: an unreachable platform would only
// fail the rest the same way, each after its own wait.
func (a *App) registerBotCommands(ctx context.Context, r commandRegistration, agents, customers []telegram.Command) error {
	ctx, cancel := context.WithTimeout(ctx, commandsTimeout)
	defer cancel()
	for _, chat := range r.chats {
		key := r.bot + "\x00" + chat
		if slices.Equal(a.commands.sent[key], agents) {
			continue
		}
		if err := r.client.SetChatCommands(ctx, chat, agents); err != nil {
			return err
		}
		a.commands.sent[key] = agents
	}
	key := r.bot + "\x00"
	if slices.Equal(a.commands.sent[key], customers) {
		return nil
	}
	if err := r.client.SetPrivateCommands(ctx, customers); err != nil {
		return err
	}
	a.commands.sent[key] = customers
	return nil
}

func toTelegram(cmds []pipeline.CommandHelp) []telegram.Command {
	out := make([]telegram.Command, len(cmds))
	for i, c := range cmds {
		out[i] = telegram.Command{Name: c.Name, Description: c.Description}
	}
	return out
}

// registerDiscordCommands lists the agents' commands in the guilds of
// every Discord bot's team channels (a bot not connected yet does it when
// it connects). One log line per bot Discord does not answer.
func (a *App) registerDiscordCommands(ctx context.Context) {
	for _, r := range a.gateways {
		rctx, cancel := context.WithTimeout(ctx, commandsTimeout)
		if err := r.RegisterAgentCommands(rctx); err != nil {
			a.log.Warn("discord: agents' commands not registered for autocompletion; they still work when typed", "err", err)
		}
		cancel()
	}
}

func toDiscord(cmds []pipeline.CommandHelp) []discord.AgentCommand {
	out := make([]discord.AgentCommand, len(cmds))
	for i, c := range cmds {
		out[i] = discord.AgentCommand{Name: c.Name, Description: c.Description, Arg: c.Arg}
	}
	return out
}
