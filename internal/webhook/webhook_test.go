package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/prometheus/client_golang/prometheus"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/person"
	"lifecircle/graph"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
	"lifecircle/internal/webhook"
)

// received is one request the receiver got.
type received struct {
	ID, Timestamp, Signature string
	Body                     []byte
	Type                     string
	Data                     map[string]any
	Status                   int
}

// receiver is an app back end: it verifies every request with the
// Standard Webhooks reference library (not lifecircle's signer) and
// answers what respond says.
type receiver struct {
	t       *testing.T
	mu      sync.Mutex
	secrets []string
	got     []received
	respond func(n int, r received) int // n: 0-based request count
	srv     *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, respond: func(int, received) int { return http.StatusOK }}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	got := received{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
		Signature: r.Header.Get("webhook-signature"), Body: body}
	if len(rc.secrets) == 0 {
		rc.t.Errorf("receiver has no secret")
	}
	for _, s := range rc.secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			rc.t.Errorf("reference library refuses the secret %q: %v", s, err)
			continue
		}
		if err := wh.Verify(body, r.Header); err != nil {
			rc.t.Errorf("signature %q does not verify with secret %s…: %v", got.Signature, s[:10], err)
		}
	}
	var msg struct {
		Type      string         `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || msg.Type == "" || msg.Timestamp == "" || msg.Data == nil {
		rc.t.Errorf("body is not {type, timestamp, data}: %s", body)
	}
	got.Type, got.Data = msg.Type, msg.Data
	got.Status = rc.respond(len(rc.got), got)
	rc.got = append(rc.got, got)
	w.WriteHeader(got.Status)
	_, _ = w.Write([]byte(`{"ok":` + map[bool]string{true: "true", false: "false"}[got.Status < 300] + `}`))
}

func (rc *receiver) setSecrets(s ...string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secrets = s
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// waitFor polls until cond holds for the requests received.
func (rc *receiver) waitFor(t *testing.T, what string, timeout time.Duration, cond func([]received) bool) []received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := rc.requests()
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; received %d: %s", what, len(got), summary(got))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func summary(got []received) string {
	var b strings.Builder
	for _, g := range got {
		b.WriteString(g.Type + "/" + g.ID + "/" + http.StatusText(g.Status) + " ")
	}
	return b.String()
}

type env struct {
	s   *testenv.Server
	svc *webhook.Service
	reg *prometheus.Registry
}

// start serves a demo database of b with webhook delivery working.
func start(t *testing.T, b testenv.Backend, tune func(*webhook.Options)) *env {
	t.Helper()
	st := b.Open(t, testenv.Options{})
	reg := prometheus.NewRegistry()
	opts := webhook.Options{Work: true, Workers: 4, AllowPrivate: true, RetryBase: 200 * time.Millisecond,
		RetryMax: 2 * time.Second, Poll: 50 * time.Millisecond, Timeout: 5 * time.Second, Registerer: reg}
	if tune != nil {
		tune(&opts)
	}
	svc, err := webhook.New(st.Client, st.DB, st.Dialect == dialect.Postgres, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = svc.Stop(ctx)
	})
	s := testenv.StartServer(t, st, server.Options{GraphQL: graph.Options{Webhooks: webhook.Endpoints{AllowPrivate: true}}})
	return &env{s: s, svc: svc, reg: reg}
}

const createEndpoint = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret endpoint { id url eventTypes communityID ownerRole enabled } } }`

type endpoint struct {
	ID, URL, OwnerRole string
	CommunityID        *string
	EventTypes         []string
	Enabled            bool
}

func (e *env) register(t *testing.T, tok, url string, types []string, community string) (endpoint, string) {
	t.Helper()
	in := map[string]any{"url": url, "eventTypes": types}
	if community != "" {
		in["communityID"] = community
	}
	var d struct {
		CreateWebhookEndpoint struct {
			Secret   string
			Endpoint endpoint
		}
	}
	e.s.Query(t, tok, createEndpoint, map[string]any{"in": in}).Decode(t, &d)
	if !strings.HasPrefix(d.CreateWebhookEndpoint.Secret, "whsec_") {
		t.Fatalf("secret %q: want whsec_…", d.CreateWebhookEndpoint.Secret)
	}
	return d.CreateWebhookEndpoint.Endpoint, d.CreateWebhookEndpoint.Secret
}

func (e *env) createFacility(t *testing.T, tok, community, name string) string {
	t.Helper()
	var d struct{ CreateFacility struct{ ID string } }
	e.s.Query(t, tok, `mutation($c: ID!, $n: String!) { createFacility(input: {name: $n, category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
		map[string]any{"c": community, "n": name}).Decode(t, &d)
	return d.CreateFacility.ID
}

func (e *env) renameFacility(t *testing.T, tok, id, name string) {
	t.Helper()
	e.s.Query(t, tok, `mutation($id: ID!, $n: String!) { updateFacility(id: $id, input: {name: $n}) { id } }`,
		map[string]any{"id": id, "n": name}).Decode(t, &struct{}{})
}

type delivery struct {
	MessageID, EventType, RecordID, State string
	Attempts                              int
	ResponseStatus                        *int
	LatencyMs                             *int
	ResponseBody, Error                   *string
	NextAttemptAt, DeliveredAt            *string
}

func (e *env) deliveries(t *testing.T, tok, id string) []delivery {
	t.Helper()
	var d struct {
		WebhookEndpoints []struct {
			ID         string
			Deliveries []delivery
		}
	}
	e.s.Query(t, tok, `{ webhookEndpoints { id deliveries(first: 100) { messageID eventType recordID state attempts responseStatus latencyMs responseBody error nextAttemptAt deliveredAt } } }`, nil).Decode(t, &d)
	for _, ep := range d.WebhookEndpoints {
		if ep.ID == id {
			return ep.Deliveries
		}
	}
	t.Fatalf("endpoint %s is not listed", id)
	return nil
}

// Signed (verified by the reference library), retried after failures
// with the same webhook-id, delivered once accepted, in order per record;
// the deliveries and their responses are listed through GraphQL.
func TestDeliveredSignedRetriedInOrder(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		e := start(t, b, nil)
		community, cid := e.s.Community(t, "文亭巷社区")
		staff := e.s.Token(t, auth.RoleStaff, cid)
		rc := newReceiver(t)
		// The receiver fails the first two requests.
		rc.respond = func(n int, _ received) int {
			if n < 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}
		ep, secret := e.register(t, staff, rc.srv.URL+"/hook", []string{webhook.FacilityCreated, webhook.FacilityUpdated}, "")
		rc.setSecrets(secret)
		if ep.OwnerRole != "STAFF" || ep.CommunityID == nil || *ep.CommunityID != community || !ep.Enabled {
			t.Fatalf("staff endpoint: %+v", ep)
		}
		fid := e.createFacility(t, staff, community, "网钩药店")
		e.renameFacility(t, staff, fid, "网钩药店二")
		e.renameFacility(t, staff, fid, "网钩药店三")
		got := rc.waitFor(t, "three events accepted", 60*time.Second, func(g []received) bool { return accepted(g) >= 3 })
		// Retries carry the same message ID; the first accepted message
		// is the creation, then the two updates, in order.
		if got[0].ID != got[1].ID || got[1].ID != got[2].ID || got[0].Type != webhook.FacilityCreated {
			t.Fatalf("want the creation retried under one webhook-id, got %s", summary(got))
		}
		var order []string
		seen := map[string]int{}
		for _, g := range got {
			if g.Status == http.StatusOK {
				seen[g.ID]++
				order = append(order, g.Type+":"+g.Data["name"].(string))
			}
			if g.Data["id"] != fid {
				t.Errorf("event about %v, want %s", g.Data["id"], fid)
			}
		}
		// The record as the endpoint's owner reads it when sent: the
		// name the last write gave may show in earlier events, but the
		// events come in the order of the writes.
		if len(order) != 3 || !strings.HasPrefix(order[0], webhook.FacilityCreated) ||
			!strings.HasPrefix(order[1], webhook.FacilityUpdated) || !strings.HasPrefix(order[2], webhook.FacilityUpdated) {
			t.Fatalf("accepted in this order: %v", order)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("message %s accepted %d times", id, n)
			}
		}
		// No more requests come (no duplicates of accepted messages).
		time.Sleep(1500 * time.Millisecond)
		if n := len(rc.requests()); n != len(got) {
			t.Fatalf("%d requests after all were accepted, want %d: %s", n, len(got), summary(rc.requests()))
		}
		ds := e.deliveries(t, staff, ep.ID)
		if len(ds) != 3 {
			t.Fatalf("deliveries: %+v", ds)
		}
		first := ds[len(ds)-1] // newest first
		if first.EventType != webhook.FacilityCreated || first.State != "SUCCEEDED" || first.Attempts != 3 ||
			first.ResponseStatus == nil || *first.ResponseStatus != 200 || first.LatencyMs == nil ||
			first.ResponseBody == nil || *first.ResponseBody != `{"ok":true}` || first.DeliveredAt == nil ||
			first.NextAttemptAt != nil || first.RecordID != fid || first.MessageID != got[0].ID {
			t.Fatalf("the creation's delivery: %+v", first)
		}
	})
}

func accepted(g []received) int {
	n := 0
	for _, r := range g {
		if r.Status < 300 {
			n++
		}
	}
	return n
}

// A write that is rolled back sends nothing and queues nothing.
func TestRolledBackWriteSendsNothing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		e := start(t, b, nil)
		community, _ := e.s.Community(t, "文亭巷社区")
		admin := e.s.Token(t, auth.RoleAdmin, 0)
		rc := newReceiver(t)
		_, secret := e.register(t, admin, rc.srv.URL, []string{webhook.FacilityCreated}, "")
		rc.setSecrets(secret)
		// The second field fails: the operation's transaction rolls back
		// the first one's facility too.
		r := e.s.Query(t, admin, `mutation($c: ID!) {
			a: createFacility(input: {name: "回滚药店", category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id }
			b: createFacility(input: {name: "", category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
			map[string]any{"c": community})
		if len(r.Errors) == 0 {
			t.Fatalf("want the operation refused: %s", r.Raw)
		}
		var n int
		if err := e.s.Store.DB.QueryRow(`SELECT COUNT(*) FROM river_job`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("river jobs after a rolled-back write: %d (%v)", n, err)
		}
		// A committed write afterwards is delivered, alone.
		e.createFacility(t, admin, community, "提交药店")
		got := rc.waitFor(t, "the committed creation", 30*time.Second, func(g []received) bool { return len(g) >= 1 })
		time.Sleep(time.Second)
		got = rc.requests()
		if len(got) != 1 || got[0].Data["name"] != "提交药店" {
			t.Fatalf("received %s", summary(got))
		}
	})
}

// A staff endpoint's payload holds what that staff member may read: the
// registrant of another community appears without a phone, which the
// admin endpoint's payload carries.
func TestPayloadPrivacy(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		e := start(t, b, nil)
		ctx := rule.SystemContext(context.Background())
		c := e.s.Store.Client
		act, err := c.Activity.Query().Where(activity.StatusEQ(activity.StatusScheduled)).Order(activity.ByID()).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Person.Query().Where(person.CommunityIDNEQ(act.CommunityID), person.PhoneNEQ(""), person.DeactivatedAtIsNil()).First(ctx)
		if err != nil {
			t.Skipf("no person with a phone outside the activity's community: %v", err)
		}
		staff := e.s.Token(t, auth.RoleStaff, act.CommunityID)
		admin := e.s.Token(t, auth.RoleAdmin, 0)
		staffRC, adminRC := newReceiver(t), newReceiver(t)
		_, s1 := e.register(t, staff, staffRC.srv.URL, []string{webhook.RegistrationCreated}, "")
		_, s2 := e.register(t, admin, adminRC.srv.URL, []string{webhook.RegistrationCreated}, "")
		staffRC.setSecrets(s1)
		adminRC.setSecrets(s2)
		var d struct{ RegisterForActivity struct{ ID string } }
		e.s.Query(t, admin, `mutation($a: ID!, $p: ID) { registerForActivity(activityID: $a, personID: $p) { id } }`,
			map[string]any{"a": gid.Encode(act.ID), "p": gid.Encode(p.ID)}).Decode(t, &d)
		sg := staffRC.waitFor(t, "the staff endpoint's event", 30*time.Second, func(g []received) bool { return len(g) >= 1 })
		ag := adminRC.waitFor(t, "the admin endpoint's event", 30*time.Second, func(g []received) bool { return len(g) >= 1 })
		if strings.Contains(string(sg[0].Body), p.Phone) {
			t.Errorf("the staff endpoint received the phone of a person of another community: %s", sg[0].Body)
		}
		if !strings.Contains(string(ag[0].Body), p.Phone) {
			t.Errorf("the admin endpoint's payload lacks the phone an admin may read: %s", ag[0].Body)
		}
		if sg[0].Data["id"] != d.RegisterForActivity.ID || ag[0].Data["id"] != d.RegisterForActivity.ID {
			t.Errorf("events about %v and %v, want %s", sg[0].Data["id"], ag[0].Data["id"], d.RegisterForActivity.ID)
		}
	})
}

// An endpoint that keeps failing is disabled, with its reason in GraphQL
// and a metric; nothing more is sent to it.
func TestFailingEndpointDisabled(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		e := start(t, b, func(o *webhook.Options) { o.DisableAfter = 3; o.DisablePeriod = 0 })
		community, _ := e.s.Community(t, "文亭巷社区")
		admin := e.s.Token(t, auth.RoleAdmin, 0)
		rc := newReceiver(t)
		rc.respond = func(int, received) int { return http.StatusBadGateway }
		ep, secret := e.register(t, admin, rc.srv.URL, []string{webhook.FacilityCreated}, "")
		rc.setSecrets(secret)
		e.createFacility(t, admin, community, "失败药店")
		rc.waitFor(t, "three failed attempts", 30*time.Second, func(g []received) bool { return len(g) >= 3 })
		deadline := time.Now().Add(10 * time.Second)
		for {
			var d struct {
				WebhookEndpoints []struct {
					ID                  string
					Enabled             bool
					DisabledReason      *string
					ConsecutiveFailures int
				}
			}
			e.s.Query(t, admin, `{ webhookEndpoints { id enabled disabledReason consecutiveFailures } }`, nil).Decode(t, &d)
			got := d.WebhookEndpoints[0]
			if !got.Enabled {
				if got.DisabledReason == nil || !strings.Contains(*got.DisabledReason, "3 delivery attempts all failed") || got.ID != ep.ID {
					t.Fatalf("disabled endpoint: %+v", got)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("endpoint still enabled: %+v", got)
			}
			time.Sleep(100 * time.Millisecond)
		}
		n := len(rc.requests())
		e.createFacility(t, admin, community, "停用后药店")
		time.Sleep(1500 * time.Millisecond)
		if m := len(rc.requests()); m != n {
			t.Fatalf("a disabled endpoint received %d more requests", m-n)
		}
		if v := counter(t, e.reg, "lifecircle_webhook_endpoints_disabled_total"); v != 1 {
			t.Fatalf("disabled metric %v, want 1", v)
		}
	})
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return -1
}

// During a rotation both secrets sign: the reference library verifies the
// message with the old secret and with the new one.
func TestSecretRotation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		e := start(t, b, nil)
		community, cid := e.s.Community(t, "文亭巷社区")
		staff := e.s.Token(t, auth.RoleStaff, cid)
		rc := newReceiver(t)
		ep, old := e.register(t, staff, rc.srv.URL, []string{webhook.FacilityCreated}, "")
		var d struct {
			RotateWebhookEndpointSecret struct {
				Secret   string
				Endpoint struct{ PreviousSecretValidUntil *string }
			}
		}
		e.s.Query(t, staff, `mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret endpoint { previousSecretValidUntil } } }`,
			map[string]any{"id": ep.ID}).Decode(t, &d)
		fresh := d.RotateWebhookEndpointSecret.Secret
		if fresh == old || !strings.HasPrefix(fresh, "whsec_") || d.RotateWebhookEndpointSecret.Endpoint.PreviousSecretValidUntil == nil {
			t.Fatalf("rotation: %+v", d)
		}
		rc.setSecrets(old, fresh) // each must verify on its own
		e.createFacility(t, staff, community, "轮换药店")
		got := rc.waitFor(t, "the event", 30*time.Second, func(g []received) bool { return len(g) >= 1 })
		if n := len(strings.Fields(got[0].Signature)); n != 2 {
			t.Fatalf("webhook-signature %q: want two signatures", got[0].Signature)
		}
		// Verified by our own reading of the spec too: the new secret
		// alone verifies (the library accepts any one matching signature).
		wh, _ := standardwebhooks.NewWebhook(fresh)
		h := http.Header{}
		h.Set("webhook-id", got[0].ID)
		h.Set("webhook-timestamp", got[0].Timestamp)
		h.Set("webhook-signature", got[0].Signature)
		if err := wh.Verify(got[0].Body, h); err != nil {
			t.Fatal(err)
		}
		h.Set("webhook-signature", "v1,"+strings.Repeat("A", 44))
		if err := wh.Verify(got[0].Body, h); err == nil {
			t.Fatal("the reference library accepts a wrong signature: the receiver's check proves nothing")
		}
	})
}

// Endpoints are visible and manageable only by their owner's community
// staff and admins; URLs are checked.
func TestEndpointAccess(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		e := start(t, b, nil)
		_, cid := e.s.Community(t, "文亭巷社区")
		staff := e.s.Token(t, auth.RoleStaff, cid)
		admin := e.s.Token(t, auth.RoleAdmin, 0)
		other, err := e.s.Store.Client.Region.Query().Where().IDs(rule.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		var otherCommunity int
		for _, id := range other {
			if r, _ := e.s.Store.Client.Region.Get(rule.SystemContext(context.Background()), id); r != nil && r.Level == "COMMUNITY" && id != cid {
				otherCommunity = id
				break
			}
		}
		stranger := e.s.Token(t, auth.RoleStaff, otherCommunity)
		ep, _ := e.register(t, staff, "https://hooks.example.com/x", []string{webhook.RequestCreated}, "")
		list := func(tok string) int {
			var d struct{ WebhookEndpoints []struct{ ID string } }
			e.s.Query(t, tok, `{ webhookEndpoints { id } }`, nil).Decode(t, &d)
			return len(d.WebhookEndpoints)
		}
		if list(staff) != 1 || list(admin) != 1 || list(stranger) != 0 {
			t.Fatalf("listing: owner %d, admin %d, other community %d", list(staff), list(admin), list(stranger))
		}
		upd := `mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: false}) { id enabled } }`
		if r := e.s.Query(t, stranger, upd, map[string]any{"id": ep.ID}); r.Code() != "NOT_FOUND" {
			t.Fatalf("another community's staff: %s", r.Raw)
		}
		if r := e.s.Query(t, stranger, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, map[string]any{"id": ep.ID}); r.Code() != "NOT_FOUND" {
			t.Fatalf("another community's staff deletes: %s", r.Raw)
		}
		if r := e.s.Query(t, "", `{ webhookEndpoints { id } }`, nil); len(r.Errors) == 0 {
			t.Fatalf("the public lists endpoints: %s", r.Raw)
		}
		// Staff cannot register for another community.
		if r := e.s.Query(t, staff, createEndpoint, map[string]any{"in": map[string]any{"url": "https://a.example.com", "eventTypes": []string{webhook.RequestCreated}, "communityID": gid.Encode(otherCommunity)}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("staff for another community: %s", r.Raw)
		}
		for _, bad := range []string{"ftp://example.com/x", "not a url", "javascript:alert(1)"} {
			if r := e.s.Query(t, staff, createEndpoint, map[string]any{"in": map[string]any{"url": bad, "eventTypes": []string{webhook.RequestCreated}}}); r.Code() != "BAD_USER_INPUT" {
				t.Fatalf("url %q: %s", bad, r.Raw)
			}
		}
		if r := e.s.Query(t, staff, createEndpoint, map[string]any{"in": map[string]any{"url": "https://a.example.com", "eventTypes": []string{"facility.exploded"}}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("unknown event type: %s", r.Raw)
		}
		var d struct {
			DeleteWebhookEndpoint string
		}
		e.s.Query(t, staff, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, map[string]any{"id": ep.ID}).Decode(t, &d)
		if list(staff) != 0 {
			t.Fatal("deleted endpoint still listed")
		}
	})
}

// Internal addresses are refused unless allowed.
func TestCheckURL(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080/x", "http://localhost/x", "http://10.0.0.5/", "http://[::1]/", "http://169.254.169.254/latest", "http://192.168.1.1/"} {
		if err := webhook.CheckURL(u, false); err == nil {
			t.Errorf("%s accepted", u)
		}
		if err := webhook.CheckURL(u, true); err != nil {
			t.Errorf("%s refused with private addresses allowed: %v", u, err)
		}
	}
	if err := webhook.CheckURL("https://hooks.example.com/lifecircle", false); err != nil {
		t.Error(err)
	}
}

var _ = ent.IsNotFound
