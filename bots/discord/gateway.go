package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ErrGatewayRefused means Discord closed the gateway for a reason that
// retrying cannot fix (a bad token, an intent not enabled for the app).
var ErrGatewayRefused = errors.New("discord refused the gateway connection")

// fatalCloseCodes are gateway close codes after which reconnecting would
// only be refused again.
var fatalCloseCodes = map[int]string{
	4004: "authentication failed: check the bot token",
	4010: "invalid shard",
	4011: "sharding required",
	4012: "invalid API version",
	4013: "invalid intents",
	4014: "disallowed intents: enable the Message Content intent for the bot in the Discord developer portal (Bot → Privileged Gateway Intents)",
}

// Listen says which guild channels the bot reads: "all" messages there
// (a support channel, the agents' channel) or only "mentions" of the bot.
// Direct messages are always read.
type Listen map[string]string

// Receiver keeps a bot's gateway connection and stores every message meant
// for the bot in the inbox. It reconnects (resuming, so Discord replays
// what was missed) with backoff, and stops for good on a fatal close code.
type Receiver struct {
	bot     string
	s       *discordgo.Session
	inbox   Inbox
	listen  Listen
	staff   Staff
	threads *Threads
	log     *slog.Logger

	mu          sync.Mutex
	botUserID   string
	registered  bool
	disconnects chan struct{}
	ctx         context.Context
	// appID is the application, known from the first Ready; the agents'
	// commands go to the guilds of the team channels (agentcommands.go).
	appID         string
	agentCommands []AgentCommand
	teamChannels  []string
	regMu         sync.Mutex
}

// NewReceiver makes the receiver for bot over session s (see NewSession).
func NewReceiver(bot string, s *discordgo.Session, inbox Inbox, listen Listen, threads *Threads, log *slog.Logger) *Receiver {
	r := &Receiver{bot: bot, s: s, inbox: inbox, listen: listen, threads: threads, log: log,
		disconnects: make(chan struct{}, 1), ctx: context.Background()}
	s.AddHandler(r.onReady)
	s.AddHandler(r.onMessage)
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		select {
		case r.disconnects <- struct{}{}:
		default:
		}
	})
	return r
}

// Run connects and stays connected until ctx ends. It returns an error
// wrapping ErrGatewayRefused when Discord refuses the bot for good; other
// failures are logged and retried, 1 s doubling up to 5 min apart.
func (r *Receiver) Run(ctx context.Context) error {
	r.mu.Lock()
	r.ctx = ctx
	r.mu.Unlock()
	defer r.s.Close()
	wait := time.Second
	for {
		err := r.s.Open()
		var closed *websocket.CloseError
		switch {
		case err == nil, errors.Is(err, discordgo.ErrWSAlreadyOpen):
			wait = time.Second
			r.log.Info("discord gateway connected", "bot", r.bot)
			select {
			case <-ctx.Done():
				return nil
			case <-r.disconnects:
				r.log.Warn("discord gateway disconnected; resuming", "bot", r.bot)
				continue
			}
		case errors.As(err, &closed) && fatalCloseCodes[closed.Code] != "":
			return fmt.Errorf("%w: bot %s: close code %d, %s", ErrGatewayRefused, r.bot, closed.Code, fatalCloseCodes[closed.Code])
		}
		r.log.Warn("discord gateway: cannot connect; retrying", "bot", r.bot, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Minute)
	}
}

func (r *Receiver) onReady(s *discordgo.Session, ready *discordgo.Ready) {
	if ready.User == nil {
		return
	}
	r.mu.Lock()
	r.botUserID = ready.User.ID
	first := !r.registered
	r.registered = true
	if ready.Application != nil && ready.Application.ID != "" {
		r.appID = ready.Application.ID
	}
	r.mu.Unlock()
	if first && ready.Application != nil && ready.Application.ID != "" {
		go r.registerCommands(s, ready.Application.ID)
	}
}

// Commands are the slash commands every customer has: a person, or the FAQ.
var Commands = []*discordgo.ApplicationCommand{
	{Name: "human", Description: "Talk to a person from our team",
		NameLocalizations:        &map[discordgo.Locale]string{discordgo.Russian: "оператор", discordgo.ChineseCN: "人工客服"},
		DescriptionLocalizations: &map[discordgo.Locale]string{discordgo.Russian: "Связаться с сотрудником", discordgo.ChineseCN: "联系人工客服"}},
	{Name: "help", Description: "Frequently asked questions",
		DescriptionLocalizations: &map[discordgo.Locale]string{discordgo.Russian: "Частые вопросы", discordgo.ChineseCN: "常见问题"}},
}

// registerCommands makes /human and /help exist (once per start; Discord
// keeps them). A failure only means the commands may be missing: log it.
func (r *Receiver) registerCommands(s *discordgo.Session, appID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.ApplicationCommandBulkOverwrite(appID, "", Commands, discordgo.WithContext(ctx)); err != nil {
		r.log.Warn("discord: could not register the slash commands", "bot", r.bot, "err", err)
		return // unreachable: the agents' would fail the same way
	}
	if err := r.RegisterAgentCommands(ctx); err != nil {
		r.log.Warn("discord: agents' commands not registered for autocompletion; they still work when typed", "bot", r.bot, "err", err)
	}
}

// onMessage runs in the gateway's reading goroutine (SyncEvents), so a
// channel's messages are stored in the order Discord sent them. A message
// the inbox cannot take is retried until it can: the gateway has no
// acknowledgements, so giving up would lose it.
// gatewayEvent turns a gateway message into an event, or reports that it
// is not one: a message without an author or id (nothing to tell repeats
// apart by), or the bot's own.
func gatewayEvent(bot, botUserID string, m *discordgo.Message) (chat.Event, bool) {
	if m == nil || m.Author == nil || m.ID == "" || m.Author.ID == botUserID {
		return chat.Event{}, false
	}
	return NormalizeMessage(bot, botUserID, m), true
}

func (r *Receiver) onMessage(s *discordgo.Session, mc *discordgo.MessageCreate) {
	// discordgo calls handlers on its reading goroutine without a recover:
	// a decoding bug must cost one message, not the process.
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("discord: a gateway message could not be handled and is dropped", "bot", r.bot, "panic", v)
		}
	}()
	m := mc.Message
	r.mu.Lock()
	botID, ctx, staff, teams := r.botUserID, r.ctx, r.staff, r.teamChannels
	r.mu.Unlock()
	ev, ok := gatewayEvent(r.bot, botID, m)
	if !ok {
		return
	}
	if m.GuildID != "" {
		channel, thread := r.channelOf(s, m.ChannelID)
		mode := r.listen[channel]
		if mode != "all" && !mentions(m, botID) {
			return // a guild channel where the bot only answers mentions
		}
		if thread != "" {
			ev.ChatID, ev.ThreadID = channel, thread
		}
		// In a team channel staff are agents, and their messages are
		// commands and replies relayed to customers.
		if staff.Has(m.Member) && !slices.Contains(teams, channel) {
			FromStaff(&ev, m)
		}
	}
	for wait := 100 * time.Millisecond; ; wait = min(wait*2, 10*time.Second) {
		err := r.inbox.Accept(ctx, ev)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			r.log.Error("discord gateway: shutting down with a message not stored", "bot", r.bot, "message", m.ID)
			return
		}
		r.log.Warn("discord gateway: storing a message failed; retrying", "bot", r.bot, "message", m.ID, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// channelOf returns the channel a message belongs to for configuration
// purposes and, when it was written in a thread, the thread: a thread's
// messages count as its parent channel's.
func (r *Receiver) channelOf(s *discordgo.Session, id string) (channel, thread string) {
	if parent, ok := r.threads.parent(id); ok {
		return parent, id
	}
	if s.State != nil {
		if ch, err := s.State.Channel(id); err == nil && ch.IsThread() {
			return ch.ParentID, id
		}
	}
	return id, ""
}

// SetStaff sets the guild roles whose members speak for the brand.
func (r *Receiver) SetStaff(staff Staff) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.staff = staff
}

// Bot is the name of the bot the receiver works for.
func (r *Receiver) Bot() string { return r.bot }

// BotUserID is the bot's own user id, once the gateway said hello.
func (r *Receiver) BotUserID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.botUserID
}
