package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Poller receives updates by long polling, for a bot without a public URL.
//
// It calls getUpdates itself rather than through go-telegram/bot, whose
// polling loop confirms an update to Telegram (by asking for the next
// offset) before our handler has stored it: a crash there would lose it.
// Here the offset moves past an update only after the inbox committed it.
type Poller struct {
	bot     string
	token   string
	apiURL  string
	inbox   Inbox
	log     *slog.Logger
	client  *http.Client
	timeout time.Duration // long-poll timeout asked of Telegram
}

// NewPoller makes a long-polling receiver for one bot.
func NewPoller(bot, token, apiURL string, inbox Inbox, log *slog.Logger) *Poller {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	const longPoll = 25 * time.Second
	return &Poller{
		bot: bot, token: token, apiURL: strings.TrimRight(apiURL, "/"), inbox: inbox, log: log,
		timeout: longPoll,
		client:  &http.Client{Timeout: longPoll + 10*time.Second},
	}
}

// Bot is the name of the bot the poller receives for.
func (p *Poller) Bot() string { return p.bot }

// Run polls until ctx is done.
func (p *Poller) Run(ctx context.Context) {
	var offset int64
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
		updates, err := p.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = nextBackoff(backoff)
			p.log.Warn("telegram polling: getUpdates failed", "bot", p.bot, "err", err, "retry_in", backoff)
			continue
		}
		backoff = 0
		for _, raw := range updates {
			ev, err := Decode(p.bot, raw)
			if err != nil {
				// Telegram sent something we cannot read; skipping it is the
				// only way forward, and it is logged without its content.
				p.log.Error("telegram polling: undecodable update skipped", "bot", p.bot, "err", err)
				offset = max(offset, updateID(raw)+1)
				continue
			}
			for {
				err := p.inbox.Accept(ctx, ev)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					return
				}
				// Not stored: keep the offset so Telegram keeps the update,
				// and try again.
				backoff = nextBackoff(backoff)
				p.log.Warn("telegram polling: update not stored", "bot", p.bot, "update_id", ev.ExternalID, "err", err, "retry_in", backoff)
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
			}
			backoff = 0
			offset = max(offset, updateID(raw)+1)
		}
	}
}

func (p *Poller) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"offset": offset, "timeout": int(p.timeout / time.Second)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.apiURL+"/bot"+p.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("build getUpdates request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		// The URL holds the token; never let it into an error or a log.
		return nil, redact(err, p.token)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, redact(err, p.token)
	}
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		Description string            `json:"description"`
		ErrorCode   int               `json:"error_code"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d, unreadable answer", resp.StatusCode)
	}
	if !r.OK {
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}

func updateID(raw json.RawMessage) int64 {
	var u struct {
		ID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(raw, &u)
	return u.ID
}

func redact(err error, token string) error {
	return errors.New(strings.ReplaceAll(err.Error(), token, "<token>"))
}

func nextBackoff(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return 200 * time.Millisecond
	case d >= 30*time.Second:
		return 30 * time.Second
	}
	return d * 2
}
