package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"lifecircle/ent"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/limits"
	"lifecircle/internal/live"
)

// LiveLimits bound the subscription connections (WebSocket and SSE).
type LiveLimits struct {
	// PerIP is how many connections an address may hold open (default 50).
	PerIP int
	// PerToken is how many connections a token (or sign-in) may hold open
	// (default 20).
	PerToken int
	// KeepAlive is the ping interval of WebSockets and the comment interval
	// of SSE streams (default 15 s); a WebSocket that misses two pongs is
	// closed.
	KeepAlive time.Duration
	// Recheck is how long a credential's re-check before a delivery is
	// trusted (default 1 s): a revoked token, an expired one, a deactivated
	// person stop receiving within it.
	Recheck time.Duration
	// EventCost is the cost each delivered event takes from the caller's
	// rate budget (default 10 points).
	EventCost int
}

func (l *LiveLimits) defaults() {
	if l.PerIP == 0 {
		l.PerIP = 50
	}
	if l.PerToken == 0 {
		l.PerToken = 20
	}
	if l.KeepAlive == 0 {
		l.KeepAlive = 15 * time.Second
	}
	if l.Recheck == 0 {
		l.Recheck = time.Second
	}
	if l.EventCost == 0 {
		l.EventCost = 10
	}
}

// isStream reports whether r opens a subscription connection: a WebSocket
// upgrade, or an SSE request (POST accepting text/event-stream).
func isStream(r *http.Request) bool {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return true
	}
	return r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// streams routes subscription connections to stream and the rest to next.
func streams(stream, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStream(r) {
			stream.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// liveEndpoint prepares a subscription connection: the per-address and
// per-token caps, the origin rule of WebSockets, and, on /graphql (auth
// not nil), the credentials of connection_init and their re-check before
// each delivery. It runs inside live.Track and limits.RateLimited.
type liveEndpoint struct {
	lim       LiveLimits
	caps      *live.Caps
	recheck   *live.Rechecker
	allow     func(string) bool
	auth      func(r *http.Request, authz string) (context.Context, error) // nil: public
	tokenCaps bool
}

func (e *liveEndpoint) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := live.ConnFrom(r.Context())
		release, ok := e.caps.Acquire("ip:"+limits.ClientIP(r), e.lim.PerIP)
		if !ok {
			w.Header().Set("Retry-After", "60")
			apperr.WriteHTTP(w, http.StatusTooManyRequests, apperr.New(limits.CodeRateLimited,
				"too many open subscription connections from your address (at most %d)", e.lim.PerIP))
			return
		}
		c.OnEnd(release)
		c.Allow = e.allow
		if e.auth != nil {
			if authz := r.Header.Get("Authorization"); authz != "" {
				if !e.hold(w, c, auth.FromContext(r.Context())) {
					return
				}
				e.watch(c, authz)
			}
			c.Init = func(ctx context.Context, p transport.InitPayload) (context.Context, error) {
				authz := live.Bearer(p)
				if authz == "" {
					return ctx, nil
				}
				actx, err := e.auth(c.Req.WithContext(ctx), authz)
				if err != nil {
					return ctx, err
				}
				v := auth.FromContext(actx)
				if !e.hold(nil, c, v) {
					return ctx, &live.Drop{Code: live.CloseTooMany, ErrCode: limits.CodeRateLimited,
						Message: "too many open subscription connections for this token"}
				}
				e.watch(c, authz)
				return limits.Rebind(actx, v.ClientKey(), string(v.Role), v.RatePerWindow), nil
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hold takes one of the viewer's connections; w (nil for a WebSocket's
// init) is answered 429 when it cannot.
func (e *liveEndpoint) hold(w http.ResponseWriter, c *live.Conn, v auth.Viewer) bool {
	key := v.ClientKey()
	if key == "" {
		return true
	}
	release, ok := e.caps.Acquire(key, e.lim.PerToken)
	if !ok {
		if w != nil {
			w.Header().Set("Retry-After", "60")
			apperr.WriteHTTP(w, http.StatusTooManyRequests, apperr.New(limits.CodeRateLimited,
				"too many open subscription connections for this token (at most %d)", e.lim.PerToken))
		}
		return false
	}
	c.OnEnd(release)
	return true
}

// watch re-checks the connection's credential before each delivery.
func (e *liveEndpoint) watch(c *live.Conn, authz string) {
	req := c.Req
	c.SetCheck(func(ctx context.Context) error {
		return e.recheck.Check(ctx, authz, func(ctx context.Context) error {
			_, err := e.auth(req.WithContext(context.WithoutCancel(ctx)), authz)
			return err
		})
	})
}

// bearerAuth authenticates an Authorization value exactly as /graphql does
// (token.MiddlewareJWT: opaque tokens and identity-provider JWTs), for the
// credentials of a WebSocket's connection_init and their re-checks. A
// refusal is a *live.Drop with the close code of its status.
func bearerAuth(client *ent.Client, guard token.Guard, jwt token.JWTVerifier) func(r *http.Request, authz string) (context.Context, error) {
	return func(r *http.Request, authz string) (context.Context, error) {
		req := r.Clone(r.Context())
		req.Header = http.Header{"Authorization": {authz}}
		var got context.Context
		rec := &captured{header: http.Header{}}
		token.MiddlewareJWT(client, guard, jwt, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			got = r.Context()
		})).ServeHTTP(rec, req)
		if got != nil {
			return got, nil
		}
		var body struct {
			Errors []struct {
				Message    string `json:"message"`
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(rec.body, &body)
		d := &live.Drop{Code: live.CloseUnauthenticated, ErrCode: apperr.CodeUnauthenticated, Message: "the token was refused"}
		if len(body.Errors) > 0 {
			d.Message, d.ErrCode = body.Errors[0].Message, body.Errors[0].Extensions.Code
		}
		switch {
		case rec.status == http.StatusForbidden:
			d.Code = live.CloseForbidden
		case rec.status == http.StatusTooManyRequests:
			d.Code = live.CloseTooMany
		case rec.status >= 500:
			d.Code = 4503
		}
		if d.ErrCode == "" {
			return nil, errors.New(d.Message)
		}
		return nil, d
	}
}

// captured records a refusal written by the token middleware.
type captured struct {
	header http.Header
	status int
	body   []byte
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) WriteHeader(s int) {
	if c.status == 0 {
		c.status = s
	}
}
func (c *captured) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body = append(c.body, p...)
	return len(p), nil
}

// chargeEvents takes cost points from the subscriber's budget per event.
func chargeEvents(b *limits.Budget, cost int) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if _, retry, ok := b.Charge(ctx, cost); !ok {
			return &live.Drop{Code: live.CloseTooMany, ErrCode: limits.CodeRateLimited,
				Message: "over your rate budget: reconnect with the last cursor in " + retry.Round(time.Second).String()}
		}
		return nil
	}
}
