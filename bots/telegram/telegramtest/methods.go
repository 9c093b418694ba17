package telegramtest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// maxPoll caps getUpdates' long poll so tests that use it stay quick.
	maxPoll = 2 * time.Second
	// Telegram counts UTF-16 code units; runes agree for everything but
	// astral characters, which is close enough for a fake.
	maxTextLen = 4096
	// defaultTopicColor is the icon colour Telegram picks when none is given.
	defaultTopicColor = 7322096
)

// handler answers one method. It runs with s.mu held.
type handler func(*Server, *request) reply

type method struct {
	name   string
	handle handler
}

// methods is keyed by lower-case name, since Telegram ignores case.
var methods = func() map[string]method {
	m := map[string]method{}
	for name, h := range map[string]handler{
		"getMe":                  (*Server).getMe,
		"sendMessage":            (*Server).sendMessage,
		"editMessageText":        func(s *Server, rq *request) reply { return s.edit(rq, true) },
		"editMessageReplyMarkup": func(s *Server, rq *request) reply { return s.edit(rq, false) },
		"createForumTopic":       (*Server).createForumTopic,
		"getChat":                (*Server).getChat,
		"getUpdates":             (*Server).getUpdates,
		"setWebhook":             acknowledge,
		"deleteWebhook":          acknowledge,
		"answerCallbackQuery":    acknowledge,
		"setMyCommands":          (*Server).setMyCommands,
		"sendChatAction":         acknowledge,
		"sendPhoto":              mediaMethod("photo"),
		"sendDocument":           mediaMethod("document"),
		"sendVoice":              mediaMethod("voice"),
		"sendAudio":              mediaMethod("audio"),
		"sendVideo":              mediaMethod("video"),
		"sendVideoNote":          mediaMethod("video_note"),
		"sendAnimation":          mediaMethod("animation"),
		"sendSticker":            mediaMethod("sticker"),
		"sendLocation":           mediaMethod("location"),
		"sendContact":            mediaMethod("contact"),
		"sendMediaGroup":         (*Server).sendMediaGroup,
		"getFile":                (*Server).getFile,
	} {
		m[strings.ToLower(name)] = method{name: name, handle: h}
	}
	return m
}()

func acknowledge(*Server, *request) reply { return ok(true) }

func (s *Server) botUser() map[string]any {
	return map[string]any{"id": s.botID, "is_bot": true, "first_name": s.botUsername, "username": s.botUsername}
}

func (s *Server) getMe(*request) reply { return ok(s.botUser()) }

func chatID(p map[string]string) (int64, bool) {
	id, err := strconv.ParseInt(p["chat_id"], 10, 64)
	return id, err == nil && id != 0
}

func textProblem(text string) string {
	switch {
	case strings.TrimSpace(text) == "":
		return "message text is empty"
	case utf8.RuneCountInString(text) > maxTextLen:
		return "message is too long"
	}
	return ""
}

func markupProblem(markup string) string {
	if markup != "" && !json.Valid([]byte(markup)) {
		return "can't parse reply keyboard markup JSON object"
	}
	return ""
}

func (s *Server) sendMessage(rq *request) reply {
	p := rq.params
	chat, valid := chatID(p)
	if !valid {
		return badRequest("chat not found")
	}
	if problem := cmp.Or(textProblem(p["text"]), markupProblem(p["reply_markup"])); problem != "" {
		return badRequest(problem)
	}
	var replyTo struct {
		MessageID int64 `json:"message_id"`
	}
	if raw := p["reply_parameters"]; raw != "" && json.Unmarshal([]byte(raw), &replyTo) != nil {
		return badRequest("can't parse reply parameters JSON object")
	}
	if s.blocked[chat] {
		return fail(http.StatusForbidden, "Forbidden: bot was blocked by the user")
	}
	if retryAfter := s.throttleLocked(rq.token, chat); retryAfter > 0 {
		return tooManyRequests(retryAfter)
	}
	thread, _ := strconv.ParseInt(p["message_thread_id"], 10, 64)
	if thread != 0 && s.forums[chat] != nil && !s.forums[chat][thread] {
		return badRequest("message thread not found")
	}
	s.lastID[chat]++
	m := Message{
		ChatID:      chat,
		ThreadID:    thread,
		MessageID:   s.lastID[chat],
		Text:        p["text"],
		ReplyTo:     replyTo.MessageID,
		ReplyMarkup: p["reply_markup"],
		At:          s.now(),
	}
	s.messages[msgKey{chat, m.MessageID}] = m
	s.sent = append(s.sent, m)
	s.notifyLocked()
	return ok(s.messageJSON(m, time.Time{}))
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

// edit serves editMessageText (withText) and editMessageReplyMarkup. Both
// set reply_markup: leaving it out removes the keyboard, as on Telegram.
func (s *Server) edit(rq *request, withText bool) reply {
	p := rq.params
	chat, _ := chatID(p)
	id, _ := strconv.ParseInt(p["message_id"], 10, 64)
	m, found := s.messages[msgKey{chat, id}]
	text := m.Text
	if withText {
		text = p["text"]
	}
	switch problem := cmp.Or(textProblem(text), markupProblem(p["reply_markup"])); {
	case !found:
		return badRequest("message to edit not found")
	case problem != "":
		return badRequest(problem)
	case text == m.Text && p["reply_markup"] == m.ReplyMarkup:
		return badRequest(notModified)
	}
	if withText {
		if retryAfter := s.throttleLocked(rq.token, chat); retryAfter > 0 {
			return tooManyRequests(retryAfter)
		}
	}
	m.Text, m.ReplyMarkup = text, p["reply_markup"]
	s.messages[msgKey{chat, id}] = m
	return ok(s.messageJSON(m, s.now()))
}

func (s *Server) messageJSON(m Message, edited time.Time) map[string]any {
	chat := map[string]any{"id": m.ChatID, "type": "private"}
	if m.ChatID < 0 {
		chat["type"] = "supergroup"
	}
	out := map[string]any{
		"message_id": m.MessageID,
		"date":       m.At.Unix(),
		"chat":       chat,
		"from":       s.botUser(),
		"text":       m.Text,
	}
	if m.ThreadID != 0 {
		out["message_thread_id"] = m.ThreadID
	}
	if m.ReplyTo != 0 {
		out["reply_to_message"] = map[string]any{"message_id": m.ReplyTo, "date": 0, "chat": chat}
	}
	// Telegram only echoes inline keyboards; the others live on the client.
	var markup struct {
		InlineKeyboard json.RawMessage `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(m.ReplyMarkup), &markup) == nil && markup.InlineKeyboard != nil {
		out["reply_markup"] = json.RawMessage(m.ReplyMarkup)
	}
	if !edited.IsZero() {
		out["edit_date"] = edited.Unix()
	}
	return out
}

func (s *Server) createForumTopic(rq *request) reply {
	p := rq.params
	chat, valid := chatID(p)
	if !valid {
		return badRequest("chat not found")
	}
	name := p["name"]
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 128 {
		return badRequest("topic name is invalid")
	}
	if s.forums[chat] == nil {
		return badRequest("the chat is not a forum")
	}
	// A topic is identified by the id of the service message that opens it,
	// so it takes a message_id in its chat.
	s.lastID[chat]++
	s.forums[chat][s.lastID[chat]] = true
	s.topics = append(s.topics, Topic{ChatID: chat, ThreadID: s.lastID[chat], Name: name})
	return ok(map[string]any{"message_thread_id": s.lastID[chat], "name": name, "icon_color": defaultTopicColor})
}

// getChat knows only what the tests set: whether a chat is a forum.
func (s *Server) getChat(rq *request) reply {
	chat, valid := chatID(rq.params)
	if !valid {
		return badRequest("chat not found")
	}
	kind := "private"
	if chat < 0 {
		kind = "supergroup"
	}
	return ok(map[string]any{"id": chat, "type": kind, "is_forum": s.forums[chat] != nil})
}

// getUpdates follows Telegram: updates below offset are confirmed and
// forgotten, the rest are served again until confirmed, and with a timeout
// it waits for one to arrive.
func (s *Server) getUpdates(rq *request) reply {
	p := rq.params
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, err := strconv.Atoi(p["limit"])
	if err != nil || limit < 1 || limit > 100 {
		limit = 100
	}
	var expired <-chan time.Time
	if timeout, _ := strconv.Atoi(p["timeout"]); timeout > 0 {
		t := time.NewTimer(min(time.Duration(timeout)*time.Second, maxPoll))
		defer t.Stop()
		expired = t.C
	}
	// Counted while the lock is still held from the first check, so whoever
	// sees the count knows the call is waiting on the current s.changed.
	s.polling++
	s.notifyLocked()
	defer func() { s.polling-- }()
	for {
		s.updates = slices.DeleteFunc(s.updates, func(u queuedUpdate) bool { return u.id < offset })
		if len(s.updates) > 0 || expired == nil {
			break
		}
		stop, gone := s.waitLocked(rq.ctx, s.changed, expired)
		if gone {
			return reply{}
		}
		if stop {
			expired = nil
		}
	}
	out := make([]json.RawMessage, min(limit, len(s.updates)))
	for i := range out {
		out[i] = s.updates[i].raw
	}
	return ok(out)
}

// BotCommand is one entry of a list set with setMyCommands.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// setMyCommands checks the list as Telegram does and keeps it per scope,
// replacing the previous one: setting the same list again changes nothing.
func (s *Server) setMyCommands(rq *request) reply {
	var cmds []BotCommand
	if json.Unmarshal([]byte(rq.params["commands"]), &cmds) != nil {
		return badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return badRequest("too many commands")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(c.Description); n == 0 || n > 256 {
			return badRequest("command description is invalid")
		}
	}
	scope, problem := commandScope(rq.params["scope"])
	if problem != "" {
		return badRequest(problem)
	}
	s.commands[scope] = cmds
	return ok(true)
}

// commandScope names a BotCommandScope as Commands keys it: its type, and
// for one chat "chat:ID".
func commandScope(raw string) (string, string) {
	if raw == "" {
		return "default", ""
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
	}
	if json.Unmarshal([]byte(raw), &sc) != nil {
		return "", "can't parse BotCommandScope JSON object"
	}
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return sc.Type, ""
	case "chat", "chat_administrators":
		id, err := strconv.ParseInt(strings.Trim(string(sc.ChatID), `"`), 10, 64)
		if err != nil || id == 0 {
			return "", "chat not found"
		}
		return sc.Type + ":" + strconv.FormatInt(id, 10), ""
	}
	return "", "unsupported bot command scope type"
}
