package server_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"lifecircle/ent/organization"
	"lifecircle/ent/person"
	"lifecircle/internal/auth/identity"
	"lifecircle/internal/auth/oidc"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

const apiAudience = "lifecircle-api"

// startSignIn serves a test database with sign-in through provider p.
func startSignIn(t *testing.T, b testenv.Backend, p *testenv.Provider, issuer string) *testenv.Server {
	t.Helper()
	st := b.Open(t, testenv.Options{})
	v, err := oidc.New(oidc.Config{Issuer: issuer, Audiences: []string{"other-api", apiAudience}, MinRefetch: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	return testenv.StartServer(t, st, server.Options{
		SignIn: &identity.Authenticator{Verifier: v, Client: st.Client},
		// Many refusals on purpose: the failed-authentication budget is
		// tested elsewhere.
		FailedAuthRate: limits.Rate{Points: 10000, Per: time.Minute},
	})
}

func reason(r *testenv.Response) string {
	if len(r.Errors) == 0 {
		return ""
	}
	s, _ := r.Errors[0].Extensions["reason"].(string)
	return s
}

// TestSignInNeedsListStory drives the needs list end to end with access
// tokens of a real OpenID Connect provider: staff linked by an admin issue
// a sign-in code; a resident's unlinked token is refused until it redeems
// the code; the resident posts a micro-wish, a volunteer who linked the
// same way claims it, the resident reads its progress.
func TestSignInNeedsListStory(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		p := testenv.StartProvider(t)
		s := startSignIn(t, b, p, p.Issuer())
		ctx := rule.SystemContext(context.Background())
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		jwt := func(sub string) string {
			return p.Mint(t, "k1", testenv.Claims{Subject: sub, Audience: []string{apiAudience}})
		}

		// An admin (an opaque token: a machine client) links a staff member's subject.
		admin := s.Token(t, "admin", 0)
		link := `mutation($in: LinkIdentityInput!) { linkIdentity(input: $in) { id role subject } }`
		var linked struct {
			LinkIdentity struct{ ID, Role, Subject string }
		}
		s.Query(t, admin, link, map[string]any{"in": map[string]any{"issuer": p.Issuer(), "subject": "staff-wtx",
			"role": "STAFF", "communityID": wtxGID}}).Decode(t, &linked)
		if linked.LinkIdentity.Role != "STAFF" {
			t.Fatalf("linkIdentity: %+v", linked)
		}
		if r := s.Query(t, admin, link, map[string]any{"in": map[string]any{"issuer": p.Issuer(), "subject": "staff-wtx", "role": "ADMIN"}}); r.Code() != "CONFLICT" {
			t.Errorf("linking a linked subject again: %s", r.Raw)
		}
		staff := jwt("staff-wtx")

		// A demo resident of 文亭巷 and a demo volunteer.
		people, err := s.Store.Client.Person.Query().Where(person.CommunityID(wtx)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var resident, volunteer int
		for _, pp := range people {
			switch {
			case volunteer == 0 && slices.Contains(pp.Roles, "volunteer"):
				volunteer = pp.ID
			case resident == 0 && !slices.Contains(pp.Roles, "volunteer") && !slices.Contains(pp.Roles, "party_member"):
				resident = pp.ID
			}
		}
		if resident == 0 || volunteer == 0 {
			t.Fatalf("no demo resident or volunteer in 文亭巷社区")
		}
		outsider, err := s.Store.Client.Person.Query().Where(person.CommunityID(bd)).FirstID(ctx)
		if err != nil {
			t.Fatal(err)
		}

		create := `mutation($p: ID!) { issueSignInCode(personID: $p) { code expiresAt person { id } } }`
		codeFor := func(personID int) string {
			t.Helper()
			var d struct{ IssueSignInCode struct{ Code string } }
			s.Query(t, staff, create, map[string]any{"p": gid.Encode(personID)}).Decode(t, &d)
			if len(d.IssueSignInCode.Code) != 14 {
				t.Fatalf("code %q", d.IssueSignInCode.Code)
			}
			return d.IssueSignInCode.Code
		}
		code := codeFor(resident)
		if r := s.Query(t, staff, create, map[string]any{"p": gid.Encode(outsider)}); r.Code() != "NOT_FOUND" && r.Code() != "FORBIDDEN" {
			t.Errorf("staff issuing a code for another community's person: %s", r.Raw)
		}

		// The resident's token is verified but not linked: refused, with the reason.
		me := jwt("resident-1")
		submit := `mutation { submitRequest(input: {kind: MICRO_WISH, title: "想要一套儿童绘本", address: "文亭巷小区3号楼2单元"}) { request { id status } } }`
		r := s.Query(t, me, submit, nil)
		if r.Code() != "UNAUTHENTICATED" || reason(r) != identity.ReasonNotLinked {
			t.Fatalf("unlinked submit: want UNAUTHENTICATED/IDENTITY_NOT_LINKED, got %s", r.Raw)
		}
		if r := s.Query(t, me, `{ regions(first: 1) { edges { node { id } } } }`, nil); reason(r) != identity.ReasonNotLinked || r.Data != nil && string(r.Data) != "null" {
			t.Errorf("unlinked token reading public data: want IDENTITY_NOT_LINKED and no data, got %s", r.Raw)
		}
		if r := s.Query(t, me, `mutation { a: linkSignIn(code: "0000-0000-0000") { role } }`, nil); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a wrong code: %s", r.Raw)
		}
		if r := s.Query(t, me, `mutation($c: String!) { linkSignIn(code: $c) { role } submitRequest(input: {kind: MICRO_WISH, title: "x", address: "y"}) { request { id } } }`,
			map[string]any{"c": code}); reason(r) != identity.ReasonNotLinked {
			t.Errorf("linkSignIn with another field: %s", r.Raw)
		}

		for _, who := range []string{"", admin} {
			if r := s.Query(t, who, `mutation($c: String!) { linkSignIn(code: $c) { role } }`, map[string]any{"c": code}); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("linkSignIn without an identity-provider token: %s", r.Raw)
			}
		}

		// Redeeming the code links it, once.
		var red struct {
			LinkSignIn struct{ Role, PersonID string }
		}
		s.Query(t, me, `mutation($c: String!) { linkSignIn(code: $c) { role personID } }`, map[string]any{"c": code}).Decode(t, &red)
		if red.LinkSignIn.Role != "RESIDENT" || red.LinkSignIn.PersonID != gid.Encode(resident) {
			t.Fatalf("linkSignIn: %+v", red)
		}
		if r := s.Query(t, jwt("someone-else"), `mutation($c: String!) { linkSignIn(code: $c) { role } }`, map[string]any{"c": code}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a used code: %s", r.Raw)
		}
		if r := s.Query(t, me, `mutation($c: String!) { linkSignIn(code: $c) { role } }`, map[string]any{"c": code}); r.Code() != "CONFLICT" {
			t.Errorf("linking a linked sign-in: %s", r.Raw)
		}

		// The resident posts a micro-wish and reads it.
		var sub struct {
			SubmitRequest struct{ Request struct{ ID, Status string } }
		}
		s.Query(t, me, submit, nil).Decode(t, &sub)
		wish := sub.SubmitRequest.Request.ID

		// Staff dispatch it; a volunteer links with a code and claims it.
		team, err := s.Store.Client.Organization.Query().
			Where(organization.RegionID(wtx), organization.KindEQ(organization.KindVolunteerTeam)).FirstID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Query(t, staff, `mutation($id: ID!, $org: ID!) { dispatchRequest(id: $id, organizationID: $org) { id } }`,
			map[string]any{"id": wish, "org": gid.Encode(team)}).Decode(t, &struct{}{})
		vol := jwt("volunteer-1")
		var vred struct{ LinkSignIn struct{ Role string } }
		s.Query(t, vol, `mutation($c: String!) { linkSignIn(code: $c) { role } }`, map[string]any{"c": codeFor(volunteer)}).Decode(t, &vred)
		if vred.LinkSignIn.Role != "VOLUNTEER" {
			t.Fatalf("volunteer linked as %s", vred.LinkSignIn.Role)
		}
		s.Query(t, vol, `mutation($id: ID!) { claimRequest(id: $id) { id } }`, map[string]any{"id": wish}).Decode(t, &struct{}{})
		var seen struct{ Node struct{ Status string } }
		s.Query(t, me, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { status } } }`, map[string]any{"id": wish}).Decode(t, &seen)
		if seen.Node.Status != "CLAIMED" {
			t.Errorf("the resident reads status %q, want CLAIMED", seen.Node.Status)
		}

		// Identities are private: staff see their community's, residents none.
		var ids struct {
			Identities struct {
				TotalCount int
				Edges      []struct {
					Node struct{ ID, Subject, Role string }
				}
			}
		}
		s.Query(t, staff, `{ identities(first: 10) { totalCount edges { node { id subject role } } } }`, nil).Decode(t, &ids)
		if ids.Identities.TotalCount != 3 {
			t.Errorf("staff see %d identities, want 3 (themselves, the resident, the volunteer): %+v", ids.Identities.TotalCount, ids)
		}
		if r := s.Query(t, me, `{ identities(first: 10) { totalCount } }`, nil); r.Code() != "FORBIDDEN" {
			t.Errorf("a resident listing identities: %s", r.Raw)
		}
		otherStaff := s.Token(t, "staff", bd)
		var none struct{ Identities struct{ TotalCount int } }
		s.Query(t, otherStaff, `{ identities(first: 10) { totalCount } }`, nil).Decode(t, &none)
		if none.Identities.TotalCount != 0 {
			t.Errorf("staff of another community see %d identities", none.Identities.TotalCount)
		}

		// A deactivated person's sign-in is refused.
		if err := s.Store.Client.Person.UpdateOneID(volunteer).SetDeactivatedAt(time.Now()).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if r := s.Query(t, vol, `{ viewer { role } }`, nil); r.Status != http.StatusForbidden || reason(r) != identity.ReasonDeactivated {
			t.Errorf("deactivated volunteer: want 403 PERSON_DEACTIVATED, got %d %s", r.Status, r.Raw)
		}

		// Unlinking (staff of the community) takes effect at once.
		var meID string
		for _, e := range ids.Identities.Edges {
			if e.Node.Subject == "resident-1" {
				meID = e.Node.ID
			}
		}
		if r := s.Query(t, otherStaff, `mutation($id: ID!) { unlinkIdentity(id: $id) { id } }`, map[string]any{"id": meID}); r.Code() != "NOT_FOUND" {
			t.Errorf("staff of another community unlinking: %s", r.Raw)
		}
		s.Query(t, staff, `mutation($id: ID!) { unlinkIdentity(id: $id) { id } }`, map[string]any{"id": meID}).Decode(t, &struct{}{})
		if r := s.Query(t, me, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": wish}); reason(r) != identity.ReasonNotLinked {
			t.Errorf("after unlinking: %s", r.Raw)
		}
	})
}

// TestSignInRefusals: every kind of bad token is refused with 401
// UNAUTHENTICATED and a reason; key rotation is honoured; an outage of the
// provider leaves cached keys working.
func TestSignInRefusals(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		p := testenv.StartProvider(t)
		s := startSignIn(t, b, p, p.Issuer())
		admin := s.Token(t, "admin", 0)
		s.Query(t, admin, `mutation($in: LinkIdentityInput!) { linkIdentity(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"issuer": p.Issuer(), "subject": "admin-1", "role": "ADMIN"}}).Decode(t, &struct{}{})
		good := testenv.Claims{Subject: "admin-1", Audience: []string{apiAudience}}
		viewer := `{ viewer { role } }`
		accepted := func(what, tok string) {
			t.Helper()
			var d struct{ Viewer struct{ Role string } }
			s.Query(t, tok, viewer, nil).Decode(t, &d)
			if d.Viewer.Role != "ADMIN" {
				t.Errorf("%s: viewer %+v", what, d)
			}
		}
		refused := func(what, tok, want string) {
			t.Helper()
			r := s.Query(t, tok, viewer, nil)
			if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" || reason(r) != want {
				t.Errorf("%s: want 401 UNAUTHENTICATED %s, got %d %s", what, want, r.Status, r.Raw)
			}
		}
		accepted("a good token", p.Mint(t, "k1", good))
		fetches := p.JWKSFetches.Load()

		c := good
		c.Expiry = time.Now().Add(-2 * time.Minute)
		refused("expired beyond the clock skew", p.Mint(t, "k1", c), oidc.ReasonExpired)
		c.Expiry = time.Now().Add(-20 * time.Second)
		accepted("expired within the clock skew", p.Mint(t, "k1", c))
		c = good
		c.NotBefore = time.Now().Add(10 * time.Minute)
		refused("not valid yet", p.Mint(t, "k1", c), oidc.ReasonNotYetValid)
		c = good
		c.Audience = []string{"someone-elses-api"}
		refused("wrong audience", p.Mint(t, "k1", c), oidc.ReasonWrongAudience)
		c = good
		c.Issuer = "https://evil.example/oidc"
		refused("wrong issuer", p.Mint(t, "k1", c), oidc.ReasonWrongIssuer)
		refused("tampered", testenv.Tamper(t, p.Mint(t, "k1", good), "admin-2"), oidc.ReasonBadSignature)
		refused("alg none", p.MintNone(good), oidc.ReasonAlgorithm)
		refused("HS256 keyed with the public key", p.MintHMACWithPublicKey(t, good), oidc.ReasonAlgorithm)
		refused("garbage", "a.b.c", oidc.ReasonMalformed)
		if n := p.JWKSFetches.Load(); n != fetches {
			t.Errorf("refusals with a known kid fetched the keys %d times", n-fetches)
		}

		// Rotation: a new key with a new kid is fetched on first sight; the
		// old one, no longer published, is refused once the keys are fetched.
		p.AddKey(t, "k2", false)
		p.RemoveKey("k1")
		accepted("a token of the new key", p.Mint(t, "k2", good))
		refused("a token of the removed key", p.Mint(t, "k1", good), oidc.ReasonUnknownKey)
		p.AddKey(t, "k3", true) // signed with the key, but never published
		p.RemoveKey("k3")
		refused("an unpublished key", p.Mint(t, "k3", good), oidc.ReasonUnknownKey)
		p.AddKey(t, "k4", true)
		accepted("an ES256 key", p.Mint(t, "k4", good))

		// The provider goes down: cached keys still verify; unknown ones are refused, not a 500.
		p.Close()
		accepted("the provider is down, the key is cached", p.Mint(t, "k2", good))
		p.AddKey(t, "k5", false)
		refused("the provider is down, the key is new", p.Mint(t, "k5", good), oidc.ReasonUnknownKey)

		// The public endpoint ignores bearer tokens altogether.
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/open/graphql", bytes.NewReader([]byte(`{"query":"{ viewer { role } }"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+p.MintNone(good))
		var pub struct{ Viewer struct{ Role string } }
		s.Do(t, req).Decode(t, &pub)
		if pub.Viewer.Role != "PUBLIC" {
			t.Errorf("open endpoint with a bearer: %+v", pub)
		}
	})
}

// TestSignInProviderUnreachableAtStart: a server whose provider cannot be
// reached starts and serves everything but sign-ins, which get 503
// UNAVAILABLE (not counted as failed authentications).
func TestSignInProviderUnreachableAtStart(t *testing.T) {
	p := testenv.StartProvider(t)
	tok := p.Mint(t, "k1", testenv.Claims{Subject: "x", Audience: []string{apiAudience}})
	issuer := p.Issuer()
	p.Close()
	s := startSignIn(t, testenv.Backends()[0], p, issuer)
	r := s.Query(t, tok, `{ viewer { role } }`, nil)
	if r.Status != http.StatusServiceUnavailable || r.Code() != "UNAVAILABLE" || reason(r) != oidc.ReasonIdPUnavailable || r.Header.Get("Retry-After") == "" {
		t.Errorf("sign-in while the provider is away: %d %s", r.Status, r.Raw)
	}
	var d struct{ Viewer struct{ Role string } }
	s.Query(t, s.Token(t, "admin", 0), `{ viewer { role } }`, nil).Decode(t, &d)
	if d.Viewer.Role != "ADMIN" {
		t.Errorf("opaque tokens while the provider is away: %+v", d)
	}
	s.Query(t, "", `{ regions(first: 1) { edges { node { id } } } }`, nil).Decode(t, &struct{}{})
}

// TestBadJWTsAreRateLimited: refused JWTs count against the same
// failed-authentication budget as opaque tokens.
func TestBadJWTsAreRateLimited(t *testing.T) {
	p := testenv.StartProvider(t)
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	v, err := oidc.New(oidc.Config{Issuer: p.Issuer(), Audiences: []string{apiAudience}})
	if err != nil {
		t.Fatal(err)
	}
	s := testenv.StartServer(t, st, server.Options{SignIn: &identity.Authenticator{Verifier: v, Client: st.Client}})
	bad := p.Mint(t, "k1", testenv.Claims{Subject: "x", Audience: []string{"another-api"}})
	for i := range 10 {
		if r := s.Query(t, bad, `{ viewer { role } }`, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("bad JWT %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	good := p.Mint(t, "k1", testenv.Claims{Subject: "x", Audience: []string{apiAudience}})
	if r := s.Query(t, good, `{ viewer { role } }`, nil); r.Status != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" {
		t.Errorf("after 10 bad JWTs: want 429 RATE_LIMITED, got %d %s", r.Status, r.Raw)
	}
}
