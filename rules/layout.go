package rules

import (
	"strings"
	"unicode/utf8"
)

// Typing on the wrong keyboard layout: a Russian speaker whose computer is
// still on the English layout types "ult vjq pfrfp&" for "где мой заказ?",
// and someone on the Russian layout types "цруку шы ьн щквук" for "where is
// my order". Each key gives the other layout's letter, so the message is
// the one meant, key for key, in the standard ЙЦУКЕН and QWERTY layouts.

// qwertyToRussian maps what the English layout gives to what the same key
// gives on the Russian one, in lower case: letters, the keys that are
// letters there (, . ; ' [ ] ` and their shifted forms), and the punctuation
// that moves. Bytes not in it stay as they are.
var qwertyToRussian = func() (m [utf8.RuneSelf]string) {
	const latin = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~/?&^$@#"
	russian := []string{
		"й", "ц", "у", "к", "е", "н", "г", "ш", "щ", "з", "х", "ъ", "ф", "ы", "в", "а", "п", "р", "о", "л", "д", "ж", "э",
		"я", "ч", "с", "м", "и", "т", "ь", "б", "ю", "ё",
	}
	russian = append(russian, russian...) // the shifted keys, lower-cased
	russian = append(russian, ".", ",", "?", ":", ";", "\"", "№")
	for i := range len(latin) {
		m[latin[i]] = russian[i]
	}
	return m
}()

// russianToQwerty is the other way, for the letters а–я and ё (by their
// offset from а; ё is last): the Latin letter of their key, 0 for a key
// that is not a Latin letter on the English layout.
var russianToQwerty = func() (m [33]byte) {
	for l, r := range qwertyToRussian {
		if l < 'a' || l > 'z' || r == "" {
			continue
		}
		if i := russianIndex(firstRune(r)); i >= 0 {
			m[i] = byte(l)
		}
	}
	return m
}()

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// russianIndex is r's place in russianToQwerty, -1 for other runes.
func russianIndex(r rune) int {
	switch r = lower(r); {
	case r >= 'а' && r <= 'я':
		return int(r - 'а')
	case r == 'ё':
		return 32
	}
	return -1
}

// qwertyOf is the Latin letter of r's key on the English layout, 0 if none.
func qwertyOf(r rune) byte {
	if i := russianIndex(r); i >= 0 {
		return russianToQwerty[i]
	}
	return 0
}

// cyrillicKey says whether byte c is, on the Russian layout, a letter.
func cyrillicKey(c byte) bool { return c < utf8.RuneSelf && cyrillicKeys[c] }

var cyrillicKeys = func() (keys [utf8.RuneSelf]bool) {
	for c, r := range qwertyToRussian {
		keys[c] = r != "" && isCyrillic(firstRune(r))
	}
	return keys
}()

// reading is how the rules read a message that was not written in the
// letters it means.
type reading uint8

const (
	readAsWritten     reading = iota
	readTranslit              // Russian in Latin letters (translit.go)
	readRussianLayout         // Russian typed on the English layout
	readEnglishLayout         // English typed on the Russian layout
)

// readingNames are the JSON names (try's read_from).
var readingNames = [...]string{"", "translit", "russian_on_english_layout", "english_on_russian_layout"}

func (r reading) String() string { return readingNames[r] }

// DescribeReading says in words how a message was read, given
// Decision.ReadFrom, for try and people reading a trace.
func DescribeReading(name string) string {
	switch name {
	case readTranslit.String():
		return "Russian in Latin letters"
	case readRussianLayout.String():
		return "Russian typed on the English keyboard layout"
	case readEnglishLayout.String():
		return "English typed on the Russian keyboard layout"
	}
	return name
}

// reread returns the text the customer meant, and how it was read, when
// the message reads as Russian written in Latin letters or typed on the
// wrong layout, or as English typed on the Russian layout; otherwise the
// message as written. A reading must find more everyday words of its
// language than the message as written has of its own, and at least one.
func reread(s string, russian bool) (string, reading) {
	latin, cyrillic := false, false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c|0x20 >= 'a' && c|0x20 <= 'z' {
				latin = true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case isCyrillic(r):
			cyrillic = true
		case isLetterRune(r):
			return s, readAsWritten // Chinese, accented Latin: written as meant
		}
	}
	switch {
	case latin && !cyrillic && russian:
		en, other, tr := latinMarkers(s)
		ly := 0
		if other > en { // else no reading can find more words than English has
			ly = layoutRussianWords(s)
		}
		switch {
		case tr > en && tr >= ly:
			return translitText(s), readTranslit
		case ly > en && ly > tr:
			return layoutText(s), readRussianLayout
		}
	case cyrillic && !latin:
		if en := layoutEnglishWords(s); en > 0 && en > russianWords(s) {
			return layoutEnglishText(s), readEnglishLayout
		}
	}
	return s, readAsWritten
}

// layoutRussianWords counts the everyday Russian words s holds once each
// key is read on the Russian layout. A word there is a run of keys that
// are Russian letters.
func layoutRussianWords(s string) int {
	words := translitWords()
	n := 0
	var buf [128]byte
	word := buf[:0]
	count := func() {
		if utf8.RuneCount(word) >= 2 && words.ru[string(word)] {
			n++
		}
		word = buf[:0]
	}
	for i := 0; i < len(s); i++ {
		if !cyrillicKey(s[i]) || len(word)+4 > len(buf) {
			count()
			continue
		}
		word = append(word, qwertyToRussian[s[i]]...)
	}
	count()
	return n
}

// layoutText is s read key for key on the Russian layout, in lower case.
func layoutText(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < utf8.RuneSelf && qwertyToRussian[c] != "" {
			b.WriteString(qwertyToRussian[c])
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// layoutEnglishWords counts the everyday English words of s read key for
// key on the English layout; russianWords the everyday Russian words of s
// as written.
func layoutEnglishWords(s string) int {
	words := translitWords()
	n := 0
	var buf [64]byte
	word := buf[:0]
	count := func() {
		if len(word) >= 2 && words.en[string(word)] {
			n++
		}
		word = buf[:0]
	}
	for _, r := range s {
		c := qwertyOf(r)
		if c == 0 || len(word) == len(buf) {
			count()
			continue
		}
		word = append(word, c)
	}
	count()
	return n
}

func russianWords(s string) int {
	words := translitWords()
	n := 0
	eachWordAt(s, func(start, end int) {
		w := s[start:end]
		if utf8.RuneCountInString(w) >= 2 && words.ru[strings.ToLower(w)] {
			n++
		}
	})
	return n
}

// layoutEnglishText is s read key for key on the English layout: its
// Cyrillic letters become the Latin letters of their keys (in lower case).
func layoutEnglishText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if c := qwertyOf(r); c != 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
