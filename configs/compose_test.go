package configs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/frontdesk-bot/frontdesk/internal/config"
)

// TestComposeExample reads configs/compose.yaml (Compose itself may be
// absent where tests run): it says it is an example, runs three replicas
// with the config it mounts, gives them only variables that config reads,
// on PostgreSQL, behind a proxy whose config file exists.
func TestComposeExample(t *testing.T) {
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# EXAMPLE") {
		t.Error("compose.yaml does not begin by saying it is an example")
	}
	var compose struct {
		Services map[string]struct {
			Image  string `yaml:"image"`
			Deploy struct {
				Replicas int `yaml:"replicas"`
			} `yaml:"deploy"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	fd, ok := compose.Services["frontdesk"]
	if !ok {
		t.Fatal("no frontdesk service")
	}
	if fd.Deploy.Replicas != 3 {
		t.Errorf("%d frontdesk replicas, want 3", fd.Deploy.Replicas)
	}
	if _, ok := compose.Services["postgres"]; !ok {
		t.Error("no postgres service")
	}
	// The config the replicas read: the mounted folder's frontdesk.yaml,
	// with the environment Compose gives them; Compose's own ${…} (from
	// the env file) become stand-ins, as the operator's values would.
	composeVar := regexp.MustCompile(`\$\{[A-Z_]+[^}]*\}`)
	read := map[string]bool{}
	lookup := func(name string) (string, bool) {
		read[name] = true
		v, ok := fd.Environment[name]
		if name == "FRONTDESK_ADMIN_TOKEN" {
			v = strings.Repeat("a1", 16)
		}
		return composeVar.ReplaceAllString(v, "standin"), ok
	}
	cfg, err := config.Parse("frontdesk.yaml", mustRead(t, "frontdesk.yaml"), lookup)
	if err != nil {
		t.Fatalf("the mounted config with Compose's environment: %v", err)
	}
	if !strings.HasPrefix(cfg.Database, "postgres://") {
		t.Errorf("database %q: three replicas need PostgreSQL", cfg.Database)
	}
	for name := range fd.Environment {
		if !read[name] {
			t.Errorf("environment %s is set but configs/frontdesk.yaml reads no ${%s}", name, name)
		}
	}
	mountsConfig := false
	for _, v := range fd.Volumes {
		mountsConfig = mountsConfig || strings.HasPrefix(v, "./:/etc/frontdesk")
	}
	if !mountsConfig {
		t.Errorf("frontdesk volumes %v do not mount configs/ at /etc/frontdesk", fd.Volumes)
	}
	proxies := 0
	for name, s := range compose.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") && name != "frontdesk" {
				proxies++
				if _, err := os.Stat(filepath.Clean(src)); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
			}
		}
	}
	if proxies == 0 {
		t.Error("no reverse proxy with a config file of its own")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
