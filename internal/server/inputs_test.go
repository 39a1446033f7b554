package server_test

import (
	"strings"
	"testing"

	"lifecircle/internal/testenv"
)

// publicCounts counts the facilities, activities and compounds, to show a
// refused mutation wrote nothing.
func publicCounts(t *testing.T, s *testenv.Server) [3]int {
	t.Helper()
	var d struct {
		Facilities, Activities, Compounds struct{ TotalCount int }
	}
	s.Query(t, "", `{ facilities { totalCount } activities { totalCount } compounds { totalCount } }`, nil).Decode(t, &d)
	return [3]int{d.Facilities.TotalCount, d.Activities.TotalCount, d.Compounds.TotalCount}
}

// badInput fails unless r is one BAD_USER_INPUT error about field, with a
// Chinese message, and no data.
func badInput(t *testing.T, name string, r *testenv.Response, field string) {
	t.Helper()
	if r.Code() != "BAD_USER_INPUT" {
		t.Errorf("%s: want BAD_USER_INPUT, got %.600s", name, r.Raw)
		return
	}
	ext := r.Errors[0].Extensions
	if ext["field"] != field {
		t.Errorf("%s: want extensions.field %q, got %v (%.300s)", name, field, ext["field"], r.Raw)
	}
	if zh, _ := ext["messageZh"].(string); zh == "" {
		t.Errorf("%s: no extensions.messageZh: %.300s", name, r.Raw)
	}
	if d := string(r.Data); d != "" && d != "null" && !strings.Contains(d, "null") {
		t.Errorf("%s: data alongside the refusal: %s", name, d)
	}
}

func TestBadInputIsRefusedWithItsFieldAndWritesNothing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)

		valid := func() map[string]any {
			return map[string]any{"name": "文亭巷便民药店", "category": "pharmacy", "lat": 36.6251, "lng": 101.7571, "communityID": wtxGID}
		}
		with := func(k string, v any) map[string]any {
			in := valid()
			in[k] = v
			return in
		}
		many := func(n int) []string {
			l := make([]string, n)
			for i := range l {
				l[i] = "标签"
			}
			return l
		}
		// A facility to update.
		var made struct{ CreateFacility struct{ ID string } }
		s.Query(t, staff, createFacility, map[string]any{"in": valid()}).Decode(t, &made)
		before := publicCounts(t, s)

		for _, tc := range []struct {
			name, field string
			input       map[string]any
		}{
			{"malformed community ID", "communityID", with("communityID", "not-an-id")},
			{"NaN latitude", "lat", with("lat", "NaN")},
			{"infinite longitude", "lng", with("lng", "Infinity")},
			{"negative infinity", "lat", with("lat", "-Inf")},
			{"latitude out of range", "lat", with("lat", 91.5)},
			{"unknown category", "category", with("category", "spaceport")},
			{"bad opening hours", "openingHours", with("openingHours", "Mo-Fr 18:00-08:00")},
			{"name of spaces", "name", with("name", "    ")},
			{"name of a zero-width space", "name", with("name", "\u200b")},
			{"name with a control character", "name", with("name", "药\u0001店")},
			{"name with a NUL", "variables", with("name", "药\u0000店")},
			{"address of spaces and a BOM", "address", with("address", " \ufeff ")},
			{"a tag of 1,000,000 bytes", "tags", with("tags", []string{strings.Repeat("a", 1_000_000)})},
			{"51 tags", "tags", with("tags", many(51))},
			{"51 services", "services", with("services", many(51))},
			{"an invisible tag", "tags", with("tags", []string{"好", "\u200b\u200c"})},
			{"name translation of spaces", "names", with("names", []map[string]any{{"lang": "en", "value": "   "}})},
			{"verifiedAt in year 0", "verifiedAt", with("verifiedAt", "0000-01-01T00:00:00Z")},
			{"verifiedAt before 1901", "verifiedAt", with("verifiedAt", "1900-06-01T00:00:00+08:00")},
			{"verifiedAt after 2100", "verifiedAt", with("verifiedAt", "2101-01-01T00:00:00+08:00")},
		} {
			badInput(t, "create: "+tc.name, s.Query(t, staff, createFacility, map[string]any{"in": tc.input}), tc.field)
		}

		update := `mutation($id: ID!, $in: UpdateFacilityInput!) { updateFacility(id: $id, input: $in) { id name lat tags } }`
		for _, tc := range []struct {
			name, field string
			input       map[string]any
		}{
			{"NaN latitude", "lat", map[string]any{"lat": "NaN"}},
			{"name of spaces", "name", map[string]any{"name": " \u3000 "}},
			{"appending past 50 tags", "tags", map[string]any{"tags": many(30), "appendTags": many(21)}},
			{"verifiedAt in year 0", "verifiedAt", map[string]any{"verifiedAt": "0000-06-01T00:00:00Z"}},
		} {
			badInput(t, "update: "+tc.name, s.Query(t, staff, update, map[string]any{"id": made.CreateFacility.ID, "in": tc.input}), tc.field)
		}
		var after struct{ Node struct{ Name string } }
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Facility { name } } }`, map[string]any{"id": made.CreateFacility.ID}).Decode(t, &after)
		if after.Node.Name != "文亭巷便民药店" {
			t.Errorf("a refused update changed the facility: %+v", after.Node)
		}

		activity := `mutation($in: CreateActivityInput!) { createActivity(input: $in) { id } }`
		act := func(k string, v any) map[string]any {
			in := map[string]any{"title": "书法培训", "category": "CULTURE", "communityID": wtxGID,
				"startsAt": "2025-07-03T09:00:00+08:00", "endsAt": "2025-07-03T11:00:00+08:00"}
			in[k] = v
			return in
		}
		badInput(t, "activity capacity 2^31", s.Query(t, staff, activity, map[string]any{"in": act("capacity", int64(1)<<31)}), "capacity")
		badInput(t, "activity capacity 2^63-1", s.Query(t, staff, activity, map[string]any{"in": act("capacity", "9223372036854775807")}), "capacity")
		badInput(t, "activity startsAt in year 0", s.Query(t, staff, activity, map[string]any{"in": act("startsAt", "0000-01-01T00:00:00Z")}), "startsAt")
		badInput(t, "activity title of spaces", s.Query(t, staff, activity, map[string]any{"in": act("title", "\t \u200b")}), "title")
		compound := `mutation($in: CreateCompoundInput!) { createCompound(input: $in) { id } }`
		badInput(t, "compound households 2^31", s.Query(t, staff, compound,
			map[string]any{"in": map[string]any{"name": "新小区", "communityID": wtxGID, "lat": 36.62, "lng": 101.75, "households": int64(1) << 31}}), "households")

		if got := publicCounts(t, s); got != before {
			t.Fatalf("refused mutations wrote rows: facilities, activities, compounds %v, want %v", got, before)
		}

		// Non-finite floats are refused in queries too: arguments, input
		// objects, filters and variables alike.
		for _, tc := range []struct{ name, query, field string }{
			{"facilitiesNear", `query($x: Float!) { facilitiesNear(lat: $x, lng: 101.75) { totalCount } }`, "lat"},
			{"serviceCircle point", `query($x: Float!) { serviceCircle(point: {lat: 36.6, lng: $x}) { score } }`, "lng"},
			{"where filter", `query($x: Float) { facilities(where: {latGT: $x}) { totalCount } }`, "latGT"},
		} {
			for _, v := range []any{"NaN", "Infinity", "-Infinity"} {
				badInput(t, tc.name+" "+v.(string), s.Query(t, "", tc.query, map[string]any{"x": v}), tc.field)
			}
		}
		badInput(t, "time filter in year 0", s.Query(t, "", `query($t: Time) { activities(where: {startsAtGT: $t}) { totalCount } }`,
			map[string]any{"t": "0000-01-01T00:00:00Z"}), "startsAtGT")
	})
}

func TestTextIsTrimmedAndBoundaryTimesRoundTrip(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		in := map[string]any{
			"name": " \u200b文亭巷 便民药店\u3000", "category": "pharmacy", "lat": 36.6251, "lng": 101.7571, "communityID": wtxGID,
			"tags": []string{" 药店 ", "\ufeff便民"}, "verifiedAt": "1949-01-01T00:00:00+08:00",
		}
		var d struct {
			CreateFacility struct {
				Name       string
				Tags       []string
				VerifiedAt string
			}
		}
		s.Query(t, staff, `mutation($in: CreateFacilityInput!) { createFacility(input: $in) { name tags verifiedAt } }`,
			map[string]any{"in": in}).Decode(t, &d)
		got := d.CreateFacility
		if got.Name != "文亭巷 便民药店" || strings.Join(got.Tags, "|") != "药店|便民" || got.VerifiedAt != "1949-01-01T00:00:00+08:00" {
			t.Errorf("stored %+v; want the trimmed name and tags and the time as sent", got)
		}
	})
}
