package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// fakeInbox records what it accepts; err makes it fail like a database outage.
type fakeInbox struct {
	mu     sync.Mutex
	events []chat.Event
	err    error
}

func (f *fakeInbox) Accept(_ context.Context, ev chat.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.events = append(f.events, ev)
	return nil
}

func (f *fakeInbox) all() []chat.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chat.Event(nil), f.events...)
}

func (f *fakeInbox) last(t *testing.T) chat.Event {
	t.Helper()
	evs := f.all()
	if len(evs) == 0 {
		t.Fatal("inbox: no event")
	}
	return evs[len(evs)-1]
}

var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func newSandbox(t *testing.T) (*Sandbox, *fakeInbox) {
	t.Helper()
	inbox := &fakeInbox{}
	return New(inbox, nil, func() time.Time { return t0 }), inbox
}

type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func call(t *testing.T, s *Sandbox, method, path, contentType, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(res.body, &res.json); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, res.body)
		}
	}
	return res
}

func postJSON(t *testing.T, s *Sandbox, path string, v any) response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return call(t, s, http.MethodPost, path, "application/json", string(b))
}

func mustOK(t *testing.T, r response) response {
	t.Helper()
	if r.status != http.StatusOK || r.json["ok"] != true {
		t.Fatalf("status %d, want 200 ok: %s", r.status, r.body)
	}
	return r
}

func getState(t *testing.T, s *Sandbox, since int64) State {
	t.Helper()
	r := call(t, s, http.MethodGet, fmt.Sprintf("/api/state?since=%d", since), "", "")
	if r.status != http.StatusOK {
		t.Fatalf("state: %d %s", r.status, r.body)
	}
	var st State
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func send(t *testing.T, s *Sandbox, out chat.Outgoing) string {
	t.Helper()
	out.Platform, out.Bot = chat.Sandbox, Bot
	id, err := s.Send(context.Background(), out)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return id
}

func TestCustomerEvent(t *testing.T) {
	tests := []struct {
		name     string
		req      map[string]any
		kind     chat.Kind
		customer chat.Customer
	}{
		{"text", map[string]any{"conversation": "c1", "name": "Ann", "lang": "en", "text": "where is my order?"},
			chat.KindText, chat.Customer{ID: "c-c1", Name: "Ann", Language: "en"}},
		{"command", map[string]any{"conversation": "c1", "name": "Ann", "lang": "ru", "text": "/human please"},
			chat.KindCommand, chat.Customer{ID: "c-c1", Name: "Ann", Language: "ru"}},
		{"auto language, default name", map[string]any{"conversation": "shop-42", "lang": "auto", "text": "你好"},
			chat.KindText, chat.Customer{ID: "c-shop-42", Name: "Customer"}},
		{"language tag", map[string]any{"conversation": "c2", "name": " Bo ", "lang": "ZH-Hans", "text": "hi"},
			chat.KindText, chat.Customer{ID: "c-c2", Name: "Bo", Language: "zh-hans"}},
	}
	s, inbox := newSandbox(t)
	seenExt, seenMsg := map[string]bool{}, map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(tt.req)
			r := mustOK(t, call(t, s, http.MethodPost, "/api/customer", "application/json; charset=utf-8", string(body)))
			ev := inbox.last(t)
			chatID := "c-" + tt.req["conversation"].(string)
			if ev.Platform != chat.Sandbox || ev.Bot != Bot || ev.ChatID != chatID || ev.ChatType != chat.ChatPrivate ||
				ev.Kind != tt.kind || ev.Customer != tt.customer || ev.Text != tt.req["text"] || !ev.Time.Equal(t0) {
				t.Errorf("event = %+v", ev)
			}
			if string(ev.Raw) != string(body) {
				t.Errorf("raw = %s, want the body", ev.Raw)
			}
			if ev.ReplyTo != "" || ev.CallbackID != "" || ev.ConversationKey() != "sandbox/sandbox/"+chatID {
				t.Errorf("event = %+v, key %q", ev, ev.ConversationKey())
			}
			if ev.ExternalID == "" || seenExt[ev.ExternalID] || ev.MessageID == "" || seenMsg[ev.MessageID] {
				t.Errorf("ids not unique: external %q, message %q", ev.ExternalID, ev.MessageID)
			}
			seenExt[ev.ExternalID], seenMsg[ev.MessageID] = true, true
			if r.json["message_id"] != ev.MessageID || r.json["external_id"] != ev.ExternalID {
				t.Errorf("answer %s, event ids %q %q", r.body, ev.MessageID, ev.ExternalID)
			}
		})
	}
	// A restart must not reuse ids: the inbox would take them for duplicates.
	later := New(&fakeInbox{}, nil, func() time.Time { return t0.Add(time.Second) })
	if later.epoch == s.epoch {
		t.Errorf("epoch %q after a restart", later.epoch)
	}
	st := getState(t, s, 0)
	if len(st.Messages) != len(tests) || len(st.Conversations) != 3 {
		t.Fatalf("state: %d messages, %d conversations", len(st.Messages), len(st.Conversations))
	}
	for _, m := range st.Messages {
		if m.Dir != "in" || m.Pane != "customer" || m.Status != StatusStored || m.ID == "" {
			t.Errorf("message %+v", m)
		}
	}
}

func TestCustomerBadInput(t *testing.T) {
	long := strings.Repeat("x", MaxBodySize)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		want        int
	}{
		{"empty conversation", "POST", "application/json", `{"conversation":"","text":"hi"}`, 400},
		{"upper case conversation", "POST", "application/json", `{"conversation":"C1","text":"hi"}`, 400},
		{"conversation with a slash", "POST", "application/json", `{"conversation":"../c1","text":"hi"}`, 400},
		{"conversation too long", "POST", "application/json", `{"conversation":"` + strings.Repeat("a", 33) + `","text":"hi"}`, 400},
		{"no conversation", "POST", "application/json", `{"text":"hi"}`, 400},
		{"empty text", "POST", "application/json", `{"conversation":"c1","text":""}`, 400},
		{"blank text", "POST", "application/json", `{"conversation":"c1","text":" \n\t"}`, 400},
		{"text too long", "POST", "application/json", `{"conversation":"c1","text":"` + strings.Repeat("я", MaxTextLength+1) + `"}`, 400},
		{"oversized body", "POST", "application/json", `{"conversation":"c1","text":"` + long + `"}`, 400},
		{"not JSON", "POST", "application/json", `conversation=c1&text=hi`, 400},
		{"truncated JSON", "POST", "application/json", `{"conversation":"c1","text":"hi"`, 400},
		{"two values", "POST", "application/json", `{"conversation":"c1","text":"hi"} {}`, 400},
		{"unknown field", "POST", "application/json", `{"conversation":"c1","text":"hi","chat_id":"42"}`, 400},
		{"wrong type", "POST", "application/json", `{"conversation":1,"text":"hi"}`, 400},
		{"bad language", "POST", "application/json", `{"conversation":"c1","lang":"english!","text":"hi"}`, 400},
		{"control character in name", "POST", "application/json", `{"conversation":"c1","name":"A\u0000n","text":"hi"}`, 400},
		{"text and button", "POST", "application/json", `{"conversation":"c1","text":"hi","button":"btn:x","message_id":"a-1"}`, 400},
		{"button of no message", "POST", "application/json", `{"conversation":"c1","button":"btn:x","message_id":"nope-1"}`, 400},
		{"button without message", "POST", "application/json", `{"conversation":"c1","button":"btn:x"}`, 400},
		{"form content type", "POST", "application/x-www-form-urlencoded", `{"conversation":"c1","text":"hi"}`, 415},
		{"no content type", "POST", "", `{"conversation":"c1","text":"hi"}`, 415},
		{"GET", "GET", "", ``, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, inbox := newSandbox(t)
			r := call(t, s, tt.method, "/api/customer", tt.contentType, tt.body)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if r.json["ok"] != false || r.json["error"] == "" || r.json["error"] == nil {
				t.Errorf("answer %s, want a JSON error", r.body)
			}
			if n := len(inbox.all()); n != 0 {
				t.Errorf("%d events stored", n)
			}
			if st := getState(t, s, 0); len(st.Messages) != 0 {
				t.Errorf("transcript has %d messages", len(st.Messages))
			}
		})
	}
}

func TestAcceptFails(t *testing.T) {
	s, inbox := newSandbox(t)
	inbox.err = errors.New("database is locked")
	r := postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "text": "hello"})
	if r.status != http.StatusServiceUnavailable || r.json["ok"] != false || r.json["error"] == nil {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	st := getState(t, s, 0)
	if len(st.Messages) != 1 || st.Messages[0].Status != StatusFailed || !strings.Contains(st.Messages[0].Error, "database is locked") {
		t.Fatalf("transcript: %+v", st.Messages)
	}
	// The agents chat too.
	notice := send(t, s, chat.Outgoing{ChatID: AgentsChat, Text: "handoff"})
	r = postJSON(t, s, "/api/agent", map[string]any{"name": "Alice", "text": "hi", "reply_to": notice})
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("agent: status %d: %s", r.status, r.body)
	}
}

// noticeButtons are the buttons of a handoff notice, as planHandoff in
// internal/pipeline/handoff.go makes them (with the handoff's id put in).
var noticeButtons = [][]chat.Button{{{Text: "Claim", Data: "claim:12"}, {Text: "Resolve", Data: "resolve:12"}, {Text: "Back to bot", Data: "bot:12"}}}

// The agents' events are consumed by parseAgentEvent in
// internal/pipeline/agent.go (which the sandbox may not import): a
// KindCallback event's Text is the button's data ("claim:12"); any other
// event is addressed to a customer only with ReplyTo (or a ThreadID), and
// then "/claim", "/resolve", "/bot", "/note …" are commands and other text
// is relayed. Store.LoadAgentState (internal/store/agent.go) finds the
// handoff by (platform, bot, ChatID, ReplyTo) among the notices sent, and
// with ReplyToBot waits for a notice still being recorded; the answer to
// a press goes back to its CallbackID.
func TestAgentEvents(t *testing.T) {
	s, inbox := newSandbox(t)
	mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "name": "Ann", "text": "/human"}))
	notice := send(t, s, chat.Outgoing{ChatID: AgentsChat, Text: "Ann asks for a person", Buttons: noticeButtons,
		HandoffID: 12, TopicKey: "sandbox/sandbox/c-c1", Action: "notice"})
	chatter := mustOK(t, postJSON(t, s, "/api/agent", map[string]any{"name": "Bob", "text": "coffee?"})).json["message_id"].(string)

	tests := []struct {
		name string
		req  map[string]any
		want chat.Event // the fields checked; ids are checked apart
	}{
		{"reply relays", map[string]any{"name": "Alice", "text": "Hi Ann, looking into it", "reply_to": notice},
			chat.Event{Kind: chat.KindText, Text: "Hi Ann, looking into it", ReplyTo: notice, ReplyToBot: true}},
		{"command as a reply", map[string]any{"name": "Alice", "text": "/resolve", "reply_to": notice},
			chat.Event{Kind: chat.KindCommand, Text: "/resolve", ReplyTo: notice, ReplyToBot: true}},
		{"note", map[string]any{"name": "Alice", "text": "/note VIP", "reply_to": notice},
			chat.Event{Kind: chat.KindCommand, Text: "/note VIP", ReplyTo: notice, ReplyToBot: true}},
		{"reply to an agent's message is not to the bot", map[string]any{"name": "Alice", "text": "yes", "reply_to": chatter},
			chat.Event{Kind: chat.KindText, Text: "yes", ReplyTo: chatter}},
		{"chatter", map[string]any{"name": "Alice", "text": "lunch"},
			chat.Event{Kind: chat.KindText, Text: "lunch"}},
		{"claim button", map[string]any{"name": "Alice", "button": "claim:12", "message_id": notice},
			chat.Event{Kind: chat.KindCallback, Text: "claim:12", ReplyTo: notice}},
		{"back to bot button", map[string]any{"name": "Alice", "button": "bot:12", "message_id": notice},
			chat.Event{Kind: chat.KindCallback, Text: "bot:12", ReplyTo: notice}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustOK(t, postJSON(t, s, "/api/agent", tt.req))
			ev := inbox.last(t)
			if ev.Platform != chat.Sandbox || ev.Bot != Bot || ev.ChatID != AgentsChat || ev.ChatType != chat.ChatGroup ||
				ev.Customer != (chat.Customer{ID: "agent-alice", Name: "Alice"}) || !ev.Time.Equal(t0) {
				t.Errorf("event = %+v", ev)
			}
			if ev.Kind != tt.want.Kind || ev.Text != tt.want.Text || ev.ReplyTo != tt.want.ReplyTo || ev.ReplyToBot != tt.want.ReplyToBot {
				t.Errorf("event = %+v, want %+v", ev, tt.want)
			}
			if ev.ExternalID == "" || seen[ev.ExternalID] {
				t.Errorf("external id %q not unique", ev.ExternalID)
			}
			seen[ev.ExternalID] = true
			if ev.Kind == chat.KindCallback {
				if ev.CallbackID == "" || seen[ev.CallbackID] || ev.MessageID != "" || r.json["callback_id"] != ev.CallbackID {
					t.Errorf("press: callback %q, message %q, answer %s", ev.CallbackID, ev.MessageID, r.body)
				}
				seen[ev.CallbackID] = true
			} else if ev.CallbackID != "" || ev.MessageID == "" || seen[ev.MessageID] || r.json["message_id"] != ev.MessageID {
				t.Errorf("message: callback %q, message %q, answer %s", ev.CallbackID, ev.MessageID, r.body)
			} else {
				seen[ev.MessageID] = true
			}
		})
	}

	// The pane shows the presses with what the button said, and the
	// agent's messages under the notice's conversation and handoff.
	for _, m := range getState(t, s, 0).Messages {
		if m.Pane != "agents" || m.Dir != "in" || m.From != "Alice" {
			continue
		}
		wantLabel := map[string]string{"claim:12": "Claim", "bot:12": "Back to bot"}[m.Text]
		if m.Label != wantLabel || m.Status != StatusStored {
			t.Errorf("agent message %+v", m)
		}
		if m.ReplyTo == notice && (m.Conversation != "c1" || m.HandoffID != 12) {
			t.Errorf("agent message %+v not tied to the notice's conversation", m)
		}
	}

	bad := []struct {
		name string
		req  map[string]any
	}{
		{"button the notice has not", map[string]any{"name": "Alice", "button": "claim:13", "message_id": notice}},
		{"button of an unknown message", map[string]any{"name": "Alice", "button": "claim:12", "message_id": "x-1"}},
		{"button of an agent's message", map[string]any{"name": "Alice", "button": "claim:12", "message_id": chatter}},
		{"reply to an unknown message", map[string]any{"name": "Alice", "text": "hi", "reply_to": "x-1"}},
		{"reply to a customer's message", map[string]any{"name": "Alice", "text": "hi", "reply_to": inbox.all()[0].MessageID}},
		{"message_id without button", map[string]any{"name": "Alice", "text": "hi", "message_id": notice}},
		{"empty text", map[string]any{"name": "Alice", "text": "  ", "reply_to": notice}},
		{"nothing", map[string]any{"name": "Alice"}},
		{"long name", map[string]any{"name": strings.Repeat("A", 65), "text": "hi"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := len(inbox.all())
			r := postJSON(t, s, "/api/agent", tt.req)
			if r.status != http.StatusBadRequest || r.json["error"] == nil {
				t.Errorf("status %d: %s", r.status, r.body)
			}
			if len(inbox.all()) != before {
				t.Error("an event was stored")
			}
		})
	}
}

func TestAgentID(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Alice", "agent-alice"},
		{"Mary Ann O'Neil", "agent-mary-ann-o-neil"},
		{"  ops--team ", "agent-ops-team"},
	}
	for _, tt := range tests {
		if got := agentID(tt.name); got != tt.want {
			t.Errorf("agentID(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	a, b := agentID("王芳"), agentID("李娜")
	if a == b || !strings.HasPrefix(a, "agent-") || a != agentID("王芳") {
		t.Errorf("non-Latin names: %q, %q", a, b)
	}
}

func TestCustomerButton(t *testing.T) {
	s, inbox := newSandbox(t)
	mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "text": "help"}))
	reply := send(t, s, chat.Outgoing{ChatID: "c-c1", Text: "What about?", Rule: "menu", Action: chat.ActionReply,
		Buttons: [][]chat.Button{{{Text: "Delivery", Data: "btn:delivery"}}}})
	r := mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "button": "btn:delivery", "message_id": reply}))
	ev := inbox.last(t)
	if ev.Kind != chat.KindCallback || ev.Text != "btn:delivery" || ev.ReplyTo != reply || ev.CallbackID == "" ||
		ev.ChatID != "c-c1" || r.json["callback_id"] != ev.CallbackID {
		t.Errorf("event = %+v, answer %s", ev, r.body)
	}
	if st := getState(t, s, 0); st.Messages[len(st.Messages)-1].Label != "Delivery" {
		t.Errorf("press %+v", st.Messages[len(st.Messages)-1])
	}
	// Another conversation cannot press it.
	if r := postJSON(t, s, "/api/customer", map[string]any{"conversation": "c2", "button": "btn:delivery", "message_id": reply}); r.status != 400 {
		t.Errorf("press from another conversation: %d", r.status)
	}
}

// trace is what the pipeline puts in Plan.Trace: rules.Decision.Trace as JSON.
const trace = `[{"rule":"ack","matched":true,"reason":"no keywords or when: matches every message"},
	{"rule":"order_status","matched":true,"reason":"keyword","keyword":"order","group":"orders"},
	{"rule":"refunds","matched":false,"reason":"no keyword in the message"}]`

func TestSendDecidedState(t *testing.T) {
	s, inbox := newSandbox(t)
	mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "name": "Ann", "lang": "en", "text": "where is my order?"}))
	in := inbox.last(t)
	reply := send(t, s, chat.Outgoing{ChatID: "c-c1", Text: "It ships today.", Rule: "order_status", Action: chat.ActionReply})
	notice := send(t, s, chat.Outgoing{ChatID: AgentsChat, Text: "Ann needs a person", Buttons: noticeButtons, HandoffID: 12,
		TopicKey: "sandbox/sandbox/c-c1", Action: "notice"})
	before := getState(t, s, 0)

	s.Decided(in, chat.Plan{
		Outcome:    chat.OutcomeAnswered,
		Language:   "en",
		Sends:      []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "order_status", Text: "It ships today."}}},
		Suppressed: []chat.Suppression{{Rule: "ack", Reason: chat.ReasonAckAlreadySent}},
		Recorded:   []chat.Action{{Type: chat.ActionTag, Rule: "orders_tag"}},
		Trace:      json.RawMessage(trace),
	})
	edited := send(t, s, chat.Outgoing{ChatID: AgentsChat, EditMessageID: notice, Text: "Ann needs a person (claimed by Alice)",
		Buttons: [][]chat.Button{{{Text: "Resolve", Data: "resolve:12"}}}})
	if edited != notice {
		t.Errorf("edit returned %q, want %q", edited, notice)
	}
	if id := send(t, s, chat.Outgoing{ChatID: AgentsChat, CallbackID: "cb-1", Text: "You claimed it", Action: "callback_answer"}); id != "" {
		t.Errorf("answer returned id %q", id)
	}
	if id := send(t, s, chat.Outgoing{ChatID: AgentsChat, CallbackID: "cb-2"}); id != "" {
		t.Errorf("empty answer returned id %q", id)
	}
	// Decisions of events the sandbox does not hold are ignored.
	s.Decided(chat.Event{Platform: chat.Telegram, Bot: Bot, ExternalID: in.ExternalID}, chat.Plan{Outcome: chat.OutcomeUnanswered})
	s.Decided(chat.Event{Platform: chat.Sandbox, Bot: Bot, ExternalID: "ev-unknown"}, chat.Plan{Outcome: chat.OutcomeUnanswered})

	st := getState(t, s, 0)
	type row struct{ pane, dir, text, rule, action string }
	var got []row
	for _, m := range st.Messages {
		got = append(got, row{m.Pane, m.Dir, m.Text, m.Rule, m.Action})
	}
	want := []row{ // in order of their last change
		{"customer", "out", "It ships today.", "order_status", "reply"},
		{"customer", "in", "where is my order?", "", ""},
		{"agents", "out", "Ann needs a person (claimed by Alice)", "", "notice"},
		{"agents", "answer", "You claimed it", "", "callback_answer"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("state:\n got %v\nwant %v", got, want)
	}
	for i := 1; i < len(st.Messages); i++ {
		if st.Messages[i].Seq <= st.Messages[i-1].Seq {
			t.Errorf("messages out of seq order: %+v", st.Messages)
		}
	}
	if st.Seq < st.Messages[len(st.Messages)-1].Seq || st.More {
		t.Errorf("seq %d, more %v", st.Seq, st.More)
	}
	if len(st.Conversations) != 1 || st.Conversations[0] != (ConversationInfo{ID: "c1", ChatID: "c-c1", CustomerID: "sandbox/sandbox/c-c1", Name: "Ann", Lang: "en",
		First: before.Messages[0].N, Updated: t0}) {
		t.Errorf("conversations %+v", st.Conversations)
	}

	msg := st.Messages[1]
	d := msg.Decision
	if d == nil {
		t.Fatal("no decision attached")
	}
	if d.Outcome != chat.OutcomeAnswered || d.Language != "en" ||
		fmt.Sprint(d.Sends) != fmt.Sprint([]Planned{{Rule: "order_status", Action: chat.ActionReply, Text: "It ships today."}}) ||
		fmt.Sprint(d.Suppressed) != fmt.Sprint([]chat.Suppression{{Rule: "ack", Reason: "ack_already_sent"}}) ||
		fmt.Sprint(d.Recorded) != fmt.Sprint([]Planned{{Rule: "orders_tag", Action: chat.ActionTag}}) ||
		fmt.Sprint(d.Matched) != "[ack order_status]" || len(d.Trace) != 3 || d.Trace[1].Keyword != "order" {
		t.Errorf("decision %+v", d)
	}
	if d.Why != "reply by rule order_status; suppressed: ack_already_sent (rule ack)" {
		t.Errorf("why %q", d.Why)
	}

	n := st.Messages[2]
	if n.ID != notice || !n.Edited || n.HandoffID != 12 || n.Conversation != "c1" ||
		fmt.Sprint(n.Buttons) != fmt.Sprint([][]chat.Button{{{Text: "Resolve", Data: "resolve:12"}}}) {
		t.Errorf("edited notice %+v", n)
	}
	if st.Messages[0].ID != reply || st.Messages[3].CallbackID != "cb-1" {
		t.Errorf("ids: %+v", st.Messages)
	}

	// Paging: after the last seq seen, only what changed since.
	if later := getState(t, s, st.Seq); len(later.Messages) != 0 || later.Seq != st.Seq {
		t.Errorf("nothing changed, got %+v", later)
	}
	s.Decided(in, chat.Plan{Outcome: chat.OutcomeUnanswered})
	later := getState(t, s, st.Seq)
	if len(later.Messages) != 1 || later.Messages[0].N != msg.N || later.Messages[0].Decision.Why != "no rule answered" {
		t.Errorf("after a new decision: %+v", later.Messages)
	}
	if bad := call(t, s, http.MethodGet, "/api/state?since=-1", "", ""); bad.status != 400 || bad.json["error"] == nil {
		t.Errorf("since=-1: %d %s", bad.status, bad.body)
	}
	if bad := call(t, s, http.MethodGet, "/api/state?since=x", "", ""); bad.status != 400 {
		t.Errorf("since=x: %d", bad.status)
	}
}

func TestWhy(t *testing.T) {
	tests := []struct {
		plan chat.Plan
		want string
	}{
		{chat.Plan{Outcome: chat.OutcomeUnanswered}, "no rule answered"},
		{chat.Plan{Outcome: chat.OutcomeSuppressed, Suppressed: []chat.Suppression{{Rule: "faq", Reason: chat.ReasonDuplicateContent}}},
			"suppressed: duplicate_content (rule faq)"},
		{chat.Plan{Outcome: chat.OutcomeRecorded, Suppressed: []chat.Suppression{{Reason: chat.ReasonFromBot}}},
			"recorded, not answered; suppressed: from_bot"},
		{chat.Plan{Outcome: chat.OutcomeIgnored, Recorded: []chat.Action{{Type: chat.ActionIgnore, Rule: "spam"}}}, "ignored by rule spam"},
		{chat.Plan{Outcome: chat.OutcomeHandedOff,
			Sends:   []chat.Send{{Action: chat.Action{Type: chat.ActionHandoff, Rule: "human", Text: "A person will answer."}}},
			Handoff: &chat.Action{Type: chat.ActionHandoff, Rule: "human", Team: "support", Priority: "high"}, Notices: []chat.Notice{{}}},
			"handed off by rule human to team support (priority high)"},
		{chat.Plan{Outcome: chat.OutcomeUnanswered, Suppressed: []chat.Suppression{{Rule: "faq", Reason: chat.ReasonHumanOwnsConversation}},
			Notices: []chat.Notice{{}}}, "no rule answered; suppressed: human_owns_conversation (rule faq); passed on to the agents"},
		{chat.Plan{Outcome: chat.OutcomeAcknowledged, Trace: json.RawMessage(`not json`)}, "acknowledged"},
	}
	for _, tt := range tests {
		if got := explain(tt.plan).Why; got != tt.want {
			t.Errorf("why = %q, want %q", got, tt.want)
		}
	}
}

// The page shows what the rules read when the message was written in
// other letters than it means, and nothing when it was read as written.
func TestExplainSaysWhatWasRead(t *testing.T) {
	d := explain(chat.Plan{Outcome: chat.OutcomeAnswered, Language: "ru", ReadAs: "где мой заказ", ReadFrom: "translit"})
	if d.ReadAs != "где мой заказ" {
		t.Errorf("read_as = %q", d.ReadAs)
	}
	b, err := json.Marshal(explain(chat.Plan{Outcome: chat.OutcomeAnswered}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "read_as") {
		t.Errorf("a message read as written says read_as: %s", b)
	}
}

func TestSendUnknownChat(t *testing.T) {
	s, _ := newSandbox(t)
	for _, chatID := range []string{"c-nobody", "42", "", "dm:c-c1"} {
		_, err := s.Send(context.Background(), chat.Outgoing{Platform: chat.Sandbox, Bot: Bot, ChatID: chatID, Text: "hi"})
		var se *chat.SendError
		if !errors.As(err, &se) || se.Kind != chat.SendPermanent {
			t.Errorf("chat %q: err %v, want a permanent SendError", chatID, err)
		}
	}
	// An edit of a message that is gone posts anew, as on Telegram.
	id := send(t, s, chat.Outgoing{ChatID: AgentsChat, EditMessageID: "gone-1", Text: "incident: 3 customers"})
	if id == "" || id == "gone-1" {
		t.Errorf("edit of a gone message returned %q", id)
	}
}

func TestBounds(t *testing.T) {
	s, _ := newSandbox(t)
	s.maxConversations, s.maxMessages, s.maxAgentMessages = 2, 3, 2
	clock := t0
	s.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	say := func(conv, text string) {
		t.Helper()
		mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": conv, "text": text}))
	}
	texts := func(st State, pane, conv string) []string {
		var out []string
		for _, m := range st.Messages {
			if m.Pane == pane && m.Conversation == conv {
				out = append(out, m.Text)
			}
		}
		return out
	}
	say("a", "a1")
	say("a", "a2")
	say("a", "a3")
	say("a", "a4")
	st := getState(t, s, 0)
	if got := texts(st, "customer", "a"); fmt.Sprint(got) != "[a2 a3 a4]" {
		t.Errorf("conversation a holds %v", got)
	}
	if st.Conversations[0].First != st.Messages[0].N {
		t.Errorf("first %d, oldest held %d", st.Conversations[0].First, st.Messages[0].N)
	}
	say("b", "b1")
	say("a", "a5") // a is now the more recently active
	say("c", "c1") // so b goes
	st = getState(t, s, 0)
	var convs []string
	for _, c := range st.Conversations {
		convs = append(convs, c.ID)
	}
	if fmt.Sprint(convs) != "[a c]" || len(texts(st, "customer", "b")) != 0 {
		t.Errorf("conversations %v, b holds %v", convs, texts(st, "customer", "b"))
	}
	if _, err := s.Send(context.Background(), chat.Outgoing{ChatID: "c-b", Text: "late reply"}); err == nil {
		t.Error("a reply to a dropped conversation was taken")
	}
	for i := range 3 {
		send(t, s, chat.Outgoing{ChatID: AgentsChat, Text: fmt.Sprint("notice ", i)})
	}
	st = getState(t, s, 0)
	if got := texts(st, "agents", ""); fmt.Sprint(got) != "[notice 1 notice 2]" {
		t.Errorf("agents pane holds %v", got)
	}
	s.mu.Lock()
	held := len(s.byID)
	s.mu.Unlock()
	if held != 3+1+2 { // a3 a4 a5, c1, two notices
		t.Errorf("%d messages indexed, want 6", held)
	}
}

func TestStatePaging(t *testing.T) {
	s, _ := newSandbox(t)
	mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "text": "one"}))
	for i := range 4 {
		send(t, s, chat.Outgoing{ChatID: "c-c1", Text: fmt.Sprint("reply ", i)})
	}
	var got []string
	since := int64(0)
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		st := s.snapshot(since, 2)
		for _, m := range st.Messages {
			got = append(got, m.Text)
		}
		since = st.Seq
		if !st.More {
			break
		}
		if len(st.Messages) != 2 || st.Seq != st.Messages[1].Seq {
			t.Fatalf("page %+v", st)
		}
	}
	if fmt.Sprint(got) != "[one reply 0 reply 1 reply 2 reply 3]" {
		t.Errorf("paged through %v", got)
	}
}

func TestPage(t *testing.T) {
	s, _ := newSandbox(t)
	r := call(t, s, http.MethodGet, "/", "", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %q", r.status, r.header.Get("Content-Type"))
	}
	page := string(r.body)
	for _, id := range []string{`id="customer-text"`, `id="customer-send"`, `id="customer-name"`, `id="customer-lang"`, `id="transcript"`,
		`id="agents"`, `id="agent-text"`, `id="agent-send"`, `value="zh"`, `value="ru"`, `value="en"`, `value="auto"`, `src="app.js"`, `href="style.css"`} {
		if !strings.Contains(page, id) {
			t.Errorf("page lacks %s", id)
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the page loads something from elsewhere")
	}
	js := call(t, s, http.MethodGet, "/app.js", "", "")
	if js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("app.js: %d %q", js.status, js.header.Get("Content-Type"))
	}
	for _, s := range []string{"'msg in", "'msg out", "'msg suppressed", "'why", "'notice", "data-data", "api/state?since=", "api/customer", "api/agent", "textContent"} {
		if !strings.Contains(string(js.body), s) {
			t.Errorf("app.js lacks %s", s)
		}
	}
	if strings.Contains(string(js.body), "innerHTML") {
		t.Error("app.js uses innerHTML")
	}
	css := call(t, s, http.MethodGet, "/style.css", "", "")
	if css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Fatalf("style.css: %d %q", css.status, css.header.Get("Content-Type"))
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/", 405},
		{"GET", "/nope", 404},
		{"GET", "/static/index.html", 404},
		{"GET", "/api/nope", 404},
		{"POST", "/api/state", 405},
		{"HEAD", "/", 200},
	} {
		if r := call(t, s, tt.method, tt.path, "application/json", "{}"); r.status != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, r.status, tt.want)
		}
	}
}

// The pipeline's senders, its workers (Decided) and the page all use the
// sandbox at once; run with -race.
func TestConcurrent(t *testing.T) {
	s, inbox := newSandbox(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				conv := fmt.Sprintf("c%d", w)
				mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": conv, "text": fmt.Sprint("m", i)}))
				if _, err := s.Send(context.Background(), chat.Outgoing{ChatID: "c-" + conv, Text: "r"}); err != nil {
					t.Error(err)
				}
				getState(t, s, int64(i))
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			for _, ev := range inbox.all() {
				s.Decided(ev, chat.Plan{Outcome: chat.OutcomeUnanswered})
			}
		}
	})
	wg.Wait()
	st := getState(t, s, 0)
	if len(st.Messages) != 4*20*2 {
		t.Errorf("%d messages", len(st.Messages))
	}
}

// fakePreviewer answers every preview with a reply by rule "faq" and
// records what it was asked.
type fakePreviewer struct {
	history []chat.Event
	ev      chat.Event
}

func (f *fakePreviewer) Preview(_ context.Context, history []chat.Event, ev chat.Event) (chat.Plan, error) {
	f.history, f.ev = history, ev
	return chat.Plan{Outcome: chat.OutcomeAnswered, Sends: []chat.Send{{Action: chat.Action{Type: chat.ActionReply, Rule: "faq", Text: "hi"}}}}, nil
}

// TestPreview: a preview hands the previewer the conversation's stored
// texts and the new one, answers its decision, and leaves the inbox and
// the transcript alone; bad requests and a sandbox without previews are
// refused.
func TestPreview(t *testing.T) {
	inbox := &fakeInbox{}
	fake := &fakePreviewer{}
	s := New(inbox, fake, func() time.Time { return t0 })
	mustOK(t, postJSON(t, s, "/api/customer", map[string]string{"conversation": "c1", "name": "Ann", "text": "hello"}))
	mustOK(t, postJSON(t, s, "/api/customer", map[string]string{"conversation": "c2", "name": "Bob", "text": "other chat"}))
	before := getState(t, s, 0)

	res := mustOK(t, postJSON(t, s, "/api/preview", map[string]string{"conversation": "c1", "name": "Ann", "lang": "en", "text": "/start"}))
	if d, _ := res.json["decision"].(map[string]any); d == nil || d["why"] != "reply by rule faq" {
		t.Fatalf("preview answered %s", res.body)
	}
	if len(fake.history) != 1 || fake.history[0].Text != "hello" || fake.history[0].ChatID != "c-c1" || fake.history[0].ExternalID == "" {
		t.Fatalf("history %+v, want c1's one stored message", fake.history)
	}
	if ev := fake.ev; ev.Kind != chat.KindCommand || ev.Text != "/start" || ev.ChatID != "c-c1" || ev.Customer.Language != "en" || !ev.Time.Equal(t0) {
		t.Fatalf("previewed event %+v", ev)
	}
	if len(inbox.all()) != 2 || getState(t, s, 0).Seq != before.Seq {
		t.Fatal("a preview reached the inbox or changed the transcript")
	}

	for _, tt := range []struct {
		name string
		s    *Sandbox
		body map[string]string
		want int
	}{
		{"previews off", New(inbox, nil, nil), map[string]string{"conversation": "c1", "text": "hi"}, http.StatusNotFound},
		{"no text", s, map[string]string{"conversation": "c1"}, http.StatusBadRequest},
		{"a button", s, map[string]string{"conversation": "c1", "button": "btn:x", "message_id": "m"}, http.StatusBadRequest},
		{"bad conversation", s, map[string]string{"conversation": "C 1", "text": "hi"}, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := postJSON(t, tt.s, "/api/preview", tt.body); r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
		})
	}
}

// TestStateSaysHowTheRulesLoaded: /api/state carries the owner's word on
// the last rules load, so the page does not say "live" over a refused one.
func TestStateSaysHowTheRulesLoaded(t *testing.T) {
	tests := []struct {
		name   string
		status func() RulesStatus
		want   RulesStatus
	}{
		{"no owner's word: fine", nil, RulesStatus{OK: true}},
		{"loaded", func() RulesStatus { return RulesStatus{OK: true, Count: 12} }, RulesStatus{OK: true, Count: 12}},
		{"refused", func() RulesStatus {
			return RulesStatus{OK: false, Error: "reload failed: rules.yaml:2:9: bad", Count: 12}
		}, RulesStatus{OK: false, Error: "reload failed: rules.yaml:2:9: bad", Count: 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSandbox(t)
			if tt.status != nil {
				s.WatchRules(tt.status)
			}
			if got := getState(t, s, 0).Rules; got != tt.want {
				t.Errorf("rules %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestCatalog: /api/catalog answers what the owner offers, with lists
// never null (the page iterates them), and /api/state names the rules'
// version so the page knows when to ask again.
func TestCatalog(t *testing.T) {
	tests := []struct {
		name    string
		catalog func() Catalog
		want    string
	}{
		{"no owner's word: empty lists", nil, `{"version":"","rules":[],"commands":[],"snippets":[]}`},
		{"rules, commands and snippets", func() Catalog {
			return Catalog{Version: "v2",
				Rules:    []CatalogRule{{ID: "shipping", Actions: []string{"reply"}, Try: "where is my order?", Lang: "en"}, {ID: "quiet"}},
				Commands: []CatalogCommand{{Name: "claim", Description: "Take this conversation"}},
				Snippets: []string{"refund-policy"}}
		}, `{"version":"v2","rules":[{"id":"shipping","actions":["reply"],"try":"where is my order?","lang":"en"},{"id":"quiet","actions":[]}],` +
			`"commands":[{"name":"claim","description":"Take this conversation"}],"snippets":["refund-policy"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newSandbox(t)
			if tt.catalog != nil {
				s.WatchCatalog(tt.catalog)
			}
			r := call(t, s, http.MethodGet, "/api/catalog", "", "")
			if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != tt.want {
				t.Errorf("GET /api/catalog: %d %s\nwant %s", r.status, r.body, tt.want)
			}
			if r := call(t, s, http.MethodPost, "/api/catalog", "application/json", "{}"); r.status != http.StatusMethodNotAllowed {
				t.Errorf("POST /api/catalog: %d, want 405", r.status)
			}
		})
	}
	s, _ := newSandbox(t)
	s.WatchRules(func() RulesStatus { return RulesStatus{OK: true, Count: 3, Version: "v7"} })
	if got := getState(t, s, 0).Rules.Version; got != "v7" {
		t.Errorf("state's rules version %q, want v7", got)
	}
}
