package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// DefaultAPIURL is where Discord's REST API lives; discordgo's endpoints
// are built from it.
const DefaultAPIURL = "https://discord.com/"

// MaxMessageLen is Discord's limit on a message's content, in characters.
const MaxMessageLen = 2000

// NewSession makes a discordgo session for a bot token (with or without
// its "Bot " prefix). apiURL, when set, replaces Discord's host for every
// REST call (a fake in tests, a proxy in production); the gateway URL
// comes from the REST API, so it follows. discordgo's own retrying is
// turned off: the outbox owns retries and honours retry_after, and the
// receiver owns reconnecting, so a refused token does not loop forever.
func NewSession(token, apiURL string) (*discordgo.Session, error) {
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bot "))
	if token == "" {
		return nil, errors.New("discord: empty token")
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	// Sends in flight share kept-alive connections: net/http's default
	// keeps two idle per host, and the rest would each dial and handshake.
	pool := http.DefaultTransport.(*http.Transport).Clone()
	pool.MaxIdleConns, pool.MaxIdleConnsPerHost = 256, 256
	var transport http.RoundTripper = pool
	if apiURL != "" && apiURL != DefaultAPIURL {
		base, err := url.Parse(apiURL)
		if err != nil || base.Host == "" {
			return nil, fmt.Errorf("discord api_url %q: want a URL like http://127.0.0.1:8081", apiURL)
		}
		transport = rewriteHost{base: base, next: pool}
	}
	// Every call gets a deadline even if a caller forgets one.
	s.Client = &http.Client{Timeout: 30 * time.Second, Transport: transport}
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	s.ShouldReconnectOnError = false
	s.SyncEvents = true // handlers run in order, so a channel's messages are stored in order
	// Guilds: thread creations and the active threads at start, so a message
	// in an agents' thread is known to belong to the agents' channel.
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent
	return s, nil
}

// rewriteHost sends requests for discord.com to another base URL.
type rewriteHost struct {
	base *url.URL
	next http.RoundTripper
}

func (r rewriteHost) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" {
		return r.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host = r.base.Scheme, r.base.Host
	req.URL.Path = strings.TrimSuffix(r.base.Path, "/") + req.URL.Path
	req.Host = r.base.Host
	return r.next.RoundTrip(req)
}

// Threads remembers which channel each thread the bot opened belongs to,
// shared by a bot's sender (which opens them) and receiver (which files
// agents' messages in them under the agents' channel).
type Threads struct{ parents sync.Map }

func (t *Threads) add(thread, parent string) {
	if t != nil {
		t.parents.Store(thread, parent)
	}
}

func (t *Threads) parent(thread string) (string, bool) {
	if t == nil {
		return "", false
	}
	p, ok := t.parents.Load(thread)
	if !ok {
		return "", false
	}
	return p.(string), true
}

// Sender delivers outgoing messages to Discord channels, threads and
// interaction responses.
type Sender struct {
	s       *discordgo.Session
	threads *Threads
	dms     sync.Map // user id → DM channel id
}

func NewSender(s *discordgo.Session, threads *Threads) *Sender {
	return &Sender{s: s, threads: threads}
}

// noMentions keeps anything a customer wrote (relayed to agents) or a
// template produced from pinging @everyone or anyone else.
var noMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}

// Send delivers one outgoing message and returns the id of the last message
// Discord created. Texts over 2,000 characters go out as several messages,
// split at paragraph, line or word boundaries. Errors are *chat.SendError.
func (s *Sender) Send(ctx context.Context, out chat.Outgoing) (string, error) {
	opt := discordgo.WithContext(ctx)
	parts := Split(out.Text, MaxMessageLen)
	components := components(out.Buttons)
	if out.CallbackID != "" {
		return s.answerInteraction(ctx, out, parts, components)
	}
	channel := out.ChatID
	if out.ThreadID != "" {
		channel = out.ThreadID // a thread is a channel of its own
	}
	if user, ok := strings.CutPrefix(channel, chat.DirectMessagePrefix); ok {
		dm, err := s.directMessages(ctx, user)
		if err != nil {
			return "", err
		}
		channel = dm
	}
	if len(out.Media) > 0 && out.EditMessageID == "" {
		return s.sendMedia(ctx, out, channel)
	}
	if out.EditMessageID != "" {
		m, err := s.s.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: out.EditMessageID, Channel: channel,
			Content: &parts[0], Components: &components, AllowedMentions: noMentions}, opt)
		if err == nil {
			return m.ID, nil
		}
		if code(err) != discordgo.ErrCodeUnknownMessage {
			return "", classify(err, out)
		}
		// The message to update was deleted: post the update anew.
	}
	var last string
	for i, text := range parts {
		msg := &discordgo.MessageSend{Content: text, AllowedMentions: noMentions}
		if i == 0 && out.ReplyTo != "" {
			msg.Reference = &discordgo.MessageReference{MessageID: out.ReplyTo, ChannelID: channel, FailIfNotExists: new(false)}
		}
		if i == len(parts)-1 {
			msg.Components = components
		}
		m, err := s.create(channel, msg, nonce(out, channel, i, text), opt)
		if err != nil {
			// A retry sends the parts already sent again with the same
			// nonces, so Discord answers with the messages it has.
			return "", classify(err, out)
		}
		last = m.ID
	}
	return last, nil
}

// Deduplicates: a message to a channel, thread or DM goes with a nonce
// Discord enforces, and an edit is the same edit again, so repeating a
// send that got no answer does not post it twice. Interaction follow-ups
// take no nonce.
func (s *Sender) Deduplicates(out chat.Outgoing) bool { return out.CallbackID == "" }

// create posts a message with a nonce and enforce_nonce, which discordgo's
// MessageSend lacks: Discord then answers a create whose nonce the bot
// used in the past few minutes with the message created first, instead of
// creating another.
func (s *Sender) create(channel string, msg *discordgo.MessageSend, nonce string, opt discordgo.RequestOption) (*discordgo.Message, error) {
	body := struct {
		*discordgo.MessageSend
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
	}{msg, nonce, true}
	endpoint := discordgo.EndpointChannelMessages(channel)
	resp, err := s.s.RequestWithBucketID(http.MethodPost, endpoint, body, endpoint, opt)
	if err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := json.Unmarshal(resp, &m); err != nil {
		return nil, fmt.Errorf("discord create message: %w", err)
	}
	return &m, nil
}

// nonce identifies one part of one outbox message in one channel, the
// same on every attempt. It hashes the outbox id with where and what is
// sent, so a reset database's reused ids do not match older messages;
// Discord takes at most 25 characters.
func nonce(out chat.Outgoing, channel string, part int, text string) string {
	h := sha256.Sum256(fmt.Appendf(nil, "frontdesk outbox %d part %d in %s: %s", out.ID, part, channel, text))
	return hex.EncodeToString(h[:12])
}

// directMessages returns the DM channel with a user, opening it once.
func (s *Sender) directMessages(ctx context.Context, user string) (string, error) {
	if id, ok := s.dms.Load(user); ok {
		return id.(string), nil
	}
	ch, err := s.s.UserChannelCreate(user, discordgo.WithContext(ctx))
	if err != nil {
		return "", classify(err, chat.Outgoing{})
	}
	s.dms.Store(user, ch.ID)
	return ch.ID, nil
}

// answerInteraction completes a deferred interaction response: the reply
// to a slash command replaces Discord's "thinking…", further parts follow;
// an answer to an agent's button press is a private (ephemeral) follow-up.
func (s *Sender) answerInteraction(ctx context.Context, out chat.Outgoing, parts []string, comps []discordgo.MessageComponent) (string, error) {
	app, token, ok := strings.Cut(out.CallbackID, ":")
	if !ok {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: errors.New("interaction id without application id")}
	}
	in := &discordgo.Interaction{AppID: app, Token: token}
	opt := discordgo.WithContext(ctx)
	if out.Action == "callback_answer" && out.Text == "" {
		if err := s.s.InteractionResponseDelete(in, opt); err != nil {
			return "", classify(err, out)
		}
		return "", nil
	}
	if out.Action == "callback_answer" {
		m, err := s.s.FollowupMessageCreate(in, true, &discordgo.WebhookParams{Content: parts[0], Flags: discordgo.MessageFlagsEphemeral,
			AllowedMentions: noMentions}, opt)
		if err != nil {
			return "", classify(err, out)
		}
		return m.ID, nil
	}
	var last string
	for i, text := range parts {
		var m *discordgo.Message
		var err error
		if i == 0 {
			edit := &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions}
			if len(parts) == 1 && len(comps) > 0 {
				edit.Components = &comps
			}
			m, err = s.s.InteractionResponseEdit(in, edit, opt)
		} else {
			p := &discordgo.WebhookParams{Content: text, AllowedMentions: noMentions}
			if i == len(parts)-1 {
				p.Components = comps
			}
			m, err = s.s.FollowupMessageCreate(in, true, p, opt)
		}
		if err != nil {
			return "", classify(err, out)
		}
		last = m.ID
	}
	return last, nil
}

// IsForum: on Discord every agents' channel takes a thread per customer
// conversation, the way modmail bots work.
func (s *Sender) IsForum(context.Context, string) (bool, error) { return true, nil }

// CreateTopic starts a public thread in the agents' channel and returns its id.
func (s *Sender) CreateTopic(ctx context.Context, channelID, name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if r := []rune(name); len(r) > 100 {
		name = string(r[:99]) + "…"
	}
	if name == "" {
		name = "Customer"
	}
	ch, err := s.s.ThreadStartComplex(channelID, &discordgo.ThreadStart{Name: name, Type: discordgo.ChannelTypeGuildPublicThread,
		AutoArchiveDuration: 10080}, discordgo.WithContext(ctx))
	if err != nil {
		return "", classify(err, chat.Outgoing{ChatID: channelID})
	}
	s.threads.add(ch.ID, channelID)
	return ch.ID, nil
}

func components(rows [][]chat.Button) []discordgo.MessageComponent {
	var out []discordgo.MessageComponent
	for _, row := range rows {
		var buttons []discordgo.MessageComponent
		for _, b := range row {
			if len(buttons) == 5 { // Discord's limit per row
				break
			}
			if b.URL != "" {
				buttons = append(buttons, discordgo.Button{Label: b.Text, Style: discordgo.LinkButton, URL: b.URL})
				continue
			}
			buttons = append(buttons, discordgo.Button{Label: b.Text, Style: discordgo.SecondaryButton, CustomID: b.Data})
		}
		if len(buttons) > 0 {
			out = append(out, discordgo.ActionsRow{Components: buttons})
		}
	}
	return out
}

func code(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// classify maps discordgo's errors onto the outbox's retry classes.
func classify(err error, out chat.Outgoing) error {
	var limited *discordgo.RateLimitError
	if errors.As(err, &limited) {
		return &chat.SendError{Kind: chat.SendRateLimited, RetryAfter: max(limited.RetryAfter, 100*time.Millisecond), Err: err}
	}
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return &chat.SendError{Kind: chat.SendTemporary, Err: err}
	}
	status := re.Response.StatusCode
	switch {
	case code(err) == discordgo.ErrCodeCannotSendMessagesToThisUser:
		return &chat.SendError{Kind: chat.SendBlocked, Err: err}
	case code(err) == discordgo.ErrCodeUnknownChannel && out.ThreadID != "":
		return &chat.SendError{Kind: chat.SendThreadGone, Err: err}
	case status == http.StatusTooManyRequests, status >= 500, status == http.StatusRequestTimeout:
		return &chat.SendError{Kind: chat.SendTemporary, Err: err}
	}
	return &chat.SendError{Kind: chat.SendPermanent, Err: err}
}

// Split cuts text into parts of at most limit characters, preferring a
// paragraph break, then a line break, then a sentence end, then a space in
// the second half of each part, so no part ends mid-word when avoidable.
func Split(text string, limit int) []string {
	if utf8.RuneCountInString(text) <= limit {
		return []string{text}
	}
	var parts []string
	for utf8.RuneCountInString(text) > limit {
		cut := byteIndexOfRune(text, limit)
		head := text[:cut]
		at := -1
		for _, sep := range []string{"\n\n", "\n", ". ", "。", " "} {
			if i := strings.LastIndex(head, sep); i >= len(head)/2 {
				at = i + len(sep)
				break
			}
		}
		if at <= 0 {
			at = cut
		}
		parts = append(parts, strings.TrimRight(text[:at], " \n"))
		text = strings.TrimLeft(text[at:], " \n")
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// byteIndexOfRune is the byte offset of the n-th rune.
func byteIndexOfRune(s string, n int) int {
	i := 0
	for j := range s {
		if i == n {
			return j
		}
		i++
	}
	return len(s)
}
