package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// The helpers here carry an ix prefix so they cannot collide with the other
// test files of the package.

// ixInbox records what it accepts, ignoring duplicates like the real inbox;
// err makes it fail like a database outage.
type ixInbox struct {
	mu     sync.Mutex
	events []chat.Event
	seen   map[string]bool
	err    error
}

func (f *ixInbox) Accept(_ context.Context, ev chat.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	if f.seen[ev.ExternalID] {
		return nil
	}
	f.seen[ev.ExternalID] = true
	f.events = append(f.events, ev)
	return nil
}

func (f *ixInbox) stored() []chat.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chat.Event(nil), f.events...)
}

var (
	ixNow   = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ixKey   = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	ixOther = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
)

func ixClock() time.Time { return ixNow }

func ixFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const ixSlashFixture = "discord_api-docs_application-commands_example-slash-command-interaction.json"

// A /human command in a direct message: the user is at the top level, there
// is no member and no guild_id.
const ixDMHuman = `{"type":2,"id":"1100000000000000001","application_id":"900000000000000001",` +
	`"token":"tok-dm","channel_id":"1200000000000000001","locale":"zh-CN",` +
	`"user":{"id":"300000000000000001","username":"lin","global_name":"Lin Wei","discriminator":"0"},` +
	`"data":{"id":"1","name":"human","type":1}}`

// A button press in a guild channel, on the message 1300000000000000001.
const ixButton = `{"type":3,"id":"1100000000000000002","application_id":"900000000000000001",` +
	`"token":"tok-btn","guild_id":"290926798626357999","channel_id":"645027906669510667","locale":"ru",` +
	`"member":{"user":{"id":"53908232506183680","username":"mason","global_name":null},"roles":[]},` +
	`"message":{"id":"1300000000000000001","channel_id":"645027906669510667","content":"How can we help?"},` +
	`"data":{"custom_id":"faq:shipping","component_type":2}}`

// ixSigned builds a POST signed with key over ts+signedBody, carrying body.
func ixSigned(key ed25519.PrivateKey, ts time.Time, signedBody, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/discord/shop", strings.NewReader(body))
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(key, []byte(stamp+signedBody))
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", stamp)
	return req
}

// ixValid is a correctly signed, fresh request.
func ixValid(body string) *http.Request { return ixSigned(ixKey, ixNow, body, body) }

func ixServe(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestInteractionsHTTP(t *testing.T) {
	slash := ixFixture(t, ixSlashFixture)
	const ping = `{"type":1,"id":"1","application_id":"2","token":"t","version":1}`
	oversized := `{"type":1,"pad":"` + strings.Repeat("a", MaxInteractionSize) + `"}`
	tests := []struct {
		name      string
		req       func() *http.Request
		inboxErr  error
		want      int
		wantBody  string // exact JSON answer for 200s
		wantStore int
	}{
		{"valid ping", func() *http.Request { return ixValid(ping) }, nil, 200, `{"type":1}`, 0},
		{"bad signature", func() *http.Request {
			r := ixValid(ping)
			sig := []byte(r.Header.Get("X-Signature-Ed25519"))
			if sig[0] == '0' {
				sig[0] = '1'
			} else {
				sig[0] = '0'
			}
			r.Header.Set("X-Signature-Ed25519", string(sig))
			return r
		}, nil, 401, "", 0},
		{"bad signature on a command stores nothing", func() *http.Request {
			r := ixValid(slash)
			r.Header.Set("X-Signature-Ed25519", strings.Repeat("ab", ed25519.SignatureSize))
			return r
		}, nil, 401, "", 0},
		{"signature for a different body", func() *http.Request {
			return ixSigned(ixKey, ixNow, ping, strings.Replace(ping, `"type":1,`, `"type":1 ,`, 1))
		}, nil, 401, "", 0},
		{"signed by another key", func() *http.Request { return ixSigned(ixOther, ixNow, slash, slash) }, nil, 401, "", 0},
		{"missing headers", func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/", strings.NewReader(ping))
		}, nil, 401, "", 0},
		{"missing timestamp", func() *http.Request {
			r := ixValid(ping)
			r.Header.Del("X-Signature-Timestamp")
			return r
		}, nil, 401, "", 0},
		{"missing signature", func() *http.Request {
			r := ixValid(ping)
			r.Header.Del("X-Signature-Ed25519")
			return r
		}, nil, 401, "", 0},
		{"signature not hex", func() *http.Request {
			r := ixValid(ping)
			r.Header.Set("X-Signature-Ed25519", strings.Repeat("zz", ed25519.SignatureSize))
			return r
		}, nil, 401, "", 0},
		{"signature too short", func() *http.Request {
			r := ixValid(ping)
			r.Header.Set("X-Signature-Ed25519", r.Header.Get("X-Signature-Ed25519")[:64])
			return r
		}, nil, 401, "", 0},
		{"timestamp not a number, signed", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(ping))
			r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(ixKey, []byte("soon"+ping))))
			r.Header.Set("X-Signature-Timestamp", "soon")
			return r
		}, nil, 401, "", 0},
		{"stale timestamp (6 min old)", func() *http.Request {
			return ixSigned(ixKey, ixNow.Add(-6*time.Minute), slash, slash)
		}, nil, 401, "", 0},
		{"future timestamp (6 min ahead)", func() *http.Request {
			return ixSigned(ixKey, ixNow.Add(6*time.Minute), slash, slash)
		}, nil, 401, "", 0},
		{"4 min old is still fresh", func() *http.Request {
			return ixSigned(ixKey, ixNow.Add(-4*time.Minute), ping, ping)
		}, nil, 200, `{"type":1}`, 0},
		{"malformed json, valid signature", func() *http.Request { return ixValid(`{"type": 2, "id": `) }, nil, 400, "", 0},
		{"unknown interaction type", func() *http.Request { return ixValid(`{"type":99,"id":"1"}`) }, nil, 400, "", 0},
		{"command without a user", func() *http.Request {
			return ixValid(`{"type":2,"id":"5","application_id":"9","token":"t","channel_id":"6","data":{"name":"help"}}`)
		}, nil, 400, "", 0},
		{"command with a null member and no user", func() *http.Request {
			return ixValid(`{"type":2,"id":"5","application_id":"9","token":"t","channel_id":"6","member":null,"user":null,"data":{"name":"help"}}`)
		}, nil, 400, "", 0},
		{"member without user", func() *http.Request {
			return ixValid(`{"type":2,"id":"5","application_id":"9","token":"t","guild_id":"1","channel_id":"6","member":{"roles":[]},"data":{"name":"help"}}`)
		}, nil, 400, "", 0},
		{"oversized body", func() *http.Request { return ixValid(oversized) }, nil, 413, "", 0},
		{"slash command from the docs", func() *http.Request { return ixValid(slash) }, nil, 200, `{"type":5}`, 1},
		{"DM /human", func() *http.Request { return ixValid(ixDMHuman) }, nil, 200, `{"type":5}`, 1},
		{"button click", func() *http.Request { return ixValid(ixButton) }, nil, 200, `{"type":6}`, 1},
		{"autocomplete", func() *http.Request {
			return ixValid(`{"type":4,"id":"7","application_id":"9","token":"t","channel_id":"6","user":{"id":"3","username":"u"},"data":{"name":"cardsearch","options":[{"type":3,"name":"cardname","value":"Git","focused":true}]}}`)
		}, nil, 200, `{"type":8,"data":{"choices":[]}}`, 0},
		{"modal submit", func() *http.Request {
			return ixValid(`{"type":5,"id":"8","application_id":"9","token":"t","channel_id":"6","user":{"id":"3","username":"u"},"data":{"custom_id":"form","components":[]}}`)
		}, nil, 200, `{"type":6}`, 0},
		{"inbox failure", func() *http.Request { return ixValid(slash) }, chat.ErrUnavailable, 503, "", 0},
		{"inbox failure on a button", func() *http.Request { return ixValid(ixButton) }, chat.ErrUnavailable, 503, "", 0},
		{"ping survives an inbox outage", func() *http.Request { return ixValid(ping) }, chat.ErrUnavailable, 200, `{"type":1}`, 0},
		{"GET is not allowed", func() *http.Request {
			r := ixValid("")
			r.Method = http.MethodGet
			return r
		}, nil, 405, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inbox := &ixInbox{err: tt.inboxErr}
			h := NewInteractions("shop", ixKey.Public().(ed25519.PublicKey), inbox, nil, WithClock(ixClock))
			rec := ixServe(h, tt.req())
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
			if tt.wantBody != "" {
				if got := rec.Body.String(); got != tt.wantBody {
					t.Errorf("body = %s, want %s", got, tt.wantBody)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			if got := len(inbox.stored()); got != tt.wantStore {
				t.Errorf("stored %d events, want %d", got, tt.wantStore)
			}
		})
	}
}

func TestInteractionEvents(t *testing.T) {
	slash := ixFixture(t, ixSlashFixture)
	tests := []struct {
		name string
		body string
		want chat.Event
	}{
		{"slash command in a guild (docs fixture)", slash, chat.Event{
			Platform:   chat.Discord,
			Bot:        "shop",
			ExternalID: "interaction:786008729715212338",
			Kind:       chat.KindCommand,
			ChatID:     "645027906669510667",
			ChatType:   chat.ChatGroup,
			CallbackID: ":A_UNIQUE_TOKEN", // the docs example has no application_id
			Customer:   chat.Customer{ID: "53908232506183680", Name: "Mason", Username: "Mason", Language: "en-US"},
			Text:       "/cardsearch The Gitrog Monster",
			Time:       ixNow,
		}},
		{"/human in a DM", ixDMHuman, chat.Event{
			Platform:   chat.Discord,
			Bot:        "shop",
			ExternalID: "interaction:1100000000000000001",
			Kind:       chat.KindCommand,
			ChatID:     "1200000000000000001",
			ChatType:   chat.ChatPrivate,
			CallbackID: "900000000000000001:tok-dm",
			Customer:   chat.Customer{ID: "300000000000000001", Name: "Lin Wei", Username: "lin", Language: "zh-CN"},
			Text:       "/human",
			Time:       ixNow,
		}},
		{"button click", ixButton, chat.Event{
			Platform:   chat.Discord,
			Bot:        "shop",
			ExternalID: "interaction:1100000000000000002",
			Kind:       chat.KindCallback,
			ChatID:     "645027906669510667",
			ChatType:   chat.ChatGroup,
			ReplyTo:    "1300000000000000001",
			CallbackID: "900000000000000001:tok-btn",
			Customer:   chat.Customer{ID: "53908232506183680", Name: "mason", Username: "mason", Language: "ru"},
			Text:       "faq:shipping",
			Time:       ixNow,
		}},
		{"/help from a bot user in a guild", `{"type":2,"id":"42","application_id":"9","token":"t",` +
			`"guild_id":"1","channel_id":"6","locale":"de","user":{"id":"ignored"},` +
			`"member":{"user":{"id":"77","username":"helper","bot":true}},"data":{"name":"help","type":1}}`,
			chat.Event{
				Platform: chat.Discord, Bot: "shop", ExternalID: "interaction:42", Kind: chat.KindCommand,
				ChatID: "6", ChatType: chat.ChatGroup, CallbackID: "9:t",
				Customer: chat.Customer{ID: "77", Name: "helper", Username: "helper", Language: "de", IsBot: true},
				Text:     "/help", Time: ixNow,
			}},
		{"subcommand with an integer and a string option", `{"type":2,"id":"43","application_id":"9","token":"t",` +
			`"channel_id":"6","user":{"id":"3","username":"u"},"data":{"name":"order","options":[` +
			`{"type":1,"name":"status","options":[{"type":4,"name":"n","value":5},{"type":3,"name":"id","value":"A-17"}]}]}}`,
			chat.Event{
				Platform: chat.Discord, Bot: "shop", ExternalID: "interaction:43", Kind: chat.KindCommand,
				ChatID: "6", ChatType: chat.ChatPrivate, CallbackID: "9:t",
				Customer: chat.Customer{ID: "3", Name: "u", Username: "u"},
				Text:     "/order status A-17", Time: ixNow,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inbox := &ixInbox{}
			h := NewInteractions("shop", ixKey.Public().(ed25519.PublicKey), inbox, nil, WithClock(ixClock))
			rec := ixServe(h, ixValid(tt.body))
			events := inbox.stored()
			if rec.Code != 200 || len(events) != 1 {
				t.Fatalf("status %d (%s), stored %d", rec.Code, rec.Body, len(events))
			}
			got := events[0]
			if string(got.Raw) != tt.body {
				t.Errorf("Raw is not the body as sent")
			}
			if !ixEventEqual(got, tt.want) {
				t.Errorf("event\n got  %+v\n want %+v", got, tt.want)
			}
		})
	}
}

// ixEventEqual compares events without Raw (a slice, which == cannot compare).
func ixEventEqual(a, b chat.Event) bool {
	a.Raw, b.Raw = nil, nil
	return a.Platform == b.Platform && a.Bot == b.Bot && a.ExternalID == b.ExternalID && a.Kind == b.Kind &&
		a.ChatID == b.ChatID && a.ChatType == b.ChatType && a.ThreadID == b.ThreadID && a.MessageID == b.MessageID &&
		a.ReplyTo == b.ReplyTo && a.CallbackID == b.CallbackID && a.Customer == b.Customer && a.Text == b.Text &&
		a.AlbumID == b.AlbumID && a.Time.Equal(b.Time)
}

func TestInteractionDuplicateDelivery(t *testing.T) {
	inbox := &ixInbox{}
	h := NewInteractions("shop", ixKey.Public().(ed25519.PublicKey), inbox, nil, WithClock(ixClock))
	for i := range 2 {
		rec := ixServe(h, ixValid(ixDMHuman))
		if rec.Code != 200 || rec.Body.String() != `{"type":5}` {
			t.Fatalf("delivery %d: status %d, body %s", i+1, rec.Code, rec.Body)
		}
	}
	if n := len(inbox.stored()); n != 1 {
		t.Errorf("stored %d events, want 1", n)
	}
}

func TestInteractionLogsNoPersonalData(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	inbox := &ixInbox{err: chat.ErrUnavailable}
	h := NewInteractions("shop", ixKey.Public().(ed25519.PublicKey), inbox, log, WithClock(ixClock))

	forged := ixValid(ixDMHuman)
	forged.Header.Set("X-Signature-Ed25519", strings.Repeat("00", ed25519.SignatureSize))
	stale := ixSigned(ixKey, ixNow.Add(-time.Hour), ixDMHuman, ixDMHuman)
	for _, req := range []*http.Request{forged, stale, ixValid(ixDMHuman)} {
		ixServe(h, req)
	}
	out := buf.String()
	if !strings.Contains(out, "bot=shop") || !strings.Contains(out, "reason=") {
		t.Errorf("log lacks the bot or the reason:\n%s", out)
	}
	for _, secret := range []string{"Lin Wei", "lin", "tok-dm", "300000000000000001", forged.Header.Get("X-Signature-Timestamp")} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

func TestInteractionsWithoutValidKeyRefuseEverything(t *testing.T) {
	inbox := &ixInbox{}
	h := NewInteractions("shop", nil, inbox, nil, WithClock(ixClock))
	rec := ixServe(h, ixValid(ixDMHuman))
	if rec.Code != http.StatusInternalServerError || len(inbox.stored()) != 0 {
		t.Errorf("status %d, stored %d", rec.Code, len(inbox.stored()))
	}
}

func TestParsePublicKeyForInteractions(t *testing.T) {
	pub := ixKey.Public().(ed25519.PublicKey)
	good := hex.EncodeToString(pub)
	got, err := ParsePublicKey(good)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("ParsePublicKey(%q) = %x, %v", good, got, err)
	}
	if got, err := ParsePublicKey(" " + strings.ToUpper(good) + "\n"); err != nil || !got.Equal(pub) {
		t.Errorf("upper case with spaces: %x, %v", got, err)
	}
	for _, bad := range []string{"", good[:62], good + "00", strings.Repeat("g", 64), "0x" + good[:62]} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		} else if !strings.Contains(err.Error(), "discord public key") {
			t.Errorf("ParsePublicKey(%q) error %q does not say what failed", bad, err)
		}
	}
}

func TestInteractionTime(t *testing.T) {
	// The example from Discord's reference, "Snowflakes".
	want := time.Date(2016, 4, 30, 11, 18, 25, 796e6, time.UTC)
	if got := InteractionTime("175928847299117063"); !got.Equal(want) {
		t.Errorf("InteractionTime = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "abc", "-5", "0"} {
		if got := InteractionTime(bad); !got.IsZero() {
			t.Errorf("InteractionTime(%q) = %v, want zero", bad, got)
		}
	}
}
