package servicemap

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/change"
	"lifecircle/ent/facility"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/changewake"
	"lifecircle/internal/openinghours"
	"lifecircle/internal/replica"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/walknet"
)

// cellDeg is the side of a grid cell in degrees (about 555 m north-south).
const cellDeg = 0.005

// point is a facility as the index keeps it: what ranking and filtering
// need, nothing else.
//
// It holds no pointer (its opening hours are a number in the index's
// schedule table), so the garbage collector never scans the points: they
// are most of the server's live heap on a city of 200,000 facilities, and
// with a pointer in each every collection walked all of them again.
type point struct {
	id       int
	lat, lng float64
	hours    uint32 // index into Index.schedules; 0: unknown
	cat      uint16 // index into the taxonomy table
	status   status
	// The nearest street node of the first network that covers the
	// facility (net is its index in networks, -1 for none), and how far
	// away it is: snapped once, not on every query.
	net  int16
	node int32
	snap float32
	// labels is the index of the facility's services and tags in the
	// index's labelTable (0: none).
	labels uint32
}

// status is a facility's status in one byte.
type status uint8

const (
	statusOpen status = iota
	statusTemporarilyClosed
	statusClosed
)

func statusOf(s facility.Status) status {
	switch s {
	case facility.StatusClosed:
		return statusClosed
	case facility.StatusTemporarilyClosed:
		return statusTemporarilyClosed
	}
	return statusOpen
}

// Index is an in-memory grid of every facility, kept in step with the
// database through the change log: before answering, it applies the log
// entries written since it last looked.
//
// When does it look? Without Follow, before every answer (one query of the
// log per request): a write is visible to the next query on every server
// sharing the database. With Follow, only when its changewake.Wake was
// bumped since: at once after a commit through the same store (so a client
// reads its own writes on this server), within the notification latency
// for the writes of other servers on PostgreSQL, and within the store's
// poll interval otherwise; an answer from an index that is current costs
// no SQL at all.
type Index struct {
	client *ent.Client

	wake   *changewake.Wake
	synced atomic.Uint64 // the wake's generation the index has caught up with

	loading atomic.Bool // a background load runs (see Loaded)

	syncMu sync.Mutex // one catch-up at a time
	mu     sync.RWMutex
	loaded bool
	seq    int // last change applied
	pts    []point
	free   []int32
	byID   idTable
	cells  map[uint64][]int32
	// cellCats has a bit for every category (by taxonomy index, the
	// first 64) an open point of the cell had since the last layOut: a
	// superset, as removals leave their bits. It lets the report skip
	// cells with nothing it still looks for.
	cellCats map[uint64]uint64
	// Opening hours, interned: a point's hours is its schedule's index
	// in schedules (schedules[0] is nil: unknown or not understood).
	hours     map[string]uint32
	schedules []*openinghours.Schedule
	labels    *labelTable // interned services and tags

	networks []*walknet.Graph
}

// NewIndex returns an empty index over client; it loads on first use.
func NewIndex(client *ent.Client) *Index {
	return &Index{client: client}
}

var catIndex = func() map[string]uint16 {
	m := map[string]uint16{}
	for i, c := range taxonomy.All() {
		m[c.Code] = uint16(i)
	}
	return m
}()

func cellOf(lat, lng float64) (int32, int32) {
	return int32(math.Floor(lat / cellDeg)), int32(math.Floor(lng / cellDeg))
}

func cellKey(y, x int32) uint64 { return uint64(uint32(y))<<32 | uint64(uint32(x)) }

// Follow makes the index look at the change log only when w was bumped
// since it last did (see Index), and catch up in the background as soon as
// it is, so that requests seldom wait for it. Call it before the index is
// used; the background work stops when w is closed.
func (ix *Index) Follow(w *changewake.Wake) {
	ix.wake = w
	go func() {
		for {
			changed := w.Changed()
			if ix.synced.Load() != 0 && ix.current() == 0 { // loaded, behind
				if err := ix.Sync(changewake.Background(context.Background())); err != nil {
					slog.Warn("servicemap: catch up", "err", err)
				}
			}
			select {
			case <-changed:
			case <-w.Done():
				return
			}
		}
	}()
}

// current returns the generation of the wake if the index has loaded and
// caught up with it, and 0 if it must look at the change log (or has no
// wake, or has not loaded).
func (ix *Index) current() uint64 {
	if ix.wake == nil {
		return 0
	}
	g := ix.wake.Gen()
	if ix.synced.Load() != g {
		return 0
	}
	return g
}

// Sync brings the index up to date with the database: with a wake (see
// Follow) only if it was bumped since the last time.
func (ix *Index) Sync(ctx context.Context) error {
	if ix.current() != 0 {
		return nil
	}
	// The log and the facilities are read on the primary: a lagging
	// replica would leave the index behind until the next bump.
	ctx = rule.SystemContext(replica.Primary(ctx))
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	var gen uint64
	if ix.wake != nil {
		// Read before the log: a commit bumps after it is visible, so
		// whatever bumps later than this is looked at next time.
		gen = ix.wake.Gen()
		if ix.synced.Load() == gen {
			return nil // caught up while this one waited
		}
	}
	latest, err := ix.latestChange(ctx)
	if err != nil {
		return err
	}
	ix.mu.RLock()
	loaded, seq := ix.loaded, ix.seq
	ix.mu.RUnlock()
	switch {
	case !loaded:
		err = ix.load(ctx, latest)
	case latest > seq:
		err = ix.catchUp(ctx, seq, latest)
	}
	if err == nil && gen != 0 {
		ix.synced.Store(gen)
	}
	return err
}

func (ix *Index) latestChange(ctx context.Context) (int, error) {
	ids, err := ix.client.Change.Query().Order(ent.Desc(change.FieldID)).Limit(1).IDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("servicemap: read change log: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

var indexColumns = []string{facility.FieldID, facility.FieldLat, facility.FieldLng, facility.FieldCategory, facility.FieldStatus, facility.FieldOpeningHours, facility.FieldServices, facility.FieldTags}

// load reads every facility, in pages by ID. Changes made while it reads
// are re-applied by the next Sync: seq is taken before the first page.
func (ix *Index) load(ctx context.Context, seq int) error {
	const page = 20000
	networks, err := ix.loadNetworks(ctx)
	if err != nil {
		return err
	}
	fresh := emptyIndex()
	fresh.networks = networks
	after := 0
	for {
		rows, err := ix.client.Facility.Query().Where(facility.IDGT(after)).
			Order(ent.Asc(facility.FieldID)).Limit(page).Select(indexColumns...).All(ctx)
		if err != nil {
			return fmt.Errorf("servicemap: load facilities: %w", err)
		}
		for _, f := range rows {
			fresh.upsert(f)
		}
		if len(rows) < page {
			break
		}
		after = rows[len(rows)-1].ID
	}
	fresh.layOut()
	ix.mu.Lock()
	ix.pts, ix.free, ix.byID, ix.cells, ix.cellCats, ix.hours, ix.schedules = fresh.pts, fresh.free, fresh.byID, fresh.cells, fresh.cellCats, fresh.hours, fresh.schedules
	ix.labels = fresh.labels
	ix.networks = networks
	ix.seq, ix.loaded = seq, true
	ix.mu.Unlock()
	// A full load churns through every row once; hand that garbage back
	// to the OS now rather than holding it as resident memory.
	debug.FreeOSMemory()
	return nil
}

func (ix *Index) catchUp(ctx context.Context, from, to int) error {
	changes, err := ix.client.Change.Query().
		Where(change.IDGT(from), change.IDLTE(to), change.EntityIn("Facility", "WalkNetwork")).
		Select(change.FieldEntity, change.FieldEntityID).All(ctx)
	if err != nil {
		return fmt.Errorf("servicemap: read changes: %w", err)
	}
	seen := map[int]bool{}
	var ids []int
	var networks []*walknet.Graph
	for _, c := range changes {
		if c.Entity == "WalkNetwork" {
			if networks == nil {
				if networks, err = ix.loadNetworks(ctx); err != nil {
					return err
				}
			}
			continue
		}
		if !seen[c.EntityID] {
			seen[c.EntityID] = true
			ids = append(ids, c.EntityID)
		}
	}
	var rows []*ent.Facility
	for len(ids) > 0 { // in chunks: databases bound the number of parameters
		n := min(len(ids), 5000)
		part, err := ix.client.Facility.Query().Where(facility.IDIn(ids[:n]...)).Select(indexColumns...).All(ctx)
		if err != nil {
			return fmt.Errorf("servicemap: read changed facilities: %w", err)
		}
		rows = append(rows, part...)
		ids = ids[n:]
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if networks != nil {
		ix.networks = networks
		for i := range ix.pts {
			if _, live := ix.byID.get(ix.pts[i].id); live {
				ix.pts[i].snapTo(networks)
			}
		}
	}
	for _, f := range rows {
		ix.upsert(f)
		delete(seen, f.ID)
	}
	for id := range seen { // logged but gone: deleted
		ix.remove(id)
	}
	ix.seq = to
	return nil
}

// emptyIndex returns the tables of an index with no facility, to fill
// with upsert.
func emptyIndex() *Index {
	return &Index{cells: map[uint64][]int32{}, cellCats: map[uint64]uint64{}, hours: map[string]uint32{},
		schedules: []*openinghours.Schedule{nil}, labels: newLabelTable()}
}

// upsert adds or replaces f. Callers hold mu (or own ix exclusively).
func (ix *Index) upsert(f *ent.Facility) {
	ix.remove(f.ID)
	p := point{id: f.ID, lat: f.Lat, lng: f.Lng, cat: catIndex[f.Category], status: statusOf(f.Status),
		labels: ix.labels.set(f.Services, f.Tags)}
	p.snapTo(ix.networks)
	if f.OpeningHours != "" {
		sch, ok := ix.hours[f.OpeningHours]
		if !ok {
			if parsed, err := openinghours.Parse(f.OpeningHours); err == nil {
				sch = uint32(len(ix.schedules))
				ix.schedules = append(ix.schedules, &parsed)
			}
			ix.hours[f.OpeningHours] = sch
		}
		p.hours = sch
	}
	var i int32
	if n := len(ix.free); n > 0 {
		i, ix.free = ix.free[n-1], ix.free[:n-1]
		ix.pts[i] = p
	} else {
		i = int32(len(ix.pts))
		ix.pts = append(ix.pts, p)
	}
	ix.byID.set(f.ID, i)
	y, x := cellOf(p.lat, p.lng)
	k := cellKey(y, x)
	ix.cells[k] = append(ix.cells[k], i)
	ix.cellCats[k] |= catBit(&p)
}

// layOut stores the points cell by cell, in the cells' key order, so that
// a search reads each cell's points from consecutive memory instead of
// jumping across the whole array (points are loaded in ID order, which has
// nothing to do with place): the whole-city report, which reads some 59
// million points, spent most of its time waiting for memory. Points added
// later go at the end, as before. Callers own ix exclusively.
func (ix *Index) layOut() {
	keys := make([]uint64, 0, len(ix.cells))
	for k := range ix.cells {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pts := make([]point, 0, len(ix.pts)-len(ix.free))
	cats := make(map[uint64]uint64, len(ix.cells))
	// The ID table anew: dense if the IDs are, whatever the first IDs
	// loaded made of it.
	minID, maxID := math.MaxInt, math.MinInt
	for _, list := range ix.cells {
		for _, i := range list {
			minID, maxID = min(minID, ix.pts[i].id), max(maxID, ix.pts[i].id)
		}
	}
	ix.byID = idTable{}
	if n := cap(pts); n == 0 {
		// empty: the first ID set is the base
	} else if maxID-minID < 4*n+1024 {
		ix.byID.base, ix.byID.dense = minID, make([]int32, 0, maxID-minID+1)
	} else {
		ix.byID.sparse = make(map[int]int32, n)
	}
	for _, k := range keys {
		list := ix.cells[k]
		for j, i := range list {
			n := int32(len(pts))
			pts = append(pts, ix.pts[i])
			list[j] = n
			ix.byID.set(ix.pts[i].id, n)
			cats[k] |= catBit(&ix.pts[i])
		}
	}
	ix.cellCats = cats
	ix.pts, ix.free = pts, nil
}

// idTable maps facility IDs to their points' slots. While the IDs are
// dense, as the database hands them out (from the start of the facilities'
// range of global IDs, 3<<32), it is a slice indexed by ID less the first
// ID (4 bytes an ID: 0.8 MB for 200,000 facilities, where a map[int]int32
// takes several MB); an ID below the first or far past the count (more
// than 4 times it, plus 1,024) turns it into a map, until layOut (after a
// full load) chooses again. Its zero value is empty.
type idTable struct {
	base   int     // the ID of dense[0]
	dense  []int32 // slot+1 by ID-base; 0: none
	sparse map[int]int32
	n      int
}

func (t *idTable) get(id int) (int32, bool) {
	if t.sparse != nil {
		i, ok := t.sparse[id]
		return i, ok
	}
	j := id - t.base
	if j < 0 || j >= len(t.dense) || t.dense[j] == 0 {
		return 0, false
	}
	return t.dense[j] - 1, true
}

func (t *idTable) set(id int, i int32) {
	if _, ok := t.get(id); !ok {
		if t.n == 0 && t.sparse == nil && cap(t.dense) == 0 {
			t.base = id
		}
		t.n++
	}
	j := id - t.base
	if t.sparse == nil && (j < 0 || j >= cap(t.dense) && j >= 4*t.n+1024) {
		t.sparse = make(map[int]int32, t.n)
		for j, v := range t.dense {
			if v != 0 {
				t.sparse[t.base+j] = v - 1
			}
		}
		t.dense = nil
	}
	if t.sparse != nil {
		t.sparse[id] = i
		return
	}
	if j >= len(t.dense) {
		t.dense = slices.Grow(t.dense, j+1-len(t.dense))[:j+1]
	}
	t.dense[j] = i + 1
}

func (t *idTable) del(id int) {
	if _, ok := t.get(id); !ok {
		return
	}
	t.n--
	if t.sparse != nil {
		delete(t.sparse, id)
	} else {
		t.dense[id-t.base] = 0
	}
}

func (t *idTable) len() int { return t.n }

// each calls f with every ID and its slot.
func (t *idTable) each(f func(id int, i int32)) {
	if t.sparse != nil {
		for id, i := range t.sparse {
			f(id, i)
		}
		return
	}
	for j, v := range t.dense {
		if v != 0 {
			f(t.base+j, v-1)
		}
	}
}

// catBit is p's bit in cellCats: none for a point that is not open, and
// every bit for a category past the 64th, which a mask cannot tell apart.
func catBit(p *point) uint64 {
	switch {
	case p.status != statusOpen:
		return 0
	case p.cat >= 64:
		return ^uint64(0)
	}
	return 1 << p.cat
}

// snapTo records p's nearest street node on the first network covering it.
func (p *point) snapTo(networks []*walknet.Graph) {
	p.net = -1
	for i, g := range networks {
		if !g.Covers(p.lat, p.lng) {
			continue
		}
		if n, d, ok := g.Snap(p.lat, p.lng); ok {
			p.net, p.node, p.snap = int16(i), n, float32(d)
			return
		}
	}
}

func (ix *Index) remove(id int) {
	i, ok := ix.byID.get(id)
	if !ok {
		return
	}
	p := ix.pts[i]
	y, x := cellOf(p.lat, p.lng)
	k := cellKey(y, x)
	cell := ix.cells[k]
	for j, v := range cell {
		if v == i {
			cell[j] = cell[len(cell)-1]
			cell = cell[:len(cell)-1]
			break
		}
	}
	if len(cell) == 0 {
		delete(ix.cells, k)
	} else {
		ix.cells[k] = cell
	}
	ix.pts[i] = point{}
	ix.free = append(ix.free, i)
	ix.byID.del(id)
}

// Position is the change log's last entry the index has applied (0 before
// it loads): what it answers reflects at least that entry, so a client
// that follows the log after it misses nothing (it may see an entry again).
func (ix *Index) Position() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.seq
}

// Len is the number of facilities indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.byID.len()
}

// visit calls f for every point within meters of (lat, lng), with its
// distance. Callers hold mu for reading. Distances use the equirectangular
// approximation around the centre: within a few kilometres it differs from
// the great circle by far less than a metre, at a fraction of the cost.
func (ix *Index) visit(lat, lng, meters float64, f func(p *point, dist float64)) {
	const mPerDeg = earthRadius * math.Pi / 180
	cos := math.Cos(lat * math.Pi / 180)
	if cos < 0.01 {
		cos = 0.01
	}
	dLat := meters / mPerDeg
	dLng := dLat / cos
	limit := meters * meters
	y0, x0 := cellOf(lat-dLat, lng-dLng)
	y1, x1 := cellOf(lat+dLat, lng+dLng)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			for _, i := range ix.cells[cellKey(y, x)] {
				p := &ix.pts[i]
				dy := (p.lat - lat) * mPerDeg
				dx := (p.lng - lng) * mPerDeg * cos
				if d2 := dx*dx + dy*dy; d2 <= limit {
					f(p, math.Sqrt(d2))
				}
			}
		}
	}
}

// visitNearestFirst calls f, as visit does, for every point within meters
// of (lat, lng) in the cells that need says to read, taking cells in order
// of their nearest corner's distance dmin, so that need can decide from
// what was found so far; cellCats is the cell's mask (see Index.cellCats).
// Callers hold mu for reading.
func (ix *Index) visitNearestFirst(lat, lng, meters float64, need func(cellCats uint64, dmin float64) bool, f func(p *point, dist float64)) {
	const mPerDeg = earthRadius * math.Pi / 180
	cos := max(math.Cos(lat*math.Pi/180), 0.01)
	dLat := meters / mPerDeg
	dLng := dLat / cos
	limit := meters * meters
	y0, x0 := cellOf(lat-dLat, lng-dLng)
	y1, x1 := cellOf(lat+dLat, lng+dLng)
	type near struct {
		key  uint64
		dmin float64
	}
	var buf [128]near
	cells := buf[:0]
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			// The cell's nearest point to the centre, in the metric
			// visit measures points by: no point in it can be nearer.
			dy := max(float64(y)*cellDeg-lat, lat-float64(y+1)*cellDeg, 0) * mPerDeg
			dx := max(float64(x)*cellDeg-lng, lng-float64(x+1)*cellDeg, 0) * mPerDeg * cos
			if d2 := dx*dx + dy*dy; d2 <= limit {
				cells = append(cells, near{cellKey(y, x), math.Sqrt(d2)})
			}
		}
	}
	slices.SortFunc(cells, func(a, b near) int { return cmp.Compare(a.dmin, b.dmin) })
	for _, c := range cells {
		list := ix.cells[c.key]
		if len(list) == 0 || !need(ix.cellCats[c.key], c.dmin) {
			continue
		}
		for _, i := range list {
			p := &ix.pts[i]
			dy := (p.lat - lat) * mPerDeg
			dx := (p.lng - lng) * mPerDeg * cos
			if d2 := dx*dx + dy*dy; d2 <= limit {
				f(p, math.Sqrt(d2))
			}
		}
	}
}

// candidates is how many points lie in the cells visit(lat, lng, meters)
// looks at. Callers hold mu for reading.
func (ix *Index) candidates(lat, lng, meters float64) int {
	const mPerDeg = earthRadius * math.Pi / 180
	cos := max(math.Cos(lat*math.Pi/180), 0.01)
	dLat := meters / mPerDeg
	dLng := dLat / cos
	y0, x0 := cellOf(lat-dLat, lng-dLng)
	y1, x1 := cellOf(lat+dLat, lng+dLng)
	n := 0
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			n += len(ix.cells[cellKey(y, x)])
		}
	}
	return n
}

// compareHits orders hits as closer does, for slices.SortFunc.
func compareHits(a, b Hit) int {
	switch {
	case a.Minutes < b.Minutes:
		return -1
	case a.Minutes > b.Minutes:
		return 1
	}
	return a.ID - b.ID
}

// Hit is a facility found by a search.
type Hit struct {
	ID      int
	Meters  float64 // straight-line
	Minutes float64 // walking
	Method  Method
}

// NearQuery asks for facilities around a point.
type NearQuery struct {
	Lat, Lng float64
	Model    WalkModel
	Profile  Profile
	// Minutes bounds the walking time; RadiusMeters, when set instead,
	// bounds the straight-line distance.
	Minutes      float64
	RadiusMeters float64
	Categories   []string // empty: all
	// Services and Tags keep the facilities offering any of these services
	// or carrying any of these tags (any of either list when both are
	// given: a facility matches if one of its services is in Services or
	// one of its tags is in Tags). Both empty: all.
	Services, Tags []string
	// OpenAt keeps only facilities open at that time (status OPEN and
	// opening hours that say so).
	OpenAt *time.Time
	// Unsorted leaves the hits in no order, for a caller that pages them
	// with Closest rather than sorting them all.
	Unsorted bool
}

// Near returns every matching facility in reach, shortest walk first (ties
// by ID), leaving out closed ones.
func (ix *Index) Near(ctx context.Context, q NearQuery) ([]Hit, error) {
	var out []Hit
	err := ix.nearEach(ctx, q, func(n int) { out = make([]Hit, 0, n) }, func(h Hit) { out = append(out, h) })
	if err != nil {
		return nil, err
	}
	if !q.Unsorted {
		slices.SortFunc(out, compareHits)
	}
	return out, nil
}

// NearPage gives what Closest would give of Near's hits, and how many
// there are, without holding every hit: a page of facilitiesNear needs the
// n closest after the cursor and a count, not the thousand hits in reach.
func (ix *Index) NearPage(ctx context.Context, q NearQuery, after *Hit, n int) (page []Hit, before, total int, err error) {
	p := NewPager(after, n)
	if err := ix.nearEach(ctx, q, func(int) {}, p.Add); err != nil {
		return nil, 0, 0, err
	}
	return p.Page(), p.Before, p.Total, nil
}

// nearEach calls f with every matching facility in reach, in no order,
// after telling size how many points it will look at (a bound on the
// hits).
func (ix *Index) nearEach(ctx context.Context, q NearQuery, size func(int), f func(Hit)) error {
	if err := ix.Sync(ctx); err != nil {
		return err
	}
	var want map[uint16]bool
	if len(q.Categories) > 0 {
		want = map[uint16]bool{}
		for _, c := range q.Categories {
			want[catIndex[c]] = true
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	labels := ix.labels.matcher(q.Services, q.Tags)
	budget, radius := q.Minutes, q.RadiusMeters
	if radius > 0 {
		// Times for a distance search: paths up to three times the radius.
		budget = 3 * radius / q.Model.metersPerMinute(q.Profile)
	}
	r := ix.newRouter(q.Model, q.Profile, q.Lat, q.Lng, budget)
	if radius == 0 {
		radius = r.candidateMeters(q.Minutes)
	}
	size(ix.candidates(q.Lat, q.Lng, radius))
	ix.visit(q.Lat, q.Lng, radius, func(p *point, d float64) {
		if p.status == statusClosed || (want != nil && !want[p.cat]) || !labels.has(p.labels) {
			return
		}
		if q.OpenAt != nil && (p.status != statusOpen || p.hours == 0 || !ix.schedules[p.hours].OpenAt(*q.OpenAt)) {
			return
		}
		h := Hit{ID: p.id, Meters: d, Method: r.Method()}
		m, ok := r.minutes(p, d)
		switch {
		case ok:
			h.Minutes = m
		case q.RadiusMeters > 0: // within the radius but off the network
			h.Minutes, h.Method = q.Model.Minutes(q.Profile, d), StraightLine
		default:
			return
		}
		if q.RadiusMeters == 0 && h.Minutes > q.Minutes {
			return
		}
		f(h)
	})
	return nil
}

// Closest returns, in order, the n closest of hits (in any order) that
// come after the cursor after (nil: from the start), and how many come
// before or at it: the page sorting all of hits would give, in one pass
// and a bounded insertion instead of a sort.
func Closest(hits []Hit, after *Hit, n int) (page []Hit, before int) {
	p := NewPager(after, n)
	for _, h := range hits {
		p.Add(h)
	}
	return p.Page(), p.Before
}

// A Pager is Closest fed one hit at a time: it keeps the n closest hits
// after a cursor, in order, and counts the hits (Total) and those before or
// at the cursor (Before).
type Pager struct {
	after         *Hit
	n             int
	page          []Hit
	Total, Before int
}

// NewPager returns a Pager for the n closest hits after the cursor after
// (nil: from the start).
func NewPager(after *Hit, n int) *Pager {
	p := &Pager{after: after, n: max(n, 0)}
	if p.n > 0 {
		p.page = make([]Hit, 0, min(p.n, 64))
	}
	return p
}

// Add offers a hit.
func (p *Pager) Add(h Hit) {
	p.Total++
	if p.after != nil && compareHits(h, *p.after) <= 0 {
		p.Before++
		return
	}
	n := p.n
	if n == 0 || (len(p.page) == n && compareHits(h, p.page[n-1]) >= 0) {
		return
	}
	i, _ := slices.BinarySearchFunc(p.page, h, compareHits)
	if len(p.page) < n {
		p.page = append(p.page, Hit{})
	}
	copy(p.page[i+1:], p.page[i:len(p.page)-1])
	p.page[i] = h
}

// Page is the n closest hits after the cursor, closest first (nil when n
// is 0).
func (p *Pager) Page() []Hit { return p.page }
