package token

import (
	"context"
	"testing"
	"time"

	"lifecircle/ent"
)

// A sealed secret opens only with the key of the same credential and
// idempotency key, only before its time, and not once tampered with.
func TestSealOpensOnlyForTheSameRequest(t *testing.T) {
	ctx := withCredential(context.Background(), "lc_caller")
	key := SealKey(ctx, "retry-1", "createApiToken")
	const secret = "lc_newsecret"
	hash := Hash(secret)
	box, err := seal(key, secret, hash)
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Minute)
	rec := &ent.APIToken{TokenHash: hash, SealedSecret: &box, SealedUntil: &until}
	if got, ok := Unseal(rec, key); !ok || got != secret {
		t.Fatalf("the same request's key: %q %v", got, ok)
	}
	for name, k := range map[string][]byte{
		"another idempotency key": SealKey(ctx, "retry-2", "createApiToken"),
		"another field":           SealKey(ctx, "retry-1", "other"),
		"another credential":      SealKey(withCredential(context.Background(), "lc_other"), "retry-1", "createApiToken"),
		"the credential's hash":   Hash("lc_caller"),
		"no key":                  nil,
	} {
		if got, ok := Unseal(rec, k); ok {
			t.Errorf("%s opened the seal: %q", name, got)
		}
	}
	if SealKey(context.Background(), "retry-1") != nil || SealKey(ctx, "") != nil {
		t.Error("a key without a credential or an idempotency key")
	}
	tampered := append([]byte(nil), box...)
	tampered[len(tampered)-1] ^= 1
	if _, ok := Unseal(&ent.APIToken{TokenHash: hash, SealedSecret: &tampered, SealedUntil: &until}, key); ok {
		t.Error("a tampered seal opened")
	}
	if _, ok := Unseal(&ent.APIToken{TokenHash: Hash("lc_another"), SealedSecret: &box, SealedUntil: &until}, key); ok {
		t.Error("the seal opened for another token")
	}
	past := time.Now().Add(-time.Second)
	if _, ok := Unseal(&ent.APIToken{TokenHash: hash, SealedSecret: &box, SealedUntil: &past}, key); ok {
		t.Error("the seal opened after its time")
	}
}
