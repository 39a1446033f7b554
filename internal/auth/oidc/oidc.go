// Package oidc verifies the OpenID Connect / JWT access tokens of an
// identity provider: signature (keys from the provider's JWKS, cached,
// refetched on an unknown kid at most once per MinRefetch), issuer,
// audience, expiry and not-before within a bounded clock skew, and an
// allow-list of algorithms that never holds "none" or an HMAC. Parsing and
// checking are github.com/coreos/go-oidc/v3 and go-jose; this package only
// configures them, keeps the keys and names why a token was refused.
//
// The provider is consulted only to fetch its discovery document and keys:
// a token whose key is cached is verified without it, so an outage of the
// provider does not stop signed-in requests.
package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// Defaults of Config.
const (
	DefaultClockSkew    = 60 * time.Second
	DefaultMinRefetch   = 10 * time.Second
	DefaultRefreshEvery = time.Hour
	MaxClockSkew        = 5 * time.Minute
)

// DefaultAlgorithms are the signature algorithms accepted unless
// configured otherwise.
var DefaultAlgorithms = []string{"RS256", "ES256"}

// allowedAlgorithms are those Config.Algorithms may name: asymmetric
// signatures only. "none" and HS256/384/512 are never accepted: an HMAC
// "signed" with the provider's public key would otherwise verify.
var allowedAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Config of a Verifier.
type Config struct {
	// Issuer is the provider's issuer URL: tokens must carry it as iss, and
	// its /.well-known/openid-configuration names the JWKS.
	Issuer string
	// Audiences: a token's aud must hold at least one of them.
	Audiences []string
	// JWKSURL, when set, is used instead of the discovery document's
	// jwks_uri (discovery is then never fetched).
	JWKSURL string
	// Algorithms accepted (default DefaultAlgorithms).
	Algorithms []string
	// ClockSkew tolerated on exp, nbf and iat (default DefaultClockSkew,
	// at most MaxClockSkew).
	ClockSkew time.Duration
	// MinRefetch: the keys are fetched again for a token with an unknown
	// kid at most this often (default DefaultMinRefetch).
	MinRefetch time.Duration
	// RefreshEvery: Run refreshes the keys this often (default
	// DefaultRefreshEvery).
	RefreshEvery time.Duration
	// HTTPClient fetches discovery and keys (default: 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Enabled reports whether c configures a provider at all.
func (c Config) Enabled() bool { return c.Issuer != "" }

// Check validates c and fills in its defaults.
func (c *Config) Check() error {
	if !strings.HasPrefix(c.Issuer, "https://") && !strings.HasPrefix(c.Issuer, "http://") {
		return fmt.Errorf("oidc: issuer %q: want an https:// URL", c.Issuer)
	}
	var auds []string
	for _, a := range c.Audiences {
		if a = strings.TrimSpace(a); a != "" {
			auds = append(auds, a)
		}
	}
	if len(auds) == 0 {
		return errors.New("oidc: an issuer needs at least one audience (the API's identifier at the provider)")
	}
	c.Audiences = auds
	if c.JWKSURL != "" && !strings.HasPrefix(c.JWKSURL, "https://") && !strings.HasPrefix(c.JWKSURL, "http://") {
		return fmt.Errorf("oidc: JWKS URL %q: want an https:// URL", c.JWKSURL)
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = DefaultAlgorithms
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(allowedAlgorithms, a) {
			return fmt.Errorf("oidc: algorithm %q is not allowed: want some of %s (never none or HMAC)", a, strings.Join(allowedAlgorithms, ", "))
		}
	}
	if c.ClockSkew == 0 {
		c.ClockSkew = DefaultClockSkew
	}
	if c.ClockSkew < 0 || c.ClockSkew > MaxClockSkew {
		return fmt.Errorf("oidc: clock skew %v: want 0 to %v", c.ClockSkew, MaxClockSkew)
	}
	if c.MinRefetch <= 0 {
		c.MinRefetch = DefaultMinRefetch
	}
	if c.RefreshEvery <= 0 {
		c.RefreshEvery = DefaultRefreshEvery
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Claims are what lifecircle takes from a verified token.
type Claims struct {
	Issuer, Subject string
	Expiry          time.Time
}

// Reasons a token is refused, in extensions.reason.
const (
	ReasonMalformed      = "MALFORMED_TOKEN"
	ReasonAlgorithm      = "ALGORITHM_NOT_ALLOWED"
	ReasonUnknownKey     = "UNKNOWN_KEY"
	ReasonBadSignature   = "BAD_SIGNATURE"
	ReasonWrongIssuer    = "WRONG_ISSUER"
	ReasonWrongAudience  = "WRONG_AUDIENCE"
	ReasonExpired        = "TOKEN_EXPIRED"
	ReasonNotYetValid    = "TOKEN_NOT_YET_VALID"
	ReasonNoSubject      = "NO_SUBJECT"
	ReasonIdPUnavailable = "IDP_UNAVAILABLE"
)

// Error is a refused token: a reason and a message safe to show the
// client (no key material, URLs or library text).
type Error struct {
	Reason, Message string
	// Unavailable: the provider's keys could not be fetched yet, so the
	// token could not be checked; the client may retry as it is.
	Unavailable bool
}

func (e *Error) Error() string { return e.Message }

var messages = map[string]string{
	ReasonMalformed:      "the bearer token is not a well-formed signed JWT",
	ReasonAlgorithm:      "the token's signature algorithm is not accepted",
	ReasonUnknownKey:     "the token is signed with a key the identity provider does not publish",
	ReasonBadSignature:   "the token's signature does not verify",
	ReasonWrongIssuer:    "the token was issued by another identity provider",
	ReasonWrongAudience:  "the token is not meant for this API (audience)",
	ReasonExpired:        "the token has expired: get a new one from the identity provider",
	ReasonNotYetValid:    "the token is not valid yet (check the clocks)",
	ReasonNoSubject:      "the token names no subject",
	ReasonIdPUnavailable: "the identity provider's keys cannot be fetched right now: try again shortly",
}

func refuse(reason string) *Error {
	return &Error{Reason: reason, Message: messages[reason], Unavailable: reason == ReasonIdPUnavailable}
}

// Verifier verifies the tokens of one provider. It is safe for concurrent
// use.
type Verifier struct {
	cfg      Config
	keys     *keySet
	verifier *gooidc.IDTokenVerifier
	verified verifiedCache
}

// New returns a verifier for cfg (checked, defaults filled in). It makes
// no request: keys are fetched by Run, or on the first token.
func New(cfg Config) (*Verifier, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	ks := newKeySet(cfg)
	skew := cfg.ClockSkew
	now := cfg.Now
	v := &Verifier{cfg: cfg, keys: ks}
	v.verifier = gooidc.NewVerifier(cfg.Issuer, ks, &gooidc.Config{
		// Several audiences may be accepted: checked below.
		SkipClientIDCheck:    true,
		SupportedSigningAlgs: cfg.Algorithms,
		// exp is compared with a clock set back by the skew allowed.
		Now: func() time.Time { return now().Add(-skew) },
	})
	return v, nil
}

// Config returns the verifier's configuration, defaults filled in.
func (v *Verifier) Config() Config { return v.cfg }

type outcomeKey struct{}

// outcome is what the key set found out about one token, for the reason
// of a refusal (go-oidc's errors are text).
type outcome struct {
	reason  string
	payload []byte // verified payload
}

// Verify checks raw and returns its claims, or an *Error.
//
// An app sends the same access token with every request until it
// expires: a token verified once is remembered (by its SHA-256) with the
// key-set generation that verified it, and answered from memory until it
// expires or the keys are fetched again, whichever comes first.
func (v *Verifier) Verify(ctx context.Context, raw string) (Claims, error) {
	_, gen := v.keys.snapshot()
	key := sha256.Sum256([]byte(raw))
	if c, ok := v.verified.get(key, gen); ok {
		if c.Expiry.Before(v.cfg.Now().Add(-v.cfg.ClockSkew)) {
			return Claims{}, refuse(ReasonExpired)
		}
		return c, nil
	}
	c, err := v.verify(ctx, raw)
	if err == nil {
		// The generation read before verifying: if the keys changed
		// meanwhile, the entry is simply never used.
		v.verified.put(key, gen, c)
	}
	return c, err
}

func (v *Verifier) verify(ctx context.Context, raw string) (Claims, error) {
	var out outcome
	tok, err := v.verifier.Verify(context.WithValue(ctx, outcomeKey{}, &out), raw)
	if err != nil {
		var expired *gooidc.TokenExpiredError
		switch {
		case out.reason != "":
			return Claims{}, refuse(out.reason)
		case errors.As(err, &expired):
			return Claims{}, refuse(ReasonExpired)
		case out.payload == nil:
			// Refused before the signature was checked: parsing or the
			// algorithm.
			return Claims{}, refuse(headerReason(raw, v.cfg.Algorithms))
		}
		var c struct {
			Issuer string `json:"iss"`
		}
		if json.Unmarshal(out.payload, &c) == nil && c.Issuer != v.cfg.Issuer {
			return Claims{}, refuse(ReasonWrongIssuer)
		}
		return Claims{}, refuse(ReasonNotYetValid) // the only other check go-oidc makes
	}
	if !slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(v.cfg.Audiences, a) }) {
		return Claims{}, refuse(ReasonWrongAudience)
	}
	if tok.Subject == "" {
		return Claims{}, refuse(ReasonNoSubject)
	}
	var times struct {
		NotBefore *jsonTime `json:"nbf"`
	}
	if err := tok.Claims(&times); err != nil {
		return Claims{}, refuse(ReasonMalformed)
	}
	latest := v.cfg.Now().Add(v.cfg.ClockSkew)
	if (times.NotBefore != nil && time.Time(*times.NotBefore).After(latest)) || tok.IssuedAt.After(latest) {
		return Claims{}, refuse(ReasonNotYetValid)
	}
	return Claims{Issuer: tok.Issuer, Subject: tok.Subject, Expiry: tok.Expiry}, nil
}

// headerReason says why a token was refused before its signature was
// checked: an algorithm outside the allow-list, or a malformed token.
// It only reads the header's alg, for the message.
func headerReason(raw string, algs []string) string {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return ReasonMalformed
	}
	var h struct {
		Alg string `json:"alg"`
	}
	b, err := decodeSegment(head)
	if err != nil || json.Unmarshal(b, &h) != nil {
		return ReasonMalformed
	}
	if h.Alg != "" && !slices.Contains(algs, h.Alg) {
		return ReasonAlgorithm
	}
	return ReasonMalformed
}

// LooksLikeJWT reports whether a bearer token has the shape of a JWS in
// compact form (three base64url parts); opaque API tokens never do.
func LooksLikeJWT(raw string) bool {
	return strings.Count(raw, ".") == 2 && !strings.ContainsAny(raw, " \t")
}

// Run fetches the provider's discovery document (unless a JWKS URL is
// configured) and keys at once, then refreshes the keys every
// RefreshEvery, until ctx ends. Failures are logged and retried (with
// back-off up to a minute while no key was ever fetched); cached keys
// stay in use. The server starts whether or not the provider answers.
func (v *Verifier) Run(ctx context.Context) {
	backoff := time.Second
	for {
		wait := v.cfg.RefreshEvery
		if err := v.keys.fetch(ctx); err != nil {
			logFetch(ctx, err)
			if !v.keys.ready() {
				wait, backoff = backoff, min(2*backoff, time.Minute)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Ready reports whether keys have been fetched.
func (v *Verifier) Ready() bool { return v.keys.ready() }

// jsonTime is a NumericDate.
type jsonTime time.Time

func (t *jsonTime) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	f, err := n.Float64()
	if err != nil {
		return err
	}
	*t = jsonTime(time.Unix(int64(f), 0))
	return nil
}

var _ gooidc.KeySet = (*keySet)(nil)

// jws parses raw as a compact JWS signed with one of algs.
func parseJWS(raw string, algs []jose.SignatureAlgorithm) (*jose.JSONWebSignature, error) {
	return jose.ParseSigned(raw, algs)
}

// maxVerified bounds the tokens remembered; when full, the memory is
// cleared and refills with the tokens in use.
const maxVerified = 10000

// verifiedCache remembers verified tokens by their SHA-256.
type verifiedCache struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]verifiedEntry
}

type verifiedEntry struct {
	gen    uint64
	claims Claims
}

func (c *verifiedCache) get(key [sha256.Size]byte, gen uint64) (Claims, bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || e.gen != gen {
		return Claims{}, false
	}
	return e.claims, true
}

func (c *verifiedCache) put(key [sha256.Size]byte, gen uint64, claims Claims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerified {
		c.m = make(map[[sha256.Size]byte]verifiedEntry)
	}
	c.m[key] = verifiedEntry{gen: gen, claims: claims}
}
