package graph

import (
	"cmp"
	"context"
	"slices"

	"lifecircle/ent"
)

// peopleQuery is the query of a page of people: when the client selected
// edges { node { teams } }, the page's memberships are loaded with it, in
// one query. (Person.teams is not an entgql edge, so that its resolver can
// hide it and entgql selects every column a visibility check needs.)
func peopleQuery(ctx context.Context, client *ent.Client) *ent.PersonQuery {
	q := client.Person.Query()
	if selects(atPath(ctx, "PersonConnection", "edges", "node"), "teams") {
		q.WithTeams()
	}
	return q
}

// personTeams is Person.teams: the loaded memberships (peopleQuery), else
// one query, ordered by ID.
func personTeams(ctx context.Context, p *ent.Person) ([]*ent.Organization, error) {
	teams, err := p.Edges.TeamsOrErr()
	if err != nil {
		if teams, err = p.QueryTeams().All(ctx); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(teams, func(a, b *ent.Organization) int { return cmp.Compare(a.ID, b.ID) })
	return teams, nil
}
