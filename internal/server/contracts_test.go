package server_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"lifecircle/internal/testenv"
)

// runContractScript runs node on a script of scripts/contracts, the npm
// project (package.json, package-lock.json; installed by scripts/test with
// npm ci) of checks that use the tools clients use. Without node, or with
// the packages not installed, the test is skipped, unless CI=true, where
// it fails.
func runContractScript(t *testing.T, script string, args ...string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "contracts")
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		testenv.Skip(t, "contract check skipped: "+why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		missing("the packages of scripts/contracts are not installed: run (cd scripts/contracts && npm ci)")
	}
	cmd := exec.Command(node, append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, out)
	}
	return string(out)
}
