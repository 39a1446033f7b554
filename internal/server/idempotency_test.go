package server_test

import (
	"context"
	"encoding/json"
	"lifecircle/ent/organization"
	"lifecircle/internal/gid"
	"net/http"
	"sort"
	"strings"
	"testing"

	"lifecircle/internal/auth/rule"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// keyed POSTs a GraphQL document with an Idempotency-Key (none if key is
// empty).
func keyed(t *testing.T, s *testenv.Server, tok, key, query string, vars map[string]any) *testenv.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(gqlBody(query, vars)))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return s.Do(t, req)
}

// createdID digs the ID of the record out of a create's answer: the
// field's own id, or its payload's request's.
func createdID(t *testing.T, r *testenv.Response, field string) string {
	t.Helper()
	var data map[string]map[string]any
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil {
		t.Fatalf("%s: %s", field, r.Raw)
	}
	if id, ok := data[field]["id"].(string); ok {
		return id
	}
	if tok, ok := data[field]["apiToken"].(map[string]any); ok {
		if id, ok := tok["id"].(string); ok {
			return id
		}
	}
	if ep, ok := data[field]["endpoint"].(map[string]any); ok {
		if id, ok := ep["id"].(string); ok {
			return id
		}
	}
	if req, ok := data[field]["request"].(map[string]any); ok {
		if id, ok := req["id"].(string); ok {
			return id
		}
	}
	t.Fatalf("%s: no ID in %s", field, r.Raw)
	return ""
}

// Every create mutation of the schema, retried with its Idempotency-Key,
// returns the first record and makes no second one; the same key with
// other arguments is refused with a code.
func TestEveryCreateIsIdempotent(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		ctx := rule.SystemContext(context.Background())
		c := s.Store.Client
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		admin, staff := s.Token(t, "admin", 0), s.Token(t, "staff", wtx)
		_, resident := newPerson(t, s, wtx, "resident", "幂等居民")
		activity := func(title string) string {
			var a struct{ CreateActivity struct{ ID string } }
			s.Query(t, staff, `mutation($c: ID!, $n: String!) { createActivity(input: {title: $n, category: HEALTH, communityID: $c,
				startsAt: "2030-05-01T09:00:00+08:00", endsAt: "2030-05-01T11:00:00+08:00", capacity: 30}) { id } }`,
				map[string]any{"c": wtxGID, "n": title}).Decode(t, &a)
			return a.CreateActivity.ID
		}
		a1, a2 := activity("幂等义诊一"), activity("幂等义诊二")
		provider, err := c.Organization.Query().Where(organization.RegionID(wtx)).FirstID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		count := func(f func(context.Context) (int, error)) func() int {
			return func() int {
				n, err := f(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		cases := []struct {
			field, tok, query string
			first, other      map[string]any // arguments of the request, and others sent with its key
			count             func() int
		}{
			{"createRegion", admin, `mutation($n: String!) { createRegion(input: {level: CITY, name: $n, lat: 36.6, lng: 101.7}) { id } }`,
				map[string]any{"n": "幂等市"}, map[string]any{"n": "另一个市"}, count(c.Region.Query().Count)},
			{"createCompound", staff, `mutation($c: ID!, $n: String!) { createCompound(input: {name: $n, lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
				map[string]any{"c": wtxGID, "n": "幂等小区"}, map[string]any{"c": wtxGID, "n": "另一个小区"}, count(c.Compound.Query().Count)},
			{"createGrid", staff, `mutation($c: ID!, $n: String!) { createGrid(input: {name: $n, communityID: $c}) { id } }`,
				map[string]any{"c": wtxGID, "n": "幂等网格"}, map[string]any{"c": wtxGID, "n": "另一个网格"}, count(c.Grid.Query().Count)},
			{"createOrganization", admin, `mutation($c: ID!, $n: String!) { createOrganization(input: {kind: PARTY_BRANCH, name: $n, regionID: $c}) { id } }`,
				map[string]any{"c": wtxGID, "n": "幂等支部"}, map[string]any{"c": wtxGID, "n": "另一个支部"}, count(c.Organization.Query().Count)},
			{"createActivity", staff, `mutation($c: ID!, $n: String!) { createActivity(input: {title: $n, category: HEALTH, communityID: $c,
				startsAt: "2030-06-01T09:00:00+08:00", endsAt: "2030-06-01T11:00:00+08:00"}) { id } }`,
				map[string]any{"c": wtxGID, "n": "幂等活动"}, map[string]any{"c": wtxGID, "n": "另一个活动"}, count(c.Activity.Query().Count)},
			{"createFacility", staff, createFacilityDoc,
				map[string]any{"c": wtxGID, "n": "幂等药店"}, map[string]any{"c": wtxGID, "n": "另一家药店"}, count(c.Facility.Query().Count)},
			{"createPerson", staff, `mutation($n: String!) { createPerson(input: {name: $n}) { id } }`,
				map[string]any{"n": "幂等新居民"}, map[string]any{"n": "另一位新居民"}, count(c.Person.Query().Count)},
			{"submitRequest", resident, `mutation($n: String!) { submitRequest(input: {kind: REPAIR, title: $n}) { request { id } } }`,
				map[string]any{"n": "楼道灯坏了"}, map[string]any{"n": "水管漏了"}, count(c.ServiceRequest.Query().Count)},
			{"createApiToken", admin, `mutation($n: String!) { createApiToken(input: {name: $n, role: "ADMIN", scope: READ}) { apiToken { id } secret } }`,
				map[string]any{"n": "幂等令牌"}, map[string]any{"n": "另一个令牌"}, count(c.APIToken.Query().Count)},
			// The retry answers the same secret (data compared below).
			{"createWebhookEndpoint", staff, `mutation($u: String!) { createWebhookEndpoint(input: {url: $u, eventTypes: ["facility.created"]}) { endpoint { id } secret } }`,
				map[string]any{"u": "https://hooks.example.com/idem"}, map[string]any{"u": "https://hooks.example.com/other"}, count(c.WebhookEndpoint.Query().Count)},
			{"registerForActivity", resident, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`,
				map[string]any{"a": a1}, map[string]any{"a": a2}, count(c.Registration.Query().Count)},
			{"createResource", staff, `mutation($c: ID!, $p: ID!, $n: String!) { createResource(input: {communityID: $c, providerID: $p, kind: VENUE, title: $n}) { id } }`,
				map[string]any{"c": wtxGID, "p": gid.Encode(provider), "n": "幂等场地"}, map[string]any{"c": wtxGID, "p": gid.Encode(provider), "n": "另一个场地"}, count(c.Resource.Query().Count)},
			{"createCoBuildingProject", staff, `mutation($c: ID!, $n: String!) { createCoBuildingProject(input: {communityID: $c, title: $n}) { id } }`,
				map[string]any{"c": wtxGID, "n": "幂等共建项目"}, map[string]any{"c": wtxGID, "n": "另一个共建项目"}, count(c.CoBuildingProject.Query().Count)},
			{"createServiceMatter", staff, `mutation($c: ID!, $n: String!) { createServiceMatter(input: {communityID: $c, category: CIVIL_AFFAIRS, name: $n}) { id } }`,
				map[string]any{"c": wtxGID, "n": "幂等事项"}, map[string]any{"c": wtxGID, "n": "另一个事项"}, count(c.ServiceMatter.Query().Count)},
			// One theme a region and month: without the key, the retry
			// would answer CONFLICT instead of the first theme.
			{"createTheme", staff, `mutation($c: ID!, $m: String!) { createTheme(input: {regionID: $c, month: $m, title: "幂等主题"}) { id } }`,
				map[string]any{"c": wtxGID, "m": "2031-01"}, map[string]any{"c": wtxGID, "m": "2031-02"}, count(c.Theme.Query().Count)},
		}

		// The list above is every create of the schema.
		var schema struct {
			Type struct{ Fields []struct{ Name string } } `json:"__type"`
		}
		s.Query(t, "", `{ __type(name: "Mutation") { fields { name } } }`, nil).Decode(t, &schema)
		var creates, covered []string
		for _, f := range schema.Type.Fields {
			if strings.HasPrefix(f.Name, "create") || f.Name == "submitRequest" || f.Name == "registerForActivity" {
				creates = append(creates, f.Name)
			}
		}
		for _, tc := range cases {
			covered = append(covered, tc.field)
		}
		sort.Strings(creates)
		sort.Strings(covered)
		if strings.Join(creates, ",") != strings.Join(covered, ",") {
			t.Fatalf("create mutations of the schema: %v; covered here: %v", creates, covered)
		}

		for _, tc := range cases {
			t.Run(tc.field, func(t *testing.T) {
				key := "retry-" + tc.field
				before := tc.count()
				first := keyed(t, s, tc.tok, key, tc.query, tc.first)
				id := createdID(t, first, tc.field)
				again := keyed(t, s, tc.tok, key, tc.query, tc.first)
				if got := createdID(t, again, tc.field); got != id || string(again.Data) != string(first.Data) {
					t.Errorf("the retry answered %s, the first request %s", again.Data, first.Data)
				}
				if n := tc.count(); n != before+1 {
					t.Errorf("two requests with one key made %d records", n-before)
				}
				if r := keyed(t, s, tc.tok, key, tc.query, tc.other); r.Code() != "IDEMPOTENCY_KEY_REUSED" {
					t.Errorf("the key with other arguments: want IDEMPOTENCY_KEY_REUSED, got %s", r.Raw)
				}
				// Another key is another write (so the count above can fail).
				if r := keyed(t, s, tc.tok, key+"-2", tc.query, tc.other); createdID(t, r, tc.field) == id {
					t.Errorf("another key returned the first record")
				}
				if n := tc.count(); n != before+2 {
					t.Errorf("a new key: %d records in all, want %d", n-before, 2)
				}
			})
		}

		// A retried createWebhookEndpoint answers the secret only while it is
		// still the endpoint's: after a rotation the retry is refused.
		hook := `mutation($u: String!) { createWebhookEndpoint(input: {url: $u, eventTypes: ["facility.created"]}) { endpoint { id } secret } }`
		hookVars := map[string]any{"u": "https://hooks.example.com/rotated"}
		hookID := createdID(t, keyed(t, s, staff, "rotate-key", hook, hookVars), "createWebhookEndpoint")
		if r := keyed(t, s, staff, "", `mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }`, map[string]any{"id": hookID}); len(r.Errors) > 0 {
			t.Fatalf("rotate: %s", r.Raw)
		}
		if r := keyed(t, s, staff, "rotate-key", hook, hookVars); r.Code() != "CONFLICT" || strings.Contains(string(r.Raw), "whsec_") {
			t.Errorf("a retried create after a rotation: want CONFLICT and no secret, got %s", r.Raw)
		}

		// Keys are the client's own: another token's same key is its own write.
		staff2 := s.Token(t, "staff", wtx)
		mine := createdID(t, keyed(t, s, staff, "shared-key", createFacilityDoc, map[string]any{"c": wtxGID, "n": "各自的药店"}), "createFacility")
		theirs := createdID(t, keyed(t, s, staff2, "shared-key", createFacilityDoc, map[string]any{"c": wtxGID, "n": "各自的药店"}), "createFacility")
		if mine == theirs {
			t.Error("two tokens sharing a key got one record")
		}
		// clientMutationId works as the key of submitRequest.
		submit := `mutation($k: String) { submitRequest(input: {kind: MICRO_WISH, title: "想要绘本", clientMutationId: $k}) { clientMutationId request { id } } }`
		r1 := keyed(t, s, resident, "", submit, map[string]any{"k": "wish-9"})
		r2 := keyed(t, s, resident, "", submit, map[string]any{"k": "wish-9"})
		if createdID(t, r1, "submitRequest") != createdID(t, r2, "submitRequest") {
			t.Errorf("clientMutationId: a retry made a second request: %s %s", r1.Raw, r2.Raw)
		}
		// A key that cannot be stored is refused, not ignored.
		if r := keyed(t, s, staff, strings.Repeat("k", 201), createFacilityDoc, map[string]any{"c": wtxGID, "n": "长键药店"}); r.Status != 400 || r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a 201-byte key: want 400 BAD_USER_INPUT, got %d %s", r.Status, r.Raw)
		}
		if r := keyed(t, s, resident, "", submit, map[string]any{"k": strings.Repeat("k", 201)}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a 201-byte clientMutationId: want BAD_USER_INPUT, got %s", r.Raw)
		}
	})
}

// A caller whose role cannot run a mutation is refused before a
// transaction opens: the public sends no SQL at all, a resident's token is
// looked up but no transaction begins.
func TestRefusedMutationsOpenNoTransaction(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		s := testenv.StartServer(t, b.Open(t, testenv.Options{Counter: &counter}), server.Options{})
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		_, resident := newPerson(t, s, wtx, "resident", "无权居民")
		staff := s.Token(t, "staff", wtx)
		vars := map[string]any{"c": wtxGID, "n": "无权药店"}
		for _, tok := range []string{resident, staff} { // a token's first use is recorded (in a transaction of its own)
			s.Query(t, tok, `{ viewer { role } }`, nil).Decode(t, &struct{}{})
		}
		for _, path := range []string{"/graphql", "/open/graphql"} {
			counter.Reset()
			status, _, body := fetch(t, s, http.MethodPost, path, "", gqlBody(createFacilityDoc, vars), nil)
			if !strings.Contains(string(body), `"UNAUTHENTICATED"`) || counter.Transactions() != 0 || len(counter.Statements()) != 0 {
				t.Errorf("anonymous mutation on %s: %d %s; %d transactions, statements:\n%s", path, status, body,
					counter.Transactions(), strings.Join(counter.Statements(), "\n"))
			}
		}
		counter.Reset()
		if r := s.Query(t, resident, createFacilityDoc, vars); r.Code() != "FORBIDDEN" || counter.Transactions() != 0 {
			t.Errorf("a resident's createFacility: %s; %d transactions", r.Raw, counter.Transactions())
		}
		// Two root fields, one refused: the whole operation is refused, each
		// refusal on its own path, and nothing runs.
		counter.Reset()
		r := s.Query(t, resident, `mutation($c: ID!, $n: String!) { mine: submitRequest(input: {kind: REPAIR, title: $n}) { request { id } }
			theirs: createFacility(input: {name: $n, category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`, vars)
		if r.Code() != "FORBIDDEN" || len(r.Errors) != 1 || len(r.Errors[0].Path) != 1 || r.Errors[0].Path[0] != "theirs" || counter.Transactions() != 0 {
			t.Errorf("a mutation with one refused field: %s; %d transactions", r.Raw, counter.Transactions())
		}
		// The count sees transactions (so the zeros above can fail).
		counter.Reset()
		s.Query(t, staff, createFacilityDoc, vars).Decode(t, &struct{}{})
		if counter.Transactions() != 1 {
			t.Errorf("staff's createFacility: %d transactions, want 1", counter.Transactions())
		}
	})
}
