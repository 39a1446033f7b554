package token

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"lifecircle/ent"
)

// SealFor is how long an issued token's secret stays sealed on its record
// for a retry of its create to answer it again.
const SealFor = time.Hour

// A secret is answered once, but a client whose answer was lost retries
// its create with the same idempotency key and must get a usable token.
// So the secret is also kept on the token's record for SealFor, sealed
// (AES-256-GCM) with a key derived by HMAC-SHA256 from the bearer
// credential of the issuing request and the create's idempotency key.
// The database holds only the credential's SHA-256, never the credential:
// whoever reads the database (or a backup) cannot derive the key, and
// only the same caller retrying the same create can open the seal.

type credentialKey struct{}

// withCredential returns ctx carrying the request's bearer credential, for
// SealKey only; it never leaves this package.
func withCredential(ctx context.Context, plain string) context.Context {
	return context.WithValue(ctx, credentialKey{}, plain)
}

// SealKey derives the key that seals a secret issued by the request of ctx
// under the idempotency parts given (the key, the mutation field); nil when
// the request presented no bearer credential or parts are empty.
func SealKey(ctx context.Context, parts ...string) []byte {
	plain, _ := ctx.Value(credentialKey{}).(string)
	if plain == "" || len(parts) == 0 || parts[0] == "" {
		return nil
	}
	mac := hmac.New(sha256.New, []byte(plain))
	mac.Write([]byte("lifecircle createApiToken seal v1"))
	for _, p := range parts {
		mac.Write([]byte{0})
		mac.Write([]byte(p))
	}
	return mac.Sum(nil)
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token: seal: %w", err)
	}
	return cipher.NewGCM(block)
}

// seal returns nonce‖ciphertext of plain, bound to the token's hash.
func seal(key []byte, plain string, hash []byte) ([]byte, error) {
	a, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("token: seal: %w", err)
	}
	return a.Seal(nonce, nonce, []byte(plain), hash), nil
}

// Unseal returns the secret of t sealed with key, if it is still kept
// (before its sealed_until) and key opens it.
func Unseal(t *ent.APIToken, key []byte) (string, bool) {
	if len(key) == 0 || t.SealedSecret == nil || t.SealedUntil == nil || time.Now().After(*t.SealedUntil) {
		return "", false
	}
	a, err := gcm(key)
	if err != nil || len(*t.SealedSecret) < a.NonceSize() {
		return "", false
	}
	box := *t.SealedSecret
	plain, err := a.Open(nil, box[:a.NonceSize()], box[a.NonceSize():], t.TokenHash)
	if err != nil || !hmac.Equal(Hash(string(plain)), t.TokenHash) {
		return "", false
	}
	return string(plain), true
}
