package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/apitoken"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/compound"
	"lifecircle/ent/grid"
	"lifecircle/ent/migrate"
	"lifecircle/ent/occurrencecount"
	"lifecircle/ent/organization"
	"lifecircle/ent/personaldataaccess"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/personaldata"
	"lifecircle/internal/testenv"
)

// personColumn matches the names of columns that hold a person (or a
// credential acting for one) without a foreign key to persons.
var personColumn = regexp.MustCompile(`(^|_)(person|actor|subject|visitor|requester|officer|author|claimed_by|matched_by|created_by)(_person)?(_id)?$`)

// erasureKeeps are the person references an erasure leaves in place on
// purpose, with the reason. Every other reference to a person must be gone
// after the erasure (cleared or its row deleted).
var erasureKeeps = map[string]string{
	"api_tokens.person_id":     "the person's own tokens stay, revoked and renamed, for the erasure record (actor_token_id) to point at",
	"erasures.person_id":       "the record of the erasure itself, without personal data",
	"erasures.actor_person_id": "the record of who erased (the person themselves, when they asked)",
	"appointments.officer":     "a staff credential (token:ID or identity:ID); staff credentials never act for a person",
	"appointment_events.actor": "a staff or admin credential; empty when a resident acted (actor_id is the person then)",
	"sign_in_codes.created_by": "the staff or admin credential that issued the code",
	"identities.subject":       "the provider's subject, of identity rows the erasure deletes (identities.person_id is checked)",
}

// personReferences walks the ent schema (the migration tables ent
// generates from it): every column that is a foreign key to persons, and
// every column named like a person or actor.
func personReferences() []string {
	var refs []string
	for _, t := range migrate.Tables {
		fk := map[string]bool{}
		for _, k := range t.ForeignKeys {
			if k.RefTable == migrate.PersonsTable {
				for _, c := range k.Columns {
					fk[c.Name] = true
				}
			}
		}
		for _, c := range t.Columns {
			if fk[c.Name] || t != migrate.PersonsTable && personColumn.MatchString(c.Name) {
				refs = append(refs, t.Name+"."+c.Name)
			}
		}
	}
	sort.Strings(refs)
	return refs
}

// TestErasureReachesEveryPersonReference walks the schema for every
// column that refers to a person, gives a person a record in each of them
// (through the API where a mutation makes one: appointments, grid
// assignments, visits made and visits about them, requests, registrations,
// sign-in links and codes, the reading log), erases the person through the
// API and finds no column still naming them, except the few erasureKeeps
// lists with their reason. A new edge to Person, or a new person column,
// fails the test until the erasure handles it and the test gives it a
// record. Before the erasure, the person's GraphQL personal data
// (appointments, visits about them, grid assignments) agrees with their
// JSON download, for them and for staff.
func TestErasureReachesEveryPersonReference(t *testing.T) {
	refs := personReferences()
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		sys := rule.SystemContext(context.Background())
		c := s.Store.Client
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff, admin := s.Token(t, "staff", wtx), s.Token(t, "admin", 0)
		mustOK := func(r *testenv.Response, what string) *testenv.Response {
			t.Helper()
			if r.Status != 200 || len(r.Errors) > 0 {
				t.Fatalf("%s: %d %s", what, r.Status, r.Raw)
			}
			return r
		}

		// The person: a volunteer of a team who is also a grid worker.
		teams, err := c.Organization.Query().Where(organization.RegionID(wtx), organization.KindEQ(organization.KindVolunteerTeam)).IDs(sys)
		if err != nil || len(teams) == 0 {
			t.Fatalf("teams of 文亭巷: %v %v", teams, err)
		}
		p, err := c.Person.Create().SetName("全面删除测试人").SetPhone("000-0000-1313").SetCommunityID(wtx).
			SetRoles([]string{"volunteer", "grid_worker"}).AddTeamIDs(teams[0]).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		pid, pGID := p.ID, gid.Encode(p.ID)
		me := s.Token(t, "volunteer", pid)
		neighbour, err := c.Person.Create().SetName("邻居").SetCommunityID(wtx).SetRoles([]string{"grid_worker"}).Save(sys)
		if err != nil {
			t.Fatal(err)
		}

		// Requests: one they post, one they claim as a volunteer.
		submit := `mutation($t: String!) { submitRequest(input: {kind: REPAIR, title: $t, address: "文亭巷小区1号楼"}) { request { id } } }`
		var sub struct {
			SubmitRequest struct{ Request struct{ ID string } }
		}
		mustOK(s.Query(t, me, submit, map[string]any{"t": "灯坏了"}), "submit").Decode(t, &sub)
		other := s.Token(t, "resident", neighbour.ID)
		mustOK(s.Query(t, other, submit, map[string]any{"t": "门锁坏了"}), "submit of the neighbour").Decode(t, &sub)
		mustOK(s.Query(t, staff, `mutation($id: ID!, $org: ID!) { dispatchRequest(id: $id, organizationID: $org) { id } }`,
			map[string]any{"id": sub.SubmitRequest.Request.ID, "org": gid.Encode(teams[0])}), "dispatch")
		mustOK(s.Query(t, me, `mutation($id: ID!) { claimRequest(id: $id) { id } }`, map[string]any{"id": sub.SubmitRequest.Request.ID}), "claim")

		// A registration.
		acts, err := c.Activity.Query().Where(activity.CommunityID(wtx), activity.StatusEQ(activity.StatusScheduled)).IDs(sys)
		if err != nil {
			t.Fatal(err)
		}
		registered := false
		for _, a := range acts {
			if r := s.Query(t, me, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`, map[string]any{"a": gid.Encode(a)}); len(r.Errors) == 0 {
				registered = true
				break
			}
		}
		if !registered {
			t.Fatal("no activity of 文亭巷 took the registration")
		}

		// One-window: an appointment they book (and its history).
		matter := owMatter(t, s, staff, wtxGID, "全面删除测试事项")
		slot := owSlot(t, s, staff, matter, 3)
		appt := owID(t, mustOK(owBook(t, s, me, slot), "book"))

		// Grids: they are assigned to a grid, they log a visit, a visit is
		// logged about them.
		g, err := c.Grid.Query().Where(grid.CommunityID(wtx)).FirstID(sys)
		if err != nil {
			t.Fatalf("a grid of 文亭巷: %v", err)
		}
		cp, err := c.Compound.Query().Where(compound.CommunityID(wtx)).FirstID(sys)
		if err != nil {
			t.Fatal(err)
		}
		mustOK(s.Query(t, staff, `mutation($g: ID!, $p: ID!) { assignGridWorker(gridID: $g, personID: $p, kind: FULL_TIME) { id } }`,
			map[string]any{"g": gid.Encode(g), "p": pGID}), "assign")
		logVisit := `mutation($in: LogVisitInput!) { logVisit(input: $in) { id } }`
		var lv struct{ LogVisit struct{ ID string } }
		mustOK(s.Query(t, staff, logVisit, map[string]any{"in": map[string]any{"reason": "DOOR_KNOCKING", "visitorID": pGID,
			"compoundID": gid.Encode(cp), "building": "2号楼", "findings": "邻居家一切正常", "visitedAt": "2025-05-01T10:00:00+08:00"}}), "visit made").Decode(t, &lv)
		visitMade := lv.LogVisit.ID
		mustOK(s.Query(t, staff, logVisit, map[string]any{"in": map[string]any{"reason": "CONDOLENCE", "visitorID": gid.Encode(neighbour.ID),
			"personID": pGID, "building": "1号楼", "room": "101", "findings": "腿脚不便，需要助餐", "visitedAt": "2025-05-02T10:00:00+08:00"}}), "visit about").Decode(t, &lv)
		visitAbout := lv.LogVisit.ID

		// A match of a need to a project, with the person and their token
		// as who matched it: no mutation records a person there today
		// (matchNeed is for staff), but the schema allows it.
		proj, err := c.CoBuildingProject.Query().Order(ent.Asc(cobuildingproject.FieldID)).First(sys)
		if err != nil {
			t.Fatalf("a co-building project: %v", err)
		}
		req, err := c.ServiceRequest.Create().SetKind(servicerequest.KindServiceNeed).SetTitle("共建需求").SetCommunityID(proj.CommunityID).
			SetSubmittedAt(time.Now()).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		myTok, err := c.APIToken.Query().Where(apitoken.PersonID(pid)).OnlyID(sys)
		if err != nil {
			t.Fatalf("the person's token: %v", err)
		}
		if err := c.NeedMatch.Create().SetRequestID(req.ID).SetCommunityID(proj.CommunityID).SetProjectID(proj.ID).
			SetMatchedAt(time.Now()).SetMatchedByPersonID(pid).SetMatchedByTokenID(myTok).Exec(sys); err != nil {
			t.Fatal(err)
		}

		// Sign-in: a linked identity and an unused sign-in code.
		mustOK(s.Query(t, admin, `mutation($in: LinkIdentityInput!) { linkIdentity(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"issuer": "https://idp.example", "subject": "gaps13-person", "personID": pGID}}), "link")
		mustOK(s.Query(t, staff, `mutation($p: ID!) { issueSignInCode(personID: $p) { code } }`, map[string]any{"p": pGID}), "sign-in code")

		// The reading log: staff download their data (subject); they read
		// someone's data as a volunteer (viewer; written as the API writes
		// it when a volunteer reads a claimed request's phone).
		if res, body := download(t, s, "/people/"+pGID+"/data.json", staff); res.StatusCode != 200 {
			t.Fatalf("staff download: %d %s", res.StatusCode, body)
		}
		if err := c.PersonalDataAccess.Create().SetViewerRole(personaldataaccess.ViewerRoleVolunteer).SetViewerPersonID(pid).
			SetViewerTokenID(myTok).SetViewerCommunityID(wtx).SetSubjectID(neighbour.ID).SetFields([]string{"phone"}).
			SetOperation("query").Exec(sys); err != nil {
			t.Fatal(err)
		}

		// The GraphQL personal data and the download agree on the working
		// systems, for the person and for staff.
		for who, tc := range map[string]struct{ tok, doc, path string }{
			"the person": {me, `{ d: myData { ` + workingSystemsFields + ` } }`, "/me/data.json"},
			"staff":      {staff, `query($p: ID!) { d: personData(id: $p) { ` + workingSystemsFields + ` } }`, "/people/" + pGID + "/data.json"},
		} {
			var gq struct{ D workingSystems }
			mustOK(s.Query(t, tc.tok, tc.doc, map[string]any{"p": pGID}), who+" GraphQL").Decode(t, &gq)
			res, body := download(t, s, tc.path, tc.tok)
			if res.StatusCode != 200 {
				t.Fatalf("%s download: %d %s", who, res.StatusCode, body)
			}
			var x personaldata.Export
			if err := json.Unmarshal([]byte(body), &x); err != nil {
				t.Fatal(err)
			}
			got, want := gq.D.summary(), summaryOf(x)
			if got != want {
				t.Errorf("%s: GraphQL personal data\n%s\ndiffers from the download\n%s", who, got, want)
			}
			if len(x.Appointments) != 1 || x.Appointments[0].ID != appt || len(x.Visits) != 1 || x.Visits[0].ID != visitAbout ||
				len(x.GridAssignments) != 1 || x.GridAssignments[0].GridID != gid.Encode(g) {
				t.Errorf("%s: download's working systems: %s", who, want)
			}
			if strings.Contains(mustJSON(gq), "邻居") {
				t.Errorf("%s: the GraphQL personal data names the visitor: %s", who, mustJSON(gq))
			}
		}

		// Every person reference is accounted for and has a record.
		count := func(ref string) int {
			t.Helper()
			table, col, _ := strings.Cut(ref, ".")
			var n int
			q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s = %d`, table, col, pid)
			if strings.Contains(col, "officer") || col == "actor" || col == "created_by" {
				q = fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s LIKE '%%:%d'`, table, col, pid)
			}
			if err := s.Store.DB.QueryRow(q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		var checked []string
		for _, ref := range refs {
			if _, kept := erasureKeeps[ref]; kept {
				continue
			}
			checked = append(checked, ref)
			if n := count(ref); n == 0 {
				t.Errorf("%s refers to a person, and the test gives the person no record there: add one, and make the erasure handle it", ref)
			}
		}
		for ref := range erasureKeeps {
			if !slices.Contains(refs, ref) {
				t.Errorf("erasureKeeps names %s, which is no person reference of the schema", ref)
			}
		}
		if t.Failed() {
			t.FailNow()
		}

		// The erasure, through the API.
		mustOK(s.Query(t, staff, `mutation($id: ID!) { erasePerson(id: $id) { id } }`, map[string]any{"id": pGID}), "erasePerson")
		for _, ref := range checked {
			if n := count(ref); n != 0 {
				t.Errorf("after the erasure, %d rows of %s still name the person", n, ref)
			}
		}
		// The records stay, detached: the visit they made keeps what was
		// found (it is about the household), the match keeps its project.
		var seen struct {
			V struct {
				Findings string
				Visitor  *struct{ Name string }
			}
		}
		mustOK(s.Query(t, staff, `query($v: ID!) { v: node(id: $v) { ... on Visit { findings visitor { name } } } }`,
			map[string]any{"v": visitMade}), "the visit made").Decode(t, &seen)
		if seen.V.Findings != "邻居家一切正常" || seen.V.Visitor != nil {
			t.Errorf("the visit the erased person made: %+v", seen.V)
		}
		if n, err := c.NeedMatch.Query().Count(sys); err != nil || n == 0 {
			t.Errorf("need matches after the erasure: %d %v", n, err)
		}
	})
}

// workingSystemsFields asks PersonalData for what the download's
// appointments, visits and gridAssignments hold.
const workingSystemsFields = `appointments { id matterID slotID status note history { action status actorRole note } }
	visits { id reason visitedAt findings followUpRequestID } gridAssignments { gridID kind }`

type workingSystems struct {
	Appointments []struct {
		ID, MatterID, SlotID, Status, Note string
		History                            []struct{ Action, Status, ActorRole, Note string }
	}
	Visits []struct {
		ID, Reason, Findings string
		VisitedAt            time.Time
		FollowUpRequestID    *string
	}
	GridAssignments []struct{ GridID, Kind string }
}

func (w workingSystems) summary() string {
	var b strings.Builder
	for _, a := range w.Appointments {
		fmt.Fprintf(&b, "appointment %s %s %s %s %q:", a.ID, a.MatterID, a.SlotID, a.Status, a.Note)
		for _, h := range a.History {
			fmt.Fprintf(&b, " %s/%s/%s/%q", h.Action, h.Status, h.ActorRole, h.Note)
		}
		b.WriteString("\n")
	}
	for _, v := range w.Visits {
		fmt.Fprintf(&b, "visit %s %s %s %q %v\n", v.ID, v.Reason, v.VisitedAt.UTC().Format(time.RFC3339), v.Findings, strOr(v.FollowUpRequestID))
	}
	for _, g := range w.GridAssignments {
		fmt.Fprintf(&b, "grid %s %s\n", g.GridID, g.Kind)
	}
	return b.String()
}

func summaryOf(x personaldata.Export) string {
	var b strings.Builder
	for _, a := range x.Appointments {
		fmt.Fprintf(&b, "appointment %s %s %s %s %q:", a.ID, a.MatterID, a.SlotID, a.Status, a.Note)
		for _, h := range a.History {
			fmt.Fprintf(&b, " %s/%s/%s/%q", h.Action, h.Status, h.ActorRole, h.Note)
		}
		b.WriteString("\n")
	}
	for _, v := range x.Visits {
		fmt.Fprintf(&b, "visit %s %s %s %q %v\n", v.ID, v.Reason, v.VisitedAt.UTC().Format(time.RFC3339), v.Findings, strOr(v.FollowUpRequestID))
	}
	for _, g := range x.GridAssignments {
		fmt.Fprintf(&b, "grid %s %s\n", g.GridID, g.Kind)
	}
	return b.String()
}

func strOr(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

// TestDeletingWorkingSystemsParents: deleting a parent record of the
// working systems either works, taking its own dependents along in the
// same transaction, or is refused with CONFLICT, never a raw foreign-key
// error: an activity with per-occurrence counts but no registrations is
// deleted with its counts; one with registrations is refused; a slot with
// appointments and its matter are refused; a theme with activities is
// deleted and the activities stay without it; a grid with workers is
// refused, and deleted with its compound links once they are unassigned;
// a resource goes with its contact, a project with its signings and
// updates. No GraphQL mutation deletes these (deleteFacility is the only
// delete), so the test deletes through the store's client as an admin.
func TestDeletingWorkingSystemsParents(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		sys := rule.SystemContext(context.Background())
		asAdmin := auth.NewContext(context.Background(), auth.Viewer{Role: auth.RoleAdmin})
		c := s.Store.Client
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		conflict := func(err error, what string) {
			t.Helper()
			if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeConflict {
				t.Errorf("%s: want CONFLICT, got %v", what, err)
			}
		}

		// A recurring activity with occurrence counts and no registration
		// left (the counts remain after the registration row is gone).
		act := func(title string, rrule any) int {
			t.Helper()
			var d struct{ CreateActivity struct{ ID string } }
			s.Query(t, staff, `mutation($c: ID!, $t: String!, $r: String) { createActivity(input: {communityID: $c, title: $t, category: PARTY,
				startsAt: "2030-01-15T09:00:00+08:00", endsAt: "2030-01-15T11:00:00+08:00", capacity: 5, rrule: $r}) { id } }`,
				map[string]any{"c": wtxGID, "t": title, "r": rrule}).Decode(t, &d)
			return mustID(t, d.CreateActivity.ID)
		}
		const monthly = "FREQ=MONTHLY;BYMONTHDAY=15"
		withCounts := act("删除测试：只有计数", monthly)
		if err := c.OccurrenceCount.Create().SetActivityID(withCounts).SetStartsAt(time.Date(2030, 1, 15, 1, 0, 0, 0, time.UTC)).Exec(sys); err != nil {
			t.Fatal(err)
		}
		if err := c.Activity.DeleteOneID(withCounts).Exec(asAdmin); err != nil {
			t.Errorf("deleting an activity with occurrence counts: %v", err)
		}
		if n, err := c.OccurrenceCount.Query().Where(occurrencecount.ActivityID(withCounts)).Count(sys); err != nil || n != 0 {
			t.Errorf("occurrence counts of the deleted activity: %d %v", n, err)
		}
		if ok, _ := c.Activity.Query().Where(activity.ID(withCounts)).Exist(sys); ok {
			t.Errorf("the activity with counts is still there")
		}
		// With a registration (through the API): refused, nothing changes.
		withRegs := act("删除测试：有报名", monthly)
		resident := s.Token(t, "resident", mustPerson(t, s, wtx))
		if r := s.Query(t, resident, `mutation($a: ID!) { registerForActivity(activityID: $a, occurrence: "2030-01-15T09:00:00+08:00") { id } }`,
			map[string]any{"a": gid.Encode(withRegs)}); len(r.Errors) > 0 {
			t.Fatalf("register: %s", r.Raw)
		}
		conflict(c.Activity.DeleteOneID(withRegs).Exec(asAdmin), "deleting an activity with registrations")
		// Inside a transaction (as a mutation runs): the same answer, and
		// the transaction can go on.
		tx, err := c.Tx(asAdmin)
		if err != nil {
			t.Fatal(err)
		}
		conflict(tx.Activity.DeleteOneID(withRegs).Exec(asAdmin), "deleting an activity with registrations in a transaction")
		_ = tx.Rollback()
		if ok, _ := c.Activity.Query().Where(activity.ID(withRegs)).Exist(sys); !ok {
			t.Errorf("the refused activity is gone")
		}

		// A slot with an appointment, and its matter: refused.
		matter := owMatter(t, s, staff, wtxGID, "删除测试事项")
		slot := owSlot(t, s, staff, matter, 3)
		owID(t, owBook(t, s, resident, slot))
		conflict(c.ServiceSlot.DeleteOneID(mustID(t, slot)).Exec(asAdmin), "deleting a slot with appointments")
		conflict(c.ServiceMatter.DeleteOneID(mustID(t, matter)).Exec(asAdmin), "deleting a matter with slots")

		// A theme with activities: deleted; the activities stay, unthemed.
		var th struct{ CreateTheme struct{ ID string } }
		s.Query(t, staff, `mutation($r: ID!) { createTheme(input: {month: "2030-01", title: "删除测试主题", regionID: $r}) { id } }`,
			map[string]any{"r": wtxGID}).Decode(t, &th)
		theme := mustID(t, th.CreateTheme.ID)
		themed := act("删除测试：主题活动", nil)
		if err := c.Activity.UpdateOneID(themed).SetMonthThemeID(theme).Exec(sys); err != nil {
			t.Fatal(err)
		}
		if err := c.Theme.DeleteOneID(theme).Exec(asAdmin); err != nil {
			t.Errorf("deleting a theme with activities: %v", err)
		}
		if a, err := c.Activity.Get(sys, themed); err != nil || a.MonthThemeID != nil {
			t.Errorf("the theme's activity after the theme's deletion: %+v %v", a, err)
		}

		// A grid with a worker: refused; unassigned, deleted with its links.
		g, err := c.Grid.Query().Where(grid.CommunityID(wtx), grid.HasCompounds(), grid.Not(grid.HasWorkers())).First(sys)
		if err != nil {
			t.Fatalf("a grid of 文亭巷 with compounds and no workers: %v", err)
		}
		worker, err := c.Person.Create().SetName("删除测试网格员").SetCommunityID(wtx).SetRoles([]string{"grid_worker"}).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		var as struct{ AssignGridWorker struct{ ID string } }
		s.Query(t, staff, `mutation($g: ID!, $p: ID!) { assignGridWorker(gridID: $g, personID: $p, kind: PART_TIME) { id } }`,
			map[string]any{"g": gid.Encode(g.ID), "p": gid.Encode(worker.ID)}).Decode(t, &as)
		conflict(c.Grid.DeleteOneID(g.ID).Exec(asAdmin), "deleting a grid with workers")
		if r := s.Query(t, staff, `mutation($id: ID!) { unassignGridWorker(id: $id) }`, map[string]any{"id": as.AssignGridWorker.ID}); len(r.Errors) > 0 {
			t.Fatalf("unassign: %s", r.Raw)
		}
		if err := c.Grid.DeleteOneID(g.ID).Exec(asAdmin); err != nil {
			t.Errorf("deleting a grid without workers: %v", err)
		}

		// A resource with its contact, a project with signings and updates.
		res, err := c.Resource.Query().Where().WithContact().All(sys)
		if err != nil {
			t.Fatal(err)
		}
		deleted := false
		for _, r := range res {
			if r.Edges.Contact != nil {
				if err := c.Resource.DeleteOneID(r.ID).Exec(asAdmin); err != nil {
					t.Errorf("deleting a resource with a contact: %v", err)
				}
				deleted = true
				break
			}
		}
		if !deleted {
			t.Errorf("no demo resource has a contact")
		}
		proj, err := c.CoBuildingProject.Query().Where(cobuildingproject.HasSignings(), cobuildingproject.HasUpdates()).First(sys)
		if err != nil {
			t.Fatalf("a project with signings and updates: %v", err)
		}
		if err := c.CoBuildingProject.DeleteOneID(proj.ID).Exec(asAdmin); err != nil {
			t.Errorf("deleting a project with signings and updates: %v", err)
		}
		var nf *ent.NotFoundError
		if err := c.CoBuildingProject.DeleteOneID(proj.ID).Exec(asAdmin); !errors.As(err, &nf) {
			t.Errorf("deleting the deleted project again: %v, want not found", err)
		}
	})
}

// mustPerson adds a resident of community.
func mustPerson(t *testing.T, s *testenv.Server, community int) int {
	t.Helper()
	p, err := s.Store.Client.Person.Create().SetName("删除测试居民").SetCommunityID(community).SetRoles([]string{"resident"}).
		Save(rule.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}
