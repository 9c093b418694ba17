package chat

import "time"

// MessageType is what kind of message a customer sent (DOMAIN.md D14),
// decided with the message and kept with its decision for reports.
type MessageType string

// The message types, in the order D14 ranks them for attention:
// after-sales (complaints included) before product questions before
// business before chit-chat; spam last.
const (
	TypeAfterSales MessageType = "after_sales"
	TypeInquiry    MessageType = "inquiry"
	TypeBusiness   MessageType = "business"
	TypePraise     MessageType = "praise"
	TypeChitchat   MessageType = "chitchat"
	TypeSpam       MessageType = "spam"
)

// MessageTypes lists every type, in D14's order.
var MessageTypes = []MessageType{TypeAfterSales, TypeInquiry, TypeBusiness, TypePraise, TypeChitchat, TypeSpam}

// Valid reports whether t is one of MessageTypes.
func (t MessageType) Valid() bool {
	for _, v := range MessageTypes {
		if t == v {
			return true
		}
	}
	return false
}

// Sentiment is how a customer's message sounds.
type Sentiment string

// The sentiments; Sentiments lists them from worst to best.
const (
	SentimentNegative Sentiment = "negative"
	SentimentNeutral  Sentiment = "neutral"
	SentimentPositive Sentiment = "positive"
)

// Sentiments lists every sentiment, worst first.
var Sentiments = []Sentiment{SentimentNegative, SentimentNeutral, SentimentPositive}

// Insight is what the rules read off a customer's message besides what to
// do about it: its type and its sentiment, with a score from -1 (very
// negative) to 1 (very positive).
type Insight struct {
	Type           MessageType `json:"type,omitempty"`
	Sentiment      Sentiment   `json:"sentiment,omitempty"`
	SentimentScore float64     `json:"sentiment_score"`
}

// SpikeKind is what a volume counts: the messages a rule acted on, the
// messages of a type, or the negative messages.
type SpikeKind string

// The volumes watched for spikes.
const (
	SpikeRule      SpikeKind = "rule"
	SpikeType      SpikeKind = "type"
	SpikeSentiment SpikeKind = "sentiment" // name: the sentiment, "negative"
)

// VolumeCount is how many customer messages of one kind and name arrived
// in the window that ended WeeksAgo weeks before the window asked about
// (0: that window itself).
type VolumeCount struct {
	Kind     SpikeKind
	Name     string
	WeeksAgo int
	Count    int
}

// Spike is a volume above its usual level, remembered while it lasts so
// that its alert is sent once.
type Spike struct {
	ID      int64
	Kind    SpikeKind
	Name    string
	Team    string
	Started time.Time
	Count   int     // messages in the hour that started it
	Usual   float64 // the baseline it was measured against
}
