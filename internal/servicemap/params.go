package servicemap

import (
	"math"

	"lifecircle/internal/apperr"
	"lifecircle/internal/taxonomy"
)

// Bounds of what a query may ask.
const (
	MaxMinutes      = 60
	MaxRadiusMeters = 5000
	MaxK            = 20
	DefaultMinutes  = 15
)

// CheckPoint validates WGS-84 coordinates.
func CheckPoint(field string, lat, lng float64) error {
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return apperr.BadInput(field, "latitude %v is outside -90..90", lat)
	}
	if math.IsNaN(lng) || lng < -180 || lng > 180 {
		return apperr.BadInput(field, "longitude %v is outside -180..180", lng)
	}
	return nil
}

// CheckMinutes validates a walking time.
func CheckMinutes(field string, m float64) error {
	if math.IsNaN(m) || m <= 0 || m > MaxMinutes {
		return apperr.BadInput(field, "walking minutes must be above 0 and at most %d, got %v", MaxMinutes, m)
	}
	return nil
}

// Reach validates walkMinutes and radiusMeters (at most one; neither means
// DefaultMinutes) and returns the bound to search by: minutes, or a
// straight-line radius.
func Reach(walkMinutes, radiusMeters *float64) (minutes, meters float64, err error) {
	switch {
	case walkMinutes != nil && radiusMeters != nil:
		return 0, 0, apperr.BadInput("radiusMeters", "give walkMinutes or radiusMeters, not both")
	case radiusMeters != nil:
		r := *radiusMeters
		if math.IsNaN(r) || r <= 0 || r > MaxRadiusMeters {
			return 0, 0, apperr.BadInput("radiusMeters", "radius must be above 0 and at most %d metres, got %v", MaxRadiusMeters, r)
		}
		return 0, r, nil
	case walkMinutes != nil:
		if err := CheckMinutes("walkMinutes", *walkMinutes); err != nil {
			return 0, 0, err
		}
		return *walkMinutes, 0, nil
	}
	return DefaultMinutes, 0, nil
}

// CheckCategories validates category codes.
func CheckCategories(codes []string) error {
	for _, c := range codes {
		if !taxonomy.Valid(c) {
			return apperr.BadInput("categories", "unknown category %q (see the categories query)", c)
		}
	}
	return nil
}

// CheckK validates how many nearest facilities to consider.
func CheckK(k int) error {
	if k < 1 || k > MaxK {
		return apperr.BadInput("k", "k must be 1 to %d, got %d", MaxK, k)
	}
	return nil
}
