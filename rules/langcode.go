package rules

import (
	"fmt"

	"golang.org/x/text/language"
)

// countryAsLanguage are country codes people write where a language code
// belongs (cn for Chinese), with the language meant. Only codes that are
// no language themselves are here: tw is Twi, so it is left alone.
var countryAsLanguage = map[string]string{
	"cn": "zh", "jp": "ja", "ua": "uk", "kz": "kk", "gr": "el", "dk": "da", "cz": "cs",
	"vn": "vi", "il": "he", "ir": "fa", "by": "be",
}

// languageCodeProblem says why code (lowercase, two or three letters) is
// a language no customer has, or "": customers' languages are the
// language of their app's IETF tag, a two-letter ISO 639-1 code where the
// language has one, so a text under cn or eng is never chosen.
func languageCodeProblem(code string) string {
	base, err := language.ParseBase(code)
	switch {
	case err != nil:
		if meant, ok := countryAsLanguage[code]; ok {
			return fmt.Sprintf("%q is a country code, and no customer's language is %s; did you mean %q?", code, code, meant)
		}
		return fmt.Sprintf("%q is no language code, so no customer's language is %s; write one such as zh, ru or en", code, code)
	case base.String() != code:
		return fmt.Sprintf("%q is written %q as customers' languages are, so no customer's language is %s", code, base.String(), code)
	}
	return ""
}

// warnLanguage warns about a language code no customer has, at s.
func (c *compiler) warnLanguage(s str, what string) {
	if problem := languageCodeProblem(s.Value); problem != "" {
		c.errs.warn(s.Line, s.Col, "%s%s", what, problem)
	}
}
