package telegram

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// mediaOf describes the media of a message, so they can be sent on as
// themselves; nil for a text or service message. The file ids are the
// bot's own (bot is filled in by DecodeAt): another bot cannot use them.
func mediaOf(m *models.Message) []chat.Media {
	md := chat.Media{Platform: chat.Telegram, Album: m.MediaGroupID}
	switch {
	case len(m.Photo) > 0:
		// Telegram sends every size it made; the largest is the photo.
		p := m.Photo[len(m.Photo)-1]
		md.Kind, md.FileID, md.UniqueID, md.Size, md.Width, md.Height = chat.MediaPhoto, p.FileID, p.FileUniqueID, int64(p.FileSize), p.Width, p.Height
		md.MIME = "image/jpeg" // Telegram recompresses photos as JPEG
	case m.Animation != nil:
		// Telegram sends a GIF as both an animation and a document.
		a := m.Animation
		md.Kind, md.FileID, md.UniqueID, md.Size, md.Name, md.MIME = chat.MediaAnimation, a.FileID, a.FileUniqueID, a.FileSize, a.FileName, a.MimeType
		md.Duration, md.Width, md.Height = a.Duration, a.Width, a.Height
	case m.Document != nil:
		d := m.Document
		md.Kind, md.FileID, md.UniqueID, md.Size, md.Name, md.MIME = chat.MediaDocument, d.FileID, d.FileUniqueID, d.FileSize, d.FileName, d.MimeType
	case m.Voice != nil:
		v := m.Voice
		md.Kind, md.FileID, md.UniqueID, md.Size, md.MIME, md.Duration = chat.MediaVoice, v.FileID, v.FileUniqueID, v.FileSize, v.MimeType, v.Duration
	case m.Audio != nil:
		a := m.Audio
		md.Kind, md.FileID, md.UniqueID, md.Size, md.Name, md.MIME, md.Duration = chat.MediaAudio, a.FileID, a.FileUniqueID, a.FileSize, a.FileName, a.MimeType, a.Duration
	case m.Video != nil:
		v := m.Video
		md.Kind, md.FileID, md.UniqueID, md.Size, md.Name, md.MIME = chat.MediaVideo, v.FileID, v.FileUniqueID, v.FileSize, v.FileName, v.MimeType
		md.Duration, md.Width, md.Height = v.Duration, v.Width, v.Height
	case m.VideoNote != nil:
		v := m.VideoNote
		md.Kind, md.FileID, md.UniqueID, md.Size, md.MIME = chat.MediaVideoNote, v.FileID, v.FileUniqueID, int64(v.FileSize), "video/mp4"
		md.Duration, md.Width, md.Height = v.Duration, v.Length, v.Length
	case m.Sticker != nil:
		s := m.Sticker
		md.Kind, md.FileID, md.UniqueID, md.Size, md.Width, md.Height = chat.MediaSticker, s.FileID, s.FileUniqueID, int64(s.FileSize), s.Width, s.Height
		switch {
		case s.IsAnimated:
			md.MIME = "application/x-tgsticker"
		case s.IsVideo:
			md.MIME = "video/webm"
		default:
			md.MIME = "image/webp"
		}
	case m.Location != nil:
		md.Kind, md.Latitude, md.Longitude = chat.MediaLocation, m.Location.Latitude, m.Location.Longitude
	case m.Contact != nil:
		c := m.Contact
		md.Kind, md.Phone, md.Contact = chat.MediaContact, c.PhoneNumber, strings.TrimSpace(c.FirstName+" "+c.LastName)
	default:
		return nil
	}
	return []chat.Media{md}
}

// captionLimit is Telegram's longest caption, in characters.
const captionLimit = 1024

// caption fits a text into a caption.
func caption(text string) string {
	if r := []rune(text); len(r) > captionLimit {
		return string(r[:captionLimit-1]) + "…"
	}
	return text
}

// place is where a message goes in its chat, shared by every send method.
type place struct {
	chatID   int64
	business string // the business connection the chat is reached through, if any
	thread   int
	reply    *models.ReplyParameters
	markup   models.ReplyMarkup
}

// sendMedia sends the message's media with its text as the caption: by
// file id where they are this bot's, uploaded (streamed from out.Open)
// where they are another bot's or platform's. Several media go as one
// album. A medium carrying a Note (over the size limit) goes as that text.
func (s *Sender) sendMedia(ctx context.Context, out chat.Outgoing, at place) (string, error) {
	var files []chat.Media
	text := out.Text
	for _, m := range out.Media {
		if m.Note != "" {
			text = strings.TrimSpace(text + "\n" + m.Note)
			continue
		}
		files = append(files, m)
	}
	if len(files) == 0 {
		m, err := s.b.SendMessage(ctx, &bot.SendMessageParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Text: text,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
		if err != nil {
			return "", classify(err)
		}
		return strconv.Itoa(m.ID), nil
	}
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	// input is the file to send: a reference, or a stream to upload.
	input := func(m chat.Media) (ref string, r io.Reader, err error) {
		if m.Platform == chat.Telegram && m.Bot == out.Bot && m.FileID != "" {
			return m.FileID, nil, nil
		}
		if out.Open == nil {
			return "", nil, &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("%s of %s/%s: no way to download it", m.Kind, m.Platform, m.Bot)}
		}
		rc, err := out.Open(ctx, m)
		if err != nil {
			return "", nil, mediaError(err)
		}
		closers = append(closers, rc)
		return "", &stream{rc}, nil
	}
	if len(files) > 1 && groupable(files) {
		return s.sendAlbum(ctx, files, text, at, input)
	}
	// Not one album (mixed kinds, locations): one by one, the caption on
	// the first. The message's id is the first's.
	first := ""
	for i, m := range files {
		c := ""
		if i == 0 {
			c = caption(text)
		}
		id, err := s.sendOne(ctx, m, c, at, input)
		if err != nil {
			return "", err
		}
		if i == 0 {
			first = id
		}
	}
	if !captioned(files[0].Kind) && strings.TrimSpace(text) != "" {
		// Video notes, stickers, locations and contacts carry no
		// caption: the text follows them. (Should this second call fail,
		// the retry sends the media again: a rare duplicate, never a loss.)
		if _, err := s.b.SendMessage(ctx, &bot.SendMessageParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Text: text}); err != nil {
			return "", classify(err)
		}
	}
	return first, nil
}

// stream hands go-telegram/bot a reader it can check for nil: it calls
// reflect's IsNil on the reader, which panics on a reader that is not a
// pointer (io.NopCloser's, say).
type stream struct{ io.Reader }

// captioned reports whether Telegram shows a caption under media of the kind.
func captioned(k chat.MediaKind) bool {
	switch k {
	case chat.MediaVideoNote, chat.MediaSticker, chat.MediaLocation, chat.MediaContact:
		return false
	}
	return true
}

// groupable reports whether media can go as one sendMediaGroup: photos and
// videos together, or documents alone, or audio alone.
func groupable(ms []chat.Media) bool {
	class := func(k chat.MediaKind) string {
		switch k {
		case chat.MediaPhoto, chat.MediaVideo:
			return "visual"
		case chat.MediaDocument, chat.MediaAudio:
			return string(k)
		}
		return ""
	}
	c := class(ms[0].Kind)
	for _, m := range ms {
		if class(m.Kind) == "" || class(m.Kind) != c {
			return false
		}
	}
	return true
}

// albumLimit is the most media one sendMediaGroup takes.
const albumLimit = 10

// sendAlbum sends media as one album (in tens), the caption on the first.
func (s *Sender) sendAlbum(ctx context.Context, files []chat.Media, text string, at place,
	input func(chat.Media) (string, io.Reader, error)) (string, error) {
	first := ""
	for start := 0; start < len(files); start += albumLimit {
		var group []models.InputMedia
		for i, m := range files[start:min(start+albumLimit, len(files))] {
			ref, r, err := input(m)
			if err != nil {
				return "", err
			}
			if r != nil {
				ref = "attach://file" + strconv.Itoa(start+i)
			}
			c := ""
			if start+i == 0 {
				c = caption(text)
			}
			switch m.Kind {
			case chat.MediaPhoto:
				group = append(group, &models.InputMediaPhoto{Media: ref, MediaAttachment: r, Caption: c})
			case chat.MediaVideo:
				group = append(group, &models.InputMediaVideo{Media: ref, MediaAttachment: r, Caption: c})
			case chat.MediaAudio:
				group = append(group, &models.InputMediaAudio{Media: ref, MediaAttachment: r, Caption: c})
			default:
				group = append(group, &models.InputMediaDocument{Media: ref, MediaAttachment: r, Caption: c})
			}
		}
		if len(group) == 1 {
			// Telegram wants two to ten: a last single one goes alone.
			id, err := s.sendOne(ctx, files[start], "", at, input)
			if err != nil {
				return "", err
			}
			first = cmp.Or(first, id)
			continue
		}
		msgs, err := s.b.SendMediaGroup(ctx, &bot.SendMediaGroupParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Media: group,
			ReplyParameters: at.reply})
		if err != nil {
			return "", classify(err)
		}
		if len(msgs) > 0 {
			first = cmp.Or(first, strconv.Itoa(msgs[0].ID))
		}
	}
	return first, nil
}

// sendOne sends one medium with the method for its kind.
func (s *Sender) sendOne(ctx context.Context, m chat.Media, c string, at place, input func(chat.Media) (string, io.Reader, error)) (string, error) {
	var file models.InputFile
	if m.Kind.HasFile() {
		ref, r, err := input(m)
		if err != nil {
			return "", err
		}
		file = &models.InputFileString{Data: ref}
		if r != nil {
			file = &models.InputFileUpload{Filename: m.FileName(), Data: r}
		}
	}
	var sent *models.Message
	var err error
	switch m.Kind {
	case chat.MediaPhoto:
		sent, err = s.b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Photo: file, Caption: c,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaVoice:
		sent, err = s.b.SendVoice(ctx, &bot.SendVoiceParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Voice: file, Caption: c,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaAudio:
		sent, err = s.b.SendAudio(ctx, &bot.SendAudioParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Audio: file, Caption: c,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaVideo:
		sent, err = s.b.SendVideo(ctx, &bot.SendVideoParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Video: file, Caption: c,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaVideoNote:
		sent, err = s.b.SendVideoNote(ctx, &bot.SendVideoNoteParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, VideoNote: file,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaAnimation:
		sent, err = s.b.SendAnimation(ctx, &bot.SendAnimationParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Animation: file, Caption: c,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaSticker:
		if m.Platform != chat.Telegram {
			// Another platform's sticker is an image here.
			sent, err = s.b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Photo: file,
				ReplyParameters: at.reply, ReplyMarkup: at.markup})
			break
		}
		sent, err = s.b.SendSticker(ctx, &bot.SendStickerParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Sticker: file,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaLocation:
		sent, err = s.b.SendLocation(ctx, &bot.SendLocationParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread,
			Latitude: m.Latitude, Longitude: m.Longitude, ReplyParameters: at.reply, ReplyMarkup: at.markup})
	case chat.MediaContact:
		first, last, _ := strings.Cut(m.Contact, " ")
		sent, err = s.b.SendContact(ctx, &bot.SendContactParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread,
			PhoneNumber: m.Phone, FirstName: cmp.Or(first, "Contact"), LastName: last, ReplyParameters: at.reply, ReplyMarkup: at.markup})
	default:
		sent, err = s.b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: at.chatID, BusinessConnectionID: at.business, MessageThreadID: at.thread, Document: file, Caption: c,
			ReplyParameters: at.reply, ReplyMarkup: at.markup})
	}
	if err != nil {
		return "", mediaError(err)
	}
	return strconv.Itoa(sent.ID), nil
}

// mediaError classifies a failed media send: a file over the limit is
// final (the caller sends a note instead); a failed download is like a
// failed call.
func mediaError(err error) error {
	var se *chat.SendError
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, chat.ErrMediaTooLarge):
		return &chat.SendError{Kind: chat.SendPermanent, Err: err}
	}
	return classify(err)
}

// Fetcher downloads files this bot received, for sending them on through
// another bot or platform.
type Fetcher struct {
	b      *bot.Bot
	client *http.Client
}

// NewFetcher downloads through b's API; client bounds each download
// (its Timeout), on top of the caller's context.
func NewFetcher(b *bot.Bot, client *http.Client) *Fetcher { return &Fetcher{b: b, client: client} }

// Fetch opens a file by its file id: getFile, then the file's download
// link. The body is streamed; the caller limits and closes it.
func (f *Fetcher) Fetch(ctx context.Context, m chat.Media) (io.ReadCloser, error) {
	file, err := f.b.GetFile(ctx, &bot.GetFileParams{FileID: m.FileID})
	if err != nil {
		return nil, fmt.Errorf("getFile: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.b.FileDownloadLink(file), nil)
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		// The error names the link, which holds the bot's token.
		return nil, fmt.Errorf("download %s: %w", m.Label(), errors.Unwrap(err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("download %s: status %d", m.Label(), resp.StatusCode)
	}
	return resp.Body, nil
}
