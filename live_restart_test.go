package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// sseEvent is the payload of one "next" event of a subscription over SSE.
type sseEvent struct {
	Data   map[string]map[string]any
	Errors []any
}

// sseSubscribe opens a subscription over GraphQL over SSE (distinct
// connections) and returns its events; the channel closes when the stream
// ends (the server was killed, say).
func sseSubscribe(t *testing.T, ctx context.Context, url, tok, query string, vars map[string]any) <-chan sseEvent {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("subscribe: status %d, %s", resp.StatusCode, ct)
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok || strings.TrimSpace(line) == "" {
				continue
			}
			var ev sseEvent
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Errorf("event %s: %v", line, err)
				return
			}
			out <- ev
		}
	}()
	return out
}

// A subscriber whose server is killed (SIGKILL) between events reconnects
// to the restarted server with the last cursor it saw, and receives the
// events committed while it was away, in order and once each, then the
// live ones: the public facilityChanged and the private requestUpdated.
func TestSubscriptionsResumeAcrossARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lifecircle")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var db []string
		if b.Name == "sqlite" {
			db = []string{"-data-dir", filepath.Join(t.TempDir(), "data")}
		} else {
			db = []string{"-database-url", b.URL(t)}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := run(ctx, append([]string{"seed"}, db...), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		token := func(args ...string) string {
			var out bytes.Buffer
			if err := run(ctx, append(append([]string{"token"}, args...), db...), &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(out.String())
		}
		admin := token("-role", "admin")
		port := testenv.FreePort(t)
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		start := func() (*exec.Cmd, chan struct{}) {
			cmd := exec.Command(bin, append([]string{"-port", strconv.Itoa(port), "-publish-monthly=false"}, db...)...)
			var stderr testenv.LogBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				select {
				case <-exited:
				default:
					_ = cmd.Process.Kill()
					<-exited
				}
			})
			testenv.WaitReady(t, base+"/readyz", 120*time.Second, nil, stderr.String)
			return cmd, exited
		}
		query := func(tok, q string, vars map[string]any) map[string]any {
			t.Helper()
			body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out struct {
				Data   map[string]any
				Errors []any
			}
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
				t.Fatalf("%s: %v %v", q, err, out.Errors)
			}
			return out.Data
		}
		field := func(m map[string]any, path ...string) string {
			var v any = m
			for _, p := range path {
				v = v.(map[string]any)[p]
			}
			return v.(string)
		}
		next := func(what string, ch <-chan sseEvent) map[string]any {
			t.Helper()
			select {
			case ev, ok := <-ch:
				if !ok {
					t.Fatalf("%s: the stream ended", what)
				}
				if len(ev.Errors) > 0 {
					t.Fatalf("%s: %v", what, ev.Errors)
				}
				for _, v := range ev.Data {
					return v
				}
				t.Fatalf("%s: an event without data", what)
			case <-time.After(30 * time.Second):
				t.Fatalf("%s: no event in 30 s", what)
			}
			return nil
		}
		// Nothing more arrives for a while (no duplicate, nothing extra).
		quiet := func(what string, ch <-chan sseEvent) {
			t.Helper()
			select {
			case ev, ok := <-ch:
				if ok {
					t.Fatalf("%s: an unexpected event %v", what, ev.Data)
				}
			case <-time.After(time.Second):
			}
		}

		cmd, exited := start()
		regions := query(admin, `{ regions(where: {level: COMMUNITY}, first: 1) { edges { node { id } } } }`, nil)
		community := regions["regions"].(map[string]any)["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)["id"].(string)
		// A volunteer team with one member, the volunteer who claims.
		org := field(query(admin, `mutation($c: ID!) { createOrganization(input: {kind: VOLUNTEER_TEAM, name: "重启志愿队", regionID: $c}) { id } }`,
			map[string]any{"c": community}), "createOrganization", "id")
		person := func(name, role string, teams []string) string {
			d := query(admin, `mutation($n: String!, $r: String!, $c: ID!, $t: [ID!]) { createPerson(input: {name: $n, roles: [$r], communityID: $c, teamIDs: $t}) { id } }`,
				map[string]any{"n": name, "r": role, "c": community, "t": teams})
			return token("-role", role, "-person", field(d, "createPerson", "id"))
		}
		resident, volunteer := person("重启居民", "resident", nil), person("重启志愿者", "volunteer", []string{org})
		request := field(query(resident, `mutation { submitRequest(input: {kind: REPAIR, title: "重启报修"}) { request { id } } }`, nil),
			"submitRequest", "request", "id")
		createFacility := func(name string) string {
			return field(query(admin, `mutation($c: ID!, $n: String!) { createFacility(input: {name: $n, category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
				map[string]any{"c": community, "n": name}), "createFacility", "id")
		}
		const facilitySub = `subscription($c: ID, $after: Cursor) { facilityChanged(region: $c, after: $after) { cursor op id } }`
		const requestSub = `subscription($id: ID!, $after: String) { requestUpdated(id: $id, after: $after) { cursor action } }`

		// Connected: one live event each, whose cursors the subscribers keep.
		subCtx, stop := context.WithCancel(ctx)
		pub := sseSubscribe(t, subCtx, base+"/open/graphql", "", facilitySub, map[string]any{"c": community})
		priv := sseSubscribe(t, subCtx, base+"/graphql", resident, requestSub, map[string]any{"id": request})
		time.Sleep(500 * time.Millisecond) // the subscriptions are set up
		before := createFacility("重启前药店")
		query(admin, `mutation($id: ID!, $o: ID!) { dispatchRequest(id: $id, organizationID: $o) { id } }`, map[string]any{"id": request, "o": org})
		e := next("the facility created before the kill", pub)
		if e["id"] != before || e["op"] != "create" {
			t.Fatalf("before the kill: %v, want the create of %s", e, before)
		}
		pubCursor := e["cursor"].(string)
		e = next("the dispatch before the kill", priv)
		if e["action"] != "DISPATCH" {
			t.Fatalf("before the kill: %v, want DISPATCH", e)
		}
		privCursor := e["cursor"].(string)

		// SIGKILL: the streams end with the process.
		_ = cmd.Process.Kill()
		<-exited
		for _, ch := range []<-chan sseEvent{pub, priv} {
			for range ch {
				t.Error("an event after the kill")
			}
		}
		stop()

		// Restarted; events committed while the subscribers are away.
		start()
		away := []string{createFacility("重启后药店一"), createFacility("重启后药店二")}
		query(volunteer, `mutation($id: ID!) { claimRequest(id: $id) { id } }`, map[string]any{"id": request})
		query(volunteer, `mutation($id: ID!) { resolveRequest(id: $id, note: "换了灯泡") { id } }`, map[string]any{"id": request})

		// Reconnected with the last cursors: the missed events, in order,
		// once, then the live ones.
		pub = sseSubscribe(t, ctx, base+"/open/graphql", "", facilitySub, map[string]any{"c": community, "after": pubCursor})
		priv = sseSubscribe(t, ctx, base+"/graphql", resident, requestSub, map[string]any{"id": request, "after": privCursor})
		for i, id := range away {
			e := next("a facility created while away", pub)
			if e["id"] != id || e["op"] != "create" {
				t.Fatalf("replayed event %d: %v, want the create of %s", i, e, id)
			}
		}
		for _, want := range []string{"CLAIM", "RESOLVE"} {
			if e := next("a step taken while away", priv); e["action"] != want {
				t.Fatalf("replayed step: %v, want %s", e, want)
			}
		}
		quiet("after the replay", pub)
		quiet("after the replay", priv)
		live := createFacility("重启后实时药店")
		query(resident, `mutation($id: ID!) { confirmRequest(id: $id, satisfaction: 5) { id } }`, map[string]any{"id": request})
		if e := next("the live facility", pub); e["id"] != live {
			t.Fatalf("live: %v, want %s", e, live)
		}
		if e := next("the live step", priv); e["action"] != "CONFIRM" {
			t.Fatalf("live: %v, want CONFIRM", e)
		}
		quiet("after the live events", pub)
		quiet("after the live events", priv)
	})
}
