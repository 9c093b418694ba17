// Package discordtest is a fake of Discord's REST API and gateway that
// records every call, can be told to fail, and enforces rate limits, so
// tests drive the real bwmarrin/discordgo client against it:
//
//	srv := discordtest.New(discordtest.WithToken("TOKEN"))
//	defer srv.Close()
//	s, _ := discordgo.New("Bot TOKEN")
//	s.Client = srv.Client() // REST calls to discord.com go to srv
//	err := s.Open()         // GET /gateway answers with srv's websocket
//
// The REST side answers the routes a bot needs (see [Server]) under
// /api/v{N}/ for any N, with Discord's JSON errors; anything else is a
// 404. A message created with a nonce and enforce_nonce whose nonce the
// bot used within the last minutes is answered with that earlier message,
// as Discord does. The gateway at /gateway speaks JSON (optionally zlib-compressed)
// and supports identify, resume with replay, heartbeats and close codes.
package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Call is one REST request the server received.
type Call struct {
	Method string
	// Path is the request path without the /api/v{N} prefix, such as
	// "/channels/123/messages"; the query string is in Query.
	Path  string
	Query string
	// Route is the matched route, such as "POST /channels/{channel}/messages",
	// or "" when no route matched.
	Route string
	// Body is the JSON body, compacted; for multipart requests it is the
	// payload_json part. It is nil when the request had none.
	Body  json.RawMessage
	Files []string // file names of multipart uploads
	// Uploads are the uploaded files' contents, in the order of Files.
	Uploads [][]byte
	Token   string // the bot token from "Authorization: Bot <token>", if any
	// Status is the HTTP status answered and Code Discord's JSON error code
	// (0 on success and for errors without one).
	Status int
	Code   int
	At     time.Time
}

// Message is a message the bot created, or a state of one after an edit.
type Message struct {
	ID        string
	ChannelID string // "" for an interaction response whose channel is unknown
	InThread  bool   // ChannelID is a thread the server created
	ParentID  string // the thread's parent channel, when InThread
	Recipient string // the user, when ChannelID is a DM channel
	Content   string
	// Components, Embeds and AllowedMentions are the JSON sent, compacted,
	// or nil when absent, null or empty.
	Components      json.RawMessage
	Embeds          json.RawMessage
	AllowedMentions json.RawMessage
	ReplyTo         string // message_reference.message_id
	Flags           int    // e.g. 64 for an ephemeral interaction response
	// Interaction is the interaction token of an interaction response or
	// follow-up, "" for messages sent to a channel.
	Interaction string
	At          time.Time // when it was created
	Edited      time.Time // when this state was made by an edit; zero in Sent
}

// Thread is a thread the bot started.
type Thread struct {
	ID                  string
	ParentID            string
	Name                string
	Type                int    // 10 announcement, 11 public, 12 private thread
	MessageID           string // the starter message, for threads started from one
	AutoArchiveDuration int    // minutes; 0 when not given
	Deleted             bool
	At                  time.Time
}

// InteractionResponse is an answer to POST /interactions/{id}/{token}/callback.
type InteractionResponse struct {
	InteractionID string
	Token         string
	Type          int             // 4 message, 5 deferred message, 6 deferred update, 7 update, 9 modal…
	Data          json.RawMessage // nil when absent
	At            time.Time
}

// Identify is an IDENTIFY payload the gateway received.
type Identify struct {
	Token      string // as sent, usually "Bot <token>"
	Intents    int
	Properties map[string]any
	Shard      []int
	Compress   bool
	// Closed is the close code the server answered with (4004, 4014…), or 0
	// when it accepted the identify.
	Closed int
	At     time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithToken restricts the server to the given bot tokens (without the "Bot "
// prefix); others get 401 on REST and close code 4004 on the gateway.
// Without it any non-empty token is accepted.
func WithToken(tokens ...string) Option {
	return func(s *Server) {
		for _, t := range tokens {
			s.tokens[t] = true
		}
	}
}

// WithBotUser sets the bot's user id (also its application id, as for any
// bot created since 2016) and username.
func WithBotUser(id, username string) Option {
	return func(s *Server) { s.botID, s.botName = id, username }
}

// WithHeartbeatInterval sets the interval HELLO asks for (default 45 s).
// Tests that count heartbeats make it short; it is at least 1 ms.
func WithHeartbeatInterval(d time.Duration) Option {
	return func(s *Server) { s.heartbeat = max(d, time.Millisecond) }
}

// WithPrivilegedIntents says whether tokens may identify with the
// privileged intents GUILD_MEMBERS (1<<1), GUILD_PRESENCES (1<<8) and
// MESSAGE_CONTENT (1<<15) unless AllowPrivileged says otherwise for a
// token. The default is true; when false such identifies are closed with
// 4014.
func WithPrivilegedIntents(allowed bool) Option {
	return func(s *Server) { s.privileged = allowed }
}

// WithRateLimit makes every REST route except GET /gateway and
// /gateway/bot rate limited like Discord's buckets: per token, method, route
// and major parameter (channel, webhook or interaction), burst requests in a
// window of burst/perSecond seconds that starts with the window's first
// request. Answers carry X-RateLimit-* headers, and a request over the
// limit gets 429 with Retry-After and a retry_after body. By default there
// are no limits.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Server) {
		if perSecond > 0 && burst > 0 {
			s.limit = rateLimit{perSecond: perSecond, burst: burst}
		}
	}
}

// WithCompression makes the gateway send payloads after IDENTIFY as
// zlib-compressed binary frames to clients that identify with compress:true,
// as Discord does. By default every frame is uncompressed text.
func WithCompression() Option { return func(s *Server) { s.compress = true } }

// Server is a running fake of Discord. It answers, under /api/v{N}:
//
//	GET    /gateway, /gateway/bot, /users/@me, /channels/{channel}
//	POST   /users/@me/channels                      (DM channels)
//	POST   /channels/{channel}/messages
//	GET    /channels/{channel}/messages/{message}
//	PATCH  /channels/{channel}/messages/{message}
//	DELETE /channels/{channel}/messages/{message}
//	POST   /channels/{channel}/threads
//	POST   /channels/{channel}/messages/{message}/threads
//	POST   /interactions/{interaction}/{token}/callback
//	POST   /webhooks/{app}/{token}                  (interaction follow-ups)
//	PATCH  /webhooks/{app}/{token}/messages/{message} ("@original" too)
//
// and the gateway websocket at /gateway. Its methods are safe for
// concurrent use.
type Server struct {
	srv        *httptest.Server
	base       *url.URL
	wsURL      string
	tokens     map[string]bool
	botID      string
	botName    string
	heartbeat  time.Duration
	privileged bool
	limit      rateLimit
	compress   bool
	closed     chan struct{}
	closeOnce  sync.Once

	mu sync.Mutex
	// changed is closed and replaced whenever something a waiter may be
	// waiting for happens.
	changed      chan struct{}
	files        map[string][]byte // attachment id → content, served under /attachments/
	calls        []Call
	sent         []Message
	edits        []Message
	messages     map[string]*stored
	threads      map[string]*Thread
	threadOrder  []string
	dmByUser     map[string]string // user → DM channel
	dmUser       map[string]string // DM channel → user
	users        map[string]string // user id → name, from dispatched events
	unknown      map[string]bool
	blocked      map[string]bool
	failures     []*failure
	lates        []*late
	nonces       map[nonceKey]nonceUse
	buckets      map[string]*window
	limited      int
	interactions map[string]*interaction // by token
	responses    []InteractionResponse
	privilegedBy map[string]bool
	commands     map[string][]map[string]any // guild ("" global) → application commands
	guildOf      map[string]string           // channel → guild

	conns       []*conn // open websocket connections, oldest first
	connections int
	identifies  int
	resumes     int
	heartbeats  int
	identified  []Identify
	sessions    map[string]*gwSession
	current     *gwSession
}

// stored is a message the server knows: the bot's, or a user's from a
// dispatched MESSAGE_CREATE.
type stored struct {
	msg      Message
	author   string // user id
	deferred bool   // a deferred interaction response not yet edited
}

type interaction struct {
	id, token  string
	channel    string
	message    string // the message a component was on
	dispatched time.Time
	responded  bool
	original   string // id of the original response message
}

type failure struct {
	pattern string
	n       int
	status  int
	body    string
}

// late is a delay AnswerLate queued.
type late struct {
	pattern string
	n       int
	d       time.Duration
}

// nonceWindow is how long a nonce sent with enforce_nonce is remembered.
// Discord says "the past few minutes"; the fake takes the short reading.
const nonceWindow = 2 * time.Minute

// nonceKey: Discord checks a nonce's uniqueness per author.
type nonceKey struct{ author, nonce string }

type nonceUse struct {
	message string
	at      time.Time
}

// New starts a fake Discord on 127.0.0.1. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		tokens:       map[string]bool{},
		botID:        "1100000000000000001",
		botName:      "discordtest-bot",
		heartbeat:    45 * time.Second,
		privileged:   true,
		closed:       make(chan struct{}),
		changed:      make(chan struct{}),
		messages:     map[string]*stored{},
		threads:      map[string]*Thread{},
		dmByUser:     map[string]string{},
		dmUser:       map[string]string{},
		users:        map[string]string{},
		unknown:      map[string]bool{},
		commands:     map[string][]map[string]any{},
		guildOf:      map[string]string{},
		blocked:      map[string]bool{},
		buckets:      map[string]*window{},
		interactions: map[string]*interaction{},
		nonces:       map[nonceKey]nonceUse{},
		privilegedBy: map[string]bool{},
		sessions:     map[string]*gwSession{},
	}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc("/gateway/", s.serveGateway) // discordgo appends a slash
	mux.HandleFunc("/attachments/", s.serveAttachment)
	mux.HandleFunc("/", s.serveREST)
	s.srv = httptest.NewServer(mux)
	s.base, _ = url.Parse(s.srv.URL)
	s.wsURL = "ws://" + s.base.Host + "/gateway"
	return s
}

// URL is the server's base URL, such as http://127.0.0.1:PORT; the REST API
// is under URL()+"/api/v{N}/" for any version N (discordgo v0.29 uses 9).
func (s *Server) URL() string { return s.srv.URL }

// GatewayURL is the websocket URL GET /gateway answers with.
func (s *Server) GatewayURL() string { return s.wsURL }

// BotID is the bot's user id, which is also its application id.
func (s *Server) BotID() string { return s.botID }

// Close closes every gateway connection and stops the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		for _, c := range s.conns {
			_ = c.ws.Close()
		}
		s.mu.Unlock()
	})
	s.srv.Close()
}

// Transport is an http.RoundTripper that sends requests for discord.com
// and discordapp.com (any scheme, path kept) to the server, and requests for
// the server itself as they are. It refuses every other host, so a test
// never reaches the real Discord or its CDN.
func (s *Server) Transport() http.RoundTripper {
	return &rewriter{base: s.base, next: http.DefaultTransport}
}

// Client is an *http.Client using Transport with a 10 s timeout, for
// discordgo's Session.Client.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport(), Timeout: 10 * time.Second}
}

type rewriter struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	host := strings.ToLower(req.URL.Hostname())
	switch host {
	case "discord.com", "www.discord.com", "discordapp.com", "www.discordapp.com":
		r := req.Clone(req.Context())
		r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, ""
		return t.next.RoundTrip(r)
	}
	if req.URL.Host == t.base.Host {
		return t.next.RoundTrip(req)
	}
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return nil, fmt.Errorf("discordtest: refusing request to %s: only discord.com is faked", req.URL.Host)
}

// Calls returns every REST call so far, in the order they were answered.
func (s *Server) Calls() []Call { return s.CallsTo("") }

// CallsTo returns the REST calls matching pattern, or all calls for "".
//
// A pattern is "METHOD /path" or just "/path" (any method; "*" as METHOD
// also means any). The path is compared segment by segment with the request
// path stripped of its /api/v{N} prefix (which the pattern may also carry)
// and query: a segment in braces, such as {id} or {channel}, or "*" matches
// any one non-empty segment, a final "**" matches whatever follows, and
// any other segment must be equal. So "POST /channels/{id}/messages" is
// every message sent, "POST /channels/42/messages" those sent to channel
// 42, and "/webhooks/**" every webhook call.
func (s *Server) CallsTo(pattern string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if pattern == "" || matchPattern(pattern, c.Method, c.Path) {
			c.Body = slices.Clone(c.Body)
			c.Files = slices.Clone(c.Files)
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the messages created, in order: sent to channels, threads
// and DMs, interaction responses (type 4 callbacks, deferred ones when
// first edited, and PATCH @original of interactions the server never heard
// of, neither dispatched nor answered) and follow-ups. Edits do not change
// them; see Edits.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneMessages(s.sent)
}

// Edits returns the state of a message after each successful edit, in
// order.
func (s *Server) Edits() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneMessages(s.edits)
}

// Message returns the current state of a message the server knows: the
// bot's, or a user's from a dispatched MESSAGE_CREATE.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return Message{}, false
	}
	return cloneMessages([]Message{m.msg})[0], true
}

func cloneMessages(ms []Message) []Message {
	out := slices.Clone(ms)
	for i := range out {
		out[i].Components = slices.Clone(out[i].Components)
		out[i].Embeds = slices.Clone(out[i].Embeds)
		out[i].AllowedMentions = slices.Clone(out[i].AllowedMentions)
	}
	return out
}

// WaitSent blocks until at least n messages were created and returns them
// all. On timeout it returns those that were, with an error.
func (s *Server) WaitSent(n int, timeout time.Duration) ([]Message, error) {
	err := s.WaitUntil(timeout, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.sent) >= n
	})
	sent := s.Sent()
	if err != nil {
		return sent, fmt.Errorf("discordtest: %d of %d messages sent within %v", len(sent), n, timeout)
	}
	return sent, nil
}

// WaitUntil calls cond whenever the server's state changes (a call, a
// message, a gateway event) until it returns true, or times out with an
// error. cond may call the Server's methods.
func (s *Server) WaitUntil(timeout time.Duration, cond func() bool) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		// Evaluated after taking changed, so a change in between closes it.
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-timer.C:
			if cond() {
				return nil
			}
			return fmt.Errorf("discordtest: condition not met within %v", timeout)
		}
	}
}

// Threads returns the threads started, in order, Deleted set for those
// deleted since.
func (s *Server) Threads() []Thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Thread, 0, len(s.threadOrder))
	for _, id := range s.threadOrder {
		out = append(out, *s.threads[id])
	}
	return out
}

// DeleteThread deletes a thread, as a moderator might: messages to it, and
// new threads in it, get 404 Unknown Channel (10003). It reports whether
// the server had created such a thread.
func (s *Server) DeleteThread(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.threads[id]
	if ok {
		t.Deleted = true
	}
	return ok
}

// DMChannel returns the id of the DM channel created for userID, or "".
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmByUser[userID]
}

// SetUnknownChannel makes requests about channel id fail with 404 Unknown
// Channel (10003), as for a deleted channel or one the bot cannot see.
// Other channel ids are accepted as existing guild text channels.
func (s *Server) SetUnknownChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unknown[id] = true
}

// BlockDM makes messages to a user's DM channel fail with 403 code 50007
// "Cannot send messages to this user", as when the user has DMs from
// server members disabled or blocked the bot. id may be the user's id or
// a DM channel id. Opening the DM channel still works, as on Discord.
func (s *Server) BlockDM(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[id] = true
}

// UnblockDM undoes BlockDM.
func (s *Server) UnblockDM(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, id)
}

// InteractionResponses returns the interaction callbacks accepted, in order.
func (s *Server) InteractionResponses() []InteractionResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.responses)
	for i := range out {
		out[i].Data = slices.Clone(out[i].Data)
	}
	return out
}

// RateLimited reports how many 429 answers the rate limiter has given
// (injected failures are not counted).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// FailNext makes the next n REST calls matching route (a pattern as for
// CallsTo, such as "POST /channels/{id}/messages") fail with status and
// body, without effect. An empty body becomes Discord's JSON error for the
// status; for 429 it is a rate-limit body with retry_after 0.05, and a
// 429's X-RateLimit-* and Retry-After headers follow the body's
// retry_after. Queued failures are used in the order they were queued.
func (s *Server) FailNext(route string, n int, status int, body string) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{pattern: route, n: n, status: status, body: body})
}

// AnswerLate makes the next n REST calls matching route (as for FailNext)
// take effect at once but answer d later, as a slow Discord that has
// created the message already: a client that stops waiting does not undo
// it.
func (s *Server) AnswerLate(route string, n int, d time.Duration) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lates = append(s.lates, &late{pattern: route, n: n, d: d})
}

// ClearFailures drops the failures FailNext queued that are not used up.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
}

// AllowPrivileged says whether token (without "Bot ") may identify with
// privileged intents, overriding WithPrivilegedIntents for it.
func (s *Server) AllowPrivileged(token string, allowed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.privilegedBy[token] = allowed
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// validToken reports whether a token (without "Bot ") is accepted.
func (s *Server) validToken(token string) bool {
	return token != "" && (len(s.tokens) == 0 || s.tokens[token])
}

// SetChannelGuild makes channel one of guild's: GET /channels/{id} says so.
func (s *Server) SetChannelGuild(channel, guild string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guildOf[channel] = guild
}

// Commands returns the names of the application commands registered in a
// guild ("" for the global ones), in the order given.
func (s *Server) Commands(guild string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.commands[guild] {
		name, _ := c["name"].(string)
		out = append(out, name)
	}
	return out
}
