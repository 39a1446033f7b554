package server_test

import (
	"context"
	"testing"

	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

// The publications connection lists the releases of the statistics to
// anyone, paginated, ordered and filtered like the other connections.
func TestPublicationsAreListed(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		for _, p := range []stats.Period{{Year: 2021, Month: 5}, {Year: 2021, Month: 6}} {
			if _, err := stats.Publish(context.Background(), s.Store.Client, p, stats.Options{Method: stats.MethodRule105}); err != nil {
				t.Fatal(err)
			}
		}
		_, wtx := s.Community(t, "文亭巷社区")
		for who, tok := range map[string]string{"the public": "", "staff": s.Token(t, "staff", wtx)} {
			var d struct {
				Publications struct {
					TotalCount int
					PageInfo   struct{ HasNextPage bool }
					Edges      []struct {
						Node struct{ ID, Period, Method, PublishedAt string }
					}
				}
			}
			r := s.Query(t, tok, `{ publications(first: 1, orderBy: {field: PERIOD, direction: DESC}) {
				totalCount pageInfo { hasNextPage } edges { node { id period method publishedAt } } } }`, nil)
			r.Decode(t, &d)
			p := d.Publications
			if p.TotalCount != 2 || !p.PageInfo.HasNextPage || len(p.Edges) != 1 || p.Edges[0].Node.Period != "2021-06" ||
				p.Edges[0].Node.Method != "RULE_10_5" || p.Edges[0].Node.PublishedAt == "" {
				t.Errorf("%s: publications(first: 1, newest period first): %s", who, r.Raw)
			}
			r = s.Query(t, tok, `{ publications(where: {period: "2021-05"}) { totalCount edges { node { period } } } }`, nil)
			r.Decode(t, &d)
			if d.Publications.TotalCount != 1 || len(d.Publications.Edges) != 1 || d.Publications.Edges[0].Node.Period != "2021-05" {
				t.Errorf("%s: publications filtered by period: %s", who, r.Raw)
			}
		}
	})
}
