package discordtest

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway close codes, as Discord sends them.
const (
	CloseUnknownError         = 4000
	CloseUnknownOpcode        = 4001
	CloseDecodeError          = 4002
	CloseNotAuthenticated     = 4003
	CloseAuthenticationFailed = 4004
	CloseAlreadyAuthenticated = 4005
	CloseInvalidSeq           = 4007
	CloseRateLimited          = 4008
	CloseSessionTimedOut      = 4009
	CloseInvalidShard         = 4010
	CloseShardingRequired     = 4011
	CloseInvalidAPIVersion    = 4012
	CloseInvalidIntents       = 4013
	CloseDisallowedIntents    = 4014
)

var closeTexts = map[int]string{
	CloseUnknownError:         "Unknown error.",
	CloseUnknownOpcode:        "Unknown opcode.",
	CloseDecodeError:          "Error while decoding payload.",
	CloseNotAuthenticated:     "Not authenticated.",
	CloseAuthenticationFailed: "Authentication failed.",
	CloseAlreadyAuthenticated: "Already authenticated.",
	CloseInvalidSeq:           "Invalid seq.",
	CloseRateLimited:          "Rate limited.",
	CloseSessionTimedOut:      "Session timed out.",
	CloseInvalidShard:         "Invalid shard.",
	CloseShardingRequired:     "Sharding required.",
	CloseInvalidAPIVersion:    "Invalid API version.",
	CloseInvalidIntents:       "Invalid intent(s).",
	CloseDisallowedIntents:    "Disallowed intent(s).",
}

// Privileged intents, which need enabling in the developer portal.
const (
	IntentGuildMembers   = 1 << 1
	IntentGuildPresences = 1 << 8
	IntentMessageContent = 1 << 15
	privilegedIntents    = IntentGuildMembers | IntentGuildPresences | IntentMessageContent
	allIntents           = 1<<26 - 1
)

const (
	// closeGrace is how long a connection the server closed waits for the
	// client's closing handshake before it is cut.
	closeGrace   = 2 * time.Second
	writeTimeout = 5 * time.Second
)

// conn is one gateway websocket connection. Its fields other than ws are
// guarded by Server.mu.
type conn struct {
	ws       *websocket.Conn
	version  int
	sess     *gwSession // set once identified or resumed
	compress bool
	queue    []outFrame
	closing  bool // the server has queued a close frame
	wake     chan struct{}
	done     chan struct{}
}

type outFrame struct {
	payload   []byte
	closeCode int // a close frame when non-zero
}

// gwSession is a gateway session, which outlives its connections.
type gwSession struct {
	id      string
	token   string
	seq     int64
	history []sentDispatch
	conn    *conn
}

type sentDispatch struct {
	seq     int64
	payload []byte
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	c := &conn{ws: ws, version: 10, wake: make(chan struct{}, 1), done: make(chan struct{})}
	q := r.URL.Query()
	s.mu.Lock()
	s.connections++
	s.conns = append(s.conns, c)
	s.enqueueLocked(c, payload(10, map[string]any{"heartbeat_interval": s.heartbeat.Milliseconds()}))
	if v := q.Get("v"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 6 || n > 10 {
			s.closeLocked(c, CloseInvalidAPIVersion)
		}
		c.version = n
	}
	if enc := q.Get("encoding"); enc != "" && enc != "json" {
		s.closeLocked(c, CloseDecodeError) // etf is not supported
	}
	s.notifyLocked()
	s.mu.Unlock()

	go s.writeLoop(c)
	s.readLoop(c)

	close(c.done)
	_ = ws.Close()
	s.mu.Lock()
	for i, o := range s.conns {
		if o == c {
			s.conns = append(s.conns[:i:i], s.conns[i+1:]...)
			break
		}
	}
	if c.sess != nil && c.sess.conn == c {
		c.sess.conn = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
}

func payload(op int, d any) []byte {
	b, err := json.Marshal(map[string]any{"op": op, "d": d})
	if err != nil {
		panic(err)
	}
	return b
}

func dispatchPayload(t string, seq int64, d json.RawMessage) []byte {
	b, err := json.Marshal(map[string]any{"op": 0, "t": t, "s": seq, "d": d})
	if err != nil {
		panic(err)
	}
	return b
}

// enqueueLocked queues a frame for c's writer; nothing follows a close.
func (s *Server) enqueueLocked(c *conn, p []byte) {
	if c.closing {
		return
	}
	c.queue = append(c.queue, outFrame{payload: p})
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// closeLocked queues a close frame with code after what is queued.
func (s *Server) closeLocked(c *conn, code int) {
	if c.closing {
		return
	}
	c.queue = append(c.queue, outFrame{closeCode: code})
	c.closing = true
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writeLoop writes c's queued frames in order until a close frame.
func (s *Server) writeLoop(c *conn) {
	for {
		s.mu.Lock()
		if len(c.queue) == 0 {
			s.mu.Unlock()
			select {
			case <-c.wake:
				continue
			case <-c.done:
				return
			}
		}
		f := c.queue[0]
		c.queue = c.queue[1:]
		compress := c.compress
		s.mu.Unlock()

		_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		var err error
		switch {
		case f.closeCode != 0:
			err = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(f.closeCode, closeText(f.closeCode)))
			// Wait for the client's closing handshake, then readLoop ends.
			_ = c.ws.SetReadDeadline(time.Now().Add(closeGrace))
			if err != nil {
				_ = c.ws.Close()
			}
			return
		case compress:
			var buf bytes.Buffer
			zw := zlib.NewWriter(&buf)
			_, _ = zw.Write(f.payload)
			_ = zw.Close()
			err = c.ws.WriteMessage(websocket.BinaryMessage, buf.Bytes())
		default:
			err = c.ws.WriteMessage(websocket.TextMessage, f.payload)
		}
		if err != nil {
			_ = c.ws.Close()
			return
		}
	}
}

func closeText(code int) string {
	if t, ok := closeTexts[code]; ok {
		return t
	}
	return http.StatusText(code) // "" for most
}

type gatewayPayload struct {
	Op   *int            `json:"op"`
	Data json.RawMessage `json:"d"`
}

func (s *Server) readLoop(c *conn) {
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
				s.mu.Lock()
				// A client closing with 1000 or 1001 ends its session on
				// Discord; answering the server's close frame does not.
				if !c.closing && c.sess != nil {
					s.invalidateLocked(c.sess)
				}
				s.mu.Unlock()
			}
			return
		}
		var p gatewayPayload
		s.mu.Lock()
		switch {
		case c.closing:
		case mt != websocket.TextMessage, json.Unmarshal(data, &p) != nil, p.Op == nil:
			s.closeLocked(c, CloseDecodeError)
		default:
			s.handleOpLocked(c, *p.Op, p.Data)
		}
		s.mu.Unlock()
	}
}

func (s *Server) handleOpLocked(c *conn, op int, d json.RawMessage) {
	switch op {
	case 1: // HEARTBEAT
		s.heartbeats++
		s.enqueueLocked(c, []byte(`{"op":11,"d":null}`))
		s.notifyLocked()
	case 2:
		if c.sess != nil {
			s.closeLocked(c, CloseAlreadyAuthenticated)
			return
		}
		s.identifyLocked(c, d)
	case 6:
		if c.sess != nil {
			s.closeLocked(c, CloseAlreadyAuthenticated)
			return
		}
		s.resumeLocked(c, d)
	case 3, 4, 8, 31: // presence, voice state, request members, soundboard sounds
		if c.sess == nil {
			s.closeLocked(c, CloseNotAuthenticated)
		}
	default:
		s.closeLocked(c, CloseUnknownOpcode)
	}
}

func (s *Server) privilegedAllowed(token string) bool {
	if allowed, ok := s.privilegedBy[token]; ok {
		return allowed
	}
	return s.privileged
}

func (s *Server) identifyLocked(c *conn, d json.RawMessage) {
	var id struct {
		Token      string         `json:"token"`
		Intents    *int           `json:"intents"`
		Properties map[string]any `json:"properties"`
		Shard      []int          `json:"shard"`
		Compress   bool           `json:"compress"`
	}
	if json.Unmarshal(d, &id) != nil {
		s.closeLocked(c, CloseDecodeError)
		return
	}
	rec := Identify{Token: id.Token, Properties: id.Properties, Shard: id.Shard, Compress: id.Compress, At: time.Now()}
	if id.Intents != nil {
		rec.Intents = *id.Intents
	}
	token := strings.TrimPrefix(id.Token, "Bot ")
	switch {
	case !s.validToken(token):
		rec.Closed = CloseAuthenticationFailed
	case id.Intents == nil || *id.Intents < 0 || *id.Intents&^allIntents != 0:
		rec.Closed = CloseInvalidIntents
	case *id.Intents&privilegedIntents != 0 && !s.privilegedAllowed(token):
		rec.Closed = CloseDisallowedIntents
	case id.Shard != nil && (len(id.Shard) != 2 || id.Shard[1] < 1 || id.Shard[0] < 0 || id.Shard[0] >= id.Shard[1]):
		rec.Closed = CloseInvalidShard
	}
	s.identifies++
	s.identified = append(s.identified, rec)
	s.notifyLocked()
	if rec.Closed != 0 {
		s.closeLocked(c, rec.Closed)
		return
	}
	sess := &gwSession{id: randomHex(16), token: token, seq: 1, conn: c}
	s.sessions[sess.id] = sess
	s.current = sess
	c.sess = sess
	c.compress = id.Compress && s.compress
	appFlags := 0
	if s.privilegedAllowed(token) {
		appFlags = 1<<13 | 1<<15 | 1<<19 // GATEWAY_PRESENCE, GATEWAY_GUILD_MEMBERS, GATEWAY_MESSAGE_CONTENT
	}
	ready := map[string]any{
		"v":                  c.version,
		"user":               s.botUser(),
		"session_id":         sess.id,
		"session_type":       "normal",
		"resume_gateway_url": s.wsURL,
		"guilds":             []any{},
		"private_channels":   []any{},
		"application":        map[string]any{"id": s.botID, "flags": appFlags},
	}
	if id.Shard != nil {
		ready["shard"] = id.Shard
	}
	raw, _ := json.Marshal(ready)
	s.enqueueLocked(c, dispatchPayload("READY", sess.seq, raw))
}

func (s *Server) resumeLocked(c *conn, d json.RawMessage) {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if json.Unmarshal(d, &r) != nil {
		s.closeLocked(c, CloseDecodeError)
		return
	}
	token := strings.TrimPrefix(r.Token, "Bot ")
	if !s.validToken(token) {
		s.closeLocked(c, CloseAuthenticationFailed)
		return
	}
	sess := s.sessions[r.SessionID]
	if sess == nil || sess.token != token {
		s.enqueueLocked(c, []byte(`{"op":9,"d":false}`))
		return
	}
	if r.Seq > sess.seq {
		s.closeLocked(c, CloseInvalidSeq)
		return
	}
	if old := sess.conn; old != nil && old != c {
		old.sess = nil
	}
	sess.conn, c.sess = c, sess
	s.current = sess
	for _, h := range sess.history {
		if h.seq > r.Seq {
			s.enqueueLocked(c, h.payload)
		}
	}
	sess.seq++
	s.enqueueLocked(c, dispatchPayload("RESUMED", sess.seq, json.RawMessage(`{}`)))
	s.resumes++
	s.notifyLocked()
}

func (s *Server) invalidateLocked(sess *gwSession) {
	delete(s.sessions, sess.id)
	if s.current == sess {
		s.current = nil
	}
}

// Dispatch sends a dispatch (op 0) of eventType with data, which is
// marshalled to JSON (json.RawMessage and []byte are sent as they are),
// with the next sequence number on the current session, the last one
// identified or resumed. The session keeps it for resumes: if no
// connection is open it is delivered when the client resumes. Dispatching
// MESSAGE_CREATE also makes the message known (for replies, edits and
// threads) and INTERACTION_CREATE the interaction (for its 3 s deadline,
// its channel and its message). It fails when no session was identified.
func (s *Server) Dispatch(eventType string, data any) error {
	var raw json.RawMessage
	switch d := data.(type) {
	case json.RawMessage:
		raw = d
	case []byte:
		raw = d
	default:
		b, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("discordtest: marshalling %s: %w", eventType, err)
		}
		raw = b
	}
	if !json.Valid(raw) {
		return fmt.Errorf("discordtest: %s data is not valid JSON", eventType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.current
	if sess == nil {
		return errors.New("discordtest: no gateway session to dispatch to")
	}
	s.registerLocked(eventType, raw)
	sess.seq++
	p := dispatchPayload(eventType, sess.seq, raw)
	sess.history = append(sess.history, sentDispatch{seq: sess.seq, payload: p})
	if c := sess.conn; c != nil {
		s.enqueueLocked(c, p)
	}
	s.notifyLocked()
	return nil
}

// registerLocked remembers what a dispatched event tells about messages,
// interactions and users.
func (s *Server) registerLocked(eventType string, raw json.RawMessage) {
	type user struct {
		ID         string `json:"id"`
		Username   string `json:"username"`
		GlobalName string `json:"global_name"`
	}
	switch eventType {
	case "MESSAGE_CREATE":
		var m struct {
			ID        string `json:"id"`
			ChannelID string `json:"channel_id"`
			Content   string `json:"content"`
			Author    user   `json:"author"`
			Timestamp string `json:"timestamp"`
		}
		if json.Unmarshal(raw, &m) != nil || m.ID == "" || s.messages[m.ID] != nil {
			return
		}
		at, err := time.Parse(time.RFC3339Nano, m.Timestamp)
		if err != nil {
			at = time.Now()
		}
		msg := Message{ID: m.ID, ChannelID: m.ChannelID, Content: m.Content, At: at}
		s.decorateLocked(&msg)
		s.messages[m.ID] = &stored{msg: msg, author: m.Author.ID}
		if m.Author.ID != "" && m.Author.ID != s.botID {
			s.users[m.Author.ID] = m.Author.Username
		}
	case "INTERACTION_CREATE":
		var in struct {
			ID        string `json:"id"`
			Token     string `json:"token"`
			ChannelID string `json:"channel_id"`
			Message   *struct {
				ID string `json:"id"`
			} `json:"message"`
		}
		if json.Unmarshal(raw, &in) != nil || in.Token == "" {
			return
		}
		it := &interaction{id: in.ID, token: in.Token, channel: in.ChannelID, dispatched: time.Now()}
		if in.Message != nil {
			it.message = in.Message.ID
		}
		s.interactions[in.Token] = it
	}
}

// SendOp sends a raw non-dispatch payload {"op": op, "d": data} to the
// current session's connection, e.g. op 7 RECONNECT, op 9 INVALID_SESSION
// or op 1 to ask for a heartbeat. It reports whether a connection was open.
func (s *Server) SendOp(op int, data any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.currentConnLocked()
	if c == nil {
		return false
	}
	s.enqueueLocked(c, payload(op, data))
	return true
}

// currentConnLocked is the current session's connection, or else the
// newest open one.
func (s *Server) currentConnLocked() *conn {
	if s.current != nil && s.current.conn != nil && !s.current.conn.closing {
		return s.current.conn
	}
	for i := len(s.conns) - 1; i >= 0; i-- {
		if !s.conns[i].closing {
			return s.conns[i]
		}
	}
	return nil
}

// CloseConnection closes the current gateway connection with a close code
// (and Discord's text for it), after the frames already queued. The
// session stays resumable, except after 4007 (invalid seq) and 4009
// (session timed out), which on Discord require a new IDENTIFY. It reports
// whether a connection was open.
func (s *Server) CloseConnection(code int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.currentConnLocked()
	if c == nil {
		return false
	}
	s.closeLocked(c, code)
	if (code == CloseInvalidSeq || code == CloseSessionTimedOut) && c.sess != nil {
		s.invalidateLocked(c.sess)
	}
	s.notifyLocked()
	return true
}

// InvalidateSession forgets the current session, so resuming it gets op 9
// INVALID_SESSION and the client has to identify again.
func (s *Server) InvalidateSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != nil {
		s.invalidateLocked(s.current)
	}
}

// SessionID is the current gateway session's id, or "".
func (s *Server) SessionID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return ""
	}
	return s.current.id
}

// Connected reports whether a gateway connection is open with an
// identified or resumed session that the server is not closing.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if c.sess != nil && !c.closing {
			return true
		}
	}
	return false
}

// WaitConnected waits until Connected.
func (s *Server) WaitConnected(timeout time.Duration) error {
	if s.WaitUntil(timeout, s.Connected) != nil {
		return fmt.Errorf("discordtest: no gateway session connected within %v", timeout)
	}
	return nil
}

// WaitDisconnected waits until no gateway connection is open, such as after
// CloseConnection once the client has answered the close.
func (s *Server) WaitDisconnected(timeout time.Duration) error {
	err := s.WaitUntil(timeout, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.conns) == 0
	})
	if err != nil {
		return fmt.Errorf("discordtest: gateway connections still open after %v", timeout)
	}
	return nil
}

// Connections is how many websocket connections the gateway accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Identifies is how many IDENTIFY payloads the gateway received, accepted
// or not.
func (s *Server) Identifies() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies
}

// Identified returns the IDENTIFY payloads received, in order.
func (s *Server) Identified() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Identify, len(s.identified))
	copy(out, s.identified)
	return out
}

// Resumes is how many RESUMEs succeeded (ended with RESUMED).
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// Heartbeats is how many HEARTBEATs (op 1) the gateway received.
func (s *Server) Heartbeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heartbeats
}
