package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium for the test, or skips it, saying
// why, when the machine has none (.ci/run installs Debian's chromium).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("FRONTDESK_CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path != "" {
			break
		}
		path, _ = exec.LookPath(name)
	}
	if path == "" {
		t.Skip("no Chromium on this machine (apt-get install chromium, or set FRONTDESK_CHROMIUM); .ci/run installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// The first run starts the browser, which lives as long as ctx: no
	// timeout on it, only on the steps the test runs after.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("starting %s: %v", path, err)
	}
	steps, cancelSteps := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelSteps(); cancelCtx(); cancelAlloc() })
	return steps
}

// artifact saves a file a person may want to look at after the run
// (screenshots), in $FRONTDESK_ARTIFACTS (.ci/run sets .ci/artifacts) or
// the system's temporary directory.
func artifact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := os.Getenv("FRONTDESK_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "frontdesk-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s", path)
}
