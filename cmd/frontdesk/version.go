package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// buildVersion and buildCommit are set by the Dockerfile with -ldflags -X:
// its build context leaves out .git, so the Go toolchain cannot stamp the
// commit itself there. Empty in a plain `go build` or `go install`, which
// stamp both into the build info.
var buildVersion, buildCommit string

// version prints the module version and the VCS commit the binary was built
// from, so an operator can tell which build a replica runs.
func version(stdout io.Writer) int {
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(bi, buildVersion, buildCommit))
	return 0
}

// versionLine describes a build: ldVersion and ldCommit (from -ldflags)
// win over what the toolchain recorded in bi, which may be nil.
func versionLine(bi *debug.BuildInfo, ldVersion, ldCommit string) string {
	ver, commit, when, modified, goVersion := "unknown", "unknown", "", false, "unknown"
	if bi != nil {
		if bi.Main.Version != "" {
			ver = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if ldVersion != "" {
		ver = ldVersion
	}
	if ldCommit != "" {
		commit, when, modified = ldCommit, "", false
	}
	details := []string{"commit " + commit}
	if when != "" {
		details = append(details, when)
	}
	if modified {
		details = append(details, "modified")
	}
	return fmt.Sprintf("frontdesk %s (%s) %s", ver, strings.Join(details, ", "), goVersion)
}
