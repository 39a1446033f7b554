package testenv

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/oauth2-proxy/mockoidc"
)

// Provider is a real OpenID Connect provider in the test process
// (github.com/oauth2-proxy/mockoidc): discovery, JWKS, authorize and token
// endpoints over HTTP. Its JWKS is served from a key set the test may
// rotate (AddKey, RemoveKey); Mint signs access tokens with any key.
type Provider struct {
	*mockoidc.MockOIDC
	// JWKSFetches counts the requests for the key set.
	JWKSFetches atomic.Int64

	mu      sync.Mutex
	keys    map[string]crypto.Signer
	order   []string
	closeMu sync.Once
}

// StartProvider starts a provider whose first key, kid "k1", is mockoidc's
// own RSA key; it stops when the test ends.
func StartProvider(t testing.TB) *Provider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{MockOIDC: m, keys: map[string]crypto.Signer{}}
	p.keys["k1"], p.order = m.Keypair.PrivateKey, []string{"k1"}
	_ = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.JWKSEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			p.JWKSFetches.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(p.jwks())
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// Close stops the provider (an identity-provider outage).
func (p *Provider) Close() { p.closeMu.Do(func() { _ = p.Server.Close() }) }

func (p *Provider) jwks() jose.JSONWebKeySet {
	p.mu.Lock()
	defer p.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, kid := range p.order {
		k := p.keys[kid]
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public(), KeyID: kid, Algorithm: string(algOf(k)), Use: "sig"})
	}
	return set
}

func algOf(k crypto.Signer) jose.SignatureAlgorithm {
	if _, ok := k.(*ecdsa.PrivateKey); ok {
		return jose.ES256
	}
	return jose.RS256
}

// AddKey publishes a new key: RSA-2048, or P-256 when ec.
func (p *Provider) AddKey(t testing.TB, kid string, ec bool) {
	t.Helper()
	var k crypto.Signer
	var err error
	if ec {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[kid] = k
	p.order = append(p.order, kid)
}

// RemoveKey stops publishing a key (it can still sign, for tests).
func (p *Provider) RemoveKey(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, k := range p.order {
		if k == kid {
			p.order = append(p.order[:i:i], p.order[i+1:]...)
		}
	}
}

// Claims of an access token: iss (default the provider's), sub, aud, and
// exp/iat/nbf.
type Claims struct {
	Issuer, Subject string
	Audience        []string
	Expiry          time.Time // default an hour from now
	IssuedAt        time.Time // default now
	NotBefore       time.Time // zero: no nbf
}

func (p *Provider) payload(c Claims) []byte {
	if c.Issuer == "" {
		c.Issuer = p.Issuer()
	}
	if c.Expiry.IsZero() {
		c.Expiry = time.Now().Add(time.Hour)
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = time.Now()
	}
	m := map[string]any{"iss": c.Issuer, "sub": c.Subject, "aud": c.Audience, "exp": c.Expiry.Unix(),
		"iat": c.IssuedAt.Unix(), "scope": "openid profile"}
	if !c.NotBefore.IsZero() {
		m["nbf"] = c.NotBefore.Unix()
	}
	b, _ := json.Marshal(m)
	return b
}

// Mint signs an access token with key kid (published or not).
func (p *Provider) Mint(t testing.TB, kid string, c Claims) string {
	t.Helper()
	p.mu.Lock()
	k := p.keys[kid]
	p.mu.Unlock()
	if k == nil {
		t.Fatalf("no key %s", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: algOf(k), Key: jose.JSONWebKey{Key: k, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(p.payload(c))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// MintNone is an unsigned token (alg "none").
func (p *Provider) MintNone(c Claims) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT","kid":"k1"}`)) + "." + enc(p.payload(c)) + "."
}

// MintHMACWithPublicKey is the key-confusion attack: HS256 keyed with the
// PEM of the provider's published RSA key k1.
func (p *Provider) MintHMACWithPublicKey(t testing.TB, c Claims) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(p.keys["k1"].Public())
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: secret, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(p.payload(c))
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := jws.CompactSerialize()
	return tok
}

// Tamper changes the subject of a signed token, keeping its signature.
func Tamper(t testing.TB, tok, subject string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["sub"] = subject
	b, _ = json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}
