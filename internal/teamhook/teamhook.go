// Package teamhook delivers handoff events to other tools as signed JSON POSTs.
//
// Each request carries X-Frontdesk-Signature: "v1=" + hex(HMAC-SHA256(secret,
// timestamp + "." + body)). Signing the timestamp together with the body lets
// a receiver reject replays of old captured requests, not just forgeries; the
// "v1=" prefix leaves room to change the scheme without breaking receivers.
// Retries reuse X-Frontdesk-Delivery so receivers can drop duplicates.
package teamhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Header names set on every delivery.
const (
	HeaderTimestamp = "X-Frontdesk-Timestamp" // unix seconds, decimal
	HeaderSignature = "X-Frontdesk-Signature" // "v1=" + lowercase hex HMAC-SHA256
	HeaderDelivery  = "X-Frontdesk-Delivery"  // outbox id; the same on every retry
)

// UserAgent identifies our requests in receivers' logs.
const UserAgent = "frontdesk-teamhook/1"

// DefaultTolerance is how far a timestamp may be from the receiver's clock
// when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

const (
	defaultTimeout    = 10 * time.Second
	defaultRetryAfter = 30 * time.Second
	drainLimit        = 64 << 10 // past this, closing the connection is cheaper than reading on
	snippetLimit      = 200
	// maxRetryAfter bounds how long one receiver's answer can park a message.
	maxRetryAfter = time.Hour
)

// Errors returned by Verify; check them with errors.Is.
var (
	ErrNoSignature  = errors.New("teamhook: missing signature")
	ErrStale        = errors.New("teamhook: timestamp outside tolerance")
	ErrBadSignature = errors.New("teamhook: bad signature")
)

// errNoSecret: an empty key makes a signature anyone can compute.
var errNoSecret = errors.New("teamhook: no secret configured")

// Sign returns the HeaderSignature value for body sent at timestamp.
func Sign(secret []byte, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(strconv.AppendInt(nil, timestamp, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery as a receiver would: the signature must match the
// body and the timestamp must lie within tolerance of now (DefaultTolerance
// when tolerance <= 0). body must be the raw request body, before any parsing.
func Verify(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return errNoSecret
	}
	tsText, sig := header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if tsText == "" || sig == "" {
		return fmt.Errorf("%w: need %s and %s headers", ErrNoSignature, HeaderTimestamp, HeaderSignature)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed timestamp", ErrBadSignature)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Sub saturates instead of overflowing, so absurd timestamps are just stale.
	if d := now.Sub(time.Unix(ts, 0)); d < -tolerance || d > tolerance {
		return fmt.Errorf("%w: %s off", ErrStale, d.Round(time.Second))
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return ErrBadSignature
	}
	return nil
}

// Sender posts signed events to one URL. It implements the outbox's sender
// contract: errors are *chat.SendError.
type Sender struct {
	url     *url.URL
	urlErr  error
	display string // the URL without userinfo or query, safe to log
	secret  []byte
	client  *http.Client
	now     func() time.Time
}

// Option configures a Sender.
type Option func(*Sender)

// WithClient replaces the default client (10 s timeout, no redirects). The
// client should have a timeout of its own.
func WithClient(c *http.Client) Option {
	return func(s *Sender) {
		if c != nil {
			s.client = c
		}
	}
}

// WithClock sets the clock used for timestamps, for tests.
func WithClock(now func() time.Time) Option {
	return func(s *Sender) {
		if now != nil {
			s.now = now
		}
	}
}

// NewSender returns a Sender for rawURL. A bad URL is reported by Send as a
// permanent error, so a misconfigured hook fails its messages visibly rather
// than stopping the bot.
func NewSender(rawURL string, secret []byte, opts ...Option) *Sender {
	s := &Sender{
		secret: append([]byte(nil), secret...),
		client: &http.Client{
			Timeout: defaultTimeout,
			// Following a 301/302 would turn the POST into a GET and report
			// success for an event nobody received.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		now: time.Now,
	}
	s.url, s.urlErr = parseURL(rawURL)
	if s.urlErr == nil {
		s.display = (&url.URL{Scheme: s.url.Scheme, Host: s.url.Host, Path: s.url.Path, RawPath: s.url.RawPath}).String()
	} else {
		s.display = "<invalid URL>"
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, stripURL(err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("need an absolute http or https URL")
	}
	return u, nil
}

// Send posts out.Text, which the caller has already encoded as JSON. There is
// no platform message id, so it returns "" on success.
func (s *Sender) Send(ctx context.Context, out chat.Outgoing) (string, error) {
	if s.urlErr != nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("teamhook URL: %w", s.urlErr)}
	}
	if len(s.secret) == 0 {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: errNoSecret}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url.String(), strings.NewReader(out.Text))
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: fmt.Errorf("POST %s: %w", s.display, stripURL(err))}
	}
	ts := s.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(s.secret, ts, []byte(out.Text)))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(out.ID, 10))

	resp, err := s.client.Do(req)
	if err != nil {
		return "", &chat.SendError{Kind: chat.SendTemporary, Err: fmt.Errorf("POST %s: %w", s.display, stripURL(err))}
	}
	defer func() {
		// Draining lets the connection be reused; the limit stops a hostile
		// receiver from keeping us reading.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return "", nil
	}

	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, snippetLimit))
	err = fmt.Errorf("POST %s: status %d: %q", s.display, resp.StatusCode, strings.TrimSpace(string(snippet)))
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return "", &chat.SendError{Kind: chat.SendRateLimited, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), s.now()), Err: err}
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code >= 500:
		return "", &chat.SendError{Kind: chat.SendTemporary, Err: err}
	default:
		// Other 4xx, and 1xx/3xx we do not follow: resending the same request
		// will not change the answer.
		return "", &chat.SendError{Kind: chat.SendPermanent, Err: err}
	}
}

// stripURL drops the *url.Error layer, whose message repeats the full URL
// with its query string, which may carry a token.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	d := defaultRetryAfter
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, time.Second), maxRetryAfter)
}
