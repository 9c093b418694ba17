package rules

import (
	"slices"
	"strings"
	"testing"
)

// Marketers write `when`; they never see Go. Every message about a broken
// expression must name things as the README's table does.
func TestWhenMessagesHideGoTypes(t *testing.T) {
	tests := []struct {
		when string
		want string
	}{
		{"customer.vip", "customer has no field vip"},
		{"conversation.agee > duration(\"1h\")", `did you mean "age"?`},
		{"chat.kind == \"x\"", "chat has no field kind (it has type)"},
		{"conversation.age > 5", "duration and number"},
		{"customer", "expected true/false, but got customer"},
		{"now > 3", "time and number"},
		{"weekday == mon", `written in quotes: "mon"`},
		{"hour >= 22 ||", "ends too early"},
		{"has(1)", "number"},
		{`message.text contains "hi"`, "unknown name message; the message's own names have no prefix: text, kind"},
		{`msg.kind == "photo"`, "no prefix"},
		{`user.name == "x"`, `unknown name user, did you mean "customer"?`},
		{`lang == "ru"`, `did you mean "language"?`},
		{`business_hours`, `did you mean "in_business_hours"?`},
		{`dialog.new`, `did you mean "conversation"?`},
		{`custmer.new`, `unknown name custmer, did you mean "customer"?`},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			src := "rules:\n  - id: a\n    when: '" + tt.when + "'\n    ack: x\n"
			_, err := Parse("r.yaml", []byte(src))
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			msg := err.Error()
			for _, goName := range []string{"rules.", "time.", "Env", "bool", "int", "string", "float64"} {
				if strings.Contains(msg, goName) {
					t.Errorf("%q shows the Go name %q", msg, goName)
				}
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("%q does not say %q", msg, tt.want)
			}
		})
	}
}

func TestCheckTeams(t *testing.T) {
	src := "rules:\n  - id: vip\n    keywords: [vip]\n    handoff: {team: sales}\n  - id: help\n    keywords: [help]\n    handoff: {team: support}\n  - id: any\n    keywords: [person]\n    handoff: {priority: low}\n"
	r, err := Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		teams []string
		want  []string // one part per warning, in order
	}{
		{"all defined", []string{"support", "sales"}, nil},
		{"one missing, with a suggestion", []string{"support", "sale"}, []string{`r.yaml:4:21: warning: rule "vip": handoff to team "sales", which the service config does not define: the service config defines only support, sale, so these handoffs go to "support", did you mean "sale"?`}},
		{"no teams at all", nil, []string{`rule "vip"`, `rule "help"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.CheckTeams(tt.teams)
			if len(got) != len(tt.want) {
				t.Fatalf("%d warnings, want %d:\n%s", len(got), len(tt.want), got.Pretty())
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].Error(), w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got[i].Error(), w)
				}
			}
		})
	}
}

// A rule's spike alerts the team it hands off to; rules that name none
// leave the choice to the default team.
func TestHandoffTeam(t *testing.T) {
	src := "rules:\n  - id: vip\n    keywords: [vip]\n    handoff: {team: sales}\n  - id: any\n    keywords: [person]\n    handoff: {priority: low}\n  - id: price\n    keywords: [price]\n    reply: cheap\n"
	r, err := Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ rule, want string }{
		{"vip", "sales"},
		{"any", ""},
		{"price", ""},
		{"unknown", ""},
	} {
		t.Run(tt.rule, func(t *testing.T) {
			if got := r.HandoffTeam(tt.rule); got != tt.want {
				t.Fatalf("HandoffTeam(%q) = %q, want %q", tt.rule, got, tt.want)
			}
		})
	}
}

// Autocompletion offers a customer command only when the rules answer it;
// /human is built in and always offered.
func TestCustomerCommands(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"no command rules", "rules:\n  - id: faq\n    keywords: [refund]\n    reply: \"Refund info\"\n", []string{"human"}},
		{"start only", "rules:\n  - id: welcome\n    keywords: [\"/start\"]\n    match: full\n    reply: \"Hello\"\n", []string{"start", "human"}},
		{"help ignored is not offered", "rules:\n  - id: quiet\n    keywords: [\"/help\"]\n    ignore: true\n  - id: welcome\n    keywords: [\"/start\"]\n    reply: \"Hello\"\n", []string{"start", "human"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse("t.yaml", []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range r.CustomerCommands() {
				if c.Description == "" {
					t.Errorf("/%s has no description", c.Name)
				}
				got = append(got, c.Name)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("commands = %v, want %v", got, tt.want)
			}
		})
	}
	shipped, err := Load("../configs/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(shipped.CustomerCommands()); got != 3 {
		t.Errorf("the shipped rules answer /start, /help and /human; got %d commands", got)
	}
}

// The names suggested for another tool's spelling are names a `when` can
// read, and none of those spellings is itself one of ours.
func TestMeantNamesAreOurs(t *testing.T) {
	for theirs, ours := range meantNames {
		if !slices.Contains(envNames, ours) {
			t.Errorf("%s is suggested for %s but is no name of a when", ours, theirs)
		}
		if slices.Contains(envNames, theirs) || messageNames[theirs] {
			t.Errorf("%s is one of our names, or listed twice", theirs)
		}
	}
	for theirs := range messageNames {
		if slices.Contains(envNames, theirs) {
			t.Errorf("%s is one of our names", theirs)
		}
	}
}

// A keywords: that lists nothing (a list emptied while editing, or a
// placeholder) makes a rule match every message, as a rule without
// keywords does; that is warned about where nothing else limits the rule.
func TestEmptyKeywordsWarn(t *testing.T) {
	const want = `warning: rule "a": keywords lists none, so this rule matches every message`
	tests := []struct {
		name, rule string
		warned     bool
	}{
		{"empty list", "keywords: []\n    reply: ok\n", true},
		{"nothing after the key", "keywords:\n    reply: ok\n", true},
		{"empty list with a when", "keywords: []\n    when: links > 0\n    reply: ok\n", false},
		{"empty list with examples", "keywords: []\n    examples: [where is my parcel]\n    reply: ok\n", false},
		{"no keywords line: every message, as meant", "reply: ok\n", false},
		{"keywords given", "keywords: [refund]\n    reply: ok\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse("r.yaml", []byte("rules:\n  - id: a\n    "+tt.rule))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			var got []string
			for _, w := range r.Warnings() {
				if strings.Contains(w.Error(), "keywords lists none") {
					got = append(got, w.Error())
				}
			}
			switch {
			case tt.warned && (len(got) != 1 || !strings.HasPrefix(got[0], "r.yaml:3:5: "+want)):
				t.Errorf("warnings %q, want one at 3:5 saying %q", got, want)
			case !tt.warned && len(got) > 0:
				t.Errorf("warned %q, want nothing", got)
			}
		})
	}
}

// A language code no customer has (a country's, or a three-letter one)
// loads, since its texts harm no one, but check says their texts are
// never chosen and which code was meant; real codes pass quietly.
func TestLanguageCodesNoCustomerHas(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string // the warnings about language codes, in order
	}{
		{"a country for a language", "default_language: cn\nrules:\n  - id: a\n    reply: {cn: \"好\", en: ok}\n",
			[]string{`1:19: warning: default_language: "cn" is a country code, and no customer's language is cn; did you mean "zh"?`,
				`4:13: warning: rule "a": reply: "cn" is a country code`}},
		{"three letters", "languages: [zh, eng]\nrules:\n  - id: a\n    reply: {zh: 好, eng: ok}\n",
			[]string{`1:17: warning: languages: "eng" is written "en" as customers' languages are`,
				`4:20: warning: rule "a": reply: "eng" is written "en"`}},
		{"no language at all", "templates:\n  signoff: {xx: bye, en: bye}\nrules:\n  - id: a\n    reply: \"ok {{signoff}}\"\n",
			[]string{`2:13: warning: templates: signoff: "xx" is no language code`}},
		{"Japan, in a snippet", "snippets:\n  hi: {jp: こんにちは, en: hi}\nrules:\n  - id: a\n    reply: ok\n",
			[]string{`2:8: warning: snippets: hi: "jp" is a country code, and no customer's language is jp; did you mean "ja"?`}},
		{"real codes, Twi among them", "default_language: de\nlanguages: [de, uk, tw]\nrules:\n  - id: a\n    reply: {de: ja, uk: так, tw: aane}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse("r.yaml", []byte(tt.file))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			var got []string
			for _, w := range r.Warnings() {
				if msg := strings.TrimPrefix(w.Error(), "r.yaml:"); strings.Contains(msg, "customer's language") {
					got = append(got, msg)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("warnings\n %q\nwant\n %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("warning %q, want one starting %q", got[i], tt.want[i])
				}
			}
		})
	}
}

// TestFieldHints: a key another tool or plain English would use is told
// ours, at the key; a rule with no id is named by its line.
func TestFieldHints(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"name for id", "rules:\n  - name: a\n    reply: x\n", `2:5: unknown field "name", did you mean "id"?`},
		{"title for id", "rules:\n  - id: a\n    title: A\n    reply: x\n", `3:5: unknown field "title", did you mean "id"?`},
		{"answer for reply", "rules:\n  - id: a\n    answer: x\n", `3:5: unknown field "answer", did you mean "reply"?`},
		{"triggers for keywords", "rules:\n  - id: a\n    triggers: [x]\n    reply: x\n", `3:5: unknown field "triggers", did you mean "keywords"?`},
		{"condition for when", "rules:\n  - id: a\n    condition: \"true\"\n    reply: x\n", `3:5: unknown field "condition", did you mean "when"?`},
		{"escalate for handoff", "rules:\n  - id: a\n    escalate: {team: t}\n", `3:5: unknown field "escalate", did you mean "handoff"?`},
		{"capitals", "rules:\n  - id: a\n    Answer: x\n", `3:5: unknown field "Answer", did you mean "reply"?`},
		{"a file's lang", "lang: zh\nrules:\n  - id: a\n    reply: x\n", `1:1: unknown field "lang", did you mean "default_language"?`},
		{"a file's tz", "tz: Asia/Shanghai\nrules:\n  - id: a\n    reply: x\n", `1:1: unknown field "tz", did you mean "timezone"?`},
		{"a spelling still found", "rules:\n  - id: a\n    replly: x\n", `3:5: unknown field "replly", did you mean "reply"?`},
		{"nothing near", "rules:\n  - id: a\n    zzz: x\n    reply: x\n", `3:5: unknown field "zzz"` + "\n"},
		{"a rule without id named by its line", "rules:\n  - id: a\n    reply: x\n  - keywords: [b]\n    reply: y\n    cooldown: soon\n",
			`6:15: the rule on line 4: cooldown "soon" is not a length of time`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error()+"\n", tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMeantFieldsAreOurs(t *testing.T) {
	for theirs, ours := range meantFields {
		hinted := false
		for _, known := range knownFields {
			hinted = hinted || slices.Contains(known, ours) && !slices.Contains(known, theirs)
		}
		if !hinted {
			t.Errorf("%s is suggested for %s, but no mapping has %s without %s", ours, theirs, ours, theirs)
		}
	}
}

// TestShapeHints: a single text where a list or a handoff's fields are
// wanted is refused with the line as it was meant, and a rule whose
// keywords did not decode is not taken for a catch-all hiding the rest.
func TestShapeHints(t *testing.T) {
	cases := []struct{ name, src, want, notWant string }{
		{"keywords as one text", "rules:\n  - id: a\n    keywords: refund, money back\n    reply: x\n  - id: b\n    reply: y\n",
			`3:15: keywords: want a list (such as [a, b]) here, not a single text; write keywords: [refund, money back]`, "can never match"},
		{"a keyword that needs quotes", "rules:\n  - id: a\n    keywords: \"where: here\"\n    reply: x\n",
			`write keywords: ["where: here"]`, ""},
		{"tag as one text", "rules:\n  - id: a\n    keywords: [x]\n    tag: vip\n    reply: x\n", `write tag: [vip]`, ""},
		{"handoff as a team's name", "rules:\n  - id: a\n    keywords: [x]\n    handoff: support\n",
			`4:14: handoff: want a mapping of fields here, not a single text; write handoff: {team: support}`, ""},
		{"handoff: true", "rules:\n  - id: a\n    keywords: [x]\n    handoff: true\n",
			`4:14: handoff: want a mapping of fields here, not true or false; write handoff: {} to hand off to the first team, or handoff: {team: NAME}`, "{team: true}"},
		{"handoff: yes", "rules:\n  - id: a\n    keywords: [x]\n    handoff: yes\n", `write handoff: {} to hand off`, "{team: yes}"},
		{"handoff as a priority", "rules:\n  - id: a\n    keywords: [x]\n    handoff: High\n", `write handoff: {priority: high}`, "{team:"},
		{"an emoji keyword", "rules:\n  - id: a\n    keywords: [\"❤️\"]\n    reply: x\n",
			`3:16: keyword "❤️" has no letters or digits to match; to answer it as written, give the rule when: text contains "❤️"`, ""},
		{"an empty keyword: no hint", "rules:\n  - id: a\n    keywords: [\"\"]\n    reply: x\n", `keyword "" has no letters or digits to match` + "\n", "when:"},
		{"a number is no list: no hint", "rules:\n  - id: a\n    keywords: [x]\n    reply: x\n    continue: maybe\n", `continue: want true or false here, not a single text` + "\n", "write"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error()+"\n", tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("err = %v, want nothing of %q", err, tc.notWant)
			}
		})
	}
}

// TestEveryTemplateProblem: every bad reference in a text is reported, each
// under its own caret, not only the first.
func TestEveryTemplateProblem(t *testing.T) {
	src := "rules:\n  - id: a\n    keywords: [x]\n    reply: \"Hi {{nmae}}, it takes {{ days }} days {{name\"\n"
	_, err := Parse("t.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`4:16: unknown variable {{nmae}}, did you mean "name"?`,
		`4:35: unknown variable {{days}}`,
		`4:51: {{ is not closed with }}`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant %q", err, want)
		}
	}
}

// TestWhenTokenHints: the tokens people bring from SQL, spreadsheets and
// plain English are answered with what to write instead.
func TestWhenTokenHints(t *testing.T) {
	cases := []struct{ when, want string }{
		{`language = "zh"`, `4:20: rule "a": when: unexpected token Operator("="): compare with ==, such as language == "zh"`},
		{`text has "x"`, `4:16: rule "a": when: unexpected token Identifier("has"): did you mean contains?`},
		{`hour >= 9 AND hour < 18`, `4:21: rule "a": when: unexpected token Identifier("AND"): write and in lower case (or &&)`},
		{`hour < 9 OR hour > 18`, `write or in lower case (or ||)`},
		{`language is "zh"`, `4:20: rule "a": when: unexpected token Identifier("is"): compare with ==`},
		{`customer.vip == "yes"`, `4:20: rule "a": when: customer has no field vip; what the customer told is customer.attrs.vip`},
		{`customer.nmae == "Ann"`, `customer has no field nmae, did you mean "name"? (it has`},
		{`hour >= 9 &&`, `the expression ends too early`},
		{`customer.attrs.vip == true`, `(mismatched types text and true/false); customer.attrs are texts: compare with a text in quotes, such as customer.attrs.vip == "yes"`},
		{`5 == customer.attrs.order`, `(mismatched types number and text); customer.attrs are texts`},
	}
	// Other mismatches get no text hint.
	src := "rules:\n  - id: a\n    keywords: [x]\n    when: hour == true\n    reply: y\n"
	if _, err := Parse("t.yaml", []byte(src)); err == nil || strings.Contains(err.Error(), "in quotes") {
		t.Errorf("hour == true: err = %v, want no hint about texts", err)
	}
	for _, tc := range cases {
		src := "rules:\n  - id: a\n    keywords: [x]\n    when: " + tc.when + "\n    reply: y\n"
		if _, err := Parse("t.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v\nwant %q", tc.when, err, tc.want)
		}
	}
}
