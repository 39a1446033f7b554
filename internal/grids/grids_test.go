package grids_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"lifecircle/ent/compound"
	"lifecircle/ent/grid"
	"lifecircle/ent/servicerequest"
	"lifecircle/ent/visit"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

var sys = rule.SystemContext(context.Background())

// person adds a person of community with roles and returns their global
// ID and a token acting as them.
func person(t *testing.T, s *testenv.Server, community int, name string, roles ...string) (string, string) {
	t.Helper()
	p, err := s.Store.Client.Person.Create().SetName(name).SetPhone("+86 100 0000 0999").SetCommunityID(community).
		SetRoles(roles).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	return gid.Encode(p.ID), s.Token(t, "resident", p.ID)
}

func gridID(t *testing.T, s *testenv.Server, community int, name string) string {
	t.Helper()
	id, err := s.Store.Client.Grid.Query().Where(grid.CommunityID(community), grid.Name(name)).OnlyID(sys)
	if err != nil {
		t.Fatal(err)
	}
	return gid.Encode(id)
}

type gridView struct {
	FullTimeWorkers, PartTimeWorkers int
	Compounds                        []struct{ Name string }
	Workers                          struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID     string
				Kind   string
				Person *struct {
					Name  string
					Phone *string
				}
			}
		}
	}
}

func readGrid(t *testing.T, s *testenv.Server, tok, id string) gridView {
	t.Helper()
	var d struct{ Node gridView }
	s.Query(t, tok, `query($id: ID!) { node(id: $id) { ... on Grid { fullTimeWorkers partTimeWorkers compounds { name }
		workers(first: 50) { totalCount edges { node { id kind person { name phone } } } } } } }`, map[string]any{"id": id}).Decode(t, &d)
	return d.Node
}

// Staff assign grid workers; the grid's counts follow; the public sees the
// counts and compounds, never who the workers are.
func TestGridWorkers(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{})
		_, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		g := gridID(t, s, wtx, "第一网格")
		staff := s.Token(t, "staff", wtx)
		other := s.Token(t, "staff", bd)
		admin := s.Token(t, "admin", 0)
		worker, workerTok := person(t, s, wtx, "测试网格员", "grid_worker")
		resident, residentTok := person(t, s, wtx, "测试居民", "resident")

		before := readGrid(t, s, "", g)
		if before.FullTimeWorkers != 1 || before.PartTimeWorkers != 0 || len(before.Compounds) != 1 || before.Compounds[0].Name != "玉树小区" {
			t.Fatalf("demo grid 第一网格 of 文亭巷: %+v", before)
		}
		if before.Workers.TotalCount != 0 {
			t.Fatalf("the public sees %d grid workers by name", before.Workers.TotalCount)
		}

		const assign = `mutation($g: ID!, $p: ID!, $k: GridWorkerKind!) { assignGridWorker(gridID: $g, personID: $p, kind: $k) { id kind person { name } } }`
		var a struct{ AssignGridWorker struct{ ID, Kind string } }
		s.Query(t, staff, assign, map[string]any{"g": g, "p": worker, "k": "PART_TIME"}).Decode(t, &a)
		if got := readGrid(t, s, "", g); got.FullTimeWorkers != 1 || got.PartTimeWorkers != 1 || got.Workers.TotalCount != 0 {
			t.Errorf("after assigning a part-time worker, the public sees %+v", got)
		}
		for who, tc := range map[string]struct {
			tok  string
			want int
		}{"staff": {staff, 2}, "admin": {admin, 2}, "the worker": {workerTok, 1}, "a resident": {residentTok, 0}, "staff of another community": {other, 0}} {
			got := readGrid(t, s, tc.tok, g)
			if got.Workers.TotalCount != tc.want || len(got.Workers.Edges) != tc.want {
				t.Errorf("%s sees %d assignments, want %d", who, got.Workers.TotalCount, tc.want)
			}
			if who == "the worker" && (got.Workers.Edges[0].Node.Person == nil || got.Workers.Edges[0].Node.Person.Name != "测试网格员") {
				t.Errorf("the worker sees %+v", got.Workers.Edges)
			}
		}
		// Nobody else finds the assignment by its ID.
		for who, tok := range map[string]string{"the public": "", "a resident": residentTok, "staff of another community": other} {
			r := s.Query(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": a.AssignGridWorker.ID})
			if strings.Contains(string(r.Data), a.AssignGridWorker.ID) {
				t.Errorf("%s finds the assignment: %s", who, r.Raw)
			}
		}

		for name, tc := range map[string]struct {
			tok, person, kind, code string
		}{
			"again, same kind":          {staff, worker, "PART_TIME", "CONFLICT"},
			"without the role":          {staff, resident, "FULL_TIME", "BAD_USER_INPUT"},
			"by staff of another place": {other, worker, "FULL_TIME", "FORBIDDEN"},
			"by the worker":             {workerTok, worker, "FULL_TIME", "FORBIDDEN"},
			"by the public":             {"", worker, "FULL_TIME", "UNAUTHENTICATED"},
		} {
			r := s.Query(t, tc.tok, assign, map[string]any{"g": g, "p": tc.person, "k": tc.kind})
			if r.Code() != tc.code {
				t.Errorf("%s: want %s, got %s", name, tc.code, r.Raw)
			}
		}
		if got := readGrid(t, s, "", g); got.FullTimeWorkers != 1 || got.PartTimeWorkers != 1 {
			t.Errorf("refused assignments changed the counts: %+v", got)
		}
		// Another kind changes the kind, and the counts move.
		s.Query(t, staff, assign, map[string]any{"g": g, "p": worker, "k": "FULL_TIME"}).Decode(t, &a)
		if got := readGrid(t, s, "", g); got.FullTimeWorkers != 2 || got.PartTimeWorkers != 0 || a.AssignGridWorker.Kind != "FULL_TIME" {
			t.Errorf("after changing the kind: %+v (%+v)", got, a)
		}
		if r := s.Query(t, other, `mutation($id: ID!) { unassignGridWorker(id: $id) }`, map[string]any{"id": a.AssignGridWorker.ID}); r.Code() != "NOT_FOUND" && r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community unassign: %s", r.Raw)
		}
		s.Query(t, staff, `mutation($id: ID!) { unassignGridWorker(id: $id) }`, map[string]any{"id": a.AssignGridWorker.ID}).Decode(t, &struct{}{})
		if got := readGrid(t, s, "", g); got.FullTimeWorkers != 1 || got.PartTimeWorkers != 0 {
			t.Errorf("after unassigning: %+v", got)
		}
	})
}

type visitView struct {
	ID, Reason, Building, Room, Findings string
	Visitor                              *struct{ Name string }
	FollowUpRequest                      *struct{ ID, Status, Title string }
}

const visitFields = `id reason building room findings visitor { name } followUpRequest { id status title }`

func countVisits(t *testing.T, s *testenv.Server, tok string) int {
	t.Helper()
	var d struct{ Visits struct{ TotalCount int } }
	s.Query(t, tok, `{ visits(first: 50) { totalCount } }`, nil).Decode(t, &d)
	return d.Visits.TotalCount
}

// A grid worker logs a door-knocking visit; nobody but them, staff of the
// community and admins ever sees the household.
func TestVisitLogIsPrivate(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{})
		_, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		staff := s.Token(t, "staff", wtx)
		other := s.Token(t, "staff", bd)
		admin := s.Token(t, "admin", 0)
		_, workerTok := person(t, s, wtx, "敲门网格员", "grid_worker")
		_, colleagueTok := person(t, s, wtx, "同社区网格员", "grid_worker")
		_, residentTok := person(t, s, wtx, "普通居民", "resident")
		yushu, err := s.Store.Client.Compound.Query().Where(compound.Name("玉树小区")).OnlyID(sys)
		if err != nil {
			t.Fatal(err)
		}
		gaohao, err := s.Store.Client.Compound.Query().Where(compound.Name("高豪小区")).OnlyID(sys)
		if err != nil {
			t.Fatal(err)
		}
		staffBefore := countVisits(t, s, staff)

		const logVisit = `mutation($in: LogVisitInput!) { logVisit(input: $in) { ` + visitFields + ` } }`
		in := map[string]any{"reason": "DOOR_KNOCKING", "compoundID": gid.Encode(yushu), "building": "5号楼", "room": "301",
			"findings": "独居老人，腿脚不便", "visitedAt": "2024-06-05T10:00:00+08:00",
			"followUp": map[string]any{"kind": "SERVICE_NEED", "title": "上门理发"}}
		var d struct{ LogVisit visitView }
		s.Query(t, workerTok, logVisit, map[string]any{"in": in}).Decode(t, &d)
		v := d.LogVisit
		if v.Visitor == nil || v.Visitor.Name != "敲门网格员" || v.FollowUpRequest == nil || v.FollowUpRequest.Status != "SUBMITTED" || v.FollowUpRequest.Title != "上门理发" {
			t.Fatalf("logged visit: %+v", v)
		}
		reqID, _ := gid.Decode(v.FollowUpRequest.ID)
		r, err := s.Store.Client.ServiceRequest.Get(sys, reqID)
		if err != nil || r.CommunityID != wtx || r.Address != "玉树小区 5号楼 301" || r.Kind != servicerequest.KindServiceNeed {
			t.Errorf("follow-up request: %+v %v", r, err)
		}

		// Who finds the visit by its ID, and in the log.
		for who, tc := range map[string]struct {
			tok   string
			sees  bool
			count int
		}{
			"the visitor":                {workerTok, true, 1},
			"staff of the community":     {staff, true, staffBefore + 1},
			"an admin":                   {admin, true, -1},
			"another grid worker":        {colleagueTok, false, 0},
			"a resident":                 {residentTok, false, 0},
			"staff of another community": {other, false, -1},
			"the public":                 {"", false, -1},
		} {
			res := s.Query(t, tc.tok, `query($id: ID!) { node(id: $id) { ... on Visit { building room findings } } }`, map[string]any{"id": v.ID})
			found := strings.Contains(string(res.Raw), "5号楼")
			if found != tc.sees {
				t.Errorf("%s: sees the household %v, want %v: %s", who, found, tc.sees, res.Raw)
			}
			if tc.tok == "" {
				if r := s.Query(t, "", `{ visits(first: 5) { totalCount } }`, nil); r.Code() != "UNAUTHENTICATED" {
					t.Errorf("the public lists visits: %s", r.Raw)
				}
				continue
			}
			if tc.count >= 0 {
				if n := countVisits(t, s, tc.tok); n != tc.count {
					t.Errorf("%s: %d visits in the log, want %d", who, n, tc.count)
				}
			}
		}
		var o struct {
			Visits struct {
				Edges []struct{ Node struct{ Building string } }
			}
		}
		s.Query(t, other, `{ visits(first: 50) { edges { node { building } } } }`, nil).Decode(t, &o)
		for _, e := range o.Visits.Edges {
			if e.Node.Building == "5号楼" {
				t.Error("staff of another community see the visit")
			}
		}

		// Refused visits write nothing: not the visit, not its follow-up.
		requests, _ := s.Store.Client.ServiceRequest.Query().Count(sys)
		visits, _ := s.Store.Client.Visit.Query().Count(sys)
		for name, tc := range map[string]struct {
			tok  string
			in   map[string]any
			code string
		}{
			"a compound of another community": {workerTok, map[string]any{"reason": "CONDOLENCE", "compoundID": gid.Encode(gaohao)}, "BAD_USER_INPUT"},
			"in the future":                   {workerTok, map[string]any{"reason": "CONDOLENCE", "room": "1", "visitedAt": time.Now().Add(48 * time.Hour).Format(time.RFC3339)}, "BAD_USER_INPUT"},
			"to no one":                       {workerTok, map[string]any{"reason": "CONDOLENCE"}, "BAD_USER_INPUT"},
			"by a resident":                   {residentTok, map[string]any{"reason": "CONDOLENCE", "room": "1"}, "FORBIDDEN"},
			"by staff, naming no visitor":     {staff, map[string]any{"reason": "CONDOLENCE", "room": "1"}, "BAD_USER_INPUT"},
			"by the public":                   {"", map[string]any{"reason": "CONDOLENCE", "room": "1"}, "UNAUTHENTICATED"},
			"findings too long, after the follow-up": {workerTok, map[string]any{"reason": "CONDOLENCE", "room": "1",
				"findings": strings.Repeat("长", 4001), "followUp": map[string]any{"kind": "REPAIR", "title": "修水管"}}, "BAD_USER_INPUT"},
		} {
			r := s.Query(t, tc.tok, logVisit, map[string]any{"in": tc.in})
			if r.Code() != tc.code {
				t.Errorf("%s: want %s, got %s", name, tc.code, r.Raw)
			}
		}
		if n, _ := s.Store.Client.ServiceRequest.Query().Count(sys); n != requests {
			t.Errorf("refused visits left %d requests behind", n-requests)
		}
		if n, _ := s.Store.Client.Visit.Query().Count(sys); n != visits {
			t.Errorf("refused visits left %d visits behind", n-visits)
		}

		// Only counts are public: the month's statistics, under disclosure
		// control (one visit is below the threshold: suppressed).
		if _, err := stats.Publish(context.Background(), s.Store.Client, stats.Period{Year: 2024, Month: 6}, stats.Options{Method: stats.MethodRule105}); err != nil {
			t.Fatal(err)
		}
		var st struct {
			Statistics struct {
				Values []struct {
					Metric, Dimension string
					Value             *float64
					Suppressed        bool
				}
			}
		}
		s.Query(t, "", `query($r: ID!) { statistics(region: $r, period: "2024-06", metrics: ["visits"]) { values { metric dimension value suppressed } } }`,
			map[string]any{"r": gid.Encode(wtx)}).Decode(t, &st)
		if len(st.Statistics.Values) == 0 {
			t.Fatal("no visits in the statistics")
		}
		for _, x := range st.Statistics.Values {
			if x.Metric != stats.Visits {
				t.Errorf("asked for visits, got %s", x.Metric)
			}
			if x.Dimension == string(visit.ReasonDoorKnocking) && (!x.Suppressed || x.Value != nil) {
				t.Errorf("one door-knocking visit in a community is published: %+v", x)
			}
		}
	})
}

// The statement count of a page of grids with their compounds, community
// and worker counts does not grow with the page.
func TestGridsPageStatements(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		s := testenv.StartServer(t, b.Open(t, testenv.Options{Counter: &counter}), server.Options{})
		counter.Reset()
		var d struct {
			Grids struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						FullTimeWorkers int
						Compounds       []struct{ Name string }
					}
				}
			}
		}
		s.Query(t, "", `{ grids(first: 50) { totalCount edges { node { name fullTimeWorkers partTimeWorkers
			community { name } compounds { name households } } } } }`, nil).Decode(t, &d)
		if n := len(counter.Statements()); n > 4 {
			t.Errorf("%d statements for %d grids, want at most 4:\n%s", n, len(d.Grids.Edges), strings.Join(counter.Statements(), "\n"))
		}
		if len(d.Grids.Edges) < 20 {
			t.Fatalf("%d demo grids", len(d.Grids.Edges))
		}
		linked := 0
		for _, e := range d.Grids.Edges {
			if len(e.Node.Compounds) > 0 {
				linked++
			}
		}
		if linked < 20 {
			t.Errorf("%d grids with compounds, want every demo grid", linked)
		}
	})
}

// readBody GETs path from s.
func readBody(t *testing.T, s *testenv.Server, path string) (int, string) {
	t.Helper()
	res, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var _ = json.Unmarshal
