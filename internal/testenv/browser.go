package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Chromium returns the path of Debian's Chromium for a browser test run by
// node with playwright-core from nodeModules (the package's npm project,
// e.g. "web"), or stops the test: failed with CI=true, skipped (and
// recorded, see Skip) on a developer machine without Chromium, node or the
// npm packages. what names the test in the message.
func Chromium(t testing.TB, what, nodeModules string) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %s cannot run (CI=true: failing rather than skipping)", why, what)
		}
		Skip(t, why+": "+what+" skipped (scripts/test installs what it needs)")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("no Chromium at " + chromium + " (apt-get install chromium)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("no node")
	}
	if _, err := os.Stat(filepath.Join(nodeModules, "node_modules", "playwright-core")); err != nil {
		missing("no playwright-core (npm ci in " + nodeModules + ")")
	}
	return chromium
}
