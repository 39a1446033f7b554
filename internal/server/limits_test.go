package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// publicQuery POSTs a document to the public endpoint, with extensions.
func publicQuery(t *testing.T, s *testenv.Server, query string, vars, ext map[string]any) (*testenv.Response, time.Duration) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars, "extensions": ext})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/open/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	r := s.Do(t, req)
	return r, time.Since(start)
}

func costOf(t *testing.T, r *testenv.Response) (requested, charged int) {
	t.Helper()
	var ext struct {
		Extensions struct {
			Cost struct{ Requested, Charged int }
		}
	}
	if err := json.Unmarshal(r.Raw, &ext); err != nil {
		t.Fatal(err)
	}
	return ext.Extensions.Cost.Requested, ext.Extensions.Cost.Charged
}

// refused asserts that r was refused with code before anything ran, quickly.
func refused(t *testing.T, what string, r *testenv.Response, took time.Duration, code string) {
	t.Helper()
	if r.Code() != code || (len(r.Data) > 0 && string(r.Data) != "null") {
		t.Errorf("%s: want %s and no data, got %d %.300s", what, code, r.Status, r.Raw)
	}
	if took > time.Second {
		t.Errorf("%s: took %v; a refusal must be decided before any work", what, took)
	}
}

// Cursors are checked before entgql decodes them: size, then shape.
func TestCursorsAreCheckedBeforeUse(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := start(t, b)
			q := `query($a: Cursor) { x: regions(first: 1, after: $a) { totalCount } y: regions(first: 1, after: $a) { totalCount } }`
			garbage := base64.RawStdEncoding.EncodeToString([]byte("hello"))
			r, took := publicQuery(t, s, q, map[string]any{"a": garbage}, nil)
			refused(t, "a garbage cursor", r, took, "BAD_USER_INPUT")
			deep := base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{0x91}, 600_000))
			r, took = publicQuery(t, s, q, map[string]any{"a": deep}, nil)
			refused(t, "a 0.8 MB cursor of nested arrays", r, took, "BAD_USER_INPUT")
			nested := base64.RawStdEncoding.EncodeToString(append([]byte{0x82, 0xa1, 'i', 0x01, 0xa1, 'v'}, bytes.Repeat([]byte{0x91}, 100)...))
			r, took = publicQuery(t, s, q, map[string]any{"a": nested}, nil)
			refused(t, "a small cursor with a nested value", r, took, "BAD_USER_INPUT")
			r, took = publicQuery(t, s, `{ regions(first: 1, after: 12) { totalCount } }`, nil, nil)
			refused(t, "a cursor that is not a string", r, took, "BAD_USER_INPUT")

			// The cursors the server hands out page on, with and without an order.
			for _, order := range []string{"", `, orderBy: {field: NAME, direction: ASC}`} {
				var page struct {
					Facilities struct {
						Edges    []struct{ Node struct{ ID string } }
						PageInfo struct{ EndCursor string }
					}
				}
				pageQ := `query($a: Cursor) { facilities(first: 3, after: $a` + order + `) { edges { node { id } } pageInfo { endCursor } } }`
				r, _ = publicQuery(t, s, pageQ, nil, nil)
				r.Decode(t, &page)
				firstID := page.Facilities.Edges[0].Node.ID
				r, _ = publicQuery(t, s, pageQ, map[string]any{"a": page.Facilities.PageInfo.EndCursor}, nil)
				r.Decode(t, &page)
				if len(page.Facilities.Edges) != 3 || page.Facilities.Edges[0].Node.ID == firstID {
					t.Errorf("paging on with a server cursor%s: %s", order, r.Raw)
				}
			}
		})
	}
}

// Filters are counted and bounded before SQL runs.
func TestFiltersAreBounded(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := start(t, b)
			q := `query($w: FacilityWhereInput) { facilities(first: 1, where: $w) { totalCount } }`
			var not any = map[string]any{"name": "x"}
			for range 9000 {
				not = map[string]any{"not": not}
			}
			// Variables are bounded before gqlgen checks them against their
			// types (which costs ~0.1 ms an object).
			r, took := publicQuery(t, s, q, map[string]any{"w": not}, nil)
			refused(t, "not nested 9,000 deep", r, took, "BAD_USER_INPUT")
			or := make([]any, 25000)
			for i := range or {
				or[i] = map[string]any{"name": fmt.Sprint(i)}
			}
			r, took = publicQuery(t, s, q, map[string]any{"w": map[string]any{"or": or}}, nil)
			refused(t, "an or of 25,000 predicates", r, took, "BAD_USER_INPUT")
			if r.Code() == "BAD_USER_INPUT" && r.Errors[0].Extensions["field"] != "variables" {
				t.Errorf("the refusal names the variables: %s", r.Raw)
			}

			// Within those bounds, the filter itself is bounded.
			in := make([]any, 200)
			for i := range in {
				in[i] = fmt.Sprint(i)
			}
			r, took = publicQuery(t, s, q, map[string]any{"w": map[string]any{"nameIn": in}}, nil)
			refused(t, "an In list of 200 names", r, took, "FILTER_LIMIT")
			r, took = publicQuery(t, s, `{ facilities(first: 1, where: `+strings.Repeat("{not: ", 10)+`{name: "x"}`+strings.Repeat("}", 10)+`) { totalCount } }`, nil, nil)
			refused(t, "not nested 10 deep", r, took, "FILTER_LIMIT")
			r, took = publicQuery(t, s, `{ facilities(first: 1, where: {or: [`+strings.Repeat(`{name: "x"} `, 150)+`]}) { totalCount } }`, nil, nil)
			refused(t, "an or of 150", r, took, "FILTER_LIMIT")
			r, took = publicQuery(t, s, q, map[string]any{"w": map[string]any{"nameContains": strings.Repeat("%_", 250_000)}}, nil)
			refused(t, "a 500 KB pattern", r, took, "FILTER_LIMIT")

			r, took = publicQuery(t, s, `{ facilities(first: 1, where: {hasCommunityWith: {hasFacilitiesWith: {hasCommunityWith: {hasFacilitiesWith: {name: "x"}}}}}) { totalCount } }`, nil, nil)
			refused(t, "relation filters 4 deep", r, took, "FILTER_LIMIT")

			// What a real client asks is answered, and costed by its joins.
			var d struct{ Facilities struct{ TotalCount int } }
			r, _ = publicQuery(t, s, `{ facilities(first: 1, where: {hasCommunityWith: {hasParentWith: {hasParentWith: {name: "城西区"}}}}) { totalCount } }`, nil, nil)
			r.Decode(t, &d)
			if d.Facilities.TotalCount == 0 {
				t.Errorf("a three-level relation filter: no facilities: %s", r.Raw)
			}
			if requested, _ := costOf(t, r); requested < 25+50+75 {
				t.Errorf("three joins should cost at least 150 points, cost %d", requested)
			}
		})
	}
}

// Introspection is costed by the size of its answer; a document's
// fragments are walked once; the document's size is charged.
func TestIntrospectionAndFragmentsAreCosted(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	r, _ := publicQuery(t, s, testenv.IntrospectionQuery, nil, nil)
	if r.Status != 200 || len(r.Errors) > 0 || !bytes.Contains(r.Data, []byte(`"__schema"`)) {
		t.Fatalf("the standard introspection query: %d %.300s", r.Status, r.Raw)
	}
	if requested, _ := costOf(t, r); requested < 100 || requested > 1000 {
		t.Errorf("the standard introspection query costs %d points; want a few hundred", requested)
	}

	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 100 {
		fmt.Fprintf(&aliases, " a%d: __schema { types { ...T } }", i)
	}
	aliases.WriteString(" } fragment T on __Type { name fields { name type { name } args { name type { name } } } }")
	r, took := publicQuery(t, s, aliases.String(), nil, nil)
	refused(t, "100 aliases of __schema", r, took, "COST_LIMIT")
	if _, charged := costOf(t, r); charged < 1000 {
		t.Errorf("a refusal is charged: %d", charged)
	}

	r, took = publicQuery(t, s, fragmentBomb("{ ...F0 }", "Query", "regions(first: 1) { totalCount ", "categories { code }"), nil, nil)
	if r.Code() != "COST_LIMIT" && r.Code() != "DEPTH_LIMIT" && r.Code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("a fragment bomb: %d %.300s", r.Status, r.Raw)
	}
	if took > time.Second {
		t.Errorf("a fragment bomb took %v", took)
	}
	// Answered (ofType of a named type is null, so the answer is small) or
	// refused, but quickly either way: the counter walks what is answered.
	r, took = publicQuery(t, s, fragmentBomb("{ __schema { types { ...F0 } } }", "__Type", "ofType { ", "name kind"), nil, nil)
	if r.Code() == "INTERNAL" || took > time.Second {
		t.Errorf("a fragment bomb in introspection: %v %d %.300s", took, r.Status, r.Raw)
	}

	big := "# " + strings.Repeat("x", 100_000) + "\n{ __typename }"
	r, _ = publicQuery(t, s, big, nil, nil)
	if requested, _ := costOf(t, r); r.Status != 200 || requested < 97 {
		t.Errorf("a 100 KB document costs %d points (%d)", requested, r.Status)
	}

	r, took = publicQuery(t, s, `{ regions(first: 1, last: 1) { totalCount } }`, nil, nil)
	refused(t, "first and last together", r, took, "INVALID_PAGINATION")

	// Validation compares every two same-named selections of a set, and
	// their sub-selections: quadratic, and refused past a bound.
	r, took = publicQuery(t, s, "{"+strings.Repeat(" categories { code }", 2500)+" }", nil, nil)
	refused(t, "2,500 repeated selections", r, took, "GRAPHQL_VALIDATION_FAILED")
	r, took = publicQuery(t, s, "{"+strings.Repeat(" __typename", 7000)+" }", nil, nil)
	refused(t, "7,000 repeated __typename", r, took, "GRAPHQL_VALIDATION_FAILED")
	// Each list or root field is a database query: aliases of cheap ones add up.
	var aliases2 strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&aliases2, " a%d: regions(first: 1) { totalCount }", i)
	}
	r, took = publicQuery(t, s, "{"+aliases2.String()+" }", nil, nil)
	refused(t, "1,000 aliases of a list", r, took, "COST_LIMIT")
	// A dozen inline fragments selecting id, as Relay writes for Node, is fine.
	var relay strings.Builder
	for _, typ := range []string{"Facility", "Region", "Activity", "Compound", "Organization", "Grid"} {
		fmt.Fprintf(&relay, " ... on %s { id __typename }", typ)
	}
	r, _ = publicQuery(t, s, `{ nodes(ids: []) { id`+relay.String()+` } }`, nil, nil)
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Errorf("inline fragments on each Node type: %s", r.Raw)
	}
}

// fragmentBomb is op with fragments F0…F24 on typ, each spreading the next
// twice, once inside wrap: 2^24 leaves in about 1 KB.
func fragmentBomb(op, typ, wrap, leaf string) string {
	var b strings.Builder
	b.WriteString(op + "\n")
	for i := range 24 {
		fmt.Fprintf(&b, "fragment F%d on %s { ...F%d %s...F%d } }\n", i, typ, i+1, wrap, i+1)
	}
	fmt.Fprintf(&b, "fragment F24 on %s { %s }\n", typ, leaf)
	return b.String()
}

// A large document is answered but not persisted: the APQ store is bounded
// in bytes, and a client that sends the hash alone is asked for the text.
func TestLargeDocumentsAreNotPersisted(t *testing.T) {
	s := testenv.StartServer(t, testenv.Backends()[0].Open(t, testenv.Options{}), server.Options{})
	for _, tc := range []struct {
		size    int
		persist bool
	}{{100, true}, {40_000, false}} {
		q := "# " + strings.Repeat("x", tc.size) + "\n{ categories { code } }"
		sum := sha256.Sum256([]byte(q))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		if r, _ := publicQuery(t, s, q, nil, ext); r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("sending a %d-byte document: %s", tc.size, r.Raw)
		}
		r, _ := publicQuery(t, s, "", nil, ext)
		if got := r.Code() != "PERSISTED_QUERY_NOT_FOUND"; got != tc.persist {
			t.Errorf("a %d-byte document persisted: %v, want %v (%.200s)", tc.size, got, tc.persist, r.Raw)
		}
	}
}

// Every refusal is charged, wherever it is decided, so refusals cannot be
// repeated for free: with 2,500 points, two refusals of 1,000 fit and the
// third is told to wait (429).
func TestRefusalsAreCharged(t *testing.T) {
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	for _, tc := range []struct {
		what, query string
		vars        map[string]any
		code        string
	}{
		{"repeated selections", "{" + strings.Repeat(" __typename", 7000) + " }", nil, "GRAPHQL_VALIDATION_FAILED"},
		{"oversized variables", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": make([]any, 600)}, "BAD_USER_INPUT"},
		{"a cost refusal", `{ regions(first: 100) { edges { node { facilities(first: 100) { edges { node { name community { name } } } } } } } }`, nil, "COST_LIMIT"},
	} {
		s := testenv.StartServer(t, st, server.Options{PublicRate: limits.Rate{Points: 2500, Per: time.Hour}})
		for i, want := range []string{tc.code, tc.code, "RATE_LIMITED"} {
			r, _ := publicQuery(t, s, tc.query, tc.vars, nil)
			if r.Code() != want || (want == "RATE_LIMITED") != (r.Status == http.StatusTooManyRequests) {
				t.Errorf("%s, request %d: want %s, got %d %.200s", tc.what, i+1, want, r.Status, r.Raw)
			}
		}
	}
}
