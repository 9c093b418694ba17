package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDockerfile reads the Dockerfile and .dockerignore (docker itself may
// be absent where tests run): the image runs as a non-root user given by
// number (runAsNonRoot can check only a number), on distroless, with the
// OCI labels, stamps the version and commit into the variables `frontdesk
// version` prints, and local databases stay out of the build context.
func TestDockerfile(t *testing.T) {
	df, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	ignore, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	// The final stage is what runs.
	stages := regexp.MustCompile(`(?m)^FROM `).Split(string(df), -1)
	final := stages[len(stages)-1]
	ignored := strings.Fields(string(regexp.MustCompile(`(?m)#.*$`).ReplaceAll(ignore, nil)))
	checks := []struct {
		name string
		ok   bool
	}{
		{"the final stage is distroless", strings.HasPrefix(final, "gcr.io/distroless/static")},
		{"USER is a non-zero uid", regexp.MustCompile(`(?m)^USER [1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(final)},
		{"the binary is static (CGO_ENABLED=0)", strings.Contains(string(df), "CGO_ENABLED=0 go build")},
		{"-X main.buildVersion", strings.Contains(string(df), "-X main.buildVersion=${VERSION}")},
		{"-X main.buildCommit", strings.Contains(string(df), "-X main.buildCommit=${REVISION}")},
		{"label version", strings.Contains(final, `org.opencontainers.image.version="${VERSION}"`)},
		{"label revision", strings.Contains(final, `org.opencontainers.image.revision="${REVISION}"`)},
		{"label source", strings.Contains(final, "org.opencontainers.image.source=")},
		{".dockerignore leaves out databases", slices.Contains(ignored, "**/*.db") && slices.Contains(ignored, "**/*.db-*")},
		{".dockerignore leaves out .git", slices.Contains(ignored, ".git")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("Dockerfile: %s: not so", c.name)
		}
	}
}
