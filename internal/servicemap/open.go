// Package servicemap answers questions about the 15-minute service map.
package servicemap

import (
	"time"

	"lifecircle/ent"
	"lifecircle/ent/facility"
	"lifecircle/internal/openinghours"
)

// OpenAt reports whether f is open at t: false when the facility is closed
// or temporarily closed, nil when its opening hours are unknown.
func OpenAt(f *ent.Facility, t time.Time) *bool {
	var open bool
	if f.Status == facility.StatusOpen {
		if f.OpeningHours == "" {
			return nil
		}
		sch, err := openinghours.Parse(f.OpeningHours)
		if err != nil {
			return nil // stored hours were validated on write; treat a bad row as unknown
		}
		open = sch.OpenAt(t)
	}
	return &open
}
