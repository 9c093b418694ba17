package discordtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"
)

// discordEpoch is the first millisecond of 2015, where snowflakes start.
const discordEpoch = 1420070400000

var lastSnowflake atomic.Uint64

// Snowflake returns a new Discord id: the current time in Discord's
// snowflake layout, strictly greater than every id returned before, so
// ids sort like Discord's. It is safe for concurrent use.
func Snowflake() string {
	for {
		old := lastSnowflake.Load()
		next := uint64(time.Now().UnixMilli()-discordEpoch) << 22
		if next <= old {
			next = old + 1
		}
		if lastSnowflake.CompareAndSwap(old, next) {
			return strconv.FormatUint(next, 10)
		}
	}
}

func isSnowflake(id string) bool {
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// timestamp formats t as Discord does, e.g. 2025-01-01T12:00:00.000000+00:00.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
}

func userJSON(id, name string, bot bool) map[string]any {
	u := map[string]any{
		"id":            id,
		"username":      name,
		"discriminator": "0",
		"global_name":   name,
		"avatar":        nil,
		"public_flags":  0,
	}
	if bot {
		u["bot"] = true
		u["global_name"] = nil
	}
	return u
}

func memberJSON(joined time.Time) map[string]any {
	return map[string]any{
		"roles":                        []string{},
		"joined_at":                    timestamp(joined),
		"premium_since":                nil,
		"nick":                         nil,
		"avatar":                       nil,
		"deaf":                         false,
		"mute":                         false,
		"pending":                      false,
		"flags":                        0,
		"communication_disabled_until": nil,
	}
}

// MessageCreate returns the data of a MESSAGE_CREATE dispatch shaped like
// Discord's: author is a user object; in a guild (guildID != "") there is
// guild_id and a member object without user, which Discord leaves out of
// MESSAGE_CREATE; mentions are user objects for the given user ids (with a
// partial member in a guild). An empty id gets a new Snowflake. Pass it to
// Dispatch("MESSAGE_CREATE", …), which also lets the bot reply to, edit
// (to get 50005) and start threads from the message.
func MessageCreate(id, channelID, guildID, authorID, authorName, content string, mentions ...string) map[string]any {
	if id == "" {
		id = Snowflake()
	}
	now := time.Now()
	ms := make([]map[string]any, 0, len(mentions))
	for _, uid := range mentions {
		u := userJSON(uid, "user"+uid, false)
		if guildID != "" {
			u["member"] = memberJSON(now.Add(-time.Hour))
		}
		ms = append(ms, u)
	}
	m := map[string]any{
		"id":               id,
		"type":             0,
		"channel_id":       channelID,
		"author":           userJSON(authorID, authorName, false),
		"content":          content,
		"timestamp":        timestamp(now),
		"edited_timestamp": nil,
		"tts":              false,
		"mention_everyone": false,
		"mentions":         ms,
		"mention_roles":    []string{},
		"attachments":      []any{},
		"embeds":           []any{},
		"components":       []any{},
		"pinned":           false,
		"flags":            0,
	}
	if guildID != "" {
		m["guild_id"] = guildID
		m["member"] = memberJSON(now.Add(-time.Hour))
	}
	return m
}

// ComponentInteraction returns the data of an INTERACTION_CREATE dispatch
// for a click on the button with customID on the bot's message messageID,
// by user userID in channelID (in guild guildID, or a DM when ""). It has a
// new id and token (see its "token" key) and the bot's application id.
// Dispatching it lets the bot answer with InteractionRespond within 3 s.
func (s *Server) ComponentInteraction(channelID, guildID, userID, userName, messageID, customID string) map[string]any {
	now := time.Now()
	s.mu.Lock()
	var msg map[string]any
	if m, ok := s.messages[messageID]; ok {
		msg = s.messageJSONLocked(m)
	} else {
		msg = map[string]any{"id": messageID, "channel_id": channelID, "author": s.botUser(), "content": "",
			"timestamp": timestamp(now), "type": 0, "components": []any{}, "embeds": []any{}, "attachments": []any{},
			"mentions": []any{}, "mention_roles": []any{}, "pinned": false, "tts": false, "mention_everyone": false, "flags": 0}
	}
	s.mu.Unlock()
	in := map[string]any{
		"id":              Snowflake(),
		"application_id":  s.botID,
		"type":            3, // MESSAGE_COMPONENT
		"data":            map[string]any{"custom_id": customID, "component_type": 2},
		"channel_id":      channelID,
		"channel":         map[string]any{"id": channelID, "type": 0},
		"message":         msg,
		"token":           "itoken-" + randomHex(16),
		"version":         1,
		"locale":          "en-US",
		"app_permissions": "0",
		"entitlements":    []any{},
		"context":         0,
	}
	user := userJSON(userID, userName, false)
	if guildID != "" {
		member := memberJSON(now.Add(-time.Hour))
		member["user"] = user
		member["permissions"] = "0"
		in["guild_id"] = guildID
		in["guild_locale"] = "en-US"
		in["member"] = member
	} else {
		in["user"] = user
		in["channel"] = map[string]any{"id": channelID, "type": 1}
		in["context"] = 1
	}
	return in
}

func (s *Server) botUser() map[string]any {
	u := userJSON(s.botID, s.botName, true)
	u["verified"] = true
	u["flags"] = 0
	u["mfa_enabled"] = false
	return u
}

func (s *Server) userLocked(id string) map[string]any {
	if id == s.botID {
		return s.botUser()
	}
	name := s.users[id]
	if name == "" {
		name = "user" + id
	}
	return userJSON(id, name, false)
}

func rawOr(raw json.RawMessage, empty any) any {
	if raw == nil {
		return empty
	}
	return raw
}

// messageJSONLocked is a message object as Discord returns it.
func (s *Server) messageJSONLocked(st *stored) map[string]any {
	m := st.msg
	typ := 0
	if m.ReplyTo != "" {
		typ = 19 // REPLY
	}
	out := map[string]any{
		"id":               m.ID,
		"type":             typ,
		"channel_id":       m.ChannelID,
		"author":           s.userLocked(st.author),
		"content":          m.Content,
		"timestamp":        timestamp(m.At),
		"edited_timestamp": nil,
		"tts":              false,
		"mention_everyone": false,
		"mentions":         []any{},
		"mention_roles":    []any{},
		"attachments":      []any{},
		"embeds":           rawOr(m.Embeds, []any{}),
		"components":       rawOr(m.Components, []any{}),
		"pinned":           false,
		"flags":            m.Flags,
	}
	if !m.Edited.IsZero() {
		out["edited_timestamp"] = timestamp(m.Edited)
	}
	if m.ReplyTo != "" {
		ref := map[string]any{"type": 0, "message_id": m.ReplyTo, "channel_id": m.ChannelID}
		out["message_reference"] = ref
		if r, ok := s.messages[m.ReplyTo]; ok && r != st {
			out["referenced_message"] = s.messageJSONLocked(r)
		} else {
			out["referenced_message"] = nil
		}
	}
	if m.Interaction != "" {
		out["webhook_id"] = s.botID
		out["application_id"] = s.botID
	}
	if m.InThread {
		out["position"] = 0
	}
	return out
}
