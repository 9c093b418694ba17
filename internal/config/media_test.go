package config

import (
	"strings"
	"testing"
	"time"
)

func TestMediaDefaultsAndLimits(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       Media
		err        string
	}{
		{"defaults", "listen: \":8080\"\n", Media{MaxBytes: 20 << 20, Timeout: Duration(2 * time.Minute), AlbumWait: Duration(time.Second)}, ""},
		{"set", "media:\n  max_bytes: 5000000\n  timeout: 30s\n  album_wait: 2s\n", Media{MaxBytes: 5000000, Timeout: Duration(30 * time.Second), AlbumWait: Duration(2 * time.Second)}, ""},
		{"negative size", "media:\n  max_bytes: -1\n", Media{}, "f.yaml: media.max_bytes must be positive"},
		{"album wait too long", "media:\n  album_wait: 1m\n", Media{}, "media.album_wait 1m0s is too long"},
		{"unknown key", "media:\n  max_size: 1\n", Media{}, `unknown key "max_size"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(tt.yaml), env(nil))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Media != tt.want {
				t.Errorf("media = %+v, want %+v", cfg.Media, tt.want)
			}
		})
	}
}
