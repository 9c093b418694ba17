package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// MediaConfig bounds media sent on from one platform or bot to another,
// which must be downloaded and uploaded again.
type MediaConfig struct {
	// MaxBytes is the largest file sent on (default chat.DefaultMediaMaxBytes,
	// Telegram's bot download limit); a larger one becomes a note with its
	// name, type and size.
	MaxBytes int64
	// Timeout bounds a send that uploads files, download included
	// (default 2 minutes, at most 3/4 of the lease).
	Timeout time.Duration
	// AlbumWait holds an album's parts, which arrive as separate
	// messages, so they are sent on as one album (default 1s).
	AlbumWait time.Duration
	// Fetchers download the files each platform bot received, by
	// SenderKey; a bot without one cannot have its files sent elsewhere.
	Fetchers map[string]MediaFetcher
}

// MediaFetcher opens the bytes of a file its bot received.
type MediaFetcher interface {
	Fetch(ctx context.Context, m chat.Media) (io.ReadCloser, error)
}

func (c *MediaConfig) setDefaults() {
	if c.MaxBytes <= 0 {
		c.MaxBytes = chat.DefaultMediaMaxBytes
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.AlbumWait <= 0 {
		c.AlbumWait = time.Second
	}
}

// albumHold is until when a message with media waits for the rest of its
// album; zero for one not part of an album.
func (p *Pipeline) albumHold(media []chat.Media, now time.Time) time.Time {
	if chat.AlbumOf(media) == "" {
		return time.Time{}
	}
	return now.Add(p.cfg.Media.AlbumWait)
}

// customerLine is what a customer's message says in a team chat: its text,
// and its media described where it has no text of its own.
func customerLine(ev chat.Event) string { return mediaLine(ev.Text, ev.Media) }

// mediaLine is a message's text, or its media described when it has none.
func mediaLine(text string, media []chat.Media) string {
	if len(media) == 0 || strings.TrimSpace(text) != "" {
		return text
	}
	parts := make([]string, len(media))
	for i, m := range media {
		parts[i] = m.Describe()
	}
	return strings.Join(parts, " ")
}

// mediaNotice is a customer's media for the team chat, with their caption,
// in the customer's topic: what n says, as the media themselves.
func (p *Pipeline) mediaNotice(n chat.Notice, ev chat.Event, now time.Time) chat.Notice {
	n.Text = strings.TrimSpace(agentFacingName(ev.Customer) + ": " + ev.Text)
	n.Media, n.After, n.Buttons = ev.Media, p.albumHold(ev.Media, now), nil
	return n
}

// withMedia carries a customer's media with the notices that relay their
// message to the team chat (the team's chat; webhooks get the text).
func (p *Pipeline) withMedia(notices []chat.Notice, ev chat.Event, now time.Time) []chat.Notice {
	if len(ev.Media) == 0 || len(notices) == 0 {
		return notices
	}
	notices[0] = p.mediaNotice(notices[0], ev, now)
	return notices
}

// prepareMedia readies a claimed message's media for its sender: a file of
// another platform or bot is streamed from its own bot's fetcher, within
// the size limit; one over the limit, or with no fetcher, becomes a note.
func (p *Pipeline) prepareMedia(m *chat.Outgoing) {
	foreign := false
	for i, md := range m.Media {
		if md.Native(m.Platform, m.Bot) || md.Note != "" {
			continue
		}
		switch _, ok := p.cfg.Media.Fetchers[SenderKey(md.Platform, md.Bot)]; {
		case !ok:
			m.Media[i].Note = fmt.Sprintf("📎 %s: could not be forwarded from %s.", md.Describe(), md.Platform)
		case md.Size > p.cfg.Media.MaxBytes:
			m.Media[i].Note = p.tooLargeNote(md)
		default:
			foreign = true
		}
	}
	if foreign {
		m.Open = p.openMedia
	}
}

// tooLargeNote tells the reader a file was not sent on, and what it was.
func (p *Pipeline) tooLargeNote(md chat.Media) string {
	name := md.Name
	if name == "" {
		name = "(no name)"
	}
	mime := md.MIME
	if mime == "" {
		mime = "unknown type"
	}
	size := "size unknown"
	if md.Size > 0 {
		size = chat.HumanSize(md.Size)
	}
	return fmt.Sprintf("📎 %s %s (%s, %s) is over the %s limit for forwarding files; ask for it another way.",
		md.Kind, name, mime, size, chat.HumanSize(p.cfg.Media.MaxBytes))
}

// noteForeign replaces every file that had to be uploaded with its note:
// what is left when a download ran past the limit.
func (p *Pipeline) noteForeign(m *chat.Outgoing) {
	for i, md := range m.Media {
		if !md.Native(m.Platform, m.Bot) && md.Note == "" {
			m.Media[i].Note = p.tooLargeNote(md)
		}
	}
	m.Open = nil
}

// openMedia streams a file from the bot that received it, failing with
// chat.ErrMediaTooLarge past MaxBytes whatever the platform said its size was.
func (p *Pipeline) openMedia(ctx context.Context, md chat.Media) (io.ReadCloser, error) {
	f, ok := p.cfg.Media.Fetchers[SenderKey(md.Platform, md.Bot)]
	if !ok {
		return nil, &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("no fetcher for %s/%s", md.Platform, md.Bot)}
	}
	rc, err := f.Fetch(ctx, md)
	if err != nil {
		return nil, &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("download %s: %w", md.Kind, err)}
	}
	return &limitedReader{rc: rc, left: p.cfg.Media.MaxBytes}, nil
}

// limitedReader fails once more than its limit was read, rather than
// truncating the file silently.
type limitedReader struct {
	rc   io.ReadCloser
	left int64
}

func (l *limitedReader) Read(b []byte) (int, error) {
	if l.left < 0 {
		return 0, chat.ErrMediaTooLarge
	}
	if int64(len(b)) > l.left+1 {
		b = b[:l.left+1]
	}
	n, err := l.rc.Read(b)
	l.left -= int64(n)
	if l.left < 0 {
		return n, chat.ErrMediaTooLarge
	}
	return n, err
}

func (l *limitedReader) Close() error { return l.rc.Close() }

// uploads reports whether a message's send uploads files: it gets the
// media timeout.
func uploads(m chat.Outgoing) bool { return m.Open != nil }

// gatherAlbum takes into m the parts of its album queued behind it, so
// they go as one; it returns them, to be recorded with m.
func (p *Pipeline) gatherAlbum(m *chat.Outgoing) []chat.Outgoing {
	if m.AlbumKey == "" {
		return nil
	}
	parts, err := p.store.ClaimAlbum(p.workCtx, *m, p.owner, p.now(), p.now().Add(p.cfg.Lease), albumMax-len(m.Media))
	if err != nil {
		p.log.Warn("sender: album parts not claimed; they follow one by one", "outbox", m.ID, "err", err)
		return nil
	}
	texts := []string{m.Text}
	for _, part := range parts {
		m.Media = append(m.Media, part.Media...)
		texts = append(texts, part.Text)
	}
	m.Text = albumCaption(texts)
	return parts
}

// albumMax is the most media gathered into one album.
const albumMax = 10

// albumCaption is one caption for an album's parts: each part's text once,
// leaving out those another says more than ("Ann:" beside "Ann: both sides").
func albumCaption(texts []string) string {
	var keep []string
	for i, t := range texts {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		covered := false
		for j, o := range texts {
			o = strings.TrimSpace(o)
			if j != i && strings.HasPrefix(o, t) && (len(o) > len(t) || j < i) {
				covered = true
				break
			}
		}
		if !covered {
			keep = append(keep, t)
		}
	}
	return strings.Join(keep, "\n")
}

// errTooLarge reports whether a send failed because a download ran past
// the size limit.
func errTooLarge(err error) bool { return errors.Is(err, chat.ErrMediaTooLarge) }
