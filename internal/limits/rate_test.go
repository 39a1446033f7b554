package limits

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// An address may fail Failures.Points times; then it waits for the budget
// to refill, one failure per Failures.Per / Failures.Points.
func TestFailedAuthenticationBudget(t *testing.T) {
	b := NewBudget(Rate{Points: 100, Per: time.Minute}, Rate{Points: 100, Per: time.Minute})
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	b.Buckets.(*LocalBuckets).now = func() time.Time { return now }
	r := httptest.NewRequest("GET", "/graphql", nil)
	r.RemoteAddr = "192.0.2.7:4711"
	other := httptest.NewRequest("GET", "/graphql", nil)
	other.RemoteAddr = "192.0.2.8:4711"
	for i := 0; i < 10; i++ {
		if _, ok := b.AuthAllowed(r); !ok {
			t.Fatalf("refused after %d failures", i)
		}
		b.AuthFailed(r)
	}
	retry, ok := b.AuthAllowed(r)
	if ok || retry != 6*time.Second {
		t.Fatalf("after 10 failures: ok %v, retry %v; want refused for 6s", ok, retry)
	}
	if _, ok := b.AuthAllowed(other); !ok {
		t.Error("another address is refused too")
	}
	now = now.Add(6 * time.Second)
	if _, ok := b.AuthAllowed(r); !ok {
		t.Error("still refused once a failure has refilled")
	}
	b.AuthFailed(r)
	if _, ok := b.AuthAllowed(r); ok {
		t.Error("one refilled failure allows one more, not two")
	}
}

// A token is charged at its role's rate where Roles sets one, else at
// Apps; the public at Public. The headers say which limit applied.
func TestRoleRates(t *testing.T) {
	b := NewBudget(Rate{Points: 100, Per: time.Minute}, Rate{Points: 1000, Per: time.Minute})
	b.Roles = map[string]Rate{"admin": {Points: 5000, Per: time.Minute}}
	for class, want := range map[string]string{"": "100", "staff": "1000", "admin": "5000"} {
		h := RateLimited(func(*http.Request) (string, string) { return "k:" + class, class },
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, _, ok := b.Charge(r.Context(), 60); !ok {
					t.Errorf("%q: 60 points refused", class)
				}
				_, _ = w.Write([]byte("{}"))
			}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/graphql", nil))
		if got := rec.Header().Get("RateLimit-Limit"); got != want {
			t.Errorf("class %q: RateLimit-Limit %s, want %s", class, got, want)
		}
	}
}
