package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

const routingBots = "bots:\n  - name: shop\n    platform: telegram\n    username: shop_bot\n"

func TestRoutingConfig(t *testing.T) {
	yaml := routingBots + `handoff:
  fallback_team: en
  public_link_ttl: 2h
  teams:
    - {name: zh, bot: shop, chat_id: -1, languages: [zh, zh-Hant], overflow: {after: 10m, to: en}}
    - {name: en, bot: shop, chat_id: -2, languages: [en]}
`
	cfg, err := Parse("f.yaml", []byte(yaml), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	zh := cfg.Handoff.Teams[0]
	if cfg.Handoff.FallbackTeam != "en" || time.Duration(cfg.Handoff.PublicLinkTTL) != 2*time.Hour || cfg.Bots[0].Username != "shop_bot" ||
		strings.Join(zh.Languages, ",") != "zh,zh-Hant" || zh.Overflow.To != "en" || time.Duration(zh.Overflow.After) != 10*time.Minute {
		t.Fatalf("parsed %+v / %+v", cfg.Handoff, zh)
	}

	tests := []struct {
		name, teams, extra, want string
	}{
		{"overflow to an unknown team", `{name: a, bot: shop, chat_id: -1, overflow: {after: 10m, to: b}}`, "",
			`handoff.teams[0]: overflow.to: "b" is not one of handoff.teams`},
		{"overflow to itself", `{name: a, bot: shop, chat_id: -1, overflow: {after: 10m, to: a}}`, "",
			`handoff.teams[0]: overflow.to: a team cannot overflow to itself`},
		{"overflow without a time", `{name: a, bot: shop, chat_id: -1, overflow: {to: b}}
    - {name: b, bot: shop, chat_id: -2}`, "", `handoff.teams[0]: overflow.after must be a positive duration like 10m`},
		{"a language that is none", `{name: a, bot: shop, chat_id: -1, languages: [chinese!]}`, "",
			`handoff.teams[0]: languages: "chinese!" is not a language code such as zh, ru or en`},
		{"an unknown fallback team", `{name: a, bot: shop, chat_id: -1}`, "  fallback_team: b\n",
			`handoff.fallback_team: "b" is not one of handoff.teams`},
		{"a negative link lifetime", `{name: a, bot: shop, chat_id: -1}`, "  public_link_ttl: -1h\n",
			`handoff.public_link_ttl must not be negative`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := routingBots + "handoff:\n" + tc.extra + "  teams:\n    - " + tc.teams + "\n"
			if _, err := Parse("f.yaml", []byte(y), env(nil)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// The commented-out handoff example of configs/frontdesk.yaml, with its
// routing, is a working config once uncommented.
func TestExampleHandoffConfigParses(t *testing.T) {
	data, err := os.ReadFile("../../configs/frontdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "# handoff:\n")
	if i < 0 {
		t.Fatal("no handoff example in configs/frontdesk.yaml")
	}
	var block []string
	for _, line := range strings.Split(text[i:], "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		block = append(block, regexp.MustCompile(`^# ?`).ReplaceAllString(line, ""))
	}
	yaml := routingBots + strings.Join(block, "\n") + "\n"
	cfg, err := Parse("f.yaml", []byte(yaml), env(map[string]string{"FRONTDESK_TEAM_WEBHOOK_SECRET": "0123456789abcdef0123"}))
	if err != nil {
		t.Fatalf("the example, uncommented:\n%s\n%v", yaml, err)
	}
	if cfg.Handoff.FallbackTeam == "" || len(cfg.Handoff.Teams[0].Languages) == 0 || cfg.Handoff.Teams[0].Overflow.To == "" {
		t.Fatalf("the example shows no routing: %+v", cfg.Handoff)
	}
}
