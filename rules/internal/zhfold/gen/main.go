// Command gen writes ../table.go, the Traditional→Simplified character table
// of package zhfold, from OpenCC's TSCharacters dictionary as Debian ships it.
//
// Debian ships the dictionary compiled (TSCharacters.ocd2, in the package
// libopencc1.1 on bookworm); the opencc package's opencc_dict tool turns it
// back into text. So, as root on Debian:
//
//	apt-get update
//	apt-get install -y libopencc-data opencc
//	cd rules/internal/zhfold && go generate
//
// The flags let it read a text dictionary instead ("trad<TAB>simp [alternatives]"
// per line) and name its source by hand when dpkg cannot tell.
//
// Only single-rune → single-rune mappings are kept, the first Simplified
// alternative is taken, identity mappings are dropped, and chains (A→B where B
// is itself a key) are followed to their end so that folding is idempotent.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("zhfold/gen: ")
	dict := flag.String("dict", "/usr/share/opencc/TSCharacters.ocd2", "OpenCC dictionary: compiled .ocd2 (converted with opencc_dict) or text")
	source := flag.String("source", "", `where the dictionary came from, e.g. "Debian package libopencc1.1 1.1.6+ds1-1" (default: asked of dpkg)`)
	out := flag.String("o", "table.go", "output file")
	flag.Parse()

	src := *source
	if src == "" {
		var err error
		if src, err = debianSource(*dict); err != nil {
			log.Fatalf("cannot tell which package %s comes from (%v); name it with -source", *dict, err)
		}
	}

	text, err := readDict(*dict)
	if err != nil {
		log.Fatal(err)
	}
	pairs, stats, err := parse(bytes.NewReader(text))
	if err != nil {
		log.Fatalf("%s: %v", *dict, err)
	}
	code, err := render(pairs, stats, filepath.Base(*dict), src)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d entries (%s)", *out, len(pairs), stats)
}

// readDict returns the dictionary as text, converting a compiled .ocd2 file
// with opencc_dict.
func readDict(path string) ([]byte, error) {
	if !strings.HasSuffix(path, ".ocd2") {
		return os.ReadFile(path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%v (install Debian's libopencc-data and opencc packages)", err)
	}
	tool, err := exec.LookPath("opencc_dict")
	if err != nil {
		return nil, fmt.Errorf("%s is compiled and opencc_dict is missing (install Debian's opencc package): %v", path, err)
	}
	dir, err := os.MkdirTemp("", "zhfold-gen")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	txt := filepath.Join(dir, "dict.txt")
	cmd := exec.Command(tool, "-i", path, "-o", txt, "-f", "ocd2", "-t", "text")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("opencc_dict: %v", err)
	}
	return os.ReadFile(txt)
}

// debianSource names the Debian package that owns path, with its version.
func debianSource(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	owner, err := exec.Command("dpkg-query", "-S", real).Output()
	if err != nil {
		return "", fmt.Errorf("dpkg-query -S: %v", err)
	}
	// "libopencc1.1:amd64: /usr/share/opencc/TSCharacters.ocd2"
	pkg, _, ok := strings.Cut(strings.TrimSpace(string(owner)), ": ")
	if !ok || strings.Contains(pkg, ",") {
		return "", fmt.Errorf("unexpected dpkg-query -S answer %q", owner)
	}
	version, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("dpkg-query -W %s: %v", pkg, err)
	}
	pkg, _, _ = strings.Cut(pkg, ":") // drop the architecture
	return fmt.Sprintf("Debian package %s %s", pkg, strings.TrimSpace(string(version))), nil
}

type pair struct{ t, s rune }

type stats struct{ lines, multi, identity, chained int }

func (s stats) String() string {
	return fmt.Sprintf("Dictionary lines: %d; not one character to one: %d; identities dropped: %d; chains followed: %d",
		s.lines, s.multi, s.identity, s.chained)
}

// parse reads "trad<TAB>simp [alternatives]" lines and returns the table
// sorted by Traditional character.
func parse(r io.Reader) ([]pair, stats, error) {
	var st stats
	m := make(map[rune]rune)
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		st.lines++
		trad, simps, ok := strings.Cut(line, "\t")
		fields := strings.Fields(simps)
		if !ok || !utf8.ValidString(line) || len(fields) == 0 {
			return nil, st, fmt.Errorf("line %d: want trad<TAB>simp, have %q", n, line)
		}
		simp := fields[0]
		if utf8.RuneCountInString(trad) != 1 || utf8.RuneCountInString(simp) != 1 {
			st.multi++
			continue
		}
		t, _ := utf8.DecodeRuneInString(trad)
		s, _ := utf8.DecodeRuneInString(simp)
		if t == s {
			st.identity++
			continue
		}
		if old, dup := m[t]; dup && old != s {
			return nil, st, fmt.Errorf("line %d: %c maps to both %c and %c", n, t, old, s)
		}
		m[t] = s
	}
	if err := sc.Err(); err != nil {
		return nil, st, err
	}
	if len(m) == 0 {
		return nil, st, errors.New("no mappings")
	}

	pairs := make([]pair, 0, len(m))
	for t, s := range m {
		end := s
		for steps := 0; ; steps++ {
			next, ok := m[end]
			if !ok {
				break
			}
			if steps > len(m) || next == t {
				return nil, st, fmt.Errorf("cycle through %c", t)
			}
			end = next
		}
		if end != s {
			st.chained++
		}
		pairs = append(pairs, pair{t, end})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return int(a.t - b.t) })
	return pairs, st, nil
}

func render(pairs []pair, st stats, dictName, source string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `// Code generated by "go run ./gen"; DO NOT EDIT.

// Source: %s from %s, OpenCC's
// Traditional→Simplified character dictionary, Copyright 2010-2022 BYVoid and
// the OpenCC contributors, licensed under the Apache License, Version 2.0
// (see LICENSE.opencc). Derived by keeping one-character → one-character
// mappings with the first Simplified alternative, dropping identities and
// following chains.
//
// %s.

package zhfold

// Bounds of the Traditional characters in table.
const (
	minTrad = %s
	maxTrad = %s
)

// table maps Traditional characters to Simplified ones, sorted by t.
// No s is also a t, so folding twice changes nothing more.
var table = [%d]pair{
`, dictName, source, st, quote(pairs[0].t), quote(pairs[len(pairs)-1].t), len(pairs))
	for i, p := range pairs {
		if i%8 == 0 {
			b.WriteByte('\t')
		}
		fmt.Fprintf(&b, "{%s, %s},", quote(p.t), quote(p.s))
		if i%8 == 7 || i == len(pairs)-1 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// quote writes a rune literal, the character itself when it is printable.
func quote(r rune) string { return strconv.QuoteRune(r) }
