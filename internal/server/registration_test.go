package server_test

import (
	"testing"

	"lifecircle/internal/testenv"
)

// Staff register for their activities, and submit requests for, residents
// of their own community only — not a resident of another community they
// can see because that resident once registered for one of their
// activities.
func TestStaffActOnlyForResidentsOfTheirCommunity(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		staff := s.Token(t, "staff", wtx)
		neighbour, _ := newPerson(t, s, wtx, "resident", "本社区居民")
		visitorID, visitor := newPerson(t, s, bd, "resident", "北大来客")
		activity := func(title string) string {
			var a struct{ CreateActivity struct{ ID string } }
			s.Query(t, staff, `mutation($c: ID!, $t: String!) { createActivity(input: {title: $t, category: HEALTH, communityID: $c,
				startsAt: "2030-05-01T09:00:00+08:00", endsAt: "2030-05-01T11:00:00+08:00"}) { id } }`,
				map[string]any{"c": wtxGID, "t": title}).Decode(t, &a)
			return a.CreateActivity.ID
		}
		first, second := activity("健康讲座"), activity("义诊")

		// The visitor registers themselves: staff now see them.
		s.Query(t, visitor, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`, map[string]any{"a": first}).Decode(t, &struct{}{})
		var seen struct{ Node *struct{ Name string } }
		s.Query(t, staff, `query($id: ID!) { node(id: $id) { ... on Person { name } } }`, map[string]any{"id": visitorID}).Decode(t, &seen)
		if seen.Node == nil || seen.Node.Name != "北大来客" {
			t.Fatalf("staff should see the registrant of their activity: %+v", seen)
		}

		// Staff may not sign the visitor up for anything else.
		r := s.Query(t, staff, `mutation($a: ID!, $p: ID!) { registerForActivity(activityID: $a, personID: $p) { id } }`,
			map[string]any{"a": second, "p": visitorID})
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("staff registering a resident of another community: want BAD_USER_INPUT, got %s", r.Raw)
		}
		var regs struct{ Registrations struct{ TotalCount int } }
		s.Query(t, visitor, `query($a: ID!) { registrations(where: {activityID: $a}) { totalCount } }`, map[string]any{"a": second}).Decode(t, &regs)
		if regs.Registrations.TotalCount != 0 {
			t.Errorf("the visitor was registered for %s by staff of another community", second)
		}
		var count struct{ Node struct{ RegisteredCount int } }
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Activity { registeredCount } } }`, map[string]any{"id": second}).Decode(t, &count)
		if count.Node.RegisteredCount != 0 {
			t.Errorf("registeredCount of %s: %d, want 0", second, count.Node.RegisteredCount)
		}
		// Nor submit a request on their behalf.
		r = s.Query(t, staff, `mutation($p: ID!) { submitRequest(input: {kind: SERVICE_NEED, title: "代办", onBehalfOf: $p}) { request { id } } }`,
			map[string]any{"p": visitorID})
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("staff submitting for a resident of another community: want BAD_USER_INPUT, got %s", r.Raw)
		}

		// Their own residents, they may.
		s.Query(t, staff, `mutation($a: ID!, $p: ID!) { registerForActivity(activityID: $a, personID: $p) { id } }`,
			map[string]any{"a": second, "p": neighbour}).Decode(t, &struct{}{})
		s.Query(t, staff, `mutation($p: ID!) { submitRequest(input: {kind: SERVICE_NEED, title: "代办", onBehalfOf: $p}) { request { id } } }`,
			map[string]any{"p": neighbour}).Decode(t, &struct{}{})
	})
}
