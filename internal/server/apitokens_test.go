package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/ent/apitoken"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

const createTokenDoc = `mutation($in: CreateApiTokenInput!) { createApiToken(input: $in) {
	apiToken { id name role scope ratePerWindow expiresAt communityID revoked } secret replayed clientMutationId } }`

type createdToken struct {
	APIToken struct {
		ID, Name, Role, Scope string
		RatePerWindow         *int
		ExpiresAt             *string
		CommunityID           *string
		Revoked               bool
	}
	Secret           *string
	Replayed         bool
	ClientMutationID *string
}

// createToken runs createApiToken as tok (with Idempotency-Key key, if
// any) and returns the payload, or the response when it failed.
func createToken(t *testing.T, s *testenv.Server, tok, key string, in map[string]any) (createdToken, *testenv.Response) {
	t.Helper()
	r := keyed(t, s, tok, key, createTokenDoc, map[string]any{"in": in})
	var d struct{ CreateAPIToken createdToken }
	if len(r.Errors) == 0 {
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatalf("createApiToken: %v %s", err, r.Raw)
		}
	}
	return d.CreateAPIToken, r
}

func viewerRole(t *testing.T, s *testenv.Server, tok string) string {
	t.Helper()
	var d struct{ Viewer struct{ Role string } }
	r := s.Query(t, tok, `{ viewer { role } }`, nil)
	if r.Status != http.StatusOK {
		return strconv.Itoa(r.Status) + " " + r.Code()
	}
	r.Decode(t, &d)
	return d.Viewer.Role
}

// An admin issues a token through GraphQL: its secret works, and is in no
// later answer (the listing, node(id:)) nor in the database. A retry with
// the same Idempotency-Key issues no second token and answers the same
// secret while it is kept sealed; after that, the token with secret null.
func TestAdminCreatesAPIToken(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		ctx := rule.SystemContext(context.Background())
		wtxGID, _ := s.Community(t, "文亭巷社区")
		admin := s.Token(t, "admin", 0)
		count := func() int {
			n, err := s.Store.Client.APIToken.Query().Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		expires := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
		in := map[string]any{"name": "街道大屏", "role": "STAFF", "communityID": wtxGID, "scope": "READ_WRITE",
			"expiresAt": expires, "ratePerWindow": 5000}
		c, r := createToken(t, s, admin, "issue-1", in)
		if c.Secret == nil || !strings.HasPrefix(*c.Secret, "lc_") || c.Replayed || c.APIToken.Role != "STAFF" ||
			c.APIToken.Scope != "READ_WRITE" || c.APIToken.RatePerWindow == nil || *c.APIToken.RatePerWindow != 5000 ||
			c.APIToken.ExpiresAt == nil || c.APIToken.CommunityID == nil || *c.APIToken.CommunityID != wtxGID {
			t.Fatalf("createApiToken: %s", r.Raw)
		}
		secret := *c.Secret
		if got := viewerRole(t, s, secret); got != "STAFF" {
			t.Errorf("the new token's viewer: %s", got)
		}

		// The retry: the same token and secret, marked replayed.
		again, r2 := createToken(t, s, admin, "issue-1", in)
		if again.APIToken.ID != c.APIToken.ID || again.Secret == nil || *again.Secret != secret || !again.Replayed {
			t.Errorf("the retry: %s", r2.Raw)
		}
		if n := count(); n != before+1 {
			t.Errorf("a create and its retry made %d tokens", n-before)
		}
		// Another caller with the same key is another create: its own
		// token, never the first one's secret.
		admin2 := s.Token(t, "admin", 0)
		other, r3 := createToken(t, s, admin2, "issue-1", in)
		if other.APIToken.ID == c.APIToken.ID || other.Secret == nil || *other.Secret == secret {
			t.Errorf("another admin's create with the same key: %s", r3.Raw)
		}

		// Nowhere else: not listed, not by node(id:), not in the database.
		for _, q := range []string{
			`{ apiTokens(first: 100) { edges { node { id name role scope ratePerWindow } } } }`,
			`query($id: ID!) { node(id: $id) { id ... on APIToken { name role scope } } }`,
		} {
			r := s.Query(t, admin, q, map[string]any{"id": c.APIToken.ID})
			if len(r.Errors) > 0 || !strings.Contains(string(r.Raw), c.APIToken.ID) || strings.Contains(string(r.Raw), secret) {
				t.Errorf("%s: %s", q, r.Raw)
			}
		}
		id, _ := gid.Decode(c.APIToken.ID)
		rec, err := s.Store.Client.APIToken.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.SealedSecret == nil || strings.Contains(string(*rec.SealedSecret), secret) || strings.Contains(string(*rec.SealedSecret), strings.TrimPrefix(secret, "lc_")) {
			t.Errorf("the sealed copy: %v", rec.SealedSecret)
		}

		// Once the sealed copy is past its time, a retry answers the token
		// without its secret (and still makes none); a later create drops
		// the old copy from the database.
		s.Store.Client.APIToken.UpdateOneID(id).SetSealedUntil(time.Now().Add(-time.Second)).ExecX(ctx)
		late, r4 := createToken(t, s, admin, "issue-1", in)
		if late.APIToken.ID != c.APIToken.ID || late.Secret != nil || !late.Replayed {
			t.Errorf("a retry after the seal's time: %s", r4.Raw)
		}
		createToken(t, s, admin, "issue-2", map[string]any{"name": "另一个", "role": "ADMIN"})
		if rec := s.Store.Client.APIToken.GetX(ctx, id); (rec.SealedSecret != nil && len(*rec.SealedSecret) > 0) || rec.SealedUntil != nil {
			t.Errorf("an old sealed copy was kept")
		}
		if viewerRole(t, s, secret) != "STAFF" {
			t.Error("the token stopped working")
		}
		// Without a key nothing is sealed.
		nokey, _ := createToken(t, s, admin, "", map[string]any{"name": "无键", "role": "ADMIN"})
		nid, _ := gid.Decode(nokey.APIToken.ID)
		if rec := s.Store.Client.APIToken.GetX(ctx, nid); nokey.Secret == nil || (rec.SealedSecret != nil && len(*rec.SealedSecret) > 0) || rec.SealedUntil != nil {
			t.Errorf("a create without a key: secret %v, sealed %v", nokey.Secret, rec.SealedSecret)
		}
	})
}

// Staff issue tokens for their own community (staff, resident, volunteer)
// and nothing else; bad input is refused with a code and writes nothing.
// Staff list and revoke their community's tokens only.
func TestStaffIssueListAndRevokeTheirCommunityTokens(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		ctx := rule.SystemContext(context.Background())
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		bdGID, bd := s.Community(t, "北大社区")
		staff, staffTokenID := s.IssueToken(t, "staff", wtx)
		otherStaff, otherStaffTokenID := s.IssueToken(t, "staff", bd)
		residentGID, _ := newPerson(t, s, wtx, "resident", "令牌居民")
		volunteerGID, _ := newPerson(t, s, wtx, "volunteer", "令牌志愿者")
		foreignGID, _ := newPerson(t, s, bd, "resident", "外社区居民")
		deactivated := s.Store.Client.Person.Create().SetName("已停用居民").SetCommunityID(wtx).SetRoles([]string{"resident"}).
			SetDeactivatedAt(time.Now()).SaveX(ctx)

		res, r := createToken(t, s, staff, "", map[string]any{"name": "居民小程序", "role": "RESIDENT", "personID": residentGID, "scope": "READ"})
		if res.Secret == nil || res.APIToken.Role != "RESIDENT" || res.APIToken.Scope != "READ" || res.APIToken.CommunityID == nil || *res.APIToken.CommunityID != wtxGID {
			t.Fatalf("staff's resident token: %s", r.Raw)
		}
		if got := viewerRole(t, s, *res.Secret); got != "RESIDENT" {
			t.Errorf("the resident token's viewer: %s", got)
		}
		vol, r := createToken(t, s, staff, "", map[string]any{"name": "志愿者端", "role": "VOLUNTEER", "personID": volunteerGID})
		if vol.Secret == nil || viewerRole(t, s, *vol.Secret) != "VOLUNTEER" {
			t.Errorf("staff's volunteer token: %s", r.Raw)
		}
		own, r := createToken(t, s, staff, "", map[string]any{"name": "值班台", "role": "STAFF"}) // their community by default
		if own.Secret == nil || own.APIToken.CommunityID == nil || *own.APIToken.CommunityID != wtxGID {
			t.Errorf("staff's staff token: %s", r.Raw)
		}

		count := func() int { return s.Store.Client.APIToken.Query().CountX(ctx) }
		adm := admin(t, s)
		before := count()
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		for _, tc := range []struct {
			why, tok, code string
			in             map[string]any
		}{
			{"staff issuing an ADMIN token", staff, "FORBIDDEN", map[string]any{"name": "x", "role": "ADMIN"}},
			{"staff issuing for another community", staff, "FORBIDDEN", map[string]any{"name": "x", "role": "STAFF", "communityID": bdGID}},
			{"staff issuing for a person of another community", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "RESIDENT", "personID": foreignGID}},
			{"an unknown person", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "RESIDENT", "personID": gid.Encode(999999)}},
			{"an expiry in the past", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "STAFF", "expiresAt": past}},
			{"a STAFF token with a person", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "STAFF", "personID": residentGID}},
			{"a RESIDENT token without a person", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "RESIDENT"}},
			{"a VOLUNTEER token for a person who is no volunteer", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "VOLUNTEER", "personID": residentGID}},
			{"a person and another community", adm, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "RESIDENT", "personID": residentGID, "communityID": bdGID}},
			{"a deactivated person", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "RESIDENT", "personID": gid.Encode(deactivated.ID)}},
			{"an unknown role", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "ROOT"}},
			{"a zero rate budget", staff, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "STAFF", "ratePerWindow": 0}},
			{"staff raising a budget above the role's", staff, "FORBIDDEN", map[string]any{"name": "x", "role": "STAFF", "ratePerWindow": 300001}},
			{"a blank name", staff, "BAD_USER_INPUT", map[string]any{"name": "  ", "role": "STAFF"}},
			{"an ADMIN token with a community", adm, "BAD_USER_INPUT", map[string]any{"name": "x", "role": "ADMIN", "communityID": wtxGID}},
			{"a resident", *res.Secret, "FORBIDDEN", map[string]any{"name": "x", "role": "RESIDENT", "personID": residentGID}},
			{"the public", "", "UNAUTHENTICATED", map[string]any{"name": "x", "role": "STAFF", "communityID": wtxGID}},
		} {
			if _, r := createToken(t, s, tc.tok, "", tc.in); r.Code() != tc.code {
				t.Errorf("%s: want %s, got %s", tc.why, tc.code, r.Raw)
			}
		}
		if n := count(); n != before {
			t.Errorf("refused creates wrote %d tokens", n-before)
		}

		// Listing: staff see their community's tokens only.
		listed := func(tok string) map[string]bool {
			var d struct {
				APITokens struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			s.Query(t, tok, `{ apiTokens(first: 100) { edges { node { id } } } }`, nil).Decode(t, &d)
			ids := map[string]bool{}
			for _, e := range d.APITokens.Edges {
				ids[e.Node.ID] = true
			}
			return ids
		}
		mine := listed(staff)
		for _, id := range []string{staffTokenID, res.APIToken.ID, vol.APIToken.ID, own.APIToken.ID} {
			if !mine[id] {
				t.Errorf("staff do not see their community's token %s", id)
			}
		}
		if n := s.Store.Client.APIToken.Query().Where(apitoken.CommunityID(wtx)).CountX(ctx); mine[otherStaffTokenID] || len(mine) != n {
			t.Errorf("staff see %d tokens, another community's among them: %v", len(mine), mine)
		}
		if theirs := listed(otherStaff); theirs[staffTokenID] || theirs[res.APIToken.ID] || !theirs[otherStaffTokenID] {
			t.Errorf("the other community's staff see %v", theirs)
		}

		// Revoking: another community's staff find nothing; their own do.
		revoke := `mutation($id: ID!) { revokeToken(id: $id) { id revoked } }`
		if r := s.Query(t, otherStaff, revoke, map[string]any{"id": res.APIToken.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("staff of another community revoking: %s", r.Raw)
		}
		if r := s.Query(t, otherStaff, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": res.APIToken.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("staff of another community reading the token: %s", r.Raw)
		}
		if viewerRole(t, s, *res.Secret) != "RESIDENT" {
			t.Fatal("a refused revocation revoked the token")
		}
		var d struct{ RevokeToken struct{ Revoked bool } }
		s.Query(t, staff, revoke, map[string]any{"id": res.APIToken.ID}).Decode(t, &d)
		if !d.RevokeToken.Revoked {
			t.Error("revokeToken by the community's staff: not revoked")
		}
		if got := viewerRole(t, s, *res.Secret); got != "401 UNAUTHENTICATED" {
			t.Errorf("the revoked token: %s", got)
		}
	})
}

func admin(t *testing.T, s *testenv.Server) string { t.Helper(); return s.Token(t, "admin", 0) }

// A READ token runs queries; its mutations are refused with FORBIDDEN
// before any transaction opens.
func TestReadTokenRunsNoMutation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		s := testenv.StartServer(t, b.Open(t, testenv.Options{Counter: &counter}), server.Options{})
		wtxGID, _ := s.Community(t, "文亭巷社区")
		c, r := createToken(t, s, admin(t, s), "", map[string]any{"name": "只读", "role": "ADMIN", "scope": "READ"})
		if c.Secret == nil {
			t.Fatalf("createApiToken: %s", r.Raw)
		}
		ro := *c.Secret
		if got := viewerRole(t, s, ro); got != "ADMIN" {
			t.Fatalf("the READ token's query: %s", got)
		}
		counter.Reset()
		r = s.Query(t, ro, createFacilityDoc, map[string]any{"c": wtxGID, "n": "只读药店"})
		if r.Code() != "FORBIDDEN" || !strings.Contains(string(r.Raw), "READ") || counter.Transactions() != 0 {
			t.Errorf("a READ token's mutation: %s; %d transactions", r.Raw, counter.Transactions())
		}
		if _, r := createToken(t, s, ro, "", map[string]any{"name": "x", "role": "ADMIN"}); r.Code() != "FORBIDDEN" {
			t.Errorf("a READ token issuing a token: %s", r.Raw)
		}
		// A READ_WRITE token of the same role runs it (so the refusal can fail).
		rw, _ := createToken(t, s, admin(t, s), "", map[string]any{"name": "读写", "role": "ADMIN"})
		if r := s.Query(t, *rw.Secret, createFacilityDoc, map[string]any{"c": wtxGID, "n": "读写药店"}); len(r.Errors) > 0 {
			t.Errorf("a READ_WRITE token's mutation: %s", r.Raw)
		}
	})
}

// A token with its own rate budget is refused with 429 RATE_LIMITED once
// it is spent, while another token of the same role is not; with two
// servers sharing Redis, the budget is one across both.
func TestTokenOwnRateBudget(t *testing.T) {
	const q = `{ viewer { role } }`
	spend := func(t *testing.T, servers []*testenv.Server, tok, limit string, max int) int {
		t.Helper()
		for i := 0; i < max; i++ {
			r := servers[i%len(servers)].Query(t, tok, q, nil)
			if r.Status == http.StatusTooManyRequests {
				if r.Code() != limits.CodeRateLimited || r.Header.Get("Retry-After") == "" || r.Header.Get("RateLimit-Limit") != limit {
					t.Fatalf("refusal %d: %s %v", i, r.Raw, r.Header)
				}
				return i
			}
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("query %d: %d %s", i, r.Status, r.Raw)
			}
		}
		return max
	}
	check := func(t *testing.T, servers []*testenv.Server) {
		s := servers[0]
		adm := admin(t, s)
		var body struct {
			Extensions struct{ Cost struct{ Requested int } }
		}
		r := s.Query(t, adm, q, nil)
		if err := json.Unmarshal(r.Raw, &body); err != nil || body.Extensions.Cost.Requested == 0 || r.Header.Get("RateLimit-Limit") != "1000" {
			t.Fatalf("the role's budget and the query's cost: %v %s", r.Header, r.Raw)
		}
		cost := body.Extensions.Cost.Requested
		budget := 5 * cost
		small, r := createToken(t, s, adm, "", map[string]any{"name": "小额度", "role": "ADMIN", "ratePerWindow": budget})
		if small.Secret == nil {
			t.Fatalf("createApiToken: %s", r.Raw)
		}
		if got := spend(t, servers, *small.Secret, strconv.Itoa(budget), 20); got != 5 {
			t.Errorf("a token with a budget of %d points ran %d queries of %d points; want 5", budget, got, cost)
		}
		if got := spend(t, servers, adm, "1000", 20); got != 20 {
			t.Errorf("another admin token was refused after %d queries", got)
		}
	}
	rates := server.Options{AppRate: limits.Rate{Points: 1000, Per: 24 * time.Hour}} // nothing refills during the test
	t.Run("local", func(t *testing.T) {
		testenv.Each(t, func(t *testing.T, b testenv.Backend) {
			check(t, []*testenv.Server{testenv.StartServer(t, b.Open(t, testenv.Options{}), rates)})
		})
	})
	t.Run("redis", func(t *testing.T) {
		testenv.Each(t, func(t *testing.T, b testenv.Backend) {
			st := b.Open(t, testenv.Options{})
			url0, prefix := testenv.RedisURL(t), testenv.RedisPrefix(t)
			var servers []*testenv.Server
			for i := 0; i < 2; i++ {
				o := rates
				o.Redis = testenv.Redis(t, url0, prefix)
				servers = append(servers, testenv.StartServer(t, st, o))
			}
			check(t, servers)
		})
	})
}

// An expired token is refused with 401, whether it expired by its
// expiresAt or was issued that way from the command line.
func TestExpiredTokenRefused(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		ctx := rule.SystemContext(context.Background())
		c, r := createToken(t, s, admin(t, s), "", map[string]any{"name": "短期", "role": "ADMIN",
			"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		if c.Secret == nil || viewerRole(t, s, *c.Secret) != "ADMIN" {
			t.Fatalf("the token before its expiry: %s", r.Raw)
		}
		id, _ := gid.Decode(c.APIToken.ID)
		s.Store.Client.APIToken.Update().Where(apitoken.ID(id)).SetExpiresAt(time.Now().Add(-time.Second)).ExecX(ctx)
		if got := viewerRole(t, s, *c.Secret); got != "401 UNAUTHENTICATED" {
			t.Errorf("the expired token: %s", got)
		}
	})
}
