package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
	"github.com/frontdesk-bot/frontdesk/internal/store"
	"github.com/frontdesk-bot/frontdesk/internal/store/storetest"
)

// slowSendTimeout and slowLease are the timeouts of the slow-platform
// tests: a send that went unanswered once waits for its answer 3/4 of the
// lease the next times, 2.25 s (less than three times send_timeout).
const (
	slowSendTimeout = time.Second
	slowLease       = 3 * time.Second
	slowAttempts    = 3
)

// TestSlowTelegramSendIsRetriedWithMorePatience: the Bot API delivers a reply at
// once but answers only after longer than send_timeout. Telegram has no
// idempotency key, so a send cut short may have arrived; it is retried,
// and the retries wait longer for the answer: a Bot API slow by up to
// that longer wait gets two copies, never more. One slower still gets a
// copy per attempt, up to send_attempts (the window the README states);
// nothing is lost either way. On both databases, as the mark that a send
// went unanswered is kept in the outbox row.
func TestSlowTelegramSendIsRetriedWithMorePatience(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				late   time.Duration // how long the Bot API takes to answer
				copies int
				failed bool // given up after send_attempts
			}{
				{"answered in time", slowSendTimeout / 2, 1, false},
				{"answered after twice send_timeout", 2 * slowSendTimeout, 2, false},
				{"answered after the longer wait", 3 * slowSendTimeout, slowAttempts, true},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel() // each mostly waits out timeouts
					fake := telegramtest.New()
					t.Cleanup(fake.Close)
					fake.SetFailure("sendMessage", &telegramtest.Failure{Late: tc.late})
					cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
					if db == "postgres" {
						cfg.Database = storetest.PostgresDSN(t)
					}
					cfg.Guard.Debounce = config.Duration(time.Millisecond)
					cfg.Pipeline.SendTimeout = config.Duration(slowSendTimeout)
					cfg.Pipeline.Lease = config.Duration(slowLease)
					cfg.Pipeline.SendAttempts = slowAttempts
					h := start(t, cfg, fake)

					h.retryUntilAccepted(update(1, 101, "en", "where is my order"))
					if _, err := fake.WaitSent(1, 10*time.Second); err != nil {
						t.Fatal(err)
					}
					failed := settled(t, h.app.store)
					// Past another lease: nothing more goes out.
					time.Sleep(slowLease)
					if n := len(fake.Sent()); n != tc.copies {
						t.Errorf("the reply went out %d times, want %d", n, tc.copies)
					}
					if got := len(failed) == 1; got != tc.failed {
						t.Fatalf("given up: %+v, want given up %v", failed, tc.failed)
					}
					if tc.failed && !strings.Contains(failed[0].LastError, "unanswered send") {
						t.Errorf("given up with %q, want the reason unanswered send", failed[0].LastError)
					}
				})
			}
		})
	}
}

// settled waits until the outbox has nothing pending and returns the
// messages given up.
func settled(t *testing.T, s *store.Store) []store.OutboxEntry {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		pending, err := s.OutboxEntries(ctx, store.OutboxPending, 10)
		var failed []store.OutboxEntry
		if err == nil {
			failed, err = s.DeadLetters(ctx, 10)
		}
		cancel()
		switch {
		case err != nil:
			t.Fatal(err)
		case len(pending) == 0:
			return failed
		case time.Now().After(deadline):
			t.Fatalf("still pending after 20s: %+v", pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSlowDiscordSendsAReplyOnce: Discord creates a reply at once but
// answers only after longer than send_timeout and even the longer wait
// of a retry, once or twice. Each retry
// carries the same enforced nonce, so Discord answers it with the message
// created first: the customer sees the reply once, and it is recorded as
// sent.
func TestSlowDiscordSendsAReplyOnce(t *testing.T) {
	const route = "POST /channels/900/messages"
	for _, unanswered := range []int{1, 2} {
		t.Run(strconv.Itoa(unanswered)+" unanswered", func(t *testing.T) {
			t.Parallel()
			fake := newDiscordFake(t)
			// Later than even the patient wait of a retry.
			fake.AnswerLate(route, unanswered, 3*slowSendTimeout)
			h := startDiscord(t, fake, fmt.Sprintf("pipeline: {send_timeout: %s, lease: %s}\nguard: {debounce: 1ms}\n", slowSendTimeout, slowLease))
			if err := fake.WaitConnected(10 * time.Second); err != nil {
				t.Fatal(err)
			}
			h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "where is my order?"))
			h.sentTo("900", 1)
			if failed := settled(t, h.app.store); len(failed) > 0 {
				t.Fatalf("given up: %+v", failed)
			}
			time.Sleep(slowLease) // past another lease: nothing more goes out
			if n := len(fake.CallsTo(route)); n != unanswered+1 {
				t.Errorf("%d creates, want %d: the unanswered ones and the one answered", n, unanswered+1)
			}
			var sent []string
			for _, m := range fake.Sent() {
				sent = append(sent, m.Content)
			}
			if len(sent) != 1 {
				t.Fatalf("the customer got %d messages, want the reply once: %q", len(sent), sent)
			}
		})
	}
}
