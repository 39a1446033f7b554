package server_test

import (
	"context"
	"strings"
	"testing"

	"lifecircle/internal/gid"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

// nodes(ids:) is costed per ID and bounded like a page.
func TestNodesCostsPerID(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = gid.Encode(i + 1)
	}
	if r := s.Query(t, "", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}); r.Code() != "PAGE_SIZE_LIMIT" {
		t.Errorf("101 IDs: want PAGE_SIZE_LIMIT, got %s", r.Raw)
	}
	r := s.Query(t, "", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids[:50]})
	if !strings.Contains(string(r.Raw), `"requested":51`) { // 1 + 50 × 1 (id)
		t.Errorf("50 IDs: want cost 51, got %s", r.Raw)
	}
}

// A month is released with differential privacy once: a second release
// would spend the budget on the same people again.
func TestDPReleasedOncePerMonth(t *testing.T) {
	w := newStatsWorld(t, testenv.Backends()[0])
	o := stats.Options{Method: stats.MethodDP, DP: stats.DPOptions{Epsilon: 1}}
	if _, err := stats.Publish(context.Background(), w.s.Store.Client, stats.Period{Year: 2025, Month: 3}, o); err != nil {
		t.Fatal(err)
	}
	if _, err := stats.Publish(context.Background(), w.s.Store.Client, stats.Period{Year: 2025, Month: 3}, o); err == nil {
		t.Error("a second DP release of the same month was allowed")
	}
}

// Staff organising an activity see who registered, wherever they live; and
// a finished activity's registrations cannot be cancelled.
func TestRegistrationsAcrossCommunities(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	wtxGID, wtx := s.Community(t, "文亭巷社区")
	_, bd := s.Community(t, "北大社区")
	staff := s.Token(t, "staff", wtx)
	_, visitor := newPerson(t, s, bd, "resident", "北大来客")
	var a struct{ CreateActivity struct{ ID string } }
	s.Query(t, staff, `mutation($c: ID!) { createActivity(input: {title: "健康讲座", category: HEALTH, communityID: $c,
		startsAt: "2030-05-01T09:00:00+08:00", endsAt: "2030-05-01T11:00:00+08:00"}) { id } }`, map[string]any{"c": wtxGID}).Decode(t, &a)
	var reg struct{ RegisterForActivity struct{ ID string } }
	s.Query(t, visitor, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`, map[string]any{"a": a.CreateActivity.ID}).Decode(t, &reg)
	var d struct {
		Registrations struct {
			Edges []struct {
				Node struct{ Person struct{ Name string } }
			}
		}
	}
	s.Query(t, staff, `query($a: ID!) { registrations(where: {activityID: $a}) { edges { node { person { name } } } } }`,
		map[string]any{"a": a.CreateActivity.ID}).Decode(t, &d)
	if len(d.Registrations.Edges) != 1 || d.Registrations.Edges[0].Node.Person.Name != "北大来客" {
		t.Errorf("staff see their activity's registrant: %+v", d)
	}
	s.Query(t, staff, `mutation($a: ID!) { updateActivity(id: $a, input: {status: COMPLETED}) { id } }`, map[string]any{"a": a.CreateActivity.ID}).Decode(t, &struct{}{})
	if r := s.Query(t, visitor, `mutation($id: ID!) { cancelRegistration(id: $id) { id } }`, map[string]any{"id": reg.RegisterForActivity.ID}); r.Code() != "INVALID_TRANSITION" {
		t.Errorf("cancelling after the activity: %s", r.Raw)
	}
}
