package rules

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// content prepares the D10 checks: banned phrases and allowed link domains.
func (c *compiler) content() {
	for _, p := range append(append([]string{}, defaultBannedPhrases...), strValues(c.f.Content.BannedPhrases)...) {
		if n := Normalize(p); n != "" {
			c.banned = append(c.banned, n)
		}
	}
	for _, d := range c.f.Content.AllowedDomains {
		c.allowed = append(c.allowed, strings.ToLower(strings.TrimPrefix(d.Value, "www.")))
	}
}

// expectedLanguages is the languages every text should have: those listed
// in languages:, else every language used anywhere in the file.
func (c *compiler) expectedLanguages() {
	if len(c.f.Languages) > 0 {
		for _, l := range c.f.Languages {
			lang := strings.ToLower(l.Value)
			if !validLang(lang) {
				c.errs.add(l.Line, l.Col, "%q is not a language code such as zh, ru or en", l.Value)
			} else {
				c.warnLanguage(str{Value: lang, Line: l.Line, Col: l.Col}, "languages: ")
			}
			c.languages = append(c.languages, lang)
		}
		return
	}
	seen := map[string]bool{}
	add := func(t texts) {
		for lang := range t.ByLang {
			if lang != "" {
				seen[lang] = true
			}
		}
	}
	for _, t := range c.f.Templates {
		add(t)
	}
	for _, t := range c.f.Snippets {
		add(t)
	}
	add(c.f.HandoffReply)
	for _, ry := range c.f.Rules {
		add(ry.Reply)
		add(ry.Ack)
	}
	c.languages = keys(seen)
}

func (c *compiler) compileSnippets() {
	for _, name := range keys(c.f.Templates) {
		pos := c.f.keyPos["templates/"+name]
		if contains(c.vars(templateVars), name) { // a customer attribute a rule collects is a variable too
			c.errs.add(pos.Line, pos.Column, "template %q has the name of a variable; choose another name", name)
			continue
		}
		// Snippets may use variables but not other snippets: one level keeps
		// texts easy to follow and cycles impossible.
		c.snippets[name] = c.parseTexts(c.f.Templates[name], c.vars(templateVars), nil, "templates: "+name)
	}
	// Agents' snippets may use the templates (a signature) and the agent's
	// name; they are checked like every text, as a customer reads them.
	c.r.snippets = map[string]localized{}
	for _, name := range keys(c.f.Snippets) {
		pos := c.f.keyPos["snippets/"+name]
		if !snippetName.MatchString(name) {
			c.errs.add(pos.Line, pos.Column, "snippet %q: a name is lowercase letters, digits, - and _, starting with a letter, so agents can type it after #", name)
			continue
		}
		t := c.f.Snippets[name]
		what := "snippets: " + name
		c.r.snippets[name] = c.parseTexts(t, c.vars(snippetVars), c.snippet, what)
		c.checkTranslations(t, what)
	}
}

// snippetName is what an agent can type after # or /s.
var snippetName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

func (c *compiler) snippet(name, lang string) ([]templatePart, bool) {
	l, ok := c.snippets[name]
	if !ok {
		return nil, false
	}
	for _, try := range []string{lang, c.r.defaultLang, ""} {
		if v, ok := l[try]; ok && len(v) > 0 {
			return v[0].parts, true
		}
	}
	for _, lang := range keys(l) {
		return l[lang][0].parts, true
	}
	return nil, false
}

// texts compiles a reply, ack or handoff text and checks what it says.
func (c *compiler) texts(t texts, what string) localized {
	if !t.set() {
		return nil
	}
	out := c.parseTexts(t, c.vars(templateVars), c.snippet, what)
	c.checkTranslations(t, what)
	return out
}

// vars is a kind of text's variables and the customer attributes the
// file's rules collect ({{order}}).
func (c *compiler) vars(base []string) []string {
	if len(c.attrs) == 0 {
		return base
	}
	return append(append([]string{}, base...), c.attrs...)
}

func (c *compiler) parseTexts(t texts, vars []string, snippets snippetFunc, what string) localized {
	out := localized{}
	names := keys(c.f.Templates)
	for _, lang := range keys(t.ByLang) {
		if k, ok := t.keyAt[lang]; ok {
			c.warnLanguage(k, what+": ")
		}
		for _, s := range t.ByLang[lang] {
			if strings.TrimSpace(s.Value) == "" {
				c.errs.add(s.Line, s.Col, "%s: the text is empty", what)
				continue
			}
			tpl, problems := parseTemplate(s.Value, lang, vars, snippets, names)
			for _, p := range problems {
				line, col := s.Line, s.Col
				if !s.Block && !strings.Contains(s.Value[:p.at], "\n") {
					col += len([]rune(s.Value[:p.at]))
					if s.Quoted {
						col++
					}
				}
				c.errs.add(line, col, "%v", p.err)
			}
			if len(problems) > 0 {
				continue
			}
			if snippets != nil {
				c.checkContent(tpl, s, what)
			}
			out[lang] = append(out[lang], tpl)
		}
	}
	return out
}

var linkPattern = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|ru|cn|io|me|info|biz|shop|store|xyz|top|site|online|link|ly|gl|co)(?:/[^\s]*)?\b`)

// checkContent refuses what automatic replies must not say (D10): links to
// domains that are not allowed, banned claims, and texts too long to send.
func (c *compiler) checkContent(t template, s str, what string) {
	lit := t.literal()
	for _, link := range linkPattern.FindAllString(lit, -1) {
		if !c.linkAllowed(link) {
			c.errs.add(s.Line, s.Col, "%s: link %q is not allowed in automatic replies; add its domain to content.allowed_domains if it is the brand's own", what, link)
		}
	}
	norm := Normalize(lit)
	for _, p := range c.banned {
		if strings.Contains(norm, p) {
			c.errs.add(s.Line, s.Col, "%s: %q is a banned claim for automatic replies (content.banned_phrases)", what, p)
		}
	}
	if limit := PlatformLimits["telegram"]; t.maxLen > limit {
		c.errs.add(s.Line, s.Col, "%s: the text can be %d characters long; Telegram accepts at most %d", what, t.maxLen, limit)
	}
}

func (c *compiler) linkAllowed(link string) bool {
	raw := link
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	for _, d := range c.allowed {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// checkTranslations warns when a text lacks a language the file uses
// elsewhere: customers writing it get another language instead.
func (c *compiler) checkTranslations(t texts, what string) {
	if _, plain := t.ByLang[""]; plain {
		return // one text for everyone: nothing is missing
	}
	var missing []string
	for _, lang := range c.languages {
		if _, ok := t.ByLang[lang]; !ok {
			missing = append(missing, lang)
		}
	}
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	fallback := c.r.defaultLang
	if _, ok := t.ByLang[fallback]; !ok {
		fallback = keys(t.ByLang)[0]
	}
	c.errs.warn(t.Line, t.Col, "%s has no %s text; those customers get the %s one", what, strings.Join(missing, ", "), fallback)
}

func strValues(ss []str) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Value
	}
	return out
}

// Snippet renders the agents' snippet name in lang (the conversation's
// language; else the file's default language, else the text without a
// language, else any), with vars such as name, username and agent. ok is
// false when there is no such snippet.
func (r *Rules) Snippet(name, lang string, vars map[string]string) (text string, ok bool) {
	l, ok := r.snippets[name]
	if !ok {
		return "", false
	}
	for _, try := range []string{lang, r.defaultLang, ""} {
		if v := l[try]; len(v) > 0 {
			return v[0].fill(vars), true
		}
	}
	for _, lang := range keys(l) {
		if v := l[lang]; len(v) > 0 {
			return v[0].fill(vars), true
		}
	}
	return "", false
}

// SnippetNames lists the agents' snippets, sorted, for telling an agent
// what they may type.
func (r *Rules) SnippetNames() []string { return keys(r.snippets) }
