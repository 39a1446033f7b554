package server_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

var graphqlBlock = regexp.MustCompile("(?s)```graphql\n(.*?)```")

// The README's example queries run against the demo data and return it.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := graphqlBlock.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 3 {
		t.Fatalf("README has %d GraphQL examples, want one per audience", len(blocks))
	}
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		if _, err := stats.Publish(context.Background(), s.Store.Client, stats.Period{Year: 2021, Month: 6}, stats.Options{Method: stats.MethodRule105}); err != nil {
			t.Fatal(err)
		}
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		var district struct {
			Regions struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `{ regions(where: {name: "秦都区"}) { edges { node { id } } } }`, nil).Decode(t, &district)
		// The statistics example's district: the one with demo data in June 2021.
		var xining struct {
			Regions struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `{ regions(where: {name: "城西区"}) { edges { node { id } } } }`, nil).Decode(t, &xining)
		staff := s.Token(t, "staff", wtx)
		admin := s.Token(t, "admin", 0)
		_, spare := s.IssueToken(t, "staff", wtx) // for the admin's example to revoke
		for _, m := range blocks {
			doc := m[1]
			tok := ""
			switch {
			case strings.Contains(doc, "audience: app (admin"):
				tok = admin
			case strings.Contains(doc, "audience: app (staff") || strings.HasPrefix(strings.TrimSpace(doc), "mutation"):
				tok = staff
			}
			r := s.Query(t, tok, doc, map[string]any{"community": wtxGID, "region": district.Regions.Edges[0].Node.ID, "district": xining.Regions.Edges[0].Node.ID, "id": spare})
			if len(r.Errors) > 0 {
				t.Errorf("README example fails:\n%s\n%s", doc, r.Raw)
				continue
			}
			data := string(r.Data)
			// Statistics must show a figure, not only zeros and suppressed cells.
			if strings.Contains(doc, "statistics(") && !regexp.MustCompile(`"value":[1-9]`).MatchString(data) {
				t.Errorf("README statistics example shows no published figure:\n%s\n%s", doc, data)
			}
			if !strings.Contains(data, `"node"`) && !strings.Contains(data, `"id"`) && !strings.Contains(data, `"values":[{`) {
				t.Errorf("README example returns no records:\n%s\n%s", doc, data)
			}
		}
	})
}
