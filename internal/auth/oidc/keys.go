package oidc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// keySet holds the provider's public keys. A token whose kid is cached is
// verified from memory; an unknown kid makes one fetch of the JWKS (the
// discovery document first, while the JWKS URL is not known), at most once
// per MinRefetch whatever the tokens presented, so forged kids cannot make
// the server hammer the provider. A failed fetch keeps the cached keys.
type keySet struct {
	cfg  Config
	algs []jose.SignatureAlgorithm

	mu   sync.RWMutex
	keys []jose.JSONWebKey
	gen  uint64 // bumped by each successful fetch
	url  string // the JWKS URL, once known

	fetchMu     sync.Mutex // one fetch at a time
	lastAttempt time.Time
}

func newKeySet(cfg Config) *keySet {
	k := &keySet{cfg: cfg, url: cfg.JWKSURL}
	for _, a := range cfg.Algorithms {
		k.algs = append(k.algs, jose.SignatureAlgorithm(a))
	}
	return k
}

func (k *keySet) snapshot() ([]jose.JSONWebKey, uint64) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys, k.gen
}

func (k *keySet) ready() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.gen > 0
}

// VerifySignature implements go-oidc's KeySet: it returns the payload of
// jwt if one of the provider's keys verifies it, recording why not in the
// context's outcome otherwise.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	out, _ := ctx.Value(outcomeKey{}).(*outcome)
	if out == nil {
		out = &outcome{}
	}
	jws, err := parseJWS(jwt, k.algs)
	if err != nil || len(jws.Signatures) != 1 {
		out.reason = ReasonMalformed
		return nil, errors.New("oidc: malformed token")
	}
	header := jws.Signatures[0].Header
	keys, gen := k.snapshot()
	payload, found := verifyWith(jws, keys, header)
	if payload == nil && !found {
		// An unknown kid: the provider may have rotated its keys.
		if k.refresh(ctx, gen) {
			keys, _ = k.snapshot()
			payload, found = verifyWith(jws, keys, header)
		} else if !k.ready() {
			out.reason = ReasonIdPUnavailable
			return nil, errors.New("oidc: no keys")
		}
	}
	switch {
	case payload != nil:
		out.payload = payload
		return payload, nil
	case found:
		out.reason = ReasonBadSignature
	default:
		out.reason = ReasonUnknownKey
	}
	return nil, errors.New("oidc: signature")
}

// verifyWith tries the keys that match the token's kid (all keys when it
// has none) and whose own alg and use, if stated, allow it. found reports
// whether any key matched.
func verifyWith(jws *jose.JSONWebSignature, keys []jose.JSONWebKey, h jose.Header) (payload []byte, found bool) {
	for i := range keys {
		key := &keys[i]
		if (h.KeyID != "" && key.KeyID != h.KeyID) || (key.Algorithm != "" && key.Algorithm != h.Algorithm) ||
			(key.Use != "" && key.Use != "sig") {
			continue
		}
		found = true
		if p, err := jws.Verify(key); err == nil {
			return p, true
		}
	}
	return nil, found
}

// refresh fetches the keys for a token whose kid was not among those of
// generation seen, unless another request fetched them meanwhile (true:
// look again) or the last attempt was less than MinRefetch ago (false).
func (k *keySet) refresh(ctx context.Context, seen uint64) bool {
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	if _, gen := k.snapshot(); gen != seen {
		return true
	}
	now := k.cfg.Now()
	if !k.lastAttempt.IsZero() && now.Sub(k.lastAttempt) < k.cfg.MinRefetch {
		return false
	}
	err := k.fetchLocked(ctx)
	if err != nil {
		logFetch(ctx, err)
	}
	return err == nil
}

// fetch fetches the keys now (Run's periodic refresh).
func (k *keySet) fetch(ctx context.Context) error {
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	return k.fetchLocked(ctx)
}

func (k *keySet) fetchLocked(ctx context.Context) error {
	k.lastAttempt = k.cfg.Now()
	// The request that triggered the fetch may be cancelled by its
	// client: the fetch serves the next ones too.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	k.mu.RLock()
	url := k.url
	k.mu.RUnlock()
	if url == "" {
		p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, k.cfg.HTTPClient), k.cfg.Issuer)
		if err != nil {
			return fmt.Errorf("discovery: %w", err)
		}
		var d struct {
			JWKS string `json:"jwks_uri"`
		}
		if err := p.Claims(&d); err != nil || d.JWKS == "" {
			return errors.New("discovery: no jwks_uri")
		}
		url = d.JWKS
		k.mu.Lock()
		k.url = url
		k.mu.Unlock()
	}
	keys, err := k.download(ctx, url)
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.keys = keys
	k.gen++
	k.mu.Unlock()
	return nil
}

// maxJWKS bounds the key set document.
const maxJWKS = 1 << 20

// download reads the JWKS at url: the public signing keys go-jose
// understands; other entries are skipped, as RFC 7517 §5 asks.
func (k *keySet) download(ctx context.Context, url string) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := k.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: %s", res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKS))
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	var keys []jose.JSONWebKey
	for _, raw := range set.Keys {
		var key jose.JSONWebKey
		if json.Unmarshal(raw, &key) != nil || !key.Valid() || !key.IsPublic() {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: no usable public key")
	}
	return keys, nil
}

func logFetch(ctx context.Context, err error) {
	slog.WarnContext(ctx, "oidc: fetching the identity provider's keys failed; cached keys stay in use", "err", err)
}

func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
