package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth/identity"
	"lifecircle/internal/auth/oidc"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// TestResidentAppStory is issue #11's "done means", end to end, with
// access tokens of a real OpenID Connect provider and no command run on
// the server: the first admin signs in (a configured admin subject) and
// links a staff member; the staff member registers a newcomer at the
// counter and gives them a sign-in code; the newcomer's app links, posts a
// micro-wish, sees its progress, downloads their data, sees who read it,
// and has it erased — after which their sign-in no longer works and
// nothing of theirs is in the public change feed.
func TestResidentAppStory(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		p := testenv.StartProvider(t)
		st := b.Open(t, testenv.Options{})
		v, err := oidc.New(oidc.Config{Issuer: p.Issuer(), Audiences: []string{apiAudience}})
		if err != nil {
			t.Fatal(err)
		}
		s := testenv.StartServer(t, st, server.Options{
			SignIn:         &identity.Authenticator{Verifier: v, Client: st.Client, AdminSubjects: []string{"first-admin"}},
			FailedAuthRate: limits.Rate{Points: 1000, Per: time.Minute},
		})
		jwt := func(sub string) string {
			return p.Mint(t, "k1", testenv.Claims{Subject: sub, Audience: []string{apiAudience}})
		}
		wtxGID, _ := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")

		// The first admin: linked on first sign-in by configuration.
		admin := jwt("first-admin")
		var who struct{ Viewer struct{ Role string } }
		s.Query(t, admin, `{ viewer { role } }`, nil).Decode(t, &who)
		if who.Viewer.Role != "ADMIN" {
			t.Fatalf("the configured admin subject signs in as %q", who.Viewer.Role)
		}
		if r := s.Query(t, jwt("not-an-admin"), `{ viewer { role } }`, nil); reason(r) != identity.ReasonNotLinked {
			t.Fatalf("another subject: want IDENTITY_NOT_LINKED, got %s", r.Raw)
		}
		s.Query(t, admin, `mutation($in: LinkIdentityInput!) { linkIdentity(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"issuer": p.Issuer(), "subject": "counter-officer", "role": "STAFF", "communityID": wtxGID}}).Decode(t, &struct{}{})
		staff := jwt("counter-officer")

		// The counter registers a newcomer and hands out a sign-in code.
		const name, phone = "新住户测试", "13900001111"
		var made struct{ CreatePerson struct{ ID string } }
		s.Query(t, staff, `mutation($in: CreatePersonInput!) { createPerson(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"name": name, "phone": phone, "roles": []string{"resident"}}}).Decode(t, &made)
		newcomer := made.CreatePerson.ID
		var code struct{ IssueSignInCode struct{ Code string } }
		s.Query(t, staff, `mutation($p: ID!) { issueSignInCode(personID: $p) { code } }`, map[string]any{"p": newcomer}).Decode(t, &code)

		// The newcomer's app signs in, links and posts a micro-wish.
		me := jwt("newcomer-1")
		var linked struct {
			LinkSignIn struct{ Role, PersonID string }
		}
		s.Query(t, me, `mutation($c: String!) { linkSignIn(code: $c) { role personID } }`, map[string]any{"c": code.IssueSignInCode.Code}).Decode(t, &linked)
		if linked.LinkSignIn.Role != "RESIDENT" || linked.LinkSignIn.PersonID != newcomer {
			t.Fatalf("linkSignIn: %+v", linked)
		}
		const wishTitle, address = "想要一盏台灯给孩子写作业", "文亭巷小区9号楼1单元"
		var sub struct {
			SubmitRequest struct{ Request struct{ ID, Status string } }
		}
		s.Query(t, me, `mutation($t: String!, $a: String!) { submitRequest(input: {kind: MICRO_WISH, title: $t, address: $a}) { request { id status } } }`,
			map[string]any{"t": wishTitle, "a": address}).Decode(t, &sub)
		wish := sub.SubmitRequest.Request.ID

		// Progress: staff reject nothing, they dispatch; the resident sees it.
		var mine struct {
			MyData struct {
				Person   struct{ Name, Phone string }
				Requests []struct{ ID, Title, Status string }
			}
		}
		s.Query(t, me, `{ myData { person { name phone } requests { id title status } } }`, nil).Decode(t, &mine)
		if mine.MyData.Person.Name != name || mine.MyData.Person.Phone != phone || len(mine.MyData.Requests) != 1 ||
			mine.MyData.Requests[0].ID != wish || mine.MyData.Requests[0].Status != "SUBMITTED" {
			t.Fatalf("myData: %+v", mine)
		}

		// Staff of another community cannot read the newcomer; the
		// counter can, and that read is logged for the newcomer to see.
		other := s.Token(t, "staff", bd)
		if r := s.Query(t, other, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": newcomer}); r.Code() != "NOT_FOUND" {
			t.Errorf("staff of another community reading the newcomer: %s", r.Raw)
		}
		s.Query(t, staff, `query Counter($id: ID!) { node(id: $id) { ... on Person { phone } } }`, map[string]any{"id": newcomer}).Decode(t, &struct{}{})
		var log struct {
			MyDataAccessLog struct {
				Edges []struct {
					Node struct {
						ViewerRole string
						Fields     []string
					}
				}
			}
		}
		s.Query(t, me, `{ myDataAccessLog(first: 10) { edges { node { viewerRole fields } } } }`, nil).Decode(t, &log)
		if len(log.MyDataAccessLog.Edges) != 1 || log.MyDataAccessLog.Edges[0].Node.ViewerRole != "STAFF" ||
			strings.Join(log.MyDataAccessLog.Edges[0].Node.Fields, ",") != "phone" {
			t.Errorf("the newcomer's reading log: %+v", log)
		}

		// The download, with the same sign-in.
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/me/data.json", nil)
		req.Header.Set("Authorization", "Bearer "+me)
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var file map[string]any
		if res.StatusCode != 200 || json.Unmarshal(body, &file) != nil || !strings.Contains(string(body), wishTitle) || !strings.Contains(string(body), phone) {
			t.Fatalf("GET /me/data.json: %d %.300s", res.StatusCode, body)
		}

		// Erasure: the sign-in stops working and nothing of theirs is left
		// in what the public can read.
		s.Query(t, me, `mutation { eraseMyData { id } }`, nil).Decode(t, &struct{}{})
		if r := s.Query(t, me, `{ myData { person { name } } }`, nil); r.Status == http.StatusOK && r.Code() == "" {
			t.Errorf("the erased person's sign-in still works: %s", r.Raw)
		}
		var node struct{ Node struct{ Name, Phone string } }
		s.Query(t, staff, `query($id: ID!) { node(id: $id) { ... on Person { name phone } } }`, map[string]any{"id": newcomer}).Decode(t, &node)
		if node.Node.Name == name || node.Node.Phone != "" {
			t.Errorf("after erasure staff read %+v", node.Node)
		}
		for _, path := range []string{"/open/changes", "/open/facilities.csv", "/open/statistics.csv"} {
			res, err := s.Client().Get(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			for _, secret := range []string{name, phone, wishTitle, address} {
				if strings.Contains(string(body), secret) {
					t.Errorf("%s holds %q after erasure", path, secret)
				}
			}
		}
	})
}
