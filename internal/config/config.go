// Package config loads the service configuration: YAML decoded strictly (an
// unknown key is an error with its file:line), ${VAR} expanded from the
// environment in values only, and paths resolved the way operators expect.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/timespan"
)

// Config is the whole service configuration.
type Config struct {
	Listen   string `yaml:"listen"`
	Database string `yaml:"database"`
	// Rules is the rules file. In the YAML it is relative to the config file
	// (as Prometheus resolves rule_files); Load makes it absolute or keeps it
	// relative to the working directory.
	Rules string `yaml:"rules"`
	// RulesWatch reloads the rules when the file changes (default true).
	RulesWatch bool `yaml:"rules_watch"`
	// AdminToken is the bearer token of the /admin/ API (POST /admin/reload).
	// Empty turns the admin API off.
	AdminToken string `yaml:"admin_token"`
	// TrustedProxies are the reverse proxies (addresses or CIDRs) whose
	// X-Forwarded-For names the client. Empty: the peer is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Sandbox turns the web chat at /sandbox on or off; unset, it is on
	// when no bot has a token (a newcomer trying the service).
	Sandbox *bool `yaml:"sandbox"`
	// ShutdownTimeout is how long a stopping service waits for sends in
	// flight (20s); what is left is sent by the next start.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// ShutdownDrain is how long a stopping service keeps its listener open
	// but answers webhooks 503 and /readyz 503 before it closes (0: it
	// closes at once). Behind a load balancer that is told of a stopping
	// replica late (Kubernetes endpoints), requests still routed to it are
	// refused with a status the platforms retry, not a reset connection.
	// It comes before, and on top of, shutdown_timeout.
	ShutdownDrain Duration  `yaml:"shutdown_drain"`
	Bots          []Bot     `yaml:"bots"`
	Pipeline      Pipeline  `yaml:"pipeline"`
	Guard         Guard     `yaml:"guard"`
	Handoff       Handoff   `yaml:"handoff"`
	Retention     Retention `yaml:"retention"`
	Matching      Matching  `yaml:"matching"`
	Media         Media     `yaml:"media"`

	// Path is the file the config was loaded from.
	Path string `yaml:"-"`
}

// Bot is one platform bot the service runs.
type Bot struct {
	Name          string `yaml:"name"`
	Platform      string `yaml:"platform"`
	Token         string `yaml:"token"`
	Mode          string `yaml:"mode"`
	WebhookSecret string `yaml:"webhook_secret"`
	// WebhookURL, when set, is registered with the platform at start so
	// operators need no manual setWebhook call.
	WebhookURL string `yaml:"webhook_url"`
	APIURL     string `yaml:"api_url"`
	// Username is a Telegram bot's @username (without the @), for the
	// t.me link that takes a customer from a group to a private chat;
	// unset, it is asked of Telegram (getMe) at start.
	Username string `yaml:"username"`
	// Insecure allows a webhook without a secret: anyone who knows the URL
	// could then speak for Telegram. Only for local experiments.
	Insecure bool `yaml:"insecure"`

	// Discord: the application's public key (hex, from the developer
	// portal) verifies the interactions endpoint; Channels are the guild
	// channels the bot reads besides direct messages.
	PublicKey string           `yaml:"public_key"`
	Channels  []DiscordChannel `yaml:"channels"`
	// StaffRoles are the Discord guild roles whose members speak for the
	// brand (moderators, support staff): in a channel customers write in,
	// their messages are never a customer's, and their reply to a
	// customer's message is that customer being answered in person.
	StaffRoles []ID `yaml:"staff_roles"`

	// Line is where the bot is defined, for error messages.
	Line int `yaml:"-"`
}

// DiscordChannel is a guild channel a Discord bot reads: every message
// ("all", a support channel) or only those that mention the bot
// ("mentions", the default).
type DiscordChannel struct {
	ID       ID     `yaml:"id"`
	Messages string `yaml:"messages"`
}

// maxBatch bounds pipeline.batch.
const maxBatch = 256

// Pipeline tunes message processing. The zero value means the defaults.
type Pipeline struct {
	// Workers is how many batches of events are decided at once.
	Workers int `yaml:"workers"`
	// Batch is how many events one worker claims, decides and applies in
	// one transaction (default 64): larger batches cost fewer statements
	// per message, smaller ones hold the database's writer for less time.
	Batch int `yaml:"batch"`
	// Senders is how many sends a replica has running to the platforms at
	// once (default 64); it holds twice as many messages leased, so the next
	// one goes while the last one sent is being recorded.
	Senders int `yaml:"senders"`
	// ConversationIdle is how long a conversation may be silent before the
	// customer's next message starts a new one (and is acknowledged again).
	ConversationIdle Duration `yaml:"conversation_idle"`
	// SendAttempts is how many times a reply is tried before it is given up.
	SendAttempts int `yaml:"send_attempts"`
	// EventAttempts is how many times an event is tried before it is set
	// aside for an operator (frontdesk events); a try is counted when it
	// starts, so tries that crash the process count too (default 5).
	EventAttempts int `yaml:"event_attempts"`
	// Lease is how long a replica's claim on an event or a send holds;
	// when a replica dies, others take its work over after this (1m).
	Lease Duration `yaml:"lease"`
	// SendTimeout bounds one call to a platform (20s); it must be shorter
	// than Lease, or a slow call could outlive the claim on its message.
	SendTimeout Duration `yaml:"send_timeout"`
	// RateLimits: false turns off the sender's own pacing to the
	// platforms' limits (for a local Bot API server or a load test
	// against a fake). Default true.
	RateLimits *bool `yaml:"rate_limits"`
}

// Guard configures the frequency guard. Zero values mean the defaults.
type Guard struct {
	ContentCooldown Duration            `yaml:"content_cooldown"` // same text to a customer (10m)
	RuleCooldown    Duration            `yaml:"rule_cooldown"`    // same rule for a customer (10m)
	PerMessage      int                 `yaml:"per_message"`      // bot messages per customer message or burst (2)
	PerHour         int                 `yaml:"per_hour"`         // bot messages per customer per hour (10)
	Window          map[string]Duration `yaml:"window"`           // interaction window per platform (48h)
	WindowMargin    Duration            `yaml:"window_margin"`    // kept back from the window (1h)
	Debounce        Duration            `yaml:"debounce"`         // messages this close form one burst (2s)
	// PersonQuiet: the bot keeps quiet this long in a chat after a person
	// of the brand wrote there in person (30m; negative: never).
	PersonQuiet Duration `yaml:"person_quiet"`
}

// Retention says how long data is kept; zero values mean the defaults.
type Retention struct {
	Payloads Duration `yaml:"payloads"` // platforms' raw payloads of processed events (7d)
	History  Duration `yaml:"history"`  // conversations, decisions, sends, handoffs (90d; at least 48h)
}

// Handoff configures handing conversations to people.
type Handoff struct {
	// Priorities are first-response targets per priority (critical 30m,
	// high 1h, medium 4h, low 24h).
	Priorities map[string]Duration `yaml:"priorities"`
	Teams      []Team              `yaml:"teams"`
	// IdleTimeout resolves a claimed handoff nobody has written in for
	// this long (24h). Waiting handoffs escalate instead.
	IdleTimeout Duration  `yaml:"idle_timeout"`
	Incidents   Incidents `yaml:"incidents"`
	Spikes      Spikes    `yaml:"spikes"`
	// Supervisors name teams whose agents may act on any team's handoffs;
	// everyone else acts only on their own team's.
	Supervisors []string `yaml:"supervisors"`
	// ContextMessages is how many of the conversation's last messages a
	// handoff's notice shows with who the customer is, and /history
	// without a number (5; at most 50).
	ContextMessages int `yaml:"context_messages"`
	// Agents are agents' names as customers read them ("Anna from
	// support has joined"), by account: {"telegram:7": "Anna"}. An agent
	// not listed is "a colleague" in the customer's language, never their
	// platform handle.
	Agents map[string]string `yaml:"agents"`
	// FallbackTeam takes handoffs of customers whose language no team
	// speaks (teams[].languages); unset: the first team.
	FallbackTeam string `yaml:"fallback_team"`
	// PublicLinkTTL is how long the private-chat link offered for a
	// handoff asked in a public group or channel works (24h).
	PublicLinkTTL Duration `yaml:"public_link_ttl"`
}

// Overflow offers a handoff nobody in the team claimed within After (of
// the team's business time) to a second team, once.
type Overflow struct {
	After Duration `yaml:"after"`
	To    string   `yaml:"to"`
}

// Matching configures how messages are compared with the rules; what
// matches is set in the rules file, this is only what the rules file
// cannot say: services the machine offers.
type Matching struct {
	Embeddings Embeddings `yaml:"embeddings"`
}

// Embeddings points at an OpenAI-compatible embeddings endpoint (a local
// server). When set, a rule's examples are compared with messages by
// meaning instead of by character n-grams. Off when URL is empty.
type Embeddings struct {
	URL    string `yaml:"url"`     // e.g. http://127.0.0.1:8080/v1/embeddings
	Model  string `yaml:"model"`   // sent as "model"
	APIKey string `yaml:"api_key"` // sent as a bearer token; use ${VAR}
	// Budget is the longest a batch of messages waits for their vectors
	// (150ms); a message whose vector is late is compared by n-grams.
	Budget Duration `yaml:"budget"`
	// MinSimilarity is the cosine from which a message is an example
	// rephrased (0.8); it depends on the model.
	MinSimilarity float64 `yaml:"min_similarity"`
}

// Incidents groups many handoffs with one cause (D17).
type Incidents struct {
	// Threshold handoffs by one rule within Window make an incident (50 in
	// 1h); a negative threshold turns incidents off.
	Threshold int      `yaml:"threshold"`
	Window    Duration `yaml:"window"`
}

// Spikes tunes the alerts on a volume (a rule's, a type's, the negative
// messages') far above its usual level for the hour of the week. Zero
// values mean the defaults.
type Spikes struct {
	// MinCount is the fewest messages in an hour that can alert (20).
	MinCount int `yaml:"min_count"`
	// Weeks of the same hour give the usual level (4).
	Weeks int `yaml:"weeks"`
	// Sigmas above the median, in robust deviations, alert (3).
	Sigmas float64 `yaml:"sigmas"`
	// Every is how often volumes are looked at (1m); negative turns
	// spike alerts off.
	Every Duration `yaml:"every"`
}

// TeamWebhook sends the team's handoff events as signed JSON to another tool.
type TeamWebhook struct {
	URL    string `yaml:"url"`
	Secret string `yaml:"secret"` // HMAC-SHA256 key; see the README
}

// Team is a group of agents and the team chat they work in.
type Team struct {
	Name     string            `yaml:"name"`
	Bot      string            `yaml:"bot"`     // the bot that posts in the team chat
	ChatID   ID                `yaml:"chat_id"` // the agents' Telegram group
	Timezone string            `yaml:"timezone"`
	Hours    map[string]string `yaml:"hours"` // mon-fri: "09:00-18:00"; none: always open
	Holidays []string          `yaml:"holidays"`
	// Escalation lists the next tiers' chats (managers, then leadership);
	// an unclaimed handoff goes up one tier every EscalateEvery (30m).
	Escalation    []ID        `yaml:"escalation"`
	EscalateEvery Duration    `yaml:"escalate_every"`
	Webhook       TeamWebhook `yaml:"webhook"`
	// Languages the team answers in (zh, ru, en; zh covers Simplified and
	// Traditional): handoffs go to a team speaking the customer's language.
	Languages []string `yaml:"languages"`
	Overflow  Overflow `yaml:"overflow"`
	// DiscordWebhookURL also posts the team's notices to a Discord channel
	// through a channel webhook (no bot needed; nobody can answer there).
	DiscordWebhookURL string `yaml:"discord_webhook_url"`
	// Language labels the team chat's buttons: en (the default), ru or zh.
	Language string `yaml:"language"`
}

// TeamLanguages are the languages a team chat's buttons are labelled in.
var TeamLanguages = []string{"en", "ru", "zh"}

// ID is a platform id written as a number (Telegram's -1001234567890) or
// a string (Discord's snowflakes, usually quoted).
type ID string

func (id *ID) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: an id is a number or a string", n.Line)
	}
	*id = ID(n.Value)
	return nil
}

// Bot modes.
const (
	ModeWebhook = "webhook"
	ModePolling = "polling"
	ModeGateway = "gateway" // Discord: messages over the gateway, interactions over the webhook endpoint
)

var hexKey = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

func validateDiscord(at string, b Bot) []error {
	var errs []error
	if b.Mode != ModeGateway {
		errs = append(errs, fmt.Errorf("%s: a Discord bot's mode is gateway (messages over the gateway, slash commands and buttons over /webhooks/discord/%s)", at, b.Name))
	}
	if b.PublicKey != "" && !hexKey.MatchString(b.PublicKey) {
		errs = append(errs, fmt.Errorf("%s: public_key must be the application's 64-character hex public key (developer portal → General Information)", at))
	}
	if b.Token != "" && b.PublicKey == "" && !b.Insecure {
		errs = append(errs, fmt.Errorf("%s: public_key is needed to verify interactions (anyone could otherwise post fake ones); set insecure: true only for local experiments", at))
	}
	for i, ch := range b.Channels {
		if ch.ID == "" {
			errs = append(errs, fmt.Errorf("%s: channels[%d] needs an id", at, i))
		}
		if ch.Messages != "all" && ch.Messages != "mentions" {
			errs = append(errs, fmt.Errorf("%s: channels[%d].messages %q is not one of all, mentions", at, i, ch.Messages))
		}
	}
	for i, r := range b.StaffRoles {
		if r == "" {
			errs = append(errs, fmt.Errorf("%s: staff_roles[%d] is empty: write a role's id (Server Settings → Roles → Copy Role ID)", at, i))
		}
	}
	if b.WebhookSecret != "" || b.WebhookURL != "" {
		errs = append(errs, fmt.Errorf("%s: webhook_secret and webhook_url are for Telegram; Discord verifies with public_key", at))
	}
	return errs
}

// Defaults.
const (
	DefaultPath     = "configs/frontdesk.yaml"
	DefaultListen   = ":8080"
	DefaultDatabase = "sqlite:frontdesk.db"
	DefaultRules    = "rules.yaml"
)

// Duration is a time.Duration written as "10m", "24h", "7d" or "2 days"
// in YAML.
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (write it like 90s, 10m, 24h or 7d): %w", n.Line, n.Value, err)
	}
	*d = Duration(v)
	return nil
}

// ParseDuration reads a length of time as people write it: Go's form
// (90s, 10m, 24h), days and weeks (7d, 2w), and words ("2 days"); see
// internal/timespan. A leading minus is read too, for its callers to
// refuse by the name of what may not be negative (a setting, --since).
func ParseDuration(s string) (time.Duration, error) {
	abs, negative := strings.CutPrefix(strings.TrimSpace(s), "-")
	d, err := timespan.Parse(abs)
	if negative {
		d = -d
	}
	return d, err
}

// Load reads, expands and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse is Load for data already read; lookup resolves ${VAR}.
func Parse(path string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: the config file is empty", path)
	}
	// Booleans that default to true are set before decoding: a key the
	// file leaves out keeps them.
	cfg := &Config{RulesWatch: true}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, positioned(path, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, positioned(path, err)
	}
	for i, line := range botLines(&root) {
		if i < len(cfg.Bots) {
			cfg.Bots[i].Line = line
		}
	}
	cfg.Path = path
	if err := cfg.expand(lookup); err != nil {
		return nil, err
	}
	cfg.applyDefaults()
	if !filepath.IsAbs(cfg.Rules) {
		cfg.Rules = filepath.Join(filepath.Dir(path), cfg.Rules)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// botLines returns the line of each entry of the top-level bots list.
func botLines(root *yaml.Node) []int {
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "bots" && m.Content[i+1].Kind == yaml.SequenceNode {
			var lines []int
			for _, item := range m.Content[i+1].Content {
				lines = append(lines, item.Line)
			}
			return lines
		}
	}
	return nil
}

// expand replaces ${VAR} and ${VAR:-default} in string settings. It runs after
// decoding so an environment value can never change the YAML's structure.
func (c *Config) expand(lookup func(string) (string, bool)) error {
	var errs []error
	ex := func(field string, s *string) {
		v, err := Expand(*s, lookup)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", c.Path, field, err))
		}
		*s = v
	}
	ex("listen", &c.Listen)
	ex("database", &c.Database)
	ex("rules", &c.Rules)
	ex("admin_token", &c.AdminToken)
	for i := range c.Bots {
		b := &c.Bots[i]
		for _, f := range []struct {
			name string
			p    *string
		}{{"name", &b.Name}, {"platform", &b.Platform}, {"token", &b.Token}, {"mode", &b.Mode},
			{"webhook_secret", &b.WebhookSecret}, {"webhook_url", &b.WebhookURL}, {"api_url", &b.APIURL}, {"public_key", &b.PublicKey}} {
			ex(fmt.Sprintf("bots[%d].%s", i, f.name), f.p)
		}
	}
	ex("matching.embeddings.url", &c.Matching.Embeddings.URL)
	ex("matching.embeddings.model", &c.Matching.Embeddings.Model)
	ex("matching.embeddings.api_key", &c.Matching.Embeddings.APIKey)
	for i := range c.Handoff.Teams {
		w := &c.Handoff.Teams[i].Webhook
		ex(fmt.Sprintf("handoff.teams[%d].webhook.url", i), &w.URL)
		ex(fmt.Sprintf("handoff.teams[%d].webhook.secret", i), &w.Secret)
		ex(fmt.Sprintf("handoff.teams[%d].discord_webhook_url", i), &c.Handoff.Teams[i].DiscordWebhookURL)
	}
	return errors.Join(errs...)
}

var envRef = regexp.MustCompile(`\$\{([^}]*)\}`)
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Expand replaces ${NAME} with the variable's value (empty when unset) and
// ${NAME:-default} with the default when the variable is unset or empty. A
// lone $ is kept, so secrets and texts may contain it.
func Expand(s string, lookup func(string) (string, bool)) (string, error) {
	var bad error
	out := envRef.ReplaceAllStringFunc(s, func(ref string) string {
		inner := ref[2 : len(ref)-1]
		name, def, hasDef := strings.Cut(inner, ":-")
		if !envName.MatchString(name) {
			bad = fmt.Errorf("%q is not a valid variable reference (write ${NAME} or ${NAME:-default})", ref)
			return ref
		}
		v, ok := lookup(name)
		if hasDef && (!ok || v == "") {
			return def
		}
		return v
	})
	return out, bad
}

func (c *Config) applyDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Database == "" {
		c.Database = DefaultDatabase
	}
	if c.Rules == "" {
		c.Rules = DefaultRules
	}
	for i := range c.Bots {
		b := &c.Bots[i]
		if b.Mode == "" && b.Platform == "discord" {
			b.Mode = ModeGateway
		}
		if b.Mode == "" {
			b.Mode = ModeWebhook
		}
		for j := range b.Channels {
			if b.Channels[j].Messages == "" {
				b.Channels[j].Messages = "mentions"
			}
		}
	}
	if c.Pipeline.Batch <= 0 {
		c.Pipeline.Batch = 64
	}
	if c.Pipeline.Senders <= 0 {
		c.Pipeline.Senders = 64
	}
	if c.Pipeline.Workers <= 0 {
		c.Pipeline.Workers = 4
	}
	if c.Pipeline.ConversationIdle <= 0 {
		c.Pipeline.ConversationIdle = Duration(24 * time.Hour)
	}
	if c.Pipeline.SendAttempts <= 0 {
		c.Pipeline.SendAttempts = 10
	}
	if c.Pipeline.EventAttempts <= 0 {
		c.Pipeline.EventAttempts = 5
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = Duration(20 * time.Second)
	}
	if c.ShutdownDrain < 0 {
		c.ShutdownDrain = 0
	}
	if c.Pipeline.SendTimeout <= 0 {
		c.Pipeline.SendTimeout = Duration(20 * time.Second)
	}
	if c.Pipeline.Lease <= 0 {
		c.Pipeline.Lease = Duration(time.Minute)
	}
	c.Media.setDefaults()
	if c.Retention.Payloads <= 0 {
		c.Retention.Payloads = Duration(7 * 24 * time.Hour)
	}
	if c.Retention.History <= 0 {
		c.Retention.History = Duration(90 * 24 * time.Hour)
	}
}

var botName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (c *Config) validate() error {
	var errs []error
	if err := c.Media.validate(c.Path); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]bool{}
	for _, b := range c.Bots {
		at := fmt.Sprintf("%s:%d: bot %q", c.Path, b.Line, b.Name)
		switch {
		case b.Name == "":
			errs = append(errs, fmt.Errorf("%s:%d: bot has no name", c.Path, b.Line))
		case !botName.MatchString(b.Name):
			errs = append(errs, fmt.Errorf("%s: name must be lower-case letters, digits, - or _ (it is part of the webhook URL)", at))
		case seen[b.Name]:
			errs = append(errs, fmt.Errorf("%s: name is used by another bot", at))
		}
		seen[b.Name] = true
		if b.Platform == "discord" {
			errs = append(errs, validateDiscord(at, b)...)
			continue
		}
		if b.Platform != "telegram" {
			errs = append(errs, fmt.Errorf("%s: platform %q is not supported (supported: telegram, discord)", at, b.Platform))
		}
		if b.Mode != ModeWebhook && b.Mode != ModePolling {
			errs = append(errs, fmt.Errorf("%s: mode %q is not one of webhook, polling", at, b.Mode))
		}
		if b.Token != "" && b.Mode == ModeWebhook && b.WebhookSecret == "" && !b.Insecure {
			errs = append(errs, fmt.Errorf("%s: webhook mode needs webhook_secret (anyone who finds the URL could otherwise post fake updates); set insecure: true only for local experiments", at))
		}
		if b.WebhookSecret != "" && !validSecret(b.WebhookSecret) {
			errs = append(errs, fmt.Errorf("%s: webhook_secret must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)", at))
		}
		if len(b.StaffRoles) > 0 || len(b.Channels) > 0 {
			// Telegram needs no list: a group's anonymous administrators
			// and a Business account's owner are known as the brand.
			errs = append(errs, fmt.Errorf("%s: channels and staff_roles are for Discord bots", at))
		}
	}
	teams := map[string]bool{}
	for i, t := range c.Handoff.Teams {
		at := fmt.Sprintf("%s: handoff.teams[%d]", c.Path, i)
		switch {
		case t.Name == "":
			errs = append(errs, fmt.Errorf("%s: a team needs a name", at))
		case teams[t.Name]:
			errs = append(errs, fmt.Errorf("%s: team name %q is used twice", at, t.Name))
		}
		teams[t.Name] = true
		if !seen[t.Bot] {
			errs = append(errs, fmt.Errorf("%s: bot %q is not one of the configured bots", at, t.Bot))
		}
		if t.ChatID == "" {
			errs = append(errs, fmt.Errorf("%s: chat_id is the agents' group (e.g. -1001234567890)", at))
		}
		if t.Language != "" && !slices.Contains(TeamLanguages, t.Language) {
			errs = append(errs, fmt.Errorf("%s: language %q is not one of %s", at, t.Language, strings.Join(TeamLanguages, ", ")))
		}
		if d := t.DiscordWebhookURL; d != "" {
			if u, err := url.Parse(d); err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.Contains(u.Path, "/webhooks/") {
				errs = append(errs, fmt.Errorf("%s: discord_webhook_url must be a channel webhook URL like https://discord.com/api/webhooks/ID/TOKEN", at))
			}
		}
		if w := t.Webhook; w.URL != "" || w.Secret != "" {
			if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs = append(errs, fmt.Errorf("%s: webhook.url must be an http(s) URL", at))
			}
			if len(w.Secret) < 16 {
				errs = append(errs, fmt.Errorf("%s: webhook.secret must be at least 16 characters (receivers check signatures with it)", at))
			}
		}
	}
	for i, t := range c.Handoff.Teams {
		at := fmt.Sprintf("%s: handoff.teams[%d]", c.Path, i)
		for _, l := range t.Languages {
			if !validLanguage(l) {
				errs = append(errs, fmt.Errorf("%s: languages: %q is not a language code such as zh, ru or en", at, l))
			}
		}
		if o := t.Overflow; o.To != "" || o.After != 0 {
			switch {
			case !teams[o.To]:
				errs = append(errs, fmt.Errorf("%s: overflow.to: %q is not one of handoff.teams", at, o.To))
			case o.To == t.Name:
				errs = append(errs, fmt.Errorf("%s: overflow.to: a team cannot overflow to itself", at))
			}
			if o.After <= 0 {
				errs = append(errs, fmt.Errorf("%s: overflow.after must be a positive duration like 10m", at))
			}
		}
	}
	if f := c.Handoff.FallbackTeam; f != "" && !teams[f] {
		errs = append(errs, fmt.Errorf("%s: handoff.fallback_team: %q is not one of handoff.teams", c.Path, f))
	}
	if c.Handoff.PublicLinkTTL < 0 {
		errs = append(errs, fmt.Errorf("%s: handoff.public_link_ttl must not be negative", c.Path))
	}
	for i, name := range c.Handoff.Supervisors {
		if !teams[name] {
			errs = append(errs, fmt.Errorf("%s: handoff.supervisors[%d]: %q is not one of handoff.teams", c.Path, i, name))
		}
	}
	for id, name := range c.Handoff.Agents {
		platform, user, ok := strings.Cut(id, ":")
		switch {
		case !ok || user == "" || (platform != "telegram" && platform != "discord" && platform != "sandbox" && platform != "api"):
			errs = append(errs, fmt.Errorf("%s: handoff.agents: %q is not an agent account such as \"telegram:12345\" or \"discord:80351110224678912\"", c.Path, id))
		case strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 64:
			errs = append(errs, fmt.Errorf("%s: handoff.agents: %q: the name must be 1 to 64 characters", c.Path, id))
		}
	}
	for p := range c.Handoff.Priorities {
		if p != "critical" && p != "high" && p != "medium" && p != "low" {
			errs = append(errs, fmt.Errorf("%s: handoff.priorities: %q is not one of critical, high, medium, low", c.Path, p))
		}
	}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				errs = append(errs, fmt.Errorf("%s: trusted_proxies: %q is not an IP address or CIDR", c.Path, p))
			}
		}
	}
	if c.Pipeline.Batch > maxBatch {
		errs = append(errs, fmt.Errorf("%s: pipeline.batch (%d) must be at most %d: a batch is written with multi-row statements, and the databases bound their parameters",
			c.Path, c.Pipeline.Batch, maxBatch))
	}
	if c.Pipeline.SendTimeout >= c.Pipeline.Lease {
		errs = append(errs, fmt.Errorf("%s: pipeline.send_timeout (%v) must be shorter than pipeline.lease (%v): a call outliving its claim could be sent twice",
			c.Path, time.Duration(c.Pipeline.SendTimeout), time.Duration(c.Pipeline.Lease)))
	}
	if time.Duration(c.Retention.History) < 48*time.Hour {
		errs = append(errs, fmt.Errorf("%s: retention.history must be at least 48h: platforms retry updates for up to a day, and a retry must still be recognized", c.Path))
	}
	if _, _, err := SplitDatabase(c.Database); err != nil {
		errs = append(errs, fmt.Errorf("%s: database: %w", c.Path, err))
	}
	if e := c.Matching.Embeddings; e.URL != "" {
		if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: matching.embeddings.url %q must be an http:// or https:// address", c.Path, e.URL))
		}
		if e.MinSimilarity < 0 || e.MinSimilarity > 1 {
			errs = append(errs, fmt.Errorf("%s: matching.embeddings.min_similarity (%v) must be between 0 and 1", c.Path, e.MinSimilarity))
		}
		if b := time.Duration(e.Budget); b < 0 || b > 5*time.Second {
			errs = append(errs, fmt.Errorf("%s: matching.embeddings.budget (%v) must be at most 5s: every batch of messages waits for it", c.Path, b))
		}
	}
	if s := c.Handoff.Spikes; s.MinCount < 0 || s.Weeks < 0 || s.Weeks > 26 || s.Sigmas < 0 {
		// Each week is one more hour of decisions read every look.
		errs = append(errs, fmt.Errorf("%s: handoff.spikes: min_count and sigmas must not be negative, weeks must be 0-26 (0: the defaults)", c.Path))
	}
	if n := c.Handoff.ContextMessages; n < 0 || n > 50 {
		// Every message is a line of the notice, which has a size limit.
		errs = append(errs, fmt.Errorf("%s: handoff.context_messages (%d) must be 0-50 (0: the default, 5)", c.Path, n))
	}
	if c.AdminToken != "" && !validToken(c.AdminToken) {
		errs = append(errs, fmt.Errorf("%s: admin_token must be %d-512 characters of A-Z, a-z, 0-9 and - . _ ~ + / = (e.g. openssl rand -hex 32), or empty to turn the admin API off", c.Path, MinAdminToken))
	}
	return errors.Join(errs...)
}

// MinAdminToken is the shortest admin_token accepted: the token guards
// rules reloads, so a guessable one is refused.
const MinAdminToken = 16

// validToken reports whether s can be sent as an HTTP bearer token (RFC 6750
// b64token) and is long enough not to be guessed.
func validToken(s string) bool {
	if len(s) < MinAdminToken || len(s) > 512 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~+/=", r)) {
			return false
		}
	}
	return true
}

func validSecret(s string) bool {
	if len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// SplitDatabase splits a database setting into its driver and data source:
// "sqlite:frontdesk.db" → ("sqlite", "frontdesk.db").
func SplitDatabase(s string) (driver, source string, err error) {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		source = strings.TrimPrefix(s, "sqlite:")
		if source == "" {
			return "", "", errors.New(`sqlite needs a file name, e.g. "sqlite:frontdesk.db"`)
		}
		return "sqlite", source, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return "", "", errors.New("the PostgreSQL URL does not parse; write postgres://user:password@host:5432/db?sslmode=disable")
		}
		return "postgres", s, nil
	}
	return "", "", fmt.Errorf("%q: want sqlite:FILE or postgres://user@host:5432/db", redactDSN(s))
}

// RedactDatabase is a database setting fit for logs: no password.
func RedactDatabase(s string) string { return redactDSN(s) }

// redactDSN keeps a password out of error messages.
func redactDSN(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)
var unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// positioned rewrites yaml.v3's "line N: msg" errors into "file:N: msg", one
// per line, so editors and people can jump to them.
func positioned(path string, err error) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var errs []error
	for _, m := range msgs {
		sub := yamlLine.FindStringSubmatch(m)
		if sub == nil {
			errs = append(errs, fmt.Errorf("%s: %s", path, m))
			continue
		}
		line, _ := strconv.Atoi(sub[1])
		msg := sub[2]
		if u := unknownField.FindStringSubmatch(msg); u != nil {
			msg = fmt.Sprintf("unknown key %q", u[1])
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", path, line, msg))
	}
	return errors.Join(errs...)
}

// Secrets lists the configured values that must never be written down:
// bot tokens, webhook secrets, the admin token, the database password and
// the token part of a Discord channel webhook URL. Public keys and
// addresses are not secret.
func (c *Config) Secrets() []string {
	var out []string
	add := func(v ...string) {
		for _, s := range v {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	add(c.AdminToken, c.Matching.Embeddings.APIKey)
	for _, b := range c.Bots {
		add(b.Token, strings.TrimPrefix(strings.TrimSpace(b.Token), "Bot "), b.WebhookSecret)
	}
	for _, t := range c.Handoff.Teams {
		add(t.Webhook.Secret)
		if u, err := url.Parse(t.DiscordWebhookURL); err == nil && t.DiscordWebhookURL != "" {
			// …/api/webhooks/{id}/{token}: the token is the last element.
			add(path.Base(u.Path))
		}
	}
	if u, err := url.Parse(c.Database); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			add(pw, url.QueryEscape(pw))
		}
	}
	return out
}

// SandboxOn says whether the web chat at /sandbox runs: as configured, or,
// unset, when no bot has a token.
func (c *Config) SandboxOn() bool {
	if c.Sandbox != nil {
		return *c.Sandbox
	}
	for _, b := range c.Bots {
		if b.Token != "" {
			return false
		}
	}
	return true
}

// validLanguage is a language code (zh, ru, en) with an optional region
// or script (zh-hant, pt-BR).
func validLanguage(s string) bool {
	lang, rest, _ := strings.Cut(strings.ReplaceAll(s, "_", "-"), "-")
	if len(lang) < 2 || len(lang) > 3 || len(rest) > 8 {
		return false
	}
	for _, r := range strings.ToLower(lang) + strings.ToLower(rest) {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}
