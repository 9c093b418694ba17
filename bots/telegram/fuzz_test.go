package telegram

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzDecode: no update, however malformed, makes decoding panic, and
// what decodes has the ids the pipeline relies on. Seeded with real
// payloads (testdata/fixtures, see SOURCES.md there).
func FuzzDecode(f *testing.F) {
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
	f.Add([]byte(`{"update_id": -9223372036854775808, "message": {"chat": {"id": 1e300}}}`))
	f.Add([]byte(`{"update_id": 1, "message": {"message_id": 1, "chat": {"id": -100}, "is_topic_message": true, "message_thread_id": 5, "reply_to_message": {"message_id": 5}}}`))
	f.Add([]byte(`{"update_id": 2, "callback_query": {"id": "x", "data": "claim:1", "message": null}}`))
	f.Add([]byte(`{"update_id": 3, "business_message": {"message_id": 3, "date": 1700000000, "business_connection_id": "c:1", "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": false, "first_name": "Ann"}, "text": "где заказ"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := Decode("shop", raw)
		if err != nil {
			return
		}
		if ev.ExternalID == "" || ev.Bot != "shop" {
			t.Fatalf("decoded an event without its ids: %+v", ev)
		}
		if utf8.Valid(raw) && !utf8.ValidString(ev.Text) {
			t.Fatalf("valid input gave invalid text %q", ev.Text)
		}
	})
}
