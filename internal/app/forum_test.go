package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk-bot/frontdesk/bots/telegram/telegramtest"
	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// topicUpdate is an agent writing in a forum topic without replying to
// anything: Telegram then sets reply_to_message to the topic's first
// message, which must not be read as a reply.
func topicUpdate(updateID, agentID int64, agentName string, thread int64, text string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "message": {"message_id": %d, "date": %d,
		"message_thread_id": %d, "is_topic_message": true,
		"chat": {"id": %d, "type": "supergroup", "title": "Support", "is_forum": true},
		"from": {"id": %d, "is_bot": false, "first_name": %q},
		"reply_to_message": {"message_id": %d, "date": 1700000000, "chat": {"id": %d, "type": "supergroup", "is_forum": true},
			"forum_topic_created": {"name": "Ann · telegram", "icon_color": 7322096}},
		"text": %q}}`, updateID, 10000+updateID, time.Now().Unix(), thread, teamChat, agentID, agentName, thread, teamChat, text))
}

// topicButton is an agent pressing a button under a message in a topic.
func topicButton(updateID, agentID int64, agentName string, messageID, thread int64, data string) []byte {
	return []byte(fmt.Sprintf(`{"update_id": %d, "callback_query": {"id": "cb%d", "chat_instance": "1",
		"from": {"id": %d, "is_bot": false, "first_name": %q},
		"message": {"message_id": %d, "date": 1700000000, "message_thread_id": %d, "is_topic_message": true,
			"chat": {"id": %d, "type": "supergroup", "is_forum": true}},
		"data": %q}}`, updateID, updateID, agentID, agentName, messageID, thread, teamChat, data))
}

// TestHandoffInForumTopic plays the lifecycle in a forum group: the
// handoff opens a topic for the customer, the agent claims and answers in
// it, the customer's answer lands in it, the agent resolves there, the bot
// takes over again, and a later handoff of the same customer reuses the
// topic (or opens a new one if agents deleted it).
func TestHandoffInForumTopic(t *testing.T) {
	fake := telegramtest.New()
	t.Cleanup(fake.Close)
	fake.SetForum(teamChat)
	cfg := testConfig(t, fake, filepath.Join(t.TempDir(), "fd.db"), "webhook")
	cfg.Handoff = config.Handoff{Teams: []config.Team{{Name: "support", Bot: "shop", ChatID: "-1001234567890"}}}
	h := start(t, cfg, fake)
	const customer = 4242

	h.post(update(1, customer, "en", "this is a scam, where is my money?"), secret)
	notice := h.lastTo(teamChat, 1)
	topics := fake.Topics()
	if len(topics) != 1 || topics[0].Name != "Ann · telegram" || topics[0].ChatID != teamChat {
		t.Fatalf("topics = %+v, want one named after the customer", topics)
	}
	thread := topics[0].ThreadID
	if notice.ThreadID != thread || !strings.Contains(notice.Text, "Rule: complaint") {
		t.Fatalf("notification %+v, want it in topic %d", notice, thread)
	}

	h.post(topicButton(100, 7, "Alice", notice.MessageID, thread, "claim:1"), secret)
	if got := h.lastTo(teamChat, 2); got.Text != "Alice owns this conversation." || got.ThreadID != thread {
		t.Fatalf("claim confirmation %+v, want it in the topic", got)
	}
	// Writing in the topic answers the customer; no reply needed.
	h.post(topicUpdate(200, 7, "Alice", thread, "Hi Ann, the refund goes out today."), secret)
	if got := h.lastTo(customer, 2).Text; got != "A colleague from support has joined the conversation." {
		t.Fatalf("customer told %q on the claim", got)
	}
	if got := h.lastTo(customer, 3).Text; got != "Hi Ann, the refund goes out today." {
		t.Fatalf("customer got %q", got)
	}
	h.post(update(2, customer, "en", "thanks! and how do refunds work?"), secret)
	if got := h.lastTo(teamChat, 3); got.Text != "Ann: thanks! and how do refunds work?" || got.ThreadID != thread {
		t.Fatalf("customer's answer reached the team chat as %+v, want it in the topic", got)
	}
	h.post(topicUpdate(201, 7, "Alice", thread, "/resolve"), secret)
	if got := h.lastTo(teamChat, 4); !strings.HasPrefix(got.Text, "Resolved by Alice.") || got.ThreadID != thread {
		t.Fatalf("resolve confirmation %+v", got)
	}
	h.post(update(3, customer, "en", "where is my order?"), secret)
	// 4 and 5 told the customer it closed and asked whether it was solved.
	if got := h.lastTo(customer, 6).Text; !strings.HasPrefix(got, "Orders ship") {
		t.Fatalf("after resolving, the customer got %q", got)
	}
	// Writing in the topic of a closed conversation reaches nobody, and says so.
	h.post(topicUpdate(202, 7, "Alice", thread, "one more thing"), secret)
	if got := h.lastTo(teamChat, 5); !strings.HasPrefix(got.Text, "Not sent: this conversation is closed") || got.ThreadID != thread {
		t.Fatalf("message in a closed topic: team told %+v", got)
	}

	// The same customer handed off again: the same topic.
	h.post(update(4, customer, "en", "/human"), secret)
	if got := h.lastTo(teamChat, 6); got.ThreadID != thread || !strings.HasPrefix(got.Text, "Handoff") {
		t.Fatalf("second handoff notice %+v, want it in topic %d", got, thread)
	}
	if n := len(fake.Topics()); n != 1 {
		t.Fatalf("%d topics, want the first one reused", n)
	}
	// Agents delete the topic; the customer's next message opens a new one.
	fake.DeleteTopic(teamChat, thread)
	h.post(update(5, customer, "en", "hello? anyone?"), secret)
	got := h.lastTo(teamChat, 7)
	topics = fake.Topics()
	if len(topics) != 2 || got.ThreadID != topics[1].ThreadID || got.Text != "Ann: hello? anyone?" {
		t.Fatalf("after deleting the topic: message %+v, topics %+v; want a new topic", got, topics)
	}
	h.post(topicUpdate(203, 7, "Alice", topics[1].ThreadID, "Still here, Ann."), secret)
	h.waitIdle(h.app.Store())
	if sent := fake.Sent(); sent[len(sent)-1].ChatID != customer || sent[len(sent)-1].Text != "Still here, Ann." {
		t.Fatalf("the agent's answer from the new topic did not reach the customer; last sent %+v", sent[len(sent)-1])
	}
}
