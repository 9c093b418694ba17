package rules

import (
	"bufio"
	"embed"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk-bot/frontdesk/internal/chat"
)

// Sentiment scoring in the manner of VADER (Hutto & Gilbert, 2014): each
// word of a lexicon carries a valence from -4 to +4; an intensifier just
// before a word strengthens it, a negation within three words before it
// flips and weakens it, the part after "but" counts more than the part
// before, exclamation marks add emphasis, and the sum is squashed into a
// score from -1 to 1. It runs on the message's match form, the same folded
// and stemmed words the keywords are matched on, so one lexicon entry
// covers a word's forms, Traditional and Simplified characters alike, and
// a message mixing scripts is scored as one.
//
// The English lexicon is VADER's own; Russian, Chinese and the emoji were
// written for this product (rules/lexicons, each file names its source).
// A library was considered for English (github.com/jonreiter/govader): it
// tokenizes English only, with regular expressions on every call, so a
// mixed-script message would need two scorers whose scores do not add up.

//go:embed lexicons/*.tsv
var lexiconFiles embed.FS

// VADER's constants.
const (
	boostStep   = 0.293 // an intensifier adds (or a dampener takes) this much valence
	negateScale = -0.74 // a negated word's valence is multiplied by this
	butBefore   = 0.5   // words before "but" count half
	butAfter    = 1.5   // words after it one and a half
	emphasis    = 0.292 // per exclamation mark, up to maxEmphasis of them
	maxEmphasis = 4
	squashAlpha = 15 // score = sum / sqrt(sum² + alpha)
	// neutralBand: a score within ±neutralBand is neutral (VADER's 0.05).
	neutralBand = 0.05
)

// moodLexicon is the compiled lexicons: valences of words in match form,
// Chinese words (searched inside runs of Han characters, longest first),
// emoji, and the words that change other words.
type moodLexicon struct {
	words  map[string]float64
	han    map[string]float64
	hanMax int // the longest Chinese entry, in runes
	// hanItems holds every Chinese entry (words and modifiers) as the item
	// it becomes, so a position costs one lookup per candidate length;
	// hanStarts says which characters begin an entry, so most cost none.
	hanTable  map[string]moodItem
	hanStarts map[rune]bool
	emoji     map[string]float64
	negate    map[string]bool
	boost     map[string]float64 // +boostStep or -boostStep
	but       map[string]bool
	neutral   map[string]bool
}

// Words that change their neighbours, per language (in match form once compiled).
var (
	moodNegations = map[string][]string{
		"en": {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "cant", "dont",
			"doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont", "wouldnt", "shouldnt", "couldnt", "hasnt",
			"havent", "hadnt", "t"}, // "don't" folds to "don t"
		"ru": {"не", "нет", "ни", "без", "никогда", "ничуть"},
		"zh": {"不", "没", "没有", "别", "无", "未", "不是", "并不", "从不", "从没"},
	}
	moodBoosters = map[string][]string{
		"en": {"very", "really", "so", "too", "extremely", "absolutely", "totally", "completely", "incredibly",
			"super", "most", "such", "highly", "utterly", "truly", "seriously"},
		"ru": {"очень", "слишком", "совсем", "крайне", "абсолютно", "совершенно", "настолько", "так", "реально",
			"супер", "максимально", "просто"},
		"zh": {"很", "太", "非常", "超", "超级", "特别", "真", "真的", "十分", "极", "极其", "相当", "最"},
	}
	moodDampeners = map[string][]string{
		"en": {"slightly", "somewhat", "little", "kinda", "bit", "barely", "hardly", "marginally"},
		"ru": {"немного", "слегка", "чуть", "чуть-чуть", "малость"},
		"zh": {"有点", "有些", "稍微", "略", "一点"},
	}
	moodContrasts = map[string][]string{
		"en": {"but", "however"},
		"ru": {"но", "однако", "зато"},
		"zh": {"但是", "但", "可是", "不过", "然而"},
	}
	// moodNeutral are lexicon words that, in a customer's message to a
	// shop, are politeness or shop talk rather than feeling: "I'd like to
	// return", "please help", "free shipping?".
	moodNeutral = []string{"please", "pls", "help", "like", "want", "free", "ok", "okay", "yes", "sure", "kind",
		"hope", "hopefully", "care", "interested", "interest", "share", "well", "pretty", "top", "true", "fine",
		"save", "gift", "prize", "win", "credit", "order", "ordered", "chance", "offer", "promise", "cancel", "pay",
		"cut", "charge", "charged", "fee", "matter", "question", "lol", "yeah",
		// Stems shared with another sense: "honestly the worst" is no
		// praise of honesty, "how I've been treated" no treat.
		"honestly", "treated"}
)

var (
	baseMood     *moodLexicon
	baseMoodErr  error
	baseMoodOnce sync.Once
)

// builtinMood compiles the shipped lexicons once.
func builtinMood() (*moodLexicon, error) {
	baseMoodOnce.Do(func() {
		lx := &moodLexicon{words: map[string]float64{}, han: map[string]float64{}, emoji: map[string]float64{},
			negate: map[string]bool{}, boost: map[string]float64{}, but: map[string]bool{}, neutral: map[string]bool{}}
		for _, name := range []string{"en", "ru", "zh"} {
			if err := readLexicon("lexicons/sentiment_"+name+".tsv", lx.add); err != nil {
				baseMoodErr = err
				return
			}
		}
		if err := readLexicon("lexicons/sentiment_emoji.tsv", func(e string, v float64) { lx.emoji[e] = v }); err != nil {
			baseMoodErr = err
			return
		}
		for _, w := range moodNeutral {
			lx.neutral[formKey(w)] = true
		}
		for _, list := range moodNegations {
			for _, w := range list {
				lx.negate[formKey(w)] = true
			}
		}
		for sign, lists := range map[float64]map[string][]string{boostStep: moodBoosters, -boostStep: moodDampeners} {
			for _, list := range lists {
				for _, w := range list {
					lx.boost[formKey(w)] = sign
				}
			}
		}
		for _, list := range moodContrasts {
			for _, w := range list {
				lx.but[formKey(w)] = true
			}
		}
		lx.hanMax = 0
		for _, m := range []map[string]float64{lx.han} {
			for k := range m {
				lx.hanMax = max(lx.hanMax, utf8.RuneCountInString(k))
			}
		}
		for k := range lx.negate {
			if isHanKey(k) {
				lx.hanMax = max(lx.hanMax, utf8.RuneCountInString(k))
			}
		}
		for k := range lx.boost {
			if isHanKey(k) {
				lx.hanMax = max(lx.hanMax, utf8.RuneCountInString(k))
			}
		}
		lx.index()
		baseMood = lx
	})
	return baseMood, baseMoodErr
}

// index builds the Chinese lookup table from the word lists.
func (lx *moodLexicon) index() {
	lx.hanTable, lx.hanStarts = map[string]moodItem{}, map[rune]bool{}
	add := func(k string) {
		if !isHanKey(k) {
			return
		}
		lx.hanTable[k] = lx.item(k, lx.han[k])
		r, _ := utf8.DecodeRuneInString(k)
		lx.hanStarts[r] = true
		lx.hanMax = max(lx.hanMax, utf8.RuneCountInString(k))
	}
	for k := range lx.han {
		add(k)
	}
	for _, m := range []map[string]bool{lx.negate, lx.but} {
		for k := range m {
			add(k)
		}
	}
	for k := range lx.boost {
		add(k)
	}
}

// readLexicon reads "entry<TAB>valence" lines, skipping # comments.
func readLexicon(name string, add func(string, float64)) error {
	f, err := lexiconFiles.Open(name)
	if err != nil {
		return fmt.Errorf("sentiment lexicon: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		entry, value, ok := strings.Cut(line, "\t")
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if !ok || err != nil || v < -4 || v > 4 {
			return fmt.Errorf("sentiment lexicon %s:%d: want entry<TAB>valence from -4 to 4, got %q", name, n, line)
		}
		add(entry, v)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sentiment lexicon %s: %w", name, err)
	}
	return nil
}

// add puts a word in, in match form. Forms that fold to one key (hate,
// hated) keep the strongest valence.
func (lx *moodLexicon) add(word string, v float64) {
	k := formKey(word)
	if k == "" || strings.Contains(k, " ") {
		return
	}
	m := lx.words
	if isHanKey(k) {
		m = lx.han
	}
	if old, ok := m[k]; !ok || math.Abs(v) > math.Abs(old) {
		m[k] = v
	}
}

// with returns the lexicon with a rules file's additions, sharing what it
// does not change; the built-in one when there are none.
func (lx *moodLexicon) with(extra map[string]map[string]float64) *moodLexicon {
	if len(extra) == 0 {
		return lx
	}
	out := *lx
	out.words, out.han = clone(lx.words), clone(lx.han)
	out.neutral = map[string]bool{}
	for k := range lx.neutral {
		out.neutral[k] = true
	}
	for _, words := range extra {
		for w, v := range words {
			k := formKey(w)
			delete(out.neutral, k)
			if isHanKey(k) {
				out.han[k] = v
			} else if k != "" && !strings.Contains(k, " ") {
				out.words[k] = v
			}
		}
	}
	out.index()
	return &out
}

func clone(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// moodItem is one word of a message as the scorer sees it.
type moodItem struct {
	valence float64 // 0: no feeling of its own
	boost   float64
	negate  bool
	but     bool
	// clause marks the first word of a clause (after . , ! ? …) or of a
	// run of Chinese characters (which end at punctuation): a negation or
	// an intensifier never reaches past one (没有问题，谢谢).
	clause bool
}

// score rates a message: form is its match form, raw the text as written
// (for emoji and exclamation marks). It returns the score from -1 to 1 and
// the label. items is reused between calls.
// toks are the form's words as matching read them (nil: none known), for
// where clauses end: a negation or an intensifier reaches no word past a
// full stop or comma ("nobody answers. Absolutely terrible service" is not
// "not terrible").
func (lx *moodLexicon) score(form, raw string, toks []token, items []moodItem) (float64, chat.Sentiment, []moodItem) {
	items = items[:0]
	fi := 0
	for w := range strings.FieldsSeq(form) {
		brk := fi < len(toks) && toks[fi].brk
		fi++
		if isHanKey(w) {
			items = lx.hanItems(w, items)
			continue
		}
		items = append(items, lx.item(w, lx.words[w]))
		items[len(items)-1].clause = brk
	}
	var sum float64
	lastBut := -1
	for i, it := range items {
		if it.but {
			lastBut = i
		}
	}
	for i, it := range items {
		v := it.valence
		if v == 0 {
			continue
		}
		// Intensifiers right before the word, fading with distance.
		reach := 3
		for d := 0; d < 3 && i-d >= 0; d++ {
			if items[i-d].clause {
				reach = d
				break
			}
		}
		for d, fade := 1, 1.0; d <= reach && i-d >= 0; d, fade = d+1, fade*0.95 {
			if b := items[i-d].boost; b != 0 {
				if v > 0 {
					v += b * fade
				} else {
					v -= b * fade
				}
			}
		}
		for d := 1; d <= reach && i-d >= 0; d++ {
			if items[i-d].negate {
				v *= negateScale
				break
			}
		}
		switch {
		case lastBut < 0:
		case i < lastBut:
			v *= butBefore
		default:
			v *= butAfter
		}
		sum += v
	}
	sum += emojiValence(lx.emoji, raw)
	if sum != 0 {
		marks := min(strings.Count(raw, "!")+strings.Count(raw, "！"), maxEmphasis)
		sum += math.Copysign(float64(marks)*emphasis, sum)
	}
	s := sum / math.Sqrt(sum*sum+squashAlpha)
	s = math.Round(s*100) / 100
	switch {
	case s >= neutralBand:
		return s, chat.SentimentPositive, items
	case s <= -neutralBand:
		return s, chat.SentimentNegative, items
	}
	return s, chat.SentimentNeutral, items
}

func (lx *moodLexicon) item(k string, v float64) moodItem {
	if lx.neutral[k] {
		v = 0
	}
	return moodItem{valence: v, boost: lx.boost[k], negate: lx.negate[k], but: lx.but[k]}
}

// hanItems splits a run of Chinese characters into the lexicon's words,
// longest first at each position; characters in no entry are items of
// their own, so distances count as in other scripts.
func (lx *moodLexicon) hanItems(run string, items []moodItem) []moodItem {
	first := len(items)
	for len(run) > 0 {
		r, size := utf8.DecodeRuneInString(run)
		step, it := size, moodItem{}
		if lx.hanStarts[r] {
			// The longest entry starting here: candidate ends from the
			// longest down.
			var ends [8]int
			n, off := 0, 0
			for _, c := range run {
				if n == len(ends) || n == lx.hanMax {
					break
				}
				off += utf8.RuneLen(c)
				ends[n] = off
				n++
			}
			for j := n - 1; j >= 0; j-- {
				if found, ok := lx.hanTable[run[:ends[j]]]; ok {
					step, it = ends[j], found
					break
				}
			}
		}
		items = append(items, it)
		run = run[step:]
	}
	if len(items) > first {
		items[first].clause = true
	}
	return items
}

// emojiValence adds up the emoji and emoticons of a text; skin tones and
// variation selectors are skipped.
func emojiValence(table map[string]float64, raw string) float64 {
	var sum float64
	for _, r := range raw {
		if r < 0x2000 || unicode.Is(unicode.Han, r) || unicode.Is(unicode.Cyrillic, r) {
			continue
		}
		sum += table[string(r)]
	}
	if strings.IndexByte(raw, ':') >= 0 {
		for _, e := range []string{":)", ":-)", ":(", ":-(", ":D"} {
			sum += float64(strings.Count(raw, e)) * table[e]
		}
	}
	return sum
}
