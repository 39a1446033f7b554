// Package widgetdata answers the embeddable map's one request: everything
// a widget shows for a community or compound — the walking circle, the
// facilities in it with human opening hours in each language, phone,
// services and next activities, the community-level coverage, and the
// streets of the imported walking network for a base map — as one JSON
// document with an ETag, so a repeat load is a 304 or a browser-cache hit.
package widgetdata

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/contrib/entgql"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/facility"
	"lifecircle/ent/region"
	"lifecircle/internal/apperr"
	"lifecircle/internal/gid"
	"lifecircle/internal/limits"
	"lifecircle/internal/openinghours"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/timefmt"
	"lifecircle/internal/walknet"
)

// Bounds of a request and of its answer.
const (
	// MaxMinutes bounds the walk a widget may show (the snippet's
	// data-minutes, 1–30).
	MaxMinutes = 30
	// MaxFacilities bounds the facilities in one answer; the widget says
	// when there are more.
	MaxFacilities = 300
	// ActivitiesPerFacility is how many upcoming activities each
	// facility lists.
	ActivitiesPerFacility = 3
	// streetPoints bounds the base map's points (about 15 bytes each,
	// before gzip); streetTolerance is how far a simplified street may
	// stray from the surveyed one.
	streetPoints = 15000
	// Activities are listed up to activityHorizon ahead, at most
	// maxActivities read in all.
	activityHorizon = 90 * 24 * time.Hour
	maxActivities   = 2000
	streetTolerance = 4.0
)

// CommunityTiers are the GB 50180-2018 tiers a community provides itself:
// the 5-minute circle (a community of 5,000–12,000 people) and the
// neighbourhood blocks inside it. The 10- and 15-minute tiers are
// provided by the subdistrict, so a community is never counted as lacking
// them.
var CommunityTiers = []taxonomy.Tier{taxonomy.Tier5, taxonomy.TierBlock}

// Texts is a string per language: zh-Hans, zh-Hant, en.
type Texts map[string]string

// Place is the community or compound the widget is about.
type Place struct {
	ID     string  `json:"id"`
	Kind   string  `json:"kind"` // community or compound
	Name   string  `json:"name"`
	NameEn string  `json:"nameEn,omitempty"`
	Lat    float64 `json:"lat"`
	Lng    float64 `json:"lng"`
}

// Category is a facility category as the widget labels it.
type Category struct {
	Labels Texts  `json:"labels"`
	Group  string `json:"group"`
}

// Activity is an upcoming activity at a facility.
type Activity struct {
	Title    string `json:"title"`
	StartsAt string `json:"startsAt"`
	EndsAt   string `json:"endsAt"`
}

// Facility is one place on the map and in the list.
type Facility struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Names       Texts      `json:"names,omitempty"`
	Category    string     `json:"category"`
	Lat         float64    `json:"lat"`
	Lng         float64    `json:"lng"`
	WalkMinutes float64    `json:"walkMinutes"`
	Address     string     `json:"address,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	Services    []string   `json:"services,omitempty"`
	Hours       Texts      `json:"hours,omitempty"` // formatted for people, per language
	OpenNow     *bool      `json:"openNow"`
	Activities  []Activity `json:"activities,omitempty"`
}

// Coverage is what the circle holds of the categories the standard asks
// of a community (CommunityTiers, required ▲ rows only).
type Coverage struct {
	// Tiers are the tiers counted.
	Tiers []taxonomy.Tier `json:"tiers"`
	// Categories are the counted categories, in the standard's order.
	Categories []CoveredCategory `json:"categories"`
	// Reached counts those with a facility within the circle's walk.
	Reached int `json:"reached"`
	// Total counts them all.
	Total int `json:"total"`
	// ToVerify says the standard's rows are taken from summaries and not
	// yet checked against its text ([verify] in internal/taxonomy): a
	// category not found is "to be verified", never a firm failure.
	ToVerify bool `json:"toVerify"`
}

// CoveredCategory is one counted category.
type CoveredCategory struct {
	Code        string `json:"code"`
	WithinReach int    `json:"withinReach"`
	// NearestMinutes is the walk to the nearest open one, within twice
	// the circle's time; null when none is that close.
	NearestMinutes *float64 `json:"nearestMinutes"`
	// StandardMinutes is the walk the standard's tier names.
	StandardMinutes int  `json:"standardMinutes"`
	ToVerify        bool `json:"toVerify"`
}

// Streets are the base map's polylines of [lat, lng].
type Streets struct {
	Lines     [][][2]float64 `json:"lines"`
	Truncated bool           `json:"truncated"`
}

// Data is the whole answer.
type Data struct {
	Place      Place               `json:"place"`
	Minutes    float64             `json:"minutes"`
	Method     servicemap.Method   `json:"method"`
	Polygon    map[string]any      `json:"polygon"`
	Coverage   Coverage            `json:"coverage"`
	Categories map[string]Category `json:"categories"`
	Facilities []Facility          `json:"facilities"`
	// More is true when facilities beyond MaxFacilities were left out.
	More    bool    `json:"more"`
	Streets Streets `json:"streets"`
	// AsOf is when openNow and the activities were read.
	AsOf string `json:"asOf"`
	// Cursor is the change feed's position the answer reflects at least:
	// a map that subscribes to facilityChanged after it misses no change
	// made after the answer was read (it may receive one again).
	Cursor string `json:"cursor"`
}

// Query is what a request asks.
type Query struct {
	Place      int
	Minutes    float64
	Categories []string
	// Services and Tags keep the facilities offering any of these
	// services or carrying any of these tags (either list matching
	// suffices); the services summary still counts every facility.
	Services, Tags []string
}

// ParseQuery reads place (a community's or compound's ID), minutes
// (default 15), categories (comma-separated codes), and services and tags
// (comma-separated values, at most limits.MaxAnyOfValues each) from a URL
// query.
func ParseQuery(v map[string][]string) (Query, error) {
	get := func(k string) string {
		if len(v[k]) == 0 {
			return ""
		}
		return v[k][0]
	}
	q := Query{Minutes: servicemap.DefaultMinutes}
	p := get("place")
	if p == "" {
		return q, apperr.BadInput("place", "place is required: the ID of a community or compound")
	}
	id, err := gid.Decode(p)
	if err != nil {
		return q, apperr.BadInput("place", "%v", err)
	}
	q.Place = id
	if m := get("minutes"); m != "" {
		f, err := strconv.ParseFloat(m, 64)
		if err != nil || math.IsNaN(f) || f <= 0 || f > MaxMinutes {
			return q, apperr.BadInput("minutes", "minutes must be a number above 0 and at most %d", MaxMinutes)
		}
		q.Minutes = f
	}
	if c := get("categories"); c != "" {
		for _, code := range strings.Split(c, ",") {
			code = strings.TrimSpace(code)
			if code == "" {
				continue // "a,,b" and a trailing comma, as hand-written snippets have
			}
			if !taxonomy.Valid(code) {
				return q, apperr.BadInput("categories", "unknown category %q", truncate(code))
			}
			if !slices.Contains(q.Categories, code) {
				q.Categories = append(q.Categories, code)
			}
		}
		slices.Sort(q.Categories)
	}
	var err2 error
	if q.Services, err2 = anyOf("services", get("services")); err2 != nil {
		return q, err2
	}
	if q.Tags, err2 = anyOf("tags", get("tags")); err2 != nil {
		return q, err2
	}
	return q, nil
}

// anyOf reads a comma-separated list of values, dropping empty entries and
// repeats, sorted (so that one question is one cache entry).
func anyOf(field, v string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	if err := limits.CheckAnyOf(field, out); err != nil {
		return nil, err
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// key is the cache key of q: the same question spelled differently
// (category order, repeats) is one entry.
func (q Query) key() string {
	return strconv.Itoa(q.Place) + "|" + strconv.FormatFloat(q.Minutes, 'g', -1, 64) + "|" + strings.Join(q.Categories, ",") +
		"|" + strings.Join(q.Services, "\x00") + "|" + strings.Join(q.Tags, "\x00")
}

// errNotFound: the ID names no community or compound.
var errNotFound = errors.New("not found")

// Build computes the answer to q at now.
func Build(ctx context.Context, client *ent.Client, places *servicemap.Index, walk servicemap.WalkModel, q Query, now time.Time) (*Data, error) {
	place, err := loadPlace(ctx, client, q.Place)
	if err != nil {
		return nil, err
	}
	circle, err := places.Coverage(ctx, walk, servicemap.CircleQuery{Lat: place.Lat, Lng: place.Lng, Minutes: q.Minutes, K: 1})
	if err != nil {
		return nil, err
	}
	// Read after Coverage brought the index up to date and before Near:
	// the facilities are as of this position or later.
	cursor, err := feedCursor(places.Position())
	if err != nil {
		return nil, err
	}
	hits, err := places.Near(ctx, servicemap.NearQuery{Lat: place.Lat, Lng: place.Lng, Model: walk, Minutes: q.Minutes, Categories: q.Categories, Services: q.Services, Tags: q.Tags})
	if err != nil {
		return nil, err
	}
	d := &Data{
		Place: place, Minutes: q.Minutes, Method: circle.Method,
		Polygon: polygon(circle), Coverage: coverage(circle),
		Categories: map[string]Category{}, Facilities: []Facility{},
		AsOf: timefmt.Format(now), Cursor: cursor,
	}
	if len(hits) > MaxFacilities {
		hits, d.More = hits[:MaxFacilities], true
	}
	if err := d.addFacilities(ctx, client, hits, now); err != nil {
		return nil, err
	}
	for _, c := range d.Coverage.Categories {
		if cat, ok := taxonomy.Lookup(c.Code); ok {
			d.Categories[c.Code] = Category{Group: cat.Group, Labels: labels(cat)}
		}
	}
	// The base map: streets a little beyond the circle's reach, where the
	// facilities are.
	reach := walk.ReachMeters("", q.Minutes) * 1.2
	dLat := reach / 111195
	dLng := dLat / math.Max(math.Cos(place.Lat*math.Pi/180), 0.01)
	box := walknet.Box{MinLat: place.Lat - dLat, MinLng: place.Lng - dLng, MaxLat: place.Lat + dLat, MaxLng: place.Lng + dLng}
	lines, truncated, err := places.Streets(ctx, box, streetTolerance, streetPoints)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		for i := range l {
			l[i] = [2]float64{round5(l[i][0]), round5(l[i][1])}
		}
	}
	d.Streets = Streets{Lines: lines, Truncated: truncated}
	if d.Streets.Lines == nil {
		d.Streets.Lines = [][][2]float64{}
	}
	return d, nil
}

// feedCursor spells a change-log position as the changes query and
// facilityChanged do.
func feedCursor(seq int) (string, error) {
	var b bytes.Buffer
	entgql.Cursor[int]{ID: seq}.MarshalGQL(&b)
	return strconv.Unquote(b.String())
}

func round5(x float64) float64 { return math.Round(x*1e5) / 1e5 }

func loadPlace(ctx context.Context, client *ent.Client, id int) (Place, error) {
	r, err := client.Region.Query().Where(region.ID(id), region.LevelEQ(region.LevelCommunity)).Only(ctx)
	if err == nil {
		return Place{ID: gid.Encode(r.ID), Kind: "community", Name: r.Name, NameEn: r.NameEn, Lat: r.Lat, Lng: r.Lng}, nil
	}
	if !ent.IsNotFound(err) {
		return Place{}, err
	}
	c, err := client.Compound.Get(ctx, id)
	if ent.IsNotFound(err) {
		return Place{}, errNotFound
	}
	if err != nil {
		return Place{}, err
	}
	return Place{ID: gid.Encode(c.ID), Kind: "compound", Name: c.Name, Lat: c.Lat, Lng: c.Lng}, nil
}

// polygon is the circle's shape: the hull of the street nodes reached on
// foot, or a circle of the straight-line reach without a network.
func polygon(c servicemap.Circle) map[string]any {
	if c.Reached != nil {
		if p, ok := servicemap.Hull(append(c.Reached, [2]float64{c.Query.Lat, c.Query.Lng})); ok {
			return p
		}
	}
	return servicemap.CirclePolygon(c.Query.Lat, c.Query.Lng, c.ReachMeters, 64)
}

func coverage(c servicemap.Circle) Coverage {
	cov := Coverage{Tiers: CommunityTiers, Categories: []CoveredCategory{}}
	for _, cc := range c.Categories {
		cat := cc.Category
		if !cat.Required || !slices.Contains(CommunityTiers, cat.Tier) {
			continue
		}
		row := CoveredCategory{Code: cat.Code, WithinReach: cc.WithinReach, StandardMinutes: cat.Tier.Minutes(), ToVerify: cat.Standard}
		if len(cc.Nearest) > 0 {
			m := math.Round(cc.Nearest[0].Minutes*10) / 10
			row.NearestMinutes = &m
		}
		cov.Total++
		if cc.WithinReach > 0 {
			cov.Reached++
		}
		cov.ToVerify = cov.ToVerify || cat.Standard
		cov.Categories = append(cov.Categories, row)
	}
	return cov
}

func (d *Data) addFacilities(ctx context.Context, client *ent.Client, hits []servicemap.Hit, now time.Time) error {
	if len(hits) == 0 {
		return nil
	}
	ids := make([]int, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	rows, err := client.Facility.Query().Where(facility.IDIn(ids...)).All(ctx)
	if err != nil {
		return err
	}
	byID := make(map[int]*ent.Facility, len(rows))
	for _, f := range rows {
		byID[f.ID] = f
	}
	acts, err := client.Activity.Query().
		Where(activity.VenueIDIn(ids...), activity.StatusEQ(activity.StatusScheduled),
			activity.EndsAtGT(now), activity.StartsAtLT(now.Add(activityHorizon))).
		Order(ent.Asc(activity.FieldStartsAt), ent.Asc(activity.FieldID)).
		Limit(maxActivities).All(ctx)
	if err != nil {
		return err
	}
	upcoming := map[int][]Activity{}
	for _, a := range acts {
		if a.VenueID == nil || len(upcoming[*a.VenueID]) >= ActivitiesPerFacility {
			continue
		}
		upcoming[*a.VenueID] = append(upcoming[*a.VenueID], Activity{Title: a.Title, StartsAt: timefmt.Format(a.StartsAt), EndsAt: timefmt.Format(a.EndsAt)})
	}
	for _, h := range hits {
		f, ok := byID[h.ID]
		if !ok {
			continue // removed since the index was read
		}
		out := Facility{
			ID: gid.Encode(f.ID), Name: f.Name, Category: f.Category, Lat: f.Lat, Lng: f.Lng,
			WalkMinutes: math.Round(h.Minutes*100) / 100, Address: f.Address, Phone: f.Phone,
			Services: f.Services, OpenNow: servicemap.OpenAt(f, now), Activities: upcoming[f.ID],
		}
		if len(f.Names) > 0 {
			out.Names = Texts{}
			for _, n := range f.Names {
				out.Names[n.Lang] = n.Value
			}
		}
		if f.OpeningHours != "" {
			out.Hours = Texts{}
			for _, lang := range openinghours.FormatLanguages {
				out.Hours[lang] = openinghours.Format(f.OpeningHours, lang)
			}
		}
		d.Facilities = append(d.Facilities, out)
		if _, seen := d.Categories[f.Category]; !seen {
			if cat, ok := taxonomy.Lookup(f.Category); ok {
				d.Categories[f.Category] = Category{Group: cat.Group, Labels: labels(cat)}
			}
		}
	}
	return nil
}

func labels(c taxonomy.Category) Texts {
	return Texts{"zh-Hans": c.Labels.ZhHans, "zh-Hant": c.Labels.ZhHant, "en": c.Labels.En}
}

// logInternal records an error a client is not shown.
func logInternal(ctx context.Context, err error) {
	slog.ErrorContext(ctx, "widget data", "error", err)
}
