// Package reqid gives every request an ID that the client, the access log
// and every error the client sees share, so a report ("my request failed,
// requestId …") leads to the server's log lines of that request.
package reqid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// Header is the request and response header that carries the ID.
const Header = "X-Request-ID"

// LogKey is the attribute that carries the ID in log records.
const LogKey = "request_id"

// MaxLen bounds an ID accepted from a client.
const MaxLen = 64

type key struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// FromContext returns the ID of the request ctx belongs to, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// Accept returns the client's ID when it is safe to echo into headers, JSON
// and log lines (1 to MaxLen characters of letters, digits and -_.:), and a
// new one otherwise.
func Accept(incoming string) string {
	if Safe(incoming) {
		return incoming
	}
	return New()
}

// Safe reports whether s is an ID a client may choose.
func Safe(s string) bool {
	if s == "" || len(s) > MaxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// New returns a fresh random ID (16 hex digits).
func New() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// LogHandler adds the request ID of the context to every log record made
// with one (slog.InfoContext, ErrorContext, …), so an internal error's log
// line names the request the client saw fail.
type LogHandler struct{ slog.Handler }

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := FromContext(ctx); id != "" && !hasID(r) {
		r.AddAttrs(slog.String(LogKey, id))
	}
	return h.Handler.Handle(ctx, r)
}

func hasID(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == LogKey
		return !found
	})
	return found
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler {
	return LogHandler{h.Handler.WithGroup(name)}
}
