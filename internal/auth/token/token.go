// Package token issues bearer tokens for app clients and turns the
// Authorization header of a request into the request's viewer. Only the
// SHA-256 of a token is stored: a leaked database holds no usable token.
package token

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/apitoken"
	"lifecircle/ent/person"
	"lifecircle/ent/predicate"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/limits"
	"lifecircle/internal/outage"
)

const prefix = "lc_"

// Hash returns the stored form of a token.
func Hash(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// usedEvery is how often a token's last use is written: the first request
// of each minute, not every request.
const usedEvery = time.Minute

// ErrInvalid is returned for unknown, revoked or expired tokens.
var ErrInvalid = errors.New("the bearer token is not valid (unknown, revoked or expired)")

// ErrDeactivated is returned for the token of a deactivated person: the
// token is valid, the person may not act (403 FORBIDDEN, at once, since
// every request looks its token and person up; reactivating the person
// makes the token work again).
var ErrDeactivated = errors.New("the person this token acts for is deactivated: ask the community's staff to reactivate them")

// Lookup returns the viewer a token stands for.
func Lookup(ctx context.Context, client *ent.Client, plain string) (auth.Viewer, error) {
	if !strings.HasPrefix(plain, prefix) || len(plain) > 100 {
		return auth.Viewer{}, ErrInvalid
	}
	sys := rule.SystemContext(ctx)
	now := time.Now()
	valid := []predicate.APIToken{apitoken.TokenHash(Hash(plain)), apitoken.Revoked(false),
		apitoken.Or(apitoken.ExpiresAtIsNil(), apitoken.ExpiresAtGT(now))}
	// One statement per request: the token, if it is valid and its person
	// (if any) active.
	t, err := client.APIToken.Query().
		Where(append(valid, apitoken.Or(apitoken.PersonIDIsNil(), apitoken.HasPersonWith(person.DeactivatedAtIsNil())))...).
		Only(sys)
	if ent.IsNotFound(err) {
		// Refused: say why when the token is valid but its person is not.
		gone, err := client.APIToken.Query().Where(append(valid, apitoken.HasPersonWith(person.DeactivatedAtNotNil()))...).Exist(sys)
		switch {
		case err != nil:
			return auth.Viewer{}, fmt.Errorf("token: lookup: %w", err)
		case gone:
			return auth.Viewer{}, ErrDeactivated
		}
		return auth.Viewer{}, ErrInvalid
	}
	if err != nil {
		return auth.Viewer{}, fmt.Errorf("token: lookup: %w", err)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= usedEvery {
		// Not worth failing the request over: log and go on.
		if err := client.APIToken.UpdateOneID(t.ID).SetLastUsedAt(now.Truncate(usedEvery)).Exec(sys); err != nil {
			slog.WarnContext(ctx, "token: record last use", "token", t.ID, "err", err)
		}
	}
	v := auth.Viewer{Role: auth.Role(t.Role), TokenID: t.ID, ReadOnly: t.Scope == ScopeRead}
	if t.RatePerWindow != nil {
		v.RatePerWindow = *t.RatePerWindow
	}
	if t.CommunityID != nil {
		v.CommunityID = *t.CommunityID
	}
	if t.PersonID != nil {
		v.PersonID = *t.PersonID
	}
	return v, nil
}

// Guard limits failed authentications per caller; limits.Budget is one.
type Guard interface {
	// AuthAllowed reports whether the caller of r may present a token
	// now, and if not, how long until it may.
	AuthAllowed(r *http.Request) (retryAfter time.Duration, ok bool)
	// AuthFailed counts a refused token against the caller of r.
	AuthFailed(r *http.Request)
}

// JWTVerifier signs in the bearers of JWTs (OpenID Connect access tokens
// of an identity provider); internal/auth/identity implements it.
type JWTVerifier interface {
	// Authenticate returns ctx carrying who raw signs in as, or an error:
	// a *Refusal is answered as it says, any other error is the server's.
	Authenticate(ctx context.Context, raw string) (context.Context, error)
}

// Refusal is a bearer token refused with an HTTP status and an error.
type Refusal struct {
	Status int
	Err    *apperr.Error
	// NotCounted: not the caller's fault (the identity provider cannot
	// be reached), so not counted against its failed-authentication
	// budget; RetryAfter then says when to try again.
	NotCounted bool
	RetryAfter time.Duration
}

func (r *Refusal) Error() string { return r.Err.Message }

// Middleware puts the request's viewer in its context. No Authorization
// header means the public; a bad token is refused with 401 rather than
// silently served as the public, so a client notices its mistake.
//
// Every refused token counts against the caller's guard (nil: none); a
// caller who has failed too often is refused with 429 before its token is
// looked up, whatever the token.
func Middleware(client *ent.Client, guard Guard, next http.Handler) http.Handler {
	return MiddlewareJWT(client, guard, nil, next)
}

// MiddlewareJWT is Middleware that also accepts JWTs: a bearer token with
// the shape of a JWT goes to jwt (nil: JWTs are refused), any other to the
// opaque-token lookup. Both count refusals against the same guard.
func MiddlewareJWT(client *ent.Client, guard Guard, jwt JWTVerifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		if guard != nil {
			if retry, ok := guard.AuthAllowed(r); !ok {
				tooManyFailures(w, retry)
				return
			}
		}
		fail := func(e *apperr.Error) {
			if guard != nil {
				guard.AuthFailed(r)
			}
			refuse(w, e)
		}
		plain, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			fail(apperr.New(apperr.CodeUnauthenticated, "use an Authorization header of the form: Bearer <token>"))
			return
		}
		plain = strings.TrimSpace(plain)
		if !strings.HasPrefix(plain, prefix) && looksLikeJWT(plain) {
			if jwt == nil {
				fail(&apperr.Error{Code: apperr.CodeUnauthenticated, Reason: "SIGN_IN_NOT_CONFIGURED",
					Message: "this server accepts no identity-provider tokens (no OpenID Connect issuer is configured)"})
				return
			}
			ctx, err := jwt.Authenticate(r.Context(), plain)
			var ref *Refusal
			switch {
			case errors.As(err, &ref):
				if ref.NotCounted {
					if ref.RetryAfter > 0 {
						w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ref.RetryAfter.Seconds()))))
					}
				} else if guard != nil {
					guard.AuthFailed(r)
				}
				if ref.Status == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="lifecircle", error="invalid_token"`)
				}
				apperr.WriteHTTP(w, ref.Status, ref.Err)
			case err != nil:
				serverFailure(w, r, "token: sign-in", err)
			default:
				next.ServeHTTP(w, r.WithContext(ctx))
			}
			return
		}
		v, err := Lookup(r.Context(), client, plain)
		if err != nil {
			if errors.Is(err, ErrInvalid) {
				fail(apperr.New(apperr.CodeUnauthenticated, "%s", err.Error()))
				return
			}
			if errors.Is(err, ErrDeactivated) {
				// Counted like a bad token: a deactivated person's app
				// retrying in a loop is throttled the same way.
				if guard != nil {
					guard.AuthFailed(r)
				}
				apperr.WriteHTTP(w, http.StatusForbidden, apperr.New(apperr.CodeForbidden, "%s", err.Error()))
				return
			}
			serverFailure(w, r, "token: lookup", err)
			return
		}
		ctx := withCredential(auth.NewContext(r.Context(), v), plain)
		if v.RatePerWindow > 0 {
			ctx = limits.WithOwnRate(ctx, v.RatePerWindow)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// looksLikeJWT reports whether a bearer token has the shape of a compact
// JWS (three dot-separated parts); opaque tokens never do.
func looksLikeJWT(s string) bool { return strings.Count(s, ".") == 2 }

// serverFailure answers a request whose credentials could not be checked
// for the server's own reason: 503 in a database outage, nothing if the
// client went away, else 500.
func serverFailure(w http.ResponseWriter, r *http.Request, what string, err error) {
	if outage.WriteHTTP(w, err) {
		slog.WarnContext(r.Context(), what+": database unavailable", "err", err)
		return
	}
	if r.Context().Err() != nil { // the client gave up: nobody reads the answer
		slog.DebugContext(r.Context(), what+": request cancelled by the client", "err", err)
		return
	}
	slog.ErrorContext(r.Context(), what, "err", err)
	apperr.WriteHTTP(w, http.StatusInternalServerError, apperr.New(apperr.CodeInternal, "internal error"))
}

// tooManyFailures refuses a caller who presented too many bad tokens.
func tooManyFailures(w http.ResponseWriter, retry time.Duration) {
	secs := int(math.Ceil(retry.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	apperr.WriteHTTP(w, http.StatusTooManyRequests, apperr.New(limits.CodeRateLimited,
		"too many requests with a bad token from your address; try again in %d s", secs))
}

func refuse(w http.ResponseWriter, e *apperr.Error) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="lifecircle"`)
	apperr.WriteHTTP(w, http.StatusUnauthorized, e)
}
