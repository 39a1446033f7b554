package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ServiceMap is what the service-map index tells about itself.
type ServiceMap interface {
	// Len is the number of facilities indexed.
	Len() int
	// Lag is how far the index is behind the change log: entries written
	// and not yet applied, and the age of the oldest of them.
	Lag(ctx context.Context) (changes int, age time.Duration, err error)
}

// WatchServiceMap reports the index's size and its lag behind the change
// log, read at each scrape (the lag with one short query).
func (m *Metrics) WatchServiceMap(ix ServiceMap) {
	if m == nil || ix == nil {
		return
	}
	m.Registry.MustRegister(serviceMapCollector{ix})
}

var (
	smFacilities = prometheus.NewDesc("lifecircle_servicemap_facilities",
		"Facilities in the service-map index.", nil, nil)
	smLagChanges = prometheus.NewDesc("lifecircle_servicemap_lag_changes",
		"Change-log entries written and not yet applied to the service-map index (it catches up before its next answer).", nil, nil)
	smLagSeconds = prometheus.NewDesc("lifecircle_servicemap_lag_seconds",
		"Age of the oldest change-log entry not yet applied to the service-map index (0 when up to date).", nil, nil)
)

type serviceMapCollector struct{ ix ServiceMap }

func (c serviceMapCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- smFacilities
	ch <- smLagChanges
	ch <- smLagSeconds
}

// Collect reports the lag only when the database answered in time: a
// scrape must not hang, nor fail as a whole, while it is down.
func (c serviceMapCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(smFacilities, prometheus.GaugeValue, float64(c.ix.Len()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	changes, age, err := c.ix.Lag(ctx)
	if err != nil {
		slog.Warn("metrics: service-map lag unknown", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(smLagChanges, prometheus.GaugeValue, float64(changes))
	ch <- prometheus.MustNewConstMetric(smLagSeconds, prometheus.GaugeValue, age.Seconds())
}
