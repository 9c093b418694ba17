package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

type stringFetcher string

func (f stringFetcher) Fetch(context.Context, chat.Media) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(string(f))), nil
}

// TestPrepareMedia: media of the sending bot go by reference; another
// bot's or platform's are streamed from their fetcher within the limit;
// past it, or with no fetcher, they become a note naming the file.
func TestPrepareMedia(t *testing.T) {
	p := New(Config{Media: MediaConfig{MaxBytes: 1000, Fetchers: map[string]MediaFetcher{
		SenderKey(chat.Discord, "community"): stringFetcher("bytes")}}}, nil, fixedDecider(nil), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	own := chat.Media{Kind: chat.MediaPhoto, Platform: chat.Telegram, Bot: "shop", FileID: "A"}
	small := chat.Media{Kind: chat.MediaDocument, Platform: chat.Discord, Bot: "community", Name: "a.pdf", MIME: "application/pdf", Size: 999}
	large := chat.Media{Kind: chat.MediaDocument, Platform: chat.Discord, Bot: "community", Name: "big.zip", MIME: "application/zip", Size: 5000}
	orphan := chat.Media{Kind: chat.MediaPhoto, Platform: chat.Telegram, Bot: "other", FileID: "B"}
	where := chat.Media{Kind: chat.MediaLocation, Platform: chat.Discord, Latitude: 1, Longitude: 2}
	tests := []struct {
		name   string
		media  chat.Media
		upload bool
		note   string
	}{
		{"the bot's own file", own, false, ""},
		{"a location needs no file", where, false, ""},
		{"another platform's, within the limit", small, true, ""},
		{"over the limit", large, false, "big.zip (application/zip, 4.9 KB) is over the 1000 B limit"},
		{"a bot with no fetcher", orphan, false, "could not be forwarded from telegram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := chat.Outgoing{Platform: chat.Telegram, Bot: "shop", Media: []chat.Media{tt.media}}
			p.prepareMedia(&m)
			if (m.Open != nil) != tt.upload {
				t.Errorf("upload %v, want %v", m.Open != nil, tt.upload)
			}
			if got := m.Media[0].Note; !strings.Contains(got, tt.note) || (tt.note == "") != (got == "") {
				t.Errorf("note %q, want it to say %q", got, tt.note)
			}
		})
	}
}

// TestDownloadPastTheLimitFails: a file whose size the platform did not
// say fails once more than the limit was read, rather than arriving cut.
func TestDownloadPastTheLimitFails(t *testing.T) {
	for _, tt := range []struct {
		content string
		tooBig  bool
	}{{"12345", false}, {"123456", true}, {strings.Repeat("x", 100000), true}} {
		p := New(Config{Media: MediaConfig{MaxBytes: 5, Fetchers: map[string]MediaFetcher{
			SenderKey(chat.Discord, "c"): stringFetcher(tt.content)}}}, nil, fixedDecider(nil), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		rc, err := p.openMedia(context.Background(), chat.Media{Kind: chat.MediaDocument, Platform: chat.Discord, Bot: "c"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if errors.Is(err, chat.ErrMediaTooLarge) != tt.tooBig || !tt.tooBig && string(got) != tt.content {
			t.Errorf("%d bytes: read %d, err %v; want too large %v", len(tt.content), len(got), err, tt.tooBig)
		}
	}
}

func TestAlbumCaption(t *testing.T) {
	tests := []struct {
		texts []string
		want  string
	}{
		{[]string{"Ann:", "Ann: front and back", "Ann:"}, "Ann: front and back"},
		{[]string{"Ann:", "Ann:"}, "Ann:"},
		{[]string{"", "look", ""}, "look"},
		{[]string{"one", "two"}, "one\ntwo"},
	}
	for _, tt := range tests {
		if got := albumCaption(tt.texts); got != tt.want {
			t.Errorf("albumCaption(%q) = %q, want %q", tt.texts, got, tt.want)
		}
	}
}

// TestCustomerMediaGoToTheTeamAsMedia: while people own the conversation,
// the customer's media ride on the notice to the team chat (not the
// webhook), an album's part held back for the rest.
func TestCustomerMediaGoToTheTeamAsMedia(t *testing.T) {
	p := New(Config{Teams: []Team{{Name: "support", Platform: chat.Telegram, Bot: "shop", ChatID: "-100", Webhook: true}}}, nil, fixedDecider(nil), nil, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	photo := chat.Media{Kind: chat.MediaPhoto, Platform: chat.Telegram, Bot: "shop", FileID: "A", Album: "9"}
	ev := chat.Event{Platform: chat.Telegram, Bot: "shop", ChatID: "5", ChatType: chat.ChatPrivate, Kind: chat.KindPhoto, Text: "front",
		Customer: chat.Customer{ID: "5", Name: "Ann"}, Media: []chat.Media{photo}}
	st := chat.State{Conversation: chat.Conversation{Status: chat.StatusWaitingForHuman,
		Handoff: &chat.OpenHandoff{ID: 1, Team: "support", State: chat.HandoffClaimed}}}
	plan := p.plan(ev, st, now)
	if len(plan.Notices) != 2 {
		t.Fatalf("notices %+v", plan.Notices)
	}
	team, hook := plan.Notices[0], plan.Notices[1]
	if team.Text != "Ann: front" || len(team.Media) != 1 || team.Media[0].FileID != "A" || !team.After.Equal(now.Add(time.Second)) {
		t.Errorf("team notice %+v", team)
	}
	if hook.Platform != chat.Webhook || len(hook.Media) != 0 {
		t.Errorf("webhook notice %+v", hook)
	}
}
