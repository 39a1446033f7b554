package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"lifecircle/internal/auth"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// wsClient speaks graphql-transport-ws, as the npm graphql-ws client does.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	ctx  context.Context
}

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func dialWS(t *testing.T, url string, init map[string]any, header http.Header) (*wsClient, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t: t, conn: conn, ctx: ctx}
	p, _ := json.Marshal(init)
	if err := wsjson.Write(ctx, conn, wsMsg{Type: "connection_init", Payload: p}); err != nil {
		return nil, err
	}
	m, err := c.next()
	if err != nil {
		return nil, err
	}
	if m.Type != "connection_ack" {
		t.Fatalf("after connection_init: %s", m.Type)
	}
	return c, nil
}

func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	p, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err := wsjson.Write(c.ctx, c.conn, wsMsg{ID: id, Type: "subscribe", Payload: p}); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next message but pings (answered) and keep-alives.
func (c *wsClient) next() (wsMsg, error) {
	for {
		var m wsMsg
		ctx, cancel := context.WithTimeout(c.ctx, 15*time.Second)
		err := wsjson.Read(ctx, c.conn, &m)
		cancel()
		if err != nil {
			return m, err
		}
		switch m.Type {
		case "ping":
			_ = wsjson.Write(c.ctx, c.conn, wsMsg{Type: "pong"})
			continue
		case "pong", "ka":
			continue
		}
		return m, nil
	}
}

type facilityEvent struct {
	Cursor   string `json:"cursor"`
	Op       string `json:"op"`
	ID       string `json:"id"`
	Facility *struct {
		Name string `json:"name"`
	} `json:"facility"`
}

// event reads the next "next" message of the facilityChanged subscription.
func (c *wsClient) event() facilityEvent {
	c.t.Helper()
	m, err := c.next()
	if err != nil {
		c.t.Fatalf("waiting for an event: %v", err)
	}
	if m.Type != "next" {
		c.t.Fatalf("want next, got %s %s", m.Type, m.Payload)
	}
	var p struct {
		Data struct {
			FacilityChanged facilityEvent `json:"facilityChanged"`
		} `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || p.Errors != nil {
		c.t.Fatalf("event %s: %v", m.Payload, err)
	}
	return p.Data.FacilityChanged
}

const facilitySub = `subscription($after: Cursor) { facilityChanged(categories: ["pharmacy"], after: $after) { cursor op id facility { name } } }`

func mutate(t *testing.T, s *testenv.Server, tok, q string, vars map[string]any) json.RawMessage {
	t.Helper()
	r := s.Query(t, tok, q, vars)
	if len(r.Errors) > 0 {
		t.Fatal(string(r.Raw))
	}
	return r.Data
}

// A public subscriber on /open/graphql (WebSocket) receives a facility's
// creation, update and deletion (a tombstone) in order, each with a
// cursor; a second connection resuming after the first event's cursor
// replays the update and the deletion from the change log; a malformed
// subscription is an error with extensions.code.
func TestFacilityChangedOverWebSocket(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		ws, err := dialWS(t, s.URL+"/open/graphql", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.subscribe("1", facilitySub, nil)
		time.Sleep(300 * time.Millisecond) // the subscription joins
		community, _ := s.Community(t, "文亭巷社区")
		admin := s.Token(t, auth.RoleAdmin, 0)
		var created struct {
			CreateFacility struct{ ID string } `json:"createFacility"`
		}
		if err := json.Unmarshal(mutate(t, s, admin, `mutation($c: ID!) { createFacility(input: {name: "直播药店", category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
			map[string]any{"c": community}), &created); err != nil {
			t.Fatal(err)
		}
		id := created.CreateFacility.ID
		first := ws.event()
		if first.Op != "create" || first.ID != id || first.Facility == nil || first.Facility.Name != "直播药店" {
			t.Fatalf("first event %+v", first)
		}
		// Another category: not sent.
		mutate(t, s, admin, `mutation($c: ID!) { createFacility(input: {name: "别的", category: "kindergarten", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
			map[string]any{"c": community})
		mutate(t, s, admin, `mutation($id: ID!) { updateFacility(id: $id, input: {name: "直播药店二"}) { id } }`, map[string]any{"id": id})
		second := ws.event()
		if second.Op != "update" || second.Facility == nil || second.Facility.Name != "直播药店二" {
			t.Fatalf("second event %+v", second)
		}
		mutate(t, s, admin, `mutation($id: ID!) { deleteFacility(id: $id) }`, map[string]any{"id": id})
		third := ws.event()
		if third.Op != "delete" || third.Facility != nil || third.ID != id {
			t.Fatalf("third event %+v (want a tombstone)", third)
		}

		// Resume after the first event: the rest is replayed.
		again, err := dialWS(t, s.URL+"/open/graphql", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		again.subscribe("1", facilitySub, map[string]any{"after": first.Cursor})
		// The update is replayed with the facility as it is now: deleted.
		if e := again.event(); e.Op != "update" || e.Cursor != second.Cursor || e.Facility != nil {
			t.Fatalf("replayed %+v, want the update at %s", e, second.Cursor)
		}
		if e := again.event(); e.Op != "delete" || e.Cursor != third.Cursor {
			t.Fatalf("replayed %+v, want the deletion", e)
		}

		// Malformed: an error message with extensions.code, then nothing.
		again.subscribe("2", `subscription { facilityChanged(nope: 1) { op } }`, nil)
		m, err := again.next()
		if err != nil || m.Type != "error" || !strings.Contains(string(m.Payload), `"code":"GRAPHQL_VALIDATION_FAILED"`) {
			t.Fatalf("malformed subscription: %s %s %v", m.Type, m.Payload, err)
		}
		again.subscribe("3", `subscription { facilityChanged(after: "bm90IGEgY3Vyc29y") { op } }`, nil)
		for m, err = again.next(); err == nil && m.ID != "3"; m, err = again.next() {
		}
		if err != nil || !strings.Contains(string(m.Payload), `"code":"BAD_USER_INPUT"`) {
			t.Fatalf("bad cursor: %s %s %v", m.Type, m.Payload, err)
		}
	})
}

// Over SSE (graphql-sse, distinct connections): the same events as
// "next" events of a text/event-stream.
func TestFacilityChangedOverSSE(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		body, _ := json.Marshal(map[string]any{"query": facilitySub})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/open/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("status %d, %s", resp.StatusCode, ct)
		}
		time.Sleep(300 * time.Millisecond)
		community, _ := s.Community(t, "文亭巷社区")
		admin := s.Token(t, auth.RoleAdmin, 0)
		mutate(t, s, admin, `mutation($c: ID!) { createFacility(input: {name: "推送药店", category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
			map[string]any{"c": community})
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "data: ") {
				if !strings.Contains(line, "推送药店") || !strings.Contains(line, `"op":"create"`) {
					t.Fatalf("event %s", line)
				}
				return
			}
		}
		t.Fatalf("stream ended: %v", sc.Err())
	})
}

// A token given in connection_init on /graphql: revoked during the
// connection, the next event is not delivered and the socket closes 4401.
func TestSubscriptionStopsWhenTheTokenIsRevoked(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		s := testenv.StartServer(t, st, server.Options{LiveLimits: server.LiveLimits{Recheck: time.Millisecond}})
		admin := s.Token(t, auth.RoleAdmin, 0)
		tok, tokID := s.IssueToken(t, auth.RoleAdmin, 0)
		ws, err := dialWS(t, s.URL+"/graphql", map[string]any{"Authorization": "Bearer " + tok}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.subscribe("1", facilitySub, nil)
		time.Sleep(300 * time.Millisecond)
		community, _ := s.Community(t, "文亭巷社区")
		create := `mutation($c: ID!, $n: String!) { createFacility(input: {name: $n, category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`
		mutate(t, s, admin, create, map[string]any{"c": community, "n": "令牌前"})
		if e := ws.event(); e.Facility == nil || e.Facility.Name != "令牌前" {
			t.Fatalf("before the revocation: %+v", e)
		}
		mutate(t, s, admin, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": tokID})
		mutate(t, s, admin, create, map[string]any{"c": community, "n": "令牌后"})
		m, err := ws.next()
		if err == nil && m.Type == "complete" {
			// The subscription may be completed just before the socket
			// closes (which of the two the client sees first is a race);
			// no event is delivered either way.
			m, err = ws.next()
		}
		if err == nil {
			t.Fatalf("after the revocation, received %s %s", m.Type, m.Payload)
		}
		if websocket.CloseStatus(err) != 4401 {
			t.Fatalf("closed with %v, want 4401", err)
		}
		// A bad token in connection_init is refused with 4401 too.
		if _, err := dialWS(t, s.URL+"/graphql", map[string]any{"authToken": tok}, nil); websocket.CloseStatus(err) != 4401 {
			t.Fatalf("a revoked token in connection_init: %v", err)
		}
	})
}

// Two servers on one PostgreSQL: a facility created through A reaches a
// subscriber of B (NOTIFY wakes B's hub; the change log is the truth).
func TestSubscriptionHearsOtherServers(t *testing.T) {
	url := testenv.PostgresURL(t)
	a := testenv.StartServer(t, testenv.OpenURL(t, url, testenv.Options{}), server.Options{})
	stB := testenv.OpenURL(t, url, testenv.Options{NoDemo: true})
	if err := stB.WatchChanges(time.Minute); err != nil { // B hears through NOTIFY, not its poll
		t.Fatal(err)
	}
	bsrv := testenv.StartServer(t, stB, server.Options{})
	ws, err := dialWS(t, bsrv.URL+"/open/graphql", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.subscribe("1", facilitySub, nil)
	time.Sleep(300 * time.Millisecond)
	community, _ := a.Community(t, "文亭巷社区")
	mutate(t, a, a.Token(t, auth.RoleAdmin, 0), `mutation($c: ID!) { createFacility(input: {name: "远方药店", category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
		map[string]any{"c": community})
	written := time.Now()
	if e := ws.event(); e.Facility == nil || e.Facility.Name != "远方药店" {
		t.Fatalf("on B: %+v", e)
	}
	if d := time.Since(written); d > 5*time.Second {
		t.Errorf("B delivered after %s", d)
	}
}

// The connection cap per address: one over it is refused with 429 before
// the upgrade.
func TestSubscriptionConnectionCap(t *testing.T) {
	b := testenv.Backends()[0]
	s := testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{LiveLimits: server.LiveLimits{PerIP: 2}})
	for range 2 {
		if _, err := dialWS(t, s.URL+"/open/graphql", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dialWS(t, s.URL+"/open/graphql", nil, nil); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("third connection: %v", err)
	}
}

// A server closes what it started: Close ends the subscriptions of the hub
// New made (1001, reconnect with the last cursor) and stops its followers,
// so once the store is closed nothing is logged (before, the hub's 2 s
// poll logged "database is closed" every 2 s until the process ended).
func TestServerCloseStopsItsHub(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		logs := &testenv.LogBuffer{}
		prev := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
		t.Cleanup(func() { slog.SetDefault(prev) })
		st := b.Open(t, testenv.Options{})
		// No Changes: the hub made here wakes on its poll alone, as an
		// embedder's would.
		h := server.New(st.Client, server.Options{})
		srv := httptest.NewServer(h)
		ws, err := dialWS(t, srv.URL+"/open/graphql", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.subscribe("1", facilitySub, nil)
		time.Sleep(300 * time.Millisecond) // the subscription joins
		h.Close()
		m, err := ws.next()
		if err == nil && m.Type == "complete" {
			m, err = ws.next()
		}
		if websocket.CloseStatus(err) != 1001 {
			t.Errorf("the subscription after Close: %s %s %v, want a close with 1001", m.Type, m.Payload, err)
		}
		srv.Close()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond) // longer than the hub's poll
		if out := logs.String(); strings.Contains(out, "database is closed") {
			t.Errorf("logged after the server and its store closed:\n%s", out)
		}
	})
}
