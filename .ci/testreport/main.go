// Command testreport reads `go test -json` on stdin and prints what `go
// test` prints without -v (each package's result, the output of the tests
// that failed), then every skipped test with its reason, which plain `go
// test` never shows. It exits 1 when a test failed, when a test skipped
// without saying why, or when one skipped for want of a dependency that the
// caller says is provided (.ci/run installs PostgreSQL and Chromium, so a
// test that skips for want of them there is a test that did not run).
//
//	go test -json ./... | go run ./.ci/testreport -provided postgres,chromium
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// dependencies are what tests may skip for want of, by the words their
// skips say it with (internal/store/storetest, internal/app/browser_test.go,
// cmd/frontdesk-load).
var dependencies = map[string]*regexp.Regexp{
	"postgres": regexp.MustCompile(`FRONTDESK_TEST_POSTGRES is not set|no PostgreSQL server binaries|no postgres system user`),
	"chromium": regexp.MustCompile(`no Chromium`),
}

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	provided := flag.String("provided", "", "comma-separated dependencies the caller provides: "+names())
	flag.Parse()
	var want []string
	for _, d := range strings.Split(*provided, ",") {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if dependencies[d] == nil {
			fmt.Fprintf(os.Stderr, "testreport: unknown dependency %q (known: %s)\n", d, names())
			os.Exit(2)
		}
		want = append(want, d)
	}
	ok, err := report(os.Stdin, os.Stdout, want)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testreport: %v\n", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func names() string {
	var n []string
	for d := range dependencies {
		n = append(n, d)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// report reads the events from in and writes the report to out; ok is
// false when a test failed or skipped as it must not.
func report(in io.Reader, out io.Writer, provided []string) (ok bool, err error) {
	ok = true
	outputs := map[string][]string{} // package + " " + test → its output lines
	var skips, bad []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil {
			// Not an event (a build error printed before the tests ran):
			// shown as it is.
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		key := ev.Package + " " + ev.Test
		switch {
		case ev.Action == "build-output":
			fmt.Fprint(out, ev.Output)
		case ev.Action == "build-fail":
			ok = false
		case ev.Action == "output" && ev.Test == "":
			// The package's own lines: ok/FAIL and what ran outside tests.
			if ev.Output != "PASS\n" && !strings.HasPrefix(ev.Output, "=== ") {
				fmt.Fprint(out, ev.Output)
			}
		case ev.Action == "output":
			outputs[key] = append(outputs[key], ev.Output)
		case ev.Action == "fail" && ev.Test != "":
			ok = false
			fmt.Fprint(out, strings.Join(outputs[key], ""))
		case ev.Action == "fail":
			ok = false
		case ev.Action == "skip" && ev.Test != "":
			why := reason(outputs[key])
			skips = append(skips, fmt.Sprintf("%s %s: %s", ev.Package, ev.Test, why))
			switch dep := missing(why, provided); {
			case why == "":
				bad = append(bad, fmt.Sprintf("%s %s skipped without saying why: give t.Skip a reason", ev.Package, ev.Test))
			case dep != "":
				bad = append(bad, fmt.Sprintf("%s %s skipped for want of %s, which this run provides: %s", ev.Package, ev.Test, dep, why))
			}
		}
		if ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip" {
			if ev.Test != "" {
				delete(outputs, key)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("reading go test -json: %w", err)
	}
	if len(skips) > 0 {
		fmt.Fprintf(out, "\n%d test(s) skipped:\n", len(skips))
		for _, s := range skips {
			fmt.Fprintf(out, "  %s\n", s)
		}
	}
	if len(bad) > 0 {
		ok = false
		fmt.Fprintf(out, "\nFAIL: %d test(s) skipped as they must not:\n", len(bad))
		for _, b := range bad {
			fmt.Fprintf(out, "  %s\n", b)
		}
	}
	return ok, nil
}

// reason is what a skipped test said, without the lines go test adds.
func reason(lines []string) string {
	var words []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		words = append(words, t)
	}
	return strings.Join(words, " ")
}

// missing is the provided dependency a skip's reason says is missing, or "".
func missing(why string, provided []string) string {
	for _, d := range provided {
		if dependencies[d].MatchString(why) {
			return d
		}
	}
	return ""
}
