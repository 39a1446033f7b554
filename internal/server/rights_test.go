package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/erasure"
	"lifecircle/ent/idempotencykey"
	"lifecircle/ent/organization"
	"lifecircle/ent/personaldataaccess"
	"lifecircle/ent/requestevent"
	"lifecircle/internal/auth/rule"
	erase "lifecircle/internal/erasure"
	"lifecircle/internal/gid"
	"lifecircle/internal/personaldata"
	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

// newPersonWithPhone creates a person of community with a name, phone and birth year,
// and a token acting for them.
func newPersonWithPhone(t *testing.T, s *testenv.Server, community int, role, name, phone string) (int, string) {
	t.Helper()
	ctx := rule.SystemContext(context.Background())
	p, err := s.Store.Client.Person.Create().SetName(name).SetPhone(phone).SetBirthYear(1948).
		SetCommunityID(community).SetRoles([]string{role}).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, s.Token(t, "resident", p.ID)
}

func download(t *testing.T, s *testenv.Server, path, tok string) (*http.Response, string) {
	t.Helper()
	h := map[string]string{}
	if tok != "" {
		h["Authorization"] = "Bearer " + tok
	}
	p, q, _ := strings.Cut(path, "?")
	params, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return get(t, s, p, params, h)
}

// TestPersonalDataAccessAndErasure walks a resident through their rights:
// they download everything held about them (and nothing of anyone else),
// staff of another community cannot, then their data is erased: the
// person record keeps nothing personal, their requests and registrations
// are detached, the change feed and the open downloads hold nothing of
// theirs, the published statistics are unchanged byte for byte, their
// tokens are revoked and an old idempotency key returns nothing personal.
func TestPersonalDataAccessAndErasure(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		sys := rule.SystemContext(context.Background())
		c := s.Store.Client
		_, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		const name, phone, address, secret = "权利测试居民", "13911112222", "文亭巷小区9号楼", "我家钥匙在门垫下"
		pid, resident := newPersonWithPhone(t, s, wtx, "resident", name, phone)
		_, other := newPersonWithPhone(t, s, wtx, "resident", "另一位邻居", "13933334444")
		staff, otherStaff, admin := s.Token(t, "staff", wtx), s.Token(t, "staff", bd), s.Token(t, "admin", 0)
		vol := volunteer(t, s, wtx, "权利测试志愿者")

		// Requests: one the resident posts (and follows through), one
		// staff post for them at the counter with a key, one of a neighbour.
		submit := `mutation($title: String!, $key: String, $for: ID) { submitRequest(input: {kind: REPAIR, title: $title,
			description: "` + secret + `", address: "` + address + `", clientMutationId: $key, onBehalfOf: $for}) { request { id } } }`
		var sub struct {
			SubmitRequest struct{ Request struct{ ID string } }
		}
		s.Query(t, resident, submit, map[string]any{"title": "水管漏水", "key": "rights-1"}).Decode(t, &sub)
		reqID := sub.SubmitRequest.Request.ID
		var onBehalf struct {
			SubmitRequest struct{ Request struct{ ID string } }
		}
		s.Query(t, staff, submit, map[string]any{"title": "窗户坏了", "key": "counter-1", "for": gid.Encode(pid)}).Decode(t, &onBehalf)
		s.Query(t, other, submit, map[string]any{"title": "邻居的需求"}).Decode(t, &struct{}{})
		team, err := c.Organization.Query().Where(organization.RegionID(wtx), organization.KindEQ(organization.KindVolunteerTeam)).FirstID(sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			tok, doc string
		}{
			{staff, `mutation($id: ID!, $org: ID!) { dispatchRequest(id: $id, organizationID: $org) { id } }`},
			{vol, `mutation($id: ID!) { claimRequest(id: $id) { id } }`},
			{vol, `mutation($id: ID!) { resolveRequest(id: $id, note: "修好了，` + name + `家") { id } }`},
		} {
			if r := s.Query(t, step.tok, step.doc, map[string]any{"id": reqID, "org": gid.Encode(team)}); len(r.Errors) > 0 {
				t.Fatalf("%s: %s", step.doc, r.Raw)
			}
		}
		// A registration for an activity of the community.
		acts, err := c.Activity.Query().Where(activity.CommunityID(wtx), activity.StatusEQ(activity.StatusScheduled)).IDs(sys)
		if err != nil {
			t.Fatal(err)
		}
		var regID string
		for _, a := range acts {
			var reg struct{ RegisterForActivity struct{ ID string } }
			if r := s.Query(t, resident, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`, map[string]any{"a": gid.Encode(a)}); len(r.Errors) == 0 {
				r.Decode(t, &reg)
				regID = reg.RegisterForActivity.ID
				break
			}
		}
		if regID == "" {
			t.Fatal("no activity of the community took the registration")
		}

		// Access: the resident's download.
		res, body := download(t, s, "/me/data.json", resident)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("/me/data.json: %d %q %s", res.StatusCode, res.Header.Get("Content-Disposition"), body)
		}
		var x personaldata.Export
		if err := json.Unmarshal([]byte(body), &x); err != nil {
			t.Fatalf("/me/data.json is not JSON: %v", err)
		}
		if x.FormatVersion != personaldata.FormatVersion || x.Person.Name != name || x.Person.Phone != phone || len(x.Requests) != 2 ||
			len(x.Registrations) != 1 || len(x.Tokens) != 1 || x.Tokens[0].Revoked {
			t.Fatalf("download: %s", body)
		}
		if r := x.Requests[0]; r.ID != reqID || r.Address != address || r.Description != secret || len(r.Events) != 4 ||
			r.Events[0].Action != "SUBMIT" || !r.Events[0].ByYou || r.Events[3].Note == "" {
			t.Fatalf("download's first request: %s", mustJSON(r))
		}
		for _, leak := range []string{"另一位邻居", "13933334444", "邻居的需求", "权利测试志愿者", "token_hash"} {
			if strings.Contains(body, leak) {
				t.Errorf("the resident's download holds %q", leak)
			}
		}
		// The same through GraphQL.
		var my struct {
			MyData struct {
				FormatVersion int
				Person        struct{ Name, Phone string }
				Requests      []struct {
					ID     string
					Events struct{ TotalCount int }
				}
				Registrations []struct{ ID string }
				Tokens        []struct{ Revoked bool }
				Download      string
			}
		}
		s.Query(t, resident, `{ myData { formatVersion person { name phone } requests { id events(first: 10) { totalCount } }
			registrations { id } tokens { revoked } download } }`, nil).Decode(t, &my)
		if my.MyData.Person.Phone != phone || len(my.MyData.Requests) != 2 || my.MyData.Requests[0].Events.TotalCount != 4 ||
			len(my.MyData.Registrations) != 1 || len(my.MyData.Tokens) != 1 || my.MyData.Download != "/me/data.json" {
			t.Fatalf("myData: %s", mustJSON(my))
		}
		// Nobody else downloads it but staff of the community and admins.
		for _, tc := range []struct {
			who, tok, path string
			status         int
		}{
			{"public", "", "/me/data.json", 401},
			{"staff of another community", otherStaff, "/people/" + gid.Encode(pid) + "/data.json", 404},
			{"another resident", other, "/people/" + gid.Encode(pid) + "/data.json", 403},
			{"staff of the community", staff, "/people/" + gid.Encode(pid) + "/data.json", 200},
			{"an admin", admin, "/people/" + gid.Encode(pid) + "/data.json", 200},
			{"staff, for themselves", staff, "/me/data.json", 403},
		} {
			if res, body := download(t, s, tc.path, tc.tok); res.StatusCode != tc.status || (tc.status != 200 && strings.Contains(body, phone)) {
				t.Errorf("%s GET %s: %d, want %d: %.200s", tc.who, tc.path, res.StatusCode, tc.status, body)
			}
		}
		if r := s.Query(t, otherStaff, `query($id: ID!) { personData(id: $id) { person { name } } }`, map[string]any{"id": gid.Encode(pid)}); r.Code() != "NOT_FOUND" || strings.Contains(string(r.Raw), name) {
			t.Errorf("personData by staff of another community: %s", r.Raw)
		}
		// The staff download is in the resident's reading log.
		var log struct {
			MyDataAccessLog struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ViewerRole, Operation string
						Fields                []string
						ViewerTokenID         *string
					}
				}
			}
		}
		s.Query(t, resident, `{ myDataAccessLog(first: 10) { totalCount edges { node { viewerRole operation fields viewerTokenID } } } }`, nil).Decode(t, &log)
		if log.MyDataAccessLog.TotalCount < 2 || log.MyDataAccessLog.Edges[0].Node.ViewerTokenID != nil {
			t.Errorf("reading log after two downloads by staff and an admin: %s", mustJSON(log))
		}

		// Statistics of this month are published before the erasure.
		now := time.Now().In(time.FixedZone("CST", 8*3600))
		period := stats.Period{Year: now.Year(), Month: int(now.Month())}
		if _, err := stats.Publish(context.Background(), c, period, stats.Options{Method: stats.MethodRule105}); err != nil {
			t.Fatal(err)
		}
		inputsBefore := statInputs(t, c)
		statsPath := fmt.Sprintf("/open/statistics.csv?period=%04d-%02d", period.Year, period.Month)
		_, statsBefore := download(t, s, statsPath, "")

		// Erasure, by the resident.
		var erased struct{ EraseMyData struct{ ID, Name string } }
		s.Query(t, resident, `mutation { eraseMyData { id name } }`, nil).Decode(t, &erased)
		if erased.EraseMyData.Name != erase.Marker {
			t.Fatalf("eraseMyData: %s", mustJSON(erased))
		}
		// The token is revoked: the next request with it is refused.
		if r := s.Query(t, resident, `{ viewer { role } }`, nil); r.Status != 401 {
			t.Errorf("the erased person's token still works: %d %s", r.Status, r.Raw)
		}
		// Staff erasing again changes nothing; staff of another community cannot.
		if r := s.Query(t, otherStaff, `mutation($id: ID!) { erasePerson(id: $id) { id } }`, map[string]any{"id": gid.Encode(pid)}); r.Code() != "NOT_FOUND" {
			t.Errorf("erasePerson by staff of another community: %s", r.Raw)
		}
		s.Query(t, staff, `mutation($id: ID!) { erasePerson(id: $id) { id } }`, map[string]any{"id": gid.Encode(pid)}).Decode(t, &struct{}{})
		if n, err := c.Erasure.Query().Where(erasure.PersonID(pid)).Count(sys); err != nil || n != 1 {
			t.Errorf("erasures recorded: %d %v, want 1", n, err)
		}

		// What staff see now.
		r := s.Query(t, staff, `query($p: ID!, $r: ID!, $g: ID!) {
			p: node(id: $p) { ... on Person { name phone birthYear roles deactivatedAt } }
			r: node(id: $r) { ... on ServiceRequest { title description address status requester { name } claimedBy { name }
				resolutionNote events(first: 10) { edges { node { action note } } } } }
			g: node(id: $g) { ... on Registration { status person { name } } } }`,
			map[string]any{"p": gid.Encode(pid), "r": reqID, "g": regID})
		var seen struct {
			P struct {
				Name          string
				Phone         *string
				BirthYear     *int
				Roles         []string
				DeactivatedAt *string
			}
			R struct {
				Title, Description, Status string
				Address                    *string
				Requester, ClaimedBy       *struct{ Name string }
				ResolutionNote             string
				Events                     struct {
					Edges []struct{ Node struct{ Action, Note string } }
				}
			}
			G struct {
				Status string
				Person *struct{ Name string }
			}
		}
		r.Decode(t, &seen)
		if seen.P.Name != erase.Marker || seen.P.Phone != nil || seen.P.BirthYear != nil || len(seen.P.Roles) != 0 || seen.P.DeactivatedAt == nil {
			t.Errorf("erased person: %s", mustJSON(seen.P))
		}
		if seen.R.Requester != nil || seen.R.Address != nil || seen.R.Description != "" || seen.R.Title != erase.Marker ||
			seen.R.Status != "RESOLVED" || seen.R.ClaimedBy == nil || seen.R.ResolutionNote != "" || len(seen.R.Events.Edges) != 4 {
			t.Errorf("detached request: %s", mustJSON(seen.R))
		}
		for _, e := range seen.R.Events.Edges {
			if e.Node.Note != "" {
				t.Errorf("an event of the erased person's request keeps its note: %s", mustJSON(e))
			}
		}
		if seen.G.Person != nil || seen.G.Status != "REGISTERED" {
			t.Errorf("detached registration: %s", mustJSON(seen.G))
		}
		if strings.Contains(string(r.Raw), name) || strings.Contains(string(r.Raw), phone) {
			t.Errorf("staff still read the erased person's data: %s", r.Raw)
		}
		if n, err := c.RequestEvent.Query().Where(requestevent.ActorID(pid)).Count(sys); err != nil || n != 0 {
			t.Errorf("events naming the erased person as actor: %d %v", n, err)
		}
		if n, err := c.PersonalDataAccess.Query().Where(personaldataaccess.SubjectID(pid)).Count(sys); err != nil || n != 0 {
			t.Errorf("reading-log entries still pointing at the erased person: %d %v", n, err)
		}
		// Idempotency: the counter's key, replayed, returns nothing personal.
		if n, err := c.IdempotencyKey.Query().Where(idempotencykey.ResultIDIn(mustID(t, reqID), mustID(t, onBehalf.SubmitRequest.Request.ID))).Count(sys); err != nil || n != 0 {
			t.Errorf("idempotency keys of the erased person's requests: %d %v", n, err)
		}
		replay := s.Query(t, staff, submit, map[string]any{"title": "窗户坏了", "key": "counter-1", "for": gid.Encode(pid)})
		if len(replay.Errors) == 0 || strings.Contains(string(replay.Raw), address) || strings.Contains(string(replay.Raw), "窗户坏了") {
			t.Errorf("replayed counter key after erasure: %s", replay.Raw)
		}

		// Nothing of theirs in the change feed and the open downloads.
		// The whole change feed, page by page.
		for after, more := "", true; more; {
			res, body := get(t, s, "/open/changes", url.Values{"limit": {"1000"}, "after": {after}}, nil)
			if res.StatusCode != 200 {
				t.Fatalf("/open/changes: %d %s", res.StatusCode, body)
			}
			for _, leak := range []string{name, phone, address, secret, "水管漏水"} {
				if strings.Contains(body, leak) {
					t.Errorf("the change feed holds %q", leak)
				}
			}
			after, more = res.Header.Get("X-Next-Cursor"), res.Header.Get("X-More") == "true"
		}
		paths := []string{"/open/activities.csv", "/open/activities.ndjson", "/open/activities.ics",
			"/open/facilities.ndjson", "/open/regions.ndjson", "/open/compounds.ndjson", "/open/organizations.ndjson", "/open/grids.ndjson", statsPath}
		for _, p := range paths {
			res, body := download(t, s, p, "")
			if res.StatusCode != 200 {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
			for _, leak := range []string{name, phone, address, secret, "水管漏水"} {
				if strings.Contains(body, leak) {
					t.Errorf("%s holds %q", p, leak)
				}
			}
		}
		// Published statistics are immutable: byte for byte the same.
		if _, after := download(t, s, statsPath, ""); after != statsBefore {
			t.Errorf("published statistics changed with the erasure")
		}
		// What statistics count is kept: each request's community, kind,
		// status and dates, each registration's activity and status.
		if after := statInputs(t, c); after != inputsBefore {
			t.Errorf("the erasure changed what statistics count")
		}
		// And a new computation of the month counts the same.
		after, err := stats.Publish(context.Background(), c, period, stats.Options{Method: stats.MethodRule105})
		if err != nil {
			t.Fatalf("statistics after the erasure: %v", err)
		}
		_ = after
		if _, again := download(t, s, statsPath, ""); stripPublished(again) != stripPublished(statsBefore) {
			t.Errorf("statistics recomputed after the erasure differ")
		}
	})
}

// statInputs lists what the statistics are computed from, in ID order.
func statInputs(t *testing.T, c *ent.Client) string {
	t.Helper()
	sys := rule.SystemContext(context.Background())
	var b strings.Builder
	reqs, err := c.ServiceRequest.Query().Order(ent.Asc("id")).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		fmt.Fprintln(&b, r.ID, r.CommunityID, r.Kind, r.Category, r.Status, r.SubmittedAt.Unix(), unix(r.ResolvedAt), unix(r.ConfirmedAt), unix(r.ClaimedAt), intOr0(r.Satisfaction))
	}
	regs, err := c.Registration.Query().Order(ent.Asc("id")).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		fmt.Fprintln(&b, r.ID, r.ActivityID, r.CommunityID, r.Status)
	}
	return b.String()
}

func intOr0(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

func unix(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.Unix()
}

func mustID(t *testing.T, s string) int {
	t.Helper()
	id, err := gid.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// stripPublished drops the columns that name the publication (its ID and
// time) from a statistics CSV, so two publications of the same counts
// compare equal.
func stripPublished(csv string) string {
	lines := strings.Split(csv, "\n")
	for i, l := range lines {
		if j := strings.LastIndexByte(l, ','); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}

// TestPersonalDataReadingLog: staff reading a resident's phone is one
// entry with field phone in the resident's log; the public and other
// residents cannot read the log; admins filter it; a staff query of 50
// people with phones adds exactly one INSERT.
func TestPersonalDataReadingLog(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		st := b.Open(t, testenv.Options{Counter: &counter})
		s := testenv.StartServer(t, st, server.Options{})
		_, wtx := s.Community(t, "文亭巷社区")
		pid, resident := newPersonWithPhone(t, s, wtx, "resident", "读取测试居民", "13955556666")
		_, other := newPersonWithPhone(t, s, wtx, "resident", "旁观居民", "13977778888")
		staff, admin := s.Token(t, "staff", wtx), s.Token(t, "admin", 0)

		// The resident's own reads are not logged.
		s.Query(t, resident, `{ viewer { role } people(first: 5) { edges { node { name phone } } } }`, nil).Decode(t, &struct{}{})
		s.Query(t, staff, `query StaffReadsPhone($id: ID!) { node(id: $id) { ... on Person { phone } } }`, map[string]any{"id": gid.Encode(pid)}).Decode(t, &struct{}{})
		var log struct {
			MyDataAccessLog struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ViewerRole, Operation, At string
						Fields                    []string
						ViewerCommunity           *struct{ Name string }
						SubjectID, ViewerTokenID  *string
					}
				}
			}
		}
		s.Query(t, resident, `{ myDataAccessLog(first: 10) { totalCount edges { node { viewerRole operation at fields
			viewerCommunity { name } subjectID viewerTokenID } } } }`, nil).Decode(t, &log)
		if log.MyDataAccessLog.TotalCount != 1 {
			t.Fatalf("reading log: %s", mustJSON(log))
		}
		e := log.MyDataAccessLog.Edges[0].Node
		if e.ViewerRole != "STAFF" || len(e.Fields) != 1 || e.Fields[0] != "phone" || !strings.Contains(e.Operation, "StaffReadsPhone") ||
			e.ViewerCommunity == nil || e.ViewerCommunity.Name != "文亭巷社区" || e.SubjectID != nil || e.ViewerTokenID != nil {
			t.Errorf("the resident's view of the entry: %s", mustJSON(e))
		}
		// Not for the public, not for another resident.
		if r := s.Query(t, "", `{ myDataAccessLog(first: 1) { totalCount } }`, nil); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("public reads a reading log: %s", r.Raw)
		}
		var others struct{ MyDataAccessLog struct{ TotalCount int } }
		s.Query(t, other, `{ myDataAccessLog(first: 1) { totalCount } }`, nil).Decode(t, &others)
		if others.MyDataAccessLog.TotalCount != 0 {
			t.Errorf("another resident sees %d entries", others.MyDataAccessLog.TotalCount)
		}
		for _, tok := range []string{other, staff} {
			if r := s.Query(t, tok, `{ personalDataAccessLog(first: 1) { totalCount } }`, nil); r.Code() != "FORBIDDEN" {
				t.Errorf("personalDataAccessLog for a non-admin: %s", r.Raw)
			}
		}
		var all struct {
			PersonalDataAccessLog struct {
				TotalCount int
				Edges      []struct {
					Node struct{ SubjectID, ViewerTokenID *string }
				}
			}
		}
		s.Query(t, admin, `query($id: ID!) { personalDataAccessLog(first: 5, subjectID: $id) { totalCount edges { node { subjectID viewerTokenID } } } }`,
			map[string]any{"id": gid.Encode(pid)}).Decode(t, &all)
		if all.PersonalDataAccessLog.TotalCount != 1 || all.PersonalDataAccessLog.Edges[0].Node.SubjectID == nil ||
			*all.PersonalDataAccessLog.Edges[0].Node.SubjectID != gid.Encode(pid) || all.PersonalDataAccessLog.Edges[0].Node.ViewerTokenID == nil {
			t.Errorf("admin's view: %s", mustJSON(all))
		}
		// The log is append-only, even under the system context.
		sys := rule.SystemContext(context.Background())
		if err := st.Client.PersonalDataAccess.Update().SetViewerPersonID(1).Exec(sys); err == nil {
			t.Error("the reading log accepted an update")
		}
		if _, err := st.Client.PersonalDataAccess.Delete().Exec(sys); err == nil {
			t.Error("the reading log accepted a delete")
		}
		if err := st.Client.PersonalDataAccess.Update().ClearSubjectID().Exec(sys); err == nil {
			t.Error("the reading log accepted a detach outside an erasure")
		}
		// Even the erasure context only clears: request history keeps
		// refusing anything else.
		er := rule.ErasureContext(context.Background())
		if err := st.Client.PersonalDataAccess.Update().SetViewerPersonID(1).Exec(er); err == nil {
			t.Error("the reading log accepted a rewrite under the erasure context")
		}
		if err := st.Client.RequestEvent.Update().SetNote("rewritten").Exec(er); err == nil {
			t.Error("request history accepted a rewritten note under the erasure context")
		}
		if _, err := st.Client.RequestEvent.Delete().Exec(er); err == nil {
			t.Error("request history accepted a delete under the erasure context")
		}

		// 50 people with phones: one INSERT for the whole page.
		for i := range 50 {
			if _, err := st.Client.Person.Create().SetName(fmt.Sprintf("批量居民%02d", i)).SetPhone(fmt.Sprintf("1380000%04d", i)).
				SetCommunityID(wtx).Save(sys); err != nil {
				t.Fatal(err)
			}
		}
		query := `query StaffList { people(first: 50) { edges { node { name phone } } } }`
		s.Query(t, staff, query, nil).Decode(t, &struct{}{}) // the token's last use is written once
		before, err := st.Client.PersonalDataAccess.Query().Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		counter.Reset()
		s.Query(t, staff, query, nil).Decode(t, &struct{}{})
		var inserts []string
		for _, stmt := range counter.Statements() {
			if strings.Contains(strings.ToUpper(stmt), "INSERT INTO") {
				inserts = append(inserts, stmt)
			}
		}
		if len(inserts) != 1 || !strings.Contains(inserts[0], "personal_data_accesses") {
			t.Errorf("%d INSERT statements for a page of 50 people, want 1 into personal_data_accesses:\n%s", len(inserts), strings.Join(counter.Statements(), "\n"))
		}
		n, err := st.Client.PersonalDataAccess.Query().Count(sys)
		if err != nil || n-before != 50 {
			t.Errorf("reading-log rows for a page of 50 people: %d %v", n-before, err)
		}
	})
}

// A mutation's document is never persisted (APQ): personal values written
// inline in it are not kept after the request. Queries still are.
func TestMutationDocumentsAreNotPersisted(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	_, wtx := s.Community(t, "文亭巷社区")
	_, resident := newPersonWithPhone(t, s, wtx, "resident", "APQ测试居民", "13900001111")
	post := func(doc string, withText bool) *testenv.Response {
		sum := sha256.Sum256([]byte(doc))
		body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}}
		if withText {
			body["query"] = doc
		}
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+resident)
		return s.Do(t, req)
	}
	mutation := `mutation { submitRequest(input: {kind: REPAIR, title: "内联标题", address: "内联地址1号"}) { request { id } } }`
	if r := post(mutation, true); len(r.Errors) > 0 {
		t.Fatalf("the mutation with its text: %s", r.Raw)
	}
	if r := post(mutation, false); !strings.Contains(string(r.Raw), "PersistedQueryNotFound") {
		t.Errorf("a mutation's hash alone: %s", r.Raw)
	}
	query := `{ myData { formatVersion } }`
	post(query, true)
	if r := post(query, false); len(r.Errors) > 0 {
		t.Errorf("a query's hash alone: %s", r.Raw)
	}
}
