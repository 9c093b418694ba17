package telegramtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// uploadSuffix marks, in a call's Params, the file name of an uploaded
// file: Params["photo"] is then the file's content and
// Params["photo"+uploadSuffix] its name.
const uploadSuffix = "#filename"

// maxCaptionLen is Telegram's limit on a caption.
const maxCaptionLen = 1024

// Media is a photo, file, location… the bot sent.
type Media struct {
	Kind string // photo, document, voice, audio, video, video_note, animation, sticker, location, contact
	// FileID is the file id the bot sent by reference; Upload the name of
	// a file it uploaded instead, and Content its bytes.
	FileID  string
	Upload  string
	Content []byte
	// Album groups the messages of one sendMediaGroup (its first message id).
	Album     int64
	Latitude  string
	Longitude string
	Phone     string
	FirstName string
}

// AddFile makes content downloadable as fileID, through getFile and the
// file download link, as a file a customer sent the bot.
func (s *Server) AddFile(fileID string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[fileID] = content
}

// mediaMethod serves sendPhoto, sendDocument, … sendContact: the media is
// in the parameter named like the kind.
func mediaMethod(kind string) handler {
	return func(s *Server, rq *request) reply {
		p := rq.params
		md := Media{Kind: kind}
		switch kind {
		case "location":
			md.Latitude, md.Longitude = p["latitude"], p["longitude"]
			if md.Latitude == "" || md.Longitude == "" {
				return badRequest("latitude and longitude are required")
			}
		case "contact":
			md.Phone, md.FirstName = p["phone_number"], p["first_name"]
			if md.Phone == "" || md.FirstName == "" {
				return badRequest("phone_number and first_name are required")
			}
		default:
			if problem := s.fileLocked(p, kind, &md); problem != "" {
				return badRequest(problem)
			}
		}
		m, rep := s.postLocked(rq, p["caption"], md)
		if m == nil {
			return rep
		}
		return ok(s.messageJSON(*m, time.Time{}))
	}
}

// fileLocked reads the file parameter: a file id the bot knows, or an upload.
func (s *Server) fileLocked(p map[string]string, field string, md *Media) string {
	v, ok := p[field]
	switch {
	case !ok || v == "":
		return "there is no " + field + " in the request"
	case p[field+uploadSuffix] != "":
		md.Upload, md.Content = p[field+uploadSuffix], []byte(v)
	case strings.HasPrefix(v, "attach://"):
		name := strings.TrimPrefix(v, "attach://")
		content, ok := p[name]
		if !ok {
			return "wrong file identifier/HTTP URL specified"
		}
		md.Upload, md.Content = p[name+uploadSuffix], []byte(content)
	default:
		md.FileID = v
	}
	return ""
}

// postLocked checks and records a message with media, as sendMessage does
// a text; a nil message comes with the failure to answer.
func (s *Server) postLocked(rq *request, caption string, md Media) (*Message, reply) {
	p := rq.params
	chat, valid := chatID(p)
	if !valid {
		return nil, badRequest("chat not found")
	}
	if len([]rune(caption)) > maxCaptionLen {
		return nil, badRequest("message caption is too long")
	}
	if s.blocked[chat] {
		return nil, fail(http.StatusForbidden, "Forbidden: bot was blocked by the user")
	}
	if retryAfter := s.throttleLocked(rq.token, chat); retryAfter > 0 {
		return nil, tooManyRequests(retryAfter)
	}
	thread, _ := strconv.ParseInt(p["message_thread_id"], 10, 64)
	if thread != 0 && s.forums[chat] != nil && !s.forums[chat][thread] {
		return nil, badRequest("message thread not found")
	}
	var replyTo struct {
		MessageID int64 `json:"message_id"`
	}
	if raw := p["reply_parameters"]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &replyTo)
	}
	s.lastID[chat]++
	m := Message{ChatID: chat, ThreadID: thread, MessageID: s.lastID[chat], Text: caption, ReplyTo: replyTo.MessageID,
		ReplyMarkup: p["reply_markup"], At: s.now(), Media: &md}
	s.messages[msgKey{chat, m.MessageID}] = m
	s.sent = append(s.sent, m)
	s.notifyLocked()
	return &m, reply{}
}

// sendMediaGroup posts two to ten photos, videos, documents or audio files
// as one album: one message each.
func (s *Server) sendMediaGroup(rq *request) reply {
	p := rq.params
	var items []struct {
		Type    string `json:"type"`
		Media   string `json:"media"`
		Caption string `json:"caption"`
	}
	if err := json.Unmarshal([]byte(p["media"]), &items); err != nil {
		return badRequest("can't parse media JSON array")
	}
	if len(items) < 2 || len(items) > 10 {
		return badRequest("wrong number of media: " + strconv.Itoa(len(items)))
	}
	mds := make([]Media, len(items))
	for i, it := range items {
		mds[i].Kind = it.Type
		files := map[string]string{"media": it.Media}
		if name, ok := strings.CutPrefix(it.Media, "attach://"); ok {
			files[name], files[name+uploadSuffix] = p[name], p[name+uploadSuffix]
			if _, ok := p[name]; !ok {
				return badRequest("wrong file identifier/HTTP URL specified")
			}
		}
		if problem := s.fileLocked(files, "media", &mds[i]); problem != "" {
			return badRequest(problem)
		}
	}
	var out []map[string]any
	var album int64
	for i, md := range mds {
		md.Album = album
		m, rep := s.postLocked(rq, items[i].Caption, md)
		if m == nil {
			return rep
		}
		if i == 0 {
			album = m.MessageID
			m.Media.Album = album
			s.messages[msgKey{m.ChatID, m.MessageID}] = *m
			s.sent[len(s.sent)-1] = *m
		}
		j := s.messageJSON(*m, time.Time{})
		j["media_group_id"] = strconv.FormatInt(album, 10)
		out = append(out, j)
	}
	return ok(out)
}

// getFile answers a file's path for downloading, for files added with AddFile.
func (s *Server) getFile(rq *request) reply {
	id := rq.params["file_id"]
	content, found := s.files[id]
	if !found {
		return badRequest("wrong file_id or the file is temporarily unavailable")
	}
	return ok(map[string]any{"file_id": id, "file_unique_id": "u-" + id, "file_size": len(content), "file_path": "files/" + id})
}

// serveFile serves /file/bot<token>/files/<id>, the download link of getFile.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	token, path, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/file/bot"), "/")
	s.mu.Lock()
	known := len(s.tokens) == 0 || s.tokens[token]
	content, found := s.files[strings.TrimPrefix(path, "files/")]
	s.mu.Unlock()
	if !known || !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	_, _ = w.Write(content)
}
