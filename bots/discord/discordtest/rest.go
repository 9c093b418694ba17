package discordtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// request is one REST call on its way through a handler.
type request struct {
	method  string
	params  map[string]string
	query   url.Values
	raw     json.RawMessage
	files   []string
	token   string
	version int
	now     time.Time
}

// reply is a handler's answer. body is marshalled unless raw is set; a nil
// body with status 204 sends nothing.
type reply struct {
	status int
	body   any
	raw    []byte
	code   int // Discord's JSON error code, for Call.Code
	header http.Header
}

func ok(body any) reply      { return reply{status: http.StatusOK, body: body} }
func created(body any) reply { return reply{status: http.StatusCreated, body: body} }
func noContent() reply       { return reply{status: http.StatusNoContent} }

func apiError(status, code int, msg string) reply {
	return reply{status: status, code: code, body: map[string]any{"message": msg, "code": code}}
}

func unknownChannel() reply { return apiError(http.StatusNotFound, 10003, "Unknown Channel") }
func unknownMessage() reply { return apiError(http.StatusNotFound, 10008, "Unknown Message") }
func unknownWebhook() reply { return apiError(http.StatusNotFound, 10015, "Unknown Webhook") }
func emptyMessage() reply {
	return apiError(http.StatusBadRequest, 50006, "Cannot send an empty message")
}

// fieldError is one entry of an Invalid Form Body answer; path is dotted,
// such as "components.0.components.1.custom_id".
type fieldError struct{ path, code, message string }

// invalidForm is Discord's 400 with code 50035 and the errors nested by
// path, each leaf holding an _errors list.
func invalidForm(errs ...fieldError) reply {
	tree := map[string]any{}
	for _, e := range errs {
		node := tree
		for _, key := range strings.Split(e.path, ".") {
			next, _ := node[key].(map[string]any)
			if next == nil {
				next = map[string]any{}
				node[key] = next
			}
			node = next
		}
		list, _ := node["_errors"].([]any)
		node["_errors"] = append(list, map[string]any{"code": e.code, "message": e.message})
	}
	return reply{status: http.StatusBadRequest, code: 50035,
		body: map[string]any{"message": "Invalid Form Body", "code": 50035, "errors": tree}}
}

type handler func(*Server, *request) reply

type route struct {
	method, path string
	auth         bool // needs "Authorization: Bot <token>"
	limited      bool // subject to WithRateLimit
	handle       handler
}

var routes = []*route{
	{"GET", "/gateway", false, false, (*Server).getGateway},
	{"GET", "/gateway/bot", true, false, (*Server).getGatewayBot},
	{"GET", "/users/@me", true, true, (*Server).getMe},
	{"POST", "/users/@me/channels", true, true, (*Server).createDM},
	{"GET", "/channels/{channel}", true, true, (*Server).getChannel},
	{"POST", "/channels/{channel}/messages", true, true, (*Server).createMessage},
	{"GET", "/channels/{channel}/messages/{message}", true, true, (*Server).getMessage},
	{"PATCH", "/channels/{channel}/messages/{message}", true, true, (*Server).editMessage},
	{"DELETE", "/channels/{channel}/messages/{message}", true, true, (*Server).deleteMessage},
	{"POST", "/channels/{channel}/threads", true, true, (*Server).startThread},
	{"POST", "/channels/{channel}/messages/{message}/threads", true, true, (*Server).startMessageThread},
	{"POST", "/interactions/{interaction}/{token}/callback", false, true, (*Server).interactionCallback},
	{"PUT", "/applications/{app}/commands", true, true, (*Server).overwriteCommands},
	{"PUT", "/applications/{app}/guilds/{guild}/commands", true, true, (*Server).overwriteCommands},
	{"POST", "/webhooks/{app}/{token}", false, true, (*Server).executeWebhook},
	{"GET", "/webhooks/{app}/{token}/messages/{message}", false, true, (*Server).getWebhookMessage},
	{"PATCH", "/webhooks/{app}/{token}/messages/{message}", false, true, (*Server).editWebhookMessage},
}

// stripAPI splits "/api/v10/channels/1" into 10 and "/channels/1".
func stripAPI(p string) (version int, rest string, ok bool) {
	after, found := strings.CutPrefix(p, "/api/v")
	if !found {
		return 0, p, false
	}
	digits, rest, _ := strings.Cut(after, "/")
	v, err := strconv.Atoi(digits)
	if err != nil {
		return 0, p, false
	}
	return v, "/" + rest, true
}

func segments(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", seg == "*"
}

// matchPath matches path against a pattern path (see CallsTo) and returns
// the values of its {name} segments.
func matchPath(pattern, path string) (map[string]string, bool) {
	ps, ss := segments(pattern), segments(path)
	params := map[string]string{}
	for i, p := range ps {
		if p == "**" && i == len(ps)-1 {
			return params, true
		}
		if i >= len(ss) {
			return nil, false
		}
		if name, wild := paramName(p); wild {
			if ss[i] == "" {
				return nil, false
			}
			if name != "" {
				params[name] = ss[i]
			}
		} else if p != ss[i] {
			return nil, false
		}
	}
	return params, len(ps) == len(ss)
}

// matchPattern matches a call against a CallsTo / FailNext pattern.
func matchPattern(pattern, method, path string) bool {
	fields := strings.Fields(pattern)
	var pm, pp string
	switch len(fields) {
	case 0:
		return true
	case 1:
		pp = fields[0]
	default:
		pm, pp = fields[0], fields[1]
	}
	if pm != "" && pm != "*" && !strings.EqualFold(pm, method) {
		return false
	}
	if _, rest, ok := stripAPI(pp); ok {
		pp = rest
	}
	_, matched := matchPath(pp, path)
	return matched
}

func findRoute(method, path string) (rt *route, params map[string]string, pathKnown bool) {
	for _, r := range routes {
		if p, ok := matchPath(r.path, path); ok {
			if r.method == method {
				return r, p, true
			}
			pathKnown = true
		}
	}
	return nil, nil, pathKnown
}

var errInvalidJSON = errors.New("invalid JSON")

// readBody returns the JSON body, or multipart's payload_json and file names.
func readBody(r *http.Request) (json.RawMessage, []string, [][]byte, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var raw []byte
	var files []string
	var uploads [][]byte
	if ct == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, nil, nil, errInvalidJSON
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, nil, nil, errInvalidJSON
			}
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, nil, nil, err
			}
			if part.FormName() == "payload_json" {
				raw = b
			} else if part.FileName() != "" {
				files = append(files, part.FileName())
				uploads = append(uploads, b)
			}
		}
	} else {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, nil, nil, err
		}
		raw = b
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, files, uploads, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, files, uploads, errInvalidJSON
	}
	return buf.Bytes(), files, uploads, nil
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	version, path, apiPath := stripAPI(r.URL.Path)
	raw, files, uploads, bodyErr := readBody(r)
	token, hasBot := strings.CutPrefix(r.Header.Get("Authorization"), "Bot ")
	if !hasBot {
		token = ""
	}
	call := Call{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: raw, Files: files, Uploads: uploads, Token: token, At: now}

	// The call is recorded under the same lock as its effects, so a client
	// that has its answer also finds the call in Calls and Sent.
	s.mu.Lock()
	var rep reply
	h := http.Header{}
	rt, params, pathKnown := findRoute(r.Method, path)
	if rt != nil {
		call.Route = rt.method + " " + rt.path
	}
	switch {
	case !apiPath || (rt == nil && !pathKnown):
		rep = apiError(http.StatusNotFound, 0, "404: Not Found")
	case rt == nil:
		rep = apiError(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	case rt.auth && !s.validToken(token):
		rep = apiError(http.StatusUnauthorized, 0, "401: Unauthorized")
	case bodyErr != nil:
		rep = apiError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
	default:
		if f := s.takeFailureLocked(r.Method, path); f != nil {
			rep = injectedReply(f, now)
			break
		}
		if s.limit.enabled() && rt.limited {
			if wait := s.throttleLocked(token, rt, params, now, h); wait > 0 {
				s.limited++
				rep = tooManyRequests(wait, h)
				break
			}
		}
		rq := &request{method: r.Method, params: params, query: r.URL.Query(), raw: raw, files: files,
			token: token, version: version, now: now}
		rep = rt.handle(s, rq)
	}
	for k, v := range h {
		if rep.header == nil {
			rep.header = http.Header{}
		}
		if rep.header.Get(k) == "" {
			rep.header[k] = v
		}
	}
	call.Status, call.Code = rep.status, rep.code
	s.calls = append(s.calls, call)
	s.notifyLocked()
	delay := s.takeLateLocked(r.Method, path)
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.closed:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	writeReply(w, rep)
}

func (s *Server) takeLateLocked(method, path string) time.Duration {
	for i, l := range s.lates {
		if matchPattern(l.pattern, method, path) {
			if l.n--; l.n == 0 {
				s.lates = append(s.lates[:i:i], s.lates[i+1:]...)
			}
			return l.d
		}
	}
	return 0
}

func (s *Server) takeFailureLocked(method, path string) *failure {
	for i, f := range s.failures {
		if matchPattern(f.pattern, method, path) {
			if f.n--; f.n == 0 {
				s.failures = append(s.failures[:i:i], s.failures[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func writeReply(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	body := rep.raw
	if body == nil && rep.body != nil {
		b, err := json.Marshal(rep.body)
		if err != nil {
			rep.status = http.StatusInternalServerError
			b = fmt.Appendf(nil, `{"message":"discordtest: %s","code":0}`, strings.ReplaceAll(err.Error(), `"`, `'`))
		}
		body = b
	}
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

// object decodes a JSON object body; no body is an empty object.
func (rq *request) object() (map[string]json.RawMessage, *reply) {
	body := map[string]json.RawMessage{}
	if rq.raw == nil {
		return body, nil
	}
	if err := json.Unmarshal(rq.raw, &body); err != nil {
		rep := apiError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return nil, &rep
	}
	for k, v := range body {
		if string(v) == "null" {
			delete(body, k)
		}
	}
	return body, nil
}

func notSnowflake(field, value string) reply {
	return invalidForm(fieldError{field, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value \"%s\" is not snowflake.", value)})
}

// chanInfo is what the server knows about a channel.
type chanInfo struct {
	id        string
	thread    *Thread
	recipient string // for DM channels
}

// channelLocked checks a channel id from a path; forSend adds the DM block.
func (s *Server) channelLocked(id string, forSend bool) (chanInfo, *reply) {
	var rep reply
	t := s.threads[id]
	c := chanInfo{id: id, thread: t, recipient: s.dmUser[id]}
	switch {
	case !isSnowflake(id):
		rep = notSnowflake("channel_id", id)
	case s.unknown[id] || t != nil && t.Deleted:
		rep = unknownChannel()
	case forSend && (s.blocked[id] || c.recipient != "" && s.blocked[c.recipient]):
		rep = apiError(http.StatusForbidden, 50007, "Cannot send messages to this user")
	default:
		return c, nil
	}
	return c, &rep
}

func (s *Server) decorateLocked(m *Message) {
	if t := s.threads[m.ChannelID]; t != nil {
		m.InThread, m.ParentID = true, t.ParentID
	}
	m.Recipient = s.dmUser[m.ChannelID]
}

// channelMessageLocked finds a message in a channel, as channel routes see
// it: ephemeral ones are invisible.
func (s *Server) channelMessageLocked(channel, id string) (*stored, *reply) {
	var rep reply
	st := s.messages[id]
	switch {
	case !isSnowflake(id):
		rep = notSnowflake("message_id", id)
	case st == nil || st.msg.ChannelID != channel || st.msg.Flags&flagEphemeral != 0 || st.deferred:
		rep = unknownMessage()
	default:
		return st, nil
	}
	return st, &rep
}

func (s *Server) getGateway(*request) reply { return ok(map[string]any{"url": s.wsURL}) }

func (s *Server) getGatewayBot(*request) reply {
	return ok(map[string]any{
		"url":    s.wsURL,
		"shards": 1,
		"session_start_limit": map[string]any{
			"total": 1000, "remaining": max(1000-s.identifies, 0), "reset_after": 86400000, "max_concurrency": 1,
		},
	})
}

func (s *Server) getMe(*request) reply { return ok(s.botUser()) }

func (s *Server) createDM(rq *request) reply {
	body, bad := rq.object()
	if bad != nil {
		return *bad
	}
	var user string
	if err := json.Unmarshal(body["recipient_id"], &user); err != nil || user == "" {
		return invalidForm(fieldError{"recipient_id", "BASE_TYPE_REQUIRED", "This field is required"})
	}
	if !isSnowflake(user) {
		return notSnowflake("recipient_id", user)
	}
	id := s.dmByUser[user]
	if id == "" {
		id = Snowflake()
		s.dmByUser[user], s.dmUser[id] = id, user
	}
	return ok(s.dmJSONLocked(id, user))
}

func (s *Server) dmJSONLocked(id, user string) map[string]any {
	return map[string]any{
		"id": id, "type": 1, "last_message_id": nil, "flags": 0,
		"recipients": []any{s.userLocked(user)},
	}
}

func threadJSON(t *Thread, owner string) map[string]any {
	return map[string]any{
		"id": t.ID, "type": t.Type, "parent_id": t.ParentID, "name": t.Name, "owner_id": owner,
		"last_message_id": nil, "rate_limit_per_user": 0, "flags": 0,
		"message_count": 0, "member_count": 1, "total_message_sent": 0,
		"thread_metadata": map[string]any{
			"archived": false, "locked": false, "auto_archive_duration": cmpOr(t.AutoArchiveDuration, 4320),
			"archive_timestamp": timestamp(t.At), "create_timestamp": timestamp(t.At),
		},
		"member": map[string]any{"id": t.ID, "user_id": owner, "join_timestamp": timestamp(t.At), "flags": 0},
	}
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func (s *Server) getChannel(rq *request) reply {
	c, bad := s.channelLocked(rq.params["channel"], false)
	switch {
	case bad != nil:
		return *bad
	case c.thread != nil:
		return ok(threadJSON(c.thread, s.botID))
	case c.recipient != "":
		return ok(s.dmJSONLocked(c.id, c.recipient))
	}
	ch := map[string]any{
		"id": c.id, "type": 0, "name": "channel-" + c.id, "position": 0, "flags": 0, "nsfw": false,
		"permission_overwrites": []any{}, "last_message_id": nil, "rate_limit_per_user": 0,
		"topic": nil, "parent_id": nil,
	}
	if g := s.guildOf[c.id]; g != "" {
		ch["guild_id"] = g
	}
	return ok(ch)
}

// overwriteCommands serves the bulk overwrite of an application's global
// or guild commands: the list given replaces the one there, as on Discord.
func (s *Server) overwriteCommands(rq *request) reply {
	if rq.params["app"] != s.botID {
		return apiError(http.StatusForbidden, 50001, "Missing Access")
	}
	var cmds []map[string]any
	if err := json.Unmarshal(rq.raw, &cmds); err != nil {
		return apiError(http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
	}
	for i, c := range cmds {
		name, _ := c["name"].(string)
		desc, _ := c["description"].(string)
		if name == "" || len(name) > 32 || strings.ToLower(name) != name || desc == "" || len(desc) > 100 {
			return invalidForm(fieldError{path: strconv.Itoa(i) + ".name", code: "APPLICATION_COMMAND_INVALID", message: "Invalid command name or description"})
		}
		c["id"], c["application_id"], c["version"] = Snowflake(), s.botID, Snowflake()
		if g := rq.params["guild"]; g != "" {
			c["guild_id"] = g
		}
	}
	s.commands[rq.params["guild"]] = cmds
	return ok(cmds)
}

func (s *Server) createMessage(rq *request) reply {
	c, bad := s.channelLocked(rq.params["channel"], true)
	if bad != nil {
		return *bad
	}
	f, bad := parseMessage(rq, true)
	if bad != nil {
		return *bad
	}
	// With enforce_nonce, a nonce the bot used within the window answers
	// with the message created then, wherever it was sent, and creates
	// nothing.
	key := nonceKey{s.botID, f.nonce}
	if f.enforceNonce && f.nonce != "" {
		if used, seen := s.nonces[key]; seen && rq.now.Sub(used.at) < nonceWindow {
			if st, kept := s.messages[used.message]; kept {
				return ok(s.messageJSONLocked(st))
			}
		}
	}
	st := s.newMessageLocked(c.id, f, "", rq.now)
	s.sent = append(s.sent, st.msg)
	if f.nonce != "" {
		// Discord matches any earlier message with the nonce, enforced
		// or not.
		s.nonces[key] = nonceUse{message: st.msg.ID, at: rq.now}
	}
	return ok(s.messageJSONLocked(st))
}

func (s *Server) newMessageLocked(channel string, f msgFields, token string, now time.Time) *stored {
	m := Message{
		ID: Snowflake(), ChannelID: channel, Content: f.content, Components: f.components, Embeds: f.embeds,
		AllowedMentions: f.allowed, ReplyTo: f.replyTo, Flags: f.flags, Interaction: token, At: now,
	}
	s.decorateLocked(&m)
	st := &stored{msg: m, author: s.botID}
	s.messages[m.ID] = st
	return st
}

func (s *Server) getMessage(rq *request) reply {
	c, bad := s.channelLocked(rq.params["channel"], false)
	if bad != nil {
		return *bad
	}
	st, bad := s.channelMessageLocked(c.id, rq.params["message"])
	if bad != nil {
		return *bad
	}
	return ok(s.messageJSONLocked(st))
}

func (s *Server) editMessage(rq *request) reply {
	c, bad := s.channelLocked(rq.params["channel"], false)
	if bad != nil {
		return *bad
	}
	st, bad := s.channelMessageLocked(c.id, rq.params["message"])
	if bad != nil {
		return *bad
	}
	if st.author != s.botID {
		return apiError(http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
	}
	f, bad := parseMessage(rq, false)
	if bad != nil {
		return *bad
	}
	if bad := s.applyEditLocked(st, f, rq.now); bad != nil {
		return *bad
	}
	return ok(s.messageJSONLocked(st))
}

// applyEditLocked edits a stored message and records the edit; a deferred
// interaction response becomes a sent message instead.
func (s *Server) applyEditLocked(st *stored, f msgFields, now time.Time) *reply {
	m := st.msg
	if f.hasContent {
		m.Content = f.content
	}
	if f.hasComponents {
		m.Components = f.components
	}
	if f.hasEmbeds {
		m.Embeds = f.embeds
	}
	if f.allowed != nil {
		m.AllowedMentions = f.allowed
	}
	if strings.TrimSpace(m.Content) == "" && m.Components == nil && m.Embeds == nil && f.files == 0 {
		rep := emptyMessage()
		return &rep
	}
	if st.deferred {
		st.deferred = false
		st.msg = m
		s.sent = append(s.sent, m)
		return nil
	}
	m.Edited = now
	st.msg = m
	s.edits = append(s.edits, m)
	return nil
}

func (s *Server) deleteMessage(rq *request) reply {
	c, bad := s.channelLocked(rq.params["channel"], false)
	if bad != nil {
		return *bad
	}
	st, bad := s.channelMessageLocked(c.id, rq.params["message"])
	if bad != nil {
		return *bad
	}
	delete(s.messages, st.msg.ID)
	return noContent()
}

var archiveDurations = map[int]bool{60: true, 1440: true, 4320: true, 10080: true}

// threadLocked validates a thread request against its parent channel.
func (s *Server) threadLocked(rq *request, fromMessage bool) (*Thread, *reply) {
	c, bad := s.channelLocked(rq.params["channel"], false)
	if bad != nil {
		return nil, bad
	}
	if c.thread != nil || c.recipient != "" {
		rep := apiError(http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
		return nil, &rep
	}
	body, bad := rq.object()
	if bad != nil {
		return nil, bad
	}
	t := &Thread{ParentID: c.id, At: rq.now}
	var errs []fieldError
	if err := json.Unmarshal(body["name"], &t.Name); err != nil {
		errs = append(errs, fieldError{"name", "BASE_TYPE_REQUIRED", "This field is required"})
	} else if n := len([]rune(strings.TrimSpace(t.Name))); n < 1 || n > 100 {
		errs = append(errs, fieldError{"name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."})
	}
	if raw, ok := body["auto_archive_duration"]; ok {
		if json.Unmarshal(raw, &t.AutoArchiveDuration) != nil || !archiveDurations[t.AutoArchiveDuration] {
			errs = append(errs, fieldError{"auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of (60, 1440, 4320, 10080)."})
		}
	}
	switch raw, ok := body["type"]; {
	case fromMessage:
		t.Type = 11 // inferred from the parent; announcement parents are not modelled
	case !ok && rq.version < 10:
		t.Type = 12 // API v9 defaults to a private thread
	case !ok:
		errs = append(errs, fieldError{"type", "BASE_TYPE_REQUIRED", "This field is required"})
	default:
		if json.Unmarshal(raw, &t.Type) != nil || t.Type < 10 || t.Type > 12 {
			errs = append(errs, fieldError{"type", "BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12)."})
		}
	}
	if len(errs) > 0 {
		rep := invalidForm(errs...)
		return nil, &rep
	}
	return t, nil
}

func (s *Server) addThreadLocked(t *Thread) reply {
	s.threads[t.ID] = t
	s.threadOrder = append(s.threadOrder, t.ID)
	return created(threadJSON(t, s.botID))
}

func (s *Server) startThread(rq *request) reply {
	t, bad := s.threadLocked(rq, false)
	if bad != nil {
		return *bad
	}
	t.ID = Snowflake()
	return s.addThreadLocked(t)
}

// startMessageThread starts a thread from a message; like on Discord the
// thread's id is the message's. Messages the server does not know (not the
// bot's nor dispatched) are assumed to exist in the channel.
func (s *Server) startMessageThread(rq *request) reply {
	t, bad := s.threadLocked(rq, true)
	if bad != nil {
		return *bad
	}
	id := rq.params["message"]
	if !isSnowflake(id) {
		return notSnowflake("message_id", id)
	}
	if st := s.messages[id]; st != nil && st.msg.ChannelID != t.ParentID {
		return unknownMessage()
	}
	if s.threads[id] != nil {
		return apiError(http.StatusBadRequest, 160004, "A thread has already been created for this message")
	}
	t.ID, t.MessageID = id, id
	return s.addThreadLocked(t)
}

const (
	flagEphemeral    = 1 << 6
	flagComponentsV2 = 1 << 15
)

const (
	// InteractionDeadline is how long after an INTERACTION_CREATE is
	// dispatched the bot may answer it; later callbacks get 404 Unknown
	// interaction (10062), as on Discord.
	InteractionDeadline = 3 * time.Second
)

// interactionLocked finds the interaction of a token, registering an
// unknown one (the test did not dispatch it) as it comes.
func (s *Server) interactionLocked(id, token string) *interaction {
	it := s.interactions[token]
	if it == nil {
		it = &interaction{id: id, token: token}
		s.interactions[token] = it
	}
	return it
}

func (s *Server) interactionCallback(rq *request) reply {
	id, token := rq.params["interaction"], rq.params["token"]
	it := s.interactionLocked(id, token)
	if it.id == "" {
		it.id = id
	}
	switch {
	case it.id != id, !it.dispatched.IsZero() && rq.now.Sub(it.dispatched) > InteractionDeadline:
		return apiError(http.StatusNotFound, 10062, "Unknown interaction")
	case it.responded:
		return apiError(http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
	}
	body, bad := rq.object()
	if bad != nil {
		return *bad
	}
	var typ int
	if err := json.Unmarshal(body["type"], &typ); err != nil {
		return invalidForm(fieldError{"type", "BASE_TYPE_REQUIRED", "This field is required"})
	}
	data := body["data"]
	sub := &request{method: rq.method, raw: data, files: rq.files, now: rq.now}
	switch typ {
	case 4, 5: // (deferred) CHANNEL_MESSAGE_WITH_SOURCE
		f, bad := parseMessage(sub, typ == 4)
		if bad != nil {
			return prefixErrors(*bad, "data")
		}
		st := s.newMessageLocked(it.channel, f, token, rq.now)
		it.original = st.msg.ID
		if typ == 5 {
			st.deferred = true
		} else {
			s.sent = append(s.sent, st.msg)
		}
	case 7: // UPDATE_MESSAGE
		f, bad := parseMessage(sub, false)
		if bad != nil {
			return prefixErrors(*bad, "data")
		}
		if st := s.messages[it.message]; st != nil {
			if bad := s.applyEditLocked(st, f, rq.now); bad != nil {
				return *bad
			}
		}
	case 6, 8, 9, 10, 12:
	default:
		return invalidForm(fieldError{"type", "BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 8, 9, 10, 12}."})
	}
	it.responded = true
	s.responses = append(s.responses, InteractionResponse{InteractionID: id, Token: token, Type: typ, Data: data, At: rq.now})
	return noContent()
}

// prefixErrors nests an Invalid Form Body's errors under key.
func prefixErrors(rep reply, key string) reply {
	if m, ok := rep.body.(map[string]any); ok {
		if errs, ok := m["errors"]; ok {
			m["errors"] = map[string]any{key: errs}
		}
	}
	return rep
}

// webhookLocked checks a webhook path: only the bot's application's
// interaction webhooks exist here.
func (s *Server) webhookLocked(rq *request) (*interaction, *reply) {
	if rq.params["app"] != s.botID {
		rep := unknownWebhook()
		return nil, &rep
	}
	it := s.interactionLocked("", rq.params["token"])
	if !it.dispatched.IsZero() && !it.responded {
		// Follow-ups need the interaction acknowledged first.
		rep := unknownWebhook()
		return nil, &rep
	}
	return it, nil
}

func (s *Server) executeWebhook(rq *request) reply {
	it, bad := s.webhookLocked(rq)
	if bad != nil {
		return *bad
	}
	f, bad := parseMessage(rq, true)
	if bad != nil {
		return *bad
	}
	channel := it.channel
	if th := rq.query.Get("thread_id"); th != "" {
		channel = th
	}
	st := s.newMessageLocked(channel, f, it.token, rq.now)
	s.sent = append(s.sent, st.msg)
	if rq.query.Get("wait") != "true" {
		return noContent()
	}
	return ok(s.messageJSONLocked(st))
}

// webhookMessageLocked resolves {message} of a webhook path: "@original"
// is the interaction's response (or the message its component was on).
func (s *Server) webhookMessageLocked(it *interaction, id string) *stored {
	if id == "@original" {
		id = it.original
		if id == "" {
			id = it.message
		}
	}
	st := s.messages[id]
	if st == nil || (st.msg.Interaction != it.token && id != it.message) {
		return nil
	}
	return st
}

func (s *Server) getWebhookMessage(rq *request) reply {
	it, bad := s.webhookLocked(rq)
	if bad != nil {
		return *bad
	}
	st := s.webhookMessageLocked(it, rq.params["message"])
	if st == nil {
		return unknownMessage()
	}
	return ok(s.messageJSONLocked(st))
}

// editWebhookMessage edits an interaction response or follow-up. Editing
// @original of an interaction the server never heard of (neither dispatched
// nor answered) creates the response, so tests need not simulate the
// callback; it then appears in Sent.
func (s *Server) editWebhookMessage(rq *request) reply {
	it, bad := s.webhookLocked(rq)
	if bad != nil {
		return *bad
	}
	f, bad := parseMessage(rq, false)
	if bad != nil {
		return *bad
	}
	id := rq.params["message"]
	st := s.webhookMessageLocked(it, id)
	if st == nil && id == "@original" && !it.responded && it.dispatched.IsZero() {
		if f.empty() {
			return emptyMessage()
		}
		st = s.newMessageLocked(it.channel, f, it.token, rq.now)
		it.original, it.responded = st.msg.ID, true
		s.sent = append(s.sent, st.msg)
		return ok(s.messageJSONLocked(st))
	}
	if st == nil {
		return unknownMessage()
	}
	if bad := s.applyEditLocked(st, f, rq.now); bad != nil {
		return *bad
	}
	return ok(s.messageJSONLocked(st))
}
