package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SkipLogEnv names a file that Skip appends one line to per skipped test.
// go test shows nothing of a passing package without -v, not even what it
// wrote to stderr, so scripts/test sets this and prints a summary of the
// file after the run: skipped groups are visible without -v.
const SkipLogEnv = "LIFECIRCLE_SKIP_LOG"

// Skip skips t for reason (what could not run, and why), and records it
// in the skip log when there is one.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if path := os.Getenv(SkipLogEnv); path != "" {
		dir, _ := os.Getwd()
		line := fmt.Sprintf("%s\t%s\t%s\n", oneLine(reason), filepath.Base(dir), t.Name())
		// One short O_APPEND write per line: package binaries running in
		// parallel do not interleave within a line.
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			_, _ = f.WriteString(line)
			_ = f.Close()
		}
	}
	t.Skip(reason)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " ")
}
