package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// MaxFileSize bounds a file a customer attaches in the sandbox; the files
// live in memory with the messages that carried them, and go with them.
const MaxFileSize = 512 << 10

// MediaView is a medium as the page shows it: a thumbnail when URL is set
// and it is an image, else a chip with its name, type and size.
type MediaView struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
	MIME string `json:"mime,omitempty"`
	Size int64  `json:"size,omitempty"`
	// URL, relative to the page, serves a file attached in the sandbox.
	URL string `json:"url,omitempty"`
	// Note is what was sent instead of the file (over the size limit).
	Note string `json:"note,omitempty"`
}

// upload is a file attached to a customer's message: its bytes travel
// base64-encoded in the JSON body.
type upload struct {
	Name string `json:"name"`
	MIME string `json:"mime"`
	Data []byte `json:"data"`
}

// check refuses what the sandbox will not keep.
func (u *upload) check() error {
	switch {
	case len(u.Data) == 0:
		return errors.New("file: empty")
	case len(u.Data) > MaxFileSize:
		return errors.New("file: at most " + chat.HumanSize(MaxFileSize) + " in the sandbox")
	case u.Name == "" || len(u.Name) > 255 || !utf8.ValidString(u.Name) || strings.ContainsAny(u.Name, "/\\\x00"):
		return errors.New("file: a name of at most 255 bytes, without slashes")
	case len(u.MIME) > 127 || strings.ContainsAny(u.MIME, "\r\n"):
		return errors.New("file: a content type such as image/png")
	}
	return nil
}

// checkContent checks what a person sends: a text or a button press
// (within 64 KiB), or a file with an optional caption. It answers the
// refusal itself (ok false) and returns the body the inbox keeps: without
// the file's bytes, which stay in the sandbox.
func checkContent(w http.ResponseWriter, raw []byte, req any, f *upload, text, button, messageID string) ([]byte, bool) {
	if f == nil {
		if err := checkTextOrButton(text, button, messageID); err != nil {
			fail(w, http.StatusBadRequest, err.Error())
			return nil, false
		}
		if len(raw) > MaxBodySize {
			fail(w, http.StatusBadRequest, "body larger than 64 KiB")
			return nil, false
		}
		return raw, true
	}
	err := f.check()
	if err == nil && (button != "" || utf8.RuneCountInString(text) > MaxTextLength) {
		err = errors.New("a file goes with a caption of at most 4096 characters, not a button")
	}
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	data := f.Data
	f.Data = nil
	stripped, err := json.Marshal(req)
	f.Data = data
	if err != nil {
		fail(w, http.StatusBadRequest, "file: "+err.Error())
		return nil, false
	}
	return stripped, true
}

// attachLocked keeps the file with the message m and describes it on the
// event; s.mu is held.
func (s *Sandbox) attachLocked(ev *chat.Event, m *Message, u *upload) {
	if s.files == nil {
		s.files = map[string]storedFile{}
	}
	_, id := s.nextID("file-")
	s.files[id] = storedFile{mime: u.MIME, data: u.Data}
	m.fileIDs = append(m.fileIDs, id)
	md := chat.Media{Kind: chat.MediaDocument, Platform: chat.Sandbox, Bot: Bot, FileID: id, Name: u.Name, MIME: u.MIME, Size: int64(len(u.Data))}
	ev.Kind = chat.KindMedia
	if strings.HasPrefix(u.MIME, "image/") {
		md.Kind, ev.Kind = chat.MediaPhoto, chat.KindPhoto
	}
	ev.Media = []chat.Media{md}
	m.Kind, m.Media = string(ev.Kind), s.viewsLocked(ev.Media)
}

// storedFile is a file attached in the sandbox.
type storedFile struct {
	mime string
	data []byte
}

// viewsLocked describes media for the page; the sandbox's own files get
// a URL. s.mu is held.
func (s *Sandbox) viewsLocked(media []chat.Media) []MediaView {
	var out []MediaView
	for _, md := range media {
		v := MediaView{Kind: string(md.Kind), Name: md.Name, MIME: md.MIME, Size: md.Size, Note: md.Note}
		if _, ok := s.files[md.FileID]; ok && md.Platform == chat.Sandbox && md.Note == "" {
			v.URL = "api/file/" + md.FileID
		}
		out = append(out, v)
	}
	return out
}

// serveFile serves a file attached in the sandbox: images as themselves,
// anything else as a download, never sniffed into something the page runs.
func (s *Sandbox) serveFile(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	f, ok := s.files[id]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	switch f.mime {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		h.Set("Content-Type", f.mime)
	default:
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", "attachment")
	}
	h.Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}
