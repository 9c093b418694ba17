package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
)

// tokenPrefix marks frontdesk's API tokens, so secret scanners and people
// reading a config can tell one from other credentials.
const tokenPrefix = "fd_"

// NewAPIToken makes an API token's secret (256 random bits, URL-safe:
// [A-Za-z0-9_-], 46 characters) and the hash under which it is stored.
func NewAPIToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("api token: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashAPIToken(token), nil
}

// HashAPIToken is the stored form of a token. A fast hash is enough: the
// secret has 256 random bits, so there is nothing to guess offline, and
// looking it up by its hash compares no secret byte by byte.
func HashAPIToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidTokenName reports whether name may name a token: it becomes part of
// the agent account "api:<name>" shown to people and in logs.
func ValidTokenName(name string) bool { return tokenName.MatchString(name) }
