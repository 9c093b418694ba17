package telegram

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// TestDecodeMedia: every kind of media a customer sends is described, not
// dropped, with its caption as the text. Photo and sticker are the real
// payloads of the fixtures; the others follow the Bot API's objects.
func TestDecodeMedia(t *testing.T) {
	const head = `{"update_id": 8, "message": {"message_id": 41, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": false, "first_name": "Ann"}, `
	tests := []struct {
		name    string
		raw     string
		kind    chat.Kind
		caption string
		want    chat.Media
	}{
		{"photo (fixture)", string(fixture(t, "telegram_teloxide_message-rs_de_image_photo.message.json")), chat.KindPhoto, "",
			chat.Media{Kind: chat.MediaPhoto, FileID: "AgADAgAD36sxG-PX0UvQSXIn9rccdw-ACA4ABAEAAwIAA3kAAyTcBAABFgQ", MIME: "image/jpeg", Size: 75245, Width: 962, Height: 719}},
		{"sticker (fixture)", string(fixture(t, "telegram_teloxide_message-rs_de_sticker.message.json")), chat.KindSticker, "",
			chat.Media{Kind: chat.MediaSticker, FileID: "CAACAgIAAxkBAAESLdBjMImep-J0W8XaTN6S_Lz1-j1QIQACIwADsND4DGmmygHGlyggKQQ", UniqueID: "AgADIwADsND4DA",
				MIME: "application/x-tgsticker", Size: 16639, Width: 512, Height: 512}},
		{"screenshot sent as a file", head + `"caption": "see the error", "document": {"file_id": "D1", "file_unique_id": "u1", "file_name": "Screenshot 2026-12-01.png", "mime_type": "image/png", "file_size": 48213}}}`,
			chat.KindPhoto, "see the error", chat.Media{Kind: chat.MediaDocument, FileID: "D1", UniqueID: "u1", Name: "Screenshot 2026-12-01.png", MIME: "image/png", Size: 48213}},
		{"document", head + `"caption": "invoice", "document": {"file_id": "D2", "file_unique_id": "u2", "file_name": "invoice.pdf", "mime_type": "application/pdf", "file_size": 90000}}}`,
			chat.KindMedia, "invoice", chat.Media{Kind: chat.MediaDocument, FileID: "D2", UniqueID: "u2", Name: "invoice.pdf", MIME: "application/pdf", Size: 90000}},
		{"voice note", head + `"voice": {"file_id": "V1", "file_unique_id": "u3", "duration": 7, "mime_type": "audio/ogg", "file_size": 12000}}}`,
			chat.KindMedia, "", chat.Media{Kind: chat.MediaVoice, FileID: "V1", UniqueID: "u3", Duration: 7, MIME: "audio/ogg", Size: 12000}},
		{"audio", head + `"audio": {"file_id": "A1", "file_unique_id": "u4", "duration": 200, "file_name": "song.mp3", "mime_type": "audio/mpeg", "file_size": 3000000}}}`,
			chat.KindMedia, "", chat.Media{Kind: chat.MediaAudio, FileID: "A1", UniqueID: "u4", Duration: 200, Name: "song.mp3", MIME: "audio/mpeg", Size: 3000000}},
		{"video", head + `"caption": "it shakes", "video": {"file_id": "W1", "file_unique_id": "u5", "width": 1280, "height": 720, "duration": 12, "mime_type": "video/mp4", "file_size": 5000000}}}`,
			chat.KindMedia, "it shakes", chat.Media{Kind: chat.MediaVideo, FileID: "W1", UniqueID: "u5", Width: 1280, Height: 720, Duration: 12, MIME: "video/mp4", Size: 5000000}},
		{"video note", head + `"video_note": {"file_id": "N1", "file_unique_id": "u6", "length": 240, "duration": 9, "file_size": 800000}}}`,
			chat.KindMedia, "", chat.Media{Kind: chat.MediaVideoNote, FileID: "N1", UniqueID: "u6", Width: 240, Height: 240, Duration: 9, MIME: "video/mp4", Size: 800000}},
		{"animation", head + `"animation": {"file_id": "G1", "file_unique_id": "u7", "width": 320, "height": 240, "duration": 3, "file_name": "lol.mp4", "mime_type": "video/mp4", "file_size": 40000}, "document": {"file_id": "G1", "file_unique_id": "u7", "file_name": "lol.mp4", "mime_type": "video/mp4"}}}`,
			chat.KindMedia, "", chat.Media{Kind: chat.MediaAnimation, FileID: "G1", UniqueID: "u7", Width: 320, Height: 240, Duration: 3, Name: "lol.mp4", MIME: "video/mp4", Size: 40000}},
		{"location", head + `"location": {"latitude": 55.751244, "longitude": 37.618423}}}`,
			chat.KindMedia, "", chat.Media{Kind: chat.MediaLocation, Latitude: 55.751244, Longitude: 37.618423}},
		{"contact", head + `"contact": {"phone_number": "+15550100", "first_name": "Bob", "last_name": "Lee", "user_id": 7}}}`,
			chat.KindMedia, "", chat.Media{Kind: chat.MediaContact, Phone: "+15550100", Contact: "Bob Lee"}},
		{"album part", head + `"media_group_id": "13573", "caption": "both sides", "photo": [{"file_id": "P1", "file_unique_id": "u8", "file_size": 100, "width": 90, "height": 90}]}}`,
			chat.KindPhoto, "both sides", chat.Media{Kind: chat.MediaPhoto, FileID: "P1", UniqueID: "u8", Size: 100, Width: 90, Height: 90, MIME: "image/jpeg", Album: "13573"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Decode("shop", []byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Platform, tt.want.Bot = chat.Telegram, "shop"
			if ev.Kind != tt.kind || ev.Text != tt.caption {
				t.Errorf("kind, text = %s, %q; want %s, %q", ev.Kind, ev.Text, tt.kind, tt.caption)
			}
			if len(ev.Media) != 1 || !reflect.DeepEqual(ev.Media[0], tt.want) {
				t.Errorf("media = %+v\nwant    %+v", ev.Media, tt.want)
			}
		})
	}
}

func TestDecodeTextHasNoMedia(t *testing.T) {
	ev, err := Decode("shop", fixture(t, "telegram_core-telegram-org_bots-webhooks_message-with-text.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Media != nil {
		t.Errorf("media = %+v, want none", ev.Media)
	}
}

// TestSendMediaByKind: each kind goes by its own method, by file id when
// it is this bot's and uploaded when it is not; kinds Telegram shows no
// caption under get the text after them; mixed kinds go one by one.
func TestSendMediaByKind(t *testing.T) {
	own := func(k chat.MediaKind, id string) chat.Media {
		return chat.Media{Kind: k, Platform: chat.Telegram, Bot: "shop", FileID: id}
	}
	open := func(_ context.Context, m chat.Media) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("bytes of " + m.Name)), nil
	}
	tests := []struct {
		name    string
		media   []chat.Media
		methods []string // calls made, in order
		kinds   []string // media sent
		texts   []string // texts of what was sent, in order
	}{
		{"voice with caption", []chat.Media{own(chat.MediaVoice, "V")}, []string{"sendVoice"}, []string{"voice"}, []string{"Ann: hi"}},
		{"video note, then the text", []chat.Media{own(chat.MediaVideoNote, "N")}, []string{"sendVideoNote", "sendMessage"}, []string{"video_note", ""}, []string{"", "Ann: hi"}},
		{"sticker", []chat.Media{own(chat.MediaSticker, "S")}, []string{"sendSticker", "sendMessage"}, []string{"sticker", ""}, []string{"", "Ann: hi"}},
		{"contact", []chat.Media{{Kind: chat.MediaContact, Phone: "+1555", Contact: "Bob Lee"}}, []string{"sendContact", "sendMessage"}, []string{"contact", ""}, []string{"", "Ann: hi"}},
		{"another platform's file is uploaded", []chat.Media{{Kind: chat.MediaDocument, Platform: chat.Discord, Bot: "community", Name: "a.pdf", MIME: "application/pdf"}},
			[]string{"sendDocument"}, []string{"document"}, []string{"Ann: hi"}},
		{"photo and voice are no album", []chat.Media{own(chat.MediaPhoto, "P"), own(chat.MediaVoice, "V")}, []string{"sendPhoto", "sendVoice"},
			[]string{"photo", "voice"}, []string{"Ann: hi", ""}},
		{"two documents are one album", []chat.Media{own(chat.MediaDocument, "D1"), own(chat.MediaDocument, "D2")}, []string{"sendMediaGroup"},
			[]string{"document", "document"}, []string{"Ann: hi", ""}},
		{"a note instead of a file", []chat.Media{{Kind: chat.MediaDocument, Platform: chat.Discord, Note: "📎 big.zip is over the limit"}}, []string{"sendMessage"},
			[]string{""}, []string{"Ann: hi\n📎 big.zip is over the limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.New()
			defer srv.Close()
			s := newTestSender(t, srv)
			if _, err := s.Send(context.Background(), chat.Outgoing{Bot: "shop", ChatID: "-100", Text: "Ann: hi", Media: tt.media, Open: open}); err != nil {
				t.Fatal(err)
			}
			var methods, kinds, texts []string
			for _, c := range srv.Calls() {
				methods = append(methods, c.Method)
			}
			for _, m := range srv.Sent() {
				k := ""
				if m.Media != nil {
					k = m.Media.Kind
					if m.Media.Upload != "" && string(m.Media.Content) != "bytes of "+m.Media.Upload {
						t.Errorf("uploaded %q as %q", m.Media.Content, m.Media.Upload)
					}
				}
				kinds, texts = append(kinds, k), append(texts, m.Text)
			}
			if !reflect.DeepEqual(methods, tt.methods) || !reflect.DeepEqual(kinds, tt.kinds) || !reflect.DeepEqual(texts, tt.texts) {
				t.Errorf("calls %v kinds %q texts %q\nwant  %v kinds %q texts %q", methods, kinds, texts, tt.methods, tt.kinds, tt.texts)
			}
		})
	}
}
