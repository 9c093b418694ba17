package rules

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Clustering of unanswered messages: which questions customers keep asking
// that no rule answers, and what to add to which rule. It works offline on
// the rules' own normalization (folding, Traditional→Simplified, stems), so
// "delivery", "deliveries" and "Delivery!" are one word and 出貨/出货 one
// bigram. Messages are vectors of weighted terms — word stems, adjacent word
// pairs, and for Chinese (no spaces to split on) character bigrams — and
// are grouped greedily, most frequent first, by cosine similarity to a
// cluster's centroid. A few hundred distinct texts take milliseconds.

// TextCount is a message text and how many times customers wrote it.
type TextCount struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// Cluster is a group of unanswered messages sharing words.
type Cluster struct {
	Count    int         // messages in the cluster
	Examples []TextCount // its most frequent texts, at most MaxExamples
	// Terms are the words (or Chinese bigrams) most of its messages share,
	// most telling first, as customers wrote them.
	Terms []string
	// Rule is the rule that most likely should have answered, "" when no
	// rule's words come close: then the suggestion is a new rule.
	Rule string
	// Keywords are suggested for Rule (or a new rule); Example is a whole
	// message to add as an example question.
	Keywords []string
	Example  string
}

// MaxExamples is how many texts a cluster shows.
const MaxExamples = 3

// clusterThreshold is the cosine similarity a text needs to join a
// cluster: below it, texts share a word by chance ("order" in "cancel my
// order" and "order status") more often than a question.
const clusterThreshold = 0.3

// ClusterTexts groups texts (the same text given once, with its count)
// into at most n clusters, largest first. Texts without a telling word
// ("thanks", "ok?") are in none: there is nothing in them to add. With r, each cluster names the
// rule whose keywords, id and texts are closest to it; r may be nil.
func ClusterTexts(texts []TextCount, r *Rules, n int) []Cluster {
	docs := make([]doc, 0, len(texts))
	df := map[string]int{}
	for _, t := range texts {
		d := newDoc(t)
		if len(d.terms) == 0 {
			continue
		}
		for term := range d.terms {
			df[term]++
		}
		docs = append(docs, d)
	}
	// Most frequent first, so a cluster grows around its typical message.
	slices.SortStableFunc(docs, func(a, b doc) int { return cmp.Compare(b.count, a.count) })
	idf := func(term string) float64 { return math.Log(1 + float64(len(docs))/float64(df[term])) }
	for i := range docs {
		docs[i].weigh(idf, df)
	}

	var clusters []*building
	for i := range docs {
		d := &docs[i]
		var best *building
		bestSim := clusterThreshold
		for _, c := range clusters {
			if s := c.similarity(d); s >= bestSim {
				best, bestSim = c, s
			}
		}
		if best == nil {
			best = &building{centroid: map[string]float64{}, display: map[string]float64{}, surface: map[string]map[string]int{}}
			clusters = append(clusters, best)
		}
		best.add(d)
	}
	slices.SortStableFunc(clusters, func(a, b *building) int { return cmp.Compare(b.count, a.count) })

	// How many texts hold each Chinese run, to tell words from cuts.
	corpus := map[string]int{}
	for i := range docs {
		for sub := range hanRuns(docs[i].han) {
			corpus[sub]++
		}
	}
	out := make([]Cluster, 0, min(n, len(clusters)))
	for _, c := range clusters[:min(n, len(clusters))] {
		out = append(out, c.result(r, corpus))
	}
	return out
}

// doc is one text as weighted terms.
type doc struct {
	text    string
	count   int
	terms   map[string]float64 // term → weight (kind weight × idf, normalized), shared terms only
	raw     map[string]float64 // every term → kind weight × idf, for naming and ranking
	surface map[string]string  // term → how the customer wrote it
	han     []string           // runs of Chinese characters, folded to Simplified
}

// Weights of the kinds of term: a pair of words says more than one word,
// a Chinese bigram about as much as a word, a single Han character little.
const (
	weightWord    = 1.0
	weightPair    = 1.5
	weightBigram  = 1.0
	weightHanChar = 0.3
)

func newDoc(t TextCount) doc {
	d := doc{text: t.Text, count: max(t.Count, 1), terms: map[string]float64{}, surface: map[string]string{}}
	add := func(term, surface string, w float64) {
		if d.terms[term] < w {
			d.terms[term] = w
		}
		if _, ok := d.surface[term]; !ok {
			d.surface[term] = surface
		}
	}
	prev, prevSurface := "", ""
	for _, word := range strings.Fields(Normalize(stripMasks(t.Text))) {
		if isHanWord(word) {
			prev = ""
			han := []rune(word)
			folded := []rune(strings.TrimSpace(matchForm(word)))
			if len(folded) != len(han) {
				folded = han
			}
			d.han = append(d.han, string(folded))
			for i, r := range folded {
				if !zhStop[r] {
					add(string(r), string(han[i]), weightHanChar)
				}
				if i+1 < len(folded) && !(zhStop[r] && zhStop[folded[i+1]]) {
					add(string(folded[i:i+2]), string(han[i:i+2]), weightBigram)
				}
			}
			continue
		}
		stemmed := strings.TrimSpace(matchForm(word))
		if stemmed == "" || stopWord(word) || utf8.RuneCountInString(word) < 2 || isNumber(word) {
			prev = ""
			continue
		}
		add(stemmed, word, weightWord)
		if prev != "" {
			add(prev+" "+stemmed, prevSurface+" "+word, weightPair)
		}
		prev, prevSurface = stemmed, word
	}
	return d
}

// weigh multiplies each term by its idf and normalizes the vector. A term
// no other text has cannot link this text to any, but would dilute its
// similarity to every one: it stays out of the vector (and in raw).
func (d *doc) weigh(idf func(string) float64, df map[string]int) {
	d.raw = make(map[string]float64, len(d.terms))
	var norm float64
	for t, w := range d.terms {
		w *= idf(t)
		d.raw[t] = w
		if df[t] < 2 {
			delete(d.terms, t)
			continue
		}
		d.terms[t] = w
		norm += w * w
	}
	norm = math.Sqrt(norm)
	for t := range d.terms {
		d.terms[t] /= norm
	}
}

// building is a cluster while texts join it.
type building struct {
	count    int
	docs     []*doc
	centroid map[string]float64 // sum of the members' vectors
	norm     float64
	display  map[string]float64        // sum of the members' raw weights, by count
	surface  map[string]map[string]int // term → spellings → messages
}

func (c *building) similarity(d *doc) float64 {
	if c.norm == 0 {
		return 0
	}
	var dot float64
	for t, w := range d.terms {
		dot += w * c.centroid[t]
	}
	return dot / c.norm
}

func (c *building) add(d *doc) {
	c.count += d.count
	c.docs = append(c.docs, d)
	for t, w := range d.terms {
		// Each distinct text counts once in the direction of the cluster,
		// so one text written a hundred times does not make the cluster
		// deaf to the other ways of asking.
		c.centroid[t] += w
	}
	for t, w := range d.raw {
		c.display[t] += w * float64(d.count)
		if c.surface[t] == nil {
			c.surface[t] = map[string]int{}
		}
		c.surface[t][d.surface[t]] += d.count
	}
	var norm float64
	for _, w := range c.centroid {
		norm += w * w
	}
	c.norm = math.Sqrt(norm)
}

func (c *building) result(r *Rules, corpus map[string]int) Cluster {
	out := Cluster{Count: c.count}
	for _, d := range c.docs[:min(MaxExamples, len(c.docs))] {
		out.Examples = append(out.Examples, TextCount{Text: d.text, Count: d.count})
	}
	out.Example = c.docs[0].text
	// Terms: shared by at least half the messages (all, for a lone text),
	// ranked by weight in the centroid; a word inside a chosen pair or a
	// character inside a chosen bigram adds nothing.
	type scored struct {
		term    string
		support int
		weight  float64
	}
	var terms []scored
	for t, w := range c.display {
		if isHanWord(t) {
			continue // Chinese terms come from hanTerms, whole words rather than bigrams
		}
		support := 0
		for _, d := range c.docs {
			if _, ok := d.raw[t]; ok {
				support += d.count
			}
		}
		if 2*support >= c.count {
			terms = append(terms, scored{t, support, w})
		}
	}
	slices.SortFunc(terms, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.weight, a.weight), cmp.Compare(b.support, a.support), strings.Compare(a.term, b.term))
	})
	for _, h := range c.hanTerms(corpus) {
		terms = append(terms, scored{term: h.term, support: h.support, weight: float64(h.support)})
	}
	// Most shared first; among equals, Latin and Cyrillic by weight,
	// Chinese by length.
	slices.SortStableFunc(terms, func(a, b scored) int { return cmp.Compare(b.support, a.support) })
	var chosen []string
	for _, s := range terms {
		if len(chosen) == 5 {
			break
		}
		if covered(s.term, chosen) {
			continue
		}
		chosen = append(chosen, s.term)
	}
	for _, t := range chosen {
		if isHanWord(t) {
			// Folded to Simplified: a Simplified keyword matches both scripts.
			out.Terms = append(out.Terms, t)
			continue
		}
		out.Terms = append(out.Terms, mostWritten(c.surface[t]))
	}
	if r != nil {
		out.Rule = r.closestRule(c.display)
	}
	// Suggested keywords: the cluster's telling terms the rule does not
	// already have, at most three; single Han characters are too loose.
	var have map[string]bool
	if out.Rule != "" {
		have = r.vocabulary()[out.Rule].keywords
	}
	for i, t := range chosen {
		if len(out.Keywords) == 3 {
			break
		}
		if have[t] || utf8.RuneCountInString(t) == 1 && isHanWord(t) {
			continue
		}
		out.Keywords = append(out.Keywords, out.Terms[i])
	}
	return out
}

// hanTerm is a run of Chinese characters many of a cluster's messages share.
type hanTerm struct {
	term    string
	support int
}

// hanTerms finds the runs of 2–4 Chinese characters shared by at least half
// of the cluster's messages, longest and most shared first. Chinese has no
// spaces, so shared runs stand in for words: 发货 in 什么时候发货 and 还没发货.
// Runs that begin or end with a grammar character (了, 吗, 我) are cut words.
func (c *building) hanTerms(corpus map[string]int) []hanTerm {
	support := map[string]int{}
	for _, d := range c.docs {
		for sub := range hanRuns(d.han) {
			support[sub] += d.count
		}
	}
	var out []hanTerm
	for t, n := range support {
		if 2*n >= c.count && c.count > 0 {
			out = append(out, hanTerm{t, n})
		}
	}
	// Among equally shared runs, one found in more of all the texts is
	// more likely a word than a cut across two (发货 over 候发); then shorter.
	slices.SortFunc(out, func(a, b hanTerm) int {
		return cmp.Or(cmp.Compare(b.support, a.support), cmp.Compare(corpus[b.term], corpus[a.term]),
			cmp.Compare(len(a.term), len(b.term)), strings.Compare(a.term, b.term))
	})
	return out
}

// hanRuns are the distinct runs of 2–3 characters of a text's Chinese,
// without those that begin or end with a grammar character or hold a
// question word (什么, 时候): those are how people ask, not what about.
func hanRuns(han []string) map[string]bool {
	out := map[string]bool{}
	for _, run := range han {
		rs := []rune(run)
		for i := range rs {
			for n := 2; n <= 3 && i+n <= len(rs); n++ {
				sub := rs[i : i+n]
				if zhStop[sub[0]] || zhStop[sub[n-1]] || hasQuestionWord(string(sub)) {
					continue
				}
				out[string(sub)] = true
			}
		}
	}
	return out
}

var zhQuestionWords = []string{"什么", "怎么", "时候", "多少", "哪里", "为什", "多久", "几点"}

func hasQuestionWord(s string) bool {
	for _, q := range zhQuestionWords {
		if strings.Contains(s, q) {
			return true
		}
	}
	return false
}

// covered reports whether term is part of a chosen term, or contains one
// (then the longer says it better, and was ranked first or will be).
func covered(term string, chosen []string) bool {
	for _, c := range chosen {
		if strings.Contains(c, term) || strings.Contains(term, c) {
			return true
		}
		// Chinese runs sharing a character are one word cut two ways
		// (物流 and 流信 in 物流信息), and word pairs sharing a word one
		// phrase cut two ways (gift cards, sell gift): keep the first,
		// better ranked.
		if isHanWord(term) && isHanWord(c) && strings.ContainsAny(term, c) {
			return true
		}
		if !isHanWord(term) && !isHanWord(c) && sharesWord(term, c) {
			return true
		}
	}
	return false
}

func sharesWord(a, b string) bool {
	for _, w := range strings.Fields(a) {
		if slices.Contains(strings.Fields(b), w) {
			return true
		}
	}
	return false
}

func mostWritten(spellings map[string]int) string {
	best, n := "", -1
	for s, c := range spellings {
		if c > n || c == n && s < best {
			best, n = s, c
		}
	}
	return best
}

// ruleVocab is what a rule is about, as terms: its keywords (groups
// expanded), its id and button label, and the words of its texts.
type ruleVocab struct {
	terms    map[string]float64
	keywords map[string]bool // terms that come from keywords
}

// Weights of where a rule's term comes from: a keyword is the author's
// intent, the id and label name it, the reply's words only hint.
const (
	vocabKeyword = 1.0
	vocabName    = 0.8
	vocabText    = 0.4
)

type vocabSource struct {
	id              string
	keywords, names []string
	texts           []string
	answers         bool // replies or hands off: a rule that could have answered
	conditional     bool // has a when
}

// vocabulary is computed on first use: a loaded file may never be asked.
func (r *Rules) vocabulary() map[string]ruleVocab {
	r.vocabOnce.Do(func() {
		r.vocab = map[string]ruleVocab{}
		docFreq := map[string]int{}
		for _, src := range r.vocabSources {
			if !src.answers {
				continue
			}
			v := ruleVocab{terms: map[string]float64{}, keywords: map[string]bool{}}
			put := func(texts []string, w float64, kw bool) {
				for _, t := range texts {
					d := newDoc(TextCount{Text: t, Count: 1})
					for term, tw := range d.terms {
						if w*tw > v.terms[term] {
							v.terms[term] = w * tw
						}
						if kw {
							v.keywords[term] = true
						}
					}
				}
			}
			put(src.keywords, vocabKeyword, true)
			put(src.names, vocabName, false)
			put(src.texts, vocabText, false)
			for t := range v.terms {
				docFreq[t]++
			}
			r.vocab[src.id] = v
		}
		// A word in every rule's texts ("order", "please") tells none apart.
		n := float64(len(r.vocab))
		for _, v := range r.vocab {
			for t, w := range v.terms {
				v.terms[t] = w * math.Log(1+n/float64(docFreq[t]))
			}
		}
	})
	return r.vocab
}

// closestRule is the answering rule whose vocabulary shares the most
// weight with the cluster, "" when none shares enough to be a guess.
func (r *Rules) closestRule(centroid map[string]float64) string {
	vocab := r.vocabulary()
	best, bestScore := "", 0.0
	var norm float64
	for _, w := range centroid {
		norm += w * w
	}
	norm = math.Sqrt(norm)
	if norm == 0 {
		return ""
	}
	for _, src := range r.vocabSources {
		v, ok := vocab[src.id]
		if !ok {
			continue
		}
		var score float64
		for t, w := range centroid {
			vw, ok := v.terms[t]
			if !ok {
				// Unanswered messages are full of misspelt keywords
				// ("delivry"): a near word counts, a little less.
				vw = 0.8 * nearTerm(t, v.terms)
			}
			score += w / norm * vw
		}
		if src.conditional {
			// A rule that answers only sometimes (an incident notice) is
			// less likely the one a question was missing than its twin
			// without a condition.
			score *= 0.9
		}
		if score > bestScore {
			best, bestScore = src.id, score
		}
	}
	if bestScore < minRuleScore {
		return ""
	}
	return best
}

// nearTerm is the weight of a vocabulary word within a typo of t (edit
// distance 1 from 5 letters, 2 from 9, as keyword typos are matched), or 0.
// Chinese and word pairs are compared exactly only.
func nearTerm(t string, vocab map[string]float64) float64 {
	n := utf8.RuneCountInString(t)
	if n < 5 || isHanWord(t) || strings.Contains(t, " ") {
		return 0
	}
	limit := 1
	if n >= 9 {
		limit = 2
	}
	best := 0.0
	for v, w := range vocab {
		if w > best && !strings.Contains(v, " ") && abs(utf8.RuneCountInString(v)-n) <= limit && editDistance(t, v) <= limit {
			best = w
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// minRuleScore is the least overlap for naming a rule: below it the cluster
// shares only a stray word with the rule's texts, and a new rule is the
// better suggestion.
const minRuleScore = 0.15

// vocabState holds the lazily built vocabulary of a Rules.
type vocabState struct {
	vocabSources []vocabSource
	vocabOnce    sync.Once
	vocab        map[string]ruleVocab
}

// vocabSourcesOf keeps the raw words of each rule for the vocabulary.
func vocabSourcesOf(f *fileYAML) []vocabSource {
	var out []vocabSource
	for i := range f.Rules {
		ry := &f.Rules[i]
		src := vocabSource{id: ry.ID.Value, names: []string{strings.NewReplacer("-", " ", "_", " ").Replace(ry.ID.Value)}}
		src.answers = ry.Reply.set() || ry.Handoff != nil
		src.conditional = ry.When.Value != ""
		for _, k := range literalKeywords(f, ry) {
			src.keywords = append(src.keywords, k.word.Value)
		}
		for _, vs := range ry.Label.ByLang {
			for _, s := range vs {
				src.names = append(src.names, s.Value)
			}
		}
		for _, vs := range ry.Reply.ByLang {
			for _, s := range vs {
				src.texts = append(src.texts, stripTemplates(s.Value))
			}
		}
		out = append(out, src)
	}
	return out
}

func stripTemplates(s string) string {
	for {
		i := strings.Index(s, "{{")
		j := strings.Index(s, "}}")
		if i < 0 || j < i {
			return s
		}
		s = s[:i] + " " + s[j+2:]
	}
}

// stripMasks drops the report's [number] and [email] masks: they are not
// words customers share.
func stripMasks(s string) string {
	return strings.NewReplacer("[number]", " ", "[email]", " ").Replace(s)
}

func isHanWord(w string) bool {
	for _, r := range w {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return w != ""
}

func isNumber(w string) bool {
	return strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}

// stopWord is a word too common to tell questions apart.
func stopWord(w string) bool { return stopWords[w] }

var stopWords = func() map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if to of in on at for from by with about as is are was were be been
		am do does did have has had i me my mine you your we our us it its this that these those there here what which who
		whom how when where why can could would should will shall may might must not no yes so just very too please pls
		hi hello hey thanks thank ok okay any some all get got want need like would im i'm it's don't dont still yet
		и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от меня
		еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь там
		потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтобы без будто чего раз тоже
		себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас
		были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про всего них
		какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
		конечно всю между здравствуйте привет спасибо пожалуйста подскажите скажите хочу мой моего мою`) {
		out[w] = true
	}
	return out
}()

// zhStop are characters that carry grammar, not the question: a bigram of
// two of them (我们, 什么) is left out.
var zhStop = func() map[rune]bool {
	out := map[rune]bool{}
	for _, r := range "的了吗呢吧啊呀我你他她它们是在有和就都也要想请问一个这那么什怎样能可以不没还很到给好吧哦嗯" {
		out[r] = true
	}
	return out
}()
