package server_test

import (
	"slices"
	"testing"

	"lifecircle/internal/testenv"
)

// TestUpdateAppendsLists: an update's appendX list is added to X (entgql
// v0.7.0 appended X instead: appendTags did nothing, and tags with appendTags
// stored the tags twice; scripts/entgen carries the fixed template).
func TestUpdateAppendsLists(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)

		var made struct{ CreateFacility struct{ ID string } }
		s.Query(t, staff, `mutation($in: CreateFacilityInput!) { createFacility(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": "文亭巷便民药店", "category": "pharmacy", "lat": 36.6251, "lng": 101.7571,
				"communityID": wtxGID, "tags": []string{"药店"}, "services": []string{"配药"}}}).Decode(t, &made)

		update := `mutation($id: ID!, $in: UpdateFacilityInput!) { updateFacility(id: $id, input: $in) { tags services } }`
		for _, tc := range []struct {
			name           string
			in             map[string]any
			tags, services []string
		}{
			{"appendTags alone", map[string]any{"appendTags": []string{"便民"}}, []string{"药店", "便民"}, []string{"配药"}},
			{"appendServices alone", map[string]any{"appendServices": []string{"测血压"}}, []string{"药店", "便民"}, []string{"配药", "测血压"}},
			{"tags then appendTags", map[string]any{"tags": []string{"甲"}, "appendTags": []string{"乙"}}, []string{"甲", "乙"}, []string{"配药", "测血压"}},
		} {
			var got struct {
				UpdateFacility struct{ Tags, Services []string }
			}
			s.Query(t, staff, update, map[string]any{"id": made.CreateFacility.ID, "in": tc.in}).Decode(t, &got)
			if !slices.Equal(got.UpdateFacility.Tags, tc.tags) || !slices.Equal(got.UpdateFacility.Services, tc.services) {
				t.Errorf("%s: tags %q services %q, want %q %q", tc.name, got.UpdateFacility.Tags, got.UpdateFacility.Services, tc.tags, tc.services)
			}
		}
		// What was answered is what was stored.
		var stored struct {
			Node struct{ Tags, Services []string }
		}
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Facility { tags services } } }`,
			map[string]any{"id": made.CreateFacility.ID}).Decode(t, &stored)
		if !slices.Equal(stored.Node.Tags, []string{"甲", "乙"}) || !slices.Equal(stored.Node.Services, []string{"配药", "测血压"}) {
			t.Errorf("stored tags %q services %q", stored.Node.Tags, stored.Node.Services)
		}
	})
}
