package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Inbox durably stores an accepted event; it returns only after the event is
// committed.
type Inbox interface {
	Accept(ctx context.Context, ev chat.Event) error
}

// MaxUpdateSize bounds a webhook body. Telegram's largest updates (long
// texts with entities, big polls) stay well under it.
const MaxUpdateSize = 1 << 20

// Webhook receives updates for one bot: POST them to it as Telegram does.
// It answers 200 only after the update is committed to the inbox, so a crash
// never loses an update Telegram believes was delivered.
type Webhook struct {
	bot      string
	secret   [sha256.Size]byte
	noSecret bool
	inbox    Inbox
	log      *slog.Logger
	now      func() time.Time // to check update dates
}

// NewWebhook makes the handler for bot. An empty secret accepts every
// request; configuration refuses that unless the operator insists.
func NewWebhook(bot, secret string, inbox Inbox, log *slog.Logger) *Webhook {
	return &Webhook{bot: bot, secret: sha256.Sum256([]byte(secret)), noSecret: secret == "", inbox: inbox, log: log, now: time.Now}
}

func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	if !h.authentic(r) {
		http.Error(w, "wrong or missing X-Telegram-Bot-Api-Secret-Token", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxUpdateSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read body", http.StatusBadRequest)
		return
	}
	ev, err := DecodeAt(h.bot, body, h.now())
	if errors.Is(err, ErrDate) {
		// 400 for this update alone: Telegram drops it and goes on.
		h.log.WarnContext(r.Context(), "telegram webhook: update refused", "bot", h.bot, "err", err)
		http.Error(w, "update date out of range", http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, "not a Telegram update", http.StatusBadRequest)
		return
	}
	if err := h.inbox.Accept(r.Context(), ev); err != nil {
		// Telegram retries anything but 2xx; 503 says "later", and the
		// inbox's uniqueness makes the retry harmless.
		h.log.WarnContext(r.Context(), "telegram webhook: update not stored", "bot", h.bot, "update_id", ev.ExternalID, "err", err)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// authentic compares the secret in constant time; hashing first makes the
// comparison independent of the secret's length too.
func (h *Webhook) authentic(r *http.Request) bool {
	if h.noSecret {
		return true
	}
	got := r.Header.Values("X-Telegram-Bot-Api-Secret-Token")
	if len(got) != 1 {
		return false
	}
	sum := sha256.Sum256([]byte(got[0]))
	return subtle.ConstantTimeCompare(sum[:], h.secret[:]) == 1
}
