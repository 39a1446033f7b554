package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/testenv"
)

// The public lists of #13 are downloads like the facilities: one row per
// record the public may read, names beside IDs, the provenance columns
// last, every demo row with its source. A journalist who downloads them
// all finds no one's name or phone: not the people's, not the resources'
// contact persons, nor what appointments or need matches note.
func TestWorkingSystemListsAreDownloadable(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := portal(t, b)
		c := s.Store.Client
		sys := rule.SystemContext(context.Background())
		_, beidaID := s.Community(t, "北大社区")
		staff := s.Token(t, auth.RoleStaff, beidaID)

		// A contact person of our own, beside the demo's.
		var res struct {
			Resources struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `query($c: ID!) { resources(where: {communityID: $c}, first: 1) { edges { node { id } } } }`,
			map[string]any{"c": mustGID(t, s, "北大社区")}).Decode(t, &res)
		if len(res.Resources.Edges) == 0 {
			t.Fatal("北大社区 has no demo resources")
		}
		if r := s.Query(t, staff, `mutation($r: ID!) { setResourceContact(resourceID: $r, input: {name: "联系人甲乙丙", phone: "+86 100 0000 9876", note: "只在工作日联系"}) { id } }`,
			map[string]any{"r": res.Resources.Edges[0].Node.ID}); len(r.Errors) > 0 {
			t.Fatalf("setResourceContact: %s", r.Raw)
		}

		var secrets []string
		for _, p := range c.Person.Query().AllX(sys) {
			secrets = append(secrets, p.Name)
			if p.Phone != "" {
				secrets = append(secrets, p.Phone)
			}
		}
		contacts := c.ResourceContact.Query().AllX(sys)
		if len(contacts) < 2 {
			t.Fatalf("%d resource contacts; want the demo's and ours", len(contacts))
		}
		for _, x := range contacts {
			secrets = append(secrets, x.Name)
			for _, v := range []string{x.Phone, x.Note} {
				if v != "" {
					secrets = append(secrets, v)
				}
			}
		}
		for _, a := range c.Appointment.Query().AllX(sys) {
			if a.Note != "" {
				secrets = append(secrets, a.Note)
			}
		}
		for _, m := range c.NeedMatch.Query().AllX(sys) {
			if m.Note != "" {
				secrets = append(secrets, m.Note)
			}
		}

		counts := map[string]int{
			"matters":         c.ServiceMatter.Query().CountX(sys),
			"resources":       c.Resource.Query().CountX(sys),
			"projects":        c.CoBuildingProject.Query().CountX(sys),
			"project-units":   c.ProjectSigning.Query().CountX(sys),
			"project-updates": c.ProjectUpdate.Query().CountX(sys),
			"themes":          c.Theme.Query().CountX(sys),
		}
		tables := map[string][]map[string]string{}
		for d, n := range counts {
			if n == 0 {
				t.Errorf("the demo data has no %s", d)
			}
			res, body := get(t, s, "/open/"+d+".csv", nil, nil)
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || res.Header.Get("ETag") == "" {
				t.Fatalf("/open/%s.csv: %d %v", d, res.StatusCode, res.Header)
			}
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("%s.csv: %v", d, err)
			}
			head := rows[0]
			for _, h := range head {
				for _, private := range []string{"contact", "phone", "person", "officer", "note"} {
					if strings.Contains(h, private) {
						t.Errorf("%s.csv has a column %s", d, h)
					}
				}
			}
			if len(rows)-1 != n || head[0] != "id" || !slices.Equal(head[len(head)-2:], []string{"source", "illustrative"}) {
				t.Errorf("%s.csv: %d rows (want %d), header %v", d, len(rows)-1, n, head)
			}
			for _, r := range rows[1:] {
				m := map[string]string{}
				for i, h := range head {
					m[h] = r[i]
				}
				if m["source"] == "" {
					t.Errorf("%s.csv: a demo row without its source: %v", d, m)
				}
				tables[d] = append(tables[d], m)
			}
			_, nd := get(t, s, "/open/"+d+".ndjson", nil, nil)
			lines := strings.Split(strings.TrimSpace(nd), "\n")
			if len(lines) != n {
				t.Errorf("%s.ndjson: %d lines, want %d", d, len(lines), n)
			}
			var first map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first["id"] != tables[d][0]["id"] {
				t.Errorf("%s.ndjson: %v %.200s", err, d, lines[0])
			}
			for _, text := range []string{body, nd} {
				for _, secret := range secrets {
					if strings.Contains(text, secret) {
						t.Errorf("/open/%s shows personal data %q", d, secret)
					}
				}
			}
		}
		// Names beside IDs, and the tables join: 北大's seven projects,
		// their units and updates.
		projects := map[string]string{}
		beida := 0
		for _, p := range tables["projects"] {
			projects[p["id"]] = p["title"]
			if p["community_name"] == "北大社区" {
				beida++
			}
		}
		if beida != 7 {
			t.Errorf("projects.csv: %d projects of 北大社区, want the seven of seed 001", beida)
		}
		for _, d := range []string{"project-units", "project-updates"} {
			for _, r := range tables[d] {
				if projects[r["project_id"]] == "" || r["project_title"] != projects[r["project_id"]] {
					t.Errorf("%s row of no listed project: %v", d, r)
				}
				if d == "project-units" && (r["organization_id"] == "" || r["organization_name"] == "") {
					t.Errorf("project-units row without its unit: %v", r)
				}
			}
		}
		for _, r := range tables["resources"] {
			if r["provider_name"] == "" || r["community_name"] == "" || (r["facility_id"] != "") != (r["facility_name"] != "") {
				t.Errorf("resources row: %v", r)
			}
		}
		for _, m := range tables["matters"] {
			if m["category"] == "" || m["name"] == "" || m["community_name"] == "" {
				t.Errorf("matters row: %v", m)
			}
		}
		for _, th := range tables["themes"] {
			if th["month"] == "" || th["region_name"] == "" || th["region_level"] == "" {
				t.Errorf("themes row: %v", th)
			}
		}

		// The catalogue lists them, each with its provenance statement,
		// CSV conforming to its CSVW metadata.
		_, cat := get(t, s, "/open/catalog.jsonld", nil, nil)
		var doc struct {
			Datasets []map[string]any `json:"dcat:dataset"`
		}
		if err := json.Unmarshal([]byte(cat), &doc); err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, ds := range doc.Datasets {
			id, _ := ds["@id"].(string)
			d := id[strings.LastIndex(id, "#")+1:]
			if _, ok := counts[d]; !ok {
				continue
			}
			listed[d] = true
			if ds["dct:provenance"] == nil || ds["dcat:distribution"] == nil {
				t.Errorf("catalogue entry of %s: %v", d, ds)
			}
		}
		for d := range counts {
			if !listed[d] {
				t.Errorf("the catalogue does not list %s", d)
			}
			if res, meta := get(t, s, "/open/"+d+".csv-metadata.json", nil, nil); res.StatusCode != 200 || !strings.Contains(meta, `"provider_name"`) && d == "resources" {
				t.Errorf("%s.csv-metadata.json: %d", d, res.StatusCode)
			}
			if res, _ := get(t, s, "/open/datasets/"+d, nil, nil); res.StatusCode != 200 {
				t.Errorf("/open/datasets/%s: %d", d, res.StatusCode)
			}
		}

		// A write is a new version: a copy validated by ETag is not kept.
		before, _ := get(t, s, "/open/matters.csv", nil, nil)
		if r := s.Query(t, staff, `mutation($c: ID!) { createServiceMatter(input: {category: CERTIFICATES, name: "居住证明开具（测试）", communityID: $c}) { id } }`,
			map[string]any{"c": mustGID(t, s, "北大社区")}); len(r.Errors) > 0 {
			t.Fatalf("createServiceMatter: %s", r.Raw)
		}
		after, body := get(t, s, "/open/matters.csv", nil, map[string]string{"If-None-Match": before.Header.Get("ETag")})
		if after.StatusCode != 200 || !strings.Contains(body, "居住证明开具（测试）") {
			t.Errorf("matters.csv after a new matter, revalidated: %d; want 200 with the new matter", after.StatusCode)
		}
	})
}

func mustGID(t *testing.T, s *testenv.Server, community string) string {
	t.Helper()
	g, _ := s.Community(t, community)
	return g
}

// A journalist who reads the change feed from the start follows the #13
// lists as the older types: creations, updates, a unit removed from a
// project (a tombstone), replayed, give the records the API lists now.
func TestChangeFeedFollowsWorkingSystems(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		beida, beidaID := s.Community(t, "北大社区")
		staff := s.Token(t, auth.RoleStaff, beidaID)
		state := map[string]string{}
		cursor := replay(t, s, state, nil)
		entities := map[string]int{}
		for _, e := range state {
			entities[e]++
		}
		for _, e := range []string{"ServiceMatter", "Resource", "CoBuildingProject", "ProjectSigning", "ProjectUpdate", "Theme"} {
			if entities[e] == 0 {
				t.Errorf("the feed of the demo data has no %s", e)
			}
		}
		if want := current(t, s); strings.Join(keys(state), ",") != strings.Join(keys(want), ",") {
			t.Fatalf("replaying the demo data: %d records, want %d", len(state), len(want))
		}

		do := func(q string, vars map[string]any, out any) {
			t.Helper()
			r := s.Query(t, staff, q, vars)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %s", q, r.Raw)
			}
			if out != nil {
				r.Decode(t, out)
			}
		}
		var orgs struct {
			Organizations struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `query($c: ID!) { organizations(where: {regionID: $c}, first: 2) { edges { node { id } } } }`,
			map[string]any{"c": beida}).Decode(t, &orgs)
		if len(orgs.Organizations.Edges) == 0 {
			t.Fatal("北大社区 has no organisations")
		}
		unit := orgs.Organizations.Edges[0].Node.ID
		var m struct{ CreateServiceMatter struct{ ID string } }
		do(`mutation($c: ID!) { createServiceMatter(input: {category: OTHER, name: "测试事项", communityID: $c}) { id } }`, map[string]any{"c": beida}, &m)
		do(`mutation($id: ID!) { updateServiceMatter(id: $id, input: {processingDays: 3}) { id } }`, map[string]any{"id": m.CreateServiceMatter.ID}, nil)
		var p struct{ CreateCoBuildingProject struct{ ID string } }
		do(`mutation($c: ID!) { createCoBuildingProject(input: {title: "测试共建项目", communityID: $c}) { id } }`, map[string]any{"c": beida}, &p)
		pid := p.CreateCoBuildingProject.ID
		do(`mutation($p: ID!, $o: ID!) { addProjectUnit(projectID: $p, organizationID: $o) { id } }`, map[string]any{"p": pid, "o": unit}, nil)
		do(`mutation($p: ID!) { addProjectUpdate(projectID: $p, input: {date: "2026-11-01T00:00:00+08:00", text: "启动", percent: 10}) { id } }`, map[string]any{"p": pid}, nil)
		do(`mutation($c: ID!, $o: ID!, $p: ID!) { createResource(input: {kind: VENUE, title: "测试场地", communityID: $c, providerID: $o, projectID: $p}) { id } }`,
			map[string]any{"c": beida, "o": unit, "p": pid}, nil)
		do(`mutation($c: ID!) { createTheme(input: {month: "2031-01", title: "测试主题", regionID: $c}) { id } }`, map[string]any{"c": beida}, nil)

		// The unit's signing, seen in the feed, then removed.
		entries, _ := readFeed(t, s, cursor)
		var signing string
		for _, e := range entries {
			if e.Entity == "ProjectSigning" && e.Op == "create" {
				signing = e.ID
			}
		}
		if signing == "" {
			t.Fatalf("no ProjectSigning created in the feed: %s", mustJSON(entries))
		}
		do(`mutation($p: ID!, $o: ID!) { removeProjectUnit(projectID: $p, organizationID: $o) { id } }`, map[string]any{"p": pid, "o": unit}, nil)

		cursor = replay(t, s, state, cursor)
		if want := current(t, s); strings.Join(keys(state), ",") != strings.Join(keys(want), ",") {
			t.Errorf("after the edits: replayed %d records, the API lists %d", len(state), len(want))
		}
		if _, ok := state[signing]; ok {
			t.Error("the removed unit's signing is still in the replayed state: no tombstone")
		}
		tomb := false
		for _, e := range ndjsonFeed(t, s) {
			if e.ID == signing && e.Op == "delete" && e.Entity == "ProjectSigning" && e.Record == nil {
				tomb = true
			}
			if e.Entity == "Resource" && e.Record != nil {
				for k := range e.Record {
					if strings.Contains(k, "contact") {
						t.Errorf("a Resource in the NDJSON feed has %q", k)
					}
				}
			}
		}
		if !tomb {
			t.Error("/open/changes has no tombstone for the removed signing")
		}
		_ = cursor
	})
}
