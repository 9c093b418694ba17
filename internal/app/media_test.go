package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/discord/discordtest"
	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
)

// mediaUpdate is a customer's private message with media as Telegram sends
// it: media is the message's fields ("photo": […], "document": {…}, …).
func mediaUpdate(updateID, chatID int64, media string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"chat": {"id": %d, "type": "private", "first_name": "Ann"},
		"from": {"id": %d, "is_bot": false, "first_name": "Ann", "language_code": "en"}, %s}}`,
		updateID, updateID, time.Now().Unix(), chatID, chatID, media))
}

// teamMediaUpdate is an agent's message with media in the team chat,
// replying to replyTo.
func teamMediaUpdate(updateID, agentID int64, agentName string, replyTo int64, media string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"chat": {"id": %d, "type": "supergroup", "title": "Support"},
		"from": {"id": %d, "is_bot": false, "first_name": %q},
		"reply_to_message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup"},
			"from": {"id": 100000001, "is_bot": true, "first_name": "Shop"}}, %s}}`,
		updateID, updateID, time.Now().Unix(), teamChat, agentID, agentName, replyTo, teamChat, media))
}

func photo(fileID string) string {
	return fmt.Sprintf(`"photo": [{"file_id": "%s-small", "file_unique_id": "s", "file_size": 100, "width": 90, "height": 90},
		{"file_id": %q, "file_unique_id": "u-%s", "file_size": 48213, "width": 1280, "height": 720}]`, fileID, fileID, fileID)
}

// mediaTo waits for the n-th message with media sent to chatID.
func (h *harness) mediaTo(chatID int64, n int) telegramtest.Message {
	h.t.Helper()
	return h.nthTo(chatID, n, func(m telegramtest.Message) bool { return m.Media != nil })
}

// TestMediaBothWaysOnTelegram: with a handoff open, the customer's photo
// reaches the team chat as that photo (the same file_id: one bot) with its
// caption; an agent's photo reaches the customer the same way; a
// screenshot sent as a file stays a document; a location stays a location.
func TestMediaBothWaysOnTelegram(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)

	h.post(mediaUpdate(2, customer, photo("AgACphoto1")+`, "caption": "the parcel arrived like this"`), secret)
	got := h.mediaTo(teamChat, 1)
	if got.Media.Kind != "photo" || got.Media.FileID != "AgACphoto1" || got.Text != "Ann: the parcel arrived like this" {
		t.Fatalf("team chat got %+v (media %+v), want the photo by its file_id with the caption", got, got.Media)
	}
	if n := len(h.fake.CallsTo("sendPhoto")); n != 1 {
		t.Errorf("sendPhoto called %d times, want 1", n)
	}

	h.post(mediaUpdate(3, customer, `"document": {"file_id": "BQACscreen", "file_unique_id": "us", "file_name": "Screenshot.png", "mime_type": "image/png", "file_size": 90210}`), secret)
	if got := h.mediaTo(teamChat, 2); got.Media.Kind != "document" || got.Media.FileID != "BQACscreen" || got.Text != "Ann:" {
		t.Fatalf("team chat got %+v (media %+v), want the screenshot as a document", got, got.Media)
	}
	h.post(mediaUpdate(4, customer, `"location": {"latitude": 55.75, "longitude": 37.61}`), secret)
	if got := h.mediaTo(teamChat, 3); got.Media.Kind != "location" || got.Media.Latitude != "55.75" {
		t.Fatalf("team chat got %+v (media %+v), want the location", got, got.Media)
	}

	// The agent answers with a photo of their own, replying to the notice.
	h.post(teamMediaUpdate(100, 7, "Alice", notice.MessageID, photo("AgACagent")+`, "caption": "is this your parcel?"`), secret)
	reply := h.mediaTo(customer, 1)
	if reply.Media.Kind != "photo" || reply.Media.FileID != "AgACagent" || reply.Text != "is this your parcel?" {
		t.Fatalf("customer got %+v (media %+v), want the agent's photo with its caption", reply, reply.Media)
	}
	h.waitIdle(h.app.Store())
	for _, m := range h.fake.Sent() {
		if strings.Contains(m.Text, "[photo]") {
			t.Errorf("a photo went as text: %q", m.Text)
		}
	}
}

// TestAlbumArrivesAsOneAlbum: an album's photos arrive as separate updates
// and reach the agents as one sendMediaGroup, caption on the first.
func TestAlbumArrivesAsOneAlbum(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	h.lastTo(teamChat, 1)
	h.waitIdle(h.app.Store())
	h.post(mediaUpdate(2, customer, photo("AgACalb1")+`, "media_group_id": "99887", "caption": "front and back"`), secret)
	h.post(mediaUpdate(3, customer, photo("AgACalb2")+`, "media_group_id": "99887"`), secret)
	h.post(mediaUpdate(4, customer, photo("AgACalb3")+`, "media_group_id": "99887"`), secret)
	h.waitIdle(h.app.Store())
	groups := h.fake.CallsTo("sendMediaGroup")
	if len(groups) != 1 || len(h.fake.CallsTo("sendPhoto")) != 0 {
		t.Fatalf("sendMediaGroup %d, sendPhoto %d; want one album", len(groups), len(h.fake.CallsTo("sendPhoto")))
	}
	var items []struct{ Type, Media, Caption string }
	if err := json.Unmarshal([]byte(groups[0].Params["media"]), &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].Media != "AgACalb1" || items[1].Media != "AgACalb2" || items[2].Media != "AgACalb3" || items[0].Caption != "Ann: front and back" {
		t.Fatalf("album %+v", items)
	}
}

// TestFailedMediaSendIsRetriedAndSentOnce: a sendPhoto Telegram fails is
// retried by the outbox like any send, and the photo arrives once.
func TestFailedMediaSendIsRetriedAndSentOnce(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	h.lastTo(teamChat, 1)
	h.fake.FailNext("sendPhoto", 1, telegramtest.Failure{Status: 502, Description: "Bad Gateway"})
	h.post(mediaUpdate(2, customer, photo("AgACretry")), secret)
	h.mediaTo(teamChat, 1)
	h.waitIdle(h.app.Store())
	calls, sent := h.fake.CallsTo("sendPhoto"), 0
	for _, m := range h.fake.Sent() {
		if m.Media != nil && m.Media.FileID == "AgACretry" {
			sent++
		}
	}
	if len(calls) != 2 || sent != 1 {
		t.Fatalf("sendPhoto called %d times, photo delivered %d times; want 2 and 1", len(calls), sent)
	}
}

// telegramBotYAML adds the Telegram bot shop, on tg, to startDiscord's bots.
func telegramBotYAML(tg *telegramtest.Server) string {
	return fmt.Sprintf(`  - name: shop
    platform: telegram
    token: "123:TEST"
    mode: webhook
    webhook_secret: %s
    api_url: %q
`, secret, tg.URL())
}

// startDiscordWithTelegramAgents runs a Discord bot for customers whose
// agents work in a Telegram team chat (bot shop).
func startDiscordWithTelegramAgents(t *testing.T, maxBytes int) (*discordHarness, *telegramtest.Server) {
	fake := newDiscordFake(t)
	tg := telegramtest.New()
	t.Cleanup(tg.Close)
	h := startDiscord(t, fake, telegramBotYAML(tg)+fmt.Sprintf(`handoff:
  teams:
    - {name: support, bot: shop, chat_id: "%d"}
media:
  max_bytes: %d
`, teamChat, maxBytes))
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.dispatch(discordtest.MessageCreate("", "900", "", "11", "Ann", "this is a scam, where is my money?"))
	h.sentTo("900", 1)
	if _, err := tg.WaitSent(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return h, tg
}

// TestDiscordAttachmentReachesTelegramAgents: a Discord customer's
// screenshot is downloaded from Discord and uploaded (multipart) to the
// agents' Telegram chat, byte for byte, with the caption.
func TestDiscordAttachmentReachesTelegramAgents(t *testing.T) {
	h, tg := startDiscordWithTelegramAgents(t, 0)
	content := bytes.Repeat([]byte("PNG-bytes."), 500)
	m := discordtest.MessageCreate("", "900", "", "11", "Ann", "the error I get")
	m["attachments"] = []any{h.fake.AddAttachment("error.png", "image/png", content)}
	h.dispatch(m)
	sent, err := tg.WaitSent(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := sent[1]
	if got.Media == nil || got.Media.Kind != "photo" || got.Media.Upload != "error.png" || !bytes.Equal(got.Media.Content, content) {
		t.Fatalf("team chat got %+v, want error.png uploaded", got)
	}
	if got.Text != "Ann: the error I get" {
		t.Errorf("caption %q", got.Text)
	}
}

// TestMediaOverTheLimitIsANote: a file larger than media.max_bytes is not
// sent on: the agents get a note with its name, type and size, and nothing fails.
func TestMediaOverTheLimitIsANote(t *testing.T) {
	h, tg := startDiscordWithTelegramAgents(t, 1000)
	m := discordtest.MessageCreate("", "900", "", "11", "Ann", "the logs")
	m["attachments"] = []any{h.fake.AddAttachment("server.log", "text/plain", bytes.Repeat([]byte("x"), 4096))}
	h.dispatch(m)
	sent, err := tg.WaitSent(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := sent[1]
	for _, want := range []string{"Ann: the logs", "server.log", "text/plain", "4.0 KB", "over the"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("note lacks %q: %q", want, got.Text)
		}
	}
	if got.Media != nil {
		t.Errorf("the file was sent: %+v", got.Media)
	}
	h.waitIdle()
}

// TestTelegramPhotoReachesDiscordAgents: the other way round, a Telegram
// customer's photo is fetched from Telegram (getFile, then the file link)
// and uploaded to the agents' Discord thread as a multipart attachment.
func TestTelegramPhotoReachesDiscordAgents(t *testing.T) {
	fake := newDiscordFake(t)
	tg := telegramtest.New()
	t.Cleanup(tg.Close)
	h := startDiscord(t, fake, telegramBotYAML(tg)+`handoff:
  teams:
    - {name: support, bot: community, chat_id: "700"}
`)
	if err := fake.WaitConnected(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	th := &harness{t: t, fake: tg, app: h.app, client: newClient()}
	th.post(update(1, 4242, "en", "this is a scam, where is my money?"), secret)
	thread := onlyThread(t, fake)
	h.sentTo(thread, 1)
	content := bytes.Repeat([]byte("JPEG."), 2000)
	tg.AddFile("AgACcustomer", content)
	th.post(mediaUpdate(2, 4242, photo("AgACcustomer")+`, "caption": "broken screen"`), secret)
	got := h.sentTo(thread, 2)
	if got.Content != "Ann: broken screen" {
		t.Errorf("thread got %q", got.Content)
	}
	var upload *discordtest.Call
	for _, c := range fake.Calls() {
		if c.Route == "POST /channels/{channel}/messages" && len(c.Files) > 0 {
			upload = &c
		}
	}
	if upload == nil || upload.Files[0] != "photo.jpeg" || !bytes.Equal(upload.Uploads[0], content) {
		t.Fatalf("upload %+v", upload)
	}
	if n := len(tg.CallsTo("getFile")); n != 1 {
		t.Errorf("getFile called %d times", n)
	}
}

// TestHandoffNoticeShowsMedia: the notification quotes earlier media as
// what they are, and a message that hands off with a photo brings the
// photo after the notice.
func TestHandoffNoticeShowsMedia(t *testing.T) {
	h := newHandoffHarness(t)
	const customer = 4242
	h.post(mediaUpdate(1, customer, photo("AgACearlier")), secret)
	h.waitIdle(h.app.Store())
	h.post(mediaUpdate(2, customer, photo("AgACproof")+`, "caption": "this is a scam, where is my money?"`), secret)
	notice := h.lastTo(teamChat, 1)
	if !strings.Contains(notice.Text, "Customer: 📷 [photo · image/jpeg · 47.1 KB]") || notice.Media != nil {
		t.Errorf("notice:\n%s", notice.Text)
	}
	if got := h.lastTo(teamChat, 2); got.Media == nil || got.Media.FileID != "AgACproof" || got.Text != "Ann: this is a scam, where is my money?" {
		t.Fatalf("after the notice %+v (media %+v)", got, got.Media)
	}
}

// TestMediaOverTheLimitWithoutASize: a file whose size the platform did not
// say is cut off at the limit while streaming, and the agents get the note.
func TestMediaOverTheLimitWithoutASize(t *testing.T) {
	h, tg := startDiscordWithTelegramAgents(t, 1000)
	att := h.fake.AddAttachment("dump.bin", "application/octet-stream", bytes.Repeat([]byte("x"), 64<<10))
	att["size"] = 0
	m := discordtest.MessageCreate("", "900", "", "11", "Ann", "the dump")
	m["attachments"] = []any{att}
	h.dispatch(m)
	sent, err := tg.WaitSent(2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := sent[1]; got.Media != nil || !strings.Contains(got.Text, "dump.bin (application/octet-stream, size unknown) is over the") {
		t.Fatalf("team chat got %+v", got)
	}
	h.waitIdle()
}

// TestMediaInForumTopic: in a forum, the customer's album lands in their
// topic as one album, and an agent's video written in the topic reaches
// the customer.
func TestMediaInForumTopic(t *testing.T) {
	h := newHandoffHarness(t)
	h.fake.SetForum(teamChat)
	const customer = 4242
	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)
	thread := notice.ThreadID
	if thread == 0 {
		t.Fatal("the notice is not in a topic")
	}
	h.waitIdle(h.app.Store())

	h.post(mediaUpdate(2, customer, photo("AgACf1")+`, "media_group_id": "5", "caption": "both sides"`), secret)
	h.post(mediaUpdate(3, customer, photo("AgACf2")+`, "media_group_id": "5"`), secret)
	first, second := h.mediaTo(teamChat, 1), h.mediaTo(teamChat, 2)
	if first.ThreadID != thread || second.ThreadID != thread || first.Media.Album == 0 || first.Media.Album != second.Media.Album {
		t.Fatalf("album in the topic: %+v / %+v", first, second)
	}

	video := `"message_thread_id": ` + fmt.Sprint(thread) + `, "is_topic_message": true, "video": {"file_id": "BAACvid", "file_unique_id": "v", "width": 640, "height": 360, "duration": 4, "mime_type": "video/mp4"}, "caption": "here is how"`
	h.post([]byte(fmt.Sprintf(`{"update_id": 300, "message": {"message_id": 300, "date": %d,
		"chat": {"id": %d, "type": "supergroup", "title": "Support", "is_forum": true},
		"from": {"id": 7, "is_bot": false, "first_name": "Alice"}, %s}}`, time.Now().Unix(), teamChat, video)), secret)
	if got := h.mediaTo(customer, 1); got.Media.Kind != "video" || got.Media.FileID != "BAACvid" || got.Text != "here is how" {
		t.Fatalf("customer got %+v (media %+v)", got, got.Media)
	}
}

// TestSandboxMediaBothWays: in the sandbox, a customer's screenshot reaches
// the agent pane as a thumbnail, and the agent's file reaches the customer
// pane as a file chip, both through the pipeline.
func TestSandboxMediaBothWays(t *testing.T) {
	h, url := startSandbox(t)
	token := url[strings.Index(url, "token=")+len("token="):]
	type media struct{ Kind, Name, URL string }
	type state struct {
		Messages []struct {
			Pane, Dir, Text, ID string
			Media               []media
		}
	}
	waitMedia := func(pane, dir string) (string, media) {
		t.Helper()
		deadline := time.Now().Add(messageWait)
		for time.Now().Before(deadline) {
			var st state
			sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &st)
			for _, m := range st.Messages {
				if m.Pane == pane && m.Dir == dir && len(m.Media) == 1 {
					return m.Text, m.Media[0]
				}
			}
			time.Sleep(30 * time.Millisecond)
		}
		t.Fatalf("no media %s in the %s pane", dir, pane)
		return "", media{}
	}
	var ok map[string]any
	sandboxCall(t, h, token, "POST", "/api/customer", map[string]any{"conversation": "c1", "name": "Ann", "lang": "en", "text": "/human"}, &ok)
	sandboxCall(t, h, token, "POST", "/api/customer", map[string]any{"conversation": "c1", "name": "Ann", "lang": "en", "text": "see this",
		"file": map[string]any{"name": "screen.png", "mime": "image/png", "data": []byte("\x89PNG fake")}}, &ok)
	text, md := waitMedia("agents", "out")
	if text != "Ann: see this" || md.Kind != "photo" || md.Name != "screen.png" || !strings.HasPrefix(md.URL, "api/file/") {
		t.Fatalf("agent pane got %q %+v", text, md)
	}
	var st state
	sandboxCall(t, h, token, "GET", "/api/state?since=0", nil, &st)
	notice := ""
	for _, m := range st.Messages {
		if m.Pane == "agents" && m.Dir == "out" && notice == "" {
			notice = m.ID
		}
	}
	sandboxCall(t, h, token, "POST", "/api/agent", map[string]any{"name": "Alice", "text": "the manual", "reply_to": notice,
		"file": map[string]any{"name": "manual.pdf", "mime": "application/pdf", "data": []byte("%PDF-1.4")}}, &ok)
	text, md = waitMedia("customer", "out")
	if text != "the manual" || md.Kind != "document" || md.Name != "manual.pdf" || md.URL == "" {
		t.Fatalf("customer pane got %q %+v", text, md)
	}
}
