package liveprivate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"lifecircle/ent/requestevent"
	"lifecircle/internal/auth"
	"lifecircle/internal/gid"
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
