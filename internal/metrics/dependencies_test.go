package metrics

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The replica's and Redis's states are read at each scrape, not copied.
func TestReplicaAndRedisAreReadAtScrape(t *testing.T) {
	m := New()
	st := ReplicaStatus{Serving: true, Lag: 1500 * time.Millisecond, ReplicaReads: 7, PrimaryReads: 2, Fallbacks: 1}
	shared, fallbacks := true, uint64(0)
	m.WatchReplica(func() ReplicaStatus { return st })
	m.WatchRedis(func() bool { return shared }, func() uint64 { return fallbacks })

	scrape := func() map[string]float64 {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for name, f := range fams {
			for _, s := range f.Metric {
				key := name
				for _, l := range s.Label {
					key += "," + l.GetName() + "=" + l.GetValue()
				}
				switch {
				case s.Gauge != nil:
					got[key] = s.Gauge.GetValue()
				case s.Counter != nil:
					got[key] = s.Counter.GetValue()
				}
			}
		}
		return got
	}
	want := map[string]float64{
		"lifecircle_replica_serving": 1, "lifecircle_replica_lag_seconds": 1.5,
		"lifecircle_replica_reads_total,db=replica": 7, "lifecircle_replica_reads_total,db=primary": 2,
		"lifecircle_replica_fallbacks_total": 1, "lifecircle_redis_shared": 1, "lifecircle_redis_fallbacks_total": 0,
	}
	got := scrape()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	st.Serving, shared, fallbacks = false, false, 3
	got = scrape()
	if got["lifecircle_replica_serving"] != 0 || got["lifecircle_redis_shared"] != 0 || got["lifecircle_redis_fallbacks_total"] != 3 {
		t.Errorf("after a change: serving %v, shared %v, fallbacks %v; want 0, 0, 3",
			got["lifecircle_replica_serving"], got["lifecircle_redis_shared"], got["lifecircle_redis_fallbacks_total"])
	}
}
