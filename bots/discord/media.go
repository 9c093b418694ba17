package discord

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// mediaOf describes a message's attachments and stickers, so they can be
// sent on as themselves: the attachment's URL is Discord's reference to it.
func mediaOf(bot string, m *discordgo.Message) []chat.Media {
	var out []chat.Media
	for _, a := range m.Attachments {
		if a == nil || a.URL == "" {
			continue
		}
		md := chat.Media{Kind: attachmentKind(a), Platform: chat.Discord, Bot: bot, FileID: a.ID, URL: a.URL, Name: a.Filename,
			MIME: a.ContentType, Size: int64(a.Size), Width: a.Width, Height: a.Height, Duration: int(a.DurationSecs + 0.5)}
		out = append(out, md)
	}
	for _, s := range m.StickerItems {
		if s == nil || s.ID == "" {
			continue
		}
		ext, mime := "png", "image/png"
		switch s.FormatType {
		case discordgo.StickerFormatTypeLottie:
			ext, mime = "json", "application/json"
		case discordgo.StickerFormatTypeGIF:
			ext, mime = "gif", "image/gif"
		}
		out = append(out, chat.Media{Kind: chat.MediaSticker, Platform: chat.Discord, Bot: bot, FileID: s.ID, Name: s.Name + "." + ext, MIME: mime,
			URL: "https://media.discordapp.net/stickers/" + s.ID + "." + ext})
	}
	return out
}

// attachmentKind is what an attachment is, by its content type; voice
// messages are flagged as such.
func attachmentKind(a *discordgo.MessageAttachment) chat.MediaKind {
	switch {
	case a.Waveform != "":
		return chat.MediaVoice
	case a.ContentType == "image/gif":
		return chat.MediaAnimation
	case strings.HasPrefix(a.ContentType, "image/"):
		return chat.MediaPhoto
	case strings.HasPrefix(a.ContentType, "video/"):
		return chat.MediaVideo
	case strings.HasPrefix(a.ContentType, "audio/"):
		return chat.MediaAudio
	}
	return chat.MediaDocument
}

// Fetcher downloads attachments, for sending them on through another
// platform or bot.
type Fetcher struct {
	client *http.Client
}

// NewFetcher downloads with client, whose Timeout bounds each download on
// top of the caller's context.
func NewFetcher(client *http.Client) *Fetcher { return &Fetcher{client: client} }

// Fetch opens an attachment by its URL; the caller limits and closes the
// stream.
func (f *Fetcher) Fetch(ctx context.Context, m chat.Media) (io.ReadCloser, error) {
	if m.URL == "" {
		return nil, fmt.Errorf("download %s: no url", m.Label())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", m.Label(), err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", m.Label(), err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("download %s: status %d", m.Label(), resp.StatusCode)
	}
	return resp.Body, nil
}

// sendMedia posts a message with media: Discord's own attachments by
// their URL (Discord shows them), locations and contacts as text, and
// another platform's or bot's files uploaded, streamed from out.Open into
// the request (no file is held in memory whole).
func (s *Sender) sendMedia(ctx context.Context, out chat.Outgoing, channel string) (string, error) {
	lines := []string{out.Text}
	var uploads []chat.Media
	for _, m := range out.Media {
		switch {
		case m.Note != "":
			lines = append(lines, m.Note)
		case m.Kind == chat.MediaLocation:
			lines = append(lines, fmt.Sprintf("📍 https://maps.google.com/?q=%.6f,%.6f", m.Latitude, m.Longitude))
		case m.Kind == chat.MediaContact:
			lines = append(lines, "👤 "+strings.TrimSpace(m.Contact+" "+m.Phone))
		case m.Platform == chat.Discord && m.Bot == out.Bot && m.URL != "":
			lines = append(lines, m.URL)
		default:
			uploads = append(uploads, m)
		}
	}
	content := strings.TrimSpace(strings.Join(lines, "\n"))
	if r := []rune(content); len(r) > MaxMessageLen {
		content = string(r[:MaxMessageLen-1]) + "…"
	}
	msg := &discordgo.MessageSend{Content: content, AllowedMentions: noMentions}
	if out.ReplyTo != "" {
		msg.Reference = &discordgo.MessageReference{MessageID: out.ReplyTo, ChannelID: channel, FailIfNotExists: new(false)}
	}
	msg.Components = components(out.Buttons)
	if len(uploads) == 0 {
		m, err := s.create(channel, msg, nonce(out, channel, 0, content), discordgo.WithContext(ctx))
		if err != nil {
			return "", classify(err, out)
		}
		return m.ID, nil
	}
	if out.Open == nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: errors.New("media of another platform and no way to download it")}
	}
	return s.upload(ctx, out, channel, msg, uploads)
}

// upload posts msg with files as multipart/form-data, the files streamed
// through a pipe from their downloads.
func (s *Sender) upload(ctx context.Context, out chat.Outgoing, channel string, msg *discordgo.MessageSend, files []chat.Media) (string, error) {
	payload, err := json.Marshal(struct {
		*discordgo.MessageSend
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
	}{msg, nonce(out, channel, 0, msg.Content), true})
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: err}
	}
	pr, pw := io.Pipe()
	form := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeForm(ctx, form, payload, files, out.Open))
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, discordgo.EndpointChannelMessages(channel), pr)
	if err != nil {
		pr.Close()
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: err}
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	req.Header.Set("Authorization", s.s.Token)
	req.Header.Set("User-Agent", s.s.UserAgent)
	// The session's client bounds a call at 30s; an upload is bounded by
	// ctx (the media timeout) instead.
	client := &http.Client{Transport: s.s.Client.Transport}
	resp, err := client.Do(req)
	pr.Close()
	if err != nil {
		if errors.Is(err, chat.ErrMediaTooLarge) {
			return "", &chat.SendError{Kind: chat.SendPermanent, Err: chat.ErrMediaTooLarge}
		}
		return "", &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("discord upload: %w", err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("discord upload: %w", err)}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		var rl struct {
			RetryAfter float64 `json:"retry_after"`
		}
		_ = json.Unmarshal(body, &rl)
		return "", &chat.SendError{Kind: chat.SendRateLimited, RetryAfter: max(time.Duration(rl.RetryAfter*float64(time.Second)), 100*time.Millisecond),
			Err: fmt.Errorf("discord upload: status %d", resp.StatusCode)}
	case resp.StatusCode >= 500:
		return "", &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("discord upload: status %d", resp.StatusCode)}
	case resp.StatusCode >= 300:
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("discord upload: status %d: %s", resp.StatusCode, body)}
	}
	var m discordgo.Message
	if err := json.Unmarshal(body, &m); err != nil {
		return "", &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("discord upload: %w", err)}
	}
	return m.ID, nil
}

// writeForm writes the payload and each file, opened and copied one at a time.
func writeForm(ctx context.Context, form *multipart.Writer, payload []byte, files []chat.Media, open chat.MediaOpener) error {
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="payload_json"`)
	h.Set("Content-Type", "application/json")
	w, err := form.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := w.Write(payload); err != nil {
		return err
	}
	for i, m := range files {
		rc, err := open(ctx, m)
		if err != nil {
			return err
		}
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files[%d]"; filename=%q`, i, m.FileName()))
		h.Set("Content-Type", cmp.Or(m.MIME, "application/octet-stream"))
		w, err := form.CreatePart(h)
		if err == nil {
			_, err = io.Copy(w, rc)
		}
		rc.Close()
		if err != nil {
			return err
		}
	}
	return form.Close()
}
