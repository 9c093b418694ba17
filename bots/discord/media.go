package discord

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

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
