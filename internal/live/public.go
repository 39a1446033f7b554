package live

import (
	"context"
	"math"
	"sync"

	"entgo.io/contrib/entgql"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/facility"
	"lifecircle/internal/apperr"
	"lifecircle/internal/limits"
	"lifecircle/internal/replica"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/taxonomy"
)

// After reads a change-feed cursor (the changes query's, an event's).
func After(c *entgql.Cursor[int]) (*int, error) {
	if c == nil {
		return nil, nil
	}
	if c.ID < 0 || c.Value != nil {
		return nil, apperr.BadInput("after", "not a change-feed cursor")
	}
	seq := c.ID
	return &seq, nil
}

// BBox is a rectangle of WGS-84 degrees.
type BBox struct{ South, West, North, East float64 }

// Valid reports whether b is a rectangle on the globe.
func (b BBox) Valid() bool {
	for _, v := range []float64{b.South, b.West, b.North, b.East} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return b.South >= -90 && b.North <= 90 && b.South <= b.North && b.West >= -180 && b.East <= 180 && b.West <= b.East
}

func (b BBox) has(lat, lng float64) bool {
	return lat >= b.South && lat <= b.North && lng >= b.West && lng <= b.East
}

// FacilityFilter selects the facilities of a facilityChanged subscription.
type FacilityFilter struct {
	Region     *int
	BBox       *BBox
	Categories []string
	// Services and Tags keep facilities offering any of these services or
	// carrying any of these tags (either list matching suffices), as
	// facilitiesNear's arguments of the same names.
	Services, Tags []string
}

// anyOf reports whether have holds any of want.
func anyOf(want map[string]bool, have []string) bool {
	for _, v := range have {
		if want[v] {
			return true
		}
	}
	return false
}

// Change is one event for a subscriber: its entry and the record as the
// subscriber may see it now (nil: deleted, or not visible).
type Change[T any] struct {
	Event  Event
	Cursor entgql.Cursor[int]
	Record T
}

// communities resolves a region to the communities under it.
func communities(ctx context.Context, client *ent.Client, region *int) (map[int]bool, error) {
	if region == nil {
		return nil, nil
	}
	ids, err := servicemap.CommunitiesUnder(ctx, client, *region)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.CodeNotFound, "no region with the ID given as region")
	}
	if err != nil {
		return nil, err
	}
	set := make(map[int]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// delivered is the set of records a filtered subscription was sent, so it
// is also sent their leaving the filter.
type delivered struct {
	mu  sync.Mutex
	ids map[int]bool
}

func (d *delivered) note(id int, in bool) (wasIn bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	wasIn = d.ids[id]
	if in {
		d.ids[id] = true
	} else {
		delete(d.ids, id)
	}
	return wasIn
}

func set(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// Facilities streams facilityChanged: every change of a facility that
// matches f now (or matched when last sent), each loaded for the
// subscriber of ctx at delivery; deletions to everyone.
func Facilities(ctx context.Context, h *Hub, client *ent.Client, f FacilityFilter, after *int) (<-chan Change[*ent.Facility], error) {
	if h == nil {
		return nil, apperr.New(apperr.CodeUnavailable, "subscriptions are not served here")
	}
	if f.BBox != nil && !f.BBox.Valid() {
		return nil, apperr.BadInput("bbox", "south ≤ north within ±90 and west ≤ east within ±180")
	}
	cats := map[string]bool{}
	for _, c := range f.Categories {
		if !taxonomy.Valid(c) {
			return nil, apperr.BadInput("categories", "unknown facility category %q", c)
		}
		cats[c] = true
	}
	if err := limits.CheckAnyOf("services", f.Services); err != nil {
		return nil, err
	}
	if err := limits.CheckAnyOf("tags", f.Tags); err != nil {
		return nil, err
	}
	services, tags := set(f.Services), set(f.Tags)
	labelled := len(services) > 0 || len(tags) > 0
	comms, err := communities(ctx, client, f.Region)
	if err != nil {
		return nil, err
	}
	filtered := f.BBox != nil || len(cats) > 0 || comms != nil || labelled
	sent := &delivered{ids: map[int]bool{}}
	// Records are read from the primary: the event says the primary has
	// them, a replica may not yet.
	return Stream(ctx, h, Request{Source: ChangesSource, After: after, Match: func(e Event) bool { return e.Entity == "Facility" }},
		func(ctx context.Context, e Event) (Change[*ent.Facility], bool, error) {
			c := Change[*ent.Facility]{Event: e, Cursor: entgql.Cursor[int]{ID: e.Seq}}
			if e.Op == "delete" {
				sent.note(e.ID, false)
				return c, true, nil
			}
			rec, err := client.Facility.Query().Where(facility.ID(e.ID)).Only(replica.Primary(ctx))
			if ent.IsNotFound(err) { // deleted since: sent like a tombstone
				sent.note(e.ID, false)
				return c, true, nil
			}
			if err != nil {
				return c, false, err
			}
			c.Record = rec
			in := (f.BBox == nil || f.BBox.has(rec.Lat, rec.Lng)) &&
				(len(cats) == 0 || cats[rec.Category]) &&
				(comms == nil || comms[rec.CommunityID]) &&
				(!labelled || anyOf(services, rec.Services) || anyOf(tags, rec.Tags))
			if !filtered {
				return c, true, nil
			}
			return c, sent.note(e.ID, in) || in, nil
		})
}

// Activities streams activityChanged, like Facilities.
func Activities(ctx context.Context, h *Hub, client *ent.Client, region *int, after *int) (<-chan Change[*ent.Activity], error) {
	if h == nil {
		return nil, apperr.New(apperr.CodeUnavailable, "subscriptions are not served here")
	}
	comms, err := communities(ctx, client, region)
	if err != nil {
		return nil, err
	}
	sent := &delivered{ids: map[int]bool{}}
	return Stream(ctx, h, Request{Source: ChangesSource, After: after, Match: func(e Event) bool { return e.Entity == "Activity" }},
		func(ctx context.Context, e Event) (Change[*ent.Activity], bool, error) {
			c := Change[*ent.Activity]{Event: e, Cursor: entgql.Cursor[int]{ID: e.Seq}}
			if e.Op == "delete" {
				sent.note(e.ID, false)
				return c, true, nil
			}
			rec, err := client.Activity.Query().Where(activity.ID(e.ID)).Only(replica.Primary(ctx))
			if ent.IsNotFound(err) { // deleted since: sent like a tombstone
				sent.note(e.ID, false)
				return c, true, nil
			}
			if err != nil {
				return c, false, err
			}
			c.Record = rec
			if comms == nil {
				return c, true, nil
			}
			in := comms[rec.CommunityID]
			return c, sent.note(e.ID, in) || in, nil
		})
}
