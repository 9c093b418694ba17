package discord_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord"
	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestRepeatedSendsAreDeduplicated: sending the same outbox message again
// (a retry after a send went unanswered or failed halfway) creates no
// second copy of any part, through discordgo against the fake that
// enforces nonces as Discord does; another message with the same text is
// still sent.
func TestRepeatedSendsAreDeduplicated(t *testing.T) {
	const channel = "1200000000000000001"
	long := strings.TrimSpace(strings.Repeat("word ", 500)) // two parts of at most 2,000 characters
	parts := discord.Split(long, discord.MaxMessageLen)
	if len(parts) != 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for _, tc := range []struct {
		name     string
		first    chat.Outgoing
		again    chat.Outgoing
		messages int
	}{
		{"same message", chat.Outgoing{ID: 7, Text: long}, chat.Outgoing{ID: 7, Text: long}, 2},
		// The first part went out, the second failed: sent the same way as
		// the first part of the whole.
		{"after the first part only", chat.Outgoing{ID: 7, Text: parts[0]}, chat.Outgoing{ID: 7, Text: long}, 2},
		{"another message, same text", chat.Outgoing{ID: 7, Text: long}, chat.Outgoing{ID: 8, Text: long}, 4},
		{"same id, other text", chat.Outgoing{ID: 7, Text: "hello"}, chat.Outgoing{ID: 7, Text: "bye"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, s := newFakeSender(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, out := range []*chat.Outgoing{&tc.first, &tc.again} {
				out.Platform, out.ChatID = chat.Discord, channel
				if !s.Deduplicates(*out) {
					t.Fatalf("a channel message is not deduplicated")
				}
			}
			if _, err := s.Send(ctx, tc.first); err != nil {
				t.Fatalf("first send: %v", err)
			}
			if _, err := s.Send(ctx, tc.again); err != nil {
				t.Fatalf("second send: %v", err)
			}
			if n := len(fake.Sent()); n != tc.messages {
				t.Errorf("%d messages created, want %d", n, tc.messages)
			}
		})
	}
}

// TestInteractionFollowUpsAreNotDeduplicated: Discord's follow-up
// messages take no nonce, so the pipeline must not repeat them freely.
func TestInteractionFollowUpsAreNotDeduplicated(t *testing.T) {
	s := discord.NewSender(nil, nil)
	if s.Deduplicates(chat.Outgoing{CallbackID: "app:token", Text: "done"}) {
		t.Fatal("an interaction answer claims to be deduplicated")
	}
}
