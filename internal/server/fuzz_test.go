package server_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth/rule"
	"lifecircle/internal/inputs"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
	"lifecircle/internal/timefmt"
)

// FuzzCreateFacility drives createFacility over HTTP on SQLite with fuzzed
// text, lists, coordinates, opening hours and times. Whatever comes in,
// the answer is never INTERNAL or a panic: either the facility is stored
// and reads back exactly as the normalised input (trimmed text, the same
// numbers, the same instant to the second), or the mutation is refused as BAD_USER_INPUT
// naming a field, and nothing is stored.
//
// The seeds (run by every go test) are the inputs of issue #15; scripts/test
// fuzzes for a bounded time.
func FuzzCreateFacility(f *testing.F) {
	ok := "2021-07-01T09:00:00+08:00"
	f.Add("文亭巷便民药店", "药店|便民", uint16(0), 36.6251, 101.7571, "Mo-Su 08:00-21:00", ok)
	f.Add("    ", "", uint16(0), 36.6, 101.7, "", "")
	f.Add("\u200b", "", uint16(0), 36.6, 101.7, "", "")
	f.Add(" \u3000文亭巷\ufeff ", " 药店 |\u200b便民", uint16(0), 36.6, 101.7, " Mo-Fr 08:30-17:30 ", ok)
	f.Add("药\u0001店", "", uint16(0), 36.6, 101.7, "", "")
	f.Add("药\u0000店", "", uint16(0), 36.6, 101.7, "", "")
	f.Add("药店", strings.Repeat("a", 1_000_000), uint16(0), 36.6, 101.7, "", "")
	f.Add("药店", "标签", uint16(10000), 36.6, 101.7, "", "")
	f.Add("药店", "标签", uint16(51), 36.6, 101.7, "", "")
	f.Add("药店", "", uint16(0), math.NaN(), 101.7, "", "")
	f.Add("药店", "", uint16(0), 36.6, math.Inf(1), "", "")
	f.Add("药店", "", uint16(0), 36.6, math.Inf(-1), "", "")
	f.Add("药店", "", uint16(0), 91.0, 101.7, "", "")
	f.Add("药店", "", uint16(0), 36.6, 101.7, "Mo-Fr 18:00-08:00", "")
	f.Add("药店", "", uint16(0), 36.6, 101.7, "", "0000-01-01T00:00:00Z")
	f.Add("药店", "", uint16(0), 36.6, 101.7, "", "1900-06-01T00:00:00+08:00")
	f.Add("药店", "", uint16(0), 36.6, 101.7, "", "1949-01-01T00:00:00+08:00")
	f.Add("药店", "", uint16(0), 36.6, 101.7, "", "2100-12-31T23:59:59+08:00")
	f.Add("药店", "", uint16(0), 36.6, 101.7, "", "2021-07-01T09:00:00.123456789Z")
	f.Add(strings.Repeat("药", 134), "", uint16(0), 36.6, 101.7, "", "")

	st := testenv.Backends()[0].Open(f, testenv.Options{})
	unlimited := limits.Rate{Points: 1 << 40, Per: time.Minute}
	s := testenv.StartServer(f, st, server.Options{AppRate: unlimited, PublicRate: unlimited})
	wtxGID, wtx := s.Community(f, "文亭巷社区")
	staff := s.Token(f, "staff", wtx)
	sys := rule.SystemContext(context.Background())
	count := func(t *testing.T) int {
		n, err := st.Client.Facility.Query().Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const create = `mutation($in: CreateFacilityInput!) { createFacility(input: $in) {
		id name tags lat lng openingHours verifiedAt } }`

	f.Fuzz(func(t *testing.T, name, tags string, nTags uint16, lat, lng float64, openingHours, verifiedAt string) {
		// What the server reads: JSON carries no invalid UTF-8.
		name, tags, openingHours, verifiedAt = asJSON(name), asJSON(tags), asJSON(openingHours), asJSON(verifiedAt)
		var tagList []string
		if tags != "" {
			tagList = strings.Split(tags, "|")
			for len(tagList) < int(nTags) {
				tagList = append(tagList, tagList...)
			}
			if nTags > 0 {
				tagList = tagList[:nTags]
			}
		}
		in := map[string]any{"name": name, "category": "pharmacy", "communityID": wtxGID,
			"lat": jsonFloat(lat), "lng": jsonFloat(lng)}
		if tagList != nil {
			in["tags"] = tagList
		}
		if openingHours != "" {
			in["openingHours"] = openingHours
		}
		if verifiedAt != "" {
			in["verifiedAt"] = verifiedAt
		}
		if body, _ := json.Marshal(map[string]any{"query": create, "variables": map[string]any{"in": in}}); len(body) > 1<<20 {
			t.Skip("over the 1 MiB body limit")
		}
		before := count(t)
		r := s.Query(t, staff, create, map[string]any{"in": in})
		if len(r.Errors) > 0 {
			e := r.Errors[0]
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] == nil || e.Extensions["field"] == "" {
				t.Fatalf("want a stored facility or BAD_USER_INPUT naming a field, got %.800s", r.Raw)
			}
			if n := count(t); n != before {
				t.Fatalf("a refused create stored something: %d facilities, were %d", n, before)
			}
			return
		}
		var d struct {
			CreateFacility struct {
				ID, Name     string
				Tags         []string
				Lat, Lng     float64
				OpeningHours string
				VerifiedAt   *string
			}
		}
		r.Decode(t, &d)
		got := d.CreateFacility
		if n := count(t); n != before+1 {
			t.Fatalf("a create answered but %d facilities are stored, were %d", n, before)
		}
		wantName, err := inputs.Text(name)
		if err != nil || got.Name != wantName {
			t.Errorf("name %q stored as %q; want %q (%v)", name, got.Name, wantName, err)
		}
		wantTags, err := inputs.List(tagList)
		if err != nil || !slices.Equal(got.Tags, wantTags) {
			t.Errorf("tags stored as %q; want %q (%v)", got.Tags, wantTags, err)
		}
		if got.Lat != lat || got.Lng != lng {
			t.Errorf("coordinates %v,%v stored as %v,%v", lat, lng, got.Lat, got.Lng)
		}
		wantHours, _ := inputs.Text(openingHours)
		if got.OpeningHours != wantHours {
			t.Errorf("opening hours %q stored as %q", openingHours, got.OpeningHours)
		}
		if verifiedAt != "" {
			sent, err := time.Parse(time.RFC3339, verifiedAt)
			if err != nil || got.VerifiedAt == nil {
				t.Fatalf("verifiedAt %q accepted but stored as %v (%v)", verifiedAt, got.VerifiedAt, err)
			}
			if back, err := time.Parse(time.RFC3339, *got.VerifiedAt); err != nil || !back.Equal(sent.Truncate(time.Second)) || *got.VerifiedAt != timefmt.Format(sent) {
				t.Errorf("verifiedAt %q came back as %q", verifiedAt, *got.VerifiedAt)
			}
		}
		// A second read, from the database, is the same as the answer.
		var again struct{ Node json.RawMessage }
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Facility { id name tags lat lng openingHours verifiedAt } } }`,
			map[string]any{"id": got.ID}).Decode(t, &again)
		answered, _ := json.Marshal(got)
		var reread struct {
			ID, Name     string
			Tags         []string
			Lat, Lng     float64
			OpeningHours string
			VerifiedAt   *string
		}
		if err := json.Unmarshal(again.Node, &reread); err != nil {
			t.Fatal(err)
		}
		if stored, _ := json.Marshal(reread); string(stored) != string(answered) {
			t.Errorf("read back %s; the create answered %s", stored, answered)
		}
	})
}

// asJSON is s as a server reads it from JSON: invalid UTF-8 replaced.
func asJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// jsonFloat is f as a JSON variable: a number, or for values JSON cannot
// hold the strings clients send instead.
func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}
