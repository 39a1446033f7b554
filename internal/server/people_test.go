package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"lifecircle/ent/organization"
	"lifecircle/ent/person"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/testenv"
)

const personFields = `id name phone birthYear roles deactivatedAt teams { id name }`

type personAnswer struct {
	ID, Name      string
	Phone         *string
	BirthYear     *int
	Roles         []string
	DeactivatedAt *string
	Teams         []struct{ ID, Name string }
}

// team returns the global ID of the organisation of kind in community
// named name ("" for the first one).
func team(t *testing.T, s *testenv.Server, community int, kind organization.Kind, name string) string {
	t.Helper()
	q := s.Store.Client.Organization.Query().Where(organization.RegionID(community), organization.KindEQ(kind))
	if name != "" {
		q.Where(organization.Name(name))
	}
	id, err := q.FirstID(rule.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return gid.Encode(id)
}

func personCount(t *testing.T, s *testenv.Server) int {
	t.Helper()
	n, err := s.Store.Client.Person.Query().Count(rule.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Staff register a newcomer at the counter; the newcomer's token works;
// deactivated, it is refused at once with FORBIDDEN and nobody acts for
// them; reactivated, it works again. Staff of another community, residents
// and the public are refused.
func TestStaffRegisterUpdateDeactivatePeople(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		staff, otherStaff, admin := s.Token(t, "staff", wtx), s.Token(t, "staff", bd), s.Token(t, "admin", 0)
		_, resident := newPerson(t, s, wtx, "resident", "老住户")
		elderly := team(t, s, wtx, organization.KindVolunteerTeam, "文亭巷社区助老送餐志愿者服务队")
		rc := team(t, s, wtx, organization.KindResidentsCommittee, "")

		create := `mutation($in: CreatePersonInput!) { createPerson(input: $in) { ` + personFields + ` } }`
		in := map[string]any{"name": " 新来的居民 ", "phone": "139 0000 1111", "birthYear": 1958,
			"roles": []string{"志愿者", "resident"}, "teamIDs": []string{elderly}}
		for tok, code := range map[string]string{"": "UNAUTHENTICATED", resident: "FORBIDDEN"} {
			if r := s.Query(t, tok, create, map[string]any{"in": in}); r.Code() != code {
				t.Errorf("createPerson as %q: want %s, got %s", tok, code, r.Raw)
			}
		}
		bad := func(field string, v any) map[string]any {
			m := map[string]any{"name": "甲"}
			m[field] = v
			return map[string]any{"in": m}
		}
		for _, vars := range []map[string]any{bad("roles", []string{"mayor"}), bad("roles", []string{"resident", "居民"}),
			bad("teamIDs", []string{rc}), bad("phone", "call me"), bad("birthYear", 1850), bad("name", "  ")} {
			if r := s.Query(t, staff, create, vars); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("createPerson(%v): want BAD_USER_INPUT, got %s", vars, r.Raw)
			}
		}
		if r := s.Query(t, otherStaff, create, map[string]any{"in": map[string]any{"name": "甲", "communityID": wtxGID}}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff registering into another community: want FORBIDDEN, got %s", r.Raw)
		}
		if r := s.Query(t, otherStaff, create, map[string]any{"in": map[string]any{"name": "甲", "teamIDs": []string{elderly}}}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("staff putting their person in another community's team: want BAD_USER_INPUT, got %s", r.Raw)
		}
		if r := s.Query(t, admin, create, map[string]any{"in": map[string]any{"name": "甲"}}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("admin without a community: want BAD_USER_INPUT, got %s", r.Raw)
		}

		var got struct{ CreatePerson personAnswer }
		s.Query(t, staff, create, map[string]any{"in": in}).Decode(t, &got)
		p := got.CreatePerson
		if p.Name != "新来的居民" || p.Phone == nil || *p.Phone != "139 0000 1111" || strings.Join(p.Roles, ",") != "resident,volunteer" ||
			len(p.Teams) != 1 || p.Teams[0].ID != elderly || p.DeactivatedAt != nil {
			t.Fatalf("createPerson: %+v", p)
		}
		pid, err := gid.Decode(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		newcomer := s.Token(t, auth.RoleVolunteer, pid)
		me := `query($id: ID!) { node(id: $id) { ... on Person { name phone } } }`
		works := func(what string) {
			t.Helper()
			var d struct{ Node struct{ Name string } }
			s.Query(t, newcomer, me, map[string]any{"id": p.ID}).Decode(t, &d)
			if d.Node.Name != "新来的居民" {
				t.Errorf("%s: the newcomer's token reads %+v", what, d)
			}
		}
		works("after registration")

		// Staff of another community do not find them; the public never sees people.
		update := `mutation($id: ID!, $in: UpdatePersonInput!) { updatePerson(id: $id, input: $in) { ` + personFields + ` } }`
		for _, r := range []*testenv.Response{
			s.Query(t, otherStaff, update, map[string]any{"id": p.ID, "in": map[string]any{"name": "改名"}}),
			s.Query(t, otherStaff, `mutation($id: ID!) { deactivatePerson(id: $id) { id } }`, map[string]any{"id": p.ID}),
			s.Query(t, otherStaff, me, map[string]any{"id": p.ID}),
		} {
			if r.Code() != "NOT_FOUND" || strings.Contains(string(r.Raw), "新来的") {
				t.Errorf("staff of another community: want NOT_FOUND, got %s", r.Raw)
			}
		}
		if r := s.Query(t, "", me, map[string]any{"id": p.ID}); r.Code() != "NOT_FOUND" || strings.Contains(string(r.Raw), "新来的") {
			t.Errorf("the public reading a person: %s", r.Raw)
		}

		// Staff change roles, teams and the phone.
		var upd struct{ UpdatePerson personAnswer }
		s.Query(t, staff, update, map[string]any{"id": p.ID, "in": map[string]any{
			"roles": []string{"party_member", "volunteer", "resident"}, "teamIDs": []string{}, "clearPhone": true, "birthYear": 1959,
		}}).Decode(t, &upd)
		if u := upd.UpdatePerson; strings.Join(u.Roles, ",") != "resident,volunteer,party_member" || len(u.Teams) != 0 || u.Phone != nil || *u.BirthYear != 1959 || u.Name != "新来的居民" {
			t.Errorf("updatePerson: %+v", u)
		}
		if r := s.Query(t, staff, update, map[string]any{"id": p.ID, "in": map[string]any{"roles": []string{}}}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("no role at all: want BAD_USER_INPUT, got %s", r.Raw)
		}

		// Deactivated: the token is refused at once, nobody acts for them.
		var deact struct{ DeactivatePerson personAnswer }
		s.Query(t, staff, `mutation($id: ID!) { deactivatePerson(id: $id) { `+personFields+` } }`, map[string]any{"id": p.ID}).Decode(t, &deact)
		if deact.DeactivatePerson.DeactivatedAt == nil {
			t.Fatalf("deactivatePerson: %+v", deact)
		}
		r := s.Query(t, newcomer, me, map[string]any{"id": p.ID})
		if r.Status != http.StatusForbidden || r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "deactivated") {
			t.Errorf("a deactivated person's token: want 403 FORBIDDEN saying deactivated, got %d %s", r.Status, r.Raw)
		}
		if r := s.Query(t, staff, `mutation($p: ID!) { submitRequest(input: {kind: REPAIR, title: "灯坏了", onBehalfOf: $p}) { request { id } } }`,
			map[string]any{"p": p.ID}); r.Code() != "FORBIDDEN" {
			t.Errorf("submitting for a deactivated person: want FORBIDDEN, got %s", r.Raw)
		}
		if r := s.Query(t, staff, update, map[string]any{"id": p.ID, "in": map[string]any{"teamIDs": []string{elderly}}}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a deactivated person joining a team: want BAD_USER_INPUT, got %s", r.Raw)
		}
		// History stays: staff still read them, and deactivating again changes nothing.
		var again struct{ DeactivatePerson personAnswer }
		s.Query(t, staff, `mutation($id: ID!) { deactivatePerson(id: $id) { `+personFields+` } }`, map[string]any{"id": p.ID}).Decode(t, &again)
		if again.DeactivatePerson.DeactivatedAt == nil || *again.DeactivatePerson.DeactivatedAt != *deact.DeactivatePerson.DeactivatedAt {
			t.Errorf("deactivating twice moved the time: %+v then %+v", deact, again)
		}

		var react struct{ ReactivatePerson personAnswer }
		s.Query(t, staff, `mutation($id: ID!) { reactivatePerson(id: $id) { `+personFields+` } }`, map[string]any{"id": p.ID}).Decode(t, &react)
		if react.ReactivatePerson.DeactivatedAt != nil {
			t.Errorf("reactivatePerson: %+v", react)
		}
		works("after reactivation")

		// At the data layer, whatever the path: staff put no one in another
		// community's team, and change no one of another community.
		staffCtx := auth.NewContext(context.Background(), auth.Viewer{Role: auth.RoleStaff, CommunityID: wtx})
		bdTeam, _ := gid.Decode(team(t, s, bd, organization.KindVolunteerTeam, ""))
		if err := s.Store.Client.Person.UpdateOneID(pid).AddTeamIDs(bdTeam).Exec(staffCtx); err == nil {
			t.Error("staff put their person in another community's team at the data layer")
		}
		bdPerson, bdResident := newPerson(t, s, bd, "resident", "北大居民")
		bdPID, _ := gid.Decode(bdPerson)
		// Registered for one of their activities, they see this person but
		// do not manage them.
		var act struct{ CreateActivity struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createActivity(input: {title: "跨社区义诊", category: HEALTH, communityID: $c,
			startsAt: "2030-05-01T09:00:00+08:00", endsAt: "2030-05-01T11:00:00+08:00"}) { id } }`, map[string]any{"c": wtxGID}).Decode(t, &act)
		s.Query(t, bdResident, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`, map[string]any{"a": act.CreateActivity.ID}).Decode(t, &struct{}{})
		if r := s.Query(t, staff, update, map[string]any{"id": bdPerson, "in": map[string]any{"name": "改名"}}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff changing a registered person of another community: want FORBIDDEN, got %s", r.Raw)
		}
		if err := s.Store.Client.Person.UpdateOneID(bdPID).SetName("改名").Exec(staffCtx); err == nil {
			t.Error("staff renamed a person of another community at the data layer")
		}
		if err := s.Store.Client.Person.Create().SetName("越界").SetCommunityID(bd).Exec(staffCtx); err == nil {
			t.Error("staff created a person in another community at the data layer")
		}

		// Admins act in any community.
		var adm struct{ UpdatePerson personAnswer }
		s.Query(t, admin, update, map[string]any{"id": p.ID, "in": map[string]any{"name": "新居民"}}).Decode(t, &adm)
		if adm.UpdatePerson.Name != "新居民" {
			t.Errorf("admin updatePerson: %+v", adm)
		}
	})
}

// A resident changes their own phone number, and nothing else of theirs
// or anyone's; the data layer refuses it too.
func TestResidentUpdatesOwnContactOnly(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		_, wtx := s.Community(t, "文亭巷社区")
		meGID, resident := newPerson(t, s, wtx, "resident", "改电话的居民")
		otherGID, _ := newPerson(t, s, wtx, "resident", "另一位居民")
		staff := s.Token(t, "staff", wtx)

		contact := `mutation($p: String) { updateMyContact(phone: $p) { id name phone } }`
		var d struct {
			UpdateMyContact struct {
				ID, Name string
				Phone    *string
			}
		}
		s.Query(t, resident, contact, map[string]any{"p": "13911112222"}).Decode(t, &d)
		if d.UpdateMyContact.ID != meGID || d.UpdateMyContact.Phone == nil || *d.UpdateMyContact.Phone != "13911112222" {
			t.Errorf("updateMyContact: %+v", d)
		}
		if r := s.Query(t, resident, contact, map[string]any{"p": "not a phone"}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a bad phone: %s", r.Raw)
		}
		s.Query(t, resident, contact, map[string]any{"p": nil}).Decode(t, &d)
		if d.UpdateMyContact.Phone != nil {
			t.Errorf("removing the phone: %+v", d)
		}
		if r := s.Query(t, resident, `mutation($id: ID!) { updatePerson(id: $id, input: {name: "冒名"}) { id } }`, map[string]any{"id": otherGID}); r.Code() != "FORBIDDEN" {
			t.Errorf("a resident's updatePerson: want FORBIDDEN, got %s", r.Raw)
		}
		if r := s.Query(t, staff, contact, map[string]any{"p": "13911112222"}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff's updateMyContact: want FORBIDDEN, got %s", r.Raw)
		}

		// At the data layer, whatever the resolver: only their own phone.
		me, _ := gid.Decode(meGID)
		other, _ := gid.Decode(otherGID)
		ctx := auth.NewContext(context.Background(), auth.Viewer{Role: auth.RoleResident, PersonID: me, CommunityID: wtx})
		c := s.Store.Client
		for what, err := range map[string]error{
			"another's phone":  c.Person.UpdateOneID(other).SetPhone("13900009999").Exec(ctx),
			"own name":         c.Person.UpdateOneID(me).SetName("改名").Exec(ctx),
			"own roles":        c.Person.UpdateOneID(me).SetRoles([]string{"volunteer"}).Exec(ctx),
			"own deactivation": c.Person.UpdateOneID(me).ClearDeactivatedAt().Exec(ctx),
		} {
			if err == nil {
				t.Errorf("a resident changed %s", what)
			}
		}
		if err := c.Person.UpdateOneID(me).SetPhone("13900009999").Exec(ctx); err != nil {
			t.Errorf("own phone at the data layer: %v", err)
		}
		n, err := c.Person.Query().Where(person.ID(other), person.Phone("13900009999")).Count(rule.SystemContext(ctx))
		if err != nil || n != 0 {
			t.Errorf("another's phone changed: %d %v", n, err)
		}
	})
}

type importReport struct {
	Written, DryRun   bool
	Accepted, Refused int
	Rows              []struct {
		Line                  int
		Accepted              bool
		Code, Column, Message *string
		Person                *struct{ ID, Name string }
	}
}

// A CSV import with one bad row writes nothing and says which row and
// why; a dry run writes nothing; a good file writes every row; a file sent
// twice is refused as duplicates.
func TestImportPeople(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		staff, otherStaff, admin := s.Token(t, "staff", wtx), s.Token(t, "staff", bd), s.Token(t, "admin", 0)
		const doc = `mutation($csv: String!, $c: ID, $dry: Boolean) { importPeople(csv: $csv, communityID: $c, dryRun: $dry) {
			written dryRun accepted refused rows { line accepted code column message person { id name } } } }`
		run := func(tok, csv string, vars map[string]any) (importReport, *testenv.Response) {
			t.Helper()
			if vars == nil {
				vars = map[string]any{}
			}
			vars["csv"] = csv
			var d struct{ ImportPeople importReport }
			r := s.Query(t, tok, doc, vars)
			if len(r.Errors) == 0 {
				r.Decode(t, &d)
			}
			return d.ImportPeople, r
		}
		// Excel's UTF-8 CSV: a byte-order mark, Chinese headers, CRLF.
		good := "\uFEFF姓名,电话,出生年份,角色,组织\r\n" +
			"导入居民一,13700000001,1950,居民,\r\n" +
			"导入居民二,13700000002,,居民;志愿者,文亭巷社区助老送餐志愿者服务队\r\n" +
			",,,,\r\n"
		withBad := good + "导入居民三,13700000003,1960,村长,\r\n"
		before := personCount(t, s)

		rep, r := run(staff, withBad, nil)
		if len(r.Errors) > 0 || rep.Written || rep.Accepted != 2 || rep.Refused != 1 || len(rep.Rows) != 3 {
			t.Fatalf("one bad row: %s", r.Raw)
		}
		bad := rep.Rows[2]
		if bad.Line != 5 || bad.Accepted || bad.Code == nil || *bad.Code != "BAD_USER_INPUT" || bad.Column == nil || *bad.Column != "角色" ||
			!strings.Contains(*bad.Message, "村长") || rep.Rows[0].Person != nil {
			t.Errorf("the refused row: %s", r.Raw)
		}
		if n := personCount(t, s); n != before {
			t.Fatalf("a refused import wrote %d people", n-before)
		}

		rep, r = run(staff, good, map[string]any{"dry": true})
		if rep.Written || !rep.DryRun || rep.Accepted != 2 || rep.Refused != 0 || personCount(t, s) != before {
			t.Errorf("dry run: %s", r.Raw)
		}

		rep, r = run(staff, good, nil)
		if !rep.Written || rep.Accepted != 2 || rep.Rows[1].Person == nil || rep.Rows[1].Person.Name != "导入居民二" || personCount(t, s) != before+2 {
			t.Fatalf("import: %s", r.Raw)
		}
		var p struct{ Node personAnswer }
		s.Query(t, staff, `query($id: ID!) { node(id: $id) { ... on Person { `+personFields+` } } }`,
			map[string]any{"id": rep.Rows[1].Person.ID}).Decode(t, &p)
		if strings.Join(p.Node.Roles, ",") != "resident,volunteer" || len(p.Node.Teams) != 1 {
			t.Errorf("imported person: %+v", p.Node)
		}

		rep, r = run(staff, good, nil)
		if rep.Written || rep.Refused != 2 || rep.Rows[0].Code == nil || *rep.Rows[0].Code != "DUPLICATE" || personCount(t, s) != before+2 {
			t.Errorf("the same file again: %s", r.Raw)
		}

		if _, r := run(otherStaff, good, map[string]any{"c": wtxGID}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff importing into another community: %s", r.Raw)
		}
		if _, r := run(admin, good, nil); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("admin without a community: %s", r.Raw)
		}
		if _, r := run("", good, nil); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("the public importing: %s", r.Raw)
		}
		if _, r := run(staff, "name,id_number\n甲,1\n", nil); r.Code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Raw), "id_number") {
			t.Errorf("an unknown column: %s", r.Raw)
		}
		if _, r := run(staff, "name\n"+strings.Repeat("甲\n", 2001), nil); r.Code() != "IMPORT_TOO_LARGE" {
			t.Errorf("2,001 rows: %s", r.Raw)
		}
		if _, r := run(staff, "name\n"+strings.Repeat("甲", 200<<10), nil); r.Code() != "IMPORT_TOO_LARGE" {
			t.Errorf("600 KB: %s", r.Raw)
		}
		if n := personCount(t, s); n != before+2 {
			t.Errorf("refused imports wrote %d people", n-before-2)
		}
	})
}

// A request dispatched to a team is seen and claimed by its members only;
// one dispatched to an organisation that is not a team (the residents'
// committee) by every volunteer of the community. A team without active
// members is refused.
func TestTeamDispatchVisibility(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff, admin := s.Token(t, "staff", wtx), s.Token(t, "admin", 0)
		_, resident := newPerson(t, s, wtx, "resident", "求助的居民")
		elderly := team(t, s, wtx, organization.KindVolunteerTeam, "文亭巷社区助老送餐志愿者服务队")
		youth := team(t, s, wtx, organization.KindVolunteerTeam, "文亭巷社区青少年托管志愿者服务队")
		rc := team(t, s, wtx, organization.KindResidentsCommittee, "")

		member := func(name, teamID string) string {
			var d struct{ CreatePerson struct{ ID string } }
			s.Query(t, staff, `mutation($n: String!, $t: ID!) { createPerson(input: {name: $n, roles: ["volunteer"], teamIDs: [$t]}) { id } }`,
				map[string]any{"n": name, "t": teamID}).Decode(t, &d)
			id, _ := gid.Decode(d.CreatePerson.ID)
			return s.Token(t, auth.RoleVolunteer, id)
		}
		inTeam, outside := member("助老队员", elderly), member("托管队员", youth)

		submit := func(title string) string {
			var d struct {
				SubmitRequest struct{ Request struct{ ID string } }
			}
			s.Query(t, resident, `mutation($t: String!) { submitRequest(input: {kind: SERVICE_NEED, title: $t}) { request { id } } }`,
				map[string]any{"t": title}).Decode(t, &d)
			return d.SubmitRequest.Request.ID
		}
		dispatch := func(id, org string) *testenv.Response {
			return s.Query(t, staff, `mutation($id: ID!, $o: ID!) { dispatchRequest(id: $id, organizationID: $o) { id } }`, map[string]any{"id": id, "o": org})
		}
		sees := func(tok, id string) bool {
			t.Helper()
			r := s.Query(t, tok, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { id status } } }`, map[string]any{"id": id})
			if len(r.Errors) > 0 && r.Code() != "NOT_FOUND" {
				t.Fatalf("reading a request: %s", r.Raw)
			}
			var list struct {
				ServiceRequests struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			s.Query(t, tok, `{ serviceRequests(first: 100) { edges { node { id } } } }`, nil).Decode(t, &list)
			listed := false
			for _, e := range list.ServiceRequests.Edges {
				listed = listed || e.Node.ID == id
			}
			if listed != (len(r.Errors) == 0) {
				t.Errorf("node and serviceRequests disagree about %s: %s", id, r.Raw)
			}
			return listed
		}
		claim := `mutation($id: ID!) { claimRequest(id: $id) { id status } }`

		toTeam := submit("送餐上门")
		dispatch(toTeam, elderly).Decode(t, &struct{}{})
		if !sees(inTeam, toTeam) || sees(outside, toTeam) {
			t.Errorf("dispatched to a team: the member sees it %v, another team's volunteer %v; want true, false", sees(inTeam, toTeam), sees(outside, toTeam))
		}
		if r := s.Query(t, outside, claim, map[string]any{"id": toTeam}); r.Code() != "NOT_FOUND" {
			t.Errorf("claim by a volunteer outside the team: want NOT_FOUND, got %s", r.Raw)
		}
		var claimed struct{ ClaimRequest struct{ Status string } }
		s.Query(t, inTeam, claim, map[string]any{"id": toTeam}).Decode(t, &claimed)
		if claimed.ClaimRequest.Status != "CLAIMED" {
			t.Errorf("claim by the member: %+v", claimed)
		}
		// Once claimed, outsiders still do not find it.
		if r := s.Query(t, outside, claim, map[string]any{"id": toTeam}); r.Code() != "NOT_FOUND" {
			t.Errorf("claim of a claimed team request by an outsider: want NOT_FOUND, got %s", r.Raw)
		}

		toAll := submit("社区通知代读")
		dispatch(toAll, rc).Decode(t, &struct{}{})
		if !sees(inTeam, toAll) || !sees(outside, toAll) {
			t.Errorf("dispatched to the residents' committee: every volunteer of the community should see it")
		}
		s.Query(t, outside, claim, map[string]any{"id": toAll}).Decode(t, &struct{}{})

		// A new team has no members yet: dispatching to it is refused.
		var org struct{ CreateOrganization struct{ ID string } }
		s.Query(t, admin, `mutation($c: ID!) { createOrganization(input: {kind: VOLUNTEER_TEAM, name: "新成立的志愿队", regionID: $c}) { id } }`,
			map[string]any{"c": wtxGID}).Decode(t, &org)
		if r := dispatch(submit("修剪绿植"), org.CreateOrganization.ID); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("dispatch to a team without members: want BAD_USER_INPUT, got %s", r.Raw)
		}
		// Team membership is not shown to the public, nor to volunteers reading a requester.
		var pub map[string]any
		r := s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Organization { name } } }`, map[string]any{"id": elderly})
		r.Decode(t, &pub)
		if strings.Contains(string(r.Raw), "助老队员") {
			t.Errorf("the public sees a member: %s", r.Raw)
		}
	})
}
