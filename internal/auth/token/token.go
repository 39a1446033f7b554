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
	t, err := client.APIToken.Query().
		Where(apitoken.TokenHash(Hash(plain)), apitoken.Revoked(false)).
		Only(rule.SystemContext(ctx))
	if ent.IsNotFound(err) {
		return auth.Viewer{}, ErrInvalid
	}
	if err != nil {
		return auth.Viewer{}, fmt.Errorf("token: lookup: %w", err)
	}
	now := time.Now()
	if t.ExpiresAt != nil && now.After(*t.ExpiresAt) {
		return auth.Viewer{}, ErrInvalid
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= usedEvery {
		// Not worth failing the request over: log and go on.
		if err := client.APIToken.UpdateOneID(t.ID).SetLastUsedAt(now.Truncate(usedEvery)).Exec(rule.SystemContext(ctx)); err != nil {
			slog.WarnContext(ctx, "token: record last use", "token", t.ID, "err", err)
		}
	}
	if t.PersonID != nil {
		gone, err := client.Person.Query().Where(person.ID(*t.PersonID), person.DeactivatedAtNotNil()).Exist(rule.SystemContext(ctx))
		if err != nil {
			return auth.Viewer{}, fmt.Errorf("token: lookup person: %w", err)
		}
		if gone {
			return auth.Viewer{}, ErrDeactivated
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

// Middleware puts the request's viewer in its context. No Authorization
// header means the public; a bad token is refused with 401 rather than
// silently served as the public, so a client notices its mistake.
//
// Every refused token counts against the caller's guard (nil: none); a
// caller who has failed too often is refused with 429 before its token is
// looked up, whatever the token.
func Middleware(client *ent.Client, guard Guard, next http.Handler) http.Handler {
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
		fail := func(msg string) {
			if guard != nil {
				guard.AuthFailed(r)
			}
			refuse(w, msg)
		}
		plain, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			fail("use an Authorization header of the form: Bearer <token>")
			return
		}
		plain = strings.TrimSpace(plain)
		v, err := Lookup(r.Context(), client, plain)
		if err != nil {
			if errors.Is(err, ErrInvalid) {
				fail(err.Error())
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
			if outage.WriteHTTP(w, err) {
				slog.WarnContext(r.Context(), "token: lookup: database unavailable", "err", err)
				return
			}
			if r.Context().Err() != nil { // the client gave up: nobody reads the answer
				slog.DebugContext(r.Context(), "token: lookup: request cancelled by the client", "err", err)
				return
			}
			slog.ErrorContext(r.Context(), "token: lookup", "err", err)
			apperr.WriteHTTP(w, http.StatusInternalServerError, apperr.New(apperr.CodeInternal, "internal error"))
			return
		}
		ctx := withCredential(auth.NewContext(r.Context(), v), plain)
		if v.RatePerWindow > 0 {
			ctx = limits.WithOwnRate(ctx, v.RatePerWindow)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// tooManyFailures refuses a caller who presented too many bad tokens.
func tooManyFailures(w http.ResponseWriter, retry time.Duration) {
	secs := int(math.Ceil(retry.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	apperr.WriteHTTP(w, http.StatusTooManyRequests, apperr.New(limits.CodeRateLimited,
		"too many requests with a bad token from your address; try again in %d s", secs))
}

func refuse(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="lifecircle"`)
	apperr.WriteHTTP(w, http.StatusUnauthorized, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: msg})
}
