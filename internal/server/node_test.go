package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"lifecircle/ent/person"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/testenv"
)

// withoutExtensions is a response's data and errors, without the top-level
// extensions (the cost report, whose remaining budget changes per request).
func withoutExtensions(t *testing.T, raw []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "extensions")
	// Each response names its own request in its errors: not about the data.
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		if ext, ok := e.(map[string]any)["extensions"].(map[string]any); ok {
			delete(ext, "requestId")
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// node(id:) and nodes(ids:) name a record that is not there by the global ID
// the client sent, never by its database integer, with NOT_FOUND; a private
// record's answer is the same as a missing one's, byte for byte.
func TestNodeNotFoundShowsTheGlobalID(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		ctx := rule.SystemContext(context.Background())
		_, wtx := s.Community(t, "北大社区")
		p, err := s.Store.Client.Person.Query().Where(person.CommunityID(wtx)).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		private := gid.Encode(p.ID)
		missing := gid.Encode(p.ID + 1_000_000) // a person's ID range, no such person
		var f struct {
			Facilities struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `{ facilities(first: 1) { edges { node { id } } } }`, nil).Decode(t, &f)
		public := f.Facilities.Edges[0].Node.ID
		staff := s.Token(t, "staff", func() int { _, id := s.Community(t, "文亭巷社区"); return id }())

		queries := []struct {
			name, query string
			vars        func(id string) map[string]any
		}{
			{"node", `query($id: ID!) { node(id: $id) { id ... on Person { name } } }`,
				func(id string) map[string]any { return map[string]any{"id": id} }},
			{"nodes (one ID)", `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Person { name } } }`,
				func(id string) map[string]any { return map[string]any{"ids": []string{id}} }},
			{"nodes (with a public record)", `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Person { name } } }`,
				func(id string) map[string]any { return map[string]any{"ids": []string{public, id}} }},
		}
		for who, tok := range map[string]string{"the public": "", "staff of another community": staff} {
			for _, q := range queries {
				got := s.Query(t, tok, q.query, q.vars(private))
				want := s.Query(t, tok, q.query, q.vars(missing))
				for _, r := range []*testenv.Response{got, want} {
					if r.Code() != "NOT_FOUND" {
						t.Errorf("%s, %s: want NOT_FOUND, got %s", who, q.name, r.Raw)
					}
					for _, e := range r.Errors {
						if !strings.Contains(e.Message, private) && !strings.Contains(e.Message, missing) {
							t.Errorf("%s, %s: the message does not name the global ID sent: %q", who, q.name, e.Message)
						}
						if c, _ := e.Extensions["code"].(string); c != "NOT_FOUND" {
							t.Errorf("%s, %s: an error without NOT_FOUND: %s", who, q.name, r.Raw)
						}
					}
				}
				for _, n := range []int{p.ID, p.ID + 1_000_000} {
					for _, r := range []*testenv.Response{got, want} {
						if strings.Contains(string(r.Raw), jsonInt(n)) {
							t.Errorf("%s, %s: the response shows the decoded ID %d: %s", who, q.name, n, r.Raw)
						}
					}
				}
				if g, w := strings.ReplaceAll(withoutExtensions(t, got.Raw), private, "ID"), strings.ReplaceAll(withoutExtensions(t, want.Raw), missing, "ID"); g != w {
					t.Errorf("%s, %s: a private record answers\n%s\nand a missing one\n%s", who, q.name, g, w)
				}
			}
		}
		// The public record in the same request is still returned.
		var d struct{ Nodes []*struct{ ID string } }
		r := s.Query(t, "", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{public, missing}})
		if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Nodes) != 2 || d.Nodes[0] == nil || d.Nodes[0].ID != public || d.Nodes[1] != nil {
			t.Errorf("nodes([public, missing]): %s", r.Raw)
		}
	})
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
