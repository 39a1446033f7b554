package server_test

import (
	"context"
	"strings"
	"testing"

	"lifecircle/ent/person"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/testenv"
)

// privateIDs returns the global IDs of a person, a registration and a
// service request of the community named.
func privateIDs(t *testing.T, s *testenv.Server, community string) (personID, requestID string, phone string) {
	t.Helper()
	ctx := rule.SystemContext(context.Background())
	_, comm := s.Community(t, community)
	p, err := s.Store.Client.Person.Query().Where(person.CommunityID(comm)).First(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Store.Client.ServiceRequest.Query().Where(servicerequest.CommunityID(comm)).First(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return gid.Encode(p.ID), gid.Encode(r.ID), p.Phone
}

func TestPublicNeverSeesPersonalData(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		personID, requestID, phone := privateIDs(t, s, "文亭巷社区")

		// Root connections of private types are refused outright.
		for _, q := range []string{
			`{ people { totalCount edges { node { name phone } } } }`,
			`{ registrations { totalCount } }`,
			`{ serviceRequests { totalCount edges { node { title requester { name } } } } }`,
		} {
			r := s.Query(t, "", q, nil)
			if r.Code() != "UNAUTHENTICATED" || string(r.Data) != "null" {
				t.Errorf("%s as the public: want UNAUTHENTICATED and no data, got %s", q, r.Raw)
			}
		}

		// node(id:) on a private record answers exactly like a missing one.
		bogus := gid.Encode(999999999)
		for _, id := range []string{personID, requestID} {
			q := `query($id: ID!) { node(id: $id) { id ... on Person { name phone } ... on ServiceRequest { title } } }`
			got := s.Query(t, "", q, map[string]any{"id": id})
			want := s.Query(t, "", q, map[string]any{"id": bogus})
			if string(got.Data) != string(want.Data) || got.Code() != want.Code() || got.Code() != "NOT_FOUND" {
				t.Errorf("node(%s) as the public: got %s, want the same as a missing ID: %s", id, got.Raw, want.Raw)
			}
			nodes := s.Query(t, "", `query($id: ID!) { nodes(ids: [$id]) { id ... on Person { name } } }`, map[string]any{"id": id})
			if nodes.Code() != "NOT_FOUND" || strings.Contains(string(nodes.Raw), `"name"`) {
				t.Errorf("nodes([%s]) as the public: want NOT_FOUND and nothing else, got %s", id, nodes.Raw)
			}
		}

		// No public path, edge or error carries a phone number or a name.
		everything := s.Query(t, "", `{
			facilities(first: 100) { edges { node { name phone community { name } operator { name } } } }
			activities(first: 100) { edges { node { title registeredCount organizer { name } } } }
			organizations(first: 100) { edges { node { name kind } } }
		}`, nil)
		if len(everything.Errors) > 0 {
			t.Fatalf("public query failed: %s", everything.Raw)
		}
		// 000-0000-1xxx: the demo people's phones (facilities have 000-0000-0xxx).
		for _, secret := range []string{phone, "示例居民", "000-0000-1"} {
			if strings.Contains(string(everything.Raw), secret) {
				t.Errorf("public response contains personal data %q", secret)
			}
		}
	})
}

func TestPrivateTypesHaveNoFilterOrOrderOracles(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	var d struct {
		PersonWhere    *struct{ Name string } `json:"personWhere"`
		PersonOrder    *struct{ Name string } `json:"personOrder"`
		RequestWhere   struct{ InputFields []struct{ Name string } }
		RegistrationWh struct{ InputFields []struct{ Name string } }
		Query          struct {
			Fields []struct {
				Name string
				Args []struct{ Name string }
			}
		}
	}
	s.Query(t, "", `{
		personWhere: __type(name: "PersonWhereInput") { name }
		personOrder: __type(name: "PersonOrder") { name }
		requestWhere: __type(name: "ServiceRequestWhereInput") { inputFields { name } }
		registrationWh: __type(name: "RegistrationWhereInput") { inputFields { name } }
		query: __type(name: "Query") { fields { name args { name } } }
	}`, nil).Decode(t, &d)
	if d.PersonWhere != nil || d.PersonOrder != nil {
		t.Errorf("Person must have no where input and no order: %s", mustJSON(d))
	}
	for _, f := range append(d.RequestWhere.InputFields, d.RegistrationWh.InputFields...) {
		n := strings.ToLower(f.Name)
		for _, bad := range []string{"requester", "claimedby", "person", "title", "description", "satisfaction", "phone"} {
			if strings.Contains(n, bad) {
				t.Errorf("a where input filters on personal field %s", f.Name)
			}
		}
	}
	for _, f := range d.Query.Fields {
		if f.Name == "people" || f.Name == "serviceRequests" || f.Name == "registrations" {
			for _, a := range f.Args {
				if a.Name == "orderBy" {
					t.Errorf("%s has orderBy: cursors would carry personal values", f.Name)
				}
			}
		}
	}
}

func TestStaffSeeOnlyTheirCommunity(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		_, wtx := s.Community(t, "文亭巷社区")
		otherPerson, otherRequest, _ := privateIDs(t, s, "北大社区")
		staff := s.Token(t, "staff", wtx)
		admin := s.Token(t, "admin", 0)

		type conn struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Name      string
					Community struct{ Name string }
				}
			}
		}
		var mine struct {
			People          conn
			ServiceRequests struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Requester struct{ Name, Phone string }
						Community struct{ Name string }
					}
				}
			}
		}
		s.Query(t, staff, `{ people(first: 100) { totalCount edges { node { name community { name } } } }
			serviceRequests(first: 100) { totalCount edges { node { requester { name phone } community { name } } } } }`, nil).Decode(t, &mine)
		if mine.People.TotalCount == 0 || mine.ServiceRequests.TotalCount == 0 {
			t.Fatalf("staff see nothing of their own community: %s", mustJSON(mine))
		}
		for _, e := range mine.People.Edges {
			if e.Node.Community.Name != "文亭巷社区" {
				t.Errorf("staff of 文亭巷社区 see a person of %s", e.Node.Community.Name)
			}
		}
		for _, e := range mine.ServiceRequests.Edges {
			if e.Node.Community.Name != "文亭巷社区" || e.Node.Requester.Phone == "" {
				t.Errorf("staff request view wrong: %s", mustJSON(e))
			}
		}
		for _, id := range []string{otherPerson, otherRequest} {
			r := s.Query(t, staff, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if r.Code() != "NOT_FOUND" {
				t.Errorf("staff of another community read %s: %s", id, r.Raw)
			}
		}

		var all struct{ People conn }
		s.Query(t, admin, `{ people(first: 100) { totalCount } }`, nil).Decode(t, &all)
		if all.People.TotalCount <= mine.People.TotalCount {
			t.Errorf("admin should see every community's people: admin %d, staff %d", all.People.TotalCount, mine.People.TotalCount)
		}

		// A bad token is refused, not served as the public.
		r := s.Query(t, "lc_not-a-real-token", `{ facilities { totalCount } }`, nil)
		if r.Status != 401 || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("bad token: want 401 UNAUTHENTICATED, got %d %s", r.Status, r.Raw)
		}
	})
}
