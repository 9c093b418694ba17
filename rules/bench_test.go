package rules

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// synthetic builds a rules file of n rules with kw keywords in all: groups
// of Chinese, Russian and English words, every tenth rule with a `when`
// too, and a few keyword-less rules, as real files have.
func synthetic(n, kw int) []byte {
	r := rand.New(rand.NewSource(7))
	han := []rune("退款货钱快递物流发营业时间投诉差评客服订单价格优惠尺码颜色质量包装地址电话支付")
	cyr := []rune("абвгдежзиклмнопрстуфхцчшщэюя")
	lat := []rune("abcdefghijklmnopqrstuvwxyz")
	word := func() string {
		var set []rune
		l := 2
		switch r.Intn(3) {
		case 0:
			set, l = han, 2+r.Intn(3)
		case 1:
			set, l = cyr, 4+r.Intn(6)
		default:
			set, l = lat, 4+r.Intn(6)
		}
		b := make([]rune, l)
		for i := range b {
			b[i] = set[r.Intn(len(set))]
		}
		return string(b)
	}
	var b strings.Builder
	b.WriteString("keywords:\n")
	per := kw / n
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  g%d: [", i)
		for j := 0; j < per; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", word())
		}
		b.WriteString("]\n")
	}
	b.WriteString("rules:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - id: r%d\n", i)
		switch {
		case i%100 == 99:
			b.WriteString("    when: 'chat.type == \"group\" && links > 2'\n")
		default:
			fmt.Fprintf(&b, "    keywords: [g%d]\n", i)
			if i%10 == 0 {
				b.WriteString("    when: 'hour >= 0 && !conversation.waiting_for_human'\n")
			}
		}
		fmt.Fprintf(&b, "    reply: {en: \"answer %d {{name}}\", zh: \"回答 %d\", ru: \"ответ %d\"}\n", i, i, i)
	}
	return []byte(b.String())
}

// message is a 200-character customer message mixing the three scripts.
var benchMessage = func() string {
	s := "您好，我上周买的外套还没到，快递单号查不到。Здравствуйте, хочу узнать про доставку и возврат. Hi, where is my order? I'd like a refund if it's lost. 谢谢！"
	for len([]rune(s)) < 200 {
		s += " спасибо thanks 谢谢"
	}
	return string([]rune(s)[:200])
}()

func benchEvent() (chat.Event, chat.State, time.Time) {
	ev := chat.Event{Platform: chat.Telegram, Kind: chat.KindText, ChatType: chat.ChatPrivate, ExternalID: "1",
		Customer: chat.Customer{ID: "1", Name: "Ann", Language: "en"}, Text: benchMessage}
	return ev, chat.State{Conversation: chat.Conversation{New: true}}, time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)
}

func BenchmarkDecide(b *testing.B) {
	for _, size := range []struct{ rules, keywords int }{{10, 100}, {1000, 10000}} {
		r, err := Parse("bench.yaml", synthetic(size.rules, size.keywords))
		if err != nil {
			b.Fatal(err)
		}
		ev, st, now := benchEvent()
		b.Run(fmt.Sprintf("rules=%d/keywords=%d", size.rules, size.keywords), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r.Decide(ev, st, now)
			}
		})
	}
}

// naiveRules is the baseline the index is measured against: every rule's
// keywords tested with strings.Contains and every `when` run, in order.
type naiveRules struct {
	rules []naiveRule
}

type naiveRule struct {
	keywords []string
	when     *vm.Program
}

func newNaive(f []byte) *naiveRules {
	r, err := Parse("naive.yaml", f)
	if err != nil {
		panic(err)
	}
	n := &naiveRules{}
	for _, ru := range r.rules {
		nr := naiveRule{when: ru.when}
		for _, id := range ru.terms {
			nr.keywords = append(nr.keywords, strings.ToLower(r.ix.terms[id].source))
		}
		n.rules = append(n.rules, nr)
	}
	return n
}

func (n *naiveRules) decide(text string, env Env) int {
	text = strings.ToLower(text)
	for i, ru := range n.rules {
		hit := len(ru.keywords) == 0
		for _, k := range ru.keywords {
			if strings.Contains(text, k) {
				hit = true
				break
			}
		}
		if hit && ru.when != nil {
			out, err := expr.Run(ru.when, env)
			hit = err == nil && out == true
		}
		if hit {
			return i
		}
	}
	return -1
}

func BenchmarkDecideNaive(b *testing.B) {
	for _, size := range []struct{ rules, keywords int }{{10, 100}, {1000, 10000}} {
		n := newNaive(synthetic(size.rules, size.keywords))
		env := Env{Text: benchMessage, Kind: "text", Hour: 10, Has: func(string) bool { return false }}
		b.Run(fmt.Sprintf("rules=%d/keywords=%d", size.rules, size.keywords), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				n.decide(benchMessage, env)
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	data := synthetic(1000, 10000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchForm(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		matchForm(benchMessage)
	}
}

// BenchmarkNormalize is the folding that keywords and messages share
// (NFKC, case, separators), on the 200-character mixed-script message.
func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Normalize(benchMessage)
	}
}

// BenchmarkDecideShort is the common case: a one-line message.
func BenchmarkDecideShort(b *testing.B) {
	for _, size := range []struct{ rules, keywords int }{{10, 100}, {1000, 10000}} {
		r, err := Parse("bench.yaml", synthetic(size.rules, size.keywords))
		if err != nil {
			b.Fatal(err)
		}
		ev, st, now := benchEvent()
		ev.Text = "我想退钱，快递到哪了？"
		b.Run(fmt.Sprintf("rules=%d/keywords=%d", size.rules, size.keywords), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r.Decide(ev, st, now)
			}
		})
	}
}

// syntheticExamples is synthetic with ex examples spread over the rules:
// customer-like sentences built from the rules' own words and filler, in
// the three scripts.
func syntheticExamples(n, kw, ex int) []byte {
	base := string(synthetic(n, kw))
	r := rand.New(rand.NewSource(11))
	fillers := [][]string{
		{"where", "is", "my", "can", "you", "please", "help", "with", "the", "order", "when", "will", "it", "arrive"},
		{"где", "мой", "можно", "пожалуйста", "помогите", "с", "заказом", "когда", "придет", "как", "сделать"},
		{"请问", "我的", "什么时候", "可以", "帮我", "一下", "怎么", "订单", "到了", "吗"},
	}
	per := ex / n
	var b strings.Builder
	for _, line := range strings.Split(base, "\n") {
		b.WriteString(line)
		b.WriteByte('\n')
		if !strings.HasPrefix(line, "  - id: r") {
			continue
		}
		b.WriteString("    examples:\n")
		for j := 0; j < per; j++ {
			set := fillers[r.Intn(len(fillers))]
			words := make([]string, 6+r.Intn(6))
			for k := range words {
				words[k] = set[r.Intn(len(set))]
			}
			fmt.Fprintf(&b, "      - %q\n", strings.Join(words, " ")+fmt.Sprintf(" %d", r.Intn(1000)))
		}
	}
	return []byte(b.String())
}

// BenchmarkDecideAllFeatures is issue 18's speed target: 1,000 rules,
// 10,000 keywords and 5,000 examples, every matching feature on, a
// 200-rune mixed message; p50-ns/op is the median of single decisions.
// "no-keyword" is a message no keyword matches, so the examples are
// searched too.
func BenchmarkDecideAllFeatures(b *testing.B) {
	r, err := Parse("bench.yaml", syntheticExamples(1000, 10000, 5000))
	if err != nil {
		b.Fatal(err)
	}
	ev, st, now := benchEvent()
	noKeyword := ev
	noKeyword.Text = strings.Repeat("Здравствуйте, подскажите пожалуйста, когда придет мой заказ? hello, can you help me with the order? 请问我的订单什么时候到？", 2)
	noKeyword.Text = string([]rune(noKeyword.Text)[:200])
	for _, c := range []struct {
		name string
		ev   chat.Event
	}{{"mixed", ev}, {"no-keyword", noKeyword}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			times := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				r.Decide(c.ev, st, now)
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns/op")
		})
	}
}
