package limits

import (
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
