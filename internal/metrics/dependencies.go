package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// WatchRedis reports the Redis that several servers share: whether it is in
// use now (1) or the server runs on its own limits and caches (0), and how
// many operations were answered locally because it was away.
func (m *Metrics) WatchRedis(shared func() bool, fallbacks func() uint64) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lifecircle_redis_shared",
			Help: "1 while rate budgets, persisted queries and the response cache are shared through Redis; 0 while this server uses its own."},
			func() float64 { return boolFloat(shared()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lifecircle_redis_fallbacks_total",
			Help: "Operations answered from this server's memory because Redis was away."},
			func() float64 { return float64(fallbacks()) }),
	)
}

// ReplicaStatus is what the read-replica router tells about itself.
type ReplicaStatus struct {
	Serving                    bool
	Lag                        time.Duration
	ReplicaReads, PrimaryReads uint64
	Fallbacks                  uint64
}

// WatchReplica reports the read replica: whether public reads go to it, its
// lag, where reads ran and how many failed over to the primary.
func (m *Metrics) WatchReplica(status func() ReplicaStatus) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lifecircle_replica_serving",
			Help: "1 while public reads go to the read replica; 0 while they go to the primary (replica down or too far behind)."},
			func() float64 { return boolFloat(status().Serving) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lifecircle_replica_lag_seconds",
			Help: "How far behind the primary the read replica was at its last check."},
			func() float64 { return status().Lag.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lifecircle_replica_reads_total",
			Help: "Read statements, by the database that ran them (db: replica or primary).", ConstLabels: prometheus.Labels{"db": "replica"}},
			func() float64 { return float64(status().ReplicaReads) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lifecircle_replica_reads_total",
			Help: "Read statements, by the database that ran them (db: replica or primary).", ConstLabels: prometheus.Labels{"db": "primary"}},
			func() float64 { return float64(status().PrimaryReads) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lifecircle_replica_fallbacks_total",
			Help: "Reads that failed on the replica and were run again on the primary."},
			func() float64 { return float64(status().Fallbacks) }),
	)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
