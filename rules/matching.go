package rules

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The YAML keys of matching (issue 18), inlined into fileYAML and ruleYAML
// so the file's schema stays in one place while matching keeps its own.

type matchingFileYAML struct {
	Matching *switchesYAML `yaml:"matching"`
	// Families are words of one family that stemming misses: [[deliver, delivery]].
	Families [][]str `yaml:"families"`
	// Negations add words that negate a keyword, per language: {en: [skip]}.
	Negations map[string][]str `yaml:"negations"`
	// Vocabulary adds sets of Chinese words that mean the same in Mainland,
	// Taiwan and Hong Kong usage: [[包邮, 免运费]].
	Vocabulary [][]str `yaml:"vocabulary"`
	// ThanksReply answers a message that is mainly thanks or a goodbye, when
	// no rule does; none by default (a thank-you needs no answer).
	ThanksReply texts `yaml:"thanks_reply"`
	// SpamReleaseReply is the apology a message gets when an operator
	// releases it as not spam (frontdesk spam --release), before the answer
	// the rules give it now; a built-in text in en, ru and zh by default.
	SpamReleaseReply texts `yaml:"spam_release_reply"`
}

type matchingRuleYAML struct {
	Matching *switchesYAML `yaml:"matching"`
	// Priority breaks ties between rules that match equally well; higher wins.
	Priority *int `yaml:"priority"`
	// Examples are whole customer questions the rule answers, for messages
	// that share no keyword with it.
	Examples []str `yaml:"examples"`
}

// switchesYAML turns matching features on or off; unset means inherited
// (from the file, and for the file: on).
type switchesYAML struct {
	Typos     *bool `yaml:"typos"`
	Families  *bool `yaml:"families"`
	Proximity *bool `yaml:"proximity"`
	Negation  *bool `yaml:"negation"`
	Thanks    *bool `yaml:"thanks"`
	Examples  *bool `yaml:"examples"`
}

// switches is the set of matching features on for a rule.
type switches uint8

const (
	swTypos switches = 1 << iota
	swFamilies
	swProximity
	swNegation
	swThanks
	swExamples
	swAll = swTypos | swFamilies | swProximity | swNegation | swThanks | swExamples
)

// switchNames name each switch as the file does, for warnings.
var switchNames = []struct {
	sw   switches
	name string
}{
	{swTypos, "typos"}, {swFamilies, "families"}, {swProximity, "proximity"},
	{swNegation, "negation"}, {swThanks, "thanks"}, {swExamples, "examples"},
}

func (y *switchesYAML) apply(base switches) switches {
	if y == nil {
		return base
	}
	set := func(p *bool, sw switches) {
		if p == nil {
			return
		}
		if *p {
			base |= sw
		} else {
			base &^= sw
		}
	}
	set(y.Typos, swTypos)
	set(y.Families, swFamilies)
	set(y.Proximity, swProximity)
	set(y.Negation, swNegation)
	set(y.Thanks, swThanks)
	set(y.Examples, swExamples)
	return base
}

// cue flags mark words that say something about the whole message.
type cueFlags uint16

const (
	cueThanks cueFlags = 1 << iota
	cueAsking
	cueSpam
	// cueWh is a question word (where, когда): it asks only at the start of
	// a clause or in a message with a question mark; "thanks to the agent
	// who helped me" asks nothing.
	cueWh
	// cueContrast says what the customer wants instead ("no complaint,
	// just the tracking link").
	cueContrast
	// cueRequest asks for something without a question: "send the
	// invoice", 发票给我.
	cueRequest
	// cueContent says all is well: "the size fits", 尺码合适, всё подошло.
	cueContent
	// cueWell closes like thanks: "everything is perfect", всё ок, 一切都好.
	cueWell
	// cueBut is a but (butWords): only then can something be reported done
	// before what is still missing (reportedDone).
	cueBut
	// cueWellStart starts a phrase of wellPhrases, cueAsideStart one of
	// asideWords; only the lexicon's words carry them, never a message's
	// cues.
	cueWellStart
	cueAsideStart
	cueRetractStart
)

// lexicon is the compiled word lists: negations, bridges, thanks, asking
// and spam words, in match form. Latin and Cyrillic entries are looked up
// by token (or token run, for phrases); Chinese ones are searched inside
// runs of Han characters.
type lexicon struct {
	negBefore map[string]bool // "don t", "не хоч"
	negAfter  map[string]bool
	// negWords is the most tokens of a negation phrase ("wasn t go to"),
	// how far before and after a keyword a phrase is looked for.
	negWords  int
	bridges   map[string]bool
	words     map[string]cueFlags
	common    map[string]bool
	zhBefore  []string
	zhAfter   []string
	zhBridges []string
	none      [2][]string     // noneBefore, noneAfter in match form
	needed    map[string]bool // neededWords in match form
	not       map[string]bool // notWords in match form
	// otherSenses and otherSenseKept are otherSenses and otherSensesKept
	// in match form.
	otherSenses map[string][]string
	// otherBefore are otherSensesBefore in match form.
	otherBefore    map[string][]string
	otherSenseKept map[string]bool
	notGaps        map[string]bool // notGaps in match form
	// ifs are ifWords in match form (Latin and Cyrillic), zhIfStart the
	// Chinese ones that start a run (如果), zhIfEnd those that end a
	// condition inside one (的话).
	ifs       map[string]bool
	zhIfStart []string
	zhIfEnd   []string
	// retracts are retractWords in match form (Latin and Cyrillic), by
	// their first word: the words after it; zhRetracts the Chinese ones.
	retracts   map[string][][]string
	zhRetracts []string
	// wait and zhWait are waitWords in match form.
	wait   map[string]bool
	zhWait []string
	// asides are asideWords in match form (Latin and Cyrillic), by their
	// first word: the words after it; anywhere: asideAnywhere; zhAsides
	// the Chinese ones.
	asides        map[string][][]string
	asideAnywhere map[string]bool
	zhAsides      []string
	// wellPhrases are wellPhrases in match form, by their first word:
	// the words after it.
	wellPhrases map[string][][]string
	// stillNone and zhStillNone say a thing is still missing (stillNoneWords).
	stillNone   map[string]bool
	zhStillNone []string
	// but, done and still are butWords, doneWords and stillWords: Latin
	// and Cyrillic words in match form, Chinese ones (folded) apart.
	but, done, still       map[string]bool
	zhBut, zhDone, zhStill []string
	zhCues                 map[string]cueFlags
	zhStart                []bool // by character from hanFirst: some Chinese cue starts with it
	zhByRune               map[rune][]zhCue
}

type zhCue struct {
	word  string
	flags cueFlags
}

func newLexicon() *lexicon {
	return &lexicon{negBefore: map[string]bool{}, negAfter: map[string]bool{}, bridges: map[string]bool{},
		words: map[string]cueFlags{}, common: map[string]bool{}, zhCues: map[string]cueFlags{}}
}

// formKey is a phrase's match form without the outer spaces: the key under
// which it is looked up among a message's tokens.
func formKey(s string) string { return strings.TrimSpace(matchForm(s)) }

func isHanKey(k string) bool {
	r, _ := utf8.DecodeRuneInString(k)
	return unicode.Is(unicode.Han, r)
}

func (lx *lexicon) addNegation(word string, after bool) {
	k := formKey(word)
	if k == "" {
		return
	}
	switch {
	case isHanKey(k) && after:
		lx.zhAfter = append(lx.zhAfter, k)
	case isHanKey(k):
		lx.zhBefore = append(lx.zhBefore, k)
	case after:
		lx.negAfter[k] = true
	default:
		lx.negBefore[k] = true
	}
	if !isHanKey(k) {
		lx.negWords = max(lx.negWords, strings.Count(k, " ")+1)
	}
}

// phrases compiles lists of phrases found in the one scan of a message's
// words: Latin and Cyrillic ones by their first word (which gets the cue
// flag start) with the words after it, Chinese ones apart.
func (lx *lexicon) phrases(lists map[string][]string, start cueFlags) (map[string][][]string, []string) {
	byFirst := map[string][][]string{}
	var zh []string
	for _, list := range lists {
		for _, w := range list {
			switch k := formKey(w); {
			case k == "":
			case isHanKey(k):
				zh = append(zh, k)
			default:
				words := strings.Fields(k)
				lx.words[words[0]] |= start
				byFirst[words[0]] = append(byFirst[words[0]], words[1:])
			}
		}
	}
	return byFirst, zh
}

// asideAt reports whether an aside phrase (asideWords) starts at token ti,
// the first word of a clause unless it may stand anywhere (btw).
func (lx *lexicon) asideAt(form string, toks []token, ti int) bool {
	first := form[toks[ti].start:toks[ti].end]
	start := ti == 0 || toks[ti].brk || clauseJoiner(form[toks[ti-1].start:toks[ti-1].end])
phrases:
	for _, rest := range lx.asides[first] {
		if !start && !(len(rest) == 0 && lx.asideAnywhere[first]) || ti+1+len(rest) > len(toks) {
			continue
		}
		for k, w := range rest {
			if t := toks[ti+1+k]; t.han || t.brk || form[t.start:t.end] != w {
				continue phrases
			}
		}
		return true
	}
	return false
}

// retractAt is how many words the retraction (retractWords) starting at
// token ti has, or 0.
func (lx *lexicon) retractAt(form string, toks []token, ti int) int {
phrases:
	for _, rest := range lx.retracts[form[toks[ti].start:toks[ti].end]] {
		if ti+1+len(rest) > len(toks) {
			continue
		}
		for k, w := range rest {
			if t := toks[ti+1+k]; t.han || t.brk || form[t.start:t.end] != w {
				continue phrases
			}
		}
		return 1 + len(rest)
	}
	return 0
}

// wellPhraseAt is how many words the all-is-well phrase starting at token
// ti has, or 0: it must end its clause ("found it", but not "found it
// broken") and have no clause break inside.
func (lx *lexicon) wellPhraseAt(form string, toks []token, ti int) int {
phrases:
	for _, rest := range lx.wellPhrases[form[toks[ti].start:toks[ti].end]] {
		end := ti + 1 + len(rest)
		if end > len(toks) || end < len(toks) && !toks[end].brk {
			continue
		}
		for k, w := range rest {
			t := toks[ti+1+k]
			if t.brk || t.han || form[t.start:t.end] != w {
				continue phrases
			}
		}
		return 1 + len(rest)
	}
	return 0
}

func (lx *lexicon) addCue(word string, f cueFlags) {
	k := formKey(word)
	switch {
	case k == "":
	case isHanKey(k):
		lx.zhCues[k] |= f
	case !strings.Contains(k, " "):
		lx.words[k] |= f
	}
}

// buildLexicon compiles the built-in lists and the file's additions.
func (c *compiler) buildLexicon(f *matchingFileYAML) *lexicon {
	lx := newLexicon()
	for _, m := range []struct {
		lists map[string][]string
		after bool
	}{{negationsBefore, false}, {negationsAfter, true}} {
		for _, list := range m.lists {
			for _, w := range list {
				lx.addNegation(w, m.after)
			}
		}
	}
	for lang, list := range f.Negations {
		if !validLang(strings.ToLower(lang)) {
			c.errs.add(0, 0, "negations: %q is not a language code such as zh, ru or en", lang)
		}
		for _, w := range list {
			if formKey(w.Value) == "" {
				c.errs.add(w.Line, w.Col, "negations: %q has no letters or digits", w.Value)
				continue
			}
			lx.addNegation(w.Value, false)
		}
	}
	for _, list := range negationBridges {
		for _, w := range list {
			k := formKey(w)
			if isHanKey(k) {
				lx.zhBridges = append(lx.zhBridges, k)
			} else if k != "" {
				lx.bridges[k] = true
			}
		}
	}
	// Longer bridges first, so 帮我 is stripped whole before 我.
	sort.Slice(lx.zhBridges, func(i, j int) bool { return len(lx.zhBridges[i]) > len(lx.zhBridges[j]) })
	for _, m := range []struct {
		lists map[string][]string
		flag  cueFlags
	}{{thanksWords, cueThanks}, {askingWords, cueAsking}, {whWords, cueWh}, {contrastWords, cueContrast}, {requestWords, cueRequest}, {contentWords, cueContent}, {wellWords, cueWell}, {butWords, cueBut}, {spamWords, cueSpam}} {
		for _, list := range m.lists {
			for _, w := range list {
				lx.addCue(w, m.flag)
			}
		}
	}
	for i, list := range [2][]string{noneBefore, noneAfter} {
		for _, w := range list {
			if k := formKey(w); k != "" {
				lx.none[i] = append(lx.none[i], k)
			}
		}
	}
	lx.needed, lx.not = map[string]bool{}, map[string]bool{}
	for _, w := range neededWords {
		lx.needed[formKey(w)] = true
	}
	for _, w := range notWords {
		lx.not[formKey(w)] = true
	}
	lx.otherBefore = map[string][]string{}
	for k, before := range otherSensesBefore {
		for _, b := range before {
			lx.otherBefore[formKey(k)] = append(lx.otherBefore[formKey(k)], formKey(b))
		}
	}
	lx.otherSenses, lx.otherSenseKept = map[string][]string{}, map[string]bool{}
	for k, followers := range otherSenses {
		for _, f := range followers {
			lx.otherSenses[formKey(k)] = append(lx.otherSenses[formKey(k)], formKey(f))
		}
	}
	for _, w := range otherSensesKept {
		lx.otherSenseKept[formKey(w)] = true
	}
	for _, m := range []struct {
		lists map[string][]string
		words *map[string]bool
		zh    *[]string
	}{{butWords, &lx.but, &lx.zhBut}, {doneWords, &lx.done, &lx.zhDone}, {stillWords, &lx.still, &lx.zhStill}} {
		*m.words = map[string]bool{}
		for _, list := range m.lists {
			for _, w := range list {
				switch k := formKey(w); {
				case k == "":
				case isHanKey(k):
					*m.zh = append(*m.zh, k)
				default:
					(*m.words)[k] = true
				}
			}
		}
	}
	lx.notGaps = map[string]bool{}
	for _, w := range notGaps {
		lx.notGaps[formKey(w)] = true
	}
	lx.ifs = map[string]bool{}
	for _, list := range ifWords {
		for _, w := range list {
			switch k := formKey(w); {
			case k == "":
			case k == formKey("的话"):
				lx.zhIfEnd = append(lx.zhIfEnd, k)
			case isHanKey(k):
				lx.zhIfStart = append(lx.zhIfStart, k)
			default:
				lx.ifs[k] = true
			}
		}
	}
	lx.retracts, lx.zhRetracts = lx.phrases(retractWords, cueRetractStart)
	lx.wait = map[string]bool{}
	for _, list := range waitWords {
		for _, w := range list {
			switch k := formKey(w); {
			case k == "":
			case isHanKey(k):
				lx.zhWait = append(lx.zhWait, k)
			default:
				lx.wait[k] = true
			}
		}
	}
	lx.asideAnywhere = map[string]bool{}
	lx.asides, lx.zhAsides = lx.phrases(asideWords, cueAsideStart)
	for _, w := range asideAnywhere {
		lx.asideAnywhere[formKey(w)] = true
	}
	lx.wellPhrases = map[string][][]string{}
	for _, list := range wellPhrases {
		for _, p := range list {
			words := strings.Fields(formKey(p))
			if len(words) == 0 {
				continue
			}
			lx.words[words[0]] |= cueWellStart
			lx.wellPhrases[words[0]] = append(lx.wellPhrases[words[0]], words[1:])
		}
	}
	for _, ps := range lx.wellPhrases {
		// The longest first: "don't need anything else" before "don't need anything".
		sort.SliceStable(ps, func(i, j int) bool { return len(ps[i]) > len(ps[j]) })
	}
	lx.stillNone = map[string]bool{}
	for _, w := range stillNoneWords {
		switch k := formKey(w); {
		case isHanKey(k):
			lx.zhStillNone = append(lx.zhStillNone, k)
		case k != "":
			lx.stillNone[k] = true
		}
	}
	for _, w := range commonWords {
		lx.common[formKey(w)] = true
	}
	lx.zhStart = make([]bool, hanLast-hanFirst+1)
	lx.zhByRune = map[rune][]zhCue{}
	for _, k := range keys(lx.zhCues) {
		r, _ := utf8.DecodeRuneInString(k)
		if r < hanFirst || r > hanLast {
			continue
		}
		lx.zhStart[r-hanFirst] = true
		lx.zhByRune[r] = append(lx.zhByRune[r], zhCue{word: k, flags: lx.zhCues[k]})
	}
	for _, cues := range lx.zhByRune {
		// All-is-well cues first: 没问题 must be seen before 没 (hanCues).
		sort.SliceStable(cues, func(i, j int) bool { return cues[i].flags&cueWell > cues[j].flags&cueWell })
	}
	return lx
}

// families maps a stem to the other stems of its word family, and each
// stem to the family's words as written (lower case, ё as е), which a
// short stem is checked against (see familyWord).
func (c *compiler) families(f *matchingFileYAML) (map[string][]string, map[string][]string) {
	sets := append([][]string(nil), defaultFamilies...)
	for _, fam := range f.Families {
		var set []string
		for _, w := range fam {
			k := formKey(w.Value)
			if k == "" || strings.Contains(k, " ") || isHanKey(k) {
				c.errs.add(w.Line, w.Col, "families: %q should be one English or Russian word", w.Value)
				continue
			}
			set = append(set, w.Value)
		}
		if len(fam) == 1 {
			c.errs.add(fam[0].Line, fam[0].Col, "families: a family needs two or more words")
		}
		sets = append(sets, set)
	}
	out, written := map[string][]string{}, map[string][]string{}
	for _, set := range sets {
		var stems []string
		for _, w := range set {
			if k := formKey(w); k != "" && !contains(stems, k) {
				stems = append(stems, k)
			}
			if k := formKey(w); k != "" {
				written[k] = append(written[k], strings.ReplaceAll(strings.ToLower(w), "ё", "е"))
			}
		}
		for _, s := range stems {
			for _, o := range stems {
				if o != s && !contains(out[s], o) {
					out[s] = append(out[s], o)
				}
			}
		}
	}
	return out, written
}

// shortStem is the length, in letters, up to which a stem alone is too
// short to tell a family's word from another word: платье (a dress) and
// платить (to pay) are both "плат".
const shortStem = 4

// familyWord reports whether word, as written, is a member of the family
// its stem found: a stem of more than shortStem letters says so alone; a
// shorter one must go on, a letter further, as one of the family's words
// does ("платите" is "платить", "платье" is not).
func (ix *index) familyWord(stem, word string) bool {
	n := utf8.RuneCountInString(stem)
	if n > shortStem || script(stem) != scriptCyrillic {
		// English stems are short and plain (pay, ship): Snowball's
		// Russian one strips more, so only Russian needs the check.
		return true
	}
	word = strings.ReplaceAll(strings.ToLower(word), "ё", "е")
	for _, w := range ix.familyWritten[stem] {
		if w == word || commonPrefix(w, word) > n {
			return true
		}
	}
	return false
}

// commonPrefix counts the letters two words begin with alike.
func commonPrefix(a, b string) int {
	n := 0
	for a != "" && b != "" {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		n++
		a, b = a[sa:], b[sb:]
	}
	return n
}

// vocabulary lists the sets of equivalent Chinese words, in match form.
func (c *compiler) vocabulary(f *matchingFileYAML) [][]string {
	var out [][]string
	add := func(set []string) {
		var forms []string
		for _, w := range set {
			if k := formKey(w); k != "" && !contains(forms, k) {
				forms = append(forms, k)
			}
		}
		if len(forms) > 1 {
			out = append(out, forms)
		}
	}
	for _, set := range defaultVocabulary {
		add(set)
	}
	for _, set := range f.Vocabulary {
		var ws []string
		for _, w := range set {
			if !isHanKey(formKey(w.Value)) {
				c.errs.add(w.Line, w.Col, "vocabulary: %q is not a Chinese word", w.Value)
				continue
			}
			ws = append(ws, w.Value)
		}
		add(ws)
	}
	return out
}

// overlaps warns about a keyword that two rules share when neither has a
// `when` to tell them apart: only the more specific match (then priority,
// then file order) can ever answer with it.
func (c *compiler) overlaps() {
	seen := map[string]int{}
	for i, ru := range c.r.rules {
		if ru.when != nil || !ru.stop {
			continue
		}
		told := map[string]bool{} // a keyword indexed in several forms is told once
		for _, id := range ru.terms {
			t := &c.r.ix.terms[id]
			key := t.form
			if t.re != nil || told[t.source] {
				continue
			}
			told[t.source] = true
			j, ok := seen[key]
			if !ok {
				seen[key] = i
				continue
			}
			if j == i {
				continue
			}
			other := c.r.rules[j]
			c.errs.warn(ru.line, 0, "rule %q: keyword %q is also a keyword of rule %q (line %d); with nothing more specific in a message, %s", ru.id, t.source, other.id, other.line, tieWinner(other, ru))
		}
	}
}

func tieWinner(first, second *rule) string {
	if second.priority > first.priority {
		return fmt.Sprintf("%q wins by priority", second.id)
	}
	return fmt.Sprintf("%q wins (earlier in the file); give one of them priority: or a more specific keyword", first.id)
}
