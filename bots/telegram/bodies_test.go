package telegram

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// seenRequest is what the Bot API received: how the body was framed and
// the form it held.
type seenRequest struct {
	chunked       bool
	contentLength int64
	fields        map[string]string
	files         map[string][]byte
}

// recordingAPI answers every method with a message and records the
// requests' framing and forms.
func recordingAPI(t *testing.T) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := seenRequest{
			chunked:       len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked",
			contentLength: r.ContentLength,
			fields:        map[string]string{},
			files:         map[string][]byte{},
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			t.Errorf("%s: form: %v", r.URL.Path, err)
		} else {
			for k, v := range r.MultipartForm.Value {
				rec.fields[k] = v[0]
			}
			for k, fh := range r.MultipartForm.File {
				f, _ := fh[0].Open()
				rec.files[k], _ = io.ReadAll(f)
				f.Close()
			}
		}
		mu.Lock()
		seen = append(seen, rec)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"result":{"message_id":7,"date":1,"chat":{"id":42,"type":"private"}}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]seenRequest(nil), seen...)
	}
}

// The client's requests reach the Bot API whole, through the real
// go-telegram/bot client: short forms with their length in one piece,
// uploads past the limit still complete.
func TestRequestsGoWhole(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), bufferedBodyLimit/16+100)
	long := strings.Repeat("я", 4096)
	tests := []struct {
		name        string
		send        func(context.Context, *bot.Bot) error
		wantChunked bool
		wantField   map[string]string
		wantFile    []byte
	}{
		{
			name: "short text",
			send: func(ctx context.Context, b *bot.Bot) error {
				_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "Hello"})
				return err
			},
			wantField: map[string]string{"chat_id": "42", "text": "Hello"},
		},
		{
			name: "longest text with buttons",
			send: func(ctx context.Context, b *bot.Bot) error {
				_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: long,
					ReplyMarkup: keyboard([][]chat.Button{{{Text: "Yes", Data: "y"}}})})
				return err
			},
			wantField: map[string]string{"chat_id": "42", "text": long},
		},
		{
			name: "upload bigger than the limit",
			send: func(ctx context.Context, b *bot.Bot) error {
				_, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 42,
					Document: &models.InputFileUpload{Filename: "big.bin", Data: bytes.NewReader(big)}})
				return err
			},
			wantChunked: true,
			wantField:   map[string]string{"chat_id": "42"},
			wantFile:    big,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := recordingAPI(t)
			b, err := NewClient("123:test", srv.URL, func(error) {})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			got := seen()
			if len(got) != 1 {
				t.Fatalf("the Bot API got %d requests, want 1", len(got))
			}
			rec := got[0]
			if rec.chunked != tt.wantChunked {
				t.Errorf("chunked = %v, want %v (content length %d)", rec.chunked, tt.wantChunked, rec.contentLength)
			}
			if !tt.wantChunked && rec.contentLength <= 0 {
				t.Errorf("content length = %d, want the form's length", rec.contentLength)
			}
			for k, v := range tt.wantField {
				if rec.fields[k] != v {
					t.Errorf("field %s = %.40q, want %.40q", k, rec.fields[k], v)
				}
			}
			if tt.wantFile != nil && !bytes.Equal(rec.files["document"], tt.wantFile) {
				t.Errorf("the upload arrived with %d bytes, want %d", len(rec.files["document"]), len(tt.wantFile))
			}
		})
	}
}

// A body that fails while it is read fails the request, and nothing is
// sent.
func TestBrokenBodyIsNotSent(t *testing.T) {
	srv, seen := recordingAPI(t)
	pr, pw := io.Pipe()
	broken := errors.New("form went wrong")
	go func() {
		_, _ = pw.Write([]byte("--boundary\r\n"))
		pw.CloseWithError(broken)
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/bot1:x/sendMessage", pr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = wholeBodies{next: http.DefaultTransport}.RoundTrip(req)
	if !errors.Is(err, broken) {
		t.Fatalf("err = %v, want the body's error", err)
	}
	if n := len(seen()); n != 0 {
		t.Errorf("the Bot API got %d requests, want none", n)
	}
}
