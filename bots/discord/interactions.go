package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Inbox durably stores an accepted event; it returns only after the event is
// committed.
type Inbox interface {
	Accept(ctx context.Context, ev chat.Event) error
}

// MaxInteractionSize bounds an interaction body. Interactions carry one
// command or button press with its user and member; they stay far below it.
const MaxInteractionSize = 64 << 10

// interactionMaxSkew is how far a signed timestamp may be from our clock.
// A genuine request is seconds old; an older one is a replay.
const interactionMaxSkew = 5 * time.Minute

// discordEpochMs is the first millisecond of 2015, where snowflakes count from.
const discordEpochMs = 1420070400000

// Interaction types and callback types we use (Discord's numbers).
const (
	interactionPing               = 1
	interactionApplicationCommand = 2
	interactionMessageComponent   = 3
	interactionAutocomplete       = 4
	interactionModalSubmit        = 5

	optionSubCommand      = 1
	optionSubCommandGroup = 2
	optionString          = 3
)

// Interactions answers Discord's Interactions Endpoint URL for one bot:
// slash commands and button presses are verified, stored in the inbox and
// acknowledged with a deferred response; the reply follows through the
// interaction webhook (see Event.CallbackID).
//
// Discord waits at most three seconds for the answer and does not retry, so
// the inbox must commit quickly; an inbox failure is answered with 503 and
// the customer sees "interaction failed" and can try again. Nothing that was
// acknowledged is ever lost.
type Interactions struct {
	bot   string
	key   ed25519.PublicKey
	inbox Inbox
	log   *slog.Logger
	now   func() time.Time
	// threads knows the threads this bot opened, for payloads that do not
	// say a channel is a thread.
	threads *Threads
}

// WithThreads shares the bot's thread registry (see Threads).
func WithThreads(t *Threads) InteractionsOption {
	return func(h *Interactions) { h.threads = t }
}

// isThreadType: announcement, public and private threads.
func isThreadType(t int) bool { return t == 10 || t == 11 || t == 12 }

// InteractionsOption configures an Interactions handler.
type InteractionsOption func(*Interactions)

// WithClock replaces time.Now, for the replay check and event times.
func WithClock(now func() time.Time) InteractionsOption {
	return func(h *Interactions) {
		if now != nil {
			h.now = now
		}
	}
}

// NewInteractions makes the handler for bot. publicKey is the application's
// public key from the developer portal (see ParsePublicKey). A nil log
// discards.
func NewInteractions(bot string, publicKey ed25519.PublicKey, inbox Inbox, log *slog.Logger, opts ...InteractionsOption) *Interactions {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Interactions{bot: bot, key: publicKey, inbox: inbox, log: log, now: time.Now}
	for _, o := range opts {
		o(h)
	}
	return h
}

// ParsePublicKey decodes the application's public key as the developer
// portal shows it: 64 hexadecimal characters.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if len(s) != 2*ed25519.PublicKeySize {
		return nil, fmt.Errorf("discord public key: want %d hex characters, got %d", 2*ed25519.PublicKeySize, len(s))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("discord public key: not hexadecimal: %w", err)
	}
	return ed25519.PublicKey(b), nil
}

// InteractionTime is the creation time encoded in a snowflake id, or the
// zero time if id is not a snowflake.
func InteractionTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpochMs).UTC()
}

func (h *Interactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInteractionSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "interaction too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read body", http.StatusBadRequest)
		return
	}
	if len(h.key) != ed25519.PublicKeySize {
		// ed25519.Verify would panic; refuse everything until configured.
		h.log.ErrorContext(r.Context(), "discord interactions: no valid public key configured", "bot", h.bot)
		http.Error(w, "not configured", http.StatusInternalServerError)
		return
	}
	if status, reason := h.verify(r.Header, body); status != 0 {
		// Discord sends bad signatures on purpose to test the endpoint, so
		// a forged request is routine (debug); a genuine but stale one
		// means a replay or a skewed clock (warn). Never log the body or
		// the headers: they carry personal data.
		level := slog.LevelDebug
		if status == refusedStale {
			level = slog.LevelWarn
		}
		h.log.Log(r.Context(), level, "discord interactions: request refused", "bot", h.bot, "reason", reason)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}

	var in interaction
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "not a Discord interaction", http.StatusBadRequest)
		return
	}
	switch in.Type {
	case interactionPing:
		writeInteractionJSON(w, `{"type":1}`) // PONG
	case interactionApplicationCommand, interactionMessageComponent:
		ev, err := h.event(&in, body)
		if err != nil {
			h.log.DebugContext(r.Context(), "discord interactions: unusable interaction", "bot", h.bot, "reason", err.Error())
			http.Error(w, "not a usable Discord interaction", http.StatusBadRequest)
			return
		}
		if err := h.inbox.Accept(r.Context(), ev); err != nil {
			h.log.WarnContext(r.Context(), "discord interactions: interaction not stored", "bot", h.bot, "interaction_id", in.ID, "err", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		if in.Type == interactionApplicationCommand {
			writeInteractionJSON(w, `{"type":5}`) // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
		} else {
			writeInteractionJSON(w, `{"type":6}`) // DEFERRED_UPDATE_MESSAGE
		}
	case interactionAutocomplete:
		writeInteractionJSON(w, `{"type":8,"data":{"choices":[]}}`) // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
	case interactionModalSubmit:
		writeInteractionJSON(w, `{"type":6}`)
	default:
		http.Error(w, "unsupported interaction type", http.StatusBadRequest)
	}
}

// Reasons verify refuses a request; only refusedStale is told apart in the log level.
const (
	refusedForged = 1 + iota
	refusedStale
)

// verify checks Discord's Ed25519 signature over timestamp+body, then that
// the signed timestamp is fresh. It returns 0 for a genuine, fresh request.
func (h *Interactions) verify(hdr http.Header, body []byte) (int, string) {
	sigHex, ts := hdr.Get("X-Signature-Ed25519"), hdr.Get("X-Signature-Timestamp")
	if sigHex == "" || ts == "" {
		return refusedForged, "missing signature headers"
	}
	if len(sigHex) != 2*ed25519.SignatureSize {
		return refusedForged, "malformed signature"
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return refusedForged, "malformed signature"
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(h.key, msg, sig) {
		return refusedForged, "signature does not verify"
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return refusedForged, "malformed timestamp"
	}
	skew := h.now().Sub(time.Unix(sec, 0))
	if skew > interactionMaxSkew || skew < -interactionMaxSkew {
		return refusedStale, "timestamp out of range (replay or clock skew)"
	}
	return 0, ""
}

// event normalizes an application command or a button press.
func (h *Interactions) event(in *interaction, raw []byte) (chat.Event, error) {
	if in.ID == "" {
		return chat.Event{}, errors.New("no id")
	}
	if in.Token == "" {
		return chat.Event{}, errors.New("no token")
	}
	u := in.User // direct messages
	if in.Member != nil && in.Member.User != nil {
		u = in.Member.User // guilds
	}
	if u == nil || u.ID == "" {
		return chat.Event{}, errors.New("no user")
	}
	chatID := in.ChannelID
	if chatID == "" && in.Channel != nil {
		chatID = in.Channel.ID
	}
	name := u.GlobalName
	if name == "" {
		name = u.Username
	}
	ev := chat.Event{
		Platform:   chat.Discord,
		Bot:        h.bot,
		ExternalID: "interaction:" + in.ID,
		ChatID:     chatID,
		ChatType:   chat.ChatGroup,
		CallbackID: in.ApplicationID + ":" + in.Token,
		Customer: chat.Customer{
			ID:       u.ID,
			Name:     name,
			Username: u.Username,
			Language: in.Locale,
			IsBot:    u.Bot,
		},
		Time: h.now().UTC(),
		Raw:  json.RawMessage(raw),
	}
	if in.GuildID == "" {
		ev.ChatType = chat.ChatPrivate
	}
	// A press in a thread (an agents' thread per customer) belongs to the
	// thread's channel, with the thread as ThreadID, like gateway messages.
	parent := ""
	if in.Channel != nil && isThreadType(in.Channel.Type) {
		parent = in.Channel.ParentID
	}
	if p, ok := h.threads.parent(chatID); ok && parent == "" {
		parent = p
	}
	if parent != "" {
		ev.ChatID, ev.ThreadID = parent, chatID
	}
	var data interactionData
	if in.Data != nil {
		data = *in.Data
	}
	switch in.Type {
	case interactionApplicationCommand:
		if data.Name == "" {
			return chat.Event{}, errors.New("command without a name")
		}
		ev.Kind = chat.KindCommand
		ev.Text = commandText(data.Name, data.Options)
	case interactionMessageComponent:
		ev.Kind = chat.KindCallback
		ev.Text = data.CustomID
		if in.Message != nil {
			ev.ReplyTo = in.Message.ID
		}
	}
	return ev, nil
}

// commandText renders a slash command the way a customer would type it:
// "/name", then subcommand names, then the first string option's value.
func commandText(name string, opts []interactionOption) string {
	var b strings.Builder
	b.WriteString("/" + name)
	for len(opts) > 0 {
		var next []interactionOption
		for _, o := range opts {
			if o.Type == optionSubCommand || o.Type == optionSubCommandGroup {
				b.WriteString(" " + o.Name)
				next = o.Options
				break
			}
			if o.Type == optionString {
				var v string
				if json.Unmarshal(o.Value, &v) == nil && v != "" {
					b.WriteString(" " + v)
					return b.String()
				}
			}
		}
		opts = next
	}
	return b.String()
}

func writeInteractionJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, body)
}

// interaction is the part of Discord's interaction object we read. Our own
// structs, rather than discordgo.Interaction, so that unknown data shapes
// and new interaction types never fail decoding.
type interaction struct {
	ID            string           `json:"id"`
	ApplicationID string           `json:"application_id"`
	Type          int              `json:"type"`
	Data          *interactionData `json:"data"`
	GuildID       string           `json:"guild_id"`
	ChannelID     string           `json:"channel_id"`
	Channel       *struct {
		ID       string `json:"id"`
		Type     int    `json:"type"`
		ParentID string `json:"parent_id"`
	} `json:"channel"`
	Member *struct {
		User *interactionUser `json:"user"`
	} `json:"member"`
	User    *interactionUser `json:"user"`
	Token   string           `json:"token"`
	Locale  string           `json:"locale"`
	Message *struct {
		ID string `json:"id"`
	} `json:"message"`
}

type interactionUser struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name"`
	Bot        bool   `json:"bot"`
}

type interactionData struct {
	Name     string              `json:"name"`      // commands
	Options  []interactionOption `json:"options"`   // commands
	CustomID string              `json:"custom_id"` // components and modals
}

type interactionOption struct {
	Type    int                 `json:"type"`
	Name    string              `json:"name"`
	Value   json.RawMessage     `json:"value"`
	Options []interactionOption `json:"options"`
}
