package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

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
