package redact

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

const token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

func TestString(t *testing.T) {
	s := New(token, "s3cret-webhook", "", "abc", "s3cret-webhook")
	tests := []struct{ in, want string }{
		{"Post \"https://api.telegram.org/bot" + token + "/sendMessage\": dial tcp: refused",
			"Post \"https://api.telegram.org/bot" + Mask + "/sendMessage\": dial tcp: refused"},
		{"secret s3cret-webhook twice s3cret-webhook", "secret " + Mask + " twice " + Mask},
		{"abc is too short to be a secret", "abc is too short to be a secret"},
		{"nothing here", "nothing here"},
	}
	for _, tt := range tests {
		if got := s.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := New().String("x " + token); got != "x "+token {
		t.Errorf("no secrets changed the text: %q", got)
	}
	var none *Secrets
	if got := none.String("x"); got != "x" {
		t.Errorf("nil Secrets changed the text: %q", got)
	}
}

// TestLongestFirst: a secret that contains another is masked whole, not
// left with a tail showing.
func TestLongestFirst(t *testing.T) {
	s := New("abcdef", "abcdef-and-more")
	if got := s.String("x abcdef-and-more y"); got != "x "+Mask+" y" {
		t.Fatalf("got %q", got)
	}
}

type stringer struct{ v string }

func (s stringer) String() string { return s.v }

// TestHandler: every place a secret can ride in a log record is masked:
// the message, string and error attributes, Stringers, structs, groups,
// attributes bound with With.
func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(token).Handler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	urlErr := &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + token + "/getMe", Err: errors.New("refused")}
	log.With("bound", token).WithGroup("g").Info("message with "+token,
		"err", fmt.Errorf("send: %w", urlErr),
		"str", token,
		"stringer", stringer{token},
		"struct", struct{ Token string }{token},
		"bytes", []byte(token),
		slog.Group("nested", "deep", token),
		"list", []string{"ok", token},
		"plain", []string{"a", "b"},
		"count", 3,
	)
	out := buf.String()
	if strings.Contains(out, token) || strings.Contains(out, "AAHdqTcvCH1v") {
		t.Fatalf("the token leaked: %s", out)
	}
	for _, want := range []string{`"count":3`, `"plain":["a","b"]`, `"list":["ok","` + Mask + `"]`, `"msg":"message with ` + Mask + `"`, `/bot` + Mask + `/getMe`, `"deep":"` + Mask + `"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
}
