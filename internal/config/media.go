package config

import (
	"errors"
	"fmt"
	"time"
)

// Media bounds media sent on from one platform or bot to another, which
// are downloaded and uploaded again (within one bot the platform's own
// reference is reused and nothing is downloaded).
type Media struct {
	// MaxBytes is the largest file sent on (default 20 MB, Telegram's
	// limit for a bot's downloads); a larger one reaches the agents as a
	// note with its name, type and size.
	MaxBytes int64 `yaml:"max_bytes"`
	// Timeout bounds one download and upload (2m; at most 3/4 of
	// pipeline.lease).
	Timeout Duration `yaml:"timeout"`
	// AlbumWait holds an album's parts, which arrive as separate
	// messages, to send them on as one album (1s).
	AlbumWait Duration `yaml:"album_wait"`
}

// DefaultMediaMaxBytes is media.max_bytes when not set.
const DefaultMediaMaxBytes = 20 << 20

func (m *Media) setDefaults() {
	if m.MaxBytes == 0 {
		m.MaxBytes = DefaultMediaMaxBytes
	}
	if m.Timeout <= 0 {
		m.Timeout = Duration(2 * time.Minute)
	}
	if m.AlbumWait <= 0 {
		m.AlbumWait = Duration(time.Second)
	}
}

func (m Media) validate(path string) error {
	var errs []error
	if m.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("%s: media.max_bytes must be positive (bytes; 20971520 is 20 MB)", path))
	}
	if time.Duration(m.AlbumWait) > 10*time.Second {
		errs = append(errs, fmt.Errorf("%s: media.album_wait %v is too long: an album's parts arrive within a second or two", path, time.Duration(m.AlbumWait)))
	}
	return errors.Join(errs...)
}
