package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"lifecircle/ent/organization"
	"lifecircle/ent/registration"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/testenv"
)

// people of a community: persons created for the test, with tokens.
func newPerson(t *testing.T, s *testenv.Server, community int, role, name string) (string, string) {
	t.Helper()
	ctx := rule.SystemContext(context.Background())
	p, err := s.Store.Client.Person.Create().SetName(name).SetPhone("13900000000").SetCommunityID(community).
		SetRoles([]string{role}).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return gid.Encode(p.ID), s.Token(t, "resident", p.ID)
}

// volunteer registers a volunteer of community, a member of its volunteer
// teams, and returns their token.
func volunteer(t *testing.T, s *testenv.Server, community int, name string) string {
	t.Helper()
	ctx := rule.SystemContext(context.Background())
	teams, err := s.Store.Client.Organization.Query().
		Where(organization.RegionID(community), organization.KindEQ(organization.KindVolunteerTeam)).IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Store.Client.Person.Create().SetName(name).SetCommunityID(community).SetRoles([]string{"volunteer"}).
		AddTeamIDs(teams...).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s.Token(t, "volunteer", p.ID)
}

type request struct {
	ID, Status, Address string
	Version             int
	Requester           *struct{ Name string }
	ClaimedBy           *struct{ Name string }
	Events              struct {
		Edges []struct {
			Node struct{ Action, ToStatus string }
		}
	}
}

const requestFields = `id status version address requester { name } claimedBy { name }
	events(first: 20) { edges { node { action toStatus } } }`

func TestNeedsListStory(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		_, wtx := s.Community(t, "文亭巷社区")
		_, bd := s.Community(t, "北大社区")
		_, resident := newPerson(t, s, wtx, "resident", "测试居民")
		staff := s.Token(t, "staff", wtx)
		otherStaff := s.Token(t, "staff", bd)
		v1, v2 := volunteer(t, s, wtx, "志愿者一"), volunteer(t, s, wtx, "志愿者二")
		team, err := s.Store.Client.Organization.Query().
			Where(organization.RegionID(wtx), organization.KindEQ(organization.KindVolunteerTeam)).FirstID(rule.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}

		// The resident posts a micro-wish; a retry with the same key changes nothing.
		submit := `mutation($key: String) { submitRequest(input: {kind: MICRO_WISH, title: "想要一套儿童绘本",
			address: "文亭巷小区3号楼2单元", clientMutationId: $key}) { clientMutationId request { ` + requestFields + ` } } }`
		var sub struct{ SubmitRequest struct{ Request request } }
		s.Query(t, resident, submit, map[string]any{"key": "wish-1"}).Decode(t, &sub)
		var again struct{ SubmitRequest struct{ Request request } }
		s.Query(t, resident, submit, map[string]any{"key": "wish-1"}).Decode(t, &again)
		id := sub.SubmitRequest.Request.ID
		if again.SubmitRequest.Request.ID != id {
			t.Fatalf("a retried submit created a second request")
		}
		if r := s.Query(t, "", submit, map[string]any{"key": "x"}); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous submit: %s", r.Raw)
		}

		do := func(tok, mutation string, vars map[string]any) *testenv.Response {
			t.Helper()
			if vars == nil {
				vars = map[string]any{}
			}
			vars["id"] = id
			return s.Query(t, tok, mutation, vars)
		}
		confirm := `mutation($id: ID!) { confirmRequest(id: $id, satisfaction: 5) { id } }`
		if r := do(resident, confirm, nil); r.Code() != "INVALID_TRANSITION" {
			t.Errorf("confirming a submitted request: want INVALID_TRANSITION, got %s", r.Raw)
		}
		dispatch := `mutation($id: ID!, $org: ID!, $v: Int) { dispatchRequest(id: $id, organizationID: $org, expectedVersion: $v) { id status version } }`
		if r := do(otherStaff, dispatch, map[string]any{"org": gid.Encode(team)}); r.Code() != "NOT_FOUND" {
			t.Errorf("staff of another community dispatching: want NOT_FOUND, got %s", r.Raw)
		}
		if r := do(resident, dispatch, map[string]any{"org": gid.Encode(team)}); r.Code() != "FORBIDDEN" {
			t.Errorf("a resident dispatching: want FORBIDDEN, got %s", r.Raw)
		}
		if r := do(staff, dispatch, map[string]any{"org": gid.Encode(team), "v": 7}); r.Code() != "CONFLICT" {
			t.Errorf("stale expectedVersion: want CONFLICT, got %s", r.Raw)
		}
		do(staff, dispatch, map[string]any{"org": gid.Encode(team), "v": 1}).Decode(t, &struct{}{})

		// A volunteer browsing sees the wish but not the address.
		var seen struct{ Node request }
		s.Query(t, v1, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { `+requestFields+` } } }`, map[string]any{"id": id}).Decode(t, &seen)
		if seen.Node.Status != "DISPATCHED" || seen.Node.Address != "" {
			t.Errorf("volunteer before claiming: %+v", seen.Node)
		}

		// Two volunteers race, five attempts each: exactly one claim wins.
		claim := `mutation($id: ID!) { claimRequest(id: $id) { id claimedBy { name } } }`
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, codes := map[string]int{}, map[string]int{}
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(tok, who string) {
				defer wg.Done()
				r := do(tok, claim, nil)
				mu.Lock()
				defer mu.Unlock()
				if len(r.Errors) == 0 {
					wins[who]++
				} else {
					codes[r.Code()]++
				}
			}(map[bool]string{true: v1, false: v2}[i%2 == 0], fmt.Sprint(i%2))
		}
		wg.Wait()
		if len(wins) != 1 || wins["0"]+wins["1"] != 1 {
			t.Fatalf("claims: %v succeeded, refusals %v; want exactly one success", wins, codes)
		}
		for code := range codes {
			if code != "INVALID_TRANSITION" {
				t.Errorf("a losing claim got %s (refusals %v); want INVALID_TRANSITION: the loser saw the request before the race", code, codes)
			}
		}
		winner, loser := v1, v2
		if wins["1"] == 1 {
			winner, loser = v2, v1
		}
		// Claiming again after the race is the same answer; a request the
		// volunteer could never see stays NOT_FOUND: one of another
		// community, or one not yet dispatched.
		if r := do(loser, claim, nil); r.Code() != "INVALID_TRANSITION" {
			t.Errorf("the loser claiming again: want INVALID_TRANSITION, got %s", r.Raw)
		}
		if r := do(volunteer(t, s, bd, "北大志愿者"), claim, nil); r.Code() != "NOT_FOUND" {
			t.Errorf("a volunteer of another community claiming: want NOT_FOUND, got %s", r.Raw)
		}
		var fresh struct{ SubmitRequest struct{ Request request } }
		s.Query(t, resident, submit, map[string]any{"key": "wish-2"}).Decode(t, &fresh)
		if r := s.Query(t, loser, claim, map[string]any{"id": fresh.SubmitRequest.Request.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("claiming a request not yet dispatched: want NOT_FOUND, got %s", r.Raw)
		}
		s.Query(t, winner, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { `+requestFields+` } } }`, map[string]any{"id": id}).Decode(t, &seen)
		if seen.Node.Address != "文亭巷小区3号楼2单元" {
			t.Errorf("the claiming volunteer must see the address, got %q", seen.Node.Address)
		}
		if r := s.Query(t, loser, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Errorf("the other volunteer still sees the claimed request: %s", r.Raw)
		}

		resolve := `mutation($id: ID!) { resolveRequest(id: $id, note: "绘本已送到") { id } }`
		if r := do(loser, resolve, nil); r.Code() != "NOT_FOUND" {
			t.Errorf("the losing volunteer resolving: %s", r.Raw)
		}
		badInput(t, "a note of spaces", do(winner, `mutation($id: ID!) { resolveRequest(id: $id, note: " \u200b\u3000") { id } }`, nil), "note")
		do(winner, resolve, nil).Decode(t, &struct{}{})
		do(resident, confirm, nil).Decode(t, &struct{}{})

		var final struct{ Node request }
		s.Query(t, resident, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { `+requestFields+` } } }`, map[string]any{"id": id}).Decode(t, &final)
		var actions []string
		for _, e := range final.Node.Events.Edges {
			actions = append(actions, e.Node.Action+">"+e.Node.ToStatus)
		}
		want := "SUBMIT>SUBMITTED DISPATCH>DISPATCHED CLAIM>CLAIMED RESOLVE>RESOLVED CONFIRM>CONFIRMED"
		if strings.Join(actions, " ") != want || final.Node.Status != "CONFIRMED" || final.Node.Version != 5 {
			t.Errorf("history %v, status %s, version %d; want %s, CONFIRMED, 5", actions, final.Node.Status, final.Node.Version, want)
		}

		// The history cannot be edited, not even from inside the server.
		ctx := rule.SystemContext(context.Background())
		ev, err := s.Store.Client.RequestEvent.Query().First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Store.Client.RequestEvent.UpdateOne(ev).Exec(ctx); err == nil {
			t.Error("a history entry was updated")
		}
		if err := s.Store.Client.RequestEvent.DeleteOne(ev).Exec(ctx); err == nil {
			t.Error("a history entry was deleted")
		}
	})
}

func TestIdempotencyKeyHeader(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	_, wtx := s.Community(t, "文亭巷社区")
	_, resident := newPerson(t, s, wtx, "resident", "测试居民")
	post := func() string {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(
			`{"query":"mutation { submitRequest(input: {kind: REPAIR, title: \"楼道灯坏了\"}) { request { id } } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+resident)
		req.Header.Set("Idempotency-Key", "lamp-42")
		var d struct {
			SubmitRequest struct{ Request struct{ ID string } }
		}
		s.Do(t, req).Decode(t, &d)
		return d.SubmitRequest.Request.ID
	}
	if a, b := post(), post(); a != b {
		t.Errorf("the same Idempotency-Key made two requests: %s, %s", a, b)
	}
}

// 100 residents register at once for 30 places: exactly 30 get one.
func TestActivityCapacityHoldsUnderConcurrency(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		var a struct{ CreateActivity struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createActivity(input: {title: "义诊", category: HEALTH, communityID: $c,
			startsAt: "2030-05-01T09:00:00+08:00", endsAt: "2030-05-01T11:00:00+08:00", capacity: 30}) { id } }`,
			map[string]any{"c": wtxGID}).Decode(t, &a)
		tokens := make([]string, 100)
		for i := range tokens {
			_, tokens[i] = newPerson(t, s, wtx, "resident", fmt.Sprintf("报名居民%03d", i))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, codes := 0, map[string]int{}
		for _, tok := range tokens {
			wg.Add(1)
			go func(tok string) {
				defer wg.Done()
				r := s.Query(t, tok, `mutation($a: ID!) { registerForActivity(activityID: $a) { id status } }`, map[string]any{"a": a.CreateActivity.ID})
				mu.Lock()
				defer mu.Unlock()
				if len(r.Errors) == 0 {
					ok++
				} else {
					codes[r.Code()]++
				}
			}(tok)
		}
		wg.Wait()
		if ok != 30 || codes["ACTIVITY_FULL"] != 70 {
			t.Fatalf("%d registrations and refusals %v; want 30 and 70 ACTIVITY_FULL", ok, codes)
		}
		var d struct{ Node struct{ RegisteredCount int } }
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Activity { registeredCount } } }`, map[string]any{"id": a.CreateActivity.ID}).Decode(t, &d)
		aid, _ := gid.Decode(a.CreateActivity.ID)
		n, err := s.Store.Client.Registration.Query().Where(registration.ActivityID(aid)).Count(rule.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		if d.Node.RegisteredCount != 30 || n != 30 {
			t.Errorf("registeredCount %d and %d registration rows, want 30 and 30", d.Node.RegisteredCount, n)
		}
	})
}

// A courier's governance clue goes round the whole loop, visible in its
// history: discover (submit) → handle (dispatch, claim, resolve) → feed
// back (confirm) → reward.
func TestGovernanceClueLoop(t *testing.T) {
	s := start(t, testenv.Backends()[0])
	_, wtx := s.Community(t, "文亭巷社区")
	_, courier := newPerson(t, s, wtx, "resident", "外卖小哥")
	staff := s.Token(t, "staff", wtx)
	vol := volunteer(t, s, wtx, "网格志愿者")
	// A volunteer team (the volunteer helper makes its volunteers members).
	team, err := s.Store.Client.Organization.Query().
		Where(organization.RegionID(wtx), organization.KindEQ(organization.KindVolunteerTeam)).FirstID(rule.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	var sub struct {
		SubmitRequest struct{ Request struct{ ID string } }
	}
	s.Query(t, courier, `mutation { submitRequest(input: {kind: GOVERNANCE_CLUE, title: "井盖松动"}) { request { id } } }`, nil).Decode(t, &sub)
	id := sub.SubmitRequest.Request.ID
	reward := `mutation($id: ID!) { rewardRequest(id: $id, note: "积分 +10") { id } }`
	if r := s.Query(t, staff, reward, map[string]any{"id": id}); r.Code() != "INVALID_TRANSITION" {
		t.Errorf("rewarding an unhandled clue: %s", r.Raw)
	}
	for _, step := range []struct{ tok, q string }{
		{staff, `mutation($id: ID!, $o: ID!) { dispatchRequest(id: $id, organizationID: $o) { id } }`},
		{vol, `mutation($id: ID!) { claimRequest(id: $id) { id } }`},
		{vol, `mutation($id: ID!) { resolveRequest(id: $id, note: "已更换井盖") { id } }`},
		{courier, `mutation($id: ID!) { confirmRequest(id: $id, satisfaction: 4) { id } }`},
		{staff, reward},
	} {
		s.Query(t, step.tok, step.q, map[string]any{"id": id, "o": gid.Encode(team)}).Decode(t, &struct{}{})
	}
	var d struct {
		Node struct {
			Events struct {
				Edges []struct{ Node struct{ Action, Note string } }
			}
		}
	}
	s.Query(t, courier, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { events { edges { node { action note } } } } } }`,
		map[string]any{"id": id}).Decode(t, &d)
	var got []string
	for _, e := range d.Node.Events.Edges {
		got = append(got, e.Node.Action)
	}
	if strings.Join(got, " ") != "SUBMIT DISPATCH CLAIM RESOLVE CONFIRM REWARD" {
		t.Errorf("clue history: %v", got)
	}
}
