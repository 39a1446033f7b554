package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"lifecircle/internal/auth"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/store"
)

// Server is the real HTTP handler over a test database.
type Server struct {
	*httptest.Server
	Store *store.Store
}

// StartServer serves st with opts over HTTP until the test ends.
// Its /readyz pings st's database unless opts names another.
func StartServer(t testing.TB, st *store.Store, opts server.Options) *Server {
	if opts.DB == nil {
		opts.DB = st.DB
	}
	// As the server binary does: the index follows the change log's
	// notifications rather than reading the log before every answer.
	if opts.Changes == nil && opts.GraphQL.Places == nil {
		if err := st.WatchChanges(0); err != nil {
			t.Fatalf("watch the change log: %v", err)
		}
		opts.Changes = st.Changes
	}
	h := server.New(st.Client, opts)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	// First (cleanups run last in, first out): the server's subscriptions
	// end and its followers stop before the connections are awaited and
	// the store closes.
	t.Cleanup(h.Close)
	return &Server{Server: srv, Store: st}
}

// Response is a decoded GraphQL response.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Code returns the extensions.code of the first error, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v, failing the test on errors in the response.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %s", r.Raw)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data: %v\n%s", err, r.Raw)
	}
}

// Query POSTs a GraphQL document with variables, as token (empty: the
// public).
func (s *Server) Query(t testing.TB, tok, query string, vars map[string]any) *Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return s.Do(t, req)
}

// Do sends req and decodes the GraphQL response.
func (s *Server) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := &Response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if err := json.Unmarshal(raw, r); err != nil {
		t.Fatalf("response is not JSON (status %d): %s", res.StatusCode, raw)
	}
	return r
}

// Token issues a bearer token for role in communityID (0 for admins).
func (s *Server) Token(t testing.TB, role auth.Role, communityID int) string {
	t.Helper()
	tok, _ := s.IssueToken(t, role, communityID)
	return tok
}

// IssueToken is Token, also returning the token's global ID.
func (s *Server) IssueToken(t testing.TB, role auth.Role, communityID int) (tok, id string) {
	t.Helper()
	tok, rec, err := token.Create(context.Background(), s.Store.Client, "test", role, communityID, 0)
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return tok, gid.Encode(rec.ID)
}

// Community looks up a demo community by name through the API and returns
// its global ID and ent ID.
func (s *Server) Community(t testing.TB, name string) (globalID string, id int) {
	t.Helper()
	var d struct {
		Regions struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.Query(t, "", `query($n: String!) { regions(where: {name: $n, level: COMMUNITY}) { edges { node { id } } } }`,
		map[string]any{"n": name}).Decode(t, &d)
	if len(d.Regions.Edges) != 1 {
		t.Fatalf("community %s: want 1 match, got %d", name, len(d.Regions.Edges))
	}
	globalID = d.Regions.Edges[0].Node.ID
	id, err := gid.Decode(globalID)
	if err != nil {
		t.Fatal(err)
	}
	return globalID, id
}
