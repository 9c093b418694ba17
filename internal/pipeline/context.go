package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// DefaultContextMessages is how many of the conversation's last messages a
// handoff's notice shows, and /history without a number.
const DefaultContextMessages = 5

// MaxHistoryMessages bounds /history N: a team-chat message has a size
// limit (Telegram 4096 characters, Discord 2000), and oneLine bounds each.
const MaxHistoryMessages = 50

// cardMessagesBudget is how many characters of messages a card shows, so
// that with its header and a notice's lines it stays a message Telegram
// accepts (4096; emoji count double there).
const cardMessagesBudget = 3200

// mediaLabels name what a customer sent other than text, as agents read it
// in a conversation's last messages: an album of photos is not "(no text)".
var mediaLabels = map[string]string{
	string(chat.KindPhoto):   "📷 photo",
	string(chat.KindSticker): "🏷 sticker",
	string(chat.KindMedia):   "📎 media",
	"voice":                  "🎤 voice",
	"audio":                  "🎵 audio",
	"video":                  "🎬 video",
	"video_note":             "🎥 video note",
	"animation":              "🎞 animation",
	"document":               "📄 document",
	"location":               "📍 location",
	"contact":                "👤 contact",
	"album":                  "🖼 album",
}

// contextCard is who the customer is and the conversation's last lines
// messages, the same on a handoff's notice and for /history. Times are in
// loc (the team's). It is plain text: nothing the customer wrote formats
// it.
func contextCard(c chat.CustomerContext, lines int, loc *time.Location) string {
	var b strings.Builder
	name := c.Name
	if c.Username != "" {
		name += " (@" + c.Username + ")"
	}
	if name = strings.TrimSpace(name); name == "" {
		name = "Customer"
	}
	fmt.Fprintf(&b, "Customer: %s · %s", name, c.Platform)
	if c.Language != "" {
		fmt.Fprintf(&b, " · %s", c.Language)
	}
	if c.Blocked {
		b.WriteString(" · ⛔ blocked")
	}
	b.WriteByte('\n')
	if c.FirstSeen.IsZero() {
		b.WriteString("First time here")
	} else {
		fmt.Fprintf(&b, "First seen %s", c.FirstSeen.In(loc).Format("2 Jan 2006"))
	}
	fmt.Fprintf(&b, " · %s before · %s before", plural(c.Conversations, "conversation"), plural(c.Handoffs, "handoff"))
	if c.LastCSAT > 0 {
		fmt.Fprintf(&b, " · last rating %d/5", c.LastCSAT)
	}
	b.WriteByte('\n')
	if len(c.Tags) > 0 {
		fmt.Fprintf(&b, "Tags: %s\n", strings.Join(c.Tags, ", "))
	}
	b.WriteString("—\n")
	msgs := c.Messages
	if lines > 0 && len(msgs) > lines {
		msgs = msgs[len(msgs)-lines:]
	}
	if len(msgs) == 0 {
		b.WriteString("(no messages yet)\n")
	}
	// The latest messages that fit: Telegram refuses a message over 4096
	// characters, and nothing would reach the team then.
	out, size := make([]string, 0, len(msgs)), 0
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		line := fmt.Sprintf("%s %s: %s\n", m.At.In(loc).Format("02 Jan 15:04"), speaker(m), messageText(m))
		if size += utf8.RuneCountInString(line); size > cardMessagesBudget {
			fmt.Fprintf(&b, "(%s earlier not shown: too long for one message)\n", plural(i+1, "message"))
			break
		}
		out = append(out, line)
	}
	for i := len(out) - 1; i >= 0; i-- {
		b.WriteString(out[i])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// speaker says who wrote a stored message.
func speaker(m chat.HistoryEntry) string {
	switch {
	case m.Direction == "in":
		return "Customer"
	case m.Direction == "note":
		return "Note"
	case chat.FromPerson(m.Kind):
		return "Agent"
	}
	return "Bot"
}

// messageText is a message on one line, media as what it is and its
// caption: "📷 photo: the broken box".
func messageText(m chat.HistoryEntry) string {
	label, media := mediaLabels[m.Kind]
	if m.Direction != "in" || !media {
		return oneLine(m.Text)
	}
	if strings.TrimSpace(m.Text) == "" {
		if len(m.Media) > 0 {
			// No caption: what the file is (name, type, size) says more
			// than its kind alone.
			emoji, _, _ := strings.Cut(label, " ")
			return emoji + " " + oneLine(mediaLine("", m.Media))
		}
		return label
	}
	return label + ": " + oneLine(m.Text)
}

func plural(n int, word string) string {
	switch n {
	case 0:
		return "no " + word + "s"
	case 1:
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// handoffContext is the customer's context on a new handoff's notice: as
// loaded, with what the event says of the customer (fresher than the
// store), the tags its decision gives, and the message handed off.
func handoffContext(ev chat.Event, st chat.State, plan *chat.Plan, now time.Time) chat.CustomerContext {
	c := st.Details.Context
	c.Platform = ev.Platform
	if ev.Customer.Name != "" || ev.Customer.Username != "" {
		c.Name, c.Username = ev.Customer.Name, ev.Customer.Username
	}
	if plan.Language != "" {
		c.Language = plan.Language
	} else if ev.Customer.Language != "" {
		c.Language = ev.Customer.Language
	}
	for _, a := range plan.Recorded {
		for _, t := range a.Tags {
			if !slices.Contains(c.Tags, t) {
				c.Tags = append(c.Tags, t)
			}
		}
	}
	at := ev.Time
	if at.IsZero() {
		at = now
	}
	c.Messages = append(c.Messages[:len(c.Messages):len(c.Messages)], chat.HistoryEntry{Direction: "in", Kind: string(ev.Kind), Text: ev.Text, At: at, Media: ev.Media})
	return c
}
