package rules

import (
	"strings"
	"sync"
)

// Russian speakers without a Cyrillic keyboard (abroad, on a work laptop,
// on a phone set up in English) write Russian in Latin letters: "gde moi
// zakaz", "hochu vernut dengi", "spasibo". To the matcher that was neither
// Russian nor English, and the message went unanswered.
//
// Such a message reads as Russian (see reread) when more of its words are
// everyday Russian words once transliterated (где, хочу, спасибо, заказ)
// than are everyday English words (where, my, want), and at least one is.
// Words of both languages ("no", "da") count for neither, and so do
// one-letter words. The Cyrillic is a best reading, not an exact one (the
// soft sign is usually left out, "i" may have been и or й): what matches
// from it goes through the typo tolerance and the stems like any other
// Russian message.

// latinWords steps through the words of s in Latin letters (see
// eachTranslitWord) of two letters or more, lower-cased, that are not
// words of both languages. It is a value on the caller's stack: telling a
// message's language allocates nothing.
type latinWords struct {
	s     string
	i     int
	lower [64]byte
}

func (it *latinWords) next() ([]byte, bool) {
	words := translitWords()
	for it.i < len(it.s) {
		start, end := nextTranslitWord(it.s, it.i)
		if start < 0 {
			it.i = len(it.s)
			break
		}
		it.i = end
		w := it.s[start:end]
		if len(w) < 2 || len(w) > len(it.lower) {
			continue
		}
		lw := it.lower[:0]
		var last byte
		run := 0
		for i := range len(w) {
			c := w[i] | 0x20 // ASCII letters and the apostrophe (0x27) alike
			if c == last {
				run++
			} else {
				last, run = c, 1
			}
			// A letter stretched for emphasis counts once, as in the match
			// form (see stretched): spasiboooo is spasibo.
			switch {
			case run == 3:
				lw = lw[:len(lw)-1]
			case run < 3:
				lw = append(lw, c)
			}
		}
		if len(lw) >= 2 && !words.both[string(lw)] {
			return lw, true
		}
	}
	return nil, false
}

// latinMarkers counts the everyday English words of s and its other
// words, and of those the everyday Russian words once transliterated.
func latinMarkers(s string) (en, other, ru int) {
	words := translitWords()
	it := latinWords{s: s}
	var cyr [128]byte
	for lw, ok := it.next(); ok; lw, ok = it.next() {
		switch {
		case words.en[string(lw)]:
			en++
		case words.ru[string(translitAppend(cyr[:0], string(lw)))]:
			ru++
			other++
		default:
			other++
		}
	}
	return en, other, ru
}

// translitText is s with its words in Latin letters transliterated.
func translitText(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	last := 0
	eachTranslitWord(s, func(start, end int) {
		b.WriteString(s[last:start])
		b.WriteString(translitWord(strings.ToLower(s[start:end])))
		last = end
	})
	b.WriteString(s[last:])
	return b.String()
}

func isLetterRune(r rune) bool {
	c := classify(r)
	return c == classLetter || c == classHan
}

// translitSteps are the Latin spellings of Russian letters, longest first
// where one is a prefix of another; a word is read left to right, taking
// the longest spelling that fits. Both the common informal spellings and
// the passport ones are here: "ya" and "ja", "yu" and "ju", "kh" and "h".
var translitSteps = []translitStep{
	{"shch", "щ"}, {"sch", "щ"}, {"sh", "ш"}, {"ch", "ч"}, {"zh", "ж"}, {"kh", "х"}, {"ts", "ц"},
	{"yo", "ё"}, {"jo", "ё"}, {"yu", "ю"}, {"ju", "ю"}, {"iu", "ю"}, {"ya", "я"}, {"ja", "я"}, {"ia", "я"},
	{"ye", "е"}, {"je", "е"},
	{"a", "а"}, {"b", "б"}, {"v", "в"}, {"w", "в"}, {"g", "г"}, {"d", "д"}, {"e", "е"}, {"z", "з"}, {"i", "и"},
	{"j", "й"}, {"k", "к"}, {"q", "к"}, {"l", "л"}, {"m", "м"}, {"n", "н"}, {"o", "о"}, {"p", "п"}, {"r", "р"},
	{"s", "с"}, {"t", "т"}, {"u", "у"}, {"f", "ф"}, {"h", "х"}, {"c", "ц"}, {"x", "кс"}, {"y", "ы"}, {"'", "ь"},
}

type translitStep struct{ latin, cyr string }

// translitByFirst is translitSteps by their first letter, in their order.
var translitByFirst = sync.OnceValue(func() *[256][]translitStep {
	var by [256][]translitStep
	for _, st := range translitSteps {
		by[st.latin[0]] = append(by[st.latin[0]], st)
	}
	return &by
})

// translitWord writes one lower-case Latin word in Cyrillic. A "y" after a
// vowel at the end of a word or before a consonant is й, and so is an "i"
// after a vowel at the end (moy, stroyka, moi → мой, стройка, мой; stoit is
// стоит); a word ending in "iy" or "yy" ends in ий or ый.
func translitWord(w string) string { return string(translitAppend(nil, w)) }

// translitAppend is translitWord appending to dst, so that telling a
// message's language allocates nothing.
func translitAppend(dst []byte, w string) []byte {
	prevVowel := false
	for i := 0; i < len(w); {
		c := w[i]
		if prevVowel && (c == 'y' && (i+1 == len(w) || !isLatinVowel(w[i+1])) || c == 'i' && i+1 == len(w)) {
			dst = append(dst, "й"...)
			i++
			prevVowel = false
			continue
		}
		if c == 'y' && i > 0 && (w[i-1] == 'i' || w[i-1] == 'y') && i+1 == len(w) {
			dst = append(dst, "й"...) // -iy, -yy: ий, ый
			i++
			continue
		}
		matched := false
		for _, st := range translitByFirst()[c] {
			if strings.HasPrefix(w[i:], st.latin) {
				dst = append(dst, st.cyr...)
				prevVowel = isLatinVowel(st.latin[len(st.latin)-1])
				i += len(st.latin)
				matched = true
				break
			}
		}
		if !matched {
			dst = append(dst, c)
			prevVowel = false
			i++
		}
	}
	return dst
}

func isLatinVowel(c byte) bool { return strings.IndexByte("aeiouy", c) >= 0 }

// translitMarkers are everyday words that tell a message's language: Russian
// ones as their transliteration reads back (so "chto" and "shto" both
// count), English ones as written.
var translitMarkers = struct {
	ru, en, both []string
}{
	ru: []string{
		"где", "мой", "моя", "мое", "моё", "мои", "мне", "меня", "мы", "вы", "вас", "нас", "он", "она", "они",
		"хочу", "хотел", "хотела", "как", "когда", "что", "што", "это", "ето", "не", "нет", "да",
		"можно", "нужно", "надо", "пожалуйста", "пожалуиста", "плиз", "спасибо", "спс", "здравствуйте", "здрасте",
		"привет", "добрый", "день", "вечер", "деньги", "денги", "заказ", "заказа", "посылка", "посылку", "почему",
		"сколько", "уже", "еще", "ещё", "есть", "будет", "был", "была", "или", "но", "тоже", "товар", "доставка",
		"доставку", "подскажите", "скажите", "помогите", "пришел", "пришла", "пришло", "вернуть", "верните",
		"возврат", "оплата", "оплатил", "оплатила", "оператор", "оператора", "человек", "сегодня", "завтра",
		"вчера", "очень", "так", "там", "тут", "здесь", "свой", "ваш", "ваша", "для", "про", "без",
		"все", "всё", "ничего", "никто", "почта", "трек", "номер", "отмена", "отменить", "жалоба", "обмен",
	},
	en: []string{
		"the", "an", "is", "are", "am", "was", "were", "be", "my", "me", "you", "your", "we", "our", "it", "its",
		"this", "that", "where", "what", "when", "how", "why", "who", "can", "could", "would", "will", "do", "does",
		"did", "please", "thanks", "thank", "order", "refund", "help", "hi", "hello", "want", "need", "not", "yes",
		"of", "for", "in", "at", "with", "and", "or", "have", "has", "get", "got", "still", "yet",
		"ok", "okay", "pls", "plz", "hey", "just", "there", "here", "from", "about", "some", "any",
	},
	// both are words of each language (no, но; da, да): they tell nothing.
	both: []string{"no", "da", "net", "ya", "na", "ne", "to", "on", "a", "i", "u", "v", "s", "k", "o"},
}

type translitSets struct{ ru, en, both map[string]bool }

var translitWords = sync.OnceValue(func() translitSets {
	s := translitSets{ru: map[string]bool{}, en: map[string]bool{}, both: map[string]bool{}}
	for _, w := range translitMarkers.ru {
		s.ru[w] = true
	}
	for _, w := range translitMarkers.en {
		s.en[w] = true
	}
	for _, w := range translitMarkers.both {
		s.both[w] = true
	}
	return s
})

// eachTranslitWord calls f with the bytes of each run of Latin letters of
// s, the apostrophes that stand for the soft sign included.
func eachTranslitWord(s string, f func(start, end int)) {
	for i := 0; i < len(s); {
		start, end := nextTranslitWord(s, i)
		if start < 0 {
			return
		}
		f(start, end)
		i = end
	}
}

// nextTranslitWord is the first word of s from byte i on (see
// eachTranslitWord), or -1, -1.
func nextTranslitWord(s string, i int) (start, end int) {
	start = -1
	for ; i < len(s); i++ {
		c := s[i]
		letter := c|0x20 >= 'a' && c|0x20 <= 'z'
		// An apostrophe after a consonant is the soft sign (den'gi,
		// vernut'), inside a word or at its end.
		inner := c == '\'' && start >= 0 && !isLatinVowel(s[i-1]|0x20) && s[i-1] != '\''
		switch {
		case (letter || inner) && start < 0:
			start = i
		case !letter && !inner && start >= 0:
			return start, i
		}
	}
	if start < 0 {
		return -1, -1
	}
	return start, len(s)
}

// hasCyrillicKeyword reports whether a keyword of the file, in a group or a
// rule, is written in Cyrillic: then Russian written in Latin letters has
// something to match even in a file whose texts are all in one language.
func (c *compiler) hasCyrillicKeyword() bool {
	cyrillic := func(items []keywordItem) bool {
		for _, k := range items {
			if strings.ContainsFunc(k.Word.Value, isCyrillic) {
				return true
			}
		}
		return false
	}
	for _, items := range c.f.Keywords {
		if cyrillic(items) {
			return true
		}
	}
	for _, ry := range c.f.Rules {
		if cyrillic(ry.Keywords) {
			return true
		}
	}
	return false
}
