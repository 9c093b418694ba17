package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// ChannelWebhook posts messages through a Discord channel webhook
// (Channel settings → Integrations → Webhooks): notifications for a team
// that wants no bot in its channel. Nobody can answer through it.
type ChannelWebhook struct {
	url    string
	client *http.Client
}

// NewChannelWebhook posts to rawURL. The URL holds the webhook's token, so
// it never appears in errors or logs.
func NewChannelWebhook(rawURL string) *ChannelWebhook {
	return &ChannelWebhook{url: rawURL, client: &http.Client{Timeout: 15 * time.Second}}
}

// Send posts out.Text, split at Discord's 2,000 characters, with mentions
// off. Errors are *chat.SendError.
func (w *ChannelWebhook) Send(ctx context.Context, out chat.Outgoing) (string, error) {
	u, err := url.Parse(w.url)
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("discord channel webhook: the configured URL does not parse")}
	}
	q := u.Query()
	q.Set("wait", "true") // answer with the message, so failures are seen
	u.RawQuery = q.Encode()
	var last string
	for _, text := range Split(out.Text, MaxMessageLen) {
		body, _ := json.Marshal(map[string]any{"content": text, "allowed_mentions": map[string]any{"parse": []string{}}})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
		if err != nil {
			return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("discord channel webhook: %w", err)}
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.client.Do(req)
		if err != nil {
			// The error names the URL, and with it the token: say less.
			return "", &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("discord channel webhook: request failed (%T)", err)}
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			var m struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(data, &m)
			last = m.ID
			continue
		case resp.StatusCode == http.StatusTooManyRequests:
			var rl struct {
				RetryAfter float64 `json:"retry_after"`
			}
			_ = json.Unmarshal(data, &rl)
			if rl.RetryAfter <= 0 {
				rl.RetryAfter, _ = strconv.ParseFloat(resp.Header.Get("Retry-After"), 64)
			}
			return "", &chat.SendError{Kind: chat.SendRateLimited, RetryAfter: max(time.Duration(rl.RetryAfter*float64(time.Second)), time.Second),
				Err: fmt.Errorf("discord channel webhook: 429")}
		case resp.StatusCode >= 500:
			return "", &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("discord channel webhook: %s", resp.Status)}
		default:
			return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("discord channel webhook: %s (deleted, or the URL is wrong)", resp.Status)}
		}
	}
	return last, nil
}
