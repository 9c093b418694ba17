package rules

import (
	"math"
	"time"

	"github.com/frontdesk-bot/frontdesk/internal/chat"

	"github.com/frontdesk-bot/frontdesk/internal/hours"
)

// Env is what a rule's `when` expression can read. Field names are the names
// marketers write; every one is documented in the README's rules section.
type Env struct {
	Text     string `expr:"text"`     // the message as written
	Kind     string `expr:"kind"`     // text, command, photo, sticker, callback
	Platform string `expr:"platform"` // telegram, discord
	Language string `expr:"language"` // the language the reply will be in: zh, ru, en, …
	Links    int    `expr:"links"`    // how many links the message contains
	// Type is the message's type as the classifier sees it (D14):
	// inquiry, after_sales, praise, business, chitchat or spam. A rule's
	// own type: is not known yet while rules are being decided.
	Type string `expr:"type"`
	// Sentiment is negative, neutral or positive; SentimentScore runs from
	// -1 (very negative) to 1 (very positive).
	Sentiment      string  `expr:"sentiment"`
	SentimentScore float64 `expr:"sentiment_score"`
	Chat           ChatEnv `expr:"chat"`
	// Media is the message's first photo, file, voice note… (zero values
	// when it has none): media.mime == "image/png" answers a screenshot.
	Media        MediaEnv        `expr:"media"`
	Customer     CustomerEnv     `expr:"customer"`
	Conversation ConversationEnv `expr:"conversation"`
	Now          time.Time       `expr:"now"`     // in the rules file's timezone
	Hour         int             `expr:"hour"`    // 0–23, in the rules file's timezone
	Weekday      string          `expr:"weekday"` // mon, tue, wed, thu, fri, sat, sun
	// InBusinessHours is true within the file's business_hours (always, when there are none).
	InBusinessHours bool `expr:"in_business_hours"`
	// Incidents lists the rules with an open incident (D17): many customers
	// handed off by that rule at once. `"delivery_delay" in incidents`
	// lets a rule answer "we know, we're on it".
	Incidents []string `expr:"incidents"`
	// Has reports whether the message contains a keyword of the named group.
	Has func(group string) bool `expr:"has"`
	// Step counts one closure step against the budget (see budget.go); the
	// budget patcher calls it in every closure body. It is a field bound
	// once per scratch, like Has, because expr calls a func() bool field
	// without allocating, and a function with arguments allocates once its
	// call count passes expr's estimate, which a loop always does. A rule
	// cannot name it: names starting with __ are refused.
	Step func() bool `expr:"__step"`
	// meter is the budget of the evaluation in progress, for the counted
	// built-ins; unexported, so expressions cannot read it.
	meter *meter
}

// MediaEnv describes a message's media to rules.
type MediaEnv struct {
	Kind     string `expr:"kind"`     // photo, document, voice, audio, video, video_note, animation, sticker, location, contact; "" for none
	MIME     string `expr:"mime"`     // image/png, application/pdf, audio/ogg, …; "" when the platform does not say
	Size     int    `expr:"size"`     // bytes; 0 when unknown
	Name     string `expr:"name"`     // the file's name, where it has one
	Duration int    `expr:"duration"` // seconds, for voice, audio and video
	Count    int    `expr:"count"`    // how many media the message carries (a Discord message may have several)
}

// mediaEnv is what rules see of a message's media: the first one's details.
func mediaEnv(media []chat.Media) MediaEnv {
	if len(media) == 0 {
		return MediaEnv{}
	}
	m := media[0]
	return MediaEnv{Kind: string(m.Kind), MIME: m.MIME, Size: int(min(m.Size, int64(math.MaxInt32))), Name: m.Name, Duration: m.Duration, Count: len(media)}
}

type ChatEnv struct {
	Type string `expr:"type"` // private, group, channel
}

type CustomerEnv struct {
	Name     string `expr:"name"`
	Username string `expr:"username"`
	New      bool   `expr:"new"` // first message ever from this customer
	// Messages1h and Messages24h count the customer's earlier messages in
	// the last hour and day.
	Messages1h  int `expr:"messages_1h"`
	Messages24h int `expr:"messages_24h"`
	// Attrs are what the customer told before a handoff (collect:):
	// customer.attrs.order; "" while unknown.
	Attrs map[string]string `expr:"attrs"`
}

type ConversationEnv struct {
	New              bool          `expr:"new"`               // first message of the conversation (or after the idle period)
	WaitingForHuman  bool          `expr:"waiting_for_human"` // handed off and not yet back with the bot
	CustomerMessages int           `expr:"customer_messages"` // the customer's earlier messages in this conversation
	Age              time.Duration `expr:"age"`               // since the conversation started: age > duration("2h")
}

var weekdays = hours.Weekdays
