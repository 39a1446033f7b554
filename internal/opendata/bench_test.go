package opendata

import (
	"context"
	"io"
	"testing"
	"time"
)

// benchTable is n facility-like rows built in memory, so a benchmark times
// the encoders alone, not the database.
func benchTable(n int) table {
	updated := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	return table{
		columns: Columns,
		kinds:   kinds(facilityColumns),
		rows: func(_ context.Context, r *record, emit func() error) error {
			for i := 1; i <= n; i++ {
				r.reset()
				r.id(i)
				r.str("文亭巷社区卫生服务站")
				r.str("")
				r.str("Wentingxiang community health station")
				r.str("clinic")
				r.str("诊所")
				r.str("Clinic")
				r.str("15min")
				r.float(36.6245 + float64(i%1000)/1e5)
				r.float(101.7782 - float64(i%1000)/1e5)
				r.boolean(i%7 == 0)
				r.str("城中区文亭巷12号, 2楼")
				r.str("+86 971 1234567")
				r.str("Mo-Fr 08:00-17:30")
				r.str("yes")
				r.str("open")
				r.id(i % 300)
				r.str("文亭巷社区")
				r.str("文汇路街道")
				r.str("城西区")
				if i%3 == 0 {
					r.timestamp(updated)
				} else {
					r.str("")
				}
				r.timestamp(updated)
				r.place(36.6245, 101.7782)
				if err := emit(); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func benchmarkWrite(b *testing.B, format string) {
	const rows = 10000
	t := benchTable(rows)
	b.ReportAllocs()
	for b.Loop() {
		if err := t.write(context.Background(), io.Discard, format, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkWriteCSV(b *testing.B)     { benchmarkWrite(b, "csv") }
func BenchmarkWriteGeoJSON(b *testing.B) { benchmarkWrite(b, "geojson") }
func BenchmarkWriteNDJSON(b *testing.B)  { benchmarkWrite(b, "ndjson") }
