package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// The helpers here carry an hx prefix so they cannot collide with the ix
// helpers of interactions_test.go, which they build on.

// hxSignedStamp signs body under a timestamp header given verbatim, because
// the hostile timestamps (not a number, beyond int64) cannot be expressed as
// the time.Time that ixSigned takes.
func hxSignedStamp(stamp, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/discord/shop", strings.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(ixKey, []byte(stamp+body))))
	req.Header.Set("X-Signature-Timestamp", stamp)
	return req
}

// hxServe turns a handler panic into this row's failure instead of killing
// the whole test binary, so one bad row does not hide the others.
func hxServe(t *testing.T, h http.Handler, req *http.Request) (rec *httptest.ResponseRecorder) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("handler panicked: %v", p)
		}
	}()
	return ixServe(h, req)
}

// hxInvalidUTF8 names the event's string fields that are not valid UTF-8.
// Every one of them ends up in the store's TEXT columns or in rules and
// replies, where invalid bytes break PostgreSQL or the customer's client.
func hxInvalidUTF8(ev chat.Event) []string {
	fields := []struct{ name, v string }{
		{"Bot", ev.Bot}, {"ExternalID", ev.ExternalID}, {"ChatID", ev.ChatID}, {"ThreadID", ev.ThreadID},
		{"MessageID", ev.MessageID}, {"ReplyTo", ev.ReplyTo}, {"CallbackID", ev.CallbackID},
		{"Customer.ID", ev.Customer.ID}, {"Customer.Name", ev.Customer.Name},
		{"Customer.Username", ev.Customer.Username}, {"Customer.Language", ev.Customer.Language},
		{"Text", ev.Text}, {"AlbumID", ev.AlbumID},
	}
	var bad []string
	for _, f := range fields {
		if !utf8.ValidString(f.v) {
			bad = append(bad, f.name)
		}
	}
	return bad
}

// hxNest wraps leaf in n levels of {"a":...}: five bytes a level, so 10,000
// levels stay under MaxInteractionSize and the row tests depth, not size.
func hxNest(n int, leaf string) string {
	return strings.Repeat(`{"a":`, n) + leaf + strings.Repeat(`}`, n)
}

func TestInteractionsHostileInput(t *testing.T) {
	// A /ask command in a direct message; rows splice hostile parts into it.
	const (
		head = `{"type":2,"id":"1100000000000000001","application_id":"9","token":"t","channel_id":"6",`
		user = `"user":{"id":"3","username":"u"}`
		ask  = `"data":{"name":"ask","options":[{"type":3,"name":"q","value":"hi"}]}`
		cmd  = head + user + `,` + ask + `}`
	)
	const huge = "99999999999999999999999" // > math.MaxUint64
	nestedSubcommands := `{"type":2,"id":"5","application_id":"9","token":"t","channel_id":"6",` + user +
		`,"data":{"name":"x","options":[` + strings.Repeat(`{"type":1,"name":"s","options":[`, 1000) +
		strings.Repeat(`]}`, 1000) + `]}}`
	padHead := head + user + `,` + ask + `,"pad":"`
	atLimit := padHead + strings.Repeat("a", MaxInteractionSize-len(padHead)-len(`"}`)) + `"}`
	tenMB := padHead + strings.Repeat("a", 10<<20) + `"}`

	tests := []struct {
		name      string
		req       func() *http.Request
		body      string // set for signed rows, so Raw can be compared with it
		want      int
		wantStore int
		wantKind  chat.Kind
		wantText  *string // checked when set
	}{
		// Signed: authentication passes, so these reach parsing.
		{name: "deeply nested JSON (10,000 levels)", body: head + user + `,` + ask + `,"pad":` + hxNest(10000, "1") + `}`,
			want: 400},
		{name: "deeply nested arrays (30,000 levels)", body: strings.Repeat("[", 30000) + strings.Repeat("]", 30000),
			want: 400},
		{name: "nesting the parser allows, in an unknown field, is ignored", body: head + user + `,` + ask + `,"pad":` + hxNest(5000, "1") + `}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "1,000 nested subcommands", body: nestedSubcommands,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/x" + strings.Repeat(" s", 1000))},
		{name: "invalid UTF-8 in an option value", body: head + user + `,"data":{"name":"ask","options":[{"type":3,"name":"q","value":"` + "\xff\xfe bad" + `"}]}}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask \uFFFD\uFFFD bad")},
		{name: "invalid UTF-8 in the user's names", body: head + "\"user\":{\"id\":\"3\",\"username\":\"\xffmallory\",\"global_name\":\"\xc3\x28\"}," + ask + `}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "unpaired surrogate escapes in the member's name", body: `{"type":2,"id":"7","application_id":"9","token":"t","guild_id":"1","channel_id":"6",` +
			`"member":{"user":{"id":"3","username":"\udc00\ud800"}},` + ask + `}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "invalid UTF-8 in a button's custom_id, token and locale", body: "{\"type\":3,\"id\":\"8\",\"application_id\":\"9\",\"token\":\"t\xff\",\"locale\":\"\xfe\"," +
			`"channel_id":"6",` + user + ",\"data\":{\"custom_id\":\"faq:\xff\"}}",
			want: 200, wantStore: 1, wantKind: chat.KindCallback, wantText: hxPtr("faq:\uFFFD")},
		{name: "NUL escape in an option value is kept as text", body: head + user + `,"data":{"name":"ask","options":[{"type":3,"name":"q","value":"a\u0000b"}]}}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask a\x00b")},
		{name: "body exactly at the size limit", body: atLimit,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "body one byte over the size limit", body: padHead + strings.Repeat("a", MaxInteractionSize-len(padHead)-len(`"}`)+1) + `"}`,
			want: 413},
		{name: "10 MB string field", body: tenMB, want: 413},
		{name: "unknown interaction type 99", body: strings.Replace(cmd, `"type":2`, `"type":99`, 1), want: 400},
		{name: "interaction type 0", body: strings.Replace(cmd, `"type":2`, `"type":0`, 1), want: 400},
		{name: "negative interaction type", body: strings.Replace(cmd, `"type":2`, `"type":-2`, 1), want: 400},
		{name: "interaction type as a string", body: strings.Replace(cmd, `"type":2`, `"type":"2"`, 1), want: 400},
		{name: "interaction type beyond int64", body: strings.Replace(cmd, `"type":2`, `"type":`+huge, 1), want: 400},
		// Ids are opaque strings to us: Discord's signature vouches for them,
		// and nothing parses them on the way into the inbox.
		{name: "snowflakes beyond uint64, as strings", body: `{"type":2,"id":"` + huge + `","application_id":"` + huge + `","token":"t",` +
			`"guild_id":"` + huge + `","channel_id":"` + huge + `","member":{"user":{"id":"` + huge + `","username":"u"}},` + ask + `}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "snowflake beyond uint64, as a number", body: strings.Replace(cmd, `"id":"1100000000000000001"`, `"id":`+huge, 1), want: 400},
		{name: "id as a small number", body: strings.Replace(cmd, `"id":"1100000000000000001"`, `"id":5`, 1), want: 400},
		{name: "negative ids", body: `{"type":2,"id":"-1","application_id":"-9","token":"t","channel_id":"-6","user":{"id":"-3","username":"u"},` + ask + `}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "non-numeric ids", body: `{"type":2,"id":"abc","application_id":"x","token":"t","channel_id":"../6","user":{"id":"me","username":"u"},` + ask + `}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "user id as a number", body: head + `"user":{"id":3},` + ask + `}`, want: 400},
		{name: "no id", body: strings.Replace(cmd, `"id":"1100000000000000001",`, ``, 1), want: 400},
		{name: "no token", body: strings.Replace(cmd, `"token":"t",`, ``, 1), want: 400},
		{name: "command without data", body: head + user + `}`, want: 400},
		{name: "command with null data", body: head + user + `,"data":null}`, want: 400},
		{name: "command with an empty name", body: head + user + `,"data":{"name":""}}`, want: 400},
		{name: "button with null data is stored with empty text", body: `{"type":3,"id":"8","application_id":"9","token":"t","channel_id":"6",` + user + `,"data":null}`,
			want: 200, wantStore: 1, wantKind: chat.KindCallback, wantText: hxPtr("")},
		{name: "no member and no user", body: head + ask + `}`, want: 400},
		{name: "null member and null user", body: head + `"member":null,"user":null,` + ask + `}`, want: 400},
		{name: "member is a string", body: head + `"member":"x",` + ask + `}`, want: 400},
		{name: "member without a user falls back to the top-level user", body: head + `"member":{"user":null},` + user + `,` + ask + `}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "user with an empty id", body: head + `"user":{"id":"","username":"u"},` + ask + `}`, want: 400},
		// The reply goes through the interaction token, so a command without a
		// channel can still be answered; the store keys it on its own.
		{name: "no channel_id", body: strings.Replace(cmd, `"channel_id":"6",`, ``, 1),
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},
		{name: "channel object of the wrong shape", body: head + `"channel":{"type":"thread"},` + user + `,` + ask + `}`, want: 400},
		{name: "option value of the wrong type is skipped", body: head + user + `,"data":{"name":"ask","options":[{"type":3,"name":"q","value":{"x":1}},null]}}`,
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask")},
		{name: "null body", body: `null`, want: 400},
		{name: "JSON array instead of an object", body: `[` + cmd + `]`, want: 400},
		{name: "JSON string instead of an object", body: `"` + strings.ReplaceAll(cmd, `"`, `\"`) + `"`, want: 400},
		{name: "two objects", body: cmd + cmd, want: 400},
		{name: "trailing garbage", body: cmd + `x`, want: 400},
		{name: "empty body", body: ``, want: 400},
		{name: "exactly 5 minutes old is still fresh", body: cmd, req: func() *http.Request { return ixSigned(ixKey, ixNow.Add(-interactionMaxSkew), cmd, cmd) },
			want: 200, wantStore: 1, wantKind: chat.KindCommand, wantText: hxPtr("/ask hi")},

		// Not genuinely signed: refused with 401 before the body is parsed,
		// which the hostile bodies prove (parsing them would give 400).
		{name: "signature not hex", req: func() *http.Request {
			r := ixValid(cmd)
			r.Header.Set("X-Signature-Ed25519", "zz"+r.Header.Get("X-Signature-Ed25519")[2:])
			return r
		}, want: 401},
		{name: "signature too long", req: func() *http.Request {
			r := ixValid(cmd)
			r.Header.Set("X-Signature-Ed25519", r.Header.Get("X-Signature-Ed25519")+"00")
			return r
		}, want: 401},
		{name: "signature too short", req: func() *http.Request {
			r := ixValid(cmd)
			r.Header.Set("X-Signature-Ed25519", r.Header.Get("X-Signature-Ed25519")[:2*ed25519.SignatureSize-2])
			return r
		}, want: 401},
		{name: "signature of odd length", req: func() *http.Request {
			r := ixValid(cmd)
			r.Header.Set("X-Signature-Ed25519", r.Header.Get("X-Signature-Ed25519")[:2*ed25519.SignatureSize-1])
			return r
		}, want: 401},
		{name: "signature over another timestamp", req: func() *http.Request {
			r := ixValid(cmd)
			r.Header.Set("X-Signature-Timestamp", "1740830401")
			return r
		}, want: 401},
		{name: "signed by another key", req: func() *http.Request { return ixSigned(ixOther, ixNow, cmd, cmd) }, want: 401},
		{name: "deeply nested JSON signed by another key", req: func() *http.Request {
			body := hxNest(10000, "1")
			return ixSigned(ixOther, ixNow, body, body)
		}, want: 401},
		{name: "unsigned invalid UTF-8", req: func() *http.Request {
			r := ixValid("\xff\xfe")
			r.Header.Set("X-Signature-Ed25519", strings.Repeat("00", ed25519.SignatureSize))
			return r
		}, want: 401},
		{name: "timestamp not a number", req: func() *http.Request { return hxSignedStamp("soon", cmd) }, want: 401},
		{name: "timestamp with a fraction", req: func() *http.Request { return hxSignedStamp("1740830400.5", cmd) }, want: 401},
		{name: "timestamp beyond int64", req: func() *http.Request { return hxSignedStamp(huge, cmd) }, want: 401},
		{name: "timestamp at the int64 maximum", req: func() *http.Request { return hxSignedStamp("9223372036854775807", cmd) }, want: 401},
		{name: "timestamp at the int64 minimum", req: func() *http.Request { return hxSignedStamp("-9223372036854775808", cmd) }, want: 401},
		{name: "timestamp one second past 5 minutes old", req: func() *http.Request {
			return ixSigned(ixKey, ixNow.Add(-interactionMaxSkew-time.Second), cmd, cmd)
		}, want: 401},
		{name: "timestamp an hour old", req: func() *http.Request { return ixSigned(ixKey, ixNow.Add(-time.Hour), cmd, cmd) }, want: 401},
		// The body has to be read before its signature can be checked, so an
		// oversized body is refused for its size whoever sent it.
		{name: "unsigned 10 MB body", req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/webhooks/discord/shop", strings.NewReader(tenMB))
			r.Header.Set("X-Signature-Ed25519", strings.Repeat("00", ed25519.SignatureSize))
			r.Header.Set("X-Signature-Timestamp", "1740830400")
			return r
		}, want: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req == nil {
				req = func() *http.Request { return ixValid(tt.body) }
			}
			inbox := &ixInbox{}
			h := NewInteractions("shop", ixKey.Public().(ed25519.PublicKey), inbox, nil, WithClock(ixClock))
			rec := hxServe(t, h, req())
			events := inbox.stored()
			if rec.Code != tt.want || len(events) != tt.wantStore {
				t.Fatalf("status %d, stored %d; want %d, %d (%.200s)", rec.Code, len(events), tt.want, tt.wantStore, rec.Body)
			}
			if rec.Code >= 400 && strings.Contains(rec.Header().Get("Content-Type"), "json") {
				t.Errorf("a refusal answered as JSON, which Discord would read as a response: %s", rec.Body)
			}
			for _, ev := range events {
				if ev.Kind != tt.wantKind || !strings.HasPrefix(ev.ExternalID, "interaction:") || ev.ExternalID == "interaction:" {
					t.Errorf("stored kind %q id %q, want kind %q", ev.Kind, ev.ExternalID, tt.wantKind)
				}
				if tt.wantText != nil && ev.Text != *tt.wantText {
					t.Errorf("text %.80q, want %.80q", ev.Text, *tt.wantText)
				}
				if bad := hxInvalidUTF8(ev); len(bad) > 0 {
					t.Errorf("stored fields not valid UTF-8: %v (%+v)", bad, ev)
				}
				// Raw is the audit copy: the exact bytes Discord signed,
				// invalid UTF-8 included (it is stored as bytes, not text).
				if tt.body != "" && string(ev.Raw) != tt.body {
					t.Errorf("Raw is not the body as sent")
				}
			}
		})
	}
}

func hxPtr(s string) *string { return &s }

// hxGateway decodes a MESSAGE_CREATE payload the way discordgo's onEvent
// does, then turns it into an event as Receiver.onMessage does, short of
// the session and the inbox. ok is false where onMessage drops it.
func hxGateway(botUserID string, raw []byte) (ev chat.Event, ok bool) {
	var mc discordgo.MessageCreate
	// discordgo logs a decoding error and dispatches the struct anyway, as
	// far as it got, so a partly decoded message does reach onMessage.
	_ = json.Unmarshal(raw, &mc)
	ev, ok = gatewayEvent("community", botUserID, mc.Message)
	if ok && mc.GuildID != "" {
		_ = mentions(mc.Message, botUserID)
	}
	return ev, ok
}

func TestDecodeHostileGatewayEvents(t *testing.T) {
	const huge = "99999999999999999999999" // > math.MaxUint64
	const author = `"author":{"id":"7","username":"ann"}`
	markdown := "@everyone @here <@123> <@!123> <@&456> <#789> **bold** __u__ `code` ||spoiler|| " +
		"[link](https://evil.example) ```sql\nDROP TABLE inbox;\n``` > quote \\*escaped\\*"
	markdownJSON, _ := json.Marshal(markdown)
	tenMB := strings.Repeat("a", 10<<20)

	tests := []struct {
		name      string
		raw       string
		botUserID string
		decodeErr bool // DecodeMessage refuses it with ErrMalformed
		gwDropped bool // the gateway path never produces an event
		wantKind  chat.Kind
		wantText  string
	}{
		{name: "invalid UTF-8 content", raw: `{"id":"1","channel_id":"2",` + author + ",\"content\":\"\xff\xfe hi\"}",
			wantKind: chat.KindText, wantText: "\uFFFD\uFFFD hi"},
		{name: "invalid UTF-8 in the author's names and locale", raw: `{"id":"1","channel_id":"2","content":"hi",` +
			"\"author\":{\"id\":\"7\",\"username\":\"\xffann\",\"global_name\":\"\xc3\x28\",\"locale\":\"\xfe\"}}",
			wantKind: chat.KindText, wantText: "hi"},
		{name: "unpaired surrogate escape in the content", raw: `{"id":"1","channel_id":"2",` + author + `,"content":"a\ud800b"}`,
			wantKind: chat.KindText, wantText: "a\uFFFDb"},
		{name: "10 MB content", raw: `{"id":"1","channel_id":"2",` + author + `,"content":"` + tenMB + `"}`,
			wantKind: chat.KindText, wantText: tenMB},
		// An author without an id cannot be answered; before READY it would
		// also look like the bot itself.
		{name: "empty author", raw: `{"id":"1","channel_id":"2","author":{},"content":"hi"}`,
			gwDropped: true, wantKind: chat.KindText, wantText: "hi"},
		{name: "null author", raw: `{"id":"1","channel_id":"2","author":null,"content":"hi"}`,
			gwDropped: true, wantKind: chat.KindText, wantText: "hi"},
		{name: "no author", raw: `{"id":"1","channel_id":"2","content":"hi"}`,
			gwDropped: true, wantKind: chat.KindText, wantText: "hi"},
		{name: "null member in a guild", raw: `{"id":"1","channel_id":"2","guild_id":"3",` + author + `,"member":null,"content":"hi"}`,
			wantKind: chat.KindText, wantText: "hi"},
		{name: "member without a user in a guild", raw: `{"id":"1","channel_id":"2","guild_id":"3",` + author + `,"member":{"roles":null},"content":"hi"}`,
			wantKind: chat.KindText, wantText: "hi"},
		{name: "snowflakes beyond uint64, as strings", raw: `{"id":"` + huge + `","channel_id":"` + huge + `","guild_id":"` + huge + `",` +
			`"author":{"id":"` + huge + `"},"message_reference":{"message_id":"` + huge + `"},"content":"hi"}`,
			wantKind: chat.KindText, wantText: "hi"},
		{name: "snowflake beyond uint64, as a number", raw: `{"id":` + huge + `,"channel_id":"2",` + author + `,"content":"hi"}`,
			decodeErr: true, gwDropped: true},
		{name: "negative ids", raw: `{"id":"-1","channel_id":"-2","author":{"id":"-7"},"content":"hi"}`,
			wantKind: chat.KindText, wantText: "hi"},
		{name: "non-numeric ids", raw: `{"id":"abc","channel_id":"../2","author":{"id":"me"},"content":"hi"}`,
			wantKind: chat.KindText, wantText: "hi"},
		{name: "author id as a number", raw: `{"id":"1","channel_id":"2","author":{"id":7},"content":"hi"}`,
			decodeErr: true, gwDropped: true},
		// Without an id every such message would look like a repeat of the first.
		{name: "no ids: dropped on both paths", raw: `{` + author + `,"content":"hi"}`,
			decodeErr: true, gwDropped: true, wantKind: chat.KindText, wantText: "hi"},
		{name: "unknown message type", raw: `{"id":"1","channel_id":"2",` + author + `,"type":99,"content":"hi"}`,
			wantKind: chat.KindService, wantText: "hi"},
		{name: "negative message type", raw: `{"id":"1","channel_id":"2",` + author + `,"type":-1,"content":"/human"}`,
			wantKind: chat.KindService, wantText: "/human"},
		{name: "message type beyond int64", raw: `{"id":"1","channel_id":"2",` + author + `,"type":` + huge + `,"content":"hi"}`,
			decodeErr: true, gwDropped: true},
		{name: "message type as a string", raw: `{"id":"1","channel_id":"2",` + author + `,"type":"0","content":"hi"}`,
			decodeErr: true, gwDropped: true},
		{name: "mentions and markdown are stored verbatim", raw: `{"id":"1","channel_id":"2","guild_id":"3",` + author + `,"content":` + string(markdownJSON) + `}`,
			botUserID: "9", wantKind: chat.KindText, wantText: markdown},
		{name: "only the bot's own mention is removed", raw: `{"id":"1","channel_id":"2","guild_id":"3",` + author +
			`,"mentions":[{"id":"9"}],"content":"<@9> @everyone **help** <@!9x> <@90>"}`,
			botUserID: "9", wantKind: chat.KindText, wantText: "@everyone **help** <@!9x> <@90>"},
		{name: "null entries in mentions", raw: `{"id":"1","channel_id":"2","guild_id":"3",` + author + `,"mentions":[null],"content":"hi"}`,
			botUserID: "9", wantKind: chat.KindText, wantText: "hi"},
		{name: "null entries in sticker_items", raw: `{"id":"1","channel_id":"2",` + author + `,"sticker_items":[null],"content":""}`,
			wantKind: chat.KindSticker, wantText: ""},
		{name: "null entries in attachments", raw: `{"id":"1","channel_id":"2",` + author + `,"attachments":[null],"content":"hi"}`,
			wantKind: chat.KindMedia, wantText: "hi"},
		{name: "null message_reference", raw: `{"id":"1","channel_id":"2",` + author + `,"message_reference":null,"content":"hi"}`,
			wantKind: chat.KindText, wantText: "hi"},
		// discordgo refuses a whole message for one component type it does
		// not know; only apps and bots send components, not customers.
		{name: "unknown component type", raw: `{"id":"1","channel_id":"2",` + author + `,"components":[{"type":999}],"content":"hi"}`,
			decodeErr: true, gwDropped: true},
		{name: "timestamp that is not a time", raw: `{"id":"1","channel_id":"2",` + author + `,"timestamp":"yesterday","content":"hi"}`,
			decodeErr: true, gwDropped: true},
		{name: "deeply nested JSON (10,000 levels)", raw: `{"id":"1","channel_id":"2",` + author + `,"content":"hi","x":` + hxNest(10000, "1") + `}`,
			decodeErr: true, gwDropped: true},
		{name: "content that is an object", raw: `{"id":"1","channel_id":"2",` + author + `,"content":{"text":"hi"}}`,
			decodeErr: true, gwDropped: true},
		{name: "null payload", raw: `null`, decodeErr: true, gwDropped: true},
		{name: "array payload", raw: `[{"id":"1","channel_id":"2"}]`, decodeErr: true, gwDropped: true},
		{name: "empty payload", raw: ``, decodeErr: true, gwDropped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panicked: %v", p)
				}
			}()
			check := func(path string, ev chat.Event) {
				t.Helper()
				if ev.Kind != tt.wantKind || ev.Text != tt.wantText {
					t.Errorf("%s: kind %q text %.80q, want %q %.80q", path, ev.Kind, ev.Text, tt.wantKind, tt.wantText)
				}
				if ev.ExternalID != "message:"+ev.MessageID || ev.Platform != chat.Discord {
					t.Errorf("%s: external id %q for message %q", path, ev.ExternalID, ev.MessageID)
				}
				if bad := hxInvalidUTF8(ev); len(bad) > 0 {
					t.Errorf("%s: fields not valid UTF-8: %v", path, bad)
				}
			}

			ev, err := DecodeMessage("community", tt.botUserID, []byte(tt.raw))
			switch {
			case tt.decodeErr && !errors.Is(err, ErrMalformed):
				t.Errorf("DecodeMessage: err %v, want ErrMalformed", err)
			case !tt.decodeErr && err != nil:
				t.Errorf("DecodeMessage: %v", err)
			case err == nil:
				check("DecodeMessage", ev)
				if string(ev.Raw) != tt.raw {
					t.Errorf("Raw is not the payload as sent")
				}
			}

			gw, ok := hxGateway(tt.botUserID, []byte(tt.raw))
			if ok == tt.gwDropped {
				t.Fatalf("gateway path produced an event: %v, want %v", ok, !tt.gwDropped)
			}
			if ok {
				check("gateway", gw)
			}
		})
	}
}
