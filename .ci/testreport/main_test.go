package main

import (
	"strings"
	"testing"
)

// ev is one line of go test -json.
func ev(action, test, output string) string {
	s := `{"Action":"` + action + `","Package":"example/p"`
	if test != "" {
		s += `,"Test":"` + test + `"`
	}
	if output != "" {
		s += `,"Output":` + strings.ReplaceAll(`"`+strings.ReplaceAll(output, "\n", `\n`)+`"`, "\t", `\t`)
	}
	return s + "}\n"
}

func skipped(test, why string) string {
	s := ev("run", test, "") + ev("output", test, "=== RUN   "+test+"\n")
	if why != "" {
		s += ev("output", test, "    x_test.go:12: "+why+"\n")
	}
	return s + ev("output", test, "--- SKIP: "+test+" (0.00s)\n") + ev("skip", test, "")
}

func TestReport(t *testing.T) {
	passed := ev("run", "TestA", "") + ev("output", "TestA", "=== RUN   TestA\n") + ev("output", "TestA", "--- PASS: TestA (0.00s)\n") + ev("pass", "TestA", "")
	end := ev("output", "", "PASS\n") + ev("output", "", "ok  \texample/p\t0.1s\n") + ev("pass", "", "")
	tests := []struct {
		name     string
		input    string
		provided []string
		ok       bool
		want     []string // in the report
		not      []string // not in it
	}{
		{"all pass", passed + end, []string{"postgres", "chromium"}, true, []string{"ok  \texample/p"}, []string{"--- PASS", "skipped"}},
		{"skip for want of PostgreSQL, not provided", passed + skipped("TestPG", "FRONTDESK_TEST_POSTGRES is not set, so the PostgreSQL run is skipped") + end,
			nil, true, []string{"1 test(s) skipped", "TestPG: x_test.go:12: FRONTDESK_TEST_POSTGRES is not set"}, []string{"FAIL"}},
		{"skip for want of PostgreSQL, provided", skipped("TestPG", "FRONTDESK_TEST_POSTGRES is not set") + end,
			[]string{"postgres"}, false, []string{"TestPG skipped for want of postgres, which this run provides"}, nil},
		{"skip for want of Chromium, provided", skipped("TestBrowser", "no Chromium on this machine") + end,
			[]string{"postgres", "chromium"}, false, []string{"TestBrowser skipped for want of chromium"}, nil},
		{"skip for want of Chromium, only PostgreSQL provided", skipped("TestBrowser", "no Chromium on this machine") + end,
			[]string{"postgres"}, true, []string{"TestBrowser: x_test.go:12: no Chromium"}, []string{"FAIL"}},
		{"skip for another reason", skipped("TestSlow", "-short: builds the binary") + end,
			[]string{"postgres", "chromium"}, true, []string{"TestSlow: x_test.go:12: -short"}, []string{"FAIL"}},
		{"skip without a word", skipped("TestQuiet", "") + end,
			nil, false, []string{"TestQuiet skipped without saying why"}, nil},
		{"a failure shows the test's output", ev("run", "TestB", "") + ev("output", "TestB", "    b_test.go:3: got 1, want 2\n") +
			ev("output", "TestB", "--- FAIL: TestB (0.00s)\n") + ev("fail", "TestB", "") + ev("output", "", "FAIL\texample/p\t0.1s\n") + ev("fail", "", ""),
			nil, false, []string{"b_test.go:3: got 1, want 2", "--- FAIL: TestB", "FAIL\texample/p"}, nil},
		{"a build error", "# example/p\np.go:1:1: expected 'package'\n" + ev("output", "", "FAIL\texample/p [build failed]\n") + ev("fail", "", ""),
			nil, false, []string{"p.go:1:1: expected 'package'", "[build failed]"}, nil},
		{"a compile error (go 1.24+ reports it as events)", `{"ImportPath":"example/p [example/p.test]","Action":"build-output","Output":"p.go:2:12: undefined: x\n"}` + "\n" +
			`{"ImportPath":"example/p [example/p.test]","Action":"build-fail"}` + "\n" + ev("output", "", "FAIL\texample/p [build failed]\n") + ev("fail", "", ""),
			nil, false, []string{"p.go:2:12: undefined: x", "[build failed]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			ok, err := report(strings.NewReader(tt.input), &out, tt.provided)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("the report lacks %q:\n%s", w, out.String())
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out.String(), n) {
					t.Errorf("the report has %q:\n%s", n, out.String())
				}
			}
		})
	}
}
