package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestReady(t *testing.T) {
	var c Checks
	c.Timeout = 50 * time.Millisecond
	c.Add(
		Check{Name: "database", Run: func(context.Context) error { return nil }},
		Check{Name: "cache", Degraded: true, Run: func(context.Context) error { return errors.New("unreachable") }},
	)
	get := func() (int, Report) {
		rec := httptest.NewRecorder()
		c.Ready().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var rep Report
		if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		return rec.Code, rep
	}
	if code, rep := get(); code != 200 || !rep.Ready || rep.Checks["database"] != "ok" || rep.Checks["cache"] != "degraded: unreachable" {
		t.Errorf("a degraded check: %d %+v", code, rep)
	}
	// A check that hangs is cut at the timeout and fails readiness.
	c.Add(Check{Name: "migrations", Run: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }})
	if code, rep := get(); code != 503 || rep.Ready || rep.Checks["migrations"] != "no answer within 50ms" {
		t.Errorf("a hanging check: %d %+v", code, rep)
	}
}
