package sandbox

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// MaxBodySize bounds a POST body.
const MaxBodySize = 64 << 10

// MaxTextLength bounds a message, in characters (Telegram's limit).
const MaxTextLength = 4096

//go:embed static
var static embed.FS

var pages = map[string]string{
	"/":          "static/index.html",
	"/app.js":    "static/app.js",
	"/style.css": "static/style.css",
}

// ServeHTTP serves the page and its API; the owner mounts it with its
// prefix stripped and authenticates the requests before.
//
// The HTTP API is under the prefix the owner mounts the sandbox at (its
// handler sees the path with the prefix stripped). Bodies are JSON of at
// most MaxBodySize bytes, sent as Content-Type application/json; unknown
// fields are refused. Errors are {"ok":false,"error":"…"} with a 4xx
// status for bad input (400; 404 unknown path; 405 wrong method; 415 not
// application/json) and 503 when the inbox does not take the event.
//
//	GET  /            the page (index.html, app.js, style.css)
//
//	POST /api/customer  a customer writes, or presses a button under a bot reply:
//	     {"conversation":"c1","name":"Ann","lang":"en","text":"where is my order?"}
//	     {"conversation":"c1","name":"Ann","lang":"en","button":"btn:faq","message_id":"<bot reply id>"}
//	     conversation: 1–32 of [a-z0-9-]; the chat is "c-"+conversation.
//	     lang: zh, ru, en, any language tag, or "auto"/"" (the pipeline detects it).
//	  →  {"ok":true,"external_id":"…","message_id":"…"}   (a press: "callback_id" instead of "message_id")
//
//	POST /api/preview  what the bot would do with a customer's message, decided
//	     in memory on the conversation's messages so far: nothing is stored,
//	     sent or added to the transcript (and agents' actions are not
//	     replayed: a claimed conversation previews as a waiting one).
//	     {"conversation":"c1","name":"Ann","lang":"en","text":"where is my order?"}
//	  →  {"ok":true,"decision":Decision}
//
//	POST /api/agent   an agent writes in the agents chat, or presses a notice's button:
//	     {"name":"Alice","text":"On it!","reply_to":"<notice id>"}
//	     {"name":"Alice","button":"claim:12","message_id":"<notice id>"}
//	     reply_to is optional (without it the message is chatter the pipeline
//	     only records); /claim, /resolve, /bot, /note … are text too.
//	  →  {"ok":true,"external_id":"…","message_id":"…"}   (a press: "callback_id")
//
//	GET  /api/state?since=<seq>
//	  →  {"epoch":"…","seq":42,"more":false,
//	      "conversations":[{"id":"c1","chat_id":"c-c1","customer_id":"sandbox/sandbox/c-c1","name":"Ann","lang":"en","first":17,"updated":"…"}],
//	      "agents_first":3,
//	      "messages":[Message…],
//	      "rules":{"ok":false,"error":"reload failed: rules.yaml:3:9: …","count":12}}
//	     messages: every message created or changed after since (a decision
//	     attached, an edit), as Message's JSON, in seq order, at most 1000:
//	     when more is true, ask again at once with since=seq. A changed
//	     message comes again whole: replace it by n. conversations lists all
//	     held, always; first (agents_first) is the n of the oldest message
//	     still held, so the page drops older ones and conversations not
//	     listed. A different epoch means the service restarted: start over
//	     with since=0. customer_id is what `frontdesk forget --customer`
//	     takes. rules says how the last load of the rules went (ok false:
//	     the last reload was refused and the previous rules still run);
//	     version changes whenever other rules start running.
//
//	GET  /api/catalog
//	  →  {"version":"…","rules":[{"id":"shipping","actions":["reply"],"try":"where is my order?","lang":"en"}],
//	      "commands":[{"name":"claim","description":"Take this conversation"}],
//	      "snippets":["refund-policy"]}
//	     what the page offers to pick: the running rules (with a message
//	     from the file's tests: that each answers), the team chat's
//	     commands and the rules' snippets (see Catalog). Ask again when
//	     /api/state's rules.version changes.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/api/customer":
		if post(w, r) {
			s.customer(w, r)
		}
	case p == "/api/preview":
		if post(w, r) {
			s.previewMessage(w, r)
		}
	case p == "/api/agent":
		if post(w, r) {
			s.agent(w, r)
		}
	case p == "/api/state":
		if get(w, r) {
			s.state(w, r)
		}
	case strings.HasPrefix(p, "/api/file/"):
		if get(w, r) {
			s.serveFile(w, r, strings.TrimPrefix(p, "/api/file/"))
		}
	case p == "/api/catalog":
		if get(w, r) {
			s.serveCatalog(w, r)
		}
	case strings.HasPrefix(p, "/api/"):
		fail(w, http.StatusNotFound, "no such API: "+p)
	case pages[p] != "" || p == "":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		servePage(w, r, pages[p])
	default:
		http.NotFound(w, r)
	}
}

func servePage(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" {
		name = pages["/"]
	}
	b, err := static.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	switch {
	case strings.HasSuffix(name, ".html"):
		h.Set("Content-Type", "text/html; charset=utf-8")
		// Everything is served from here: no inline code, no other origin.
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	case strings.HasSuffix(name, ".js"):
		h.Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		h.Set("Content-Type", "text/css; charset=utf-8")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

func post(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(w, http.StatusMethodNotAllowed, "use POST")
		return false
	}
	// JSON only: a cross-site form cannot send it without the browser
	// asking first, which nobody here answers.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		fail(w, http.StatusUnsupportedMediaType, "send Content-Type: application/json")
		return false
	}
	return true
}

func get(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		fail(w, http.StatusMethodNotAllowed, "use GET")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"ok":false,"error":"could not encode the answer"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func fail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"ok": false, "error": msg})
}

// readBody reads and decodes a bounded JSON body into v, strictly; on
// failure it has answered.
func readBody(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	return readBodyUpTo(w, r, v, MaxBodySize)
}

// readBodyUpTo is readBody with another limit (a customer's attachment).
func readBodyUpTo(w http.ResponseWriter, r *http.Request, v any, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusBadRequest, "body larger than "+chat.HumanSize(limit))
			return nil, false
		}
		fail(w, http.StatusBadRequest, "could not read the body")
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		fail(w, http.StatusBadRequest, "not the JSON expected: "+err.Error())
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		fail(w, http.StatusBadRequest, "not the JSON expected: more than one value")
		return nil, false
	}
	return body, true
}

type customerRequest struct {
	Conversation string `json:"conversation"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
	Text         string `json:"text"`
	Button       string `json:"button"`
	MessageID    string `json:"message_id"`
	// File is an attachment; Text is then its caption, and may be empty.
	File *upload `json:"file,omitempty"`
}

type agentRequest struct {
	Name      string `json:"name"`
	Text      string `json:"text"`
	ReplyTo   string `json:"reply_to"`
	Button    string `json:"button"`
	MessageID string `json:"message_id"`
	// File is an attachment for the customer; Text is then its caption.
	File *upload `json:"file,omitempty"`
}

// who checks who is writing: the conversation, the customer's name and
// language, cleaned; a bad one is answered 400 and ok is false.
func (req customerRequest) who(w http.ResponseWriter) (name, lang string, ok bool) {
	if !validConversation(req.Conversation) {
		fail(w, http.StatusBadRequest, "conversation: 1–32 characters of a-z, 0-9 and -")
		return "", "", false
	}
	name, err := cleanName(req.Name, "Customer")
	if err != nil {
		fail(w, http.StatusBadRequest, "name: "+err.Error())
		return "", "", false
	}
	if lang, err = cleanLang(req.Lang); err != nil {
		fail(w, http.StatusBadRequest, "lang: "+err.Error())
		return "", "", false
	}
	return name, lang, true
}

// customer makes a customer's event: the text they wrote, or their press
// of a button under a bot reply.
func (s *Sandbox) customer(w http.ResponseWriter, r *http.Request) {
	var req customerRequest
	// Room for one attachment, base64-encoded.
	raw, ok := readBodyUpTo(w, r, &req, MaxBodySize+MaxFileSize*4/3+4)
	if !ok {
		return
	}
	name, lang, ok := req.who(w)
	if !ok {
		return
	}
	if raw, ok = checkContent(w, raw, &req, req.File, req.Text, req.Button, req.MessageID); !ok {
		return
	}
	now := s.now()
	ev := customerEvent(req.Conversation, name, lang, now)
	ev.Raw = raw
	m := &Message{Dir: "in", From: name, Time: now, Status: StatusPending}

	s.mu.Lock()
	if req.Button != "" {
		c := s.convs[req.Conversation]
		var pressed *Message
		if c != nil {
			pressed = s.byID[req.MessageID]
		}
		if pressed == nil || pressed.Pane != "customer" || pressed.Conversation != req.Conversation || pressed.Dir != "out" {
			s.mu.Unlock()
			fail(w, http.StatusBadRequest, "message_id: no bot message "+short(req.MessageID)+" in this conversation")
			return
		}
		if problem := s.pressLocked(&ev, m, pressed, req.Button); problem != "" {
			s.mu.Unlock()
			fail(w, http.StatusBadRequest, problem)
			return
		}
	} else {
		ev.Kind, ev.Text = textKind(req.Text), req.Text
		m.Kind, m.Text = string(ev.Kind), ev.Text
		if req.File != nil {
			s.attachLocked(&ev, m, req.File)
		}
	}
	s.numberLocked(&ev, m)
	c := s.openConversation(req.Conversation)
	c.name, c.lang = name, lang
	// Recorded before the inbox has it: the pipeline may decide on it
	// (and Decided find it) before Accept returns.
	s.add(c, m)
	s.mu.Unlock()

	s.accept(w, r, ev, m)
}

// customerEvent is an event of a customer of conversation, without its
// kind and content.
func customerEvent(conversation, name, lang string, at time.Time) chat.Event {
	chatID := chatPrefix + conversation
	return chat.Event{Platform: chat.Sandbox, Bot: Bot, ChatID: chatID, ChatType: chat.ChatPrivate,
		Customer: chat.Customer{ID: chatID, Name: name, Language: lang}, Time: at}
}

// previewMessage answers what a customer's text would get, asking the
// Previewer; the transcript and the inbox are not touched.
func (s *Sandbox) previewMessage(w http.ResponseWriter, r *http.Request) {
	if s.preview == nil {
		fail(w, http.StatusNotFound, "previews are off")
		return
	}
	var req customerRequest
	if _, ok := readBody(w, r, &req); !ok {
		return
	}
	name, lang, ok := req.who(w)
	if !ok {
		return
	}
	if req.Button != "" || req.MessageID != "" {
		fail(w, http.StatusBadRequest, "a preview is of a text; press buttons in the chat")
		return
	}
	if err := checkTextOrButton(req.Text, "", ""); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	ev := customerEvent(req.Conversation, name, lang, s.now())
	ev.Kind, ev.Text, ev.ExternalID = textKind(req.Text), req.Text, "preview"
	plan, err := s.preview.Preview(r.Context(), s.history(req.Conversation), ev)
	if err != nil {
		fail(w, http.StatusInternalServerError, "the preview failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "decision": explain(plan)})
}

// history is what the customers of conversation wrote that the inbox took,
// as events, oldest first: what a preview replays before its message.
func (s *Sandbox) history(conversation string) []chat.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[conversation]
	if c == nil {
		return nil
	}
	var out []chat.Event
	for _, m := range c.msgs {
		if m.Dir != "in" || m.Status == StatusFailed || (m.Kind != string(chat.KindText) && m.Kind != string(chat.KindCommand)) {
			continue
		}
		ev := customerEvent(conversation, m.From, c.lang, m.Time)
		ev.Kind, ev.Text, ev.ExternalID, ev.MessageID = chat.Kind(m.Kind), m.Text, m.externalID, m.ID
		out = append(out, ev)
	}
	return out
}

// agent makes an agent's event in the agents chat: a message (a reply to a
// notice relays it to the customer; /claim, /resolve, /bot, /note …) or a
// press of a notice's button. They are what parseAgentEvent in
// internal/pipeline/agent.go and Store.LoadAgentState read.
func (s *Sandbox) agent(w http.ResponseWriter, r *http.Request) {
	var req agentRequest
	// Room for one attachment, base64-encoded.
	raw, ok := readBodyUpTo(w, r, &req, MaxBodySize+MaxFileSize*4/3+4)
	if !ok {
		return
	}
	name, err := cleanName(req.Name, "Agent")
	if err != nil {
		fail(w, http.StatusBadRequest, "name: "+err.Error())
		return
	}
	if raw, ok = checkContent(w, raw, &req, req.File, req.Text, req.Button, req.MessageID); !ok {
		return
	}
	if req.Button == "" && req.MessageID != "" {
		fail(w, http.StatusBadRequest, "message_id goes with button; a reply names its message in reply_to")
		return
	}
	now := s.now()
	ev := chat.Event{Platform: chat.Sandbox, Bot: Bot, ChatID: AgentsChat, ChatType: chat.ChatGroup,
		Customer: chat.Customer{ID: agentID(name), Name: name}, Time: now, Raw: raw}
	m := &Message{Dir: "in", From: name, Time: now, Status: StatusPending}

	s.mu.Lock()
	if req.Button != "" {
		notice := s.byID[req.MessageID]
		if notice == nil || notice.Pane != "agents" || notice.Dir != "out" {
			s.mu.Unlock()
			fail(w, http.StatusBadRequest, "message_id: no bot message "+short(req.MessageID)+" in the agents chat")
			return
		}
		// parseAgentEvent reads a press from Kind and Text ("claim:12").
		if problem := s.pressLocked(&ev, m, notice, req.Button); problem != "" {
			s.mu.Unlock()
			fail(w, http.StatusBadRequest, problem)
			return
		}
		m.Conversation, m.HandoffID = notice.Conversation, notice.HandoffID
	} else {
		if req.ReplyTo != "" {
			var to *Message
			if validID(req.ReplyTo) {
				to = s.byID[req.ReplyTo]
			}
			if to == nil || to.Pane != "agents" {
				s.mu.Unlock()
				fail(w, http.StatusBadRequest, "reply_to: no message "+short(req.ReplyTo)+" in the agents chat")
				return
			}
			// The store finds the handoff by the replied-to notice;
			// ReplyToBot says it is ours.
			ev.ReplyTo, ev.ReplyToBot = req.ReplyTo, to.Dir == "out"
			m.ReplyTo, m.Conversation, m.HandoffID = req.ReplyTo, to.Conversation, to.HandoffID
		}
		ev.Kind, ev.Text = textKind(req.Text), req.Text
		m.Kind, m.Text = string(ev.Kind), ev.Text
		if req.File != nil {
			s.attachLocked(&ev, m, req.File)
		}
	}
	s.numberLocked(&ev, m)
	s.add(nil, m)
	s.mu.Unlock()

	s.accept(w, r, ev, m)
}

// accept hands the event to the inbox and answers.
func (s *Sandbox) accept(w http.ResponseWriter, r *http.Request, ev chat.Event, m *Message) {
	err := s.inbox.Accept(r.Context(), ev)
	s.mu.Lock()
	if m.Status == StatusPending {
		if err != nil {
			m.Status, m.Error = StatusFailed, "not stored: "+err.Error()
		} else {
			m.Status = StatusStored
		}
		s.touch(m)
	}
	s.mu.Unlock()
	if err != nil {
		w.Header().Set("Retry-After", "1")
		fail(w, http.StatusServiceUnavailable, "the inbox did not take the message; try again")
		return
	}
	resp := map[string]any{"ok": true, "external_id": ev.ExternalID}
	if ev.CallbackID != "" {
		resp["callback_id"] = ev.CallbackID
	} else {
		resp["message_id"] = ev.MessageID
	}
	writeJSON(w, http.StatusOK, resp)
}

// ConversationInfo describes a customer conversation in /api/state.
type ConversationInfo struct {
	ID     string `json:"id"`
	ChatID string `json:"chat_id"`
	// CustomerID is what `frontdesk forget --customer` and `export` take.
	CustomerID string    `json:"customer_id"`
	Name       string    `json:"name"`
	Lang       string    `json:"lang,omitempty"`
	First      int64     `json:"first"` // n of its oldest message held
	Updated    time.Time `json:"updated"`
}

// State is the answer of GET /api/state.
type State struct {
	Epoch         string             `json:"epoch"`
	Seq           int64              `json:"seq"`
	More          bool               `json:"more"`
	Conversations []ConversationInfo `json:"conversations"`
	AgentsFirst   int64              `json:"agents_first"`
	Messages      []Message          `json:"messages"`
	// Rules is how the last load of the rules went: the page shows a
	// refused reload, as /readyz does, instead of "live".
	Rules RulesStatus `json:"rules"`
}

func (s *Sandbox) state(w http.ResponseWriter, r *http.Request) {
	since := int64(0)
	if q := r.URL.Query().Get("since"); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 0 {
			fail(w, http.StatusBadRequest, "since: a sequence number (0 or more)")
			return
		}
		since = n
	}
	st := s.snapshot(since, maxStatePage)
	st.Rules = RulesStatus{OK: true}
	if s.rules != nil {
		st.Rules = s.rules()
	}
	writeJSON(w, http.StatusOK, st)
}

// snapshot is what changed after since, at most limit messages.
func (s *Sandbox) snapshot(since int64, limit int) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Epoch: s.epoch, Seq: s.seq, Conversations: []ConversationInfo{}, Messages: []Message{}}
	var changed []*Message
	collect := func(ms []*Message) {
		for _, m := range ms {
			if m.Seq > since {
				changed = append(changed, m)
			}
		}
	}
	for _, c := range s.convs {
		st.Conversations = append(st.Conversations, ConversationInfo{ID: c.id, ChatID: chatPrefix + c.id, CustomerID: CustomerID(c.id), Name: c.name, Lang: c.lang,
			First: firstN(c), Updated: c.updated})
		collect(c.msgs)
	}
	slices.SortFunc(st.Conversations, func(a, b ConversationInfo) int { return strings.Compare(a.ID, b.ID) })
	if len(s.agents) > 0 {
		st.AgentsFirst = s.agents[0].N
	}
	collect(s.agents)
	slices.SortFunc(changed, func(a, b *Message) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(changed) > limit {
		changed, st.More = changed[:limit], true
		st.Seq = changed[limit-1].Seq
	}
	// Copies: the messages change under the lock after it is released.
	// Their slices are replaced, never written into, so sharing them is safe.
	for _, m := range changed {
		st.Messages = append(st.Messages, *m)
	}
	return st
}

// validConversation: 1–32 characters of [a-z0-9-].
func validConversation(id string) bool { return plainID(id, 32) }

// validID: a message id as the sandbox makes them.
func validID(id string) bool { return plainID(id, 64) }

// plainID: 1 to most characters of [a-z0-9-].
func plainID(id string, most int) bool {
	if len(id) == 0 || len(id) > most {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func cleanName(name, fallback string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return fallback, nil
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 64 {
		return "", errors.New("at most 64 characters")
	}
	for _, c := range name {
		if unicode.IsControl(c) {
			return "", errors.New("no control characters")
		}
	}
	return name, nil
}

// cleanLang: "auto" or "" lets the pipeline detect the language; otherwise
// a language tag such as en, ru, zh or zh-hans.
func cleanLang(lang string) (string, error) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if lang == "" || lang == "auto" {
		return "", nil
	}
	parts := strings.Split(lang, "-")
	ok := len(lang) <= 16 && len(parts[0]) >= 2 && len(parts[0]) <= 3
	for i, p := range parts {
		ok = ok && p != ""
		for _, c := range p {
			ok = ok && (c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9')
		}
	}
	if !ok {
		return "", errors.New("a language tag such as en, ru or zh, or auto")
	}
	return lang, nil
}

func checkTextOrButton(text, button, messageID string) error {
	switch {
	case button != "" && text != "":
		return errors.New("text or button, not both")
	case button != "":
		if len(button) > 64 || !utf8.ValidString(button) {
			return errors.New("button: at most 64 bytes of data")
		}
		if !validID(messageID) {
			return errors.New("message_id: the message whose button was pressed")
		}
	case strings.TrimSpace(text) == "":
		return errors.New("text: empty")
	case utf8.RuneCountInString(text) > MaxTextLength:
		return errors.New("text: at most 4096 characters")
	}
	return nil
}

// buttonLabel finds the button with this data under m.
func buttonLabel(m *Message, data string) (string, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Data == data {
				return b.Text, true
			}
		}
	}
	return "", false
}

// textKind: text starting with "/" is a command, as platforms mark it.
func textKind(text string) chat.Kind {
	if strings.HasPrefix(text, "/") {
		return chat.KindCommand
	}
	return chat.KindText
}

// agentID is a stable user id for an agent's name: "agent-" and the name
// in lower case letters and digits, or a hash of it when that leaves nothing.
func agentID(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	if b.Len() == 0 {
		h := fnv.New32a()
		h.Write([]byte(name))
		return "agent-" + strconv.FormatUint(uint64(h.Sum32()), 36)
	}
	return "agent-" + b.String()
}

// short quotes a value for an error message, cut to a sensible length.
func short(v string) string {
	if r := []rune(v); len(r) > 64 {
		v = string(r[:64]) + "…"
	}
	return strconv.Quote(v)
}

// pressLocked makes ev and m a press of button under the bot message
// pressed, as Telegram has it: the press names the message, its data is
// the text, and CallbackID is what the answer goes back to. It returns
// what to tell the client when the message has no such button.
func (s *Sandbox) pressLocked(ev *chat.Event, m *Message, pressed *Message, button string) (problem string) {
	label, ok := buttonLabel(pressed, button)
	if !ok {
		return "button: the message has no button " + short(button)
	}
	ev.Kind, ev.Text, ev.ReplyTo = chat.KindCallback, button, pressed.ID
	_, ev.CallbackID = s.nextID("cb-")
	m.Kind, m.Text, m.ReplyTo, m.CallbackID, m.Label = string(ev.Kind), ev.Text, ev.ReplyTo, ev.CallbackID, label
	return ""
}

// numberLocked gives an event its external id and the transcript entry
// its place and id; a button press is not a message, so it has no id.
func (s *Sandbox) numberLocked(ev *chat.Event, m *Message) {
	_, ev.ExternalID = s.nextID("ev-")
	m.externalID = ev.ExternalID
	m.N, m.ID = s.nextID("")
	if ev.Kind == chat.KindCallback {
		m.ID = ""
		return
	}
	ev.MessageID = m.ID
}
