package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lifecircle/internal/testenv"
)

// seedSources are the sources a demo record may name: the five articles,
// by title, or "illustrative" for a record no article states. Division
// codes come from GB/T 2260, which two regions name as their only source.
var seedSources = []string{
	"seed 000: 打造“三有”社区 让党建引领“有作为”",
	"seed 001: 构建多赢生活圈 服务居民零距离",
	"seed 002: 党旗在基层一线高高飘扬丨党建引领绘就社区幸福底色",
	"seed 003: 党旗映红社区 服务赢得民心",
	"seed 004: 咸阳市社区党建引领基层治理报道（原文无标题，记者 陈玮）",
}

// fictionalPhone is the reserved range of every phone in the demo data:
// area code 000 exists nowhere, and no Chinese mobile number starts with 0.
var fictionalPhone = regexp.MustCompile(`^000-0000-[0-9]{4}$`)

func knownSource(s string) bool {
	if s == "illustrative" || strings.HasPrefix(s, "GB/T 2260 ") {
		return true
	}
	for _, t := range seedSources {
		if s == t || s == t+" (division code: GB/T 2260)" {
			return true
		}
	}
	return false
}

type provenanceNode struct {
	ID           string
	Source       *string
	Illustrative []string
	Approximate  *bool
	Phone        *string
}

// check fails t where n's marks contradict each other or the rules: a
// source that names no article, "*" mixed with fields, an illustrative
// source on a record not wholly illustrative, a name that is not a field
// of the type, approximate coordinates or an invented phone left unmarked,
// a phone outside the fictional range. It reports whether the whole record
// is illustrative.
func (n provenanceNode) check(t *testing.T, typ string, fields []string) (whole bool) {
	t.Helper()
	src := ""
	if n.Source != nil {
		src = *n.Source
	}
	if !knownSource(src) {
		t.Errorf("%s %s: source %q is not one of the five articles' titles or \"illustrative\"", typ, n.ID, src)
	}
	whole = slices.Contains(n.Illustrative, "*")
	if whole && len(n.Illustrative) != 1 {
		t.Errorf("%s %s: illustrative %v mixes * with fields", typ, n.ID, n.Illustrative)
	}
	if src == "illustrative" && !whole {
		t.Errorf("%s %s: a record no article states must be illustrative as a whole, got %v", typ, n.ID, n.Illustrative)
	}
	for _, f := range n.Illustrative {
		if f != "*" && !slices.Contains(fields, f) {
			t.Errorf("%s %s: illustrative names %q, not a field of %s", typ, n.ID, f, typ)
		}
	}
	marked := func(f string) bool { return whole || slices.Contains(n.Illustrative, f) }
	if n.Approximate != nil && *n.Approximate && (!marked("lat") || !marked("lng")) {
		t.Errorf("%s %s: approximate coordinates not listed as illustrative: %v", typ, n.ID, n.Illustrative)
	}
	if n.Phone != nil && *n.Phone != "" {
		if !fictionalPhone.MatchString(*n.Phone) {
			t.Errorf("%s %s: phone %q is outside the fictional range 000-0000-xxxx", typ, n.ID, *n.Phone)
		}
		if !marked("phone") {
			t.Errorf("%s %s: invented phone not listed as illustrative", typ, n.ID)
		}
	}
	return whole
}

// fieldsOf returns the names of the GraphQL fields of type typ.
func fieldsOf(t *testing.T, s *testenv.Server, token, typ string) []string {
	t.Helper()
	var intro struct {
		Type struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	s.Query(t, token, `query($n: String!) { __type(name: $n) { fields(includeDeprecated: true) { name } } }`, map[string]any{"n": typ}).Decode(t, &intro)
	var fields []string
	for _, f := range intro.Type.Fields {
		fields = append(fields, f.Name)
	}
	return fields
}

// TestDemoDataProvenance reads every demo record through the GraphQL API
// (people and requests as an admin) and checks that it names its source,
// marks the fields no article states as illustrative with real GraphQL
// field names, lists approximate coordinates as illustrative, and that
// every phone is in the fictional range. The downloads carry the same two
// columns, last.
func TestDemoDataProvenance(t *testing.T) {
	raw, err := os.ReadFile("../demo/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	var dataset map[string][]json.RawMessage
	if err := json.Unmarshal(raw, &dataset); err != nil {
		t.Fatal(err)
	}
	// Two more files of the demo data add records of these types: the
	// regions of seed 004's courier clues, and the recurring party day.
	for file, add := range map[string][2]string{"grids.json": {"regions", "regions"}, "recurring.json": {"series", "activities"}} {
		raw, err := os.ReadFile("../demo/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var more map[string]json.RawMessage
		if err := json.Unmarshal(raw, &more); err != nil {
			t.Fatal(err)
		}
		var records []json.RawMessage
		if err := json.Unmarshal(more[add[0]], &records); err != nil || len(records) == 0 {
			t.Fatalf("%s: no %s (%v)", file, add[0], err)
		}
		dataset[add[1]] = append(dataset[add[1]], records...)
	}
	// A visit of grids.json creates its follow-up request, wholly invented.
	var grids struct {
		Visits []struct{ FollowUp json.RawMessage }
	}
	if raw, err := os.ReadFile("../demo/grids.json"); err != nil || json.Unmarshal(raw, &grids) != nil {
		t.Fatalf("grids.json: %v", err)
	}
	for _, v := range grids.Visits {
		if len(v.FollowUp) > 0 && string(v.FollowUp) != "null" {
			dataset["serviceRequests"] = append(dataset["serviceRequests"], v.FollowUp)
		}
	}
	types := []struct {
		root, typ, key, extra string
		private               bool
	}{
		{"regions", "Region", "regions", "approximate", false},
		{"compounds", "Compound", "compounds", "approximate", false},
		{"grids", "Grid", "grids", "", false},
		{"organizations", "Organization", "organizations", "", false},
		{"facilities", "Facility", "facilities", "approximate phone", false},
		{"activities", "Activity", "activities", "", false},
		{"people", "Person", "people", "phone", true},
		{"serviceRequests", "ServiceRequest", "serviceRequests", "", true},
	}
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		admin := s.Token(t, "admin", 0)
		for _, ty := range types {
			// The GraphQL fields of the type: what illustrative may name.
			fields := fieldsOf(t, s, admin, ty.typ)
			if !slices.Contains(fields, "source") || !slices.Contains(fields, "illustrative") {
				t.Fatalf("%s has no source or illustrative field: %v", ty.typ, fields)
			}
			tok := ""
			if ty.private {
				tok = admin
			}
			var nodes []provenanceNode
			after := any(nil)
			for {
				var d map[string]struct {
					Edges    []struct{ Node provenanceNode }
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
				s.Query(t, tok, `query($a: Cursor) { `+ty.root+`(first: 100, after: $a) { edges { node { id source illustrative `+ty.extra+` } }
					pageInfo { hasNextPage endCursor } } }`, map[string]any{"a": after}).Decode(t, &d)
				c := d[ty.root]
				for _, e := range c.Edges {
					nodes = append(nodes, e.Node)
				}
				if !c.PageInfo.HasNextPage {
					break
				}
				after = c.PageInfo.EndCursor
			}
			if want := len(dataset[ty.key]); len(nodes) != want || want == 0 {
				t.Fatalf("%s: read %d records through the API, the demo data holds %d", ty.root, len(nodes), want)
			}
			for _, n := range nodes {
				if whole := n.check(t, ty.typ, fields); ty.private && !whole {
					t.Errorf("%s %s: demo people and requests are wholly invented, got illustrative %v", ty.typ, n.ID, n.Illustrative)
				}
			}
		}

		// Private types: no one outside may read or filter by provenance.
		if r := s.Query(t, "", `{ people(first: 1) { edges { node { source illustrative } } } }`, nil); r.Code() == "" {
			t.Error("an anonymous caller read people's provenance")
		}
		var in struct {
			Type struct{ InputFields []struct{ Name string } } `json:"__type"`
		}
		s.Query(t, admin, `{ __type(name: "ServiceRequestWhereInput") { inputFields { name } } }`, nil).Decode(t, &in)
		for _, f := range in.Type.InputFields {
			if strings.HasPrefix(f.Name, "source") || strings.HasPrefix(f.Name, "illustrative") {
				t.Errorf("ServiceRequestWhereInput filters by %s: a filter on a private type is an oracle", f.Name)
			}
		}

		// node(id:) shows the same marking.
		wtxGID, _ := s.Community(t, "文亭巷社区")
		var nd struct {
			Node struct {
				Source       string
				Illustrative []string
			}
		}
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Region { source illustrative } } }`, map[string]any{"id": wtxGID}).Decode(t, &nd)
		if nd.Node.Source != seedSources[0] || !slices.Equal(nd.Node.Illustrative, []string{"nameEn", "lat", "lng"}) {
			t.Errorf("node(文亭巷社区): source %q, illustrative %v", nd.Node.Source, nd.Node.Illustrative)
		}

		// Downloads: source and illustrative are the last two columns, and
		// every row of the demo data fills source.
		for _, file := range []string{"facilities", "activities", "regions", "compounds", "organizations", "grids"} {
			_, body := get(t, s, "/open/"+file+".csv", url.Values{}, nil)
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%s.csv: %v", file, err)
			}
			head := rows[0]
			if n := len(head); n < 2 || head[n-2] != "source" || head[n-1] != "illustrative" {
				t.Fatalf("%s.csv: the last columns are %v, want source, illustrative", file, head[max(0, len(head)-2):])
			}
			if want := len(dataset[file]); len(rows)-1 != want {
				t.Errorf("%s.csv: %d rows, the demo data holds %d", file, len(rows)-1, want)
			}
			col := map[string]int{}
			for i, c := range head {
				col[c] = i
			}
			for _, r := range rows[1:] {
				src, ill := r[len(head)-2], strings.Split(r[len(head)-1], ";")
				if !knownSource(src) || ill[0] == "" && src == "illustrative" {
					t.Errorf("%s.csv %s: source %q, illustrative %q", file, r[0], src, r[len(head)-1])
				}
				if i, ok := col["phone"]; ok && r[i] != "" && !fictionalPhone.MatchString(r[i]) {
					t.Errorf("%s.csv %s: phone %q outside the fictional range", file, r[0], r[i])
				}
				if i, ok := col["approximate"]; ok && r[i] == "true" && !slices.Contains(ill, "*") && (!slices.Contains(ill, "lat") || !slices.Contains(ill, "lng")) {
					t.Errorf("%s.csv %s: approximate but illustrative %q", file, r[0], r[len(head)-1])
				}
			}
		}
		// The DCAT catalogue states the provenance of each dataset whose
		// rows carry it.
		var cat struct {
			Dataset []struct {
				ID         string `json:"@id"`
				Provenance *struct {
					Type string `json:"@type"`
				} `json:"dct:provenance"`
			} `json:"dcat:dataset"`
		}
		_, body := get(t, s, "/open/catalog.jsonld", nil, nil)
		if err := json.Unmarshal([]byte(body), &cat); err != nil {
			t.Fatal(err)
		}
		withProvenance := 0
		for _, d := range cat.Dataset {
			if d.Provenance != nil && d.Provenance.Type == "dct:ProvenanceStatement" {
				withProvenance++
			}
		}
		// The 6 older record downloads and the 6 lists of #13 (matters,
		// resources, projects, project-units, project-updates, themes).
		if withProvenance != 12 {
			t.Errorf("%d datasets of the catalogue state their provenance, want the 12 of records", withProvenance)
		}
		var geo struct {
			Features []struct{ Properties map[string]any }
		}
		_, body = get(t, s, "/open/facilities.geojson", url.Values{}, nil)
		if err := json.Unmarshal([]byte(body), &geo); err != nil || len(geo.Features) == 0 {
			t.Fatalf("facilities.geojson: %v", err)
		}
		for _, f := range geo.Features {
			if src, _ := f.Properties["source"].(string); !knownSource(src) {
				t.Errorf("facilities.geojson %v: source %q", f.Properties["id"], src)
			}
			if ill, _ := f.Properties["illustrative"].(string); ill == "" {
				t.Errorf("facilities.geojson %v: no illustrative fields (every demo facility has invented coordinates)", f.Properties["id"])
			}
		}
	})
}

// TestWorkingSystemsDemoProvenance does for the demo records of #13's
// working systems (internal/demo/onewindow.json, cobuild.json,
// recurring.json, grids.json) what TestDemoDataProvenance does for
// demo.json: read back through GraphQL as an admin, each names one of the
// five articles (by the same title as every other record) or
// "illustrative", lists only real GraphQL fields as illustrative, a wholly
// invented one has source "illustrative", and every phone is in the
// fictional range and marked.
func TestWorkingSystemsDemoProvenance(t *testing.T) {
	type check struct {
		typ, query, path string
		want             int
	}
	checks := []check{
		{"ServiceMatter", `serviceMatters(first: 100) { edges { node { id source illustrative } } }`, "serviceMatters", 6},
		{"ServiceSlot", `serviceSlots(first: 100) { edges { node { id source illustrative } } }`, "serviceSlots", 3},
		{"Resource", `resources(first: 100) { edges { node { id source illustrative } } }`, "resources", 5},
		{"ResourceContact", `resources(first: 100) { edges { node { contact { id source illustrative phone } } } }`, "resources.contact", 1},
		{"CoBuildingProject", `coBuildingProjects(first: 100) { edges { node { id source illustrative } } }`, "coBuildingProjects", 7},
		{"ProjectSigning", `coBuildingProjects(first: 100) { edges { node { signings { id source illustrative } } } }`, "coBuildingProjects.signings", 7},
		{"ProjectUpdate", `coBuildingProjects(first: 100) { edges { node { updates { id source illustrative } } } }`, "coBuildingProjects.updates", 4},
		{"Theme", `themes(first: 100) { edges { node { id source illustrative } } }`, "themes", 1},
		{"ReportedIndicator", `reportedIndicators(first: 100) { edges { node { id source illustrative } } }`, "reportedIndicators", 8},
		{"GridWorker", `gridWorkers(first: 100) { edges { node { id source illustrative } } }`, "gridWorkers", 9},
		{"Visit", `visits(first: 100) { edges { node { id source illustrative } } }`, "visits", 3},
	}
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		admin := s.Token(t, "admin", 0)
		for _, c := range checks {
			fields := fieldsOf(t, s, admin, c.typ)
			var d map[string]struct {
				Edges []struct{ Node map[string]json.RawMessage }
			}
			s.Query(t, admin, `{ `+c.query+` }`, nil).Decode(t, &d)
			root, sub, _ := strings.Cut(c.path, ".")
			var recs []provenanceNode
			for _, e := range d[root].Edges {
				if sub == "" {
					var r provenanceNode
					raw, _ := json.Marshal(e.Node)
					if err := json.Unmarshal(raw, &r); err != nil {
						t.Fatal(err)
					}
					recs = append(recs, r)
					continue
				}
				v := e.Node[sub]
				if string(v) == "null" || len(v) == 0 {
					continue
				}
				if v[0] == '[' {
					var rs []provenanceNode
					if err := json.Unmarshal(v, &rs); err != nil {
						t.Fatal(err)
					}
					recs = append(recs, rs...)
				} else {
					var r provenanceNode
					if err := json.Unmarshal(v, &r); err != nil {
						t.Fatal(err)
					}
					recs = append(recs, r)
				}
			}
			if len(recs) != c.want {
				t.Errorf("%s: %d demo records through the API, want %d", c.typ, len(recs), c.want)
			}
			for _, r := range recs {
				r.check(t, c.typ, fields)
			}
		}
	})
}
