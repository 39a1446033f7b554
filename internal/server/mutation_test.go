package server_test

import (
	"testing"

	"lifecircle/internal/testenv"
)

// facilityCount counts facilities as the public sees them.
func facilityCount(t *testing.T, s *testenv.Server) int {
	t.Helper()
	var d struct{ Facilities struct{ TotalCount int } }
	s.Query(t, "", `{ facilities { totalCount } }`, nil).Decode(t, &d)
	return d.Facilities.TotalCount
}

const createFacility = `mutation($in: CreateFacilityInput!) { createFacility(input: $in) {
	id name localName(lang: "en") category community { name } } }`

func TestFacilityMutationsValidateAndWriteNothingOnError(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		bdGID, _ := s.Community(t, "北大社区")
		staff := s.Token(t, "staff", wtx)
		before := facilityCount(t, s)

		valid := func() map[string]any {
			return map[string]any{
				"name": "文亭巷便民药店", "category": "pharmacy", "lat": 36.6251, "lng": 101.7571,
				"communityID": wtxGID, "openingHours": "Mo-Su 08:00-21:00",
				"names": []map[string]any{{"lang": "en", "value": "Wentingxiang Pharmacy"}},
			}
		}
		with := func(k string, v any) map[string]any {
			in := valid()
			in[k] = v
			return in
		}
		for name, tc := range map[string]struct {
			token string
			input map[string]any
			code  string
		}{
			"public":                {"", valid(), "UNAUTHENTICATED"},
			"other community":       {staff, with("communityID", bdGID), "FORBIDDEN"},
			"latitude out of range": {staff, with("lat", 91.5), "BAD_USER_INPUT"},
			"longitude NaN-like":    {staff, with("lng", -180.01), "BAD_USER_INPUT"},
			"unknown category":      {staff, with("category", "spaceport"), "BAD_USER_INPUT"},
			"unknown language":      {staff, with("names", []map[string]any{{"lang": "xx-Klingon", "value": "x"}}), "BAD_USER_INPUT"},
			"bad opening hours":     {staff, with("openingHours", "Mo-Fr 18:00-08:00"), "BAD_USER_INPUT"},
			"empty name":            {staff, with("name", ""), "BAD_USER_INPUT"},
			"unknown community":     {staff, with("communityID", "bGM6OTk5"), "FORBIDDEN"},
		} {
			r := s.Query(t, tc.token, createFacility, map[string]any{"in": tc.input})
			if r.Code() != tc.code || string(r.Data) != "null" {
				t.Errorf("%s: want %s and no data, got %s", name, tc.code, r.Raw)
			}
			if len(r.Errors) > 0 && r.Errors[0].Message == "internal error" {
				t.Errorf("%s: the message must say what is wrong", name)
			}
		}
		if got := facilityCount(t, s); got != before {
			t.Fatalf("refused mutations wrote rows: %d facilities, want %d", got, before)
		}

		var ok struct {
			CreateFacility struct {
				ID, Name, LocalName, Category string
				Community                     struct{ Name string }
			}
		}
		s.Query(t, staff, createFacility, map[string]any{"in": valid()}).Decode(t, &ok)
		if ok.CreateFacility.LocalName != "Wentingxiang Pharmacy" || ok.CreateFacility.Community.Name != "文亭巷社区" {
			t.Errorf("created facility: %s", mustJSON(ok))
		}
		if got := facilityCount(t, s); got != before+1 {
			t.Errorf("after one create: %d facilities, want %d", got, before+1)
		}

		// Staff may not move a facility of their community to another one.
		r := s.Query(t, staff, `mutation($id: ID!, $c: ID!) { updateFacility(id: $id, input: {communityID: $c}) { id } }`,
			map[string]any{"id": ok.CreateFacility.ID, "c": bdGID})
		if r.Code() != "FORBIDDEN" {
			t.Errorf("moving a facility out of the community: want FORBIDDEN, got %s", r.Raw)
		}
		// But may update it, and an admin may update anything.
		admin := s.Token(t, "admin", 0)
		var upd struct{ UpdateFacility struct{ Status, Name string } }
		s.Query(t, admin, `mutation($id: ID!) { updateFacility(id: $id, input: {status: TEMPORARILY_CLOSED, name: "改名药店"}) { status name } }`,
			map[string]any{"id": ok.CreateFacility.ID}).Decode(t, &upd)
		if upd.UpdateFacility.Status != "TEMPORARILY_CLOSED" || upd.UpdateFacility.Name != "改名药店" {
			t.Errorf("admin update: %s", mustJSON(upd))
		}
	})
}

func TestMutationOperationIsAllOrNothing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		before := facilityCount(t, s)
		// The first createFacility succeeds, the second fails: the
		// transaction around the operation undoes the first.
		r := s.Query(t, staff, `mutation($c: ID!) {
			a: createFacility(input: {name: "甲", category: "pharmacy", lat: 36.6, lng: 101.7, communityID: $c}) { id }
			b: createFacility(input: {name: "乙", category: "not_a_category", lat: 36.6, lng: 101.7, communityID: $c}) { id }
		}`, map[string]any{"c": wtxGID})
		if r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("want BAD_USER_INPUT from the second mutation, got %s", r.Raw)
		}
		if got := facilityCount(t, s); got != before {
			t.Errorf("a failed operation left %d new facilities behind", got-before)
		}
	})
}

func TestActivityTimesAreValidated(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		create := `mutation($in: CreateActivityInput!) { createActivity(input: $in) { id startsAt endsAt } }`
		in := map[string]any{
			"title": "书法培训", "category": "CULTURE", "communityID": wtxGID,
			"startsAt": "2025-07-03T09:00:00+08:00", "endsAt": "2025-07-03T08:00:00+08:00",
			"targetGroups": []string{"youth"},
		}
		if r := s.Query(t, staff, create, map[string]any{"in": in}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("end before start: want BAD_USER_INPUT, got %s", r.Raw)
		}
		in["endsAt"] = "2025-07-03T11:00:00+08:00"
		in["targetGroups"] = []string{"aliens"}
		if r := s.Query(t, staff, create, map[string]any{"in": in}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("unknown target group: want BAD_USER_INPUT, got %s", r.Raw)
		}
		in["targetGroups"] = []string{"youth", "children"}
		in["startsAt"] = "2025-07-03 09:00" // no offset
		if r := s.Query(t, staff, create, map[string]any{"in": in}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("time without offset: want BAD_USER_INPUT, got %s", r.Raw)
		}
		in["startsAt"] = "2025-07-03T01:00:00Z" // 09:00 in Shanghai
		var ok struct {
			CreateActivity struct{ ID, StartsAt, EndsAt string }
		}
		s.Query(t, staff, create, map[string]any{"in": in}).Decode(t, &ok)
		if ok.CreateActivity.StartsAt != "2025-07-03T09:00:00+08:00" {
			t.Errorf("startsAt: got %s, want it shown in Asia/Shanghai", ok.CreateActivity.StartsAt)
		}
		// Moving the end before the stored start is refused and changes nothing.
		r := s.Query(t, staff, `mutation($id: ID!) { updateActivity(id: $id, input: {endsAt: "2025-07-02T10:00:00+08:00"}) { id } }`,
			map[string]any{"id": ok.CreateActivity.ID})
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("update end before start: want BAD_USER_INPUT, got %s", r.Raw)
		}
		var after struct{ Node struct{ EndsAt string } }
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Activity { endsAt } } }`,
			map[string]any{"id": ok.CreateActivity.ID}).Decode(t, &after)
		if after.Node.EndsAt != "2025-07-03T11:00:00+08:00" {
			t.Errorf("refused update changed endsAt to %s", after.Node.EndsAt)
		}
	})
}

func TestRegionsAndOrganizationsAreAdminOnly(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	_, wtx := s.Community(t, "文亭巷社区")
	staff := s.Token(t, "staff", wtx)
	admin := s.Token(t, "admin", 0)
	q := `mutation { createRegion(input: {level: CITY, name: "测试市", lat: 30, lng: 110}) { id name } }`
	if r := s.Query(t, staff, q, nil); r.Code() != "FORBIDDEN" {
		t.Errorf("staff creating a region: want FORBIDDEN, got %s", r.Raw)
	}
	var d struct{ CreateRegion struct{ Name string } }
	s.Query(t, admin, q, nil).Decode(t, &d)
	if d.CreateRegion.Name != "测试市" {
		t.Errorf("admin create region: %s", mustJSON(d))
	}
	dup := `mutation { createRegion(input: {level: CITY, name: "重复市", code: "630100", lat: 30, lng: 110}) { id } }`
	if r := s.Query(t, admin, dup, nil); r.Code() != "CONFLICT" {
		t.Errorf("duplicate division code: want CONFLICT, got %s", r.Raw)
	}
}

// Staff cannot reach into another community through the IDs a record
// points at, nor attach another community's records from the parent side.
func TestStaffCannotReferenceOtherCommunities(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		var other struct {
			Facilities struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Compounds struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Organizations struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `{
			facilities(first: 1, where: {hasCommunityWith: {name: "北大社区"}}) { edges { node { id } } }
			compounds(first: 1, where: {hasCommunityWith: {name: "北大社区"}}) { edges { node { id } } }
			organizations(first: 1, where: {hasRegionWith: {name: "北大社区"}}) { edges { node { id } } }
		}`, nil).Decode(t, &other)
		before := facilityCount(t, s)
		for name, ref := range map[string]string{
			"compoundID": other.Compounds.Edges[0].Node.ID,
			"parentID":   other.Facilities.Edges[0].Node.ID,
			"operatorID": other.Organizations.Edges[0].Node.ID,
		} {
			r := s.Query(t, staff, `mutation($c: ID!, $ref: ID!) { createFacility(input: {name: "x", category: "pharmacy",
				lat: 36.62, lng: 101.75, communityID: $c, `+name+`: $ref}) { id } }`, map[string]any{"c": wtxGID, "ref": ref})
			if r.Code() != "FORBIDDEN" {
				t.Errorf("%s of another community: want FORBIDDEN, got %s", name, r.Raw)
			}
		}
		if got := facilityCount(t, s); got != before {
			t.Errorf("refused creates wrote %d facilities", got-before)
		}
		// One-to-many edges are not in the inputs at all.
		r := s.Query(t, staff, `mutation($id: ID!, $f: ID!) { updateCompound(id: $id, input: {addFacilityIDs: [$f]}) { id } }`,
			map[string]any{"id": other.Compounds.Edges[0].Node.ID, "f": other.Facilities.Edges[0].Node.ID})
		if r.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("addFacilityIDs: want it unknown to the schema, got %s", r.Raw)
		}
		// Deleting: staff delete their own, never another community's.
		var mine struct{ CreateFacility struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createFacility(input: {name: "临时", category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
			map[string]any{"c": wtxGID}).Decode(t, &mine)
		del := `mutation($id: ID!) { deleteFacility(id: $id) }`
		if r := s.Query(t, "", del, map[string]any{"id": mine.CreateFacility.ID}); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("public delete: %s", r.Raw)
		}
		if r := s.Query(t, staff, del, map[string]any{"id": other.Facilities.Edges[0].Node.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("deleting another community's facility: want NOT_FOUND, got %s", r.Raw)
		}
		if r := s.Query(t, staff, del, map[string]any{"id": mine.CreateFacility.ID}); len(r.Errors) > 0 {
			t.Errorf("deleting their own facility: %s", r.Raw)
		}
		if got := facilityCount(t, s); got != before {
			t.Errorf("after create and delete: %d facilities, want %d", got, before)
		}
		if r := s.Query(t, staff, `mutation($id: ID!) { updateFacility(id: $id, input: {name: "x"}) { id } }`,
			map[string]any{"id": mine.CreateFacility.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("updating a deleted facility: want NOT_FOUND, got %s", r.Raw)
		}
	})
}
