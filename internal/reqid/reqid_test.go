package reqid

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestSafe(t *testing.T) {
	for s, want := range map[string]bool{
		"": false, "a": true, strings.Repeat("a", MaxLen): true, strings.Repeat("a", MaxLen+1): false,
		"req-1_2.3:4": true, "a b": false, "a\nb": false, "ü": false, `a"b`: false, "a=b": false,
	} {
		if Safe(s) != want {
			t.Errorf("Safe(%q) = %v, want %v", s, !want, want)
		}
	}
	if a, b := New(), New(); a == b || !Safe(a) || len(a) != 16 {
		t.Errorf("New: %q, %q", a, b)
	}
}

// Log lines made with a request's context carry its ID, once.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(LogHandler{slog.NewTextHandler(&buf, nil)}).With("component", "x")
	ctx := NewContext(context.Background(), "abc")
	l.InfoContext(ctx, "one")
	l.InfoContext(ctx, "two", LogKey, "abc")
	l.Info("three")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || strings.Count(lines[0], "request_id=abc") != 1 || strings.Count(lines[1], "request_id=abc") != 1 ||
		strings.Contains(lines[2], "request_id") || !strings.Contains(lines[0], "component=x") {
		t.Errorf("log lines:\n%s", buf.String())
	}
}
