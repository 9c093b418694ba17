package sandbox

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestCustomerAttachesAFile: a customer's picture becomes a photo event
// (the caption its text), shown as a thumbnail, served as an image; the
// inbox keeps the request without the file; the agent pane shows the
// relayed media; forgetting the customer drops the file.
func TestCustomerAttachesAFile(t *testing.T) {
	s, inbox := newSandbox(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 2000)...)
	mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "name": "Ann", "text": "the error",
		"file": map[string]any{"name": "error.png", "mime": "image/png", "data": png}}))
	ev := inbox.last(t)
	if ev.Kind != chat.KindPhoto || ev.Text != "the error" || len(ev.Media) != 1 {
		t.Fatalf("event %+v", ev)
	}
	md := ev.Media[0]
	if md.Kind != chat.MediaPhoto || md.Platform != chat.Sandbox || md.Name != "error.png" || md.MIME != "image/png" || md.Size != int64(len(png)) {
		t.Fatalf("media %+v", md)
	}
	if bytes.Contains(ev.Raw, png[8:40]) || len(ev.Raw) > 1000 {
		t.Errorf("the inbox got the file: %d bytes", len(ev.Raw))
	}
	st := getState(t, s, 0)
	in := st.Messages[len(st.Messages)-1]
	if len(in.Media) != 1 || in.Media[0].URL == "" || in.Media[0].Kind != "photo" {
		t.Fatalf("customer pane media %+v", in.Media)
	}
	r := call(t, s, http.MethodGet, "/"+in.Media[0].URL, "", "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" || !bytes.Equal(r.body, png) || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("file served %d %q (%d bytes)", r.status, r.header.Get("Content-Type"), len(r.body))
	}

	// The pipeline relays it to the agent pane with the media.
	send(t, s, chat.Outgoing{ChatID: AgentsChat, Text: "Ann: the error", TopicKey: "sandbox/sandbox/c-c1", Media: ev.Media})
	st = getState(t, s, 0)
	notice := st.Messages[len(st.Messages)-1]
	if notice.Pane != "agents" || len(notice.Media) != 1 || notice.Media[0].URL != in.Media[0].URL {
		t.Fatalf("agent pane %+v", notice)
	}

	if n := s.ForgetCustomer(chat.ErasureSubject(chat.Sandbox, Bot, ev.ChatID)); n != 1 {
		t.Fatalf("forgot %d conversations", n)
	}
	if r := call(t, s, http.MethodGet, "/"+in.Media[0].URL, "", ""); r.status != http.StatusNotFound {
		t.Errorf("a forgotten customer's file is still served: %d", r.status)
	}
}

func TestAttachmentRefused(t *testing.T) {
	s, inbox := newSandbox(t)
	tests := []struct {
		name string
		file map[string]any
		text string
		want string
	}{
		{"too large", map[string]any{"name": "big.bin", "mime": "application/octet-stream", "data": make([]byte, MaxFileSize+1)}, "", "file: at most 512.0 KB"},
		{"empty", map[string]any{"name": "a.txt", "mime": "text/plain", "data": []byte{}}, "", "file: empty"},
		{"a path for a name", map[string]any{"name": "../etc/passwd", "mime": "text/plain", "data": []byte("x")}, "", "without slashes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "name": "Ann", "text": tt.text, "file": tt.file})
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), tt.want) {
				t.Fatalf("%d %s, want 400 %q", r.status, r.body, tt.want)
			}
		})
	}
	if len(inbox.all()) != 0 {
		t.Errorf("refused attachments reached the inbox")
	}
	// A document is a chip: served as a download, never as itself.
	mustOK(t, postJSON(t, s, "/api/customer", map[string]any{"conversation": "c1", "name": "Ann",
		"file": map[string]any{"name": "page.html", "mime": "text/html", "data": []byte("<script>alert(1)</script>")}}))
	if ev := inbox.last(t); ev.Kind != chat.KindMedia || ev.Media[0].Kind != chat.MediaDocument {
		t.Fatalf("event %+v", ev)
	}
	st := getState(t, s, 0)
	url := st.Messages[len(st.Messages)-1].Media[0].URL
	if r := call(t, s, http.MethodGet, "/"+url, "", ""); r.header.Get("Content-Type") != "application/octet-stream" || r.header.Get("Content-Disposition") != "attachment" {
		t.Errorf("a document served as %q %q", r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
	}
}
