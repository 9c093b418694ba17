package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMEListsEveryEnvironmentVariable keeps the README's table of
// environment variables true: every variable the shipped config names in
// ${VAR} or ${VAR:-default}, and every one the service's code reads by
// name (os.Getenv, os.LookupEnv), is a row, with the config's default, and
// no row names one that nothing reads. (The README once named DATABASE_URL
// where the config reads FRONTDESK_DATABASE.)
func TestREADMEListsEveryEnvironmentVariable(t *testing.T) {
	read := map[string]string{} // variable → default ("—" for none)
	yaml, err := os.ReadFile("../../configs/frontdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The file's opening comment explains ${VAR} with a made-up name; the
	// commented-out examples further down count.
	body := string(yaml)
	for strings.HasPrefix(body, "#") {
		_, body, _ = strings.Cut(body, "\n")
	}
	for _, m := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`).FindAllStringSubmatch(body, -1) {
		def := m[3]
		if def == "" {
			def = "—"
		}
		read[m[1]] = def
	}
	// The service's code: the frontdesk command and what it runs (not the
	// load tool, which is not configured by the environment of a service).
	getenv := regexp.MustCompile(`os\.(?:Getenv|LookupEnv)\("([^"]+)"\)`)
	for _, dir := range []string{"../../cmd/frontdesk", "../../internal", "../../bots", "../../rules"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range getenv.FindAllStringSubmatch(string(src), -1) {
				if _, ok := read[m[1]]; !ok {
					read[m[1]] = "—"
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(read) < 3 {
		t.Fatalf("found only %v: the scan is broken", read)
	}

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]string{}
	row := regexp.MustCompile("^\\| `([A-Z][A-Z0-9_]*)` \\| [^|]* \\| ([^|]*) \\|")
	header := "| variable | sets | default | |"
	_, after, ok := strings.Cut(string(readme), header)
	if !ok {
		t.Fatalf("the README has no table starting %q", header)
	}
	for _, line := range strings.Split(after, "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("README row %q: want | `NAME` | key | default | meaning |", line)
		}
		table[m[1]] = strings.Trim(strings.TrimSpace(m[2]), "`")
	}

	var names []string
	for n := range read {
		names = append(names, n)
	}
	for n := range table {
		if _, ok := read[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		want, isRead := read[n]
		got, listed := table[n]
		switch {
		case !listed:
			t.Errorf("%s is read (default %s) but not in the README's table", n, want)
		case !isRead:
			t.Errorf("the README's table lists %s, which nothing reads", n)
		case got != want:
			t.Errorf("%s: the README says the default is %q, the config %q", n, got, want)
		}
	}
}
