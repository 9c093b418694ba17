package discordtest

import (
	"net/http"
	"strconv"
	"strings"
)

// AddAttachment makes content downloadable as an attachment named
// filename, as Discord's CDN serves the files customers attach, and
// returns the attachment object to put in a message's "attachments".
func (s *Server) AddAttachment(filename, contentType string, content []byte) map[string]any {
	id := Snowflake()
	s.mu.Lock()
	if s.files == nil {
		s.files = map[string][]byte{}
	}
	s.files[id] = content
	s.mu.Unlock()
	u := s.srv.URL + "/attachments/" + id + "/" + filename
	return map[string]any{"id": id, "filename": filename, "content_type": contentType, "size": len(content), "url": u, "proxy_url": u}
}

// serveAttachment serves /attachments/<id>/<name>.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/attachments/"), "/")
	s.mu.Lock()
	content, ok := s.files[id]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	_, _ = w.Write(content)
}
