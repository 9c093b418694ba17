package telegram

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// go-telegram/bot streams every request's multipart form through an
// io.Pipe, so net/http sends it chunked and flushes each chunk: a short
// sendMessage costs the connection six to eight writes (a form field's
// header and its value are a chunk each), and the Bot API as many reads.
// A CPU profile at full load had the Bot API requests' writes at 9 % of
// the service. wholeBodies reads a body of up to bufferedBodyLimit into
// memory first and sends it with its length in one write. A bigger body
// (a media upload) goes on streaming after the part already read, so
// memory stays bounded.
type wholeBodies struct {
	next http.RoundTripper
}

// bufferedBodyLimit holds any text message (Telegram allows 4,096
// characters, at most 16 KiB of UTF-8) with its buttons and form framing.
const bufferedBodyLimit = 64 << 10

func (t wholeBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return t.next.RoundTrip(req)
	}
	var read bytes.Buffer
	n, err := io.CopyN(&read, req.Body, bufferedBodyLimit+1)
	if err != nil && err != io.EOF {
		req.Body.Close()
		return nil, fmt.Errorf("telegram: read request body: %w", err)
	}
	// A RoundTripper must not change its caller's request.
	whole := req.Clone(req.Context())
	if n > bufferedBodyLimit {
		// Too big to hold: what was read goes first, the rest streams.
		whole.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(&read, req.Body), req.Body}
		return t.next.RoundTrip(whole)
	}
	req.Body.Close()
	body := read.Bytes()
	whole.ContentLength = int64(len(body))
	whole.Body, whole.GetBody = http.NoBody, nil
	if len(body) > 0 {
		whole.Body = io.NopCloser(bytes.NewReader(body))
		whole.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return t.next.RoundTrip(whole)
}
