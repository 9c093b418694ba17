package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fakeAPI is a lean fake of Telegram's Bot API for load runs. Unlike
// bots/telegram/telegramtest it keeps no record of calls: per sendMessage
// only the chat, the message number the reply names and the time, so a run
// of millions of messages fits in memory.
type fakeAPI struct {
	srv   *http.Server
	url   string
	epoch time.Time // reply times are counted from it
	// latency is how long every call takes to be answered, as a real Bot
	// API across the internet does, so that a replica's senders wait on
	// I/O rather than on CPU.
	latency time.Duration

	outage  atomic.Bool
	refused atomic.Int64 // sendMessage calls answered 500 during an outage
	nextID  atomic.Int64 // message_id of the next message sent

	mu      sync.Mutex
	replies []reply
}

// reply is one message the bot sent.
type reply struct {
	chat int64
	msg  int   // the "[m<n>]" the text ends in, or -1
	at   int64 // nanoseconds since the fake's epoch
}

// noMarker is reply.msg when the text names no message.
const noMarker = -1

// startFakeAPI listens on addr ("" picks a free port on 127.0.0.1) and
// answers each call after latency.
func startFakeAPI(addr string, epoch time.Time, latency time.Duration) (*fakeAPI, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fake Bot API: %w", err)
	}
	f := &fakeAPI{url: "http://" + ln.Addr().String(), epoch: epoch, latency: latency}
	f.srv = &http.Server{
		Handler:           f,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go func() { _ = f.srv.Serve(ln) }() // returns when closed
	return f, nil
}

// URL is the Bot API base URL to give the bot (api_url).
func (f *fakeAPI) URL() string { return f.url }

func (f *fakeAPI) Close() error { return f.srv.Close() }

// setOutage makes sendMessage fail with 500 while on.
func (f *fakeAPI) setOutage(on bool) { f.outage.Store(on) }

// since returns the replies from the i-th on.
func (f *fakeAPI) since(i int) []reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i >= len(f.replies) {
		return nil
	}
	out := make([]reply, len(f.replies)-i)
	copy(out, f.replies[i:])
	return out
}

// botUser is who getMe says the bot is, and who messages come from.
var botUser = map[string]any{"id": 100000001, "is_bot": true, "first_name": "frontdesk-load", "username": "frontdesk_load_bot"}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// /bot<token>/<method>; any token is accepted.
	rest, found := strings.CutPrefix(r.URL.Path, "/bot")
	_, method, _ := strings.Cut(rest, "/")
	if !found || method == "" {
		answerError(w, http.StatusNotFound, "Not Found")
		return
	}
	p, err := readParams(r)
	if err != nil {
		answerError(w, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	// Wait before anything is locked or recorded: each call waits in its
	// own goroutine (net/http serves every connection in one), so calls in
	// flight wait side by side, and a reply counts as sent when the bot
	// hears it was.
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the caller gave up
		}
	}
	switch strings.ToLower(method) {
	case "getme":
		answer(w, botUser)
	case "sendmessage":
		f.sendMessage(w, p)
	case "editmessagetext", "editmessagereplymarkup":
		chat, _ := strconv.ParseInt(p["chat_id"], 10, 64)
		id, _ := strconv.ParseInt(p["message_id"], 10, 64)
		answer(w, f.message(id, chat, p["text"], time.Now()))
	case "getchat":
		chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
		if err != nil {
			answerError(w, http.StatusBadRequest, "Bad Request: chat not found")
			return
		}
		// Not a forum: handoff notices go to the group itself, no topics.
		answer(w, map[string]any{"id": chat, "type": chatType(chat), "is_forum": false})
	case "answercallbackquery", "setwebhook", "deletewebhook", "setmycommands", "sendchataction":
		answer(w, true)
	default:
		answerError(w, http.StatusNotFound, "Not Found: method not found")
	}
}

func (f *fakeAPI) sendMessage(w http.ResponseWriter, p map[string]string) {
	if f.outage.Load() {
		f.refused.Add(1)
		answerError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil || chat == 0 {
		answerError(w, http.StatusBadRequest, "Bad Request: chat not found")
		return
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		answerError(w, http.StatusBadRequest, "Bad Request: message text is empty")
		return
	}
	now := time.Now()
	f.mu.Lock()
	f.replies = append(f.replies, reply{chat: chat, msg: marker(text), at: int64(now.Sub(f.epoch))})
	f.mu.Unlock()
	answer(w, f.message(f.nextID.Add(1), chat, text, now))
}

// message is a Message object as Telegram returns it.
func (f *fakeAPI) message(id, chat int64, text string, at time.Time) map[string]any {
	return map[string]any{
		"message_id": id,
		"date":       at.Unix(),
		"chat":       map[string]any{"id": chat, "type": chatType(chat)},
		"from":       botUser,
		"text":       text,
	}
}

func chatType(chat int64) string {
	if chat < 0 {
		return "supergroup"
	}
	return "private"
}

// marker reads the message number from a reply ending in "[m<n>]".
func marker(text string) int {
	i := strings.LastIndex(text, "[m")
	if i < 0 {
		return noMarker
	}
	digits, _, found := strings.Cut(text[i+2:], "]")
	n, err := strconv.Atoi(digits)
	if !found || err != nil || n < 0 {
		return noMarker
	}
	return n
}

// readParams flattens the query and a multipart (go-telegram/bot), JSON or
// urlencoded body into strings, as Telegram reads parameters.
func readParams(r *http.Request) (map[string]string, error) {
	p := map[string]string{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, fmt.Errorf("multipart body: %w", err)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return p, nil
			}
			if err != nil {
				return nil, fmt.Errorf("multipart body: %w", err)
			}
			b, err := io.ReadAll(io.LimitReader(part, 1<<20))
			if err != nil {
				return nil, fmt.Errorf("multipart body: %w", err)
			}
			p[part.FormName()] = string(b)
		}
	case "application/json":
		var body map[string]json.RawMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("JSON body: %w", err)
		}
		for k, raw := range body {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				p[k] = s
			} else {
				p[k] = string(raw) // numbers (chat_id) and objects, as written
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, fmt.Errorf("form body: %w", err)
		}
		for k, v := range r.PostForm {
			p[k] = v[0]
		}
	}
	return p, nil
}

func answer(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func answerError(w http.ResponseWriter, status int, desc string) {
	writeJSON(w, status, map[string]any{"ok": false, "error_code": status, "description": desc})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client went away: nothing to do
}
