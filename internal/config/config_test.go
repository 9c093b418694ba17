package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestParseExpandsAndDefaults(t *testing.T) {
	data := []byte(`listen: "${LISTEN:-127.0.0.1:9000}"
rules: rules.yaml
bots:
  - name: shop
    platform: telegram
    token: "${TOKEN}"
    webhook_secret: "${SECRET}"
`)
	cfg, err := Parse("conf/frontdesk.yaml", data, env(map[string]string{"TOKEN": "123:abc", "SECRET": "s3cr3t"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9000" {
		t.Errorf("listen = %q, want the default from ${LISTEN:-…}", cfg.Listen)
	}
	if cfg.Database != DefaultDatabase {
		t.Errorf("database = %q, want %q", cfg.Database, DefaultDatabase)
	}
	if want := filepath.Join("conf", "rules.yaml"); cfg.Rules != want {
		t.Errorf("rules = %q, want %q (relative to the config file)", cfg.Rules, want)
	}
	b := cfg.Bots[0]
	if b.Token != "123:abc" || b.WebhookSecret != "s3cr3t" || b.Mode != ModeWebhook || b.Line != 4 {
		t.Errorf("bot = %+v", b)
	}
	if time.Duration(cfg.Pipeline.ConversationIdle) != 24*time.Hour {
		t.Errorf("conversation_idle default = %v", cfg.Pipeline.ConversationIdle)
	}
	if !cfg.RulesWatch {
		t.Error("rules_watch default = false, want true")
	}
	if cfg.AdminToken != "" {
		t.Errorf("admin_token default = %q, want empty (admin API off)", cfg.AdminToken)
	}
}

func TestAdminTokenAndRulesWatch(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		vars      map[string]string
		wantToken string
		wantWatch bool
	}{
		{"token from the environment", "admin_token: \"${TOK}\"\n", map[string]string{"TOK": "0123456789abcdef0123"}, "0123456789abcdef0123", true},
		{"unset variable turns the admin API off", "admin_token: \"${TOK}\"\n", nil, "", true},
		{"watch off", "rules_watch: false\n", nil, "", false},
		{"watch on explicitly", "rules_watch: true\n", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(tt.yaml), env(tt.vars))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AdminToken != tt.wantToken || cfg.RulesWatch != tt.wantWatch {
				t.Fatalf("admin_token %q, rules_watch %v; want %q, %v", cfg.AdminToken, cfg.RulesWatch, tt.wantToken, tt.wantWatch)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		vars map[string]string
		want string
	}{
		{
			name: "unknown top-level key",
			yaml: "listen: \":8080\"\nlisten_addr: x\n",
			want: `f.yaml:2: unknown key "listen_addr"`,
		},
		{
			name: "unknown key inside a bot",
			yaml: "bots:\n  - name: shop\n    platform: telegram\n    tokn: x\n",
			want: `f.yaml:4: unknown key "tokn"`,
		},
		{
			name: "webhook without secret",
			yaml: "bots:\n  - name: shop\n    platform: telegram\n    token: \"${T}\"\n",
			vars: map[string]string{"T": "1:a"},
			want: `f.yaml:2: bot "shop": webhook mode needs webhook_secret`,
		},
		{
			name: "bad mode",
			yaml: "bots:\n  - name: shop\n    platform: telegram\n    mode: push\n",
			want: `f.yaml:2: bot "shop": mode "push" is not one of webhook, polling`,
		},
		{
			name: "duplicate bot names",
			yaml: "bots:\n  - name: shop\n    platform: telegram\n  - name: shop\n    platform: telegram\n",
			want: `f.yaml:4: bot "shop": name is used by another bot`,
		},
		{
			name: "unsupported platform",
			yaml: "bots:\n  - name: shop\n    platform: whatsapp\n",
			want: `platform "whatsapp" is not supported`,
		},
		{
			name: "bad duration",
			yaml: "pipeline:\n  conversation_idle: tomorrow\n",
			want: `f.yaml:2: "tomorrow" is not a duration`,
		},
		{
			name: "embeddings endpoint that is not a URL",
			yaml: "matching:\n  embeddings: {url: \"localhost:8080\"}\n",
			want: `f.yaml: matching.embeddings.url "localhost:8080" must be an http:// or https:// address`,
		},
		{
			name: "embeddings similarity out of range",
			yaml: "matching:\n  embeddings: {url: \"http://127.0.0.1:8080/v1/embeddings\", min_similarity: 80}\n",
			want: `f.yaml: matching.embeddings.min_similarity (80) must be between 0 and 1`,
		},
		{
			name: "embeddings budget too long",
			yaml: "matching:\n  embeddings: {url: \"http://127.0.0.1:8080/v1/embeddings\", budget: 1m}\n",
			want: `matching.embeddings.budget (1m0s) must be at most 5s`,
		},
		{
			name: "unknown key in embeddings",
			yaml: "matching:\n  embeddings: {endpoint: \"http://x\"}\n",
			want: `unknown key "endpoint"`,
		},
		{
			name: "bad database",
			yaml: "database: mysql://x\n",
			want: `f.yaml: database: "mysql://x": want sqlite:FILE`,
		},
		{
			name: "bad variable reference",
			yaml: "listen: \"${1BAD}\"\n",
			want: `f.yaml: listen: "${1BAD}" is not a valid variable reference`,
		},
		{
			name: "secret with characters Telegram refuses",
			yaml: "bots:\n  - name: shop\n    platform: telegram\n    webhook_secret: \"a b\"\n",
			want: `webhook_secret must be 1-256 characters`,
		},
		{
			name: "admin token too short to be safe",
			yaml: "admin_token: \"${T}\"\n",
			vars: map[string]string{"T": "secret"},
			want: `f.yaml: admin_token must be 16-512 characters`,
		},
		{
			name: "admin token with a space (not sendable as a bearer token)",
			yaml: "admin_token: \"0123456789 abcdef0123\"\n",
			want: `f.yaml: admin_token must be`,
		},
		{
			name: "rules_watch not a boolean",
			yaml: "rules_watch: sometimes\n",
			want: `f.yaml:1:`,
		},
		{
			name: "team webhook that is not a URL",
			yaml: "bots:\n  - name: shop\n    platform: telegram\nhandoff:\n  teams:\n    - {name: s, bot: shop, chat_id: -1, webhook: {url: \"tools.example.com\", secret: 0123456789abcdef}}\n",
			want: `f.yaml: handoff.teams[0]: webhook.url must be an http(s) URL`,
		},
		{
			name: "team webhook with a guessable secret",
			yaml: "bots:\n  - name: shop\n    platform: telegram\nhandoff:\n  teams:\n    - {name: s, bot: shop, chat_id: -1, webhook: {url: \"https://t.example\", secret: short}}\n",
			want: `webhook.secret must be at least 16 characters`,
		},
		{
			name: "a team language the buttons have no labels in",
			yaml: "bots:\n  - name: shop\n    platform: telegram\nhandoff:\n  teams:\n    - {name: s, bot: shop, chat_id: -1, language: de}\n",
			want: `handoff.teams[0]: language "de" is not one of en, ru, zh`,
		},
		{
			name: "a supervisor team that does not exist",
			yaml: "bots:\n  - name: shop\n    platform: telegram\nhandoff:\n  teams:\n    - {name: s, bot: shop, chat_id: -1}\n  supervisors: [managers]\n",
			want: `handoff.supervisors[0]: "managers" is not one of handoff.teams`,
		},
		{
			name: "an agent's name for customers is keyed by an account",
			yaml: "bots:\n  - name: shop\n    platform: telegram\nhandoff:\n  agents: {\"anna\": Anna}\n",
			want: `handoff.agents: "anna" is not an agent account such as "telegram:12345"`,
		},
		{
			name: "an agent's name for customers is not empty",
			yaml: "bots:\n  - name: shop\n    platform: telegram\nhandoff:\n  agents: {\"telegram:7\": \" \"}\n",
			want: `handoff.agents: "telegram:7": the name must be 1 to 64 characters`,
		},
		{
			name: "a batch too large for one statement",
			yaml: "pipeline: {batch: 1000}\n",
			want: `pipeline.batch (1000) must be at most 256`,
		},
		{
			name: "unknown key in spikes",
			yaml: "handoff:\n  spikes: {min_counts: 5}\n",
			want: `f.yaml:2: unknown key "min_counts"`,
		},
		{
			name: "spikes over half a year of weeks",
			yaml: "handoff:\n  spikes: {weeks: 52}\n",
			want: `handoff.spikes: min_count and sigmas must not be negative, weeks must be 0-26`,
		},
		{
			name: "more context messages than a notice holds",
			yaml: "handoff:\n  context_messages: 51\n",
			want: `handoff.context_messages (51) must be 0-50 (0: the default, 5)`,
		},
		{
			name: "unknown key in incidents",
			yaml: "handoff:\n  incidents: {treshold: 5}\n",
			want: `f.yaml:2: unknown key "treshold"`,
		},
		{
			name: "send timeout outlives the claim",
			yaml: "pipeline: {send_timeout: 2m}\n",
			want: `f.yaml: pipeline.send_timeout (2m0s) must be shorter than pipeline.lease (1m0s)`,
		},
		{
			name: "trusted proxy that is not an address",
			yaml: "trusted_proxies: [\"proxy.local\"]\n",
			want: `trusted_proxies: "proxy.local" is not an IP address or CIDR`,
		},
		{
			name: "staff roles on a Telegram bot",
			yaml: "bots:\n  - name: shop\n    platform: telegram\n    mode: polling\n    staff_roles: [\"880\"]\n",
			want: `f.yaml:2: bot "shop": channels and staff_roles are for Discord bots`,
		},
		{
			name: "an empty staff role",
			yaml: "bots:\n  - name: community\n    platform: discord\n    mode: gateway\n    staff_roles: [\"\"]\n",
			want: `f.yaml:2: bot "community": staff_roles[0] is empty`,
		},
		{
			name: "empty",
			yaml: "  \n",
			want: `f.yaml: the config file is empty`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml), env(tt.vars))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestSecretsComeFromTheEnvironment(t *testing.T) {
	yaml := `bots:
  - {name: community, platform: discord, token: "${DT}", public_key: "${DK}"}
handoff:
  teams:
    - {name: s, bot: community, chat_id: "123", webhook: {url: "${HOOK_URL}", secret: "${HOOK_SECRET}"}}
`
	vars := map[string]string{"DT": "Bot abc", "DK": strings.Repeat("ab", 32), "HOOK_URL": "https://t.example/h", "HOOK_SECRET": "0123456789abcdef0"}
	cfg, err := Parse("f.yaml", []byte(yaml), env(vars))
	if err != nil {
		t.Fatal(err)
	}
	b, w := cfg.Bots[0], cfg.Handoff.Teams[0].Webhook
	if b.PublicKey != vars["DK"] || b.Mode != ModeGateway || w.URL != vars["HOOK_URL"] || w.Secret != vars["HOOK_SECRET"] {
		t.Fatalf("bot %+v, webhook %+v: variables not expanded", b, w)
	}
	if _, err := Parse("f.yaml", []byte(yaml), env(map[string]string{"DT": "Bot abc"})); err == nil ||
		!strings.Contains(err.Error(), "public_key is needed to verify interactions") {
		t.Fatalf("a Discord bot with a token and no public key: %v", err)
	}
}

func TestBotWithoutTokenNeedsNoSecret(t *testing.T) {
	// The example config must start on a machine with no tokens at all.
	data, err := os.ReadFile("../../configs/frontdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("frontdesk.yaml", data, env(nil))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if len(cfg.Bots) == 0 {
		t.Fatal("example config has no bots")
	}
}

func TestExpand(t *testing.T) {
	lookup := env(map[string]string{"A": "1", "EMPTY": ""})
	tests := []struct{ in, want string }{
		{"${A}", "1"},
		{"x${A}y${A}", "x1y1"},
		{"${MISSING}", ""},
		{"${MISSING:-d}", "d"},
		{"${EMPTY:-d}", "d"},
		{"${A:-d}", "1"},
		{"$A and $ alone", "$A and $ alone"},
	}
	for _, tt := range tests {
		got, err := Expand(tt.in, lookup)
		if err != nil || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSecretsListsWhatMustNotBeLogged(t *testing.T) {
	yaml := `admin_token: "${ADMIN}"
matching: {embeddings: {url: "http://127.0.0.1:8080/v1/embeddings", api_key: "${EK}"}}
database: "postgres://fd:${PW}@db:5432/fd"
bots:
  - {name: shop, platform: telegram, token: "${TT}", webhook_secret: "${WS}"}
  - {name: community, platform: discord, token: "Bot ${DT}", public_key: "` + strings.Repeat("ab", 32) + `"}
handoff:
  teams:
    - {name: s, bot: shop, chat_id: "-1", webhook: {url: "https://t.example/h", secret: "${HS}"},
       discord_webhook_url: "https://discord.com/api/webhooks/123/${DWT}"}
`
	vars := map[string]string{"ADMIN": "admin-token-0123456789", "PW": "p%40ss-word", "TT": "1:tg-token", "WS": "webhook-secret",
		"DT": "discord-token", "HS": "0123456789abcdef0", "DWT": "channel-hook-token", "EK": "embeddings-key-42"}
	cfg, err := Parse("f.yaml", []byte(yaml), env(vars))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(cfg.Secrets(), "\n")
	for name, v := range vars {
		if !strings.Contains(got, v) {
			t.Errorf("Secrets() lacks %s (%q): %q", name, v, got)
		}
	}
	if strings.Contains(got, strings.Repeat("ab", 32)) || strings.Contains(got, "https://t.example/h") {
		t.Errorf("Secrets() lists public values: %q", got)
	}
}

// TestGuardPersonQuiet: guard.person_quiet reads any length of time, and a
// negative one (the bot never keeps quiet for a person) is kept as given.
func TestGuardPersonQuiet(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"45m", 45 * time.Minute},
		{"1 hour", time.Hour},
		{"-1s", -time.Second},
	} {
		data := []byte("rules: rules.yaml\nguard: {person_quiet: " + tc.value + "}\n")
		cfg, err := Parse("frontdesk.yaml", data, env(nil))
		if err != nil {
			t.Fatalf("%s: %v", tc.value, err)
		}
		if got := time.Duration(cfg.Guard.PersonQuiet); got != tc.want {
			t.Errorf("person_quiet: %s = %v, want %v", tc.value, got, tc.want)
		}
	}
}
