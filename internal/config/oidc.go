package config

import (
	"flag"
	"fmt"
	"strings"

	"lifecircle/internal/auth/oidc"
)

// oidcFlags defines the flags of sign-in with an OpenID Connect identity
// provider on fs; the function returned checks them once fs is parsed.
// No issuer: no sign-in with an identity provider (JWTs are refused).
func oidcFlags(fs *flag.FlagSet, getenv func(string) string, c *oidc.Config, admins *[]string) (check func() error, err error) {
	skew, err := envDuration(getenv, "OIDC_CLOCK_SKEW", oidc.DefaultClockSkew)
	if err != nil {
		return nil, err
	}
	fs.StringVar(&c.Issuer, "oidc-issuer", getenv("OIDC_ISSUER"), "issuer URL of the OpenID Connect identity provider whose access tokens sign people in; empty: none (env OIDC_ISSUER)")
	audiences := fs.String("oidc-audience", getenv("OIDC_AUDIENCE"), "comma-separated audiences: a token's aud must hold one of them (env OIDC_AUDIENCE)")
	fs.StringVar(&c.JWKSURL, "oidc-jwks-url", getenv("OIDC_JWKS_URL"), "URL of the provider's keys; empty: the jwks_uri of its discovery document (env OIDC_JWKS_URL)")
	algorithms := fs.String("oidc-algorithms", envOr(getenv, "OIDC_ALGORITHMS", strings.Join(oidc.DefaultAlgorithms, ",")), "comma-separated signature algorithms accepted; never none or HS* (env OIDC_ALGORITHMS)")
	fs.DurationVar(&c.ClockSkew, "oidc-clock-skew", skew, "clock difference tolerated on exp, nbf and iat, at most 5m (env OIDC_CLOCK_SKEW)")
	adminSubjects := fs.String("oidc-admin-subjects", getenv("OIDC_ADMIN_SUBJECTS"), "comma-separated subjects of the provider linked as admins on their first sign-in: the first admin needs no command on the server (env OIDC_ADMIN_SUBJECTS)")
	return func() error {
		c.Audiences, c.Algorithms = splitList(*audiences), splitList(*algorithms)
		*admins = splitList(*adminSubjects)
		if !c.Enabled() {
			if c.JWKSURL != "" || len(c.Audiences) > 0 || len(*admins) > 0 {
				return fmt.Errorf("-oidc-audience, -oidc-jwks-url and -oidc-admin-subjects need -oidc-issuer")
			}
			return nil
		}
		return c.Check()
	}, nil
}

func splitList(s string) []string {
	var l []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l = append(l, v)
		}
	}
	return l
}
