package chat

import (
	"errors"
	"fmt"
	"strings"
)

// MediaKind says what a piece of media is, as the platforms send it.
type MediaKind string

const (
	MediaPhoto     MediaKind = "photo"
	MediaDocument  MediaKind = "document" // any file, screenshots sent uncompressed included
	MediaVoice     MediaKind = "voice"
	MediaAudio     MediaKind = "audio"
	MediaVideo     MediaKind = "video"
	MediaVideoNote MediaKind = "video_note" // Telegram's round videos
	MediaAnimation MediaKind = "animation"  // GIFs
	MediaSticker   MediaKind = "sticker"
	MediaLocation  MediaKind = "location"
	MediaContact   MediaKind = "contact"
)

// HasFile reports whether media of the kind is a file to download and
// upload again across platforms; locations and contacts are values.
func (k MediaKind) HasFile() bool { return k != MediaLocation && k != MediaContact }

// Media is one photo, file, voice note, location… of a message, with what
// a later step needs to send it on: the platform's own reference to the
// file (FileID on Telegram, URL on Discord), valid only for the platform
// and bot named, and what it is. An event or an outgoing message has one
// per file (an album or a Discord message with several attachments has
// several).
type Media struct {
	Kind MediaKind `json:"kind"`
	// Platform and Bot name whose FileID it is: Telegram's file ids are
	// per bot, so another bot (or platform) downloads and uploads again.
	Platform Platform `json:"platform,omitempty"`
	Bot      string   `json:"bot,omitempty"`
	FileID   string   `json:"file_id,omitempty"`
	UniqueID string   `json:"unique_id,omitempty"` // the same file seen through any bot (Telegram file_unique_id)
	URL      string   `json:"url,omitempty"`       // where to download it (Discord attachments)
	MIME     string   `json:"mime,omitempty"`
	Size     int64    `json:"size,omitempty"` // bytes; 0 when the platform does not say
	Name     string   `json:"name,omitempty"` // the file's name, where it has one
	Duration int      `json:"duration,omitempty"`
	Width    int      `json:"width,omitempty"`
	Height   int      `json:"height,omitempty"`
	// Album groups media sent as one album (Telegram media_group_id):
	// they arrive as separate messages and are sent on as one.
	Album string `json:"album,omitempty"`
	// Latitude and Longitude of a location; Phone and Contact of a contact.
	Latitude  float64 `json:"latitude,omitempty"`
	Longitude float64 `json:"longitude,omitempty"`
	Phone     string  `json:"phone,omitempty"`
	Contact   string  `json:"contact,omitempty"`
	// Note, when set, replaces the media with a text when it is sent: it
	// could not be sent on (over the size limit). It is what a person reads.
	Note string `json:"note,omitempty"`
}

// Native reports whether the media can be sent by reference through the
// given platform and bot, with no download: it is theirs, or it needs no
// file at all.
func (m Media) Native(p Platform, bot string) bool {
	return !m.Kind.HasFile() || m.Platform == p && m.Bot == bot
}

// Label names the media for people and logs: its file name, or its kind.
func (m Media) Label() string {
	if m.Name != "" {
		return m.Name
	}
	return string(m.Kind)
}

// FileName is the name the file is uploaded under: its own, or its kind
// with an extension from its type ("photo.jpeg").
func (m Media) FileName() string {
	if m.Name != "" {
		return m.Name
	}
	if _, sub, ok := strings.Cut(m.MIME, "/"); ok && sub != "" {
		return string(m.Kind) + "." + strings.TrimPrefix(sub, "x-")
	}
	return string(m.Kind)
}

// Describe is the media in one line, for a history or a note: kind, name,
// type and size where known.
func (m Media) Describe() string {
	parts := []string{string(m.Kind)}
	if m.Name != "" {
		parts = append(parts, m.Name)
	}
	if m.MIME != "" {
		parts = append(parts, m.MIME)
	}
	if m.Size > 0 {
		parts = append(parts, HumanSize(m.Size))
	}
	switch m.Kind {
	case MediaLocation:
		parts = append(parts, fmt.Sprintf("%.5f,%.5f", m.Latitude, m.Longitude))
	case MediaContact:
		parts = append(parts, strings.TrimSpace(m.Contact+" "+m.Phone))
	}
	return "[" + strings.Join(parts, " · ") + "]"
}

// HumanSize writes a byte count as people read it: 512 B, 1.5 KB, 20.0 MB.
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTPE"[exp])
}

// AlbumOf is the album a list of media belongs to, "" when none.
func AlbumOf(media []Media) string {
	for _, m := range media {
		if m.Album != "" {
			return m.Album
		}
	}
	return ""
}

// ErrMediaTooLarge marks a download that went past the size limit
// although the platform had not said the file was that large.
var ErrMediaTooLarge = errors.New("media over the size limit")

// DefaultMediaMaxBytes is the largest file sent on across platforms or
// bots: Telegram's limit for a bot's downloads.
const DefaultMediaMaxBytes = 20 << 20
