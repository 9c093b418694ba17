// Package telegramtest is a fake of Telegram's Bot API that records every
// call, can be told to fail, and enforces Telegram's rate limits, so tests
// drive the real go-telegram/bot client against it:
//
//	srv := telegramtest.New()
//	defer srv.Close()
//	b, _ := bot.New("token", bot.WithServerURL(srv.URL()))
//
// It implements the handful of methods the bot uses (see [Server]); anything
// else is answered with 404 like an unknown method on the real API.
package telegramtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Call is one request the server received.
type Call struct {
	Method string
	Params map[string]string
	// Status is the HTTP status (and error_code) answered, or 0 when the
	// client gave up before an answer was ready.
	Status int
	At     time.Time
}

// Message is a message the bot sent successfully with sendMessage.
type Message struct {
	ChatID      int64
	ThreadID    int64
	MessageID   int64
	Text        string
	ReplyTo     int64 // reply_parameters.message_id
	ReplyMarkup string
	At          time.Time
	// Media is what a sendPhoto, sendDocument, … or one item of a
	// sendMediaGroup carried; Text is then its caption.
	Media *Media
}

// Failure describes how an injected failure answers.
type Failure struct {
	Status      int // 0 together with Delay answers normally, only late
	Description string
	RetryAfter  int           // seconds, sent with status 429
	Delay       time.Duration // before answering; cut short if the client goes away
	// Late answers normally but this much after the method took effect, as
	// a slow Bot API that has delivered the message already: a client that
	// stops waiting does not undo it.
	Late time.Duration
}

// Option configures a Server.
type Option func(*Server)

// WithToken restricts the server to the given bot tokens; others get 401.
// Without it any token is accepted.
func WithToken(tokens ...string) Option {
	return func(s *Server) {
		for _, t := range tokens {
			s.tokens[t] = true
		}
	}
}

// WithLimits replaces the default rate limits. Zero fields take defaults.
func WithLimits(l Limits) Option { return func(s *Server) { s.limits = l } }

// WithBotUser sets the user getMe returns and messages are sent from.
func WithBotUser(id int64, username string) Option {
	return func(s *Server) { s.botID, s.botUsername = id, username }
}

// WithClock replaces time.Now for rate limiting and timestamps, so tests can
// step through rate-limit windows without waiting. It must be safe for
// concurrent use. Long-poll waits and delays always use real time.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// Server is a running fake Bot API. It answers getMe, sendMessage,
// editMessageText, editMessageReplyMarkup, createForumTopic, getChat, getUpdates,
// answerCallbackQuery, setWebhook, deleteWebhook, setMyCommands and
// sendChatAction. Its methods are safe for concurrent use.
type Server struct {
	srv         *httptest.Server
	tokens      map[string]bool
	limits      Limits
	now         func() time.Time
	botID       int64
	botUsername string
	closed      chan struct{}
	closeOnce   sync.Once

	mu sync.Mutex
	// changed is closed and replaced whenever something a waiter may be
	// waiting for happens, which lets waiters also watch timers and contexts.
	changed     chan struct{}
	calls       []Call
	sent        []Message
	messages    map[msgKey]Message // current content, for edits
	lastID      map[int64]int64    // per-chat message_id counter
	failNext    map[string][]queuedFailure
	failAlways  map[string]Failure
	blocked     map[int64]bool
	updates     []queuedUpdate
	polling     int // getUpdates calls waiting, for tests of the wake-up
	chatBuckets map[chatKey]*bucket
	botBuckets  map[string]*bucket
	limited     int
	forums      map[int64]map[int64]bool // forum chat → its live topics
	topics      []Topic
	commands    map[string][]BotCommand // scope → the list set last
	files       map[string][]byte       // file id → content, for getFile and downloads
}

// Topic is a forum topic the bot created.
type Topic struct {
	ChatID   int64
	ThreadID int64
	Name     string
}

type msgKey struct{ chat, id int64 }

type queuedFailure struct {
	f Failure
	n int
}

type queuedUpdate struct {
	id  int64
	raw json.RawMessage
}

// New starts a fake Bot API server on 127.0.0.1. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{
		tokens:      map[string]bool{},
		limits:      DefaultLimits(),
		now:         time.Now,
		botID:       100000001,
		botUsername: "telegramtest_bot",
		closed:      make(chan struct{}),
		changed:     make(chan struct{}),
		messages:    map[msgKey]Message{},
		lastID:      map[int64]int64{},
		failNext:    map[string][]queuedFailure{},
		failAlways:  map[string]Failure{},
		blocked:     map[int64]bool{},
		forums:      map[int64]map[int64]bool{},
		chatBuckets: map[chatKey]*bucket{},
		botBuckets:  map[string]*bucket{},
		commands:    map[string][]BotCommand{},
		files:       map[string][]byte{},
	}
	for _, o := range opts {
		o(s)
	}
	s.limits = s.limits.withDefaults()
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/file/bot") {
			s.serveFile(w, r)
			return
		}
		s.serve(w, r)
	}))
	return s
}

// URL is the base URL to pass to bot.WithServerURL.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server. Pending long polls and delayed answers are cut
// short, because httptest.Server.Close waits for every request to finish.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.srv.Close()
}

// Calls returns every call so far, in the order they were answered.
func (s *Server) Calls() []Call { return s.CallsTo("") }

// CallsTo returns the calls to one method, or all calls for "". Method names
// match case-insensitively, as on Telegram.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			c.Params = maps.Clone(c.Params)
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the messages sent successfully with sendMessage, in order.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.sent...)
}

// WaitSent blocks until at least n messages were sent and returns them all.
// On timeout it returns those that did arrive with an error.
func (s *Server) WaitSent(n int, timeout time.Duration) ([]Message, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.sent), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Sent(), nil
		}
		select {
		case <-changed:
		case <-timer.C:
			if sent := s.Sent(); len(sent) < n {
				return sent, fmt.Errorf("telegramtest: %d of %d messages sent within %v", len(sent), n, timeout)
			}
		}
	}
}

// RateLimited reports how many 429 answers the server has given.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// FailNext makes the next n calls to method fail as f describes. Queued
// failures are used up in the order they were queued.
func (s *Server) FailNext(method string, n int, f Failure) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := strings.ToLower(method)
	s.failNext[m] = append(s.failNext[m], queuedFailure{f: f, n: n})
}

// SetFailure makes every call to method fail as f describes until it is
// called again with nil, like an outage. FailNext failures take precedence.
func (s *Server) SetFailure(method string, f *Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		delete(s.failAlways, strings.ToLower(method))
		return
	}
	s.failAlways[strings.ToLower(method)] = *f
}

// SetForum makes chatID a forum: getChat says so, and topics can be
// created in it.
func (s *Server) SetForum(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forums[chatID] == nil {
		s.forums[chatID] = map[int64]bool{}
	}
}

// DeleteTopic removes a forum topic, as an admin might: sending into it
// fails with "message thread not found".
func (s *Server) DeleteTopic(chatID, threadID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.forums[chatID], threadID)
}

// Topics lists the forum topics created, in order.
func (s *Server) Topics() []Topic {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.topics)
}

// Commands returns the command lists set with setMyCommands, by scope:
// "default", "all_private_chats", "chat:ID" and so on.
func (s *Server) Commands() map[string][]BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]BotCommand, len(s.commands))
	for k, v := range s.commands {
		out[k] = slices.Clone(v)
	}
	return out
}

// Block makes sends to chatID fail with 403, as when a user blocks the bot.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Unblock undoes Block.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// QueueUpdate queues a raw Update for getUpdates. It panics if raw has no
// numeric update_id, since Telegram's offset semantics depend on it.
func (s *Server) QueueUpdate(raw json.RawMessage) {
	var u struct {
		ID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &u); err != nil || u.ID == nil {
		panic(fmt.Sprintf("telegramtest: update without update_id: %s", raw))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, queuedUpdate{id: *u.ID, raw: append(json.RawMessage(nil), raw...)})
	s.notifyLocked()
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
