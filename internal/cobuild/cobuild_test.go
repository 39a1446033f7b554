package cobuild_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lifecircle/ent/person"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/cobuild"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// open posts a query to the anonymous endpoint /open/graphql.
func open(t *testing.T, s *testenv.Server, query string, vars map[string]any) *testenv.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/open/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return s.Do(t, req)
}

type project struct {
	ID, Title, Status, Source string
	Illustrative              []string
	Signings                  []struct {
		ID           string
		SignedOn     *string
		Illustrative []string
		Organization struct{ Name, Kind string }
	}
	Updates []struct{ ID, Date, Text string }
}

const projectsQuery = `query($c: ID!) { coBuildingProjects(first: 20, where: {communityID: $c}, orderBy: {field: TITLE}) {
	totalCount edges { node { id title status source illustrative
		signings { id signedOn illustrative organization { name kind } }
		updates { id date text percent } } } } }`

// 北大社区's project list is public, from seed 001: seven projects signed
// with the units in the area, the five areas the article names, and the
// progress it reports, each marked with its source and what is invented.
// The nested query is eager-loaded in a fixed number of statements.
func TestProjectListOfBeida(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		st := b.Open(t, testenv.Options{Counter: &counter})
		s := testenv.StartServer(t, st, server.Options{})
		beida, _ := s.Community(t, "北大社区")
		counter.Reset()
		var d struct {
			CoBuildingProjects struct {
				TotalCount int
				Edges      []struct{ Node project }
			}
		}
		open(t, s, projectsQuery, map[string]any{"c": beida}).Decode(t, &d)
		if n := len(counter.Statements()); n > 6 {
			t.Errorf("7 projects with units and updates: %d SQL statements, want at most 6:\n%s", n, strings.Join(counter.Statements(), "\n"))
		}
		if d.CoBuildingProjects.TotalCount != 7 {
			t.Fatalf("北大社区 has %d co-building projects, want the 7 of seed 001", d.CoBuildingProjects.TotalCount)
		}
		titles := map[string]project{}
		for _, e := range d.CoBuildingProjects.Edges {
			p := e.Node
			titles[p.Title] = p
			if !strings.HasPrefix(p.Source, "seed 001: ") || !slices.Contains(p.Illustrative, "status") {
				t.Errorf("project %s: source %q, illustrative %v; want seed 001, status marked illustrative", p.Title, p.Source, p.Illustrative)
			}
			if len(p.Signings) != 1 || p.Signings[0].Organization.Kind != "CO_BUILDING_UNIT" || p.Signings[0].SignedOn != nil {
				t.Errorf("project %s signings: %+v; want the co-building units, no invented date", p.Title, p.Signings)
			}
		}
		for _, want := range []string{"服务设施开放", "周边卫生保洁", "交通疏导", "政策知识宣讲", "慰问帮扶"} {
			if _, ok := titles[want]; !ok {
				t.Errorf("no project %s (named in seed 001)", want)
			}
		}
		if u := titles["周边卫生保洁"].Updates; len(u) != 1 || !strings.Contains(u[0].Text, "家园环境清洁活动3次") || !strings.Contains(u[0].Date, "2020-08-1") {
			t.Errorf("cleaning project updates: %+v; want the 3 clean-ups the article reports on 2020-08-12", u)
		}
		if u := titles["政策知识宣讲"].Updates; len(u) != 1 || !strings.Contains(u[0].Text, "8场") {
			t.Errorf("policy talks updates: %+v", u)
		}

		// The README's example and the figures it states.
		readme, err := os.ReadFile("../../README.md")
		if err != nil {
			t.Fatal(err)
		}
		sec := string(readme)[strings.Index(string(readme), "## Three lists and co-building projects"):]
		sec = sec[strings.Index(sec, "```graphql\n")+len("```graphql\n"):]
		sec = sec[:strings.Index(sec, "```")]
		var ex struct {
			CoBuildingProjects struct {
				TotalCount int
				Edges      []struct{ Node project }
			}
			Resources struct {
				Edges []struct{ Node resource }
			}
		}
		open(t, s, sec, nil).Decode(t, &ex)
		if ex.CoBuildingProjects.TotalCount != 7 || len(ex.Resources.Edges) != 5 {
			t.Errorf("README example: %d projects, %d resources; the README says 7 and 5", ex.CoBuildingProjects.TotalCount, len(ex.Resources.Edges))
		}
		for _, e := range ex.CoBuildingProjects.Edges {
			if len(e.Node.Signings) != 1 || e.Node.Signings[0].Organization.Name != "北大社区城市基层党建联盟(驻区单位)" {
				t.Errorf("README example project %s signings: %+v", e.Node.Title, e.Node.Signings)
			}
		}
		for _, e := range ex.Resources.Edges {
			if e.Node.Contact != nil {
				t.Errorf("README example shows a contact: %+v", e.Node)
			}
		}
		var sum struct {
			CoBuildingSummary struct {
				ProjectsByStatus, ResourcesByKind []cobuild.Count
				SigningUnits                      int
				NeedsAnswered                     struct {
					Value      *int
					Suppressed bool
				}
			}
		}
		open(t, s, `query($c: ID!) { coBuildingSummary(communityID: $c) { projectsByStatus { value count } resourcesByKind { value count }
			signingUnits needsAnswered { value suppressed } } }`, map[string]any{"c": beida}).Decode(t, &sum)
		cs := sum.CoBuildingSummary
		if !slices.Equal(cs.ProjectsByStatus, []cobuild.Count{{Value: "ONGOING", Count: 7}}) ||
			!slices.Equal(cs.ResourcesByKind, []cobuild.Count{{Value: "SERVICE", Count: 1}, {Value: "SKILL", Count: 1}, {Value: "VENUE", Count: 2}, {Value: "VOLUNTEER_HOURS", Count: 1}}) ||
			cs.SigningUnits != 1 || cs.NeedsAnswered.Value == nil || *cs.NeedsAnswered.Value != 0 || cs.NeedsAnswered.Suppressed {
			t.Errorf("README's summary of 北大社区: %+v", cs)
		}
	})
}

type resource struct {
	ID, Kind, Title, Availability, Hours string
	Illustrative                         []string
	Provider                             struct{ Name string }
	Facility                             *struct{ Name string }
	Contact                              *struct{ ID, Name, Phone string }
}

const resourcesQuery = `query($c: ID!, $k: ResourceKind) { resources(first: 20, where: {communityID: $c, kind: $k}) {
	totalCount edges { node { id kind title availability hours illustrative provider { name } facility { name } contact { id name phone } } } } }`

type resources struct {
	Resources struct {
		TotalCount int
		Edges      []struct{ Node resource }
	}
}

// The whole lifecycle from outside: staff of 北大社区 keep the resource
// list and its private contacts, match a need to a project; the public,
// a volunteer and staff of another community see the resources and
// projects, never a contact or a match; the aggregate counts answered
// needs under the 10-5 rule.
func TestResourceListPrivacyAndMatching(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		s := testenv.StartServer(t, st, server.Options{})
		ctx := context.Background()
		beida, beidaID := s.Community(t, "北大社区")
		_, otherID := s.Community(t, "文亭巷社区")
		staff := s.Token(t, auth.RoleStaff, beidaID)
		otherStaff := s.Token(t, auth.RoleStaff, otherID)
		admin := s.Token(t, auth.RoleAdmin, 0)
		sys := rule.SystemContext(ctx)
		people, err := st.Client.Person.Query().Where(person.CommunityID(beidaID)).All(sys)
		if err != nil {
			t.Fatal(err)
		}
		var volunteer string
		for _, p := range people {
			if slices.Contains(p.Roles, "volunteer") {
				volunteer, _, err = token.Create(ctx, st.Client, "test", auth.RoleVolunteer, p.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		if volunteer == "" {
			t.Fatal("no volunteer in 北大社区's demo data")
		}

		// Public: the demo resources, filtered by kind; no contact.
		var all, venues resources
		open(t, s, resourcesQuery, map[string]any{"c": beida}).Decode(t, &all)
		open(t, s, resourcesQuery, map[string]any{"c": beida, "k": "VENUE"}).Decode(t, &venues)
		if all.Resources.TotalCount != 5 || venues.Resources.TotalCount != 2 {
			t.Fatalf("北大社区 resources: %d (venues %d); want 5 (2)", all.Resources.TotalCount, venues.Resources.TotalCount)
		}
		for _, e := range all.Resources.Edges {
			if e.Node.Contact != nil {
				t.Errorf("the public sees the contact of %s: %+v", e.Node.Title, e.Node.Contact)
			}
		}
		// Staff see the demo contact (wholly illustrative, fictional phone).
		var mine resources
		s.Query(t, staff, resourcesQuery, map[string]any{"c": beida, "k": "SKILL"}).Decode(t, &mine)
		if len(mine.Resources.Edges) != 1 || mine.Resources.Edges[0].Node.Contact == nil ||
			mine.Resources.Edges[0].Node.Contact.Phone != "000-0000-2001" {
			t.Fatalf("staff of 北大社区 read the skills resource: %+v; want its contact with the demo's fictional phone 000-0000-2001", mine.Resources.Edges)
		}
		skill, contactID := mine.Resources.Edges[0].Node.ID, mine.Resources.Edges[0].Node.Contact.ID

		// Staff create a resource with a provider of their community.
		var orgs struct {
			Organizations struct {
				Edges []struct{ Node struct{ ID, Name string } }
			}
		}
		s.Query(t, "", `query($n: String!) { organizations(where: {name: $n}) { edges { node { id name } } } }`,
			map[string]any{"n": "北大社区城市基层党建联盟(驻区单位)"}).Decode(t, &orgs)
		unit := orgs.Organizations.Edges[0].Node.ID
		s.Query(t, "", `query($n: String!) { organizations(where: {name: $n}) { edges { node { id name } } } }`,
			map[string]any{"n": "玉屏街道办事处"}).Decode(t, &orgs)
		foreignOrg := orgs.Organizations.Edges[0].Node.ID
		create := `mutation($in: CreateResourceInput!) { createResource(input: $in) { id kind availability quantity unit } }`
		in := map[string]any{"kind": "EQUIPMENT", "title": "折叠桌椅", "quantity": 20, "unit": "套", "communityID": beida, "providerID": unit}
		var created struct {
			CreateResource struct{ ID, Kind, Availability string }
		}
		s.Query(t, staff, create, map[string]any{"in": in}).Decode(t, &created)
		if created.CreateResource.Availability != "AVAILABLE" {
			t.Errorf("new resource: %+v", created.CreateResource)
		}
		res := created.CreateResource.ID
		// Staff of another community can neither create here nor change it.
		if r := s.Query(t, otherStaff, create, map[string]any{"in": in}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community create a 北大 resource: %s", r.Raw)
		}
		upd := `mutation($id: ID!) { updateResource(id: $id, input: {availability: WITHDRAWN}) { availability } }`
		if r := s.Query(t, otherStaff, upd, map[string]any{"id": res}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community withdraw a 北大 resource: %s", r.Raw)
		}
		// A provider of another region is refused, and nothing is written.
		in2 := map[string]any{"kind": "FUNDS", "title": "共建资金", "communityID": beida, "providerID": foreignOrg}
		if r := s.Query(t, staff, create, map[string]any{"in": in2}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("resource with a provider of another region: %s", r.Raw)
		}
		if r := s.Query(t, "", create, map[string]any{"in": in}); r.Code() != "UNAUTHENTICATED" && r.Code() != "FORBIDDEN" {
			t.Errorf("anonymous create: %s", r.Raw)
		}
		var after resources
		open(t, s, resourcesQuery, map[string]any{"c": beida}).Decode(t, &after)
		if after.Resources.TotalCount != 6 {
			t.Errorf("after one good and three refused creates: %d resources, want 6", after.Resources.TotalCount)
		}

		// Contacts: set by staff, read by staff and admins only.
		setContact := `mutation($id: ID!) { setResourceContact(resourceID: $id, input: {name: "测试联系人", phone: "+86 100 0000 0099"}) { id contact { id name } } }`
		var sc struct {
			SetResourceContact struct {
				ID      string
				Contact *struct{ ID, Name string }
			}
		}
		s.Query(t, staff, setContact, map[string]any{"id": res}).Decode(t, &sc)
		if sc.SetResourceContact.Contact == nil || sc.SetResourceContact.Contact.Name != "测试联系人" {
			t.Fatalf("set contact: %+v", sc)
		}
		newContact := sc.SetResourceContact.Contact.ID
		if r := s.Query(t, otherStaff, setContact, map[string]any{"id": res}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community set a 北大 contact: %s", r.Raw)
		}
		one := `query($id: ID!) { node(id: $id) { id ... on Resource { title contact { name phone } } } }`
		for who, tok := range map[string]string{"volunteer": volunteer, "staff of another community": otherStaff} {
			var n struct {
				Node struct{ Contact *struct{ Name string } }
			}
			s.Query(t, tok, one, map[string]any{"id": res}).Decode(t, &n)
			if n.Node.Contact != nil {
				t.Errorf("%s reads the contact: %+v", who, n.Node.Contact)
			}
		}
		var n struct {
			Node struct{ Contact *struct{ Name string } }
		}
		s.Query(t, admin, one, map[string]any{"id": res}).Decode(t, &n)
		if n.Node.Contact == nil {
			t.Error("an admin cannot read the contact")
		}

		// Projects: staff create one, add a unit and an update.
		var cp struct{ CreateCoBuildingProject struct{ ID, Status string } }
		s.Query(t, staff, `mutation($c: ID!) { createCoBuildingProject(input: {title: "楼道照明改造", communityID: $c, status: ONGOING, goals: "更换楼道灯"}) { id status } }`,
			map[string]any{"c": beida}).Decode(t, &cp)
		prj := cp.CreateCoBuildingProject.ID
		addUnit := `mutation($p: ID!, $o: ID!) { addProjectUnit(projectID: $p, organizationID: $o, signedOn: "2026-11-01T00:00:00+08:00") { signings { organization { name } } } }`
		s.Query(t, staff, addUnit, map[string]any{"p": prj, "o": unit}).Decode(t, &struct{}{})
		if r := s.Query(t, staff, addUnit, map[string]any{"p": prj, "o": unit}); r.Code() != "CONFLICT" {
			t.Errorf("signing twice: %s", r.Raw)
		}
		if r := s.Query(t, staff, addUnit, map[string]any{"p": prj, "o": foreignOrg}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a unit of another region signs: %s", r.Raw)
		}
		addUpd := `mutation($p: ID!, $pc: Int) { addProjectUpdate(projectID: $p, input: {date: "2026-11-20T00:00:00+08:00", text: "已更换一半", percent: $pc}) { id percent project { title } } }`
		s.Query(t, staff, addUpd, map[string]any{"p": prj, "pc": 50}).Decode(t, &struct{}{})
		if r := s.Query(t, staff, addUpd, map[string]any{"p": prj, "pc": 150}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("percent 150: %s", r.Raw)
		}
		if r := s.Query(t, otherStaff, addUpd, map[string]any{"p": prj, "pc": 60}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community add an update: %s", r.Raw)
		}

		// Summary before any match: needs answered 0, not withheld.
		summary := `query($c: ID!) { coBuildingSummary(communityID: $c) { community { name } signingUnits
			resourcesByKind { value count } projectsByStatus { value count } needsAnswered { value suppressed } } }`
		type sum struct {
			CoBuildingSummary struct {
				SigningUnits     int
				ResourcesByKind  []cobuild.Count
				ProjectsByStatus []cobuild.Count
				NeedsAnswered    struct {
					Value      *int
					Suppressed bool
				}
			}
		}
		var s0 sum
		open(t, s, summary, map[string]any{"c": beida}).Decode(t, &s0)
		if !slices.Contains(s0.CoBuildingSummary.ProjectsByStatus, cobuild.Count{Value: "ONGOING", Count: 8}) ||
			!slices.Contains(s0.CoBuildingSummary.ResourcesByKind, cobuild.Count{Value: "VENUE", Count: 2}) ||
			s0.CoBuildingSummary.SigningUnits != 1 || s0.CoBuildingSummary.NeedsAnswered.Value == nil || *s0.CoBuildingSummary.NeedsAnswered.Value != 0 {
			t.Errorf("summary before matching: %+v", s0.CoBuildingSummary)
		}

		// Match a need of 北大 to the project.
		reqs, err := st.Client.ServiceRequest.Query().Where(servicerequest.CommunityID(beidaID), servicerequest.RequesterIDNotNil()).IDs(sys)
		if err != nil || len(reqs) == 0 {
			t.Fatalf("no demo request in 北大社区: %v", err)
		}
		otherReqs, err := st.Client.ServiceRequest.Query().Where(servicerequest.CommunityID(otherID)).IDs(sys)
		if err != nil || len(otherReqs) == 0 {
			t.Fatalf("no demo request in 文亭巷社区: %v", err)
		}
		match := `mutation($r: ID!, $p: ID, $res: ID) { matchNeed(input: {requestID: $r, projectID: $p, resourceID: $res, note: "由共建项目解决"}) {
			id matchedAt request { id title } project { title } matchedByToken { id } } }`
		var m struct {
			MatchNeed struct {
				ID             string
				MatchedByToken *struct{ ID string }
				Request        struct{ ID string }
			}
		}
		s.Query(t, staff, match, map[string]any{"r": gid.Encode(reqs[0]), "p": prj}).Decode(t, &m)
		if m.MatchNeed.MatchedByToken == nil {
			t.Error("the match does not record who matched it")
		}
		matchID := m.MatchNeed.ID
		// A need of another community, a need with nothing to answer it,
		// and staff of another community matching a 北大 need: refused.
		if r := s.Query(t, staff, match, map[string]any{"r": gid.Encode(otherReqs[0]), "p": prj}); r.Code() != "NOT_FOUND" {
			t.Errorf("match a need of another community: %s", r.Raw)
		}
		if r := s.Query(t, staff, match, map[string]any{"r": gid.Encode(reqs[0])}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("match to nothing: %s", r.Raw)
		}
		if r := s.Query(t, otherStaff, match, map[string]any{"r": gid.Encode(reqs[0]), "res": skill}); r.Code() != "NOT_FOUND" {
			t.Errorf("staff of another community match a 北大 need: %s", r.Raw)
		}
		// Admins may match, but not across communities.
		if r := s.Query(t, admin, match, map[string]any{"r": gid.Encode(otherReqs[0]), "p": prj}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("admin matches a need of another community to a 北大 project: %s", r.Raw)
		}

		// Matches and contacts are invisible by every outside path.
		matches := `{ needMatches(first: 10) { totalCount edges { node { id request { title } } } } }`
		var nm struct {
			NeedMatches struct{ TotalCount int }
		}
		s.Query(t, staff, matches, nil).Decode(t, &nm)
		if nm.NeedMatches.TotalCount != 1 {
			t.Errorf("staff of 北大 see %d matches, want 1", nm.NeedMatches.TotalCount)
		}
		s.Query(t, otherStaff, matches, nil).Decode(t, &nm)
		if nm.NeedMatches.TotalCount != 0 {
			t.Errorf("staff of another community see %d matches", nm.NeedMatches.TotalCount)
		}
		for who, tok := range map[string]string{"the public": "", "a volunteer": volunteer} {
			if r := s.Query(t, tok, matches, nil); r.Code() == "" || strings.Contains(string(r.Raw), "由共建项目") {
				t.Errorf("%s lists matches: %s", who, r.Raw)
			}
		}
		if r := open(t, s, matches, nil); r.Code() == "" {
			t.Errorf("/open/graphql lists matches: %s", r.Raw)
		}
		node := `query($id: ID!) { node(id: $id) { id } }`
		for _, id := range []string{matchID, contactID, newContact} {
			for who, tok := range map[string]string{"the public": "", "a volunteer": volunteer, "staff of another community": otherStaff} {
				r := s.Query(t, tok, node, map[string]any{"id": id})
				if r.Code() != "NOT_FOUND" || strings.Contains(string(r.Raw), "测试联系人") {
					t.Errorf("%s looks up private record %s: %s", who, id, r.Raw)
				}
			}
			if r := open(t, s, node, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
				t.Errorf("/open/graphql looks up private record %s: %s", id, r.Raw)
			}
			var found struct{ Node *struct{ ID string } }
			s.Query(t, staff, node, map[string]any{"id": id}).Decode(t, &found)
			if found.Node == nil {
				t.Errorf("staff of 北大 cannot look up %s", id)
			}
		}
		// Public types answer node(id:) for everyone.
		var pd struct {
			CoBuildingProjects struct{ Edges []struct{ Node project } }
		}
		open(t, s, projectsQuery, map[string]any{"c": beida}).Decode(t, &pd)
		var withUpdate project
		for _, e := range pd.CoBuildingProjects.Edges {
			if len(e.Node.Updates) > 0 {
				withUpdate = e.Node
			}
		}
		for _, id := range []string{res, prj, withUpdate.ID, withUpdate.Signings[0].ID, withUpdate.Updates[0].ID} {
			var found struct{ Node *struct{ ID string } }
			open(t, s, node, map[string]any{"id": id}).Decode(t, &found)
			if found.Node == nil {
				t.Errorf("public record %s not found by node(id:)", id)
			}
		}

		// Erasing the requester's data clears staff's note on the match.
		var before struct {
			NeedMatches struct {
				Edges []struct{ Node struct{ Note string } }
			}
		}
		s.Query(t, staff, `{ needMatches(first: 10) { edges { node { note } } } }`, nil).Decode(t, &before)
		if len(before.NeedMatches.Edges) != 1 || before.NeedMatches.Edges[0].Node.Note != "由共建项目解决" {
			t.Errorf("the match's note: %+v", before)
		}
		requester, err := st.Client.ServiceRequest.Get(sys, reqs[0])
		if err != nil {
			t.Fatal(err)
		}
		s.Query(t, admin, `mutation($id: ID!) { erasePerson(id: $id) { id } }`, map[string]any{"id": gid.Encode(*requester.RequesterID)}).Decode(t, &struct{}{})
		var notes struct {
			NeedMatches struct {
				Edges []struct{ Node struct{ Note string } }
			}
		}
		s.Query(t, staff, `{ needMatches(first: 10) { edges { node { note } } } }`, nil).Decode(t, &notes)
		if len(notes.NeedMatches.Edges) != 1 || notes.NeedMatches.Edges[0].Node.Note != "" {
			t.Errorf("after erasing the requester, the match keeps its note: %+v", notes)
		}

		// The summary counts the answered need but withholds a count below 10.
		var s1 sum
		open(t, s, summary, map[string]any{"c": beida}).Decode(t, &s1)
		if !s1.CoBuildingSummary.NeedsAnswered.Suppressed || s1.CoBuildingSummary.NeedsAnswered.Value != nil {
			t.Errorf("one answered need: %+v; want withheld", s1.CoBuildingSummary.NeedsAnswered)
		}
	})
}

// The 10-5 rule on one count.
func TestProtect(t *testing.T) {
	for n, want := range map[int]string{0: "0", 1: "-", 9: "-", 10: "10", 12: "10", 13: "15", 47: "45"} {
		p := cobuild.Protect(n)
		got := "-"
		if p.Value != nil {
			got = strconv.Itoa(*p.Value)
		}
		if got != want || p.Suppressed != (want == "-") {
			t.Errorf("Protect(%d) = %s (suppressed %v), want %s", n, got, p.Suppressed, want)
		}
	}
}
