package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// Bad bearer tokens are counted against the caller's address: after ten in
// a minute the address gets 429 RATE_LIMITED with Retry-After, and its
// tokens are no longer looked up at all. Anonymous requests from the
// address are not affected.
func TestBadTokensAreRateLimited(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var sql testenv.Counter
		s := testenv.StartServer(t, b.Open(t, testenv.Options{Counter: &sql}), server.Options{})
		good := s.Token(t, "admin", 0)
		const query = `{ viewer { role } }`
		for i := 0; i < 10; i++ {
			sql.Reset()
			r := s.Query(t, "lc_guess"+strconv.Itoa(i), query, nil)
			if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
				t.Fatalf("bad token %d: want 401 UNAUTHENTICATED, got %d %s", i+1, r.Status, r.Raw)
			}
			if len(sql.Statements()) == 0 {
				t.Fatalf("bad token %d was not looked up", i+1)
			}
		}
		for _, tok := range []string{"lc_guess-again", "not-even-a-token", good} {
			sql.Reset()
			r := s.Query(t, tok, query, nil)
			if r.Status != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" || r.Header.Get("Retry-After") == "" {
				t.Errorf("after 10 bad tokens, %.12s…: want 429 RATE_LIMITED with Retry-After, got %d %v %s", tok, r.Status, r.Header, r.Raw)
			}
			if n := sql.Statements(); len(n) > 0 {
				t.Errorf("a refused token was still looked up: %v", n)
			}
		}
		if r := s.Query(t, "", query, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Raw), "PUBLIC") {
			t.Errorf("anonymous requests from the address: %d %s", r.Status, r.Raw)
		}
	})
}

// Admins list the tokens (never a secret) and revoke one; a revoked token
// stops working at once. The public does neither, and to staff of another
// community the token is not there.
func TestTokensCanBeListedAndRevoked(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		_, wtx := s.Community(t, "文亭巷社区")
		admin, _ := s.IssueToken(t, "admin", 0)
		staff, staffID := s.IssueToken(t, "staff", wtx)
		const whoami = `{ viewer { role } }`
		if r := s.Query(t, staff, whoami, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Raw), "STAFF") {
			t.Fatalf("the staff token before revocation: %d %s", r.Status, r.Raw)
		}

		const list = `{ apiTokens(first: 100, orderBy: {field: CREATED_AT, direction: ASC}) { totalCount edges { node {
			id name role communityID community { name } createdAt lastUsedAt expiresAt revoked } } } }`
		type tokenNode struct {
			ID, Name, Role, CreatedAt string
			CommunityID, LastUsedAt   *string
			ExpiresAt                 *string
			Community                 *struct{ Name string }
			Revoked                   bool
		}
		listed := func() (map[string]tokenNode, string) {
			var d struct {
				APITokens struct {
					Edges []struct{ Node tokenNode }
				}
			}
			r := s.Query(t, admin, list, nil)
			r.Decode(t, &d)
			out := map[string]tokenNode{}
			for _, e := range d.APITokens.Edges {
				out[e.Node.ID] = e.Node
			}
			return out, string(r.Raw)
		}
		tokens, raw := listed()
		st, ok := tokens[staffID]
		if !ok || st.Role != "STAFF" || st.Community == nil || st.Community.Name != "文亭巷社区" || st.Revoked || st.CreatedAt == "" || st.LastUsedAt == nil {
			t.Errorf("the staff token as admins see it: %+v (listed: %s)", st, raw)
		}
		if strings.Contains(raw, staff) || strings.Contains(raw, admin) || strings.Contains(strings.ToLower(raw), "hash") {
			t.Errorf("the list shows a secret: %s", raw)
		}
		var fields struct {
			Type struct{ Fields []struct{ Name string } } `json:"__type"`
		}
		s.Query(t, admin, `{ __type(name: "APIToken") { fields { name } } }`, nil).Decode(t, &fields)
		for _, f := range fields.Type.Fields {
			if n := strings.ToLower(f.Name); strings.Contains(n, "hash") || strings.Contains(n, "secret") || n == "token" {
				t.Errorf("APIToken has a field %s", f.Name)
			}
		}

		// The public lists and revokes nothing; staff of another community
		// find no such token.
		revoke := `mutation($id: ID!) { revokeToken(id: $id) { id revoked } }`
		if r := s.Query(t, "", list, nil); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("the public listing tokens: %s", r.Raw)
		}
		if r := s.Query(t, "", revoke, map[string]any{"id": staffID}); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("the public revoking a token: %s", r.Raw)
		}
		_, bd := s.Community(t, "北大社区")
		other := s.Token(t, "staff", bd)
		if r := s.Query(t, other, list, nil); len(r.Errors) > 0 || strings.Contains(string(r.Raw), staffID) {
			t.Errorf("staff of another community listing tokens: %s", r.Raw)
		}
		for who, tok := range map[string]string{"the public": "", "staff of another community": other} {
			if who != "the public" {
				if r := s.Query(t, tok, revoke, map[string]any{"id": staffID}); r.Code() != "NOT_FOUND" {
					t.Errorf("%s revoking a token: want NOT_FOUND, got %s", who, r.Raw)
				}
			}
			if r := s.Query(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": staffID}); r.Code() != "NOT_FOUND" {
				t.Errorf("%s reading a token by node(id:): want NOT_FOUND, got %s", who, r.Raw)
			}
		}
		if r := s.Query(t, staff, whoami, nil); r.Status != http.StatusOK {
			t.Fatalf("refused revocations revoked the token: %d %s", r.Status, r.Raw)
		}

		// An admin revokes it: the same token is refused at once.
		var d struct{ RevokeToken struct{ Revoked bool } }
		s.Query(t, admin, revoke, map[string]any{"id": staffID}).Decode(t, &d)
		if !d.RevokeToken.Revoked {
			t.Error("revokeToken: revoked is false")
		}
		if r := s.Query(t, staff, whoami, nil); r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("the revoked token: want 401 UNAUTHENTICATED, got %d %s", r.Status, r.Raw)
		}
		if tokens, _ := listed(); !tokens[staffID].Revoked {
			t.Errorf("the list does not show the revocation: %+v", tokens[staffID])
		}
		s.Query(t, admin, revoke, map[string]any{"id": staffID}).Decode(t, &d) // again: nothing changes
		if r := s.Query(t, admin, revoke, map[string]any{"id": gid.Encode(999999)}); r.Code() != "NOT_FOUND" {
			t.Errorf("revoking a missing token: %s", r.Raw)
		}
		if r := s.Query(t, admin, whoami, nil); r.Status != http.StatusOK {
			t.Errorf("the admin token after revoking another: %d %s", r.Status, r.Raw)
		}
	})
}
