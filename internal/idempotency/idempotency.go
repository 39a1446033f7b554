// Package idempotency makes creates safe to retry. A client that sends a
// key with a create (the Idempotency-Key header, or a clientMutationId
// where the input has one) and loses the answer — a timeout, a dropped
// connection, a commit whose acknowledgement never arrived — sends the
// same request again with the same key and gets the record the first
// request made, never a second one.
//
// The key is stored with the ID of the record, in the transaction of the
// create: if the create rolled back, so did the key, and the retry creates
// the record; if it committed, the retry finds it. Keys belong to the
// client that sent them (its token), and a key reused with other
// arguments is refused with IDEMPOTENCY_KEY_REUSED.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"lifecircle/ent"
	"lifecircle/ent/idempotencykey"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
)

// MaxKeyLen bounds a key, in bytes.
const MaxKeyLen = 200

// CodeKeyReused refuses a key sent again with other arguments.
const CodeKeyReused = "IDEMPOTENCY_KEY_REUSED"

// Header is the request header that carries a key.
const Header = "Idempotency-Key"

type keyCtx struct{}

// WithKey returns ctx carrying the request's key.
func WithKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

// Key returns the key ctx carries, if any.
func Key(ctx context.Context) string {
	k, _ := ctx.Value(keyCtx{}).(string)
	return k
}

// CheckKey refuses a key that is too long or not printable; field names
// where it came from.
func CheckKey(field, key string) error {
	if len(key) > MaxKeyLen {
		return apperr.Invalid(field, "an idempotency key is at most 200 bytes", "幂等键最长 200 字节")
	}
	if strings.TrimSpace(key) == "" || strings.IndexFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return apperr.Invalid(field, "an idempotency key is printable text, not blank", "幂等键须为可打印文本且不能为空")
	}
	return nil
}

// Middleware puts the Idempotency-Key header in the request's context and
// refuses a malformed one with 400, rather than ignoring it: a client
// that sent a key believes its retries are safe.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if values := r.Header.Values(Header); len(values) > 0 {
			if err := CheckKey(Header, values[0]); err != nil || len(values) > 1 {
				e, _ := apperr.As(err)
				if e == nil {
					e = apperr.Invalid(Header, "send one Idempotency-Key header", "只能发送一个 Idempotency-Key 请求头")
				}
				apperr.WriteHTTP(w, http.StatusBadRequest, e)
				return
			}
			r = r.WithContext(WithKey(r.Context(), values[0]))
		}
		next.ServeHTTP(w, r)
	})
}

// Request is one keyed create.
type Request struct {
	// Scope is who sent it (e.g. "token:42"); empty turns keys off.
	Scope string
	// Key is the client's key; empty turns keys off.
	Key string
	// Field is the mutation field's response key (alias or name): one
	// request may create several records, each under its own field.
	Field string
	// Operation and Args are the mutation field and its arguments; a key
	// sent again with others is refused.
	Operation string
	Args      any
}

func (r Request) hash() (string, error) {
	b, err := json.Marshal([]any{r.Operation, r.Args})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Create runs create once per key: client is the transaction's client, so
// the key is stored with the record or not at all. A request seen before
// returns load of the record it created (under the caller's own privacy
// rules, as it is now); without a key or scope, create just runs.
func Create[T any](ctx context.Context, client *ent.Client, req Request, create func() (T, error), id func(T) int, load func(context.Context, int) (T, error)) (T, error) {
	var zero T
	if req.Key == "" || req.Scope == "" {
		return create()
	}
	hash, err := req.hash()
	if err != nil {
		return zero, err
	}
	sys := rule.SystemContext(ctx)
	prev, err := client.IdempotencyKey.Query().
		Where(idempotencykey.Scope(req.Scope), idempotencykey.Key(req.Key), idempotencykey.Field(req.Field)).
		Only(sys)
	switch {
	case err == nil:
		if prev.RequestHash != hash {
			return zero, apperr.New(CodeKeyReused, "this idempotency key was used for a different request (%s with other arguments); use a new key for a new write", prev.Field)
		}
		return load(ctx, prev.ResultID)
	case !ent.IsNotFound(err):
		return zero, err
	}
	v, err := create()
	if err != nil {
		return zero, err
	}
	err = client.IdempotencyKey.Create().SetScope(req.Scope).SetKey(req.Key).SetField(req.Field).
		SetRequestHash(hash).SetResultID(id(v)).Exec(sys)
	if ent.IsConstraintError(err) {
		// The same key, in a transaction that committed after this one
		// began: the first request won. Nothing of this one is kept.
		return zero, apperr.New(apperr.CodeConflict, "a request with the same idempotency key is in progress or just completed; retry it to get its result")
	}
	if err != nil {
		return zero, err
	}
	return v, nil
}

// Prune deletes the keys stored before before, and says how many. A retry
// that arrives after its key was pruned is a new request: keep keys longer
// than any client retries.
func Prune(ctx context.Context, client *ent.Client, before time.Time) (int, error) {
	return client.IdempotencyKey.Delete().Where(idempotencykey.CreatedAtLT(before)).Exec(rule.SystemContext(ctx))
}

// RunPruner prunes keys older than keep once at start and then every
// keep/24 (at least a minute, at most an hour) until ctx ends. keep <= 0
// keeps keys for ever. Errors are logged and tried again next time.
func RunPruner(ctx context.Context, client *ent.Client, keep time.Duration) {
	if keep <= 0 {
		return
	}
	every := min(max(keep/24, time.Minute), time.Hour)
	for {
		n, err := Prune(ctx, client, time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Warn("pruning idempotency keys", "err", err)
		case n > 0:
			slog.Debug("idempotency keys pruned", "keys", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
