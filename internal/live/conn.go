package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"lifecircle/internal/apperr"
)

// Close codes: the WebSocket close code a connection ends with, and the
// extensions.code of the error event an SSE stream ends with.
const (
	// CloseUnauthenticated (4401, UNAUTHENTICATED): the token was refused
	// in connection_init, or expired or was revoked during the connection.
	CloseUnauthenticated = 4401
	// CloseForbidden (4403, FORBIDDEN): the person the token acts for was
	// deactivated during the connection.
	CloseForbidden = 4403
	// CloseTooMany (4429, RATE_LIMITED): over the caller's rate budget, or
	// over the connection cap of its address or token.
	CloseTooMany = 4429
	// CloseSlow (4413, SLOW_CONSUMER): the subscriber did not read its
	// events fast enough and its buffer filled.
	CloseSlow = 4413
	// CloseGoingAway (1001): the server shuts down; reconnect with the
	// last cursor.
	CloseGoingAway = 1001
)

// Drop is why a connection is ended by the server.
type Drop struct {
	Code    int    // WebSocket close code
	ErrCode string // extensions.code (SSE error event, WebSocket reason)
	Message string
}

func (d *Drop) Error() string { return d.Message }

// DropFor turns a subscription's end into a Drop (nil: not the server's
// doing).
func DropFor(err error) *Drop {
	var d *Drop
	switch {
	case err == nil:
		return nil
	case errors.As(err, &d):
		return d
	case errors.Is(err, ErrSlow):
		return &Drop{Code: CloseSlow, ErrCode: "SLOW_CONSUMER", Message: "events were not read fast enough: reconnect with the last cursor"}
	case errors.Is(err, ErrClosed):
		return &Drop{Code: CloseGoingAway, ErrCode: "UNAVAILABLE", Message: "the server is shutting down: reconnect with the last cursor"}
	}
	return &Drop{Code: 4500, ErrCode: apperr.CodeInternal, Message: "internal error: reconnect with the last cursor"}
}

// Conn is one client connection (a WebSocket, or one SSE stream), put in
// the request's context by Track so the subscriptions on it can end it
// with a reason.
type Conn struct {
	mu      sync.Mutex
	ws      transport.WebsocketConn
	dropped *Drop
	cancel  context.CancelFunc
	// Check, when set, is run before each delivery: an error ends the
	// connection (a token revoked, expired, a person deactivated).
	check func(context.Context) error
	ends  []func()

	// Set by the endpoint before the transport runs:
	// Req is the connection's HTTP request.
	Req *http.Request
	// Allow checks a WebSocket's Origin (nil: any origin).
	Allow func(origin string) bool
	// Init authenticates the credentials of a WebSocket's connection_init
	// payload (nil: the payload's credentials are ignored, as on the
	// public endpoint).
	Init func(ctx context.Context, payload transport.InitPayload) (context.Context, error)
}

// OnEnd runs f when the connection ends.
func (c *Conn) OnEnd(f func()) {
	c.mu.Lock()
	c.ends = append(c.ends, f)
	c.mu.Unlock()
}

type connKey struct{}

// ConnFrom returns the connection of ctx (nil outside Track).
func ConnFrom(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

// SetCheck sets the check run before each delivery on the connection.
func (c *Conn) SetCheck(check func(context.Context) error) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.check = check
	c.mu.Unlock()
}

// Check runs the connection's check; an error drops the connection.
func (c *Conn) Check(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	check := c.check
	c.mu.Unlock()
	if check == nil {
		return nil
	}
	if err := check(ctx); err != nil {
		d := DropFor(err)
		c.Drop(d)
		return d
	}
	return nil
}

// Drop ends the connection: a WebSocket is closed with d.Code and the
// reason "<ErrCode>: <Message>" (at most 123 bytes, as the protocol
// allows); an SSE stream gets an error event, then complete.
func (c *Conn) Drop(d *Drop) {
	if c == nil || d == nil {
		return
	}
	c.mu.Lock()
	if c.dropped != nil {
		c.mu.Unlock()
		return
	}
	c.dropped = d
	ws, cancel := c.ws, c.cancel
	c.mu.Unlock()
	if ws != nil {
		reason := d.ErrCode + ": " + d.Message
		if len(reason) > 123 {
			reason = reason[:123]
		}
		_ = ws.WriteClose(d.Code, reason)
		_ = ws.Close()
	}
	if cancel != nil && ws != nil {
		cancel()
	}
}

// Dropped is why the server ended the connection (nil: it did not).
func (c *Conn) Dropped() *Drop {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// Track puts a Conn in each request's context and lets SSE streams end
// with an error event: the writer it passes on flushes (gqlgen's SSE
// transport needs http.Flusher) and, when the connection was dropped,
// writes the error before gqlgen's closing "complete" event.
func Track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		// A stream outlives the server's read and write timeouts.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		c := &Conn{cancel: cancel, Req: r}
		defer func() {
			c.mu.Lock()
			ends := c.ends
			c.mu.Unlock()
			for _, f := range ends {
				f()
			}
		}()
		ctx = context.WithValue(ctx, connKey{}, c)
		r = r.WithContext(ctx)
		c.Req = r
		next.ServeHTTP(&streamWriter{ResponseWriter: w, c: c}, r)
	})
}

type streamWriter struct {
	http.ResponseWriter
	c *Conn
}

var sseComplete = []byte("event: complete\n\n")

func (w *streamWriter) Write(p []byte) (int, error) {
	if string(p) == string(sseComplete) {
		if d := w.c.Dropped(); d != nil {
			b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{
				"message":    d.Message,
				"extensions": map[string]any{"code": d.ErrCode, "closeCode": d.Code},
			}}})
			if _, err := fmt.Fprintf(w.ResponseWriter, "event: next\ndata: %s\n\n", b); err != nil {
				return 0, err
			}
		}
	}
	return w.ResponseWriter.Write(p)
}

func (w *streamWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

func (w *streamWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Websocket is gqlgen's WebSocket implementation (coder/websocket) that
// records each connection in its request's Conn, so a subscription can
// close it with a code; origins are checked by the Conn's Allow.
type Websocket struct{}

// Accept upgrades r.
func (i Websocket) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c := ConnFrom(r.Context())
	if c == nil {
		http.Error(w, "subscriptions are not served here", http.StatusNotFound)
		return nil, errors.New("live: a WebSocket outside Track")
	}
	if origin := r.Header.Get("Origin"); origin != "" && c.Allow != nil && !c.Allow(origin) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return nil, fmt.Errorf("live: origin %q not allowed", origin)
	}
	impl := transport.CoderWebsocketImplementation{}
	impl.AcceptOptions.InsecureSkipVerify = true // checked above, by the same rule as CORS
	ws, err := impl.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.ws = ws
	c.mu.Unlock()
	return ws, nil
}

// Caps bounds the open connections per key (an address, a token).
type Caps struct {
	mu   sync.Mutex
	open map[string]int
}

// Acquire takes one of max connections of key; release gives it back.
func (c *Caps) Acquire(key string, max int) (release func(), ok bool) {
	if max <= 0 || key == "" {
		return func() {}, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = map[string]int{}
	}
	if c.open[key] >= max {
		return nil, false
	}
	c.open[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.open[key]--; c.open[key] <= 0 {
				delete(c.open, key)
			}
		})
	}, true
}

// Open is how many connections key holds.
func (c *Caps) Open(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open[key]
}

// recheckCache remembers, per credential, the last verdict of a check for
// a short while, so thousands of subscriptions of one token cost one
// lookup per interval rather than one per event.
type recheckCache struct {
	mu    sync.Mutex
	every time.Duration
	at    map[string]verdict
}

type verdict struct {
	at  time.Time
	err error
}

func (rc *recheckCache) check(ctx context.Context, key string, run func(context.Context) error) error {
	now := time.Now()
	rc.mu.Lock()
	v, ok := rc.at[key]
	rc.mu.Unlock()
	if ok && now.Sub(v.at) < rc.every && (!isFresh(ctx) || v.err != nil) {
		return v.err
	}
	err := run(ctx)
	rc.mu.Lock()
	if len(rc.at) > 100000 {
		rc.at = map[string]verdict{}
	}
	rc.at[key] = verdict{at: now, err: err}
	rc.mu.Unlock()
	return err
}

type freshKey struct{}

// Fresh marks ctx so that a Rechecker runs the check again rather than
// return a recent verdict that let the credential through (a refusal is
// still remembered).
func Fresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

func isFresh(ctx context.Context) bool { b, _ := ctx.Value(freshKey{}).(bool); return b }

// Rechecker re-runs a credential's authentication at most once per every
// for all the connections that present it.
type Rechecker struct{ c recheckCache }

// NewRechecker returns a Rechecker (every <= 0: every delivery checks).
func NewRechecker(every time.Duration) *Rechecker {
	return &Rechecker{c: recheckCache{every: every, at: map[string]verdict{}}}
}

// Check runs run for credential key, or returns its recent verdict.
func (r *Rechecker) Check(ctx context.Context, key string, run func(context.Context) error) error {
	return r.c.check(ctx, key, run)
}

// Transports returns gqlgen's WebSocket (graphql-transport-ws, and the
// legacy graphql-ws) and SSE transports for subscriptions, with the
// keep-alive interval: a WebSocket client is pinged that often and dropped
// when it misses two pongs; an SSE stream gets a comment line.
func Transports(keepAlive time.Duration) (*transport.Websocket, *transport.SSE) {
	ws := &transport.Websocket{
		Implementation:   Websocket{},
		InitTimeout:      10 * time.Second,
		PingPongInterval: keepAlive,
		// The legacy graphql-ws protocol's keep-alive message.
		KeepAlivePingInterval: keepAlive,
		InitFunc: func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			c := ConnFrom(ctx)
			if c == nil || c.Init == nil {
				return ctx, nil, nil
			}
			ctx2, err := c.Init(ctx, payload)
			if err != nil {
				d := DropFor(err)
				c.mu.Lock()
				c.dropped = d
				c.mu.Unlock()
				ctx = transport.WithWebsocketCloseCode(ctx, d.Code)
				ctx = transport.AppendCloseReason(ctx, d.ErrCode+": "+d.Message)
				return ctx, nil, d
			}
			return ctx2, nil, nil
		},
	}
	return ws, &transport.SSE{KeepAlivePingInterval: keepAlive}
}

// Bearer is the credential of a connection_init payload, as an
// Authorization header: its Authorization (or authorization) key, with or
// without "Bearer ", or its authToken key; "" when it has none.
func Bearer(p transport.InitPayload) string {
	v := p.Authorization()
	if v == "" {
		v = p.GetString("authToken")
	}
	if v == "" {
		return ""
	}
	if len(v) > 7 && (v[:7] == "Bearer " || v[:7] == "bearer ") {
		return "Bearer " + v[7:]
	}
	return "Bearer " + v
}
