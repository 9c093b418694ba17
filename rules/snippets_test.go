package rules

import (
	"reflect"
	"testing"
)

func TestSnippetPicksLanguageAndFillsVariables(t *testing.T) {
	src := `default_language: en
templates:
  sig: "— Shop"
snippets:
  refund-policy:
    en: "Hi {{name}}, refunds take 5 days. {{agent}} {{sig}}"
    ru: "{{name}}, возврат за 5 дней. {{agent}}"
  plain: "For @{{username}}"
rules:
  - id: a
    keywords: [x]
    reply: "x"
`
	r, err := Parse("rules.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"name": "Ann {{agent}}", "username": "ann", "agent": "Bob"}
	tests := []struct {
		name, snippet, lang, want string
		ok                        bool
	}{
		{"customer's language", "refund-policy", "ru", "Ann {{agent}}, возврат за 5 дней. Bob", true},
		{"english, with the template", "refund-policy", "en", "Hi Ann {{agent}}, refunds take 5 days. Bob — Shop", true},
		{"missing language falls back to the default", "refund-policy", "zh", "Hi Ann {{agent}}, refunds take 5 days. Bob — Shop", true},
		{"one text for everyone", "plain", "ru", "For @ann", true},
		{"unknown snippet", "nope", "en", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := r.Snippet(tt.snippet, tt.lang, vars)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Snippet(%q, %q) = %q, %v; want %q, %v", tt.snippet, tt.lang, got, ok, tt.want, tt.ok)
			}
		})
	}
	if got, want := r.SnippetNames(), []string{"plain", "refund-policy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SnippetNames() = %v, want %v", got, want)
	}
}
