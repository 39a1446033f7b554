package liveprivate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lifecircle/ent/requestevent"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
	"lifecircle/internal/workflow"
)

// sse subscribes over GraphQL over Server-Sent Events and returns the
// payloads of the events received (each a GraphQL response).
func sse(t *testing.T, ctx context.Context, url, tok, query string, vars map[string]any) <-chan map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan map[string]any, 16)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok && strings.TrimSpace(d) != "" {
				var m map[string]any
				if json.Unmarshal([]byte(d), &m) == nil {
					out <- m
				}
			}
		}
	}()
	return out
}

func recv(t *testing.T, ch <-chan map[string]any) map[string]any {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("the stream ended")
		}
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("no event within 15 s")
	}
	return nil
}

func errCode(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

// Over the real server and transport: a volunteer receives a dispatch to
// their team without its address; a resident cannot subscribe to
// dispatches, and a volunteer cannot follow a request they cannot see.
func TestSubscriptionsOverSSE(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		s := testenv.StartServer(t, w.st, server.Options{})
		tok := func(v auth.Viewer) string {
			id := v.PersonID
			if v.Role == auth.RoleStaff {
				id = v.CommunityID
			}
			return s.Token(t, v.Role, id)
		}
		member, resident := tok(w.member), tok(w.resident)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()

		if m := recv(t, sse(t, ctx, s.URL, resident, `subscription { requestDispatched { cursor } }`, nil)); errCode(m) != "FORBIDDEN" {
			t.Errorf("a resident subscribing to dispatches: %v, want FORBIDDEN", m)
		}
		hidden := w.submit(t, "未派单")
		if m := recv(t, sse(t, ctx, s.URL, member, `subscription($id: ID!) { requestUpdated(id: $id) { cursor } }`,
			map[string]any{"id": gid.Encode(hidden)})); errCode(m) != "NOT_FOUND" {
			t.Errorf("a volunteer following a request they cannot see: %v, want NOT_FOUND", m)
		}

		ch := sse(t, ctx, s.URL, member, `subscription { requestDispatched { cursor action request { id title address requester { phone } } event { note } } }`, nil)
		time.Sleep(500 * time.Millisecond) // let the subscription start
		id := w.submit(t, "送餐上门")
		w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		m := recv(t, ch)
		raw, _ := json.Marshal(m)
		if errCode(m) != "" || !strings.Contains(string(raw), `"送餐上门"`) {
			t.Fatalf("the member received %s", raw)
		}
		if strings.Contains(string(raw), "3 号楼") || strings.Contains(string(raw), "0000 0001") {
			t.Errorf("a volunteer who has not claimed the request received its address or the requester's phone: %s", raw)
		}
	})
}

// closeCode is the close code an SSE stream's error event carries.
func closeCode(m map[string]any) float64 {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return 0
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	c, _ := ext["closeCode"].(float64)
	return c
}

// ended waits for the stream to end after an error event with code and
// close code, and fails on any event delivered before it.
func ended(t *testing.T, ch <-chan map[string]any, code string, close float64) {
	t.Helper()
	m := recv(t, ch)
	if errCode(m) != code || closeCode(m) != close {
		raw, _ := json.Marshal(m)
		t.Fatalf("received %s, want the stream to end with %s (%v)", raw, code, close)
	}
	select {
	case m, ok := <-ch:
		if ok {
			t.Fatalf("after the error event: %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end after its error event")
	}
}

func tokenFor(t *testing.T, s *testenv.Server, v auth.Viewer) (tok, id string) {
	t.Helper()
	subject := v.PersonID
	if v.Role == auth.RoleStaff {
		subject = v.CommunityID
	}
	return s.IssueToken(t, v.Role, subject)
}

const dispatchedSub = `subscription { requestDispatched { cursor action request { id } } }`

// Private events are charged against the subscriber's rate budget as
// public ones are (LiveLimits.EventCost each): a budget that holds one
// event's cost delivers one dispatch, then ends the stream with
// RATE_LIMITED (4429).
func TestPrivateEventsAreCharged(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		s := testenv.StartServer(t, w.st, server.Options{
			RoleRates:  map[string]limits.Rate{string(auth.RoleVolunteer): {Points: 1500, Per: time.Hour}},
			LiveLimits: server.LiveLimits{EventCost: 1000},
		})
		member, _ := tokenFor(t, s, w.member)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch := sse(t, ctx, s.URL, member, dispatchedSub, nil)
		time.Sleep(500 * time.Millisecond) // let the subscription start
		first, second := w.submit(t, "第一件"), w.submit(t, "第二件")
		w.step(t, w.staff, first, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		if m := recv(t, ch); errCode(m) != "" || !strings.Contains(fmt.Sprint(m), gid.Encode(first)) {
			t.Fatalf("first dispatch: %v", m)
		}
		w.step(t, w.staff, second, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		ended(t, ch, limits.CodeRateLimited, 4429)
	})
}

// A private subscription ends with the same close codes as a public one,
// and at once (its credential is re-checked before every delivery): 4403
// FORBIDDEN when its person is deactivated, 4401 UNAUTHENTICATED when its
// token is revoked.
func TestPrivateSubscriptionEndsLikePublicOnes(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		// Re-checks trusted for an hour: only the private subscriptions'
		// own re-check before each delivery can notice.
		s := testenv.StartServer(t, w.st, server.Options{LiveLimits: server.LiveLimits{Recheck: time.Hour}})
		resident, _ := tokenFor(t, s, w.resident)
		staff, staffID := tokenFor(t, s, w.staff)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		id := w.submit(t, "送餐上门")
		updates := sse(t, ctx, s.URL, resident, `subscription($id: ID!) { requestUpdated(id: $id) { cursor action } }`,
			map[string]any{"id": gid.Encode(id)})
		dispatches := sse(t, ctx, s.URL, staff, dispatchedSub, nil)
		time.Sleep(500 * time.Millisecond)
		w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		if m := recv(t, updates); errCode(m) != "" {
			t.Fatalf("before the deactivation: %v", m)
		}
		if m := recv(t, dispatches); errCode(m) != "" {
			t.Fatalf("before the revocation: %v", m)
		}
		sys := rule.SystemContext(context.Background())
		if err := w.st.Client.Person.UpdateOneID(w.resident.PersonID).SetDeactivatedAt(time.Now()).Exec(sys); err != nil {
			t.Fatal(err)
		}
		admin := s.Token(t, auth.RoleAdmin, 0)
		if r := s.Query(t, admin, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": staffID}); len(r.Errors) > 0 {
			t.Fatal(string(r.Raw))
		}
		w.step(t, w.member, id, requestevent.ActionClaim, workflow.Args{})
		ended(t, updates, apperr.CodeForbidden, 4403)
		other := w.submit(t, "第二件")
		w.step(t, w.staff, other, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		ended(t, dispatches, apperr.CodeUnauthenticated, 4401)
	})
}

// The per-token connection cap counts private subscriptions as it counts
// public ones: with a cap of one, a second stream of the same token is
// refused with 429.
func TestConnectionCapsCountPrivateSubscriptions(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		s := testenv.StartServer(t, w.st, server.Options{LiveLimits: server.LiveLimits{PerToken: 1}})
		member, _ := tokenFor(t, s, w.member)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch := sse(t, ctx, s.URL, member, dispatchedSub, nil)
		time.Sleep(500 * time.Millisecond)
		body, _ := json.Marshal(map[string]any{"query": dispatchedSub})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+member)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a second private stream of one token: status %d, want 429", res.StatusCode)
		}
		// The first still receives.
		id := w.submit(t, "上限内")
		w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		if m := recv(t, ch); errCode(m) != "" {
			t.Errorf("the first stream: %v", m)
		}
	})
}
