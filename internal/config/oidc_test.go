package config

import (
	"slices"
	"testing"
	"time"
)

func TestOIDCSettings(t *testing.T) {
	c, err := Parse("serve", nil, env(nil))
	if err != nil || c.OIDC.Enabled() {
		t.Fatalf("default: sign-in with a provider is off: %+v, %v", c.OIDC, err)
	}
	c, err = Parse("serve", []string{"-oidc-audience", "api, app2"}, env(map[string]string{
		"OIDC_ISSUER": "https://idp.example/realms/x", "OIDC_CLOCK_SKEW": "30s"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.OIDC.Enabled() || !slices.Equal(c.OIDC.Audiences, []string{"api", "app2"}) ||
		!slices.Equal(c.OIDC.Algorithms, []string{"RS256", "ES256"}) || c.OIDC.ClockSkew != 30*time.Second {
		t.Errorf("parsed: %+v", c.OIDC)
	}
	for name, args := range map[string][]string{
		"no audience":         {"-oidc-issuer", "https://idp.example"},
		"alg none":            {"-oidc-issuer", "https://idp.example", "-oidc-audience", "a", "-oidc-algorithms", "none"},
		"HMAC":                {"-oidc-issuer", "https://idp.example", "-oidc-audience", "a", "-oidc-algorithms", "RS256,HS256"},
		"skew too large":      {"-oidc-issuer", "https://idp.example", "-oidc-audience", "a", "-oidc-clock-skew", "1h"},
		"issuer not a URL":    {"-oidc-issuer", "idp.example", "-oidc-audience", "a"},
		"audience, no issuer": {"-oidc-audience", "a"},
	} {
		if _, err := Parse("serve", args, env(nil)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
