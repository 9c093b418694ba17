package chat

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
