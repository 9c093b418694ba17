package discord

import (
	"crypto/ed25519"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// fixtures seeds the fuzzers with Discord's own example payloads.
func fixtures(f *testing.F) {
	paths, err := filepath.Glob("testdata/fixtures/*.json")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"id":"1","channel_id":"2","content":"<@9> hi","author":{"id":"3"},"mentions":[{"id":"9"}],"member":{}}`))
	f.Add([]byte(`{"type":3,"id":"1","application_id":"2","token":"t","channel_id":"5","channel":{"id":"5","type":11,"parent_id":"4"},"member":{"user":null},"data":{"custom_id":"claim:1"}}`))
	f.Add([]byte(`{"id":1e400,"channel_id":[],"author":"x"}`))
}

// FuzzDecodeMessage: whatever arrives as a message never panics, and what
// decodes keeps the invariants the pipeline relies on.
func FuzzDecodeMessage(f *testing.F) {
	fixtures(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := DecodeMessage("community", "9", raw)
		if err != nil {
			return
		}
		if ev.ExternalID == "message:" || ev.ChatID == "" {
			t.Fatalf("decoded an event without its ids: %+v", ev)
		}
		if utf8.ValidString(string(raw)) && !utf8.ValidString(ev.Text) {
			t.Fatalf("valid input gave invalid text %q", ev.Text)
		}
	})
}

// FuzzInteractions: any correctly signed body gets a 2xx or a 4xx, never
// a panic or a 5xx (the inbox here never fails).
func FuzzInteractions(f *testing.F) {
	fixtures(f)
	h := NewInteractions("shop", ixKey.Public().(ed25519.PublicKey), &ixInbox{}, nil, WithClock(ixClock))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := ixServe(h, ixValid(string(body)))
		if rec.Code >= http.StatusInternalServerError {
			t.Fatalf("%d for %q", rec.Code, body)
		}
	})
}
