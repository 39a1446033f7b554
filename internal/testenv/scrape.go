package testenv

import (
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scrape is one scrape of a Prometheus endpoint, parsed with Prometheus's
// own text parser.
type Scrape map[string]*dto.MetricFamily

// ScrapeMetrics GETs url (a /metrics endpoint) and parses it.
func ScrapeMetrics(t testing.TB, url string) Scrape {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: status %d", url, res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	return fams
}

// Value is the value of the series of family name whose labels include
// labels (pairs: name, value, …): a counter's or gauge's value, a
// histogram's sample count; summed over the series that match. It is 0 when
// none does.
func (s Scrape) Value(name string, labels ...string) float64 {
	sum := 0.0
	for _, m := range s.series(name, labels) {
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum
}

// Has reports whether family name has a series with labels.
func (s Scrape) Has(name string, labels ...string) bool { return len(s.series(name, labels)) > 0 }

// LabelValues lists the values of label across family name's series.
func (s Scrape) LabelValues(name, label string) map[string]bool {
	out := map[string]bool{}
	for _, m := range s.series(name, nil) {
		for _, l := range m.Label {
			if l.GetName() == label {
				out[l.GetValue()] = true
			}
		}
	}
	return out
}

func (s Scrape) series(name string, labels []string) []*dto.Metric {
	f := s[name]
	if f == nil {
		return nil
	}
	var out []*dto.Metric
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}
