package tracing_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"lifecircle/internal/auth"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
	"lifecircle/internal/tracing"
)

// receiver is an OTLP/HTTP trace receiver: it decodes what the exporter
// posts to /v1/traces.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	bad   []string
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			rc.bad = append(rc.bad, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if err := proto.Unmarshal(body, &req); err != nil {
			rc.bad = append(rc.bad, err.Error())
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				rc.spans = append(rc.spans, ss.Spans...)
			}
		}
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received(t *testing.T) []*tracepb.Span {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("the receiver refused: %v", rc.bad)
	}
	return append([]*tracepb.Span(nil), rc.spans...)
}

func attr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			if v := a.Value.GetStringValue(); v != "" {
				return v
			}
			if v := a.Value.GetIntValue(); v != 0 {
				b, _ := json.Marshal(v)
				return string(b)
			}
		}
	}
	return ""
}

func noEnv(string) string { return "" }

// One traced request: its server span (child of the caller's traceparent),
// the GraphQL operation under it, resolvers under that, and the SQL they
// ran under them, all exported to an OTLP/HTTP receiver.
func TestTracesRequestsResolversAndSQL(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		rc := newReceiver(t)
		ctx := context.Background()
		tr, err := tracing.New(ctx, tracing.Options{Endpoint: rc.URL, Getenv: noEnv})
		if err != nil || tr == nil {
			t.Fatalf("tracing.New: %v, %v", tr, err)
		}
		t.Cleanup(func() { _ = tr.Shutdown(ctx) })
		st := b.Open(t, testenv.Options{Driver: tr.Driver})
		s := testenv.StartServer(t, st, server.Options{Tracing: tr})
		admin := s.Token(t, auth.RoleAdmin, 0)

		const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		const callerSpan = "00f067aa0ba902b7"
		body, _ := json.Marshal(map[string]any{"query": `query Regions { regions(first: 2) { edges { node { name } } } }`})
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("traceparent", "00-"+traceID+"-"+callerSpan+"-01")
		req.Header.Set("X-Request-ID", "trace-me")
		if r := s.Do(t, req); len(r.Errors) > 0 {
			t.Fatalf("query: %s", r.Raw)
		}
		// A mutation: its statements and its commit, under its resolver.
		var c struct {
			Regions struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `{ regions(where: {name: "文亭巷社区", level: COMMUNITY}) { edges { node { id } } } }`, nil).Decode(t, &c)
		if len(c.Regions.Edges) != 1 {
			t.Fatal("no demo community")
		}
		r := s.Query(t, admin, `mutation M($c: ID!) { createFacility(input: {name: "追踪测试药店", category: "pharmacy", lat: 36.6251, lng: 101.7571, communityID: $c}) { id } }`,
			map[string]any{"c": c.Regions.Edges[0].Node.ID})
		if len(r.Errors) > 0 {
			t.Fatalf("mutation: %s", r.Raw)
		}
		if err := tr.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		spans := rc.received(t)
		byID := map[string]*tracepb.Span{}
		for _, sp := range spans {
			byID[hex.EncodeToString(sp.SpanId)] = sp
		}
		find := func(trace string, name string) *tracepb.Span {
			t.Helper()
			for _, sp := range spans {
				if sp.Name == name && (trace == "" || hex.EncodeToString(sp.TraceId) == trace) {
					return sp
				}
			}
			var names []string
			for _, sp := range spans {
				names = append(names, sp.Name)
			}
			t.Fatalf("no span %q in trace %s; spans: %v", name, trace, names)
			return nil
		}
		parentOf := func(sp *tracepb.Span) *tracepb.Span { return byID[hex.EncodeToString(sp.ParentSpanId)] }

		httpSpan := find(traceID, "POST /graphql")
		if got := hex.EncodeToString(httpSpan.ParentSpanId); got != callerSpan {
			t.Errorf("HTTP span's parent = %s, want the caller's %s", got, callerSpan)
		}
		if httpSpan.Kind != tracepb.Span_SPAN_KIND_SERVER || attr(httpSpan, "http.route") != "/graphql" ||
			attr(httpSpan, "http.response.status_code") != "200" || attr(httpSpan, "lifecircle.request_id") != "trace-me" {
			t.Errorf("HTTP span: kind %v, attributes %v", httpSpan.Kind, httpSpan.Attributes)
		}
		op := find(traceID, "GraphQL query Regions")
		if parentOf(op) != httpSpan {
			t.Errorf("the operation's parent is not the HTTP span")
		}
		resolver := find(traceID, "Query.regions")
		if parentOf(resolver) != op {
			t.Errorf("the resolver's parent is not the operation")
		}
		var selects int
		for _, sp := range spans {
			if hex.EncodeToString(sp.TraceId) == traceID && sp.Name == "SELECT" && parentOf(sp) == resolver {
				selects++
				if !strings.Contains(attr(sp, "db.query.text"), "regions") || attr(sp, "db.system.name") == "" {
					t.Errorf("SQL span attributes: %v", sp.Attributes)
				}
				if sp.Kind != tracepb.Span_SPAN_KIND_CLIENT {
					t.Errorf("SQL span kind %v", sp.Kind)
				}
			}
		}
		if selects == 0 {
			t.Error("no SELECT span under Query.regions")
		}

		mut := find("", "Mutation.createFacility")
		mutTrace := hex.EncodeToString(mut.TraceId)
		if mutTrace == traceID {
			t.Error("the second request joined the first's trace")
		}
		if p := parentOf(mut); p == nil || p.Name != "GraphQL mutation M" || parentOf(p) == nil || parentOf(p).Name != "POST /graphql" {
			t.Errorf("the mutation resolver's parents are not the operation and the request")
		}
		insert := find(mutTrace, "INSERT")
		if parentOf(insert) != mut {
			t.Errorf("the INSERT's parent is %v, want the resolver", parentOf(insert))
		}
		if commit := find(mutTrace, "COMMIT"); parentOf(commit) == nil {
			t.Error("the COMMIT span has no parent in the request's trace")
		}
		for _, sp := range spans {
			if len(sp.ParentSpanId) == 0 && sp.Kind == tracepb.Span_SPAN_KIND_CLIENT {
				t.Errorf("a statement outside any request was traced: %s %s", sp.Name, attr(sp, "db.query.text"))
			}
			for _, a := range sp.Attributes {
				if strings.Contains(a.Value.GetStringValue(), "追踪测试药店") {
					t.Errorf("a span holds a statement's parameter: %s %s", sp.Name, a.Key)
				}
			}
		}
	})
}

// Without an endpoint, tracing is off and wraps nothing: no cost.
func TestTracingOffWrapsNothing(t *testing.T) {
	tr, err := tracing.New(context.Background(), tracing.Options{Getenv: noEnv})
	if tr != nil || err != nil {
		t.Fatalf("no endpoint: %v, %v", tr, err)
	}
	mux := http.NewServeMux()
	if h := tr.Handler(mux); h != http.Handler(mux) {
		t.Error("the HTTP handler was wrapped")
	}
	if tr.GraphQL() != nil {
		t.Error("a GraphQL extension without tracing")
	}
	var d dialect.Driver = fakeDriver{}
	if tr.Driver(d) != d {
		t.Error("the driver was wrapped")
	}
	env := map[string]string{tracing.EnvEndpoint: "http://127.0.0.1:4318"}
	if !tracing.Enabled(tracing.Options{Getenv: func(k string) string { return env[k] }}) {
		t.Error("OTEL_EXPORTER_OTLP_ENDPOINT does not turn tracing on")
	}
	env[tracing.EnvSDKDisabled] = "true"
	if tracing.Enabled(tracing.Options{Getenv: func(k string) string { return env[k] }}) {
		t.Error("OTEL_SDK_DISABLED=true does not turn tracing off")
	}
}

type fakeDriver struct{ dialect.Driver }
